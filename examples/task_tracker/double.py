"""A loopback test double of the task_tracker server (github.com/simon987/task_tracker).

This is a test double, not the real server: a small stdlib HTTP server with in-memory state that copies the behaviour
of the Go server's worker API as of API version 1.1 (api/main.go at commit 0ea6e18 with the 204 log answers of
62f9ca4d, schema.sql at 72c8e18). It covers ``GET /``, the worker, task, log, ``project/get`` and
``project/request_access`` routes: their authentication checks and per-route status codes, the exact messages, the
``{ok, message, rate_limit_delay, content}`` envelope with Go's ``omitempty`` (empty fields left out), per-project
token buckets answering 429 with ``rate_limit_delay`` in seconds, and the task assignment and release rules. Manager
(web UI) routes are not served; tests set projects and grants up through the methods below instead.

Known differences: a duplicate task hash is refused with a message shaped like PostgreSQL's; an ``X-Secret`` much
longer than a real one is simply "invalid secret" (the real server may crash on it).

    with TaskTrackerDouble() as double:
        project = double.add_project(name="demo")
        ...  # point a client at double.url
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import struct
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["TaskTrackerDouble", "siphash24"]

SERVER_VERSION = "1.1"
UNLIMITED = sys.float_info.max  # Go's rate.Inf, as a rate of 0 reads back
INF_DELAY = 9223372036.854776  # x/time/rate's InfDuration in seconds (a reservation that can never be met)
PARSE_ERROR = "Could not parse request"
NEW, FAILED = 1, 2
TR_OK, TR_FAIL, TR_SKIP = 0, 1, 2
LOG_LEVELS = {"error": 3, "warn": 4, "info": 5, "trace": 7}

INT16, INT64 = (-(2**15), 2**15 - 1), (-(2**63), 2**63 - 1)
SUBMIT_FIELDS = {
    "project": INT64, "max_retries": INT16, "recipe": str, "priority": INT16, "max_assign_time": INT64,
    "hash_u64": INT64, "unique_string": str, "verification_count": INT16,
}  # fmt: skip


class ParseError(Exception):
    """The body does not decode into the Go request struct."""


class AuthError(Exception):
    """validateSecret failed; the text is what the server puts in ``message``."""


def siphash24(k0: int, k1: int, data: bytes) -> int:
    """SipHash-2-4 with the two 64-bit key halves, as github.com/dchest/siphash.Hash(k0, k1, data)."""
    mask = 2**64 - 1

    def rotl(x: int, b: int) -> int:
        return ((x << b) | (x >> (64 - b))) & mask

    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(n: int) -> None:
        for _ in range(n):
            v[0] = (v[0] + v[1]) & mask
            v[1] = rotl(v[1], 13) ^ v[0]
            v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & mask
            v[3] = rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & mask
            v[3] = rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & mask
            v[1] = rotl(v[1], 17) ^ v[2]
            v[2] = rotl(v[2], 32)

    tail = len(data) % 8
    blocks = [struct.unpack_from("<Q", data, i)[0] for i in range(0, len(data) - tail, 8)]
    blocks.append(int.from_bytes(data[len(data) - tail :], "little") | ((len(data) & 0xFF) << 56))
    for m in blocks:
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _to_int64(value: int) -> int:
    return value - 2**64 if value >= 2**63 else value


def _go_parse_int(text: str) -> int:
    """strconv.ParseInt(text, 10, 64), raising with Go's error text."""
    quoted = json.dumps(text)
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(f"strconv.ParseInt: parsing {quoted}: invalid syntax")
    value = int(text)
    if not INT64[0] <= value <= INT64[1]:
        raise ValueError(f"strconv.ParseInt: parsing {quoted}: value out of range")
    return value


def _decode(raw: bytes, fields: Dict[str, Any]) -> Dict[str, Any]:
    """Go's json.Unmarshal into a struct: unknown keys ignored, keys matched exactly first and then ignoring case,
    null leaves the zero value, a wrong type or an out-of-range integer fails. ``fields``: name -> (lo, hi) for an
    integer, or str / bool / float / list."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ParseError() from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParseError()
    zero = {str: "", bool: False, float: 0.0, list: None}
    out: Dict[str, Any] = {}
    for name, kind in fields.items():
        key = name if name in data else next((k for k in data if k.lower() == name.lower()), None)
        value = data.get(key) if key is not None else None
        if value is None:
            out[name] = 0 if isinstance(kind, tuple) else zero[kind]
        elif isinstance(kind, tuple):
            if type(value) is not int or not kind[0] <= value <= kind[1]:
                raise ParseError()
            out[name] = value
        elif kind is float:
            if type(value) not in (int, float):
                raise ParseError()
            out[name] = float(value)
        elif type(value) is not kind:
            raise ParseError()
        else:
            out[name] = value
    return out


@dataclass
class Worker:
    id: int
    created: int
    alias: str
    secret: bytes
    paused: bool = False
    closed_task_count: int = 0

    def as_json(self, with_secret: bool = False) -> Dict[str, Any]:
        secret = base64.b64encode(self.secret).decode() if with_secret else None
        return {"id": self.id, "created": self.created, "alias": self.alias, "secret": secret, "paused": self.paused}


@dataclass
class Project:
    id: int
    name: str
    priority: int = 0
    clone_url: str = ""
    git_repo: str = ""
    version: str = ""
    motd: str = ""
    public: bool = True
    hidden: bool = False
    chain: int = 0
    paused: bool = False
    assign_rate: float = UNLIMITED
    submit_rate: float = UNLIMITED
    closed_task_count: int = 0

    def as_json(self) -> Dict[str, Any]:
        data = asdict(self)
        del data["closed_task_count"]
        return data


@dataclass
class Task:
    id: int
    project: int
    recipe: str
    priority: int = 0
    max_retries: int = 0
    max_assign_time: int = 0
    verification_count: int = 0
    hash64: int = 0  # 0 = NULL
    assignee: int = 0
    assign_time: int = 0
    retries: int = 0
    status: int = NEW
    verifications: List[Tuple[int, int]] = field(default_factory=list)  # (worker, verification hash)


@dataclass
class Access:
    assign: bool
    submit: bool
    request: bool  # True while the request is pending


class Bucket:
    """golang.org/x/time/rate.Limiter with burst 1: Reserve/ReserveN and Cancel, as rate.go uses them."""

    def __init__(self, rate: float) -> None:
        self.rate, self.tokens, self.last = rate, 1.0, time.monotonic()
        self.forced: List[float] = []  # delays the test asked for, answered before anything else

    def reserve(self, n: int = 1) -> float:
        """Take n tokens and return 0, or take nothing and return the delay in seconds."""
        if self.forced:
            return self.forced.pop(0)
        if self.rate >= UNLIMITED:
            return 0.0
        if n > 1:
            return INF_DELAY
        now = time.monotonic()
        self.tokens, self.last = min(1.0, self.tokens + (now - self.last) * self.rate), now
        if self.tokens >= n:
            self.tokens -= n
            return 0.0
        return (n - self.tokens) / self.rate

    def cancel(self, n: int = 1) -> None:
        if self.rate < UNLIMITED:
            self.tokens = min(1.0, self.tokens + n)


class TaskTrackerDouble:
    """The server (see the module docstring). ``requests`` records every request as (method, path, headers)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.workers: Dict[int, Worker] = {}
        self.projects: Dict[int, Project] = {}
        self.tasks: Dict[int, Task] = {}
        self.closed: List[Task] = []
        self.access: Dict[Tuple[int, int], Access] = {}
        self.logs: List[Dict[str, Any]] = []
        self.requests: List[Tuple[str, str, Dict[str, str]]] = []
        self._buckets: Dict[Tuple[str, int], Bucket] = {}
        self._scripted: Dict[Tuple[str, str], List[Tuple[int, Optional[Dict[str, Any]]]]] = {}
        self._ids = {"worker": 0, "project": 0, "task": 0}
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- life cycle --------------------------------------------------------------------------------------------------

    def start(self) -> "TaskTrackerDouble":
        handler = type("Handler", (_Handler,), {"double": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="task-tracker-double", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "TaskTrackerDouble":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the double first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- test-side API -----------------------------------------------------------------------------------------------

    def _next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def add_project(self, name: str, public: bool = True, assign_rate: float = 0, submit_rate: float = 0,
                    **fields: Any) -> int:  # fmt: skip
        """Create a project (what a manager does in the web UI); a rate of 0 means unlimited. Returns its id."""
        with self.lock:
            project = Project(id=self._next_id("project"), name=name, public=public, **fields)
            self.projects[project.id] = project
        self.set_rates(project.id, assign_rate, submit_rate)
        return project.id

    def set_rates(
        self, project_id: int, assign_rate: Optional[float] = None, submit_rate: Optional[float] = None
    ) -> None:
        """Change a project's rates (per second, 0 = unlimited); like a project update, this resets its limiters."""
        with self.lock:
            project = self.projects[project_id]
            if assign_rate is not None:
                project.assign_rate = float(assign_rate) or UNLIMITED
            if submit_rate is not None:
                project.submit_rate = float(submit_rate) or UNLIMITED
            for kind in ("assign", "submit"):
                self._buckets.pop((kind, project_id), None)

    def update_project(self, project_id: int, **fields: Any) -> None:
        """Set other project fields (``paused``, ``hidden``, ``motd``, ``version``...)."""
        with self.lock:
            for name, value in fields.items():
                setattr(self.projects[project_id], name, value)

    def grant(self, worker_id: int, project_id: int, assign: bool = True, submit: bool = True) -> None:
        """Give a worker accepted access to a project (or accept its pending request with these roles)."""
        with self.lock:
            self.access[(worker_id, project_id)] = Access(assign=assign, submit=submit, request=False)

    def pause_worker(self, worker_id: int, paused: bool = True) -> None:
        with self.lock:
            self.workers[worker_id].paused = paused

    def rate_limit_next(self, project_id: int, delay: float = 0.05, kind: str = "assign") -> None:
        """Make the next ``kind`` ("assign": task/get, "submit": task/submit and bulk_submit) request on the project
        get 429 with ``rate_limit_delay`` = delay, once."""
        with self.lock:
            self._bucket(kind, project_id).forced.append(delay)

    def add_task(self, project_id: int, recipe: str, **fields: Any) -> int:
        """Insert a task directly, without the submit checks. Returns its id."""
        with self.lock:
            task = Task(id=self._next_id("task"), project=project_id, recipe=recipe, **fields)
            self.tasks[task.id] = task
            return task.id

    def answer_next(self, method: str, path: str, status: int, envelope: Optional[Dict[str, Any]]) -> None:
        """Answer the next request to ``method path`` with this status and envelope (None: no body) instead: for
        answers the server gives only in states the double does not reach, e.g. a 200 ``{"ok": false, "message":
        "Could not update worker"}``."""
        with self.lock:
            self._scripted.setdefault((method, path), []).append((status, envelope))

    def count(self, method: str, path: str) -> int:
        """How many requests were made to that method and path."""
        with self.lock:
            return sum(1 for m, p, _ in self.requests if m == method and p == path)

    # -- the server's logic --------------------------------------------------------------------------------------

    def _bucket(self, kind: str, project_id: int) -> Bucket:
        key = (kind, project_id)
        if key not in self._buckets:
            project = self.projects[project_id]
            self._buckets[key] = Bucket(project.assign_rate if kind == "assign" else project.submit_rate)
        return self._buckets[key]

    def _validate_secret(self, headers: Any) -> Worker:
        worker_id, secret = headers.get("X-Worker-Id", ""), headers.get("X-Secret", "")
        if not worker_id:
            raise AuthError("worker id not specified")
        if not secret:
            raise AuthError("secret is not specified")
        try:
            wid = _go_parse_int(worker_id)
        except ValueError as e:
            raise AuthError(str(e)) from None
        worker = self.workers.get(wid)
        if worker is None:
            raise AuthError("worker id does not match any valid worker")
        try:
            decoded = base64.b64decode(secret, validate=True)
        except ValueError:
            decoded = b""
        if decoded != worker.secret:
            raise AuthError("invalid secret")
        return worker

    def _has(self, worker_id: int, project_id: int, role: str) -> bool:
        access = self.access.get((worker_id, project_id))
        return access is not None and not access.request and bool(getattr(access, role))

    def _insert(self, req: Dict[str, Any], worker: Worker) -> Optional[str]:
        """SaveTask: the error text, or None once the task is stored."""
        if not self._has(worker.id, req["project"], "submit"):
            return "unauthorized task submit"
        hash64 = req["hash_u64"]
        if req["unique_string"]:
            hash64 = _to_int64(siphash24(1, 2, req["unique_string"].encode()))
        if hash64 and any(t.project == req["project"] and t.hash64 == hash64 for t in self.tasks.values()):
            return 'pq: duplicate key value violates unique constraint "task_project_hash64_key"'
        fields = {k: req[k] for k in ("priority", "max_retries", "max_assign_time", "verification_count")}
        self.add_task(req["project"], req["recipe"], hash64=hash64, **fields)
        return None

    def _close(self, task: Task) -> None:
        """DELETE FROM task, with the on_task_delete trigger's counters (project chains are not modelled)."""
        del self.tasks[task.id]
        self.closed.append(task)
        project = self.projects[task.project]
        project.closed_task_count += 1
        self.workers[task.assignee].closed_task_count += 1

    def _release(self, worker: Worker, task_id: int, result: int, verification: int) -> bool:
        task = self.tasks.get(task_id)
        if task is None or task.assignee != worker.id:
            return False
        if result == TR_OK:  # the release_task_ok SQL function
            if task.verification_count < 2:
                self._close(task)
                return True
            task.verifications.append((worker.id, verification))
            counts = [sum(1 for _, v in task.verifications if v == h) for _, h in task.verifications]
            if max(counts) >= task.verification_count:
                self._close(task)
                return True
            task.assignee = 0
            return False
        if result == TR_FAIL:
            task.status = FAILED if task.retries + 1 >= task.max_retries else NEW
            task.retries, task.assignee = task.retries + 1, 0
            return True
        if result == TR_SKIP:
            task.status, task.assignee = NEW, 0
            return True
        return False

    def _assign(self, worker: Worker, project: Project) -> Optional[Task]:
        if project.paused or not (project.public or self._has(worker.id, project.id, "assign")):
            return None
        candidates = [
            t for t in self.tasks.values()
            if t.project == project.id and t.status == NEW and not t.assignee
            and all(w != worker.id for w, _ in t.verifications)
        ]  # fmt: skip
        if not candidates:
            return None
        task = max(candidates, key=lambda t: (t.priority, -t.id))
        task.assignee, task.assign_time = worker.id, int(time.time())
        return task

    def task_json(self, task: Task) -> Dict[str, Any]:
        out = {k: getattr(task, k) for k in ("id", "priority", "assignee", "retries", "max_retries", "status")}
        out["project"] = self.projects[task.project].as_json()
        out.update(recipe=task.recipe, max_assign_time=task.max_assign_time, assign_time=task.assign_time,
                   verification_count=task.verification_count)  # fmt: skip
        return out

    # -- routes: each returns (status, envelope or None for no body) -----------------------------------------------

    def route(self, method: str, path: str, headers: Any, body: bytes) -> Tuple[int, Optional[Dict[str, Any]]]:
        with self.lock:
            self.requests.append((method, path, dict(headers.items())))
            if self._scripted.get((method, path)):
                return self._scripted[(method, path)].pop(0)
            parts = path.split("/")[1:]
            if method == "GET" and path == "/":
                return 200, _env(True, content={"name": "task_tracker", "version": SERVER_VERSION})
            if method == "POST" and len(parts) == 2 and parts[0] == "log" and parts[1] in LOG_LEVELS:
                return self._log(parts[1], headers, body)
            if method == "GET" and len(parts) == 3 and parts[:2] in (["worker", "get"], ["task", "get"]):
                handler = self._get_worker if parts[0] == "worker" else self._get_task
                return handler(parts[2], headers)
            if method == "GET" and len(parts) == 3 and parts[:2] == ["project", "get"]:
                return self._get_project(parts[2])
            routes = {
                ("POST", "/worker/create"): self._create_worker,
                ("POST", "/worker/update"): self._update_worker,
                ("POST", "/task/submit"): self._submit,
                ("POST", "/task/bulk_submit"): self._bulk_submit,
                ("POST", "/task/release"): self._release_route,
                ("POST", "/project/request_access"): self._request_access,
            }
            if (method, path) == ("GET", "/worker/stats"):
                return self._stats()
            if (method, path) in routes:
                return routes[(method, path)](headers, body)
            return 404, None  # the router's NotFound handler (see _Handler)

    def _log(self, level: str, headers: Any, body: bytes) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            req = _decode(body, {"scope": str, "Message": str, "timestamp": INT64})
            worker = self._validate_secret(headers)
        except (ParseError, AuthError):
            return 400, _env(False, PARSE_ERROR)
        if not req["Message"] or not req["scope"] or req["timestamp"] <= 0:
            return 400, _env(False, PARSE_ERROR)
        entry = {"level": LOG_LEVELS[level], "worker": worker.id, "scope": req["scope"], "message": req["Message"]}
        self.logs.append(dict(entry, timestamp=req["timestamp"]))
        return 204, None

    def _create_worker(self, headers: Any, body: bytes) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            req = _decode(body, {"alias": str})
        except ParseError:
            return 200, None  # the handler returns without writing: 200, empty body
        if req["alias"] == "unassigned":
            return 403, _env(False, "You are now allowed to create a worker")
        worker = Worker(self._next_id("worker"), int(time.time()), req["alias"] or "default_alias", os.urandom(32))
        self.workers[worker.id] = worker
        return 200, _env(True, content={"worker": worker.as_json(with_secret=True)})

    def _update_worker(self, headers: Any, body: bytes) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            worker = self._validate_secret(headers)
        except AuthError as e:
            return 401, _env(False, str(e))
        try:
            req = _decode(body, {"alias": str})
        except ParseError:
            return 400, _env(False, PARSE_ERROR)
        worker.alias = req["alias"]
        return 200, _env(True)

    def _get_worker(self, raw_id: str, headers: Any) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            worker_id = _go_parse_int(raw_id)
        except ValueError as e:
            return 400, _env(False, str(e))
        if worker_id <= 0:
            return 400, _env(False, "Invalid worker id")
        worker = self.workers.get(worker_id)
        if worker is None:
            return 404, _env(False, "Worker not found")
        return 200, _env(True, content={"worker": worker.as_json()})

    def _stats(self) -> Tuple[int, Optional[Dict[str, Any]]]:
        workers = [w for w in self.workers.values() if w.closed_task_count > 0][:50]  # no ORDER BY in the server
        stats = [{"alias": w.alias, "closed_task_count": w.closed_task_count} for w in workers]
        return 200, _env(True, content={"stats": stats})

    def _submit(self, headers: Any, body: bytes) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            worker = self._validate_secret(headers)
        except AuthError as e:
            return 401, _env(False, str(e))
        try:
            req = _decode(body, SUBMIT_FIELDS)
        except ParseError:
            return 400, _env(False, PARSE_ERROR)
        if not _valid_task(req):
            return 400, _env(False, "Invalid task")
        limited = self._limit("submit", req["project"])
        if limited:
            return limited
        error = self._insert(req, worker)
        if error is not None:
            self._bucket("submit", req["project"]).cancel()
            return 400, _env(False, error)
        return 200, _env(True)

    def _bulk_submit(self, headers: Any, body: bytes) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            worker = self._validate_secret(headers)
        except AuthError as e:
            return 401, _env(False, str(e))
        try:
            requests = _decode(body, {"requests": list})["requests"]
            if not requests:
                raise ParseError()
            reqs = [_decode(json.dumps(item).encode(), SUBMIT_FIELDS) for item in requests]
        except ParseError:
            return 400, _env(False, PARSE_ERROR)
        if not all(_valid_task(req) for req in reqs):
            return 400, _env(False, "Invalid request")
        if any(req["project"] != reqs[0]["project"] for req in reqs):
            return 400, _env(False, "All the tasks in a bulk submit must be of the same project")
        limited = self._limit("submit", reqs[0]["project"], len(reqs))
        if limited:
            return limited
        for req in reqs:
            self._insert(req, worker)  # row errors are only logged by the server
        return 200, _env(True)

    def _limit(self, kind: str, project_id: int, n: int = 1) -> Optional[Tuple[int, Optional[Dict[str, Any]]]]:
        if project_id not in self.projects:
            return 404, _env(False, "Project not found")
        delay = self._bucket(kind, project_id).reserve(n)
        if delay > 0:
            return 429, _env(False, "Too many requests", rate_limit_delay=delay)
        return None

    def _get_task(self, raw_project: str, headers: Any) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            worker = self._validate_secret(headers)
        except AuthError as e:
            return 403, _env(False, str(e))
        if worker.paused:
            return 400, _env(False, "A manager has paused you")
        try:
            project_id = _go_parse_int(raw_project)
        except ValueError:
            project_id = 0
        if project_id <= 0:
            return 400, _env(False, "Invalid project id")
        limited = self._limit("assign", project_id)
        if limited:
            return limited
        task = self._assign(worker, self.projects[project_id])
        if task is None:
            self._bucket("assign", project_id).cancel()
            return 200, _env(False, "No task available")
        return 200, _env(True, content={"task": self.task_json(task)})

    def _release_route(self, headers: Any, body: bytes) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            worker = self._validate_secret(headers)
        except AuthError as e:
            return 403, _env(False, str(e))
        try:
            req = _decode(body, {"task_id": INT64, "result": INT64, "verification": INT64})
        except ParseError:
            return 400, _env(False, PARSE_ERROR)
        if req["task_id"] == 0:
            return 400, _env(False, "Invalid request")
        if self._release(worker, req["task_id"], req["result"], req["verification"]):
            return 200, _env(True, content={"updated": True})
        return 200, _env(True, "Task was not marked as closed", content={"updated": False})

    def _get_project(self, raw_id: str) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            project_id = _go_parse_int(raw_id)
        except ValueError:
            project_id = 0
        if project_id <= 0:
            return 400, _env(False, "Invalid worker id")  # sic, as the server says it
        project = self.projects.get(project_id)
        if project is None:
            return 404, _env(False, "Project not found")
        if project.hidden and not project.public:  # no manager sessions here
            return 403, _env(False, "Unauthorized")
        return 200, _env(True, content={"project": project.as_json()})

    def _request_access(self, headers: Any, body: bytes) -> Tuple[int, Optional[Dict[str, Any]]]:
        try:
            req = _decode(body, {"assign": bool, "submit": bool, "project": INT64})
        except ParseError:
            return 400, _env(False, PARSE_ERROR)
        if not req["assign"] and not req["submit"]:
            return 400, _env(False, "Invalid request")
        try:
            worker = self._validate_secret(headers)
        except AuthError as e:
            return 401, _env(False, str(e))
        key = (worker.id, req["project"])
        if key in self.access or req["project"] not in self.projects:
            message = "Project is public, you already have an active request or you already have access to this project"
            return 400, _env(False, message)
        self.access[key] = Access(assign=req["assign"], submit=req["submit"], request=True)
        return 200, _env(True)


def _valid_task(req: Dict[str, Any]) -> bool:
    """SubmitTaskRequest.IsValid."""
    both_hashes = req["hash_u64"] != 0 and req["unique_string"] != ""
    return req["project"] != 0 and req["max_retries"] >= 0 and req["recipe"] != "" and not both_hashes


def _env(ok: bool, message: str = "", content: Any = None, rate_limit_delay: float = 0.0) -> Dict[str, Any]:
    """api.JsonResponse with its omitempty fields."""
    out: Dict[str, Any] = {"ok": ok}
    if message:
        out["message"] = message
    if rate_limit_delay and not math.isnan(rate_limit_delay):
        out["rate_limit_delay"] = rate_limit_delay
    if content is not None:
        out["content"] = content
    return out


class _Handler(BaseHTTPRequestHandler):
    double: TaskTrackerDouble
    protocol_version = "HTTP/1.1"
    server_version = "fasthttp"
    sys_version = ""
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # clients here send a Content-Length
        path = self.path.split("?", 1)[0]
        if self.command == "OPTIONS":
            self._send(200, b"", None, {"Access-Control-Allow-Headers": "Content-Type",
                                        "Access-Control-Allow-Methods": "GET, POST, OPTION",
                                        "Access-Control-Allow-Origin": "*"})  # fmt: skip
            return
        status, envelope = self.double.route(self.command, path, self.headers, body)
        if status == 404 and envelope is None:
            self._send(404, b"Not found", "text/plain; charset=utf-8")
        elif envelope is None:
            self._send(status, b"", None)
        else:
            self._send(status, json.dumps(envelope, separators=(",", ":")).encode(), "application/json")

    def _send(
        self, status: int, payload: bytes, content_type: Optional[str], extra: Optional[Dict[str, str]] = None
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

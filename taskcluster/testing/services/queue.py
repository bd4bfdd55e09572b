"""The queue service: tasks, their runs, claiming and resolving, task groups, dependencies and artifacts.

Object artifacts live in the object service (`objects`): createArtifact hands out an object name and
credentials to upload it, finishArtifact makes the artifact present (readable) once the object is finished.

Time-driven transitions happen when a task is next read or written: a task past its deadline is resolved
``exception``/``deadline-exceeded``; a run whose claim expired is resolved ``exception``/``claim-expired``
and retried while retries are left. Claiming does not long-poll: claimWork answers at once.
"""

import datetime
import json
import re
import secrets
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import slugid

from .._time import format_date, normalize_date, parse_date
from . import objects
from ._base import Call, Reply, ServiceError, bad_input, conflict, not_found, page

__all__ = ["HANDLERS"]

#: Task priorities, highest first (the order of the enum of v1/task.json#/properties/priority).
PRIORITIES = ["highest", "very-high", "high", "medium", "low", "very-low", "lowest"]
_SLUGID = re.compile(r"^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$")
_RANK = {p: i for i, p in enumerate(PRIORITIES)}
_RESOLVED = ("completed", "failed", "exception")
CLAIM_SECONDS = 20 * 60
#: Validity of the signed object-service URL getArtifact redirects to for object artifacts.
OBJECT_URL_SECONDS = 30 * 60
#: Validity of the download credentials the artifact-content routes give for object artifacts.
OBJECT_CREDENTIALS_SECONDS = 3600
MAX_DEADLINE = datetime.timedelta(days=5)
_FIELDS = (
    "provisionerId",
    "workerType",
    "taskQueueId",
    "schedulerId",
    "projectId",
    "taskGroupId",
    "dependencies",
    "requires",
    "routes",
    "priority",
    "retries",
    "created",
    "deadline",
    "expires",
    "scopes",
    "payload",
    "metadata",
    "tags",
    "extra",
)


# -- task records -------------------------------------------------------------------------------------------
class Task:
    """A task row: its definition, runs and retries, with the derived state."""

    __slots__ = ("definition", "dirty", "retries_left", "runs", "seq", "task_id")

    def __init__(self, row: Any) -> None:
        self.seq: int = row["seq"]
        self.task_id: str = row["task_id"]
        self.definition: Dict[str, Any] = json.loads(row["definition"])
        self.runs: List[Dict[str, Any]] = json.loads(row["runs"])
        self.retries_left: int = row["retries_left"]
        self.dirty: bool = False

    @property
    def state(self) -> str:
        return self.runs[-1]["state"] if self.runs else "unscheduled"

    def status(self) -> Dict[str, Any]:
        d = self.definition
        return {
            "taskId": self.task_id,
            "provisionerId": d["provisionerId"],
            "workerType": d["workerType"],
            "taskQueueId": d["taskQueueId"],
            "schedulerId": d["schedulerId"],
            "projectId": d["projectId"],
            "taskGroupId": d["taskGroupId"],
            "deadline": d["deadline"],
            "expires": d["expires"],
            "priority": d["priority"],
            "retriesLeft": self.retries_left,
            "state": self.state,
            "runs": [dict(r) for r in self.runs],
        }

    def save(self, db: Any) -> None:
        db.execute(
            "UPDATE tasks SET state = ?, retries_left = ?, runs = ? WHERE seq = ?",
            (self.state, self.retries_left, json.dumps(self.runs), self.seq),
        )
        self.dirty = False

    def add_run(self, reason: str, now_text: str) -> Dict[str, Any]:
        run = {"runId": len(self.runs), "state": "pending", "reasonCreated": reason, "scheduled": now_text}
        self.runs.append(run)
        self.dirty = True
        return run

    def resolve(self, run: Dict[str, Any], state: str, reason: str, now_text: str) -> None:
        run["state"] = state
        run["reasonResolved"] = reason
        run["resolved"] = now_text
        self.dirty = True


def _advance(task: Task, call: Call) -> bool:
    """Apply deadline and claim expiry; True when the task became resolved (its dependents may be due)."""
    if task.state in _RESOLVED:
        return False
    now_text = call.now_text
    if task.definition["deadline"] <= now_text:
        if not task.runs:
            task.add_run("exception", now_text)
        task.resolve(task.runs[-1], "exception", "deadline-exceeded", now_text)
        return True
    last = task.runs[-1] if task.runs else None
    if last is not None and last["state"] == "running" and last.get("takenUntil", now_text) <= now_text:
        last["state"] = "exception"
        last["reasonResolved"] = "claim-expired"
        last["resolved"] = now_text
        task.dirty = True
        if task.retries_left > 0:
            task.retries_left -= 1
            task.add_run("retry", now_text)
            return False
        return True
    return False


def _refresh(db: Any, call: Call, row: Any) -> Task:
    """The task of ``row`` brought up to date: time-driven transitions applied and saved, and the dependents
    of a task they resolved scheduled."""
    task = Task(row)
    resolved = _advance(task, call)
    if task.dirty:
        task.save(db)
    if resolved:
        _schedule_dependents(db, call, task.task_id)
    return task


def _find(db: Any, call: Call, task_id: str) -> Optional[Task]:
    """The task ``task_id`` brought up to date, or None when there is no such task."""
    row = db.one("SELECT * FROM tasks WHERE task_id = ?", (task_id,))
    if row is None:
        return None
    return _refresh(db, call, row)


#: A runId in a route: ASCII digits (str.isdigit() also takes "²", which int() refuses), not absurdly many.
_RUN_ID = re.compile(r"[0-9]{1,9}")


def _load(db: Any, call: Call, task_id: str) -> Task:
    """The task ``task_id`` brought up to date; 404 when there is no such task."""
    task = _find(db, call, task_id)
    if task is None:
        raise not_found("Task %s not found" % task_id)
    return task


def _run(task: Task, run_id: str) -> Dict[str, Any]:
    if _RUN_ID.fullmatch(run_id) is None or int(run_id) >= len(task.runs):
        raise not_found("Run %s of task %s not found" % (run_id, task.task_id))
    return task.runs[int(run_id)]


def _schedule_dependents(db: Any, call: Call, task_id: str) -> None:
    """Schedule unscheduled tasks whose dependencies are now satisfied."""
    for dep_row in db.all("SELECT dependent FROM task_dependencies WHERE dependency = ?", (task_id,)):
        dependent = _find(db, call, dep_row["dependent"])
        if dependent is None or dependent.state != "unscheduled":
            continue
        if _dependencies_met(db, call, dependent):
            dependent.add_run("scheduled", call.now_text)
            dependent.save(db)


def _dependencies_met(db: Any, call: Call, task: Task) -> bool:
    wanted = ("completed",) if task.definition["requires"] == "all-completed" else _RESOLVED
    for dep_id in task.definition["dependencies"]:
        if dep_id == task.task_id:
            continue
        row = db.one("SELECT state FROM tasks WHERE task_id = ?", (dep_id,))
        if row is None or row["state"] not in wanted:
            return False
    return True


def _priorities(priority: str) -> List[str]:
    """The priorities whose create-task scope allows a task of ``priority``: it and every one above."""
    return PRIORITIES[: _RANK[priority] + 1]


def _issue_credentials(
    call: Call, task: Task, run_id: int, worker_group: str, worker_id: str, taken_until: datetime.datetime
) -> Dict[str, str]:
    name = "task-client/%s/%d/on/%s/%s" % (task.task_id, run_id, worker_group, worker_id)
    scopes = list(task.definition["scopes"]) + [
        "queue:reclaim-task:%s/%d" % (task.task_id, run_id),
        "queue:resolve-task:%s/%d" % (task.task_id, run_id),
        "queue:create-artifact:%s/%d" % (task.task_id, run_id),
    ]
    start = call.now - datetime.timedelta(minutes=15)
    expiry = taken_until + datetime.timedelta(minutes=5)
    return call.deployment.temporary_credentials(name, scopes, start, expiry)


# -- createTask ---------------------------------------------------------------------------------------------
def _definition(call: Call, task_id: str) -> Dict[str, Any]:
    p = dict(call.payload)
    queue_id = p.get("taskQueueId")
    prov, wtype = p.get("provisionerId"), p.get("workerType")
    if queue_id is not None:
        q_prov, _, q_type = queue_id.partition("/")
        if (prov is not None and prov != q_prov) or (wtype is not None and wtype != q_type):
            raise bad_input("taskQueueId %r does not match provisionerId/workerType %s/%s" % (queue_id, prov, wtype))
        prov, wtype = q_prov, q_type
    elif prov is None or wtype is None:
        raise bad_input("the task definition must give taskQueueId, or both provisionerId and workerType")
    p["provisionerId"], p["workerType"], p["taskQueueId"] = prov, wtype, "%s/%s" % (prov, wtype)
    p.setdefault("taskGroupId", task_id)
    for field in ("created", "deadline", "expires"):
        if field in p:
            p[field] = normalize_date(p[field])
    deadline = parse_date(p["deadline"])
    if deadline is None:  # the schema asks for a date-time; a date that does not parse is still refused
        raise bad_input("deadline %r is not an ISO 8601 date-time" % (p["deadline"],))
    if "expires" not in p:
        p["expires"] = format_date(deadline + datetime.timedelta(days=365))
    if deadline > call.now + MAX_DEADLINE:
        raise bad_input("deadline cannot be more than 5 days into the future")
    if p["expires"] < p["deadline"]:
        raise bad_input("expires cannot be before the deadline")
    return {k: p[k] for k in _FIELDS}


def create_task(call: Call) -> Reply:
    task_id = call.params["taskId"]
    if not _SLUGID.match(task_id):
        raise ServiceError(400, "InvalidRequestArguments", "taskId %r is not a slugid" % task_id)
    d = _definition(call, task_id)
    call.authorize(
        taskId=task_id,
        taskGroupId=d["taskGroupId"],
        schedulerId=d["schedulerId"],
        projectId=d["projectId"],
        provisionerId=d["provisionerId"],
        workerType=d["workerType"],
        priority=d["priority"],
        priorities=_priorities(d["priority"]),
        scopes=d["scopes"],
        routes=d["routes"],
        legacyScopes=False,
    )
    with call.store.transaction() as db:
        existing = _find(db, call, task_id)
        if existing is not None:
            if existing.definition != d:
                raise conflict("taskId %s already used by a task with another definition" % task_id)
            return Reply({"status": existing.status()})
        missing = [
            dep
            for dep in d["dependencies"]
            if dep != task_id and db.one("SELECT 1 FROM tasks WHERE task_id = ?", (dep,)) is None
        ]
        if missing:
            raise bad_input("dependencies not found (create them first): %s" % ", ".join(missing))
        group = db.one("SELECT * FROM task_groups WHERE task_group_id = ?", (d["taskGroupId"],))
        if group is not None:
            if group["scheduler_id"] != d["schedulerId"]:
                raise conflict(
                    "task group %s has schedulerId %r, not %r"
                    % (d["taskGroupId"], group["scheduler_id"], d["schedulerId"])
                )
            if group["sealed"]:
                raise conflict("task group %s is sealed" % d["taskGroupId"])
            if d["expires"] > group["expires"]:
                db.execute(
                    "UPDATE task_groups SET expires = ? WHERE task_group_id = ?", (d["expires"], d["taskGroupId"])
                )
        else:
            db.execute(
                "INSERT INTO task_groups (task_group_id, scheduler_id, expires) VALUES (?, ?, ?)",
                (d["taskGroupId"], d["schedulerId"], d["expires"]),
            )
        cur = db.execute(
            "INSERT INTO tasks (task_id, task_group_id, task_queue_id, priority_rank, state, retries_left, "
            "definition, runs) VALUES (?, ?, ?, ?, 'unscheduled', ?, ?, '[]')",
            (task_id, d["taskGroupId"], d["taskQueueId"], _RANK[d["priority"]], d["retries"], json.dumps(d)),
        )
        seq = cur.lastrowid
        for dep in d["dependencies"]:
            db.execute(
                "INSERT INTO task_dependencies (dependency, dependent_seq, dependent) VALUES (?, ?, ?)",
                (dep, seq, task_id),
            )
        task = _load(db, call, task_id)
        if task.state == "unscheduled" and _dependencies_met(db, call, task):
            task.add_run("scheduled", call.now_text)
            task.save(db)
    return Reply({"status": task.status()})


# -- reads --------------------------------------------------------------------------------------------------
def get_task(call: Call) -> Reply:
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
    return Reply(task.definition)


def get_status(call: Call) -> Reply:
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
    return Reply({"status": task.status()})


def _listing(db: Any, call: Call, rows: List[Any]) -> List[Dict[str, Any]]:
    tasks = [_refresh(db, call, row) for row in rows]
    return [{"task": task.definition, "status": task.status()} for task in tasks]


def list_task_group(call: Call) -> Reply:
    group_id = call.params["taskGroupId"]
    after = call.continuation(int)
    limit = call.limit()
    with call.store.transaction() as db:
        group = db.one("SELECT * FROM task_groups WHERE task_group_id = ?", (group_id,))
        if group is None:
            raise not_found("Task group %s not found" % group_id)
        rows = db.all(
            "SELECT * FROM tasks WHERE task_group_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (group_id, after[0] if after else 0, limit + 1),
        )
        rows, token = page(rows, limit, lambda r: [r["seq"]])
        tasks = _listing(db, call, rows)
    body: Dict[str, Any] = {
        "taskGroupId": group_id,
        "schedulerId": group["scheduler_id"],
        "expires": group["expires"],
        "tasks": tasks,
    }
    if group["sealed"]:
        body["sealed"] = group["sealed"]
    if token:
        body["continuationToken"] = token
    return Reply(body)


def get_task_group(call: Call) -> Reply:
    with call.store.transaction() as db:
        group = db.one("SELECT * FROM task_groups WHERE task_group_id = ?", (call.params["taskGroupId"],))
    if group is None:
        raise not_found("Task group %s not found" % call.params["taskGroupId"])
    body = {"taskGroupId": group["task_group_id"], "schedulerId": group["scheduler_id"], "expires": group["expires"]}
    if group["sealed"]:
        body["sealed"] = group["sealed"]
    return Reply(body)


def list_dependent_tasks(call: Call) -> Reply:
    task_id = call.params["taskId"]
    after = call.continuation(int)
    limit = call.limit()
    with call.store.transaction() as db:
        _load(db, call, task_id)
        rows = db.all(
            "SELECT t.* FROM task_dependencies d JOIN tasks t ON t.seq = d.dependent_seq "
            "WHERE d.dependency = ? AND d.dependent_seq > ? ORDER BY d.dependent_seq LIMIT ?",
            (task_id, after[0] if after else 0, limit + 1),
        )
        rows, token = page(rows, limit, lambda r: [r["seq"]])
        tasks = _listing(db, call, rows)
    body: Dict[str, Any] = {"taskId": task_id, "tasks": tasks}
    if token:
        body["continuationToken"] = token
    return Reply(body)


def pending_tasks(call: Call) -> Reply:
    queue_id = call.params["taskQueueId"]
    with call.store.transaction() as db:
        row = db.one("SELECT count(*) AS n FROM tasks WHERE task_queue_id = ? AND state = 'pending'", (queue_id,))
        count = row["n"] if row is not None else 0  # an aggregate query always has its row
    prov, _, wtype = queue_id.partition("/")
    return Reply({"provisionerId": prov, "workerType": wtype, "taskQueueId": queue_id, "pendingTasks": count})


# -- lifecycle ----------------------------------------------------------------------------------------------
def _authorize_task(call: Call, task: Task) -> None:
    d = task.definition
    call.authorize(
        taskId=task.task_id,
        schedulerId=d["schedulerId"],
        taskGroupId=d["taskGroupId"],
        projectId=d["projectId"],
        provisionerId=d["provisionerId"],
        workerType=d["workerType"],
        taskQueueId=d["taskQueueId"],
    )


def schedule_task(call: Call) -> Reply:
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        _authorize_task(call, task)
        if task.state == "unscheduled":
            task.add_run("scheduled", call.now_text)
            task.save(db)
    return Reply({"status": task.status()})


def cancel_task(call: Call) -> Reply:
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        _authorize_task(call, task)
        if task.state in ("unscheduled", "pending", "running"):
            if not task.runs:
                task.add_run("exception", call.now_text)
            task.resolve(task.runs[-1], "exception", "canceled", call.now_text)
            task.save(db)
            _schedule_dependents(db, call, task.task_id)
    return Reply({"status": task.status()})


def _claim(call: Call, db: Any, task: Task, worker_group: str, worker_id: str) -> Dict[str, Any]:
    run = task.runs[-1]
    taken_until = call.now + datetime.timedelta(seconds=CLAIM_SECONDS)
    run.update(
        state="running",
        workerGroup=worker_group,
        workerId=worker_id,
        started=call.now_text,
        takenUntil=format_date(taken_until),
    )
    task.dirty = True
    task.save(db)
    return {
        "status": task.status(),
        "runId": run["runId"],
        "workerGroup": worker_group,
        "workerId": worker_id,
        "takenUntil": run["takenUntil"],
        "task": task.definition,
        "credentials": _issue_credentials(call, task, run["runId"], worker_group, worker_id, taken_until),
    }


def claim_work(call: Call) -> Reply:
    queue_id = call.params["taskQueueId"]
    worker_group, worker_id = call.payload["workerGroup"], call.payload["workerId"]
    call.authorize(workerGroup=worker_group, workerId=worker_id)
    wanted = call.payload["tasks"]
    claimed: List[Dict[str, Any]] = []
    with call.store.transaction() as db:
        # every row examined leaves the pending state (claimed, or resolved by its deadline), so this ends
        while len(claimed) < wanted:
            rows = db.all(
                "SELECT * FROM tasks WHERE task_queue_id = ? AND state = 'pending' ORDER BY priority_rank, seq LIMIT ?",
                (queue_id, wanted - len(claimed)),
            )
            if not rows:
                break
            for row in rows:
                task = _refresh(db, call, row)
                if task.state == "pending":
                    claimed.append(_claim(call, db, task, worker_group, worker_id))
    return Reply({"tasks": claimed})


def claim_task(call: Call) -> Reply:
    worker_group, worker_id = call.payload["workerGroup"], call.payload["workerId"]
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        run = _run(task, call.params["runId"])
        d = task.definition
        call.authorize(
            provisionerId=d["provisionerId"], workerType=d["workerType"], workerGroup=worker_group, workerId=worker_id
        )
        if run["runId"] != len(task.runs) - 1 or run["state"] != "pending":
            raise conflict("Run %s of task %s is %s, not pending" % (run["runId"], task.task_id, run["state"]))
        claim = _claim(call, db, task, worker_group, worker_id)
    return Reply(claim)


def reclaim_task(call: Call) -> Reply:
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        run = _run(task, call.params["runId"])
        if run["state"] != "running":
            raise conflict("Run %s of task %s is %s, not running" % (run["runId"], task.task_id, run["state"]))
        taken_until = call.now + datetime.timedelta(seconds=CLAIM_SECONDS)
        run["takenUntil"] = format_date(taken_until)
        task.dirty = True
        task.save(db)
    return Reply(
        {
            "status": task.status(),
            "runId": run["runId"],
            "workerGroup": run["workerGroup"],
            "workerId": run["workerId"],
            "takenUntil": run["takenUntil"],
            "credentials": _issue_credentials(
                call, task, run["runId"], run["workerGroup"], run["workerId"], taken_until
            ),
        }
    )


def _report(call: Call, state: str, reason: str) -> Reply:
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        run = _run(task, call.params["runId"])
        if run["state"] != "running":
            if run["state"] == state and run.get("reasonResolved") == reason:
                return Reply({"status": task.status()})
            raise conflict("Run %s of task %s is %s, not running" % (run["runId"], task.task_id, run["state"]))
        task.resolve(run, state, reason, call.now_text)
        retry = {"worker-shutdown": "retry", "intermittent-task": "task-retry"}.get(reason)
        if state == "exception" and retry and task.retries_left > 0:
            task.retries_left -= 1
            task.add_run(retry, call.now_text)
            task.save(db)
        else:
            task.save(db)
            _schedule_dependents(db, call, task.task_id)
    return Reply({"status": task.status()})


def report_completed(call: Call) -> Reply:
    return _report(call, "completed", "completed")


def report_failed(call: Call) -> Reply:
    return _report(call, "failed", "failed")


def report_exception(call: Call) -> Reply:
    return _report(call, "exception", call.payload["reason"])


# -- artifacts ----------------------------------------------------------------------------------------------
def _token() -> str:
    return secrets.token_urlsafe(24)


def download_url(call: Call, token: str, name: str) -> str:
    return "%s/__artifacts/%s/%s" % (call.base_url, token, quote(name, safe="/"))


def _refuse_control_characters(payload: Dict[str, Any]) -> None:
    """A contentType or url goes into HTTP headers (Content-Type, Location): CR and LF have no place there."""
    for field in ("contentType", "url"):
        if field in payload and objects.has_control_characters(payload[field]):
            raise bad_input("%s must not contain CR, LF or other control characters" % field)


def _object_credentials(call: Call, scope: str, seconds: int) -> Dict[str, str]:
    """Unnamed temporary credentials with the one ``scope``, issued by the root client (as the queue issues
    them with its own client)."""
    start = call.now - datetime.timedelta(minutes=15)
    return call.deployment.temporary_credentials(None, [scope], start, call.now + datetime.timedelta(seconds=seconds))


def create_artifact(call: Call) -> Reply:
    name = call.params["name"]
    payload = call.payload
    storage = payload["storageType"]
    _refuse_control_characters(payload)
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        run = _run(task, call.params["runId"])
        if run["state"] != "running":
            raise conflict(
                "Artifacts can only be created while the run is running; run %s of task %s is %s"
                % (run["runId"], task.task_id, run["state"])
            )
        expires = normalize_date(payload["expires"])
        if expires > task.definition["expires"]:
            raise bad_input("artifact expires (%s) after its task (%s)" % (expires, task.definition["expires"]))
        key = (task.task_id, run["runId"], name)
        existing = _artifact_row(db, task, run["runId"], name)
        if existing is not None and existing["storage_type"] != storage and existing["storage_type"] != "reference":
            raise conflict("Artifact %r already exists with storageType %r" % (name, existing["storage_type"]))
        details = {k: v for k, v in payload.items() if k in ("url", "artifact", "reason", "message")}
        if storage == "object":
            if existing is not None and existing["present"]:
                raise conflict("Object artifact %r is already finished" % name)
            # retrying createArtifact before finishArtifact keeps the object and its uploadId
            previous = json.loads(existing["details"]) if existing is not None else {}
            details["name"] = "t/%s/%d/%s" % (task.task_id, run["runId"], name)
            details["uploadId"] = previous.get("uploadId") or slugid.nice()
        upload = _token() if storage == "s3" else None
        db.execute(
            "INSERT OR REPLACE INTO artifacts (task_id, run_id, name, storage_type, content_type, expires, details, "
            "upload_token, download_token, data, present) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            key
            + (
                storage,
                payload.get("contentType", "application/octet-stream"),
                expires,
                json.dumps(details),
                upload,
                _token() if storage == "s3" else None,
                int(storage != "object"),
            ),
        )
    if storage == "s3":
        return Reply(
            {
                "storageType": "s3",
                "putUrl": "%s/__artifacts/upload/%s" % (call.base_url, upload),
                "expires": expires,
                "contentType": payload["contentType"],
            }
        )
    if storage == "object":
        project_id = task.definition["projectId"]
        scope = "object:upload:%s:%s" % (project_id, details["name"])
        return Reply(
            {
                "storageType": "object",
                "name": details["name"],
                "projectId": project_id,
                "uploadId": details["uploadId"],
                "expires": expires,
                "credentials": _object_credentials(call, scope, objects.UPLOAD_SECONDS),
            }
        )
    return Reply({"storageType": storage})


def finish_artifact(call: Call) -> Reply:
    name = call.params["name"]
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        run = _run(task, call.params["runId"])
        row = _artifact_row(db, task, run["runId"], name)
        if row is None:
            raise not_found("Artifact %r not found for run %d of task %s" % (name, run["runId"], task.task_id))
        if row["storage_type"] != "object":
            raise bad_input(
                "Artifact %r has storageType %r: only object artifacts are finished (the others are complete "
                "once created)" % (name, row["storage_type"])
            )
        details = json.loads(row["details"])
        if details["uploadId"] != call.payload["uploadId"]:
            raise bad_input("uploadId does not match the one createArtifact gave for artifact %r" % name)
        if row["present"]:
            return Reply({})
        if run["state"] != "running":
            raise conflict(
                "Artifacts can only be finished while the run is running; run %s of task %s is %s"
                % (run["runId"], task.task_id, run["state"])
            )
        stored = objects.finished_object(db, details["name"], call.now_text)
        if stored is None or stored["upload_id"] != details["uploadId"]:
            raise conflict(
                "Object %r of artifact %r is not uploaded: upload it with the object service (createUpload, "
                "then finishUpload) before finishArtifact" % (details["name"], name)
            )
        db.execute(
            "UPDATE artifacts SET present = 1 WHERE task_id = ? AND run_id = ? AND name = ?",
            (task.task_id, run["runId"], name),
        )
    return Reply({})


def _artifact_row(db: Any, task: Task, run_id: int, name: str, present: bool = False) -> Any:
    """The artifact's row (only once it is present, with ``present``: object artifacts before finishArtifact
    are not)."""
    return db.one(
        "SELECT * FROM artifacts WHERE task_id = ? AND run_id = ? AND name = ?%s" % (" AND present" if present else ""),
        (task.task_id, run_id, name),
    )


def _chosen_run(call: Call, task: Task, latest: bool) -> int:
    """The run a call names: its `runId`, or the task's latest run."""
    if not latest:
        run_id: int = _run(task, call.params["runId"])["runId"]
        return run_id
    if not task.runs:
        raise not_found("Task %s has no runs" % task.task_id)
    return len(task.runs) - 1


def _resolve_artifact(call: Call, latest: bool) -> Tuple[Task, Any]:
    """The artifact a get-artifact call designates, following links; authorizes every name on the way."""
    name = call.params["name"]
    call.authorize(names=[name])
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        run_id = _chosen_run(call, task, latest)
        names = [name]
        row = _artifact_row(db, task, run_id, name, present=True)
        while row is not None and row["storage_type"] == "link":
            target = json.loads(row["details"])["artifact"]
            if target in names or len(names) > 10:
                raise ServiceError(400, "InputError", "artifact links form a loop: %s" % " -> ".join(names))
            names.append(target)
            row = _artifact_row(db, task, run_id, target, present=True)
    call.authorize(names=names)
    if row is None:
        raise not_found("Artifact %r not found for run %d of task %s" % (names[-1], run_id, task.task_id))
    return task, row


def _artifact_redirect(call: Call, row: Any) -> Reply:
    """getArtifact's answer: 303 to where the bytes are (424 for error artifacts)."""
    storage = row["storage_type"]
    details = json.loads(row["details"])
    headers = {"x-taskcluster-artifact-storage-type": storage}
    if storage == "error":
        raise ServiceError(
            424, "ArtifactError", details.get("message", ""), headers=headers, extra={"reason": details.get("reason")}
        )
    if storage == "s3":
        url = download_url(call, row["download_token"], row["name"])
    elif storage == "object":
        # the object service's download endpoint, signed by the deployment (upstream: by the queue)
        url = call.deployment.sign_url(
            "%s/api/object/v1/download/%s" % (call.base_url, quote(details["name"], safe="")), OBJECT_URL_SECONDS
        )
    else:
        url = details["url"]
    headers["Location"] = url
    return Reply({"storageType": storage, "url": url}, status=303, headers=headers)


def _artifact_content(call: Call, row: Any) -> Reply:
    """The artifact-content answer: how to get the content (an URL, or object credentials), or the error."""
    storage = row["storage_type"]
    details = json.loads(row["details"])
    headers = {"x-taskcluster-artifact-storage-type": storage}
    if storage == "error":
        body = {"storageType": "error", "reason": details["reason"], "message": details["message"]}
    elif storage == "object":
        scope = "object:download:%s" % details["name"]
        credentials = _object_credentials(call, scope, OBJECT_CREDENTIALS_SECONDS)
        body = {"storageType": "object", "name": details["name"], "credentials": credentials}
    elif storage == "s3":
        body = {"storageType": "s3", "url": download_url(call, row["download_token"], row["name"])}
    else:
        body = {"storageType": storage, "url": details["url"]}
    return Reply(body, headers=headers)


def get_artifact(call: Call) -> Reply:
    _task, row = _resolve_artifact(call, latest=False)
    return _artifact_redirect(call, row)


def get_latest_artifact(call: Call) -> Reply:
    _task, row = _resolve_artifact(call, latest=True)
    return _artifact_redirect(call, row)


def artifact_content(call: Call) -> Reply:
    _task, row = _resolve_artifact(call, latest=False)
    return _artifact_content(call, row)


def latest_artifact_content(call: Call) -> Reply:
    _task, row = _resolve_artifact(call, latest=True)
    return _artifact_content(call, row)


def _artifact_json(row: Any) -> Dict[str, Any]:
    return {
        "storageType": row["storage_type"],
        "name": row["name"],
        "expires": row["expires"],
        "contentType": row["content_type"],
    }


def _list_artifacts(call: Call, latest: bool) -> Reply:
    after = call.continuation(str)
    limit = call.limit()
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        run_id = _chosen_run(call, task, latest)
        rows = db.all(
            "SELECT task_id, run_id, name, storage_type, content_type, expires FROM artifacts "
            "WHERE task_id = ? AND run_id = ? AND name > ? AND present ORDER BY name LIMIT ?",
            (task.task_id, run_id, after[0] if after else "", limit + 1),
        )
    rows, token = page(rows, limit, lambda r: [r["name"]])
    body: Dict[str, Any] = {"artifacts": [_artifact_json(r) for r in rows]}
    if token:
        body["continuationToken"] = token
    return Reply(body)


def list_artifacts(call: Call) -> Reply:
    return _list_artifacts(call, latest=False)


def list_latest_artifacts(call: Call) -> Reply:
    return _list_artifacts(call, latest=True)


def _artifact_info(call: Call, latest: bool) -> Reply:
    with call.store.transaction() as db:
        task = _load(db, call, call.params["taskId"])
        run_id = _chosen_run(call, task, latest)
        row = _artifact_row(db, task, run_id, call.params["name"], present=True)
    if row is None:
        raise not_found("Artifact %r not found for run %d of task %s" % (call.params["name"], run_id, task.task_id))
    return Reply(_artifact_json(row))


def artifact_info(call: Call) -> Reply:
    return _artifact_info(call, latest=False)


def latest_artifact_info(call: Call) -> Reply:
    return _artifact_info(call, latest=True)


HANDLERS = {
    "createTask": create_task,
    "task": get_task,
    "status": get_status,
    "listTaskGroup": list_task_group,
    "getTaskGroup": get_task_group,
    "listDependentTasks": list_dependent_tasks,
    "pendingTasks": pending_tasks,
    "scheduleTask": schedule_task,
    "cancelTask": cancel_task,
    "claimWork": claim_work,
    "claimTask": claim_task,
    "reclaimTask": reclaim_task,
    "reportCompleted": report_completed,
    "reportFailed": report_failed,
    "reportException": report_exception,
    "createArtifact": create_artifact,
    "finishArtifact": finish_artifact,
    "getArtifact": get_artifact,
    "getLatestArtifact": get_latest_artifact,
    "artifact": artifact_content,
    "latestArtifact": latest_artifact_content,
    "listArtifacts": list_artifacts,
    "listLatestArtifacts": list_latest_artifacts,
    "artifactInfo": artifact_info,
    "latestArtifactInfo": latest_artifact_info,
}

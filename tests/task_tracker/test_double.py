"""The task_tracker double's own behaviour, checked with plain urllib (not our client) against the facts read from
the server's code: auth checks and status codes per route, messages, the envelope's omitempty fields, 204 logs,
404 Not found, rate limits, and the task assignment and release rules."""

import base64
import json
import threading
import time
from typing import Any, Dict

import pytest
from double import UNLIMITED, siphash24
from tt_support import TaskTrackerDouble, http, new_worker


def test_index(double: TaskTrackerDouble) -> None:
    r = http(double, "GET", "/")
    assert r.status == 200 and r.headers["Content-Type"] == "application/json"
    assert r.json == {"ok": True, "content": {"name": "task_tracker", "version": "1.1"}}


@pytest.mark.parametrize(
    "method,path",
    [("GET", "/nope"), ("POST", "/"), ("GET", "/task/submit"), ("POST", "/worker/get/1"), ("GET", "/log/info")],
)
def test_unknown_path_or_method_is_plain_not_found(double: TaskTrackerDouble, method: str, path: str) -> None:
    r = http(double, method, path, raw=b"{}" if method == "POST" else None)
    assert (r.status, r.body) == (404, b"Not found")
    assert r.headers["Content-Type"].startswith("text/plain")


def test_options_answers_cors(double: TaskTrackerDouble) -> None:
    r = http(double, "OPTIONS", "/task/submit")
    assert (r.status, r.body) == (200, b"")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Access-Control-Allow-Methods"] == "GET, POST, OPTION"


def test_worker_create_and_get(double: TaskTrackerDouble) -> None:
    before = int(time.time())
    r = http(double, "POST", "/worker/create", {"alias": "alpha"})
    assert r.status == 200 and set(r.json) == {"ok", "content"}
    worker = r.json["content"]["worker"]
    assert set(worker) == {"id", "created", "alias", "secret", "paused"}
    assert worker["alias"] == "alpha" and worker["paused"] is False and worker["created"] >= before
    assert len(base64.b64decode(worker["secret"], validate=True)) == 32 and len(worker["secret"]) == 44
    got = http(double, "GET", f"/worker/get/{worker['id']}")
    assert got.status == 200
    assert got.json == {"ok": True, "content": {"worker": dict(worker, secret=None)}}


def test_worker_create_edge_cases(double: TaskTrackerDouble) -> None:
    assert http(double, "POST", "/worker/create", {}).json["content"]["worker"]["alias"] == "default_alias"
    r = http(double, "POST", "/worker/create", {"alias": "unassigned"})
    assert (r.status, r.json) == (403, {"ok": False, "message": "You are now allowed to create a worker"})
    for body in (b"", b"not json", b'{"alias": 3}'):
        r = http(double, "POST", "/worker/create", raw=body)
        assert (r.status, r.body) == (200, b"")  # the handler writes nothing


@pytest.mark.parametrize(
    "raw_id,status,message",
    [
        ("abc", 400, 'strconv.ParseInt: parsing "abc": invalid syntax'),
        ("99999999999999999999", 400, 'strconv.ParseInt: parsing "99999999999999999999": value out of range'),
        ("0", 400, "Invalid worker id"),
        ("-3", 400, "Invalid worker id"),
        ("42", 404, "Worker not found"),
    ],
)
def test_worker_get_errors(double: TaskTrackerDouble, raw_id: str, status: int, message: str) -> None:
    r = http(double, "GET", f"/worker/get/{raw_id}")
    assert (r.status, r.json) == (status, {"ok": False, "message": message})


def test_worker_update(double: TaskTrackerDouble) -> None:
    wid, _, auth = new_worker(double)
    r = http(double, "POST", "/worker/update", {"alias": "renamed"}, auth)
    assert (r.status, r.json) == (200, {"ok": True})
    assert http(double, "GET", f"/worker/get/{wid}").json["content"]["worker"]["alias"] == "renamed"
    assert http(double, "POST", "/worker/update", raw=b"[", headers=auth).status == 400


def _auth_cases(double: TaskTrackerDouble) -> Dict[str, Any]:
    wid, secret, _ = new_worker(double)
    other = base64.b64encode(b"x" * 32).decode()
    return {
        "none": ({}, "worker id not specified"),
        "no secret": ({"X-Worker-Id": str(wid)}, "secret is not specified"),
        "bad id": ({"X-Worker-Id": "abc", "X-Secret": secret}, 'strconv.ParseInt: parsing "abc": invalid syntax'),
        "unknown id": ({"X-Worker-Id": "999", "X-Secret": secret}, "worker id does not match any valid worker"),
        "wrong secret": ({"X-Worker-Id": str(wid), "X-Secret": other}, "invalid secret"),
        "not base64": ({"X-Worker-Id": str(wid), "X-Secret": "%%%"}, "invalid secret"),
    }


@pytest.mark.parametrize(
    "method,path,body,status",
    [
        ("POST", "/task/submit", {"project": 1, "recipe": "r"}, 401),
        ("POST", "/task/bulk_submit", {"requests": [{"project": 1, "recipe": "r"}]}, 401),
        ("POST", "/worker/update", {"alias": "a"}, 401),
        ("POST", "/project/request_access", {"project": 1, "assign": True}, 401),
        ("GET", "/task/get/1", None, 403),
        ("POST", "/task/release", {"task_id": 1, "result": 0}, 403),
    ],
)
def test_auth_failures_per_route(double: TaskTrackerDouble, method: str, path: str, body: Any, status: int) -> None:
    double.add_project("p")
    for headers, message in _auth_cases(double).values():
        r = http(double, method, path, body, headers)
        assert (r.status, r.json) == (status, {"ok": False, "message": message}), headers


def test_header_names_are_case_insensitive(double: TaskTrackerDouble) -> None:
    wid, secret, _ = new_worker(double)
    r = http(double, "POST", "/worker/update", {"alias": "b"}, {"x-worker-id": str(wid), "X-SECRET": secret})
    assert r.json == {"ok": True}


@pytest.mark.parametrize("level", ["trace", "info", "warn", "error"])
def test_log_routes(double: TaskTrackerDouble, level: str) -> None:
    wid, _, auth = new_worker(double)
    entry = {"scope": "test", "message": "hello", "timestamp": 1700000000}
    r = http(double, "POST", f"/log/{level}", entry, auth)
    assert (r.status, r.body) == (204, b"") and "Content-Type" not in r.headers
    assert double.logs[-1]["message"] == "hello" and double.logs[-1]["worker"] == wid
    bad = {"X-Worker-Id": str(wid), "X-Secret": base64.b64encode(b"y" * 32).decode()}
    failures = [
        (entry, bad),
        (entry, {}),
        (dict(entry, message=""), auth),
        (dict(entry, scope=""), auth),
        (dict(entry, timestamp=0), auth),
        ("not an object", auth),
    ]
    for body, headers in failures:
        r = http(double, "POST", f"/log/{level}", body, headers)
        assert (r.status, r.json) == (400, {"ok": False, "message": "Could not parse request"})
    assert len(double.logs) == 1


def test_log_message_key_matches_case_insensitively(double: TaskTrackerDouble) -> None:
    _, _, auth = new_worker(double)
    r = http(double, "POST", "/log/info", {"scope": "s", "Message": "m", "timestamp": 5}, auth)
    assert r.status == 204 and double.logs[-1]["message"] == "m"


def _submitter(double: TaskTrackerDouble, **project: Any) -> Any:
    pid = double.add_project("p", **project)
    wid, _, auth = new_worker(double)
    double.grant(wid, pid)
    return pid, wid, auth


def test_submit_rules(double: TaskTrackerDouble) -> None:
    pid, wid, auth = _submitter(double)
    task = {"project": pid, "recipe": "r", "hash_u64": 7}
    assert http(double, "POST", "/task/submit", task, auth).json == {"ok": True}
    dup = http(double, "POST", "/task/submit", task, auth)
    assert dup.status == 400 and "duplicate key" in dup.json["message"]
    other = double.add_project("q")
    double.grant(wid, other)
    assert http(double, "POST", "/task/submit", dict(task, project=other), auth).json == {"ok": True}  # per project
    for invalid in ({"project": 0, "recipe": "r"}, {"project": pid, "recipe": ""},
                    {"project": pid, "recipe": "r", "max_retries": -1},
                    {"project": pid, "recipe": "r", "hash_u64": 1, "unique_string": "u"}):  # fmt: skip
        r = http(double, "POST", "/task/submit", invalid, auth)
        assert (r.status, r.json) == (400, {"ok": False, "message": "Invalid task"}), invalid
    for unparsable in ({"project": "1", "recipe": "r"}, {"project": pid, "recipe": "r", "priority": 40000}):
        r = http(double, "POST", "/task/submit", unparsable, auth)
        assert (r.status, r.json["message"]) == (400, "Could not parse request")
    r = http(double, "POST", "/task/submit", {"project": 99, "recipe": "r"}, auth)
    assert (r.status, r.json) == (404, {"ok": False, "message": "Project not found"})


def test_submit_needs_an_accepted_grant_even_on_public_projects(double: TaskTrackerDouble) -> None:
    pid = double.add_project("p", public=True)
    _, _, auth = new_worker(double)
    r = http(double, "POST", "/task/submit", {"project": pid, "recipe": "r"}, auth)
    assert (r.status, r.json) == (400, {"ok": False, "message": "unauthorized task submit"})
    assert http(double, "POST", "/project/request_access", {"project": pid, "submit": True}, auth).json == {"ok": True}
    r = http(double, "POST", "/task/submit", {"project": pid, "recipe": "r"}, auth)
    assert r.json["message"] == "unauthorized task submit"  # still pending


def test_unique_string_hashes_with_siphash(double: TaskTrackerDouble) -> None:
    pid, _, auth = _submitter(double)
    assert http(double, "POST", "/task/submit", {"project": pid, "recipe": "r", "unique_string": "u"}, auth).json["ok"]
    expected = siphash24(1, 2, b"u")
    assert [t.hash64 % 2**64 for t in double.tasks.values()] == [expected]
    again = http(double, "POST", "/task/submit", {"project": pid, "recipe": "r2", "unique_string": "u"}, auth)
    assert again.status == 400


def test_bulk_submit(double: TaskTrackerDouble) -> None:
    pid, _, auth = _submitter(double)
    other = double.add_project("q")
    items = [{"project": pid, "recipe": f"r{i}", "hash_u64": i + 1} for i in range(3)]
    assert http(double, "POST", "/task/bulk_submit", {"requests": items}, auth).json == {"ok": True}
    assert len(double.tasks) == 3
    # duplicates are skipped silently
    assert http(double, "POST", "/task/bulk_submit", {"requests": items[:1]}, auth).json == {"ok": True}
    assert len(double.tasks) == 3
    cases = [
        ({"requests": []}, "Could not parse request"),
        ({}, "Could not parse request"),
        (items, "Could not parse request"),  # a bare array is not the request
        ({"requests": [{"project": pid, "recipe": ""}]}, "Invalid request"),
        ({"requests": [items[0], dict(items[1], project=other)]},
         "All the tasks in a bulk submit must be of the same project"),
    ]  # fmt: skip
    for body, message in cases:
        r = http(double, "POST", "/task/bulk_submit", body, auth)
        assert (r.status, r.json) == (400, {"ok": False, "message": message})
    r = http(double, "POST", "/task/bulk_submit", {"requests": [{"project": 99, "recipe": "r"}]}, auth)
    assert r.status == 404


def test_bulk_submit_of_two_on_a_finite_rate_is_always_limited(double: TaskTrackerDouble) -> None:
    pid, _, auth = _submitter(double, submit_rate=1000)
    items = [{"project": pid, "recipe": "a"}, {"project": pid, "recipe": "b"}]
    r = http(double, "POST", "/task/bulk_submit", {"requests": items}, auth)
    assert (r.status, r.json) == (
        429,
        {"ok": False, "message": "Too many requests", "rate_limit_delay": 9223372036.854776},
    )


def test_task_get_and_priority(double: TaskTrackerDouble) -> None:
    pid, wid, auth = _submitter(double)
    low = double.add_task(pid, "low", priority=1)
    high = double.add_task(pid, "high", priority=5)
    r = http(double, "GET", f"/task/get/{pid}", headers=auth)
    assert r.status == 200 and set(r.json) == {"ok", "content"}
    task = r.json["content"]["task"]
    assert (task["id"], task["assignee"], task["status"], task["recipe"]) == (high, wid, 1, "high")
    assert task["project"]["id"] == pid and task["project"]["assign_rate"] == UNLIMITED
    assert task["assign_time"] >= int(time.time()) - 5
    assert http(double, "GET", f"/task/get/{pid}", headers=auth).json["content"]["task"]["id"] == low
    r = http(double, "GET", f"/task/get/{pid}", headers=auth)
    assert (r.status, r.json) == (200, {"ok": False, "message": "No task available"})


def test_rate_infinity_is_sent_as_the_largest_double(double: TaskTrackerDouble) -> None:
    pid = double.add_project("p")
    r = http(double, "GET", f"/project/get/{pid}")
    assert b'"assign_rate":1.7976931348623157e+308' in r.body


def test_task_get_errors(double: TaskTrackerDouble) -> None:
    pid, wid, auth = _submitter(double)
    for raw in ("0", "x"):
        r = http(double, "GET", f"/task/get/{raw}", headers=auth)
        assert (r.status, r.json) == (400, {"ok": False, "message": "Invalid project id"})
    r = http(double, "GET", "/task/get/99", headers=auth)
    assert (r.status, r.json) == (404, {"ok": False, "message": "Project not found"})
    double.pause_worker(wid)
    r = http(double, "GET", f"/task/get/{pid}", headers=auth)
    assert (r.status, r.json) == (400, {"ok": False, "message": "A manager has paused you"})


def test_no_task_for_paused_or_private_projects(double: TaskTrackerDouble) -> None:
    private = double.add_project("private", public=False)
    paused = double.add_project("paused", paused=True)
    _, wid, auth = _submitter(double)
    double.add_task(private, "p")
    double.add_task(paused, "p")
    for pid in (private, paused):
        assert http(double, "GET", f"/task/get/{pid}", headers=auth).json["message"] == "No task available"
    double.grant(wid, private, assign=True, submit=False)
    assert http(double, "GET", f"/task/get/{private}", headers=auth).json["ok"] is True


def _take(double: TaskTrackerDouble, pid: int, auth: Dict[str, str]) -> Any:
    return http(double, "GET", f"/task/get/{pid}", headers=auth).json.get("content", {}).get("task")


def _release(double: TaskTrackerDouble, auth: Dict[str, str], task_id: int, result: int, verification: int = 0) -> Any:
    body = {"task_id": task_id, "result": result, "verification": verification}
    return http(double, "POST", "/task/release", body, auth)


def test_release_results(double: TaskTrackerDouble) -> None:
    pid, wid, auth = _submitter(double)
    tid = double.add_task(pid, "r", max_retries=2)
    assert _take(double, pid, auth)["id"] == tid
    assert _release(double, auth, tid, 2).json == {"ok": True, "content": {"updated": True}}  # skip
    assert double.tasks[tid].retries == 0 and double.tasks[tid].assignee == 0
    _take(double, pid, auth)
    assert _release(double, auth, tid, 1).json["content"] == {"updated": True}  # fail: 1 retry of 2
    assert (double.tasks[tid].status, double.tasks[tid].retries) == (1, 1)
    _take(double, pid, auth)
    assert _release(double, auth, tid, 1).json["content"] == {"updated": True}  # fail: out of retries
    assert (double.tasks[tid].status, double.tasks[tid].retries) == (2, 2)
    assert _take(double, pid, auth) is None  # failed tasks are not handed out
    not_mine = _release(double, auth, tid, 0)
    assert not_mine.json == {"ok": True, "message": "Task was not marked as closed", "content": {"updated": False}}
    other = double.add_task(pid, "ok")
    _take(double, pid, auth)
    assert _release(double, auth, other, 0).json["content"] == {"updated": True}  # closes (deletes) it
    assert other not in double.tasks and double.workers[wid].closed_task_count == 1
    stats = http(double, "GET", "/worker/stats").json
    assert stats == {"ok": True, "content": {"stats": [{"alias": "w", "closed_task_count": 1}]}}
    r = _release(double, auth, 0, 0)
    assert (r.status, r.json) == (400, {"ok": False, "message": "Invalid request"})
    assert http(double, "POST", "/task/release", raw=b"{", headers=auth).status == 400


def test_release_with_verifications(double: TaskTrackerDouble) -> None:
    pid = double.add_project("p")
    tid = double.add_task(pid, "r", verification_count=2)
    _, _, first = new_worker(double, "a")
    _, _, second = new_worker(double, "b")
    assert _take(double, pid, first)["id"] == tid
    assert _release(double, first, tid, 0, verification=9).json["content"] == {"updated": False}
    assert _take(double, pid, first) is None  # a worker verifies a task once
    assert _take(double, pid, second)["id"] == tid
    assert _release(double, second, tid, 0, verification=9).json["content"] == {"updated": True}
    assert tid not in double.tasks


def test_project_get(double: TaskTrackerDouble) -> None:
    pid = double.add_project("demo", motd="hi", assign_rate=2)
    r = http(double, "GET", f"/project/get/{pid}")
    project = r.json["content"]["project"]
    assert r.status == 200 and set(r.json) == {"ok", "content"}
    assert (project["id"], project["name"], project["motd"], project["assign_rate"]) == (pid, "demo", "hi", 2.0)
    assert set(project) == {
        "id", "priority", "name", "clone_url", "git_repo", "version", "motd", "public", "hidden", "chain", "paused",
        "assign_rate", "submit_rate",
    }  # fmt: skip
    for raw, status, message in (("0", 400, "Invalid worker id"), ("x", 400, "Invalid worker id"),
                                 ("77", 404, "Project not found")):  # fmt: skip
        r = http(double, "GET", f"/project/get/{raw}")
        assert (r.status, r.json) == (status, {"ok": False, "message": message})
    hidden = double.add_project("hidden", public=False, hidden=True)
    r = http(double, "GET", f"/project/get/{hidden}")
    assert (r.status, r.json) == (403, {"ok": False, "message": "Unauthorized"})


def test_request_access(double: TaskTrackerDouble) -> None:
    pid = double.add_project("p", public=False)
    wid, _, auth = new_worker(double)
    # the body is checked before the credentials
    r = http(double, "POST", "/project/request_access", {"project": pid}, {})
    assert (r.status, r.json) == (400, {"ok": False, "message": "Invalid request"})
    assert http(double, "POST", "/project/request_access", raw=b"x", headers={}).json["message"] == (
        "Could not parse request"
    )
    assert http(double, "POST", "/project/request_access", {"project": pid, "assign": True}, auth).json == {"ok": True}
    access = double.access[(wid, pid)]
    assert (access.assign, access.submit, access.request) == (True, False, True)
    double.add_task(pid, "r")
    assert _take(double, pid, auth) is None  # pending
    for project in (pid, 99):
        r = http(double, "POST", "/project/request_access", {"project": project, "assign": True}, auth)
        assert r.status == 400 and r.json["message"].startswith("Project is public, you already have")
    double.grant(wid, pid, assign=True, submit=False)
    assert _take(double, pid, auth) is not None


def test_rate_limit_token_bucket(double: TaskTrackerDouble) -> None:
    pid, _, auth = _submitter(double, assign_rate=5)
    double.add_task(pid, "a")
    assert http(double, "GET", f"/task/get/{pid}", headers=auth).status == 200  # the burst token
    r = http(double, "GET", f"/task/get/{pid}", headers=auth)
    assert r.status == 429 and r.json["message"] == "Too many requests"
    assert 0 < r.json["rate_limit_delay"] <= 0.2 and set(r.json) == {"ok", "message", "rate_limit_delay"}
    time.sleep(r.json["rate_limit_delay"])
    # an empty poll hands its token back, so it does not use up the rate
    for _ in range(3):
        assert http(double, "GET", f"/task/get/{pid}", headers=auth).json["message"] == "No task available"


def test_rate_limit_next_forces_one_429(double: TaskTrackerDouble) -> None:
    pid, _, auth = _submitter(double)
    double.rate_limit_next(pid, delay=0.25, kind="submit")
    r = http(double, "POST", "/task/submit", {"project": pid, "recipe": "r"}, auth)
    assert (r.status, r.json["rate_limit_delay"]) == (429, 0.25)
    assert http(double, "POST", "/task/submit", {"project": pid, "recipe": "r"}, auth).status == 200
    assert double.count("POST", "/task/submit") == 2


def test_set_rates_resets_the_limiter(double: TaskTrackerDouble) -> None:
    pid, _, auth = _submitter(double, submit_rate=0.001)
    assert http(double, "POST", "/task/submit", {"project": pid, "recipe": "a"}, auth).status == 200
    assert http(double, "POST", "/task/submit", {"project": pid, "recipe": "b"}, auth).status == 429
    double.set_rates(pid, submit_rate=0)
    assert http(double, "POST", "/task/submit", {"project": pid, "recipe": "c"}, auth).status == 200


def test_concurrent_workers_never_share_a_task(double: TaskTrackerDouble) -> None:
    pid = double.add_project("p")
    for i in range(40):
        double.add_task(pid, str(i))
    seen: Dict[int, int] = {}
    auths = [new_worker(double, f"w{i}")[2] for i in range(4)]

    def run(auth: Dict[str, str]) -> None:
        while (task := _take(double, pid, auth)) is not None:
            seen[task["id"]] = seen.get(task["id"], 0) + 1

    threads = [threading.Thread(target=run, args=(a,)) for a in auths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == sorted(double.tasks) and set(seen.values()) == {1}


def test_requests_are_recorded_with_headers(double: TaskTrackerDouble) -> None:
    http(double, "GET", "/", headers={"X-Probe": "1"})
    method, path, headers = double.requests[-1]
    assert (method, path, headers["X-Probe"]) == ("GET", "/", "1")
    assert json.loads(json.dumps(double.requests))  # plain data

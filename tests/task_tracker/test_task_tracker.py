"""The generated task_tracker client (examples/task_tracker/task_tracker, from task_tracker.json) end to end against
the loopback double, each case through the sync and the async client: the envelope, the "nothing" message, header
credentials, 204 answers, 429 with rate_limit_delay, and errors that never show the secret."""

import inspect
import time
from typing import Any, AsyncIterator, Dict, Optional

import pytest
from tt_support import EXAMPLE, TaskTrackerDouble

from taskcluster.exceptions import TaskclusterAuthFailure, TaskclusterFailure, TaskclusterRestFailure

assert EXAMPLE.is_dir()
from task_tracker import AsyncTaskTracker, TaskTracker  # noqa: E402

# HTTP errors come as TaskclusterRestFailure, except 401, which is TaskclusterAuthFailure (as for Taskcluster)
Answered = (TaskclusterRestFailure, TaskclusterAuthFailure)


class Side:
    """One client, sync or async, called the same way: `await side("task.get", project=1)`."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def with_options(self, **options: Any) -> "Side":
        return Side(self.client.withOptions(**options))

    async def __call__(self, name: str, **kwargs: Any) -> Any:
        target = self.client
        for part in name.split("."):
            target = getattr(target, part)
        result = target(**kwargs)
        return await result if inspect.isawaitable(result) else result


@pytest.fixture(params=["sync", "async"])
async def side(request: Any, double: TaskTrackerDouble) -> AsyncIterator[Side]:
    options = {"rootUrl": double.url, "maxRetries": 2, "timeout": 5.0}
    if request.param == "sync":
        with TaskTracker(options) as client:
            yield Side(client)
    else:
        async with AsyncTaskTracker(options) as aclient:
            yield Side(aclient)


async def new_worker(side: Side, alias: str = "w") -> Dict[str, Any]:
    content = await side("worker.create", body={"alias": alias})
    return dict(content["worker"])


async def as_worker(side: Side, alias: str = "w") -> "tuple[Side, Dict[str, Any]]":
    worker = await new_worker(side, alias)
    return side.with_options(credentials={"workerId": worker["id"], "secret": worker["secret"]}), worker


async def test_info(side: Side) -> None:
    assert await side("info") == {"name": "task_tracker", "version": "1.1"}


async def test_worker_create_and_get(side: Side, double: TaskTrackerDouble) -> None:
    worker = await new_worker(side, "alpha")
    assert worker["alias"] == "alpha" and isinstance(worker["id"], int) and len(worker["secret"]) == 44
    got = await side("worker.get", id=worker["id"])
    assert got == {"worker": dict(worker, secret=None)}
    with pytest.raises(TaskclusterRestFailure) as info:
        await side("worker.get", id=9999)
    assert info.value.status_code == 404 and "Worker not found" in str(info.value)


async def test_worker_loop_through_the_client(side: Side, double: TaskTrackerDouble) -> None:
    worker_side, worker = await as_worker(side)
    project = double.add_project("demo")
    double.grant(worker["id"], project)
    assert await worker_side("worker.update", body={"alias": "renamed"}) is None
    assert double.workers[worker["id"]].alias == "renamed"
    # the credentials really go out as X-Worker-Id / X-Secret (the double would refuse the call otherwise)
    _, _, headers = double.requests[-1]
    assert headers["X-Worker-Id"] == str(worker["id"]) and headers["X-Secret"] == worker["secret"]

    assert await worker_side("task.submit", body={"project": project, "recipe": "one", "hash_u64": 11}) is None
    with pytest.raises(TaskclusterRestFailure) as dup:  # hash_u64 de-duplication
        await worker_side("task.submit", body={"project": project, "recipe": "again", "hash_u64": 11})
    assert dup.value.status_code == 400 and "duplicate key" in str(dup.value)
    bulk = [{"project": project, "recipe": f"b{i}", "priority": i} for i in range(2)]
    assert await worker_side("task.bulkSubmit", body={"requests": bulk}) is None
    assert sorted(t.recipe for t in double.tasks.values()) == ["b0", "b1", "one"]

    got = await worker_side("task.get", project=project)
    task = got["task"]
    assert task["recipe"] == "b1" and task["assignee"] == worker["id"] and task["project"]["id"] == project
    assert await worker_side("task.release", body={"task_id": task["id"], "result": 0}) == {"updated": True}
    for _ in range(2):
        task = (await worker_side("task.get", project=project))["task"]
        assert await worker_side("task.release", body={"task_id": task["id"], "result": 0}) == {"updated": True}
    assert await worker_side("task.get", project=project) is None  # "No task available"
    not_mine = await worker_side("task.release", body={"task_id": task["id"], "result": 0})
    assert not_mine == {"updated": False}  # ok=true with a message: the content is the answer
    assert (await side("worker.stats"))["stats"] == [{"alias": "renamed", "closed_task_count": 3}]


@pytest.mark.parametrize("level", ["trace", "info", "warn", "error"])
async def test_log_returns_none(side: Side, double: TaskTrackerDouble, level: str) -> None:
    worker_side, worker = await as_worker(side)
    body = {"scope": "tests", "message": f"{level} line", "timestamp": int(time.time())}
    assert await worker_side(f"log.{level}", body=body) is None
    assert double.logs[-1]["message"] == f"{level} line" and double.logs[-1]["worker"] == worker["id"]


async def test_project_get_and_request_access(side: Side, double: TaskTrackerDouble) -> None:
    pid = double.add_project("demo", public=False, motd="hello")
    project = (await side("project.get", id=pid))["project"]
    assert (project["id"], project["name"], project["motd"], project["public"]) == (pid, "demo", "hello", False)
    assert project["assign_rate"] == 1.7976931348623157e308  # rate 0: unlimited
    worker_side, worker = await as_worker(side)
    assert await worker_side("project.requestAccess", body={"project": pid, "assign": True}) is None
    assert double.access[(worker["id"], pid)].request is True
    with pytest.raises(TaskclusterRestFailure) as info:
        await worker_side("project.requestAccess", body={"project": pid, "assign": True})
    assert info.value.status_code == 400 and "you already have an active request" in str(info.value)
    with pytest.raises(TaskclusterRestFailure) as missing:
        await side("project.get", id=404)
    assert missing.value.status_code == 404 and "Project not found" in str(missing.value)


@pytest.mark.parametrize(
    "name,kwargs,status",
    [
        ("task.get", {"project": 1}, 403),
        ("task.release", {"body": {"task_id": 1, "result": 0}}, 403),
        ("task.submit", {"body": {"project": 1, "recipe": "r"}}, 401),
        ("worker.update", {"body": {"alias": "x"}}, 401),
    ],
)
async def test_wrong_secret(
    side: Side, double: TaskTrackerDouble, name: str, kwargs: Dict[str, Any], status: int
) -> None:
    double.add_project("p")
    worker = await new_worker(side)
    other = await new_worker(side, "other")
    secret = other["secret"]  # a real secret, of another worker
    bad = side.with_options(credentials={"workerId": worker["id"], "secret": secret})
    with pytest.raises(Answered) as info:
        await bad(name, **kwargs)
    assert info.value.status_code == status
    assert type(info.value) is (TaskclusterAuthFailure if status == 401 else TaskclusterRestFailure)
    assert "invalid secret" in str(info.value)
    for text in (str(info.value), repr(info.value), repr(bad.client)):
        assert secret not in text and worker["secret"] not in text


async def test_log_with_bad_credentials_is_400(side: Side) -> None:
    worker = await new_worker(side)
    bad = side.with_options(credentials={"workerId": worker["id"], "secret": "AAAA" + worker["secret"][4:]})
    with pytest.raises(TaskclusterRestFailure) as info:
        await bad("log.info", body={"scope": "s", "message": "m", "timestamp": 1})
    assert info.value.status_code == 400 and "Could not parse request" in str(info.value)


async def test_paused_worker_is_a_failure(side: Side, double: TaskTrackerDouble) -> None:
    worker_side, worker = await as_worker(side)
    pid = double.add_project("p")
    double.pause_worker(worker["id"])
    with pytest.raises(TaskclusterRestFailure) as paused:
        await worker_side("task.get", project=pid)
    assert paused.value.status_code == 400 and "A manager has paused you" in str(paused.value)


async def test_ok_false_on_200_is_a_failure(side: Side, double: TaskTrackerDouble) -> None:
    # only task.get lists a message as "nothing"; any other ok=false, even with status 200, raises with the message
    worker_side, _ = await as_worker(side)
    double.answer_next("POST", "/worker/update", 200, {"ok": False, "message": "Could not update worker"})
    with pytest.raises(TaskclusterRestFailure) as info:
        await worker_side("worker.update", body={"alias": "x"})
    assert "Could not update worker" in str(info.value)
    assert info.value.body.get("message") == "Could not update worker"
    # "No task available" means None only for task.get
    double.answer_next("POST", "/worker/update", 200, {"ok": False, "message": "No task available"})
    with pytest.raises(TaskclusterRestFailure):
        await worker_side("worker.update", body={"alias": "x"})


async def test_429_is_retried_after_rate_limit_delay(side: Side, double: TaskTrackerDouble) -> None:
    worker_side, worker = await as_worker(side)
    pid = double.add_project("p")
    double.add_task(pid, "r")
    delay = 0.3
    double.rate_limit_next(pid, delay=delay)
    before = double.count("GET", f"/task/get/{pid}")
    started = time.monotonic()
    got = await worker_side("task.get", project=pid)
    elapsed = time.monotonic() - started
    assert got is not None and got["task"]["recipe"] == "r"
    assert double.count("GET", f"/task/get/{pid}") - before == 2  # the 429, then the retry
    assert elapsed >= delay


async def test_429_without_retries_raises(side: Side, double: TaskTrackerDouble) -> None:
    worker_side, _ = await as_worker(side)
    pid = double.add_project("p")
    double.rate_limit_next(pid, delay=0.05, kind="submit")
    with pytest.raises(TaskclusterRestFailure) as info:
        await worker_side.with_options(maxRetries=0)("task.submit", body={"project": pid, "recipe": "r"})
    assert info.value.status_code == 429 and "Too many requests" in str(info.value)
    assert double.count("POST", "/task/submit") == 1


async def test_real_token_bucket_is_respected(side: Side, double: TaskTrackerDouble) -> None:
    # with a finite submit rate, back-to-back submits succeed: the client waits out each 429
    worker_side, worker = await as_worker(side)
    pid = double.add_project("p", submit_rate=10)
    double.grant(worker["id"], pid)
    started = time.monotonic()
    for i in range(3):
        await worker_side("task.submit", body={"project": pid, "recipe": str(i)})
    assert time.monotonic() - started >= 0.15
    assert len(double.tasks) == 3 and double.count("POST", "/task/submit") > 3


async def test_path_parameter_is_checked_before_sending(side: Side, double: TaskTrackerDouble) -> None:
    before = len(double.requests)
    for bad in (None, "not a number"):
        with pytest.raises(TaskclusterFailure):
            await side("task.get", project=bad)
    assert len(double.requests) == before


def test_secret_not_in_repr_of_clients() -> None:
    secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="
    options: Dict[str, Optional[Any]] = {
        "rootUrl": "http://127.0.0.1:9",
        "credentials": {"workerId": 1, "secret": secret},
    }
    for client in (TaskTracker(options), AsyncTaskTracker(options)):
        assert secret not in repr(client) and secret not in str(client)

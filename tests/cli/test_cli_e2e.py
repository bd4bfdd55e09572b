"""The command line end to end: `python -m taskcluster ...` in a subprocess against a local deployment."""

import datetime
import json
import os
import re
import shlex
import subprocess
import sys
from typing import Any, Dict, Iterator, List

import pytest
import requests
from cli_helpers import (
    FakeStream,
    Result,
    cli_env,
    finish_with_artifacts,
    lines,
    run_cli,
    run_main,
    task_definition,
)

import taskcluster
from scripted_server import Reply, ScriptedServer
from taskcluster.cli import main
from taskcluster.testing import LocalDeployment

LIVE_LOG = b"hello from live.log\nsecond line \xe2\x9c\x93\n"
BACKING_LOG = b"only the backing log\n"


class World:
    """A deployment holding a task group of 7 tasks: A completed with a live log, B completed with only a backing
    log, and 5 pending ones (C..G)."""

    def __init__(self, tc: LocalDeployment) -> None:
        self.tc = tc
        self.options: Dict[str, Any] = tc.options()
        self.env = cli_env(tc.rootUrl, tc.credentials)
        self.group_id = taskcluster.slugId()
        self.ids = [taskcluster.slugId() for _ in range(7)]
        self.names = {task_id: "task %d" % number for number, task_id in enumerate(self.ids)}
        with taskcluster.Queue(self.options) as queue:
            for task_id in self.ids:
                queue.createTask(task_id, task_definition(self.group_id, self.names[task_id]))
        finish_with_artifacts(self.options, self.ids[0], {"public/logs/live.log": LIVE_LOG, "public/build/a.txt": b"a"})
        finish_with_artifacts(self.options, self.ids[1], {"public/logs/live_backing.log": BACKING_LOG})

    def cli(self, *args: str, stdin: bytes = b"") -> Result:
        return run_cli(*args, env=self.env, stdin=stdin)


@pytest.fixture(scope="module")
def world(deployment: LocalDeployment) -> Iterator[World]:
    yield World(deployment)


def ok(result: Result) -> str:
    assert (result.status, result.err) == (0, ""), result
    return result.out


def test_version(world: World) -> None:
    assert ok(world.cli("version")) == taskcluster.__version__ + "\n"


def test_api_lists_services_methods_and_describes_a_method(world: World) -> None:
    listing = ok(world.cli("api"))
    assert "  Queue " in listing and " purge-cache " in listing and "Purge Cache Service" in listing
    assert "QueueEvents" not in listing  # routing-key classes have no API methods
    methods = ok(world.cli("api", "PurgeCache", "--help"))
    assert "purgeCache <workerPoolId> [payload]" in methods and "Purge Worker Cache" in methods
    assert "purgeRequests <workerPoolId>" in methods
    described = ok(world.cli("api", "queue", "listtaskgroup", "--help"))
    assert described.startswith(
        "usage: taskcluster api queue listTaskGroup <taskGroupId> [--query continuationToken=...] [--query limit=...]"
    )
    assert "GET /task-group/<taskGroupId>/list" in described and "queue:list-task-group:<taskGroupId>" in described


def test_api_call_without_credentials_or_payload(world: World) -> None:
    out = ok(run_cli("api", "queue", "ping", env=cli_env(world.tc.rootUrl)))
    assert json.loads(out)["alive"] is True
    assert out.startswith('{\n  "alive": true,\n')  # indented, keys sorted
    assert json.loads(ok(world.cli("api", "auth", "currentScopes")))["scopes"] == ["*"]


def test_api_payload_from_stdin(world: World) -> None:
    task_id = taskcluster.slugId()
    definition = task_definition(taskcluster.slugId(), "from stdin")
    answer = json.loads(ok(world.cli("api", "queue", "createTask", task_id, stdin=json.dumps(definition).encode())))
    assert answer["status"]["taskId"] == task_id and answer["status"]["state"] == "pending"
    with taskcluster.Queue(world.options) as queue:
        assert queue.task(task_id)["metadata"]["name"] == "from stdin"


def test_api_payload_from_a_file_and_query(world: World, tmp_path: Any) -> None:
    payload = tmp_path / "purge.json"
    payload.write_text(json.dumps({"cacheName": "cli-cache"}))
    assert (
        json.loads(ok(world.cli("api", "purge-cache", "purgeCache", "cli/pool", "--payload", os.fspath(payload)))) == {}
    )
    requests_ = json.loads(ok(world.cli("api", "purgecache", "purgeRequests", "cli/pool")))["requests"]
    assert [request["cacheName"] for request in requests_] == ["cli-cache"]
    page = json.loads(ok(world.cli("api", "queue", "listTaskGroup", world.group_id, "--query", "limit=2")))
    assert [entry["status"]["taskId"] for entry in page["tasks"]] == world.ids[:2]
    assert page["continuationToken"]


def test_task_status_and_definition(world: World) -> None:
    task_a = world.ids[0]
    assert ok(world.cli("task", "status", task_a)) == "completed\n"
    status = json.loads(ok(world.cli("task", "status", task_a, "--json")))
    assert status["status"]["runs"][0]["state"] == "completed"
    definition = json.loads(ok(world.cli("task", "def", task_a)))
    with taskcluster.Queue(world.options) as queue:
        assert definition == queue.task(task_a)


def test_task_log_live_then_backing(world: World) -> None:
    result = run_cli("task", "log", world.ids[0], env=world.env)
    assert (result.status, result.err) == (0, "")
    proc = subprocess.run(
        [sys.executable, "-m", "taskcluster", "task", "log", world.ids[1]], env=world.env, capture_output=True
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, BACKING_LOG, b"")
    assert result.out.encode() == LIVE_LOG
    missing = world.cli("task", "log", world.ids[2])
    assert missing.status == 1 and missing.out == ""
    assert missing.err.startswith("taskcluster: task log failed: HTTP 404 ResourceNotFound\n")
    assert "has no log artifact: neither public/logs/live.log nor public/logs/live_backing.log" in missing.err


def test_task_artifacts(world: World) -> None:
    assert ok(world.cli("task", "artifacts", world.ids[0])) == "public/build/a.txt\npublic/logs/live.log\n"
    artifacts = json.loads(ok(world.cli("task", "artifacts", world.ids[0], "--json", "--run", "0")))
    assert [(a["name"], a["storageType"]) for a in artifacts] == [
        ("public/build/a.txt", "s3"),
        ("public/logs/live.log", "s3"),
    ]


def test_task_cancel(world: World) -> None:
    task_id = taskcluster.slugId()
    with taskcluster.Queue(world.options) as queue:
        queue.createTask(task_id, task_definition(taskcluster.slugId(), "to cancel"))
        assert ok(world.cli("task", "cancel", task_id)) == "exception\n"
        assert queue.status(task_id)["status"]["runs"][-1]["reasonResolved"] == "canceled"


def test_group_list_follows_every_page(world: World) -> None:
    result = world.cli("group", "list", world.group_id, "--page-size", "3")
    assert result.err == ""  # stderr is a pipe: no progress indicator
    rows = [line.split(None, 2) for line in lines(ok(result))]
    states = ["completed", "completed"] + ["pending"] * 5
    assert rows == [[task_id, state, world.names[task_id]] for task_id, state in zip(world.ids, states)]
    done = json.loads(ok(world.cli("group", "list", world.group_id, "--state", "completed", "--json")))
    assert [entry["status"]["taskId"] for entry in done] == world.ids[:2]
    assert done[0]["task"]["metadata"]["name"] == "task 0"


def test_group_status_counts_by_state(world: World) -> None:
    assert ok(world.cli("group", "status", world.group_id, "--page-size", "2")) == (
        "pending: 5\ncompleted: 2\ntotal: 7\n"
    )
    counts = json.loads(ok(world.cli("group", "status", world.group_id, "--json")))
    assert counts["total"] == 7 and counts["states"]["pending"] == 5 and counts["states"]["failed"] == 0


def test_group_progress_on_a_terminal(world: World, monkeypatch: Any) -> None:
    err = FakeStream(tty=True)
    for variable, value in world.env.items():
        if variable.startswith("TASKCLUSTER_"):
            monkeypatch.setenv(variable, value)
    out = FakeStream()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["group", "list", world.group_id, "--page-size", "3"]) == 0
    assert len(lines(out.getvalue())) == 7
    shown = err.getvalue()
    assert [n for n in (3, 6, 7) if "loaded %d tasks..." % n in shown] == [3, 6, 7]
    assert shown.endswith("\r\x1b[K")  # the line is erased at the end


def test_group_of_more_than_one_default_page(deployment: LocalDeployment) -> None:
    """1003 tasks: the queue's default page holds 1000, so `group status` must follow its continuationToken."""
    group_id = taskcluster.slugId()

    async def create() -> None:
        import asyncio

        import taskcluster.aio

        limit = asyncio.Semaphore(50)
        async with taskcluster.aio.Queue(deployment.options()) as queue:

            async def one(number: int) -> None:
                async with limit:
                    await queue.createTask(taskcluster.slugId(), task_definition(group_id, "bulk %d" % number))

            await asyncio.gather(*(one(n) for n in range(1003)))

    import asyncio

    asyncio.run(create())
    env = cli_env(deployment.rootUrl, deployment.credentials)
    assert ok(run_cli("group", "status", group_id, env=env)) == "pending: 1003\ntotal: 1003\n"


def test_signed_url_works_with_plain_requests(world: World) -> None:
    with taskcluster.Secrets(world.options) as secrets:
        secrets.set("cli/signed", {"secret": {"v": 42}, "expires": taskcluster.fromNowJSON("1 hour")})
    url = ok(world.cli("signed-url", "secrets", "get", "cli/signed", "--expires", "5 minutes")).strip()
    assert url.startswith(world.tc.rootUrl + "/api/secrets/v1/secret/cli%2Fsigned?bewit=")
    assert requests.get(url, timeout=10).json()["secret"] == {"v": 42}
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403
    listed = ok(world.cli("signed-url", "queue", "listTaskGroup", world.group_id, "--query", "limit=1")).strip()
    assert "?limit=1&bewit=" in listed
    assert len(requests.get(listed, timeout=10).json()["tasks"]) == 1


def test_temp_creds_evaluated_in_a_shell(world: World) -> None:
    with taskcluster.Secrets(world.options) as secrets:
        for name in ("cli/allowed", "cli/forbidden"):
            secrets.set(name, {"secret": {"name": name}, "expires": taskcluster.fromNowJSON("1 hour")})
    tc = "%s -m taskcluster" % shlex.quote(sys.executable)
    script = "\n".join(
        [
            "set -u",
            'eval "$(%s temp-creds --scope secrets:get:cli/allowed --scope auth:current-scopes --expires 10m)"' % tc,
            'test -n "$TASKCLUSTER_CERTIFICATE" || exit 9',
            "%s api auth currentScopes; echo @@$?@@" % tc,
            "%s api secrets get cli/allowed; echo @@$?@@" % tc,
            "%s api secrets get cli/forbidden; echo @@$?@@" % tc,
        ]
    )
    proc = subprocess.run(["bash", "-c", script], env=world.env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc
    scopes_out, scopes_rc, allowed_out, allowed_rc, forbidden_out, forbidden_rc, rest = re.split(
        r"@@(\d+)@@\n", proc.stdout
    )
    assert (scopes_rc, allowed_rc, forbidden_rc, forbidden_out, rest) == ("0", "0", "1", "", "")
    scopes = json.loads(scopes_out)["scopes"]
    assert "secrets:get:cli/allowed" in scopes and "*" not in scopes
    assert json.loads(allowed_out)["secret"] == {"name": "cli/allowed"}
    # the temporary credentials lack secrets:get:cli/forbidden
    assert "taskcluster: api secrets get failed: HTTP 403 InsufficientScopes" in proc.stderr
    assert world.tc.credentials["accessToken"] not in proc.stdout + proc.stderr


def test_temp_creds_as_json(world: World, monkeypatch: Any) -> None:
    result = run_main(monkeypatch, "temp-creds", "--scope", "a:b", "--expires", "2h", "--json", env=world.env)
    assert result.status == 0, result
    issued = json.loads(result.out)
    certificate = json.loads(issued["certificate"])
    assert issued["clientId"] == world.tc.credentials["clientId"] and certificate["scopes"] == ["a:b"]
    lifetime = (certificate["expiry"] - certificate["start"]) / 1000
    assert 2 * 3600 <= lifetime <= 2 * 3600 + 5 * 60 + 5


def test_from_now(world: World) -> None:
    before = datetime.datetime.now(datetime.timezone.utc)
    printed = ok(world.cli("from-now", "2", "hours")).strip()
    moment = datetime.datetime.strptime(printed, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    assert datetime.timedelta(hours=2) <= moment - before < datetime.timedelta(hours=2, seconds=30)


def test_slugid_round_trips(world: World) -> None:
    generated = ok(world.cli("slugid")).strip()
    assert len(generated) == 22 and generated[0] in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
    v4 = ok(world.cli("slugid", "v4")).strip()
    uuids = ok(world.cli("slugid", "decode", generated, v4)).split()
    assert ok(world.cli("slugid", "encode", *uuids)).split() == [generated, v4]


def test_api_errors_exit_1_without_secrets(world: World) -> None:
    token = world.tc.credentials["accessToken"]
    missing = world.cli("api", "queue", "task", "fN1XkfeYRw6zuzgDc0LWbg")
    assert (missing.status, missing.out) == (1, "")
    assert missing.err.splitlines() == [
        "taskcluster: api queue task failed: HTTP 404 ResourceNotFound",
        "Queue.task: HTTP 404 Not Found: ResourceNotFound: Task fN1XkfeYRw6zuzgDc0LWbg not found",
    ]
    wrong = world.cli("--access-token", "WRONG-TOKEN-0123456789", "api", "auth", "currentScopes")
    assert (wrong.status, wrong.out) == (1, "")
    assert wrong.err.startswith("taskcluster: api auth currentScopes failed: HTTP 401 AuthenticationFailed\n")
    for result in (missing, wrong):
        assert token not in result.out + result.err and "WRONG-TOKEN" not in result.err
        assert "bewit=" not in result.err and "Hawk id=" not in result.err and "mac=" not in result.err


@pytest.fixture
def counting(server: ScriptedServer) -> ScriptedServer:
    return server


def test_rerun_and_group_cancel_call_the_queue(counting: ScriptedServer) -> None:
    """The local deployment does not implement rerunTask, sealTaskGroup or cancelTaskGroup: a scripted loopback
    server answers them, and records what the command line sent."""
    from scripted_server import ACCESS_TOKEN, CLIENT_ID

    env = cli_env(counting.root_url, {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN})
    counting.add(Reply(200, json_body={"status": {"taskId": "T", "state": "pending", "runs": []}}))
    assert ok(run_cli("task", "rerun", "T", env=env)) == "pending\n"
    counting.add(
        Reply(200, json_body={"taskGroupId": "G", "schedulerId": "s", "expires": "x", "sealed": "y"}),
        Reply(200, json_body={"taskGroupId": "G", "taskGroupSize": 5, "cancelledCount": 3, "taskIds": ["a"] * 3}),
    )
    assert ok(run_cli("group", "cancel", "G", env=env)) == "cancelled 3 of the 5 task(s) of task group G\n"
    sent: List[Any] = [(r.method, r.path, r.signed, r.hawk_error) for r in counting.requests]
    assert sent == [
        ("POST", "/api/queue/v1/task/T/rerun", True, None),
        ("POST", "/api/queue/v1/task-group/G/seal", True, None),
        ("POST", "/api/queue/v1/task-group/G/cancel", True, None),
    ]

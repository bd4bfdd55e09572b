"""Every usage error: exit status 2, one line on stderr saying what was wrong and what is expected, and not a
single request sent (the scripted loopback server counts every request it receives)."""

import json
import os
from typing import Any, Dict, List, Optional

import pytest
from cli_helpers import FakeStream, cli_env, run_cli, run_main

from scripted_server import ACCESS_TOKEN, CLIENT_ID, ScriptedServer

TASK_ID = "fN1XkfeYRw6zuzgDc0LWbg"
CERTIFICATE = json.dumps({"version": 1, "scopes": [], "start": 0, "expiry": 1, "seed": "s", "signature": "SIG"})


def environment(kind: str, root_url: str) -> Dict[str, str]:
    """TASKCLUSTER_* variables: full credentials, none, half of them, temporary ones, or a broken certificate."""
    credentials = {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN}
    if kind == "noroot":
        return cli_env(None, credentials)
    if kind == "rootonly":
        return cli_env(root_url)
    if kind == "halfcreds":
        return cli_env(root_url, {"clientId": CLIENT_ID})
    if kind == "temporary":
        return cli_env(root_url, dict(credentials, certificate=CERTIFICATE))
    if kind == "badcert":
        return cli_env(root_url, dict(credentials, certificate="{not json SIG"))
    if kind == "badroot":
        return cli_env("ftp://example.com", credentials)
    return cli_env(root_url, credentials)


# (arguments, environment kind, stdin, what the message must say)
CASES: List[Any] = [
    (["tsk", TASK_ID], "full", None, "unknown command 'tsk'; did you mean 'task'?"),
    (["api", "qeue", "task", TASK_ID], "full", None, "unknown service 'qeue'; did you mean 'queue'?"),
    (["api", "queueevents", "taskDefined"], "full", None, "QueueEvents only builds pulse routing keys"),
    (["api", "queue", "tsak", TASK_ID], "full", None, "queue has no method 'tsak'; did you mean 'task'?"),
    (["api", "queue", "task"], "full", None, "queue.task takes 1 route argument (<taskId>), got 0"),
    (["api", "queue", "task", TASK_ID, "extra"], "full", None, "takes 1 route argument (<taskId>), got 2"),
    (["api", "queue", "ping", "x"], "full", None, "queue.ping takes no route arguments, got 1"),
    (["api", "queue", "listTaskGroup", "g", "--query", "limit"], "full", None, "'limit' is not of the form key=value"),
    (
        ["api", "queue", "listTaskGroup", "g", "--query", "size=3"],
        "full",
        None,
        "'size' is not a query parameter of queue.listTaskGroup; its query parameters are: continuationToken, limit",
    ),
    (["api", "queue", "task", TASK_ID, "--query", "a=b"], "full", None, "it takes no query parameters"),
    (["api", "queue", "createTask", TASK_ID], "full", "tty", "queue.createTask needs a JSON payload"),
    (["api", "queue", "createTask", TASK_ID], "full", b"{oops", "payload from stdin is not JSON (Expecting"),
    (["api", "queue", "createTask", TASK_ID], "full", b"", "payload from stdin is not JSON (it is empty)"),
    (["api", "queue", "createTask", TASK_ID], "full", b'["a"]', "is an array; queue.createTask expects a JSON object"),
    (["api", "queue", "createTask", TASK_ID, "--payload", "FILE"], "full", ("file", b"{bad"), "FILE' is not JSON"),
    (["api", "queue", "createTask", TASK_ID, "--payload", "/no/such"], "full", None, "cannot read '/no/such'"),
    (["api", "queue", "task", TASK_ID, "--payload", "FILE"], "full", ("file", b"{}"), "queue.task takes no payload"),
    (["api", "queue", "task", TASK_ID], "noroot", None, "needs the deployment's root URL: set TASKCLUSTER_ROOT_URL"),
    (["task", "status", TASK_ID], "noroot", None, "taskcluster task status needs the deployment's root URL"),
    (["task", "status", TASK_ID], "badroot", None, "the root URL must start with http:// or https://"),
    (["task", "status", TASK_ID], "halfcreds", None, "incomplete credentials: TASKCLUSTER_ACCESS_TOKEN"),
    (["task", "status", TASK_ID], "badcert", None, "must be the JSON object of a certificate"),
    (["task", "status"], "full", None, "the following arguments are required: taskId"),
    (["task", "explode", TASK_ID], "full", None, "invalid choice: 'explode'"),
    (["group", "list", "g", "--page-size", "0"], "full", None, "--page-size must be a positive number"),
    (["group", "list", "g", "--state", "done"], "full", None, "argument --state: invalid choice: 'done'"),
    (["signed-url", "queue", "task", TASK_ID], "rootonly", None, "needs credentials: set TASKCLUSTER_CLIENT_ID"),
    (["signed-url", "queue", "createTask", TASK_ID], "full", None, "queue.createTask is a PUT method"),
    (["signed-url", "queue", "task", TASK_ID, "--expires", "soon"], "full", None, '--expires: invalid offset "soon"'),
    (["signed-url", "queue", "task"], "full", None, "queue.task takes 1 route argument"),
    (["temp-creds", "--expires", "1h"], "full", None, "the following arguments are required: --scope"),
    (["temp-creds", "--scope", "a", "--expires", "32 days"], "full", None, "at most 31 days"),
    (["temp-creds", "--scope", "a"], "temporary", None, "temporary credentials cannot issue temporary credentials"),
    (["temp-creds", "--scope", "a"], "rootonly", None, "taskcluster temp-creds needs credentials"),
    (["from-now", "a", "fortnight"], "full", None, 'from-now: invalid offset "a fortnight"'),
    (["slugid", "decode", "not-a-slug"], "full", None, "'not-a-slug' is not a slugid"),
    (["slugid", "encode", "nope"], "full", None, "'nope' is not a UUID"),
    (["slugid", "decode"], "full", None, "slugid decode needs at least one slugid"),
    (["slugid", "nice", "extra"], "full", None, "slugid nice takes no arguments"),
]


def _id(case: Any) -> str:
    return " ".join(case[0])[:60]


@pytest.mark.parametrize("args, kind, stdin, message", CASES, ids=[_id(case) for case in CASES])
def test_usage_error(
    monkeypatch: Any, server: ScriptedServer, tmp_path: Any, args: List[str], kind: str, stdin: Any, message: str
) -> None:
    env = environment(kind, server.root_url)
    fake_stdin: Optional[FakeStream] = None
    if isinstance(stdin, tuple):  # the payload is in a file, named FILE in the table
        path = tmp_path / "FILE"
        path.write_bytes(stdin[1])
        args = [os.fspath(path) if arg == "FILE" else arg for arg in args]
    elif stdin == "tty":
        fake_stdin = FakeStream(tty=True)
    elif stdin is not None:
        fake_stdin = FakeStream(tty=False, data=stdin)
    result = run_main(monkeypatch, *args, env=env, stdin=fake_stdin)
    assert result.status == 2, result
    assert result.out == ""
    assert result.err.startswith("taskcluster: ") and result.err.count("\n") == 1, result.err
    assert message in result.err
    for secret in (ACCESS_TOKEN, "SIG"):
        assert secret not in result.err
    assert server.requests == []


def test_a_valid_call_does_reach_the_counting_server(monkeypatch: Any, server: ScriptedServer) -> None:
    """The control of the table above: the same setup with a correct command line sends one signed request."""
    result = run_main(monkeypatch, "api", "queue", "task", TASK_ID, env=environment("full", server.root_url))
    assert result.status == 0, result
    assert [(r.method, r.path, r.signed) for r in server.requests] == [("GET", "/api/queue/v1/task/" + TASK_ID, True)]
    assert json.loads(result.out)["path"] == "/api/queue/v1/task/" + TASK_ID


def test_usage_errors_in_a_real_process(server: ScriptedServer, tmp_path: Any) -> None:
    """Exit status 2 from `python -m taskcluster` itself, with nothing sent."""
    env = environment("full", server.root_url)
    payload = tmp_path / "payload.json"
    payload.write_text("[1, 2, 3]")
    result = run_cli("api", "queue", "createTask", TASK_ID, "--payload", os.fspath(payload), env=env)
    assert (result.status, result.out) == (2, "")
    assert result.err == (
        "taskcluster: the payload from %r is an array; queue.createTask expects a JSON object\n" % os.fspath(payload)
    )
    result = run_cli("api", "purgecache", "purgeCache", env=env, stdin=b"{}")
    assert result.status == 2
    assert result.err.startswith("taskcluster: purge-cache.purgeCache takes 1 route argument (<workerPoolId>), got 0")
    assert server.requests == []

"""The pure parts of the command line, in process: names, --query, offsets, payloads, output, configuration."""

import json
import subprocess
import sys
from typing import Any

import pytest
from cli_helpers import FakeStream, run_main

import taskcluster
from taskcluster.cli import _label, main
from taskcluster.cli.config import Config
from taskcluster.cli.misc import decode_slug, encode_uuid
from taskcluster.cli.output import Progress, UsageError, dump_json, redact, report_failure
from taskcluster.cli.resolve import (
    check_route_args,
    parse_json_payload,
    parse_offset,
    parse_query,
    resolve_method,
    resolve_service,
)
from taskcluster.cli.task import ResumingWriter


@pytest.mark.parametrize(
    "name, expected",
    [
        ("queue", "Queue"),
        ("Queue", "Queue"),
        ("QUEUE", "Queue"),
        ("purge-cache", "PurgeCache"),
        ("purgecache", "PurgeCache"),
        ("PurgeCache", "PurgeCache"),
        ("purge_cache", "PurgeCache"),
        ("worker-manager", "WorkerManager"),
        ("ec2-manager", "EC2Manager"),
        ("WEB-SERVER", "WebServer"),
    ],
)
def test_service_names_in_any_spelling(name: str, expected: str) -> None:
    assert resolve_service(name).__name__ == expected


def test_unknown_service_suggests_the_closest_name() -> None:
    with pytest.raises(UsageError, match=r"unknown service 'qeueu'; did you mean 'queue'\?"):
        resolve_service("qeueu")
    with pytest.raises(UsageError, match=r"did you mean 'purge-cache'\?"):
        resolve_service("purge-cash")
    with pytest.raises(UsageError) as info:
        resolve_service("zzzzzz")
    assert "did you mean" not in str(info.value) and "taskcluster api" in str(info.value)


def test_a_routing_key_class_is_not_an_api() -> None:
    with pytest.raises(UsageError, match="QueueEvents only builds pulse routing keys"):
        resolve_service("queue-events")


def test_methods_exact_then_case_insensitive_then_suggested() -> None:
    queue = resolve_service("queue")
    assert resolve_method(queue, "createTask") == "createTask"
    assert resolve_method(queue, "createtask") == "createTask"
    assert resolve_method(queue, "LISTTASKGROUP") == "listTaskGroup"
    with pytest.raises(UsageError, match=r"queue has no method 'craeteTask'; did you mean 'createTask'\?"):
        resolve_method(queue, "craeteTask")


def test_every_generated_method_resolves() -> None:
    from taskcluster.cli.resolve import api_classes

    classes = api_classes()
    assert {"Queue", "Auth", "PurgeCache", "WorkerManager"} <= {cls.__name__ for cls in classes}
    for cls in classes:
        assert resolve_service(cls.serviceName) is cls
        for method in cls.funcinfo:
            assert resolve_method(cls, method.lower()) == method


def test_route_argument_count() -> None:
    queue = resolve_service("queue")
    check_route_args(queue, "task", ["abc"])
    with pytest.raises(UsageError, match=r"queue.task takes 1 route argument \(<taskId>\), got 2"):
        check_route_args(queue, "task", ["a", "b"])
    with pytest.raises(UsageError, match=r"takes 3 route arguments \(<taskId> <runId> <name>\), got 0"):
        check_route_args(queue, "getArtifact", [])
    with pytest.raises(UsageError, match="queue.ping takes no route arguments, got 1"):
        check_route_args(queue, "ping", ["x"])
    check_route_args(queue, "claimWork", ["prov/wt"])
    check_route_args(queue, "claimWork", ["prov", "wt"])  # the legacy provisionerId/workerType form


def test_query_parsing() -> None:
    allowed = ["continuationToken", "limit"]
    assert parse_query([], allowed, "queue.listTaskGroup") == {}
    assert parse_query(["limit=2", "continuationToken=a=b"], allowed, "x") == {"limit": "2", "continuationToken": "a=b"}
    assert parse_query(["limit="], allowed, "x") == {"limit": ""}
    for bad, message in [
        ("limit", "not of the form key=value"),
        ("=2", "not of the form key=value"),
        ("size=2", "'size' is not a query parameter of x; its query parameters are: continuationToken, limit"),
    ]:
        with pytest.raises(UsageError, match=message):
            parse_query([bad], allowed, "x")
    with pytest.raises(UsageError, match="'limit' is given more than once"):
        parse_query(["limit=1", "limit=2"], allowed, "x")
    with pytest.raises(UsageError, match="it takes no query parameters"):
        parse_query(["a=b"], [], "queue.task")


@pytest.mark.parametrize(
    "text, seconds",
    [("15m", 900), ("1h", 3600), ("2 days", 172800), ("1 day 3 hours", 97200), ("90s", 90), ("1w", 604800)],
)
def test_offsets(text: str, seconds: float) -> None:
    assert parse_offset(text) == seconds


@pytest.mark.parametrize("text", ["soon", "15 parsecs", "", "-1h", "0s", "3 hours 1 day"])
def test_bad_offsets(text: str) -> None:
    with pytest.raises(UsageError, match="--expires"):
        parse_offset(text)


def test_payload_parsing_never_echoes_the_payload() -> None:
    assert parse_json_payload(b'{"a": 1}', "stdin", "m") == {"a": 1}
    assert parse_json_payload(b'\xef\xbb\xbf{"a": 1}', "stdin", "m") == {"a": 1}  # a UTF-8 BOM is fine
    for data, message in [
        (b"", "not JSON \\(it is empty\\)"),
        (b"{not json secretvalue", "not JSON \\(Expecting property name enclosed in double quotes at line 1"),
        (b"[1, 2]", "is an array; m expects a JSON object"),
        (b'"text"', "is a string"),
        (b"12", "is a number"),
        (b"null", "is null"),
        (b"\xff\xfe", "not UTF-8"),
    ]:
        with pytest.raises(UsageError, match=message) as info:
            parse_json_payload(data, "stdin", "m")
        assert "secretvalue" not in str(info.value)


def test_json_output_is_indented_with_sorted_keys() -> None:
    assert dump_json({"b": 1, "a": ["é"]}) == '{\n  "a": [\n    "é"\n  ],\n  "b": 1\n}'


def test_slug_conversions() -> None:
    assert decode_slug("eWIgwMgxSfeXQ36iPbOxiQ") == "796220c0-c831-49f7-9743-7ea23db3b189"
    assert encode_uuid("796220c0-c831-49f7-9743-7ea23db3b189") == "eWIgwMgxSfeXQ36iPbOxiQ"
    assert encode_uuid("796220C0C83149F797437EA23DB3B189") == "eWIgwMgxSfeXQ36iPbOxiQ"
    slug = taskcluster.slugId()
    assert encode_uuid(decode_slug(slug)) == slug
    for bad in ("short", "eWIgwMgxSfeXQ36iPbOxiB", "eWIgwMgxSfeXQ36iPbOx!Q"):
        with pytest.raises(UsageError, match="is not a slugid"):
            decode_slug(bad)
    with pytest.raises(UsageError, match="is not a UUID"):
        encode_uuid("not-a-uuid")


def test_redaction() -> None:
    text = 'token SECRET in https://x/y?a=1&bewit=abc.def&b=2 Authorization: Hawk id="c", mac="m"'
    assert redact(text, ["SECRET"]) == (
        "token <redacted> in https://x/y?a=1&bewit=<redacted>&b=2 Authorization: Hawk <redacted>"
    )
    assert redact("Hawk MAC does not match") == "Hawk MAC does not match"


def test_failure_report_is_a_summary_line_then_the_message(monkeypatch: Any) -> None:
    err = FakeStream()
    monkeypatch.setattr(sys, "stderr", err)
    exc = taskcluster.TaskclusterRestFailure(
        "Queue.task: HTTP 404 Not Found: ResourceNotFound: Task X not found (token TOPSECRET)",
        None,
        404,
        {"code": "ResourceNotFound"},
    )
    report_failure(exc, "task def", ["TOPSECRET"])
    assert err.getvalue().splitlines() == [
        "taskcluster: task def failed: HTTP 404 ResourceNotFound",
        "Queue.task: HTTP 404 Not Found: ResourceNotFound: Task X not found (token <redacted>)",
    ]


def test_progress_only_on_a_terminal() -> None:
    pipe, tty = FakeStream(tty=False), FakeStream(tty=True)
    for stream in (pipe, tty):
        progress = Progress(stream)
        progress.update("loaded 3 tasks...")
        progress.update("loaded 6 tasks...")
        progress.clear()
    assert pipe.getvalue() == ""
    assert "loaded 6 tasks..." in tty.getvalue() and tty.getvalue().endswith("\r\x1b[K")


def test_resuming_writer_writes_each_byte_once() -> None:
    out = FakeStream().raw
    writer = ResumingWriter(out)
    first = writer.restart()
    first.write(b"hello ")
    first.write(b"wor")  # the download fails here, and is retried from the start
    again = writer.restart()
    for chunk in (b"hel", b"lo wo", b"rld\n"):
        assert again.write(chunk) == len(chunk)
    assert out.getvalue() == b"hello world\n"


def test_configuration_environment_then_flags() -> None:
    env = {"TASKCLUSTER_ROOT_URL": "https://env.example.com/", "TASKCLUSTER_CLIENT_ID": "env-id"}
    env["TASKCLUSTER_ACCESS_TOKEN"] = "env-token"
    config = Config({}, env=env)
    assert config.options() == {
        "rootUrl": "https://env.example.com",
        "credentials": {"clientId": "env-id", "accessToken": "env-token"},
    }
    flags = {"root_url": "http://flag.example.com", "client_id": "flag-id", "access_token": None, "certificate": None}
    assert Config(flags, env=env).options() == {
        "rootUrl": "http://flag.example.com",
        "credentials": {"clientId": "flag-id", "accessToken": "env-token"},
    }
    assert Config({}, env={"TASKCLUSTER_ROOT_URL": "https://x"}).options() == {"rootUrl": "https://x"}
    with pytest.raises(UsageError, match="needs credentials"):
        Config({}, env={"TASKCLUSTER_ROOT_URL": "https://x"}).options(need_credentials=True)
    with pytest.raises(UsageError, match="TASKCLUSTER_ACCESS_TOKEN \\(or --access-token\\) is not set"):
        Config({}, env={"TASKCLUSTER_ROOT_URL": "https://x", "TASKCLUSTER_CLIENT_ID": "a"}).options()
    with pytest.raises(UsageError, match="needs the deployment's root URL"):
        Config({}, env={}).options()
    certificate = json.dumps({"version": 1, "signature": "SIG"})
    config = Config({"certificate": certificate}, env=env)
    assert set(config.secrets()) == {"env-token", certificate, "SIG"}


def test_error_labels() -> None:
    assert _label(["--root-url", "http://x", "task", "log", "abc"]) == "task log"
    assert _label(["api", "--query", "limit=1", "queue", "listTaskGroup", "g"]) == "api queue listTaskGroup"
    assert _label(["signed-url", "queue", "task", "x"]) == "signed-url"
    assert _label([]) == "the command"


def test_main_returns_the_status_instead_of_exiting(monkeypatch: Any) -> None:
    result = run_main(monkeypatch, "--help", env={})
    assert result.status == 0 and "temp-creds" in result.out
    result = run_main(monkeypatch, "--version", env={})
    assert (result.status, result.out.strip()) == (0, taskcluster.__version__)
    result = run_main(monkeypatch, env={})
    assert result.status == 2 and "usage: taskcluster" in result.err
    result = run_main(monkeypatch, "task", "--help", env={})
    assert result.status == 0 and "artifacts" in result.out
    assert main(["slugid", "decode", "eWIgwMgxSfeXQ36iPbOxiQ"]) == 0


def test_help_loads_no_http_library_and_no_service() -> None:
    code = (
        "import sys, io; from taskcluster.cli import main; sys.stdout = io.StringIO();"
        "codes = [main(['--help']), main(['from-now', '1h']), main(['slugid']), main(['api', '--bogus'])];"
        "loaded = [m for m in ('requests', 'aiohttp', 'taskcluster.generated.queue') if m in sys.modules];"
        "sys.stderr.write(repr((codes, loaded)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.stderr.endswith("([0, 0, 0, 2], [])"), proc.stderr


def test_the_guide_documents_every_command_and_action() -> None:
    from pathlib import Path

    from taskcluster.cli import COMMANDS, group, task

    guide = (Path(__file__).parent.parent.parent / "docs" / "cli.md").read_text()
    for command in COMMANDS:
        assert "### `taskcluster %s" % command in guide
    for action in list(task._ACTIONS) + list(group._ACTIONS):
        assert "| `%s` |" % action in guide

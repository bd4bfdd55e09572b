"""The public names: every class importable from every historical path, tables matching apis.json,
and imports that stay cheap."""

import importlib
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import taskcluster
import taskcluster.aio

APIS = json.loads((Path(__file__).parent.parent / "apis.json").read_text())


def test_all_24_classes_are_generated():
    assert len(APIS) == 24
    assert sum(len(v["reference"]["entries"]) for v in APIS.values()) == 286


@pytest.mark.parametrize("class_name", sorted(APIS))
def test_class_tables_match_the_manifest(class_name):
    reference = APIS[class_name]["reference"]
    functions = {e["name"]: e for e in reference["entries"] if e["type"] == "function"}
    exchanges = {e["name"]: e for e in reference["entries"] if e["type"] == "topic-exchange"}
    module = class_name.lower()
    sync_cls = getattr(taskcluster, class_name)
    async_cls = getattr(taskcluster.aio, class_name)
    assert sync_cls is getattr(importlib.import_module("taskcluster." + module), class_name)
    assert async_cls is getattr(importlib.import_module("taskcluster.aio." + module), class_name)
    for cls in (sync_cls, async_cls):
        assert cls.serviceName == reference["serviceName"]
        assert cls.apiVersion == reference["apiVersion"]
        assert set(cls.funcinfo) == set(functions)
        assert set(cls.exchangeinfo) == set(exchanges)
        assert cls.deprecated == bool(APIS[class_name].get("deprecated"))
        for name, entry in functions.items():
            info = cls.funcinfo[name]
            for key in ("args", "method", "route", "query", "stability"):
                assert info[key] == entry[key], (class_name, name, key)
            assert info.get("input") == entry.get("input") and info.get("output") == entry.get("output")
            assert callable(getattr(cls, name))
        for name, entry in exchanges.items():
            assert cls.exchangeinfo[name]["exchange"] == entry["exchange"]
            assert [k["name"] for k in cls.exchangeinfo[name]["routingKey"]] == [k["name"] for k in entry["routingKey"]]
    if exchanges:
        assert sync_cls.classOptions == {"exchangePrefix": reference["exchangePrefix"]}


def test_spot_checks():
    assert taskcluster.Queue.funcinfo["createTask"]["route"] == "/task/<taskId>"
    assert taskcluster.Queue.funcinfo["createTask"]["method"] == "put"
    assert taskcluster.Auth.funcinfo["expandScopes"]["input"]
    assert taskcluster.PurgeCache.serviceName == "purge-cache"
    assert taskcluster.WorkerManager.serviceName == "worker-manager"
    assert taskcluster.AwsProvisioner.deprecated and taskcluster.AwsProvisioner.funcinfo
    assert taskcluster.Queue.funcinfo["defineTask"]["stability"] == "deprecated"
    assert taskcluster.QueueEvents.exchangeinfo["taskCompleted"]["exchange"] == "task-completed"


def test_help_shows_real_argument_names():
    import inspect

    signature = inspect.signature(taskcluster.Queue.createTask)
    assert {"taskId", "payload", "query"} <= set(signature.parameters)
    assert "Create" in taskcluster.Queue.createTask.__doc__
    assert "queue:create-task" in taskcluster.Queue.createTask.__doc__


def test_historical_module_paths():
    from taskcluster import client, exceptions, utils  # noqa: F401
    from taskcluster.aio import asyncclient

    assert client.QueueEvents is taskcluster.QueueEvents
    assert callable(client.createApiClient) and callable(asyncclient.createApiClient)
    assert client.config["maxRetries"] == 5 and client.config["signedUrlExpiration"] == 900
    assert taskcluster.queue.createTemporaryCredentials is taskcluster.createTemporaryCredentials
    assert asyncclient.createSession is taskcluster.aio.createSession


def test_module_config_defaults_apply_to_later_clients():
    from taskcluster import client

    old = client.config["maxRetries"]
    client.config["maxRetries"] = 1
    try:
        assert taskcluster.Queue({"rootUrl": "http://x"})._opts.max_retries == 1
    finally:
        client.config["maxRetries"] = old


def _run(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_import_is_cheap():
    out = _run(
        "import sys, taskcluster, taskcluster.aio\n"
        "heavy = ('requests', 'aiohttp', 'mohawk', 'taskcluster.generated.queue')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "taskcluster.Queue({'rootUrl': 'http://127.0.0.1:1'}).buildSignedUrl\n"
        "q = taskcluster.Queue({'rootUrl': 'http://x', 'credentials': {'clientId': 'a', 'accessToken': 'b'}})\n"
        "q.buildSignedUrl('task', 'T')\n"
        "print(sorted(m for m in ('requests', 'aiohttp') if m in sys.modules))\n"
    )
    assert out.splitlines() == ["[]", "[]"]


def test_exceptions_pickle_through_the_public_names():
    exc = taskcluster.TaskclusterRestFailure("Queue.task: HTTP 404", None, status_code=404, body={"code": "X"})
    again = pickle.loads(pickle.dumps(exc))
    assert (str(again), again.status_code, again.body) == (str(exc), 404, {"code": "X"})


def test_create_api_client_builds_working_classes():
    reference = {
        "serviceName": "fake",
        "apiVersion": "v1",
        "exchangePrefix": "exchange/fake/v1/",
        "entries": [
            {"type": "function", "name": "get", "method": "get", "route": "/thing/<id>", "args": ["id"], "query": []},
            {
                "type": "topic-exchange",
                "name": "changed",
                "exchange": "thing-changed",
                "routingKey": [{"name": "id", "multipleWords": False, "required": True}],
            },
        ],
    }
    Fake = taskcluster.client.createApiClient("Fake", reference)
    fake = Fake({"rootUrl": "http://127.0.0.1:1"})
    assert fake.buildUrl("get", "a b") == "http://127.0.0.1:1/api/fake/v1/thing/a%20b"
    assert fake.changed(id="x") == {"exchange": "exchange/fake/v1/thing-changed", "routingKeyPattern": "x"}
    AsyncFake = taskcluster.aio.createApiClient("Fake", reference)
    assert AsyncFake({"rootUrl": "http://h"}).buildUrl("get", id="z") == "http://h/api/fake/v1/thing/z"


def test_build_url_errors_and_legacy_root():
    queue = taskcluster.Queue({"rootUrl": "https://taskcluster.net"})
    assert queue.buildUrl("task", "T") == "https://queue.taskcluster.net/v1/task/T"
    with pytest.raises(taskcluster.TaskclusterFailure) as info:
        queue.buildUrl("nope")
    assert "no API method 'nope'" in str(info.value)
    with pytest.raises(taskcluster.TaskclusterAuthFailure):
        queue.buildSignedUrl("task", "T")
    with pytest.raises(taskcluster.TaskclusterFailure):
        taskcluster.Queue({"rootUrl": "https://tc.example.com", "baseUrl": "https://queue.example.com/v1"})


def test_runtime_built_async_class_calls_the_server(server, options):
    import asyncio

    reference = {
        "serviceName": "queue",
        "apiVersion": "v1",
        "entries": [
            {
                "type": "function",
                "name": "task",
                "method": "get",
                "route": "/task/<taskId>",
                "args": ["taskId"],
                "query": [],
            },
        ],
    }
    Sync = taskcluster.client.createApiClient("Queue", reference)
    Async = taskcluster.aio.createApiClient("Queue", reference)
    assert Sync(options).task(taskId="a/b")["path"] == "/api/queue/v1/task/a%2Fb"

    async def run():
        async with Async(options) as queue:
            return await queue.task("c", query={"x": "1"})

    assert asyncio.run(run())["path"] == "/api/queue/v1/task/c?x=1"
    assert all(record.signed for record in server.requests)


def test_events_classes_need_no_root_url_but_api_classes_do():
    events = taskcluster.QueueEvents()
    assert events.taskCompleted(taskId="abc")["routingKeyPattern"] == "primary.abc.*.*.*.*.*.*.*.#"
    assert taskcluster.aio.QueueEvents().taskDefined()["exchange"] == "exchange/taskcluster-queue/v1/task-defined"
    with pytest.raises(taskcluster.TaskclusterFailure) as info:
        taskcluster.Queue()
    assert "rootUrl option is required" in str(info.value)


@pytest.mark.parametrize(
    "root_url",
    [
        "https://tc.example.com:abc",
        "http://[::1",
        "https://",
        "ftp://tc.example.com",
        "https://tc example.com",
        "https://tc.example.com/?x=1",
        42,
    ],
)
def test_malformed_root_urls_are_refused_up_front(root_url):
    with pytest.raises(taskcluster.TaskclusterFailure) as info:
        taskcluster.Queue({"rootUrl": root_url})
    assert "rootUrl" in str(info.value)


def test_empty_route_values_are_refused():
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com"})
    with pytest.raises(taskcluster.TaskclusterFailure) as info:
        queue.buildUrl("getLatestArtifact", "t", "")
    assert "argument name must not be empty" in str(info.value)

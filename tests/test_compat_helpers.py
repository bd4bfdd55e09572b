"""The historical helpers beyond the service clients: `retry`, `makeHttpRequest`, `makeSingleHttpRequest`, `putFile`
(sync and `taskcluster.aio.asyncutils`), `runAsync`/`ensureCoro`, `createApiClient` with an apis.json entry, the
service modules' names, `makeHawkExt` and the version."""

import asyncio
import base64
import json
import threading
import time
from pathlib import Path

import pytest
import requests

import taskcluster
import taskcluster.aio
import taskcluster.aio.asyncutils as asyncutils
import taskcluster.aio.retry
import taskcluster.aio.secrets
import taskcluster.retry
import taskcluster.secrets
from scripted_server import DROP, Reply
from taskcluster import utils

APIS = json.loads((Path(__file__).parent.parent / "apis.json").read_text())


@pytest.fixture
def sleeps(monkeypatch):
    """The seconds each sync or async sleep was asked for (the sleeps themselves are skipped)."""
    asked = []
    real_async_sleep = asyncio.sleep

    def fake_sleep(seconds):
        asked.append(seconds)

    async def fake_async_sleep(seconds, *args, **kwargs):
        asked.append(seconds)
        await real_async_sleep(0)

    monkeypatch.setattr(time, "sleep", fake_sleep)
    monkeypatch.setattr(asyncio, "sleep", fake_async_sleep)
    return asked


def make_http_request(kind, *args, **kwargs):
    if kind == "sync":
        return utils.makeHttpRequest(*args, **kwargs)
    return asyncio.run(asyncutils.makeHttpRequest(*args, **kwargs))


def status_of(response):
    return getattr(response, "status_code", None) or response.status


# -- retry ----------------------------------------------------------------------------------------------------


def run_retry(kind, max_retries, try_fn):
    if kind == "sync":
        return taskcluster.retry.retry(max_retries, try_fn)

    async def async_try(retry_for):
        return try_fn(retry_for)

    return asyncio.run(taskcluster.aio.retry.retry(max_retries, async_try))


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_retry_repeats_reported_errors_with_the_client_backoff(kind, sleeps):
    attempts = []

    def try_fn(retry_for):
        attempts.append(1)
        if len(attempts) < 3:
            return retry_for(ValueError("transient %d" % len(attempts)))
        return "done"

    assert run_retry(kind, 5, try_fn) == "done"
    assert len(attempts) == 3
    assert 0.075 <= sleeps[0] <= 0.125 and 0.15 <= sleeps[1] <= 0.25


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_retry_raises_the_last_reported_error_once_retries_are_spent(kind, sleeps):
    attempts = []

    def try_fn(retry_for):
        attempts.append(1)
        retry_for(ValueError("attempt %d" % len(attempts)))

    with pytest.raises(ValueError, match="attempt 3"):
        run_retry(kind, 2, try_fn)
    assert len(attempts) == 3 and len(sleeps) == 2


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_retry_treats_a_raised_exception_as_fatal(kind, sleeps):
    attempts = []

    def try_fn(retry_for):
        attempts.append(1)
        raise KeyError("fatal")

    with pytest.raises(KeyError):
        run_retry(kind, 5, try_fn)
    assert len(attempts) == 1 and sleeps == []


# -- makeHttpRequest and friends ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_make_http_request_retries_server_errors_on_the_older_schedule(kind, server, sleeps):
    server.add(Reply(500), Reply(502), Reply(200, body=b"ok"))
    response = make_http_request(kind, "get", server.root_url + "/thing", None, {"X-Test": "1"})
    assert status_of(response) == 200
    assert sleeps == [0.1, 0.4]
    assert [r.path for r in server.requests] == ["/thing"] * 3
    assert server.requests[0].headers["X-Test"] == "1"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_make_http_request_returns_the_last_server_error(kind, server, sleeps):
    server.add(Reply(503), Reply(500))
    response = make_http_request(kind, "post", server.root_url + "/x", b"body", {}, retries=1)
    assert status_of(response) == 500 and sleeps == [0.1]
    assert [r.body for r in server.requests] == [b"body", b"body"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_make_http_request_returns_client_errors_and_redirects_at_once(kind, server, sleeps):
    server.add(Reply(404), Reply(303, headers={"Location": "/elsewhere"}))
    assert status_of(make_http_request(kind, "get", server.root_url + "/a", None, {})) == 404
    assert status_of(make_http_request(kind, "get", server.root_url + "/b", None, {})) == 303
    assert sleeps == [] and len(server.requests) == 2


def test_make_http_request_raises_the_transport_error_when_retries_are_spent(server, sleeps):
    server.add(DROP, DROP, DROP)
    with pytest.raises(requests.ConnectionError):
        utils.makeHttpRequest("get", server.root_url + "/x", None, {}, retries=2)
    assert sleeps == [0.1, 0.4]


def test_async_make_http_request_raises_the_transport_error_when_retries_are_spent(server, sleeps):
    import aiohttp

    server.add(*[DROP] * 4)  # aiohttp itself repeats an idempotent request once when the server hangs up
    with pytest.raises(aiohttp.ClientError):
        asyncio.run(asyncutils.makeHttpRequest("get", server.root_url + "/x", None, {}, retries=1))
    assert sleeps == [0.1]


def test_async_single_request_body_is_readable_after_it_returns(server):
    server.add(Reply(200, json_body={"a": 1}))

    async def main():
        async with asyncutils.createSession() as session:
            response = await asyncutils.makeSingleHttpRequest("get", server.root_url + "/j", None, {}, session)
            return await response.json()

    assert asyncio.run(main()) == {"a": 1}


def test_put_file_sends_the_file_and_rewinds_it_for_retries(server, sleeps, tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"0123456789" * 100)
    server.add(Reply(500), Reply(200))
    assert utils.putFile(str(path), server.root_url + "/put", "application/x-test").status_code == 200
    for request in server.requests:
        assert (request.method, request.body) == ("PUT", path.read_bytes())
        assert request.headers["Content-Length"] == "1000"
        assert request.headers["Content-Type"] == "application/x-test"


def test_async_put_file(server, sleeps, tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"abc" * 1000)
    server.add(DROP, Reply(201))
    response = asyncio.run(asyncutils.putFile(str(path), server.root_url + "/put", "text/plain"))
    assert response.status == 201
    assert server.requests[-1].body == path.read_bytes()
    assert server.requests[-1].headers["Content-Type"] == "text/plain"


def test_aio_package_exposes_the_sync_http_helpers_as_the_historical_one_did():
    assert taskcluster.aio.makeHttpRequest is utils.makeHttpRequest
    assert taskcluster.makeHttpRequest is utils.makeHttpRequest
    assert taskcluster.aio.putFile is utils.putFile
    assert taskcluster.aio.exceptions is taskcluster.exceptions
    assert taskcluster.aio.asyncutils is asyncutils


# -- runAsync / ensureCoro ------------------------------------------------------------------------------------


def test_run_async_works_with_and_without_a_running_loop():
    async def answer():
        return threading.current_thread().name

    assert asyncutils.runAsync(answer()) == threading.current_thread().name

    async def nested():
        return asyncutils.runAsync(answer())

    assert asyncio.run(nested()) == "taskcluster-run-coroutine"


def test_ensure_coro_runs_sync_functions_in_an_executor():
    def blocking(a, b=0):
        return a + b, threading.current_thread().name

    async def already(x):
        return x

    assert asyncutils.ensureCoro(already) is already
    total, thread = asyncio.run(asyncutils.ensureCoro(blocking)(1, b=2))
    assert total == 3 and thread != threading.current_thread().name


# -- createApiClient with an apis.json entry; service modules --------------------------------------------------


def test_create_api_client_accepts_an_apis_json_entry(taskcluster_deployment):
    entry = APIS["Secrets"]
    assert set(entry) >= {"reference"}
    Secrets = taskcluster.secrets.createApiClient("Secrets", entry)
    client = Secrets(taskcluster_deployment.options())
    client.set("compat/secret", {"secret": {"k": "v"}, "expires": taskcluster.fromNowJSON("1 hour")})
    assert client.get("compat/secret")["secret"] == {"k": "v"}
    client.close()
    AsyncSecrets = taskcluster.aio.secrets.createApiClient("Secrets", entry)

    async def main():
        async with AsyncSecrets(taskcluster_deployment.options()) as secrets:
            return await secrets.get("compat/secret")

    assert asyncio.run(main())["secret"] == {"k": "v"}


def test_create_api_client_refuses_what_is_not_a_reference():
    with pytest.raises(taskcluster.TaskclusterFailure) as info:
        taskcluster.client.createApiClient("Bad", {"reference": {"title": "no entries"}})
    assert "'entries'" in str(info.value) and "Bad" in str(info.value)


@pytest.mark.parametrize("module_name", ["queue", "workermanager", "awsprovisioner"])
def test_service_modules_expose_the_historical_names(module_name):
    import importlib

    for package, base in (("taskcluster", "taskcluster.client"), ("taskcluster.aio", "taskcluster.aio.asyncclient")):
        module = importlib.import_module("%s.%s" % (package, module_name))
        source = importlib.import_module(base)
        assert module.createApiClient is source.createApiClient
        assert module.createSession is source.createSession
        assert module.config is taskcluster.client.config and module._defaultConfig is module.config
        assert module.createTemporaryCredentials is taskcluster.createTemporaryCredentials


def test_make_hawk_ext_as_the_historical_client_returned_it():
    anonymous = taskcluster.Queue({"rootUrl": "http://x"})
    assert anonymous.makeHawkExt() == {}
    plain = taskcluster.Queue({"rootUrl": "http://x", "credentials": {"clientId": "a", "accessToken": "b"}})
    assert plain.makeHawkExt() == b"e30="
    scoped = taskcluster.Queue(
        {"rootUrl": "http://x", "credentials": {"clientId": "a", "accessToken": "b"}, "authorizedScopes": ["a:b"]}
    )
    assert json.loads(base64.urlsafe_b64decode(scoped.makeHawkExt())) == {"authorizedScopes": ["a:b"]}


def test_version_sorts_above_the_historical_client():
    from importlib.metadata import version

    assert taskcluster.__version__ == version("taskcluster")
    assert tuple(int(part) for part in taskcluster.__version__.split(".")[:3]) > (113, 2, 0)

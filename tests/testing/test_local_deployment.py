"""The deployment objects: start/stop, persistence, async form, reset, fixtures and the command."""

import os
import signal
import subprocess
import sys
import time

import aiohttp
import mohawk
import pytest
import requests
import slugid
from tc_local_helpers import Api, assert_error, iso, task_definition

import taskcluster.testing
from taskcluster.testing import AsyncLocalDeployment, LocalDeployment


def test_public_names():
    assert taskcluster.testing.__all__ == ["DEFAULT_ROOT_CLIENT_ID", "AsyncLocalDeployment", "LocalDeployment"]
    assert LocalDeployment.__test__ is False and AsyncLocalDeployment.__test__ is False


def test_start_is_fast_loopback_and_idempotent():
    started = time.monotonic()
    deployment = LocalDeployment()
    assert deployment.start() is deployment
    elapsed = time.monotonic() - started
    port = deployment.port
    try:
        assert elapsed < 1.0
        assert deployment.rootUrl.startswith("http://127.0.0.1:")
        assert deployment.port == int(deployment.rootUrl.rsplit(":", 1)[1]) and deployment.port > 0
        assert deployment.start() is deployment  # no second server
        assert requests.get(deployment.rootUrl + "/api/auth/v1/ping").status_code == 200
        assert deployment.credentials["clientId"] == "static/taskcluster/root"
        assert deployment.options() == {"rootUrl": deployment.rootUrl, "credentials": deployment.credentials}
        assert deployment.credentials["accessToken"] not in repr(deployment)
    finally:
        deployment.stop()
        deployment.stop()
    assert not deployment.running
    with pytest.raises(RuntimeError):
        _ = deployment.rootUrl
    with pytest.raises(requests.ConnectionError):
        requests.get("http://127.0.0.1:%d/api/auth/v1/ping" % port, timeout=2)


def test_state_survives_stop_and_start_on_the_same_file(tmp_path):
    db = str(tmp_path / "state.sqlite")
    task_id = slugid.nice()
    with LocalDeployment(db_path=db, clients={"worker": ["queue:*"]}) as first:
        api = Api(first.rootUrl, first.credentials)
        try:
            assert api.call("PUT", "queue", "/task/" + task_id, task_definition()).status_code == 200
            assert api.call("PUT", "secrets", "/secret/kept", {"secret": {"a": 1}, "expires": iso(3600)}).ok
            root_token = first.credentials["accessToken"]
            worker = first.clients["worker"]
        finally:
            api.close()
    assert os.path.exists(db)
    with LocalDeployment(db_path=db, clients={"worker": ["queue:*"]}) as second:
        assert second.credentials["accessToken"] == root_token  # a restart keeps the stored root token
        assert second.clients["worker"] == worker
        api = Api(second.rootUrl, second.credentials)
        try:
            assert api.call("GET", "queue", "/task/%s/status" % task_id).json()["status"]["state"] == "pending"
            assert api.call("GET", "secrets", "/secret/kept").json()["secret"] == {"a": 1}
        finally:
            api.close()
    with LocalDeployment(db_path=db, root_access_token="given-token") as third:
        assert third.credentials["accessToken"] == "given-token"
        bad = Api(third.rootUrl, {"clientId": "static/taskcluster/root", "accessToken": root_token})
        try:
            assert_error(bad.call("GET", "auth", "/scopes/current"), 401, "AuthenticationFailed")
        finally:
            bad.close()


def test_restart_after_stop_reuses_the_object(tmp_path):
    deployment = LocalDeployment(db_path=str(tmp_path / "db.sqlite"))
    with deployment:
        token = deployment.credentials["accessToken"]
    with deployment:
        assert deployment.credentials["accessToken"] == token
        assert requests.get(deployment.rootUrl + "/api/queue/v1/ping").ok


def test_temporary_database_is_removed_on_stop():
    with LocalDeployment() as deployment:
        path = deployment.db_path
        assert os.path.exists(path)
    assert not os.path.exists(path)


def test_configured_clients_and_create_client():
    with LocalDeployment(
        root_client_id="my/root", root_access_token="root-token", clients={"reader": ["auth:current-scopes"]}
    ) as tc:
        assert tc.credentials == {"clientId": "my/root", "accessToken": "root-token"}
        reader = Api(tc.rootUrl, tc.clients["reader"])
        try:
            assert "auth:current-scopes" in reader.call("GET", "auth", "/scopes/current").json()["scopes"]
            assert tc.options("reader")["credentials"] == tc.clients["reader"]
            made = tc.create_client("made", ["auth:current-scopes"])
            again = tc.create_client("made", ["auth:current-scopes", "x"])
            assert made == again  # same token, updated scopes
            assert "x" in reader.call("GET", "auth", "/scopes/current", credentials=made).json()["scopes"]
            temp = tc.temporary_credentials("temp/one", ["auth:current-scopes"])
            assert reader.call("GET", "auth", "/scopes/current", credentials=temp).status_code == 200
        finally:
            reader.close()


def test_reset_forgets_state_but_keeps_configured_clients(tc, api):
    assert api.call("PUT", "queue", "/task/" + slugid.nice(), task_definition()).status_code == 200
    made = tc.create_client("temporary", ["auth:current-scopes"])
    api.call("PUT", "auth", "/roles/anonymous", {"description": "d", "scopes": []})
    tc.reset()
    assert_error(api.call("GET", "auth", "/scopes/current", credentials=made), 401, "AuthenticationFailed")
    assert api.call("GET", "auth", "/roles/anonymous").json()["scopes"] == ["queue:get-artifact:public/*"]
    assert api.call("GET", "auth", "/scopes/current").status_code == 200


def test_reset_restores_a_disabled_or_rescoped_root_client(taskcluster_deployment_factory):
    tc = taskcluster_deployment_factory()
    root = dict(tc.credentials)
    api = Api(tc.rootUrl, root)
    try:
        root_path = "/clients/" + requests.utils.quote(root["clientId"], safe="")
        updated = api.call(
            "POST",
            "auth",
            root_path,
            {"description": "narrowed", "expires": iso(3600), "scopes": ["auth:disable-client:*"]},
        )
        assert updated.status_code == 200, updated.text
        assert_error(api.call("GET", "auth", "/scopes/current"), 403, "InsufficientScopes")
        assert api.call("POST", "auth", root_path + "/disable").status_code == 200
        assert_error(api.call("GET", "auth", "/scopes/current"), 401, "AuthenticationFailed")
        tc.reset()
        assert tc.credentials == root
        assert api.call("GET", "auth", "/scopes/current").json() == {"scopes": ["*"]}
        client = api.call("GET", "auth", root_path).json()
        assert client["scopes"] == ["*"] and client["disabled"] is False
        assert client["expires"] > iso(365 * 24 * 3600)
    finally:
        api.close()


def test_reset_restores_the_configured_clients(taskcluster_deployment_factory):
    tc = taskcluster_deployment_factory(clients={"reader": ["auth:current-scopes"], "gone": ["auth:current-scopes"]})
    api = Api(tc.rootUrl, tc.credentials)
    try:
        reader = tc.clients["reader"]
        assert (
            api.call(
                "POST", "auth", "/clients/reader", {"description": "d", "expires": iso(3600), "scopes": []}
            ).status_code
            == 200
        )
        assert api.call("POST", "auth", "/clients/reader/disable").status_code == 200
        assert api.call("DELETE", "auth", "/clients/gone").status_code == 200
        tc.reset()
        assert tc.clients["reader"] == reader  # same accessToken
        for client_id in ("reader", "gone"):
            got = api.call("GET", "auth", "/scopes/current", credentials=tc.clients[client_id])
            assert got.status_code == 200, got.text
            assert "auth:current-scopes" in got.json()["scopes"]
    finally:
        api.close()


def test_reset_over_http(tc, api, anon):
    tc.create_client("doomed", [])
    url = tc.rootUrl + "/__taskcluster/reset"
    assert requests.post(url).status_code == 403
    header = api.header("POST", url)
    assert requests.post(url, headers={"Authorization": header}).json() == {}
    assert_error(api.call("GET", "auth", "/clients/doomed"), 404, "ResourceNotFound")


async def test_async_deployment_in_the_running_loop():
    async with AsyncLocalDeployment() as tc:
        assert tc.rootUrl.startswith("http://127.0.0.1:")
        url = tc.rootUrl + "/api/auth/v1/scopes/current"
        creds = tc.credentials
        sender = mohawk.Sender(
            {"id": creds["clientId"], "key": creds["accessToken"], "algorithm": "sha256"},
            url,
            "GET",
            content=b"",
            content_type="",
        )
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers={"Authorization": sender.request_header}) as response:
                assert response.status == 200
                assert await response.json() == {"scopes": ["*"]}
        assert await tc.start() is tc
    await tc.stop()
    assert not tc.running


def test_factory_fixture_starts_dedicated_deployments(taskcluster_deployment_factory, taskcluster_deployment):
    one = taskcluster_deployment_factory(clients={"c": ["x"]})
    two = taskcluster_deployment_factory()
    assert len({one.rootUrl, two.rootUrl, taskcluster_deployment.rootUrl}) == 3
    assert set(one.clients) == {"c"}


def test_options_fixture(taskcluster_options, taskcluster_deployment):
    assert taskcluster_options == taskcluster_deployment.options()


def test_port_in_use_is_reported():
    with LocalDeployment() as first:
        with pytest.raises(OSError):
            LocalDeployment(port=first.port).start()


def test_serve_command_prints_root_url_and_credentials(tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "taskcluster.testing", "serve", "--db", str(tmp_path / "cli.sqlite")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = {}
        while "TASKCLUSTER_ACCESS_TOKEN" not in lines:
            line = process.stdout.readline()
            assert line, process.stderr.read()
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                lines[key] = value
        root_url = lines["TASKCLUSTER_ROOT_URL"]
        assert root_url.startswith("http://127.0.0.1:")
        creds = {"clientId": lines["TASKCLUSTER_CLIENT_ID"], "accessToken": lines["TASKCLUSTER_ACCESS_TOKEN"]}
        api = Api(root_url, creds)
        try:
            assert api.call("GET", "auth", "/scopes/current").json() == {"scopes": ["*"]}
        finally:
            api.close()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        process.stdout.close()
        process.stderr.close()


def test_a_database_of_schema_version_1_is_migrated(tmp_path):
    import sqlite3

    from taskcluster.testing.store import SCHEMA_VERSION, Store, StoreError

    path = str(tmp_path / "v1.sqlite")
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '1');"
        "CREATE TABLE artifacts (task_id TEXT NOT NULL, run_id INTEGER NOT NULL, name TEXT NOT NULL, "
        "storage_type TEXT NOT NULL, content_type TEXT NOT NULL, expires TEXT NOT NULL, details TEXT NOT NULL, "
        "upload_token TEXT UNIQUE, download_token TEXT UNIQUE, data BLOB, PRIMARY KEY (task_id, run_id, name));"
        "INSERT INTO artifacts VALUES ('t', 0, 'public/a', 's3', 'text/plain', '2100-01-01', '{}', NULL, NULL, x'00');"
    )
    conn.commit()
    conn.close()
    store = Store(path)
    try:
        with store.transaction() as db:
            assert db.one("SELECT value FROM meta WHERE key = 'schema_version'")["value"] == str(SCHEMA_VERSION)
            assert db.one("SELECT present FROM artifacts WHERE name = 'public/a'")["present"] == 1
            assert db.all("SELECT * FROM objects") == []
    finally:
        store.close()

    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 99"):
        Store(path)

"""taskcluster.helper: credentials selection, service lookup, secrets loading and the deprecated artifact
upload, against the local deployment (real HTTP, SQLite state) and, for storage faults, a scripted server."""

import asyncio
import copy
import datetime
import json
import logging
import pickle
import re
import subprocess
import sys
from typing import Any, Dict, Iterator, Tuple

import pytest
import requests

import taskcluster
import taskcluster.aio
from scripted_server import Reply, ScriptedServer
from taskcluster.exceptions import TaskclusterFailure, TaskclusterRestFailure
from taskcluster.generated._registry import SERVICES
from taskcluster.helper import HelperError, MissingSecretError, TaskclusterConfig, load_secrets, upload_artifact
from taskcluster.testing import LocalDeployment

#: Nothing listens there: a client pointed at it fails at once if it ever sends anything.
DEAD_URL = "http://127.0.0.1:9"
TASK_QUEUE = "helper-prov/helper-worker"
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("TASKCLUSTER_") or name in ("TASK_ID", "RUN_ID"):
            monkeypatch.delenv(name)


@pytest.fixture
def tc(taskcluster_deployment: LocalDeployment) -> LocalDeployment:
    return taskcluster_deployment


def set_secret(tc: LocalDeployment, name: str, secret: Dict[str, Any]) -> None:
    client = taskcluster.Secrets(tc.options())
    try:
        client.set(name, {"secret": secret, "expires": taskcluster.fromNowJSON("1 day")})
    finally:
        client.close()


def grant_anonymous(tc: LocalDeployment, *scopes: str) -> None:
    """Give requests without credentials these scopes: what the Taskcluster proxy does for a task."""
    auth = taskcluster.Auth(tc.options())
    try:
        current = auth.role("anonymous")["scopes"]
        auth.updateRole("anonymous", {"description": "anonymous, as a proxy", "scopes": current + list(scopes)})
    finally:
        auth.close()


class Untouchable:
    """A secrets service that fails the test if anything is asked of it."""

    def __getattr__(self, name: str) -> Any:
        pytest.fail("the secrets service was used (%s) although local secrets were given" % name)


# -- TaskclusterConfig(url) ---------------------------------------------------------------------------------
def test_url_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", "https://env.example.com")
    config = TaskclusterConfig("https://arg.example.com")
    assert config.default_url == "https://arg.example.com"
    assert config.options is None and config.secrets is None


def test_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", "https://env.example.com")
    assert TaskclusterConfig().default_url == "https://env.example.com"


def test_missing_url_is_an_assertion_error_with_a_clear_message() -> None:
    with pytest.raises(AssertionError) as caught:
        TaskclusterConfig()
    assert isinstance(caught.value, HelperError) and isinstance(caught.value, TaskclusterFailure)
    assert "TASKCLUSTER_ROOT_URL" in str(caught.value) and "url" in str(caught.value)


# -- auth() -------------------------------------------------------------------------------------------------
def test_auth_explicit_credentials_are_used(tc: LocalDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tc.create_client("helper/explicit", ["secrets:get:explicit/*"])
    other = tc.create_client("helper/env", ["secrets:get:*"])
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", other["clientId"])
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", other["accessToken"])
    monkeypatch.setenv("TASK_ID", "a-task")
    set_secret(tc, "explicit/one", {"k": "v"})
    set_secret(tc, "elsewhere", {"k": "v"})
    config = TaskclusterConfig(tc.rootUrl)
    config.auth(creds["clientId"], creds["accessToken"], max_retries=3)
    assert config.options == {"maxRetries": 3, "credentials": creds, "rootUrl": tc.rootUrl}
    assert config.load_secrets("explicit/one") == {"k": "v"}
    # the explicit client, not the environment's, signed: it may not read this one
    with pytest.raises(TaskclusterRestFailure) as caught:
        config.load_secrets("elsewhere")
    assert caught.value.status_code == 403


def test_auth_environment_credentials(tc: LocalDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tc.create_client("helper/env", ["secrets:get:env/*"])
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", creds["clientId"])
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", creds["accessToken"])
    monkeypatch.setenv("TASK_ID", "a-task")  # credentials beat the proxy
    set_secret(tc, "env/one", {"from": "env"})
    config = TaskclusterConfig(tc.rootUrl)
    config.auth()
    assert config.options == {"maxRetries": 12, "credentials": creds, "rootUrl": tc.rootUrl}
    assert config.load_secrets("env/one") == {"from": "env"}


def test_auth_environment_temporary_credentials_keep_their_certificate(
    tc: LocalDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    temporary = tc.temporary_credentials("helper/temporary", ["secrets:get:temp/*"])
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", temporary["clientId"])
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", temporary["accessToken"])
    monkeypatch.setenv("TASKCLUSTER_CERTIFICATE", temporary["certificate"])
    set_secret(tc, "temp/one", {"t": 1})
    config = TaskclusterConfig(tc.rootUrl)
    config.auth()
    assert config.options is not None and config.options["credentials"] == temporary
    assert config.load_secrets("temp/one") == {"t": 1}


def test_auth_explicit_credentials_ignore_the_environment_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKCLUSTER_CERTIFICATE", '{"version": 1}')
    config = TaskclusterConfig("https://tc.example.com")
    config.auth("me", "my-token")
    assert config.options == {
        "maxRetries": 12,
        "credentials": {"clientId": "me", "accessToken": "my-token"},
        "rootUrl": "https://tc.example.com",
    }


@pytest.mark.parametrize(
    "kwargs, env",
    [
        # one explicit value: the environment is not consulted, even when it has both
        ({"client_id": "me"}, {"TASKCLUSTER_CLIENT_ID": "e", "TASKCLUSTER_ACCESS_TOKEN": "f"}),
        ({"access_token": "tok"}, {"TASKCLUSTER_CLIENT_ID": "e", "TASKCLUSTER_ACCESS_TOKEN": "f"}),
        # half of the credentials in the environment
        ({}, {"TASKCLUSTER_CLIENT_ID": "e"}),
        ({}, {"TASKCLUSTER_ACCESS_TOKEN": "f"}),
        ({}, {}),
    ],
)
def test_auth_incomplete_credentials_are_anonymous(
    monkeypatch: pytest.MonkeyPatch, kwargs: Dict[str, str], env: Dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = TaskclusterConfig("https://tc.example.com")
    config.auth(**kwargs)
    assert config.options == {"maxRetries": 12, "rootUrl": "https://tc.example.com"}
    # and inside a task the same cases go through the proxy
    monkeypatch.setenv("TASK_ID", "a-task")
    config.auth(**kwargs)
    assert config.options == {"maxRetries": 12, "rootUrl": "http://taskcluster"}


def test_auth_empty_environment_values_still_count_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "")
    config = TaskclusterConfig("https://tc.example.com")
    config.auth()
    assert config.options == {
        "maxRetries": 12,
        "credentials": {"clientId": "", "accessToken": ""},
        "rootUrl": "https://tc.example.com",
    }


def test_auth_anonymous_calls_are_unsigned(tc: LocalDeployment) -> None:
    set_secret(tc, "private", {"k": "v"})
    config = TaskclusterConfig(tc.rootUrl)
    config.auth()
    assert config.options == {"maxRetries": 12, "rootUrl": tc.rootUrl}
    secrets = config.get_service("secrets")
    try:
        secrets.ping()
        with pytest.raises(TaskclusterRestFailure) as caught:
            secrets.get("private")
    finally:
        secrets.close()
    assert caught.value.status_code == 403


def test_auth_proxy_inside_a_task_reaches_the_proxy_url(tc: LocalDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    grant_anonymous(tc, "secrets:get:proxy/*")
    set_secret(tc, "proxy/one", {"via": "proxy"})
    monkeypatch.setenv("TASK_ID", "a-task")
    monkeypatch.setenv("TASKCLUSTER_PROXY_URL", tc.rootUrl)
    config = TaskclusterConfig(DEAD_URL)  # the proxy, not the deployment URL, is called
    assert config.get_service("secrets").options["rootUrl"] == tc.rootUrl
    assert config.options == {"maxRetries": 12, "rootUrl": tc.rootUrl}
    assert config.load_secrets("proxy/one") == {"via": "proxy"}


def test_auth_proxy_default_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASK_ID", "a-task")
    config = TaskclusterConfig("https://tc.example.com")
    config.auth(max_retries=2)
    assert config.options == {"maxRetries": 2, "rootUrl": "http://taskcluster"}
    queue = config.get_service("queue")
    assert queue.buildUrl("ping") == "http://taskcluster/api/queue/v1/ping"


def test_auth_logs_its_choice_and_never_the_token(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="taskcluster.helper")
    config = TaskclusterConfig("https://tc.example.com")
    config.auth("visible-client", "SECRET-TOKEN-1")
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "SECRET-TOKEN-2")
    monkeypatch.setenv("TASKCLUSTER_CERTIFICATE", '{"signature": "SECRET-SIGNATURE"}')
    config.auth()
    monkeypatch.delenv("TASKCLUSTER_CLIENT_ID")
    monkeypatch.setenv("TASK_ID", "t")
    config.auth()
    monkeypatch.delenv("TASK_ID")
    config.auth()
    messages = [r.getMessage() for r in caplog.records if r.name == "taskcluster.helper"]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "taskcluster.helper")
    assert len(messages) == 4
    assert "visible-client" in messages[0] and "arguments" in messages[0]
    assert "env-client" in messages[1] and "environment" in messages[1] and "certificate" in messages[1]
    assert "proxy" in messages[2] and "http://taskcluster" in messages[2]
    assert "anonymous" in messages[3]
    assert not any("SECRET" in m for m in messages)


# -- get_service() ------------------------------------------------------------------------------------------
def spellings(class_name: str) -> Tuple[str, ...]:
    words = re.findall(r"[A-Z0-9]+(?=[A-Z][a-z])|[A-Z0-9]*[a-z]+|[A-Z0-9]+", class_name)
    return (
        class_name,
        class_name.lower(),
        class_name.upper(),
        class_name[0].lower() + class_name[1:],
        "-".join(w.lower() for w in words),
        "_".join(w.lower() for w in words),
        " ".join(words),
    )


def test_spellings_helper_splits_words() -> None:
    assert spellings("WorkerManagerEvents")[4:6] == ("worker-manager-events", "worker_manager_events")
    assert spellings("EC2Manager")[4] == "ec2-manager"


@pytest.mark.parametrize("class_name", sorted(SERVICES))
def test_get_service_reaches_every_service_in_any_spelling(class_name: str) -> None:
    config = TaskclusterConfig("https://tc.example.com")
    for name in spellings(class_name):
        client = config.get_service(name)
        assert type(client) is getattr(taskcluster, class_name), name
        aclient = config.get_service(name, use_async=True)
        assert type(aclient) is getattr(taskcluster.aio, class_name), name
        assert aclient.options["rootUrl"] == "https://tc.example.com"


def test_get_service_accepts_every_name_the_historical_helper_accepted() -> None:
    config = TaskclusterConfig("https://tc.example.com")
    single_word = [name for name in SERVICES if name.capitalize() == name]
    assert {"Queue", "Secrets", "Auth", "Index", "Hooks", "Notify", "Object"} <= set(single_word)
    for name in single_word:
        for spelling in (name.lower(), name, name.upper(), name.swapcase()):
            assert type(config.get_service(spelling)).__name__ == name


def test_get_service_examples_from_the_brief() -> None:
    config = TaskclusterConfig("https://tc.example.com")
    expected = {
        "workermanager": "WorkerManager",
        "worker-manager": "WorkerManager",
        "worker_manager": "WorkerManager",
        "workerManager": "WorkerManager",
        "purge-cache": "PurgeCache",
        "queueevents": "QueueEvents",
        "queue-events": "QueueEvents",
        "web-server": "WebServer",
    }
    for name, class_name in expected.items():
        assert type(config.get_service(name)).__name__ == class_name


def test_get_service_runs_auth_once_and_uses_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-token")
    config = TaskclusterConfig("https://tc.example.com")
    queue = config.get_service("queue")
    assert config.options == {
        "maxRetries": 12,
        "credentials": {"clientId": "env-client", "accessToken": "env-token"},
        "rootUrl": "https://tc.example.com",
    }
    assert queue.options["maxRetries"] == 12 and queue.options["credentials"]["clientId"] == "env-client"
    config.auth("other", "other-token", max_retries=1)
    monkeypatch.delenv("TASKCLUSTER_CLIENT_ID")
    assert config.get_service("queue").options["credentials"]["clientId"] == "other"


@pytest.mark.parametrize("name", ["nosuchservice", "queues", "worker--manager!", "", "Taskclusterfailure"])
def test_get_service_unknown_name(name: str) -> None:
    config = TaskclusterConfig("https://tc.example.com")
    with pytest.raises(AssertionError) as caught:
        config.get_service(name)
    assert isinstance(caught.value, HelperError)
    message = str(caught.value)
    assert repr(name) in message
    assert all(class_name in message for class_name in SERVICES)


def test_get_service_refuses_a_non_string() -> None:
    with pytest.raises(TypeError):
        TaskclusterConfig("https://tc.example.com").get_service(3)  # type: ignore[arg-type]


def test_get_service_async_call_reaches_the_deployment(tc: LocalDeployment) -> None:
    set_secret(tc, "async/one", {"a": [1, 2]})
    config = TaskclusterConfig(tc.rootUrl)
    config.auth(tc.credentials["clientId"], tc.credentials["accessToken"])
    secrets = config.get_service("Secrets", use_async=True)
    assert isinstance(secrets, taskcluster.aio.Secrets)

    async def fetch() -> Any:
        return await secrets.get("async/one")

    assert asyncio.run(fetch())["secret"] == {"a": [1, 2]}


# -- load_secrets() -----------------------------------------------------------------------------------------
SHARED = {"common": {"a": 1, "b": 2}, "prod": {"b": 3, "c": [1, 2]}, "top": "x"}


@pytest.fixture
def secrets_client(tc: LocalDeployment) -> Iterator[Any]:
    set_secret(tc, "project/app", SHARED)
    client = taskcluster.Secrets(tc.options())
    yield client
    client.close()


def test_load_secrets_whole_secret(secrets_client: Any) -> None:
    assert load_secrets(secrets_client, "project/app") == SHARED


def test_load_secrets_prefixes_merge_in_order(secrets_client: Any) -> None:
    assert load_secrets(secrets_client, "project/app", ["common", "prod"]) == {"a": 1, "b": 3, "c": [1, 2]}
    assert load_secrets(secrets_client, "project/app", ["prod", "common"]) == {"a": 1, "b": 2, "c": [1, 2]}
    assert load_secrets(secrets_client, "project/app", prefixes=["absent", "prod"]) == {"b": 3, "c": [1, 2]}
    assert load_secrets(secrets_client, "project/app", prefixes=("absent",)) == {}


def test_load_secrets_existing_values_are_kept_or_overridden(secrets_client: Any) -> None:
    existing = {"a": 0, "z": 9}
    result = load_secrets(secrets_client, "project/app", ["common"], existing=existing)
    assert result == {"a": 1, "b": 2, "z": 9}
    assert existing == {"a": 0, "z": 9}


def test_load_secrets_required_present(secrets_client: Any) -> None:
    assert load_secrets(secrets_client, "project/app", ["prod"], required=["b", "c"]) == {"b": 3, "c": [1, 2]}
    assert load_secrets(secrets_client, "project/app", ["prod"], existing={"a": 0}, required=["a"])["a"] == 0


def test_load_secrets_required_missing_names_the_key(secrets_client: Any) -> None:
    with pytest.raises(MissingSecretError) as caught:
        load_secrets(secrets_client, "project/app", ["prod"], required=["b", "a"])
    assert str(caught.value) == "Missing value a in secrets."
    assert caught.value.missing == ["a"]
    assert isinstance(caught.value, TaskclusterFailure) and isinstance(caught.value, Exception)
    with pytest.raises(MissingSecretError, match="Missing values a, z in secrets"):
        load_secrets(secrets_client, "project/app", ["prod"], required=["a", "b", "z"])
    again = pickle.loads(pickle.dumps(caught.value))
    assert again.missing == ["a"] and str(again) == str(caught.value)


def test_load_secrets_errors_from_the_service_and_without_a_name(secrets_client: Any) -> None:
    with pytest.raises(TaskclusterRestFailure) as caught:
        load_secrets(secrets_client, "project/absent")
    assert caught.value.status_code == 404
    with pytest.raises(AssertionError, match="secret_name"):
        load_secrets(secrets_client, None)
    # a local_secrets that is not a dict does not count: the service is asked, and needs a name
    with pytest.raises(HelperError):
        load_secrets(secrets_client, None, local_secrets=[("a", 1)])  # type: ignore[arg-type]


def test_load_secrets_local_secrets_make_no_call() -> None:
    local = {"common": {"a": 1}, "prod": {"b": 2}}
    assert load_secrets(Untouchable(), "ignored", ["prod"], ["b"], {"e": 0}, local) == {"e": 0, "b": 2}
    assert load_secrets(Untouchable(), None, local_secrets=local) == local


def test_config_load_secrets_local_secrets_make_no_call() -> None:
    config = TaskclusterConfig(DEAD_URL)
    config.auth(max_retries=0)
    result = config.load_secrets(None, ["p"], ["k"], local_secrets={"p": {"k": "v"}})
    assert result == {"k": "v"}
    assert config.secrets is result


def test_load_secrets_never_changes_or_shares_arguments(secrets_client: Any) -> None:
    prefixes, required = ["common", "prod"], ["a"]
    existing = {"e": {"nested": [1]}}
    local = {"common": {"a": {"deep": [1, 2]}}, "prod": {"b": 2}}
    before = copy.deepcopy((prefixes, required, existing, local))
    first = load_secrets(Untouchable(), None, prefixes, required, existing, local)
    assert (prefixes, required, existing, local) == before
    first["a"]["deep"].append(3)
    first["e"]["nested"].append(2)
    first["new"] = 1
    assert (prefixes, required, existing, local) == before
    second = load_secrets(Untouchable(), None, prefixes, required, existing, local)
    assert second == {"e": {"nested": [1]}, "a": {"deep": [1, 2]}, "b": 2}
    # defaults shared between calls (the historical mutable defaults) must not carry anything over
    one = load_secrets(secrets_client, "project/app")
    one["leaked"] = True
    one["common"]["a"] = "changed"
    assert load_secrets(secrets_client, "project/app") == SHARED
    assert load_secrets(Untouchable(), None, local_secrets={}) == {}


def test_load_secrets_accepts_generators_and_none(secrets_client: Any) -> None:
    result = load_secrets(secrets_client, "project/app", (p for p in ["prod"]), (r for r in ["b"]), None)
    assert result == {"b": 3, "c": [1, 2]}
    assert load_secrets(secrets_client, "project/app", None, None) == SHARED


def test_config_load_secrets_stores_the_result(tc: LocalDeployment, secrets_client: Any) -> None:
    config = TaskclusterConfig(tc.rootUrl)
    config.auth(tc.credentials["clientId"], tc.credentials["accessToken"])
    result = config.load_secrets("project/app", prefixes=["common"], required=["a"], existing={"x": 1})
    assert result == {"x": 1, "a": 1, "b": 2}
    assert config.secrets is result
    with pytest.raises(MissingSecretError, match="Missing value zz in secrets"):
        config.load_secrets("project/app", required=["zz"])
    assert config.secrets is result


# -- upload_artifact() --------------------------------------------------------------------------------------
def running_task(tc: LocalDeployment) -> Tuple[str, int, Dict[str, str]]:
    """Create a task and claim it: its run 0 is running. Returns taskId, runId and the run's credentials."""
    queue = taskcluster.Queue(tc.options())
    try:
        task_id = taskcluster.slugId()
        queue.createTask(
            task_id,
            {
                "taskQueueId": TASK_QUEUE,
                "created": taskcluster.fromNowJSON("0 seconds"),
                "deadline": taskcluster.fromNowJSON("1 hour"),
                "payload": {},
                "metadata": {
                    "name": "helper upload",
                    "description": "a task whose run uploads artifacts",
                    "owner": "tests@example.com",
                    "source": "https://example.com/tests",
                },
            },
        )
        claimed = queue.claimWork(TASK_QUEUE, {"workerGroup": "wg", "workerId": "wi", "tasks": 1})["tasks"]
    finally:
        queue.close()
    assert [work["status"]["taskId"] for work in claimed] == [task_id]
    return task_id, claimed[0]["runId"], claimed[0]["credentials"]


def in_task(monkeypatch: pytest.MonkeyPatch, task_id: str, run_id: int, proxy_url: str) -> None:
    monkeypatch.setenv("TASK_ID", task_id)
    monkeypatch.setenv("RUN_ID", str(run_id))
    monkeypatch.setenv("TASKCLUSTER_PROXY_URL", proxy_url)


def fetch_artifact(tc: LocalDeployment, task_id: str, run_id: int, name: str) -> requests.Response:
    queue = taskcluster.Queue(tc.options())
    try:
        location = queue.getArtifact(task_id, str(run_id), name)["url"]
    finally:
        queue.close()
    response = requests.get(location, timeout=10)
    response.raise_for_status()
    return response


def test_upload_artifact_bytes_and_str_end_to_end(tc: LocalDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    task_id, run_id, credentials = running_task(tc)
    in_task(monkeypatch, task_id, run_id, tc.rootUrl)
    queue = taskcluster.Queue({"rootUrl": tc.rootUrl, "credentials": credentials})
    data = bytes(range(256)) * 3
    text = "héllo € wörld\n"
    try:
        with pytest.warns(DeprecationWarning, match="upload_artifact is deprecated"):
            path = upload_artifact(queue, "private/helper/data.bin", data, "application/octet-stream", DAY)
        with pytest.warns(DeprecationWarning):
            text_path = upload_artifact(queue, "private/helper/text.txt", text, "text/plain; charset=utf-8", DAY)
    finally:
        queue.close()
    assert path == "/api/queue/v1/task/%s/runs/%d/artifacts/private/helper/data.bin" % (task_id, run_id)
    assert text_path == "/api/queue/v1/task/%s/runs/%d/artifacts/private/helper/text.txt" % (task_id, run_id)
    assert fetch_artifact(tc, task_id, run_id, "private/helper/data.bin").content == data
    fetched = fetch_artifact(tc, task_id, run_id, "private/helper/text.txt")
    assert fetched.content == text.encode("utf-8")
    assert fetched.headers["Content-Type"] == "text/plain; charset=utf-8"
    root_queue = taskcluster.Queue(tc.options())
    try:
        listing = root_queue.listArtifacts(task_id, str(run_id))["artifacts"]
    finally:
        root_queue.close()
    by_name = {a["name"]: a for a in listing}
    assert by_name["private/helper/data.bin"]["storageType"] == "s3"
    assert by_name["private/helper/data.bin"]["contentType"] == "application/octet-stream"
    expires = datetime.datetime.fromisoformat(by_name["private/helper/data.bin"]["expires"].replace("Z", "+00:00"))
    remaining = expires - datetime.datetime.now(datetime.timezone.utc)
    assert DAY - datetime.timedelta(minutes=1) < remaining <= DAY


def test_config_upload_artifact_through_the_proxy(tc: LocalDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    task_id, run_id, _ = running_task(tc)
    grant_anonymous(tc, "queue:create-artifact:%s/%d" % (task_id, run_id))
    in_task(monkeypatch, task_id, run_id, tc.rootUrl)
    config = TaskclusterConfig(tc.rootUrl)
    with pytest.warns(DeprecationWarning):
        url = config.upload_artifact("public/helper/report.json", b'{"ok": true}', "application/json", DAY)
    assert url == "%s/api/queue/v1/task/%s/runs/%d/artifacts/public/helper/report.json" % (tc.rootUrl, task_id, run_id)
    assert config.options == {"maxRetries": 12, "rootUrl": tc.rootUrl}
    # the returned URL is the public artifact: anyone can follow it to the bytes
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and json.loads(response.content) == {"ok": True}


@pytest.mark.parametrize("absent", ["TASK_ID", "RUN_ID", "TASKCLUSTER_PROXY_URL"])
def test_upload_artifact_outside_a_task(monkeypatch: pytest.MonkeyPatch, absent: str) -> None:
    in_task(monkeypatch, "a-task", 0, "http://taskcluster")
    monkeypatch.delenv(absent)
    with pytest.warns(DeprecationWarning), pytest.raises(AssertionError) as caught:
        upload_artifact(Untouchable(), "public/x", b"x", "text/plain", DAY)
    assert isinstance(caught.value, HelperError)
    assert absent in str(caught.value) and "task" in str(caught.value)
    with pytest.warns(DeprecationWarning), pytest.raises(HelperError, match=absent):
        TaskclusterConfig(DEAD_URL).upload_artifact("public/x", b"x", "text/plain", DAY)


def test_upload_artifact_checks_content_and_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    in_task(monkeypatch, "a-task", 0, "http://taskcluster")
    with pytest.warns(DeprecationWarning), pytest.raises(HelperError, match="content must be str or bytes"):
        upload_artifact(Untouchable(), "public/x", 42, "text/plain", DAY)  # type: ignore[arg-type]
    with pytest.warns(DeprecationWarning), pytest.raises(HelperError, match="ttl must be a datetime.timedelta"):
        upload_artifact(Untouchable(), "public/x", b"x", "text/plain", 3600)  # type: ignore[arg-type]


@pytest.fixture
def storage_queue(server: ScriptedServer, options: Dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real Queue client talking to a scripted server that plays both the queue and the storage."""
    in_task(monkeypatch, "T1", 2, "http://taskcluster")
    queue = taskcluster.Queue(dict(options, maxRetries=0))
    yield queue
    queue.close()


def s3_answer(server: ScriptedServer) -> Reply:
    return Reply(
        200,
        json_body={
            "storageType": "s3",
            "putUrl": server.root_url + "/storage/put?sig=abc",
            "contentType": "text/x-answered",
            "expires": "2030-01-01T00:00:00.000Z",
        },
    )


def test_upload_artifact_requests_as_sent(server: ScriptedServer, storage_queue: Any) -> None:
    server.add(s3_answer(server), Reply(200))
    with pytest.warns(DeprecationWarning):
        path = upload_artifact(storage_queue, "public/a b.txt", "text €", "text/plain", datetime.timedelta(hours=2))
    assert path == "/api/queue/v1/task/T1/runs/2/artifacts/public/a b.txt"
    create, put = server.requests
    assert create.method == "POST" and create.path == "/api/queue/v1/task/T1/runs/2/artifacts/public%2Fa%20b.txt"
    assert create.signed
    payload = json.loads(create.body)
    assert payload["storageType"] == "s3" and payload["contentType"] == "text/plain"
    expires = datetime.datetime.fromisoformat(payload["expires"].replace("Z", "+00:00"))
    remaining = expires - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(hours=2) - datetime.timedelta(minutes=1) < remaining <= datetime.timedelta(hours=2)
    assert put.method == "PUT" and put.path == "/storage/put?sig=abc"
    assert put.headers["Content-Type"] == "text/x-answered"  # the type the queue answered with
    assert put.body == "text €".encode("utf-8")
    assert "Authorization" not in put.headers


@pytest.mark.parametrize("status", [403, 500])
def test_upload_artifact_storage_refusal(server: ScriptedServer, storage_queue: Any, status: int) -> None:
    server.add(s3_answer(server), Reply(status, body=b"<Error>denied</Error>"))
    with pytest.warns(DeprecationWarning), pytest.raises(requests.HTTPError) as caught:
        upload_artifact(storage_queue, "public/x.txt", b"x", "text/plain", DAY)
    failure = caught.value
    assert isinstance(failure, TaskclusterRestFailure) and failure.status_code == status
    assert failure.response is not None and failure.response.status_code == status
    assert "public/x.txt" in str(failure) and str(status) in str(failure)
    assert "sig=abc" not in str(failure)
    assert type(failure) is taskcluster.helper.ArtifactUploadError
    assert len(server.requests) == 2  # no retry of the PUT
    again = pickle.loads(pickle.dumps(failure))
    assert type(again) is type(failure) and again.status_code == status


def test_upload_artifact_refuses_other_storage(server: ScriptedServer, storage_queue: Any) -> None:
    server.add(Reply(200, json_body={"storageType": "reference"}))
    with pytest.warns(DeprecationWarning), pytest.raises(AssertionError, match="s3"):
        upload_artifact(storage_queue, "public/x.txt", b"x", "text/plain", DAY)
    server.add(Reply(200, json_body={"storageType": "s3", "contentType": "text/plain"}))
    with pytest.warns(DeprecationWarning), pytest.raises(HelperError, match="putUrl"):
        upload_artifact(storage_queue, "public/x.txt", b"x", "text/plain", DAY)
    assert [r.method for r in server.requests] == ["POST", "POST"]


# -- import cost --------------------------------------------------------------------------------------------
def test_import_loads_no_http_library() -> None:
    code = (
        "import sys, taskcluster.helper as h\n"
        "h.TaskclusterConfig('https://tc.example.com').auth()\n"
        "print(sorted(m for m in ('requests', 'aiohttp', 'urllib3') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

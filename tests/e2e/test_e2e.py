"""End-to-end: our sync and async clients against the local deployment, which checks Hawk with mohawk,
validates certificates and enforces the scopes apis.json declares."""

import asyncio
import datetime
import json

import pytest

import taskcluster
import taskcluster.aio
from taskcluster.testing import LocalDeployment

QUEUE = "e2e-prov/e2e-worker"


def task(group_id, number=0, **overrides):
    definition = {
        "taskQueueId": QUEUE,
        "schedulerId": "e2e",
        "projectId": "e2e",
        "taskGroupId": group_id,
        "created": taskcluster.fromNowJSON("0 seconds"),
        "deadline": taskcluster.fromNowJSON("1 hour"),
        "payload": {"n": number},
        "metadata": {
            "name": "t%d" % number,
            "description": "e2e",
            "owner": "e2e@example.com",
            "source": "https://example.com",
        },
    }
    definition.update(overrides)
    return definition


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


@pytest.fixture
def tc(taskcluster_deployment):
    return taskcluster_deployment


@pytest.fixture
def client_creds(tc):
    """A permanent client with a few scopes, created through the auth API."""
    created = taskcluster.Auth(tc.options()).createClient(
        "e2e/client",
        {
            "description": "end-to-end",
            "expires": taskcluster.fromNowJSON("1 day"),
            "scopes": ["secrets:get:e2e/*", "auth:current-scopes", "auth:create-client:e2e/named*"],
        },
    )
    return {"clientId": created["clientId"], "accessToken": created["accessToken"]}


def secret_options(tc, credentials, **extra):
    taskcluster.Secrets(tc.options()).set("e2e/s", {"secret": {"v": 1}, "expires": taskcluster.fromNowJSON("1 hour")})
    return dict({"rootUrl": tc.rootUrl, "credentials": credentials}, **extra)


# ---- credentials accepted ------------------------------------------------------------------------


def test_every_credential_kind_is_accepted(driver, tc, client_creds):
    now = utcnow()
    unnamed = taskcluster.createTemporaryCredentials(
        client_creds["clientId"],
        client_creds["accessToken"],
        now - datetime.timedelta(minutes=1),
        now + datetime.timedelta(hours=1),
        ["secrets:get:e2e/*"],
    )
    named = taskcluster.createTemporaryCredentials(
        client_creds["clientId"],
        client_creds["accessToken"],
        now - datetime.timedelta(minutes=1),
        now + datetime.timedelta(hours=1),
        ["secrets:get:e2e/*"],
        "e2e/named-1",
    )
    kinds = {
        "root": (tc.credentials, {}),
        "permanent": (client_creds, {}),
        "temporary": (unnamed, {}),
        "named temporary": (named, {}),
        "authorizedScopes": (client_creds, {"authorizedScopes": ["secrets:get:e2e/s"]}),
        "temporary + authorizedScopes": (unnamed, {"authorizedScopes": ["secrets:get:e2e/s"]}),
    }
    for label, (credentials, extra) in kinds.items():
        result = driver.call("Secrets", secret_options(tc, credentials, **extra), "get", "e2e/s")
        assert result["secret"] == {"v": 1}, label


def test_authorized_scopes_replace_the_clients_scopes(driver, tc, client_creds):
    options = {"rootUrl": tc.rootUrl, "credentials": client_creds, "authorizedScopes": ["auth:current-scopes"]}
    scopes = driver.call("Auth", options, "currentScopes")["scopes"]
    assert "auth:current-scopes" in scopes
    assert "secrets:get:e2e/*" not in scopes and "auth:create-client:e2e/named*" not in scopes


# ---- and refused for the right reason ------------------------------------------------------------


def _refused(driver, options, exc_type=taskcluster.TaskclusterFailure, method=("Secrets", "get", "e2e/s")):
    with pytest.raises(exc_type) as info:
        driver.call(method[0], options, method[1], *method[2:])
    return info.value


def test_bad_access_token_is_401(driver, tc, client_creds):
    exc = _refused(
        driver, secret_options(tc, dict(client_creds, accessToken="wrong-token")), taskcluster.TaskclusterAuthFailure
    )
    assert exc.status_code == 401
    assert "wrong-token" not in str(exc)


def test_expired_certificate_is_401(driver, tc, client_creds):
    long_ago = utcnow() - datetime.timedelta(days=3)
    expired = taskcluster.createTemporaryCredentials(
        client_creds["clientId"],
        client_creds["accessToken"],
        long_ago,
        long_ago + datetime.timedelta(hours=1),
        ["secrets:get:e2e/*"],
    )
    exc = _refused(driver, secret_options(tc, expired), taskcluster.TaskclusterAuthFailure)
    assert exc.status_code == 401 and "expir" in str(exc).lower()


def test_tampered_certificate_is_401(driver, tc, client_creds):
    now = utcnow()
    temp = taskcluster.createTemporaryCredentials(
        client_creds["clientId"],
        client_creds["accessToken"],
        now,
        now + datetime.timedelta(hours=1),
        ["secrets:get:e2e/*"],
    )
    cert = json.loads(temp["certificate"])
    cert["scopes"] = ["*"]
    tampered = dict(temp, certificate=json.dumps(cert))
    exc = _refused(driver, secret_options(tc, tampered), taskcluster.TaskclusterAuthFailure)
    assert exc.status_code == 401 and "signature" in str(exc).lower()


def test_missing_scope_is_403_naming_the_scope(driver, tc, client_creds):
    taskcluster.Secrets(tc.options()).set("other/s", {"secret": {}, "expires": taskcluster.fromNowJSON("1 hour")})
    exc = _refused(
        driver,
        {"rootUrl": tc.rootUrl, "credentials": client_creds},
        taskcluster.TaskclusterRestFailure,
        ("Secrets", "get", "other/s"),
    )
    assert exc.status_code == 403
    assert exc.body["code"] == "InsufficientScopes"
    assert "secrets:get:other/s" in str(exc)


def test_authorized_scopes_beyond_the_client_are_refused(driver, tc, client_creds):
    options = secret_options(tc, client_creds, authorizedScopes=["secrets:get:*"])
    exc = _refused(driver, options, taskcluster.TaskclusterAuthFailure)
    assert exc.status_code == 401
    assert "authorizedScopes" in str(exc)


def test_named_credentials_need_create_client_scope(driver, tc, client_creds):
    now = utcnow()
    named = taskcluster.createTemporaryCredentials(
        client_creds["clientId"],
        client_creds["accessToken"],
        now,
        now + datetime.timedelta(hours=1),
        ["secrets:get:e2e/*"],
        "someone-else",
    )
    exc = _refused(driver, secret_options(tc, named), taskcluster.TaskclusterAuthFailure)
    assert "auth:create-client:someone-else" in str(exc)


# ---- scopes on a sample of endpoints -------------------------------------------------------------


@pytest.mark.parametrize(
    "class_name,method,args,needed",
    [
        ("Queue", "createTask", ("TASKID", "TASK"), "queue:create-task:project:e2e"),
        (
            "Index",
            "insertTask",
            ("e2e.ns", {"taskId": taskcluster.slugId(), "rank": 0, "data": {}, "expires": "2100-01-01T00:00:00Z"}),
            "index:insert-task:e2e.ns",
        ),
        ("Secrets", "set", ("e2e/x", {"secret": {}, "expires": "2100-01-01T00:00:00Z"}), "secrets:set:e2e/x"),
        ("PurgeCache", "purgeCache", ("e2e-prov/e2e-worker", {"cacheName": "c"}), "purge-cache:e2e-prov/e2e-worker:c"),
        ("Auth", "createRole", ("e2e-role", {"description": "r", "scopes": ["a"]}), "auth:create-role:e2e-role"),
    ],
)
def test_scope_enforcement_on_sample_endpoints(driver, tc, class_name, method, args, needed):
    nobody = tc.create_client("e2e/nobody", [])
    if args[0] == "TASKID":
        args = (taskcluster.slugId(), task(taskcluster.slugId()))
    exc = _refused(
        driver,
        {"rootUrl": tc.rootUrl, "credentials": nobody},
        taskcluster.TaskclusterRestFailure,
        (class_name, method) + tuple(args),
    )
    assert exc.status_code == 403 and needed in str(exc)
    driver.call(class_name, tc.options(), method, *args)  # the root client may


# ---- queue behaviour -----------------------------------------------------------------------------


async def _create_many(options, group_id, count, concurrency):
    limit = asyncio.Semaphore(concurrency)
    async with taskcluster.aio.createSession() as session:
        queue = taskcluster.aio.Queue(options, session=session)

        async def one(number):
            task_id = taskcluster.slugId()
            async with limit:
                await queue.createTask(task_id, task(group_id, number))
            return task_id

        return await asyncio.gather(*(one(n) for n in range(count)))


def test_500_concurrent_create_task_lose_nothing_and_duplicate_nothing(tc):
    group_id = taskcluster.slugId()
    created = asyncio.run(_create_many(tc.options(), group_id, 500, 500))
    listed = [t["status"]["taskId"] for t in taskcluster.Queue(tc.options()).listTaskGroup.items(group_id)]
    assert len(listed) == 500
    assert sorted(listed) == sorted(created)


def test_pagination_over_2500_tasks(driver, tc):
    group_id = taskcluster.slugId()
    created = asyncio.run(_create_many(tc.options(), group_id, 2500, 100))
    items = driver.collect("Queue", tc.options(), "listTaskGroup", "items", group_id)
    assert sorted(t["status"]["taskId"] for t in items) == sorted(created)
    pages = []
    driver.call("Queue", tc.options(), "listTaskGroup", group_id, paginationHandler=pages.append, paginationLimit=1000)
    assert [len(p["tasks"]) for p in pages] == [1000, 1000, 500]


def test_create_task_is_idempotent_and_conflicts_on_change(driver, tc):
    task_id, group_id = taskcluster.slugId(), taskcluster.slugId()
    definition = task(group_id)
    first = driver.call("Queue", tc.options(), "createTask", task_id, definition)
    assert driver.call("Queue", tc.options(), "createTask", task_id, definition) == first
    exc = _refused(
        driver,
        tc.options(),
        taskcluster.TaskclusterRestFailure,
        ("Queue", "createTask", task_id, dict(definition, payload={"other": True})),
    )
    assert exc.status_code == 409 and exc.body["code"] == "RequestConflict"


def test_malformed_payload_is_400_with_a_clear_message(driver, tc):
    broken = task(taskcluster.slugId())
    del broken["metadata"]
    exc = _refused(
        driver, tc.options(), taskcluster.TaskclusterRestFailure, ("Queue", "createTask", taskcluster.slugId(), broken)
    )
    assert exc.status_code == 400
    assert exc.body["code"] == "InputValidationError"
    assert "metadata" in str(exc)


def test_unimplemented_endpoint_is_501_without_retries(driver, tc):
    exc = _refused(driver, tc.options(), taskcluster.TaskclusterRestFailure, ("Hooks", "listHookGroups"))
    assert exc.status_code == 501
    assert "Hooks.listHookGroups" in str(exc)


def test_signed_url_of_a_private_artifact_downloads_with_plain_requests(tc):
    import requests

    queue = taskcluster.Queue(tc.options())
    task_id = taskcluster.slugId()
    queue.createTask(task_id, task(taskcluster.slugId()))
    claim = queue.claimWork(QUEUE, {"workerGroup": "g", "workerId": "w", "tasks": 1})
    run_id = claim["tasks"][0]["runId"]
    upload = queue.createArtifact(
        task_id,
        run_id,
        "private/log.txt",
        {"storageType": "s3", "contentType": "text/plain", "expires": taskcluster.fromNowJSON("1 hour")},
    )
    requests.put(upload["putUrl"], data=b"artifact bytes", headers={"Content-Type": "text/plain"}).raise_for_status()
    unsigned = requests.get(queue.buildUrl("getLatestArtifact", task_id, "private/log.txt"))
    assert unsigned.status_code == 403 and unsigned.json()["code"] == "InsufficientScopes"
    signed = queue.buildSignedUrl("getLatestArtifact", task_id, "private/log.txt", expiration=30)
    response = requests.get(signed)
    assert response.status_code == 200 and response.content == b"artifact bytes"
    assert queue.getLatestArtifact(task_id, "private/log.txt")["url"]  # the 303 body, not followed


# ---- persistence ---------------------------------------------------------------------------------


def test_a_restarted_deployment_keeps_tasks_clients_and_secrets(tmp_path):
    db = str(tmp_path / "state.sqlite")
    root = {"root_access_token": "root-token-for-restart-test"}
    task_id = taskcluster.slugId()
    with LocalDeployment(db_path=db, **root) as tc:
        taskcluster.Queue(tc.options()).createTask(task_id, task(taskcluster.slugId()))
        created = taskcluster.Auth(tc.options()).createClient(
            "kept/client",
            {"description": "d", "expires": taskcluster.fromNowJSON("1 day"), "scopes": ["secrets:get:kept"]},
        )
        taskcluster.Secrets(tc.options()).set("kept", {"secret": {"k": 1}, "expires": taskcluster.fromNowJSON("1 day")})
    with LocalDeployment(db_path=db, **root) as tc:
        assert taskcluster.Queue(tc.options()).task(task_id)["metadata"]["name"] == "t0"
        kept = {
            "rootUrl": tc.rootUrl,
            "credentials": {"clientId": "kept/client", "accessToken": created["accessToken"]},
        }
        assert taskcluster.Secrets(kept).get("kept")["secret"] == {"k": 1}

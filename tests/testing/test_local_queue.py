"""The queue of the local deployment: task lifecycle, pagination, artifacts, concurrency."""

import asyncio
import json
import time

import aiohttp
import mohawk
import requests
import slugid
from tc_local_helpers import Api, assert_error, iso, task_definition

from taskcluster.testing import LocalDeployment


def create(api, task_id=None, **changes):
    task_id = task_id or slugid.nice()
    response = api.call("PUT", "queue", "/task/" + task_id, task_definition(**changes))
    assert response.status_code == 200, response.text
    return task_id, response.json()["status"]


def claim(api, queue_id="local-prov/test-worker", tasks=1, credentials=None):
    response = api.call(
        "POST",
        "queue",
        "/claim-work/" + requests.utils.quote(queue_id, safe=""),
        {"workerGroup": "wg", "workerId": "wi", "tasks": tasks},
        credentials=credentials,
    )
    assert response.status_code == 200, response.text
    return response.json()["tasks"]


# -- createTask ---------------------------------------------------------------------------------------------
def test_create_task_status_and_definition(api):
    task_id, status = create(api, routes=["index.x"], tags={"k": "v"})
    assert status["taskId"] == task_id
    assert status["state"] == "pending"
    assert status["taskQueueId"] == "local-prov/test-worker"
    assert (status["provisionerId"], status["workerType"]) == ("local-prov", "test-worker")
    assert status["schedulerId"] == "-" and status["projectId"] == "none" and status["taskGroupId"] == task_id
    assert status["retriesLeft"] == 5
    assert [r["state"] for r in status["runs"]] == ["pending"]
    assert set(status) >= {"deadline", "expires", "runs"}
    task = api.call("GET", "queue", "/task/" + task_id).json()
    assert task["routes"] == ["index.x"] and task["tags"] == {"k": "v"} and task["priority"] == "lowest"
    assert task["taskQueueId"] == "local-prov/test-worker" and task["requires"] == "all-completed"
    assert api.call("GET", "queue", "/task/%s/status" % task_id).json() == {"status": status}


def test_create_task_is_idempotent_and_conflicts_on_other_definitions(api):
    task_id = slugid.nice()
    definition = task_definition()
    first = api.call("PUT", "queue", "/task/" + task_id, definition)
    again = api.call("PUT", "queue", "/task/" + task_id, definition)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    definition["metadata"]["name"] = "another"
    body = assert_error(api.call("PUT", "queue", "/task/" + task_id, definition), 409, "RequestConflict")
    assert task_id in body["message"]


def test_task_queue_id_form_and_mismatch(api):
    _, status = create(api, provisionerId=None, workerType=None, taskQueueId="local-prov/test-worker")
    assert status["taskQueueId"] == "local-prov/test-worker"
    definition = task_definition(taskQueueId="other/queue")
    assert_error(api.call("PUT", "queue", "/task/" + slugid.nice(), definition), 400, "InputValidationError")
    definition = task_definition()
    del definition["provisionerId"]
    assert_error(api.call("PUT", "queue", "/task/" + slugid.nice(), definition), 400, "InputValidationError")


def test_create_task_missing_required_fields_is_400(api):
    definition = task_definition()
    del definition["metadata"], definition["deadline"]
    body = assert_error(api.call("PUT", "queue", "/task/" + slugid.nice(), definition), 400, "InputValidationError")
    assert "'metadata'" in body["message"] and "'deadline'" in body["message"]
    bad = task_definition(priority="urgent", retries=100)
    body = assert_error(api.call("PUT", "queue", "/task/" + slugid.nice(), bad), 400, "InputValidationError")
    assert "priority" in body["message"] and "retries" in body["message"]
    body = assert_error(
        api.call("PUT", "queue", "/task/" + slugid.nice(), raw_body=b"{not json"), 400, "MalformedPayload"
    )
    assert "JSON" in body["message"]
    far = task_definition(deadline=iso(6 * 24 * 3600))
    assert_error(api.call("PUT", "queue", "/task/" + slugid.nice(), far), 400, "InputValidationError")


def test_create_task_scopes(api, tc):
    creds = tc.create_client(
        "creator",
        [
            "queue:create-task:high:local-prov/test-worker",
            "queue:scheduler-id:-",
            "queue:create-task:project:none",
            "queue:route:index.*",
        ],
    )
    ok = api.call(
        "PUT", "queue", "/task/" + slugid.nice(), task_definition(priority="low", routes=["index.a"]), credentials=creds
    )
    assert ok.status_code == 200, ok.text
    # a higher priority than granted, a route not granted, scopes the caller lacks
    for changes, missing in (
        ({"priority": "very-high"}, "queue:create-task:very-high:local-prov/test-worker"),
        ({"routes": ["notify.x"]}, "queue:route:notify.x"),
        ({"scopes": ["secrets:get:x"]}, "secrets:get:x"),
    ):
        response = api.call("PUT", "queue", "/task/" + slugid.nice(), task_definition(**changes), credentials=creds)
        body = assert_error(response, 403, "InsufficientScopes")
        assert missing in body["message"]


def test_unimplemented_route_is_501(api):
    body = assert_error(api.call("POST", "queue", "/task-group/%s/seal" % slugid.nice()), 501, "NotImplemented")
    assert "sealTaskGroup" in body["message"]
    body = assert_error(api.call("GET", "hooks", "/hooks/g/h"), 501, "NotImplemented")
    assert "hook" in body["message"]
    assert_error(api.call("GET", "queue", "/no/such/route"), 404, "ResourceNotFound")
    assert_error(api.call("GET", "nosuchservice", "/ping"), 404, "ResourceNotFound")


def test_unimplemented_routes_still_authenticate(api, tc):
    bad = {"clientId": tc.credentials["clientId"], "accessToken": "wrong"}
    assert_error(api.call("GET", "hooks", "/hooks/g/h", credentials=bad), 401, "AuthenticationFailed")


# -- lifecycle ----------------------------------------------------------------------------------------------
def test_claim_work_gives_working_task_credentials_and_reports_resolve(api, tc):
    ids = [create(api)[0] for _ in range(3)]
    claimed = claim(api, tasks=2)
    assert [c["status"]["taskId"] for c in claimed] == ids[:2]
    first = claimed[0]
    assert first["runId"] == 0 and first["workerGroup"] == "wg" and first["workerId"] == "wi"
    assert first["status"]["state"] == "running" and first["task"]["metadata"]["name"] == "t"
    creds = first["credentials"]
    assert set(creds) == {"clientId", "accessToken", "certificate"}
    cert = json.loads(creds["certificate"])
    assert cert["issuer"] == tc.credentials["clientId"]
    worker = Api(tc.rootUrl, {"clientId": creds["clientId"], "accessToken": creds["accessToken"], "certificate": cert})
    try:
        done = worker.call("POST", "queue", "/task/%s/runs/0/completed" % ids[0])
        assert done.status_code == 200, done.text
        assert done.json()["status"]["state"] == "completed"
        # idempotent, and the credentials are limited to their own run
        assert worker.call("POST", "queue", "/task/%s/runs/0/completed" % ids[0]).status_code == 200
        assert_error(worker.call("POST", "queue", "/task/%s/runs/0/completed" % ids[1]), 403, "InsufficientScopes")
    finally:
        worker.close()
    assert_error(api.call("POST", "queue", "/task/%s/runs/0/failed" % ids[0]), 409, "RequestConflict")
    failed = api.call("POST", "queue", "/task/%s/runs/0/failed" % ids[1]).json()["status"]
    assert failed["state"] == "failed" and failed["runs"][0]["reasonResolved"] == "failed"
    assert claim(api, tasks=5)[0]["status"]["taskId"] == ids[2]
    assert claim(api) == []


def test_report_exception_retries_on_worker_shutdown(api):
    task_id, _ = create(api, retries=1)
    claim(api)
    status = api.call("POST", "queue", "/task/%s/runs/0/exception" % task_id, {"reason": "worker-shutdown"}).json()
    assert [(r["state"], r.get("reasonResolved")) for r in status["status"]["runs"]] == [
        ("exception", "worker-shutdown"),
        ("pending", None),
    ]
    assert status["status"]["retriesLeft"] == 0
    claim(api)
    final = api.call("POST", "queue", "/task/%s/runs/1/exception" % task_id, {"reason": "worker-shutdown"}).json()
    assert final["status"]["state"] == "exception" and len(final["status"]["runs"]) == 2
    assert_error(
        api.call("POST", "queue", "/task/%s/runs/1/exception" % task_id, {"reason": "bogus"}),
        400,
        "InputValidationError",
    )


def test_cancel_task(api):
    task_id, _ = create(api)
    status = api.call("POST", "queue", "/task/%s/cancel" % task_id).json()["status"]
    assert status["state"] == "exception" and status["runs"][0]["reasonResolved"] == "canceled"
    assert api.call("POST", "queue", "/task/%s/cancel" % task_id).json()["status"] == status
    assert_error(api.call("POST", "queue", "/task/%s/cancel" % slugid.nice()), 404, "ResourceNotFound")


def test_dependencies_schedule_and_list_dependent_tasks(api):
    parent, _ = create(api)
    children = [create(api, dependencies=[parent])[0] for _ in range(5)]
    assert api.call("GET", "queue", "/task/%s/status" % children[0]).json()["status"]["state"] == "unscheduled"
    assert_error(
        api.call("PUT", "queue", "/task/" + slugid.nice(), task_definition(dependencies=[slugid.nice()])),
        400,
        "InputValidationError",
    )
    listed, token = [], None
    while True:
        query = "?limit=2" + ("&continuationToken=" + token if token else "")
        page = api.call("GET", "queue", "/task/%s/dependents%s" % (parent, query)).json()
        assert page["taskId"] == parent and len(page["tasks"]) <= 2
        listed += [t["status"]["taskId"] for t in page["tasks"]]
        token = page.get("continuationToken")
        if not token:
            break
    assert listed == children
    claim(api)
    api.call("POST", "queue", "/task/%s/runs/0/completed" % parent)
    assert api.call("GET", "queue", "/task/%s/status" % children[0]).json()["status"]["state"] == "pending"


def test_deadline_and_claim_expiry_are_applied(taskcluster_deployment_factory):
    clock = [time.time()]
    tc = taskcluster_deployment_factory(clock=lambda: clock[0])
    api = Api(tc.rootUrl, tc.credentials)
    try:

        def call(*args, **kwargs):
            return api.call(*args, ts=int(clock[0]), **kwargs)

        short = slugid.nice()
        assert call("PUT", "queue", "/task/" + short, task_definition(now=clock[0], retries=1)).status_code == 200
        doomed = slugid.nice()
        assert call("PUT", "queue", "/task/" + doomed, task_definition(now=clock[0])).status_code == 200
        call("POST", "queue", "/claim-work/local-prov%2Ftest-worker", {"workerGroup": "g", "workerId": "w", "tasks": 1})
        clock[0] += 25 * 60  # the claim (20 minutes) expires: a retry run appears
        runs = call("GET", "queue", "/task/%s/status" % short).json()["status"]["runs"]
        assert [(r["state"], r.get("reasonResolved"), r["reasonCreated"]) for r in runs] == [
            ("exception", "claim-expired", "scheduled"),
            ("pending", None, "retry"),
        ]
        clock[0] += 3600  # past the deadline
        status = call("GET", "queue", "/task/%s/status" % doomed).json()["status"]
        assert status["state"] == "exception" and status["runs"][-1]["reasonResolved"] == "deadline-exceeded"
    finally:
        api.close()


# -- pagination and concurrency -----------------------------------------------------------------------------
async def _signed(session, method, url, creds, payload=None):
    body = json.dumps(payload).encode() if payload is not None else b""
    content_type = "application/json" if body else ""
    sender = mohawk.Sender(
        {"id": creds["clientId"], "key": creds["accessToken"], "algorithm": "sha256"},
        url,
        method,
        content=body,
        content_type=content_type,
    )
    headers = {"Authorization": sender.request_header}
    if body:
        headers["Content-Type"] = content_type
    async with session.request(method, url, data=body or None, headers=headers) as response:
        return response.status, await response.json()


def _create_many(tc, task_ids, group_id, concurrency):
    definition = task_definition(taskGroupId=group_id)

    async def run():
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            jobs = [
                _signed(session, "PUT", "%s/api/queue/v1/task/%s" % (tc.rootUrl, task_id), tc.credentials, definition)
                for task_id in task_ids
            ]
            return await asyncio.gather(*jobs)

    return asyncio.run(run())


def _list_group(api, group_id, limit=None):
    seen, token, pages = [], None, 0
    while True:
        params = []
        if limit:
            params.append("limit=%d" % limit)
        if token:
            params.append("continuationToken=" + token)
        response = api.call(
            "GET", "queue", "/task-group/%s/list%s" % (group_id, "?" + "&".join(params) if params else "")
        )
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        seen += [t["status"]["taskId"] for t in page["tasks"]]
        token = page.get("continuationToken")
        if not token:
            return seen, pages


def test_pagination_over_thousands_of_tasks(api, tc):
    group_id = slugid.nice()
    task_ids = [group_id] + [slugid.nice() for _ in range(2099)]
    results = _create_many(tc, task_ids, group_id, concurrency=32)
    assert all(status == 200 for status, _ in results)
    seen, pages = _list_group(api, group_id)
    assert seen == task_ids and pages == 3  # default and maximum limit: 1000
    seen, pages = _list_group(api, group_id, limit=600)
    assert seen == task_ids and pages == 4
    assert _list_group(api, group_id, limit=5000) == (task_ids, 3)
    assert_error(api.call("GET", "queue", "/task-group/%s/list?limit=abc" % group_id), 400, "InvalidRequestArguments")
    assert_error(
        api.call("GET", "queue", "/task-group/%s/list?continuationToken=garbage" % group_id), 400, "InputError"
    )
    assert_error(api.call("GET", "queue", "/task-group/%s/list?bogus=1" % group_id), 400, "InvalidRequestArguments")


def test_500_concurrent_create_task_lose_and_duplicate_nothing(api, tc):
    group_id = slugid.nice()
    task_ids = [group_id] + [slugid.nice() for _ in range(499)]
    # every task is submitted twice, all at once: each must exist exactly once
    results = _create_many(tc, task_ids + task_ids, group_id, concurrency=500)
    assert [status for status, _ in results] == [200] * 1000
    assert [body["status"]["taskId"] for _, body in results] == task_ids + task_ids
    seen, _ = _list_group(api, group_id)
    assert sorted(seen) == sorted(task_ids) and len(seen) == 500
    claimed = claim(api, tasks=32)
    assert len({c["status"]["taskId"] for c in claimed}) == 32


# -- artifacts ----------------------------------------------------------------------------------------------
def _running_task(api):
    task_id, _ = create(api)
    claim(api)
    return task_id


def _upload(api, task_id, name, data, content_type="text/plain"):
    path = "/task/%s/runs/0/artifacts/%s" % (task_id, requests.utils.quote(name, safe=""))
    response = api.call("POST", "queue", path, {"storageType": "s3", "expires": iso(3600), "contentType": content_type})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["storageType"] == "s3" and answer["contentType"] == content_type
    assert answer["putUrl"].startswith(api.root_url + "/__artifacts/upload/")
    assert requests.put(answer["putUrl"], data=data, headers={"Content-Type": content_type}).status_code == 200


def test_artifact_round_trip_with_redirects(api, anon, tc):
    task_id = _running_task(api)
    _upload(api, task_id, "private/build/log.txt", b"private bytes")
    _upload(api, task_id, "public/build/out.bin", b"\x00\x01public", "application/octet-stream")

    path = "/task/%s/runs/0/artifacts/private%%2Fbuild%%2Flog.txt" % task_id
    redirect = api.call("GET", "queue", path)
    assert redirect.status_code == 303
    assert redirect.json() == {"storageType": "s3", "url": redirect.headers["Location"]}
    assert redirect.headers["x-taskcluster-artifact-storage-type"] == "s3"
    download = requests.get(redirect.headers["Location"])
    assert download.content == b"private bytes" and download.headers["Content-Type"].startswith("text/plain")

    # a signed URL fetched by a plain HTTP client follows the 303 to the bytes
    signed = requests.get(api.signed_url("queue", "/task/%s/artifacts/private%%2Fbuild%%2Flog.txt" % task_id))
    assert signed.status_code == 200 and signed.content == b"private bytes"
    assert [r.status_code for r in signed.history] == [303]

    # private needs queue:get-artifact:<name>; public/ is readable anonymously
    assert_error(anon.call("GET", "queue", path), 403, "InsufficientScopes")
    public = requests.get(anon.url("queue", "/task/%s/artifacts/public/build/out.bin" % task_id))
    assert public.status_code == 200 and public.content == b"\x00\x01public"

    listing = api.call("GET", "queue", "/task/%s/runs/0/artifacts" % task_id).json()["artifacts"]
    assert [a["name"] for a in listing] == ["private/build/log.txt", "public/build/out.bin"]
    assert_error(api.call("GET", "queue", "/task/%s/artifacts/public%%2Fnope" % task_id), 404, "ResourceNotFound")


def test_artifact_with_the_sdk_build_signed_url(api, tc):
    import taskcluster

    task_id = _running_task(api)
    _upload(api, task_id, "private/x", b"via the sdk")
    queue = taskcluster.Queue(tc.options())
    try:
        url = queue.buildSignedUrl("getLatestArtifact", task_id, "private/x")
        assert requests.get(url).content == b"via the sdk"
    finally:
        queue.close()


def test_reference_link_and_error_artifacts(api):
    task_id = _running_task(api)
    base = "/task/%s/runs/0/artifacts/" % task_id
    for name, body in (
        (
            "public/ref",
            {
                "storageType": "reference",
                "expires": iso(60),
                "contentType": "text/html",
                "url": "https://example.com/x",
            },
        ),
        (
            "public/err",
            {"storageType": "error", "expires": iso(60), "reason": "file-missing-on-worker", "message": "no such file"},
        ),
        ("public/link", {"storageType": "link", "expires": iso(60), "artifact": "public/ref"}),
    ):
        response = api.call("POST", "queue", base + requests.utils.quote(name, safe=""), body)
        assert response.status_code == 200 and response.json() == {"storageType": body["storageType"]}
    ref = api.call("GET", "queue", base + "public%2Fref")
    assert ref.status_code == 303 and ref.headers["Location"] == "https://example.com/x"
    assert api.call("GET", "queue", base + "public%2Flink").headers["Location"] == "https://example.com/x"
    err = api.call("GET", "queue", base + "public%2Ferr")
    assert err.status_code == 424 and err.json()["message"] == "no such file"
    assert err.json()["reason"] == "file-missing-on-worker"
    bad = api.call("POST", "queue", base + "x", {"storageType": "s3", "expires": iso(60)})
    assert "contentType" in assert_error(bad, 400, "InputValidationError")["message"]


def test_artifacts_need_a_running_run(api):
    task_id, _ = create(api)
    response = api.call(
        "POST",
        "queue",
        "/task/%s/runs/0/artifacts/public%%2Fa" % task_id,
        {"storageType": "s3", "expires": iso(60), "contentType": "text/plain"},
    )
    assert_error(response, 409, "RequestConflict")


def test_a_second_deployment_is_independent(tc):
    with LocalDeployment() as other:
        assert other.rootUrl != tc.rootUrl
        assert other.credentials["accessToken"] != tc.credentials["accessToken"]


def test_claim_task_and_reclaim(api):
    task_id, _ = create(api)
    claimed = api.call("POST", "queue", "/task/%s/runs/0/claim" % task_id, {"workerGroup": "g", "workerId": "w"})
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"]["state"] == "running" and claimed.json()["credentials"]["clientId"]
    assert_error(
        api.call("POST", "queue", "/task/%s/runs/0/claim" % task_id, {"workerGroup": "g", "workerId": "w"}),
        409,
        "RequestConflict",
    )
    reclaimed = api.call("POST", "queue", "/task/%s/runs/0/reclaim" % task_id).json()
    assert reclaimed["takenUntil"] >= claimed.json()["takenUntil"] and reclaimed["runId"] == 0
    assert set(reclaimed["credentials"]) == {"clientId", "accessToken", "certificate"}


def test_head_requests(api, anon):
    task_id = _running_task(api)
    _upload(api, task_id, "public/h.txt", b"head me")
    location = anon.call("GET", "queue", "/task/%s/artifacts/public%%2Fh.txt" % task_id).headers["Location"]
    head = requests.head(location)
    assert head.status_code == 200 and head.headers["Content-Length"] == "7" and head.content == b""
    assert requests.head(anon.url("queue", "/ping")).status_code == 200

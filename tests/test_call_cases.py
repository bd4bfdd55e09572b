"""One table of calls run through both the sync and the async client against the same scripted loopback
server; Hawk headers are verified there by mohawk, so any divergence between the clients fails a case."""

import base64
import datetime
import json
from typing import Any, Dict, List

import pytest

from scripted_server import DROP, STALL, Reply, ScriptedServer
from taskcluster.exceptions import (
    TaskclusterAuthFailure,
    TaskclusterConnectionError,
    TaskclusterFailure,
    TaskclusterRestFailure,
)

TASK = {"provisionerId": "p", "workerType": "w", "payload": {"note": "é"}}
COMPACT_TASK = b'{"provisionerId":"p","workerType":"w","payload":{"note":"\\u00e9"}}'


def paths(server: ScriptedServer) -> List[str]:
    return [r.path for r in server.requests]


def assert_all_verified(server: ScriptedServer) -> None:
    for record in server.requests:
        assert record.signed, record.hawk_error


# ---- calling conventions -------------------------------------------------------------------------

CONVENTIONS = [
    ("positional", ("T1", TASK), {}, "/api/queue/v1/task/T1"),
    ("payload-then-kwargs", (TASK,), {"taskId": "T1"}, "/api/queue/v1/task/T1"),
    (
        "params-and-query",
        (),
        {"payload": TASK, "params": {"taskId": "T1"}, "query": {"a": "b c"}},
        "/api/queue/v1/task/T1?a=b+c",
    ),
    ("positional-with-payload-kw", ("T1",), {"payload": TASK, "query": {"x": "1"}}, "/api/queue/v1/task/T1?x=1"),
]


@pytest.mark.parametrize("name,args,kwargs,path", CONVENTIONS, ids=[c[0] for c in CONVENTIONS])
def test_calling_conventions(driver, server, options, name, args, kwargs, path):
    result = driver.call("Queue", options, "createTask", *args, **kwargs)
    assert result["path"] == path
    (record,) = server.requests
    assert record.method == "PUT"
    assert record.body == COMPACT_TASK
    assert record.headers["Content-Type"] == "application/json"
    assert_all_verified(server)
    assert record.hawk["hash"], "the payload hash is sent and mohawk checked it"


def test_route_arguments_are_escaped_and_falsy_values_count(driver, server, options):
    driver.call("Queue", options, "getArtifact", "a/b", 0, "public/x y!.txt")
    driver.call("Queue", options, "getArtifact", taskId="a/b", runId=0, name="public/x y!.txt")
    expected = "/api/queue/v1/task/a%2Fb/runs/0/artifacts/public%2Fx%20y%21.txt"
    assert paths(server) == [expected, expected]
    assert_all_verified(server)


USAGE_ERRORS = [
    ("missing payload", "createTask", ("T1",), {}, "requires a payload"),
    ("too few args", "getArtifact", ("T1", 0), {}, "expects 3 route argument(s) (taskId, runId, name)"),
    ("too many args", "task", ("T1", "T2"), {}, "expects 1 route argument(s) (taskId)"),
    ("unknown keyword", "task", ("T1",), {"taskID": "x"}, "unexpected keyword argument(s) 'taskID'"),
    ("payload to a method without input", "ping", (), {"payload": {}}, "takes no payload"),
    ("float route value", "task", (1.5,), {}, "argument taskId must be a str or int, got float"),
    ("params and keywords", "task", (), {"taskId": "a", "params": {"taskId": "b"}}, "not both"),
    ("unknown params key", "task", (), {"params": {"task": "b"}}, "unknown route argument(s) 'task'"),
    ("query not a dict", "task", ("T",), {"query": "a=b"}, "query must be a dict"),
]


@pytest.mark.parametrize("label,method,args,kwargs,message", USAGE_ERRORS, ids=[c[0] for c in USAGE_ERRORS])
def test_usage_errors_raise_before_sending(driver, server, options, label, method, args, kwargs, message):
    with pytest.raises(TaskclusterFailure) as info:
        driver.call("Queue", options, method, *args, **kwargs)
    assert message in str(info.value)
    assert "Queue.%s" % method in str(info.value)
    assert server.requests == []


def test_datetimes_in_payload_become_iso_utc(driver, server, options):
    when = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    driver.call("Queue", options, "createTask", "T", {"deadline": when})
    assert server.requests[0].body == b'{"deadline":"2030-01-02T03:04:05Z"}'


# ---- responses -----------------------------------------------------------------------------------


def test_204_returns_none(driver, server, options):
    server.add(Reply(204))
    assert driver.call("Queue", options, "ping") is None


def test_non_json_body_returns_the_transport_response(driver, server, options):
    server.add(Reply(200, body=b"plain text", headers={"Content-Type": "text/plain"}))
    result = driver.call("Queue", options, "ping")
    assert set(result) == {"response"}
    status = getattr(result["response"], "status_code", None) or getattr(result["response"], "status", None)
    assert status == 200


def test_redirects_are_returned_not_followed(driver, server, options):
    server.add(
        Reply(
            303,
            json_body={"storageType": "s3", "url": "http://127.0.0.1:1/elsewhere"},
            headers={"Location": "http://127.0.0.1:1/elsewhere"},
        )
    )
    result = driver.call("Queue", options, "getLatestArtifact", "T", "public/a")
    assert result == {"storageType": "s3", "url": "http://127.0.0.1:1/elsewhere"}
    assert len(server.requests) == 1


def test_json_list_and_null_bodies(driver, server, options):
    server.add(Reply(200, json_body=[1, 2]), Reply(200, body=b"null", headers={"Content-Type": "application/json"}))
    assert driver.call("Queue", options, "ping") == [1, 2]
    assert driver.call("Queue", options, "ping") is None


# ---- retries and errors --------------------------------------------------------------------------


def test_5xx_is_retried_with_a_fresh_signature_each_time(driver, server, options):
    server.add(
        Reply(500, json_body={"code": "InternalServerError", "message": "boom"}),
        Reply(503),
        Reply(200, json_body={"ok": 1}),
    )
    assert driver.call("Queue", options, "ping") == {"ok": 1}
    assert len(server.requests) == 3
    assert_all_verified(server)
    nonces = {r.hawk["nonce"] for r in server.requests}
    assert len(nonces) == 3
    assert server.requests[2].at - server.requests[0].at >= 0.2  # 0.1 s then 0.2 s nominal, -25 % jitter


def test_exhausted_5xx_raises_rest_failure_with_method_status_and_code(driver, server, options):
    body = {"code": "InternalServerError", "message": "database on fire", "requestInfo": {}}
    server.add(*[Reply(500, json_body=body)] * 3)
    with pytest.raises(TaskclusterRestFailure) as info:
        driver.call("Queue", options, "ping")
    exc = info.value
    assert exc.status_code == 500
    assert exc.body == body
    assert "Queue.ping" in str(exc) and "500" in str(exc) and "InternalServerError" in str(exc)
    assert "database on fire" in str(exc)
    assert len(server.requests) == 3  # maxRetries=2


def test_4xx_is_not_retried(driver, server, options):
    server.add(Reply(404, json_body={"code": "ResourceNotFound", "message": "no such task"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        driver.call("Queue", options, "task", "T")
    assert info.value.status_code == 404
    assert "ResourceNotFound: no such task" in str(info.value)
    assert len(server.requests) == 1


def test_401_raises_auth_failure(driver, server, options):
    server.add(Reply(401, json_body={"code": "AuthenticationFailed", "message": "bad mac"}))
    with pytest.raises(TaskclusterAuthFailure) as info:
        driver.call("Queue", options, "task", "T")
    assert info.value.status_code == 401
    assert "AuthenticationFailed" in str(info.value)


def test_html_error_page_still_gives_a_useful_message(driver, server, options):
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    server.add(*[Reply(502, body=page, headers={"Content-Type": "text/html"})] * 3)
    with pytest.raises(TaskclusterRestFailure) as info:
        driver.call("Queue", options, "ping")
    assert info.value.status_code == 502
    assert info.value.body == {}
    assert "Queue.ping: HTTP 502 Bad Gateway: 502 Bad Gateway" == str(info.value)


def test_retry_after_on_429_is_honoured(driver, server, options):
    server.add(Reply(429, headers={"Retry-After": "1"}), Reply(200, json_body={"ok": True}))
    assert driver.call("Queue", options, "ping") == {"ok": True}
    first, second = server.requests
    assert second.at - first.at >= 0.95


def test_429_without_retry_after_is_not_retried(driver, server, options):
    server.add(Reply(429, json_body={"code": "TooManyRequests", "message": "slow down"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        driver.call("Queue", options, "ping")
    assert info.value.status_code == 429
    assert len(server.requests) == 1


def test_dropped_connections_are_retried_then_reported(driver, server, options):
    server.add(DROP, Reply(200, json_body={"ok": 1}))
    assert driver.call("Queue", options, "ping") == {"ok": 1}
    server.add(*[DROP] * 6)  # aiohttp may itself resend once on a dropped keep-alive connection
    with pytest.raises(TaskclusterConnectionError) as info:
        driver.call("Queue", options, "ping")
    assert "Queue.ping" in str(info.value) and "3 attempt(s)" in str(info.value)
    assert info.value.superExc is not None


def test_a_server_that_never_answers_times_out(driver, server, options):
    server.add(STALL)
    with pytest.raises(TaskclusterConnectionError):
        driver.call("Queue", dict(options, timeout=0.3, maxRetries=0), "ping")


def test_connection_refused_is_a_connection_error(driver, options):
    with pytest.raises(TaskclusterConnectionError):
        driver.call("Queue", dict(options, rootUrl="http://127.0.0.1:9", maxRetries=1), "ping")


# ---- signing -------------------------------------------------------------------------------------


def _ext(record) -> Dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(record.hawk["ext"]))


def test_authorized_scopes_travel_in_ext(driver, server, options):
    driver.call("Queue", dict(options, authorizedScopes=["queue:a", "queue:b/*"]), "ping")
    assert_all_verified(server)
    assert _ext(server.requests[0]) == {"authorizedScopes": ["queue:a", "queue:b/*"]}


def test_temporary_credentials_carry_their_certificate(driver, server, options):
    import taskcluster

    now = datetime.datetime.now(datetime.timezone.utc)
    temp = taskcluster.createTemporaryCredentials(
        "tester", "tester-access-token-0123456789", now, now + datetime.timedelta(hours=1), ["queue:x"]
    )
    server.credentials["tester"] = temp["accessToken"]
    driver.call("Queue", dict(options, credentials=temp), "ping")
    assert_all_verified(server)
    assert _ext(server.requests[0])["certificate"] == json.loads(temp["certificate"])


def test_no_credentials_means_no_authorization_header(driver, server, options):
    driver.call("Queue", dict(options, credentials={"clientId": "only-an-id"}), "ping")
    assert "Authorization" not in server.requests[0].headers


def test_bodiless_post_sends_content_length_zero_and_no_content_type(driver, server, options):
    driver.call("Queue", options, "cancelTask", "T")
    (record,) = server.requests
    assert record.method == "POST"
    assert record.headers.get("Content-Length") == "0"
    assert "Content-Type" not in record.headers
    assert_all_verified(server)


# ---- pagination ----------------------------------------------------------------------------------


def _pages(server: ScriptedServer) -> None:
    server.add(
        Reply(200, json_body={"taskGroupId": "G", "tasks": [{"n": 1}, {"n": 2}], "continuationToken": "c1"}),
        Reply(200, json_body={"taskGroupId": "G", "tasks": [{"n": 3}], "continuationToken": "c/2"}),
        Reply(200, json_body={"taskGroupId": "G", "tasks": [{"n": 4}]}),
    )


def test_pagination_handler_sees_every_page(driver, server, options):
    _pages(server)
    seen = []
    assert driver.call("Queue", options, "listTaskGroup", "G", paginationHandler=seen.append, paginationLimit=2) is None
    assert [len(p["tasks"]) for p in seen] == [2, 1, 1]
    assert paths(server) == [
        "/api/queue/v1/task-group/G/list?limit=2",
        "/api/queue/v1/task-group/G/list?limit=2&continuationToken=c1",
        "/api/queue/v1/task-group/G/list?limit=2&continuationToken=c%2F2",
    ]
    assert_all_verified(server)


def test_page_and_item_iterators(driver, server, options):
    _pages(server)
    assert [t["n"] for t in driver.collect("Queue", options, "listTaskGroup", "items", "G")] == [1, 2, 3, 4]
    _pages(server)
    pages = driver.collect("Queue", options, "listTaskGroup", "pages", "G", query={"limit": 2})
    assert [p.get("continuationToken") for p in pages] == ["c1", "c/2", None]
    assert len(server.requests) == 6


# ---- older signatures kept working ---------------------------------------------------------------

LEGACY = [
    ("positional", ("prov", "wt", {"tasks": 1}), {}),
    ("payload-then-kwargs", ({"tasks": 1},), {"provisionerId": "prov", "workerType": "wt"}),
    ("params", (), {"payload": {"tasks": 1}, "params": {"provisionerId": "prov", "workerType": "wt"}}),
    ("positional-with-payload-kw", ("prov", "wt"), {"payload": {"tasks": 1}}),
    ("current form", ("prov/wt", {"tasks": 1}), {}),
    ("current form by name", ({"tasks": 1},), {"taskQueueId": "prov/wt"}),
]


@pytest.mark.parametrize("label,args,kwargs", LEGACY, ids=[c[0] for c in LEGACY])
def test_claim_work_accepts_the_older_provisioner_and_worker_type_form(driver, server, options, label, args, kwargs):
    driver.call("Queue", options, "claimWork", *args, **kwargs)
    assert paths(server) == ["/api/queue/v1/claim-work/prov%2Fwt"]
    assert_all_verified(server)


def test_older_form_without_payload_and_half_given_names(driver, server, options):
    driver.call("PurgeCache", options, "purgeRequests", "prov", "wt")
    assert paths(server) == ["/api/purge-cache/v1/purge-cache/prov%2Fwt"]
    with pytest.raises(TaskclusterFailure) as info:
        driver.call("PurgeCache", options, "purgeRequests", provisionerId="prov")
    assert "missing workerType" in str(info.value)


def test_a_repeated_continuation_token_stops_pagination(driver, server, options):
    server.add(*[Reply(200, json_body={"tasks": [1], "continuationToken": "same"})] * 3)
    with pytest.raises(TaskclusterFailure) as info:
        driver.collect("Queue", options, "listTaskGroup", "pages", "G")
    assert "continuationToken 'same' again" in str(info.value)
    assert len(server.requests) == 2

"""The runtime's general parts, without sockets: an envelope and a rate-limit answer stepped through the call flow,
bearer and header auth, reserved path expansion, and the keyword calling convention."""

from typing import Any, List

import pytest

from taskcluster._auth import BearerAuth, HeaderAuth
from taskcluster._flow import Request, Send, Sleep, call_flow
from taskcluster._hawk import EMPTY_PAYLOAD_HASH
from taskcluster._keywords import resolve_keywords
from taskcluster._request import build_request
from taskcluster._responses import Answer
from taskcluster._spec import ApiSpec, Operation
from taskcluster._urls import ApiLocation, CompiledRoute
from taskcluster.exceptions import TaskclusterAuthFailure, TaskclusterFailure, TaskclusterRestFailure

SPEC = ApiSpec.from_table(
    {
        "baseUrl": "{rootUrl}",
        "auth": {"scheme": "headers", "headers": {"X-Worker-Id": "workerId", "X-Secret": "secret"}},
        "envelope": {"ok": "ok", "message": "message", "content": "content"},
        "rateLimit": {"status": 429, "field": "rate_limit_delay", "unit": 1.0},
        "commonParams": [{"name": "x__xgafv", "wire": "$.xgafv", "in": "query", "enum": ["1", "2"]}],
    }
)
GET_TASK = Operation.from_table(
    SPEC,
    "Tracker",
    "task.get",
    {
        "method": "GET",
        "path": "/task/get/{project}",
        "params": [{"name": "project", "in": "path", "type": "integer"}],
        "nothing": ["No task available"],
    },
)
LIST = Operation.from_table(
    SPEC,
    "Tracker",
    "things.list",
    {
        "method": "GET",
        "path": "v1/{+parent}/things",
        "params": [
            {"name": "parent", "in": "path", "pattern": "^shelves/[^/]+$"},
            {"name": "max_results", "wire": "max-results", "in": "query", "type": "integer"},
            {"name": "continue", "in": "query", "type": "boolean"},
            {"name": "tag", "in": "query", "repeated": True},
            {"name": "view", "in": "query", "enum": ["BASIC", "FULL"]},
        ],
        "fixedQuery": [["alt", "json"]],
    },
)


def flow_of(op: Operation, auth: Any = None, max_retries: int = 3):
    call = resolve_keywords(op, {"project": 7} if op is GET_TASK else {"parent": "shelves/s1"})
    request = build_request(ApiLocation("http://127.0.0.1:9"), call, auth)
    return call_flow(request, auth, max_retries, rand=lambda: 0.5, clock=lambda: 0.0, monotonic=lambda: 0.0)


def answer(status: int, body: bytes) -> Answer:
    return Answer(status, {}, body, None)


def test_a_rate_limited_answer_waits_what_its_body_says_then_the_envelope_is_unwrapped():
    flow = flow_of(GET_TASK, HeaderAuth({"X-Worker-Id": "7", "X-Secret": "c2VjcmV0"}))
    send = next(flow)
    assert isinstance(send, Send) and send.url == "http://127.0.0.1:9/task/get/7"
    assert send.headers["X-Worker-Id"] == "7" and send.headers["X-Secret"] == "c2VjcmV0"
    sleep = flow.send(answer(429, b'{"ok":false,"message":"Too many requests","rate_limit_delay":2.5}'))
    assert isinstance(sleep, Sleep) and sleep.seconds == 2.5
    assert isinstance(flow.send(None), Send)
    with pytest.raises(StopIteration) as done:
        flow.send(answer(200, b'{"ok":true,"content":{"task":{"id":1}}}'))
    assert done.value.value == {"task": {"id": 1}}


def test_ok_false_is_a_failure_carrying_the_message_unless_it_means_nothing():
    flow = flow_of(GET_TASK)
    next(flow)
    with pytest.raises(StopIteration) as done:
        flow.send(answer(200, b'{"ok":false,"message":"No task available"}'))
    assert done.value.value is None
    flow = flow_of(GET_TASK)
    next(flow)
    with pytest.raises(TaskclusterRestFailure) as failure:
        flow.send(answer(200, b'{"ok":false,"message":"A manager has paused you"}'))
    assert "A manager has paused you" in str(failure.value) and failure.value.status_code == 200


def test_a_bearer_token_callable_is_asked_for_every_attempt_and_never_shown():
    tokens: List[str] = []

    def token() -> str:
        tokens.append("token-%d" % len(tokens))
        return tokens[-1]

    auth = BearerAuth(token)
    flow = flow_of(LIST, auth)
    first = next(flow)
    assert first.headers["Authorization"] == "Bearer token-0"
    assert isinstance(flow.send(answer(503, b"")), Sleep)
    assert flow.send(None).headers["Authorization"] == "Bearer token-1"
    assert "token" not in repr(auth).replace("<token>", "")
    with pytest.raises(TaskclusterAuthFailure) as refused:
        next(flow_of(LIST, BearerAuth(lambda: "bad\r\nX-Injected: 1")))
    assert "bad" not in str(refused.value) and "Injected" not in str(refused.value)


def test_header_auth_shows_the_header_names_only():
    assert repr(HeaderAuth({"X-Worker-Id": "7", "X-Secret": "very-secret"})) == "HeaderAuth(X-Secret, X-Worker-Id)"


@pytest.mark.parametrize(
    "template, values, expected",
    [
        ("v1/{+name}:run", ["projects/p 1/queues/q:é"], "/v1/projects/p%201/queues/q:%C3%A9:run"),
        ("v1/{+name}", ["a/%2F/b c"], "/v1/a/%2F/b%20c"),
        ("v2/{instance}/blobs/{hash}", ["a/b", "x y:z%"], "/v2/a%2Fb/blobs/x%20y%3Az%25"),
        ("/task/<taskId>", ["a/b"], "/task/a%2Fb"),
    ],
)
def test_simple_and_reserved_expansion(template: str, values: List[str], expected: str):
    assert CompiledRoute(template).expand(values) == expected


def test_keyword_calls_write_values_as_discovery_does():
    call = resolve_keywords(
        LIST, {"parent": "shelves/s1", "max_results": 5, "continue": False, "tag": ["a", "b"], "x__xgafv": "2"}
    )
    assert call.route_values == ["shelves/s1"]
    request = build_request(ApiLocation("https://api.example.com"), call, None)
    assert request.url == (
        "https://api.example.com/v1/shelves/s1/things?max-results=5&continue=false&tag=a&tag=b&%24.xgafv=2&alt=json"
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "missing required parameter parent"),
        ({"parent": "books/b1"}, "parameter parent is 'books/b1', which does not match the pattern ^shelves/[^/]+$"),
        ({"parent": "shelves/s1", "view": "ALL"}, "parameter view is 'ALL', which is not one of 'BASIC', 'FULL'"),
        ({"parent": "shelves/s1", "max_results": "many"}, "parameter max_results must be a integer, got 'many'"),
        ({"parent": "shelves/s1", "colour": "red"}, "got unexpected keyword argument(s) 'colour'; it accepts parent"),
    ],
)
def test_keyword_calls_are_checked_before_sending(kwargs: Any, message: str):
    with pytest.raises(TaskclusterFailure) as refused:
        resolve_keywords(LIST, kwargs)
    assert message in str(refused.value)


def test_the_request_of_a_keyword_call_has_no_hawk_hash():
    call = resolve_keywords(GET_TASK, {"project": 3})
    request = build_request(ApiLocation("http://h"), call, HeaderAuth({"X-Worker-Id": "1", "X-Secret": "s"}))
    assert isinstance(request, Request) and request.content_hash == EMPTY_PAYLOAD_HASH and request.rules is not None


def test_an_answer_that_is_not_an_envelope_is_a_failure_not_a_transport_object():
    flow = flow_of(GET_TASK)
    next(flow)
    with pytest.raises(TaskclusterRestFailure) as failure:
        flow.send(answer(200, b""))
    assert "is not the service's {ok, message, content} envelope" in str(failure.value)


def test_the_sync_and_async_classes_of_a_service_compile_its_table_once():
    import taskcluster
    import taskcluster.aio

    assert taskcluster.Queue._functions is taskcluster.aio.Queue._functions


def test_a_client_shows_the_default_root_url_it_uses():
    from taskcluster.rest import RestClient

    class Defaulted(RestClient):
        _api_spec = ApiSpec.from_table({"baseUrl": "{rootUrl}/v1", "defaultRootUrl": "https://api.example.com/"})
        _operations = {"ping": Operation.from_table(_api_spec, "Defaulted", "ping", {"method": "GET", "path": "ping"})}

    client = Defaulted({"token": "never-shown"})
    assert repr(client) == "<Defaulted rootUrl='https://api.example.com/' clientId=None>"
    assert client.buildUrl("ping") == "https://api.example.com/v1/ping"

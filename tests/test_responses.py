"""Turning an HTTP answer into a result or an exception (taskcluster._responses)."""

import json

import pytest

from taskcluster._responses import Answer, error_of, result_of
from taskcluster.exceptions import TaskclusterAuthFailure, TaskclusterFailure, TaskclusterRestFailure


class RawResponse:
    """Stands in for the transport's response object, which result_of hands back untouched."""


def answer(status, body, raw=None, headers=None):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return Answer(status, headers or {}, body, raw if raw is not None else RawResponse())


# -- result_of -----------------------------------------------------------------------------------


def test_204_is_none():
    assert result_of(answer(204, b"")) is None
    assert result_of(answer(204, b'{"ignored": true}')) is None


@pytest.mark.parametrize(
    "value",
    [{"status": {"taskId": "abc"}}, [1, 2, {"a": None}], None, "text", 5, 1.5, True, {}, []],
)
def test_json_values_are_returned_parsed(value):
    assert result_of(answer(200, value)) == value


def test_json_null_is_none():
    assert result_of(answer(200, b"null")) is None


def test_json_with_unicode():
    assert result_of(answer(200, '{"name": "caf\u00e9"}'.encode())) == {"name": "caf\u00e9"}


@pytest.mark.parametrize("status", [200, 201, 202])
@pytest.mark.parametrize("body", [b"", b"not json", b"<html>ok</html>", b"\xff\xfe", b"{truncated"])
def test_empty_or_non_json_body_returns_the_raw_response(status, body):
    raw = RawResponse()
    result = result_of(answer(status, body, raw=raw))
    assert result == {"response": raw}
    assert result["response"] is raw


def test_redirect_returns_its_json_body():
    assert result_of(answer(303, {"storageType": "s3", "url": "https://bucket/x"})) == {
        "storageType": "s3",
        "url": "https://bucket/x",
    }


def test_redirect_without_json_returns_the_raw_response():
    raw = RawResponse()
    assert result_of(answer(302, b"", raw=raw)) == {"response": raw}


# -- error_of ------------------------------------------------------------------------------------

NOT_FOUND = {
    "code": "ResourceNotFound",
    "message": "Task `abc` not found",
    "requestInfo": {"method": "task", "params": {"taskId": "abc"}, "payload": {}, "time": "2020-01-01T00:00:00Z"},
}


def test_json_error_message_names_method_status_and_code():
    exc = error_of("Queue.task", answer(404, NOT_FOUND))
    assert type(exc) is TaskclusterRestFailure
    assert str(exc) == "Queue.task: HTTP 404 Not Found: ResourceNotFound: Task `abc` not found"
    assert exc.status_code == 404
    assert exc.body == NOT_FOUND
    assert exc.body["code"] == "ResourceNotFound"
    assert exc.superExc is None


def test_401_is_an_auth_failure():
    body = {"code": "AuthenticationFailed", "message": "Bad mac"}
    exc = error_of("Queue.createTask", answer(401, body))
    assert type(exc) is TaskclusterAuthFailure
    assert not isinstance(exc, TaskclusterRestFailure)
    assert exc.status_code == 401
    assert exc.body == body
    assert str(exc) == "Queue.createTask: HTTP 401 Unauthorized: AuthenticationFailed: Bad mac"


def test_403_is_a_rest_failure():
    exc = error_of("Queue.createTask", answer(403, {"code": "InsufficientScopes", "message": "need scopes"}))
    assert type(exc) is TaskclusterRestFailure
    assert "InsufficientScopes" in str(exc) and "need scopes" in str(exc) and "403" in str(exc)


@pytest.mark.parametrize(
    "body, detail",
    [({"code": "InputError"}, "InputError"), ({"message": "bad input"}, "bad input")],
)
def test_code_or_message_alone(body, detail):
    assert str(error_of("Queue.createTask", answer(400, body))) == "Queue.createTask: HTTP 400 Bad Request: " + detail


def test_html_error_uses_the_title():
    html = (
        b"<html><head><title>502 Bad\n   Gateway</title></head>"
        b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
    )
    exc = error_of("Queue.task", answer(502, html))
    assert type(exc) is TaskclusterRestFailure
    assert str(exc) == "Queue.task: HTTP 502 Bad Gateway: 502 Bad Gateway"
    assert exc.status_code == 502
    assert exc.body == {}


def test_html_without_title_uses_the_text():
    exc = error_of("Queue.task", answer(500, b"<html><body><p>Something  <b>broke</b></p></body></html>"))
    assert str(exc) == "Queue.task: HTTP 500 Internal Server Error: Something broke"


def test_plain_text_error():
    exc = error_of("Index.findTask", answer(503, b"upstream connect error"))
    assert str(exc) == "Index.findTask: HTTP 503 Service Unavailable: upstream connect error"


def test_empty_error_body():
    exc = error_of("Queue.task", answer(500, b""))
    assert str(exc) == "Queue.task: HTTP 500 Internal Server Error"
    assert exc.body == {}


@pytest.mark.parametrize("value", [[1, 2], "oops", 5, None])
def test_non_dict_json_error_body_is_empty_dict(value):
    exc = error_of("Queue.task", answer(500, value))
    assert exc.body == {}
    assert str(exc).startswith("Queue.task: HTTP 500")


def test_unknown_status_has_no_reason_phrase():
    exc = error_of("Queue.task", answer(418, {"message": "teapot"}))
    assert str(exc) == "Queue.task: HTTP 418: teapot"
    assert exc.status_code == 418


def test_long_messages_truncated_to_2000_chars():
    exc = error_of("Queue.task", answer(400, {"code": "InputError", "message": "x" * 10000}))
    text = str(exc)
    assert len(text) == 2000
    assert text.startswith("Queue.task: HTTP 400 Bad Request: InputError: xxx")
    assert text.endswith("...")
    assert len(exc.body["message"]) == 10000  # the body keeps everything


def test_long_html_title_is_bounded():
    exc = error_of("Queue.task", answer(502, b"<title>" + b"y" * 5000 + b"</title>"))
    assert len(str(exc)) <= 2000


def test_error_of_returns_taskcluster_failures():
    for status in (400, 401, 404, 500, 503):
        assert isinstance(error_of("Queue.task", answer(status, {})), TaskclusterFailure)

"""What the local deployment refuses, as Taskcluster's services do, and that it keeps serving meanwhile.

- API bodies over 10 MB: 413 ``InputTooLarge``, told from ``Content-Length`` before the body is read, and
  for chunked bodies as soon as 10 MB arrived (raw sockets show that the answer comes before the rest);
- bodies that are not ``application/json``: 400 ``MalformedPayload`` (a bodiless POST still works);
- JSON that JSON implementations do not all represent (NaN, Infinity, numbers beyond a double, lone
  surrogates, more than 100 levels of nesting, not UTF-8): 400 ``MalformedPayload``, never a 500, never stored;
- CR, LF, NUL and other control characters in values that end up in headers: 400 at creation;
- while a 9 MB body is parsed and validated, or a large object uploaded, small requests are still answered;
- a property test: no body, garbage or JSON, whatever the content type, makes the deployment answer 500.
"""

import base64
import io
import json
import socket
import threading
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import quote, urlsplit

import mohawk
import pytest
import requests
import slugid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tc_local_helpers import Api, assert_error, iso, task_definition

from taskcluster.testing import LocalDeployment
from taskcluster.testing._json import MAX_DEPTH, nesting
from taskcluster.testing.server import MAX_API_BODY_BYTES

MB = 1024 * 1024


# -- helpers ---------------------------------------------------------------------------------------------------
def send(
    api: Api,
    method: str,
    service: str,
    path: str,
    body: bytes = b"",
    content_type: Optional[str] = "application/json",
    signed: bool = True,
    credentials: Optional[Dict[str, str]] = None,
) -> requests.Response:
    """A request with exactly this body and Content-Type (None: no header), Hawk-signed for both."""
    url = api.url(service, path)
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if signed:
        # mohawk hashes a file the same as bytes, without pretty-printing a copy of a large body for its log
        content: Any = io.BytesIO(body) if body else b""
        headers["Authorization"] = api.header(method, url, content, content_type or "", credentials)
    return api.session.request(method, url, data=body or None, headers=headers, allow_redirects=False)


def new_task_path() -> Tuple[str, str]:
    task_id = slugid.nice()
    return task_id, "/task/" + task_id


def assert_task_absent(api: Api, task_id: str) -> None:
    assert_error(api.call("GET", "queue", "/task/" + task_id), 404, "ResourceNotFound")


def assert_alive(tc: LocalDeployment) -> None:
    response = requests.get("%s/api/queue/v1/ping" % tc.rootUrl, timeout=10)
    assert response.status_code == 200 and response.json()["alive"] is True


def padded_task(size: int) -> bytes:
    """A valid task definition of exactly ``size`` bytes (a long string in its payload)."""
    definition = task_definition(payload={"pad": ""})
    base = len(json.dumps(definition).encode())
    definition["payload"]["pad"] = "x" * (size - base)
    body = json.dumps(definition).encode()
    assert len(body) == size
    return body


def raw_exchange(tc: LocalDeployment, head: bytes, chunks: Iterable[bytes]) -> Tuple[int, Dict[str, Any], float]:
    """Send ``head`` then ``chunks`` on a socket (stopping early when the answer arrives), then read the
    answer: its status, its JSON body, and how many bytes of the chunks had been sent."""
    address = urlsplit(tc.rootUrl)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head)
        sent = 0
        sock.setblocking(False)
        answer = b""
        for chunk in chunks:
            try:
                answer += sock.recv(65536)
            except BlockingIOError:
                pass
            if answer:
                break
            view = memoryview(chunk)
            while view:
                try:
                    count = sock.send(view)
                except BlockingIOError:
                    time.sleep(0.001)
                    continue
                view = view[count:]
                sent += count
        sock.setblocking(True)
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            assert data, answer
            answer += data
        head_bytes, _, body = answer.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
        while len(body) < length:
            data = sock.recv(65536)
            assert data
            body += data
    return status, json.loads(body[:length]), sent


def request_head(tc: LocalDeployment, method: str, path: str, headers: Dict[str, str]) -> bytes:
    address = urlsplit(tc.rootUrl)
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % address.netloc]
    lines += ["%s: %s" % item for item in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# -- bodies over 10 MB ---------------------------------------------------------------------------------------------
def test_api_bodies_up_to_10_mb_are_read_and_larger_ones_are_413(api, tc):
    task_id, path = new_task_path()
    exactly = padded_task(MAX_API_BODY_BYTES)
    response = send(api, "PUT", "queue", path, exactly)
    assert response.status_code == 200, response.text[:300]
    assert len(api.call("GET", "queue", path).json()["payload"]["pad"]) > MAX_API_BODY_BYTES - 1000

    task_id, path = new_task_path()
    body = assert_error(send(api, "PUT", "queue", path, padded_task(MAX_API_BODY_BYTES + 1)), 413, "InputTooLarge")
    assert "10485761 bytes" in body["message"] and "limit is 10485760 bytes" in body["message"]
    assert body["requestInfo"]["method"] == "createTask" and body["requestInfo"]["params"] == {"taskId": task_id}
    assert_task_absent(api, task_id)
    # before anything else: no credentials needed to be told, whatever the content type
    assert_error(send(api, "PUT", "queue", path, b"x" * (50 * MB), "text/plain", signed=False), 413, "InputTooLarge")
    assert_task_absent(api, task_id)
    assert_alive(tc)


def test_a_too_large_content_length_is_refused_before_the_body_is_read(api, tc):
    task_id, path = new_task_path()
    head = request_head(
        tc,
        "PUT",
        "/api/queue/v1" + path,
        {"Content-Type": "application/json", "Content-Length": str(50 * MB)},
    )
    # only 64 KB of the 50 MB announced are sent: the answer does not wait for the rest
    status, body, sent = raw_exchange(tc, head, [b"{" + b" " * (64 * 1024 - 1)])
    assert (status, body["code"]) == (413, "InputTooLarge") and "52428800 bytes" in body["message"]
    assert sent <= 64 * 1024
    assert_task_absent(api, task_id)
    assert_alive(tc)


def test_a_chunked_body_is_refused_once_10_mb_arrived(api, tc):
    task_id, path = new_task_path()
    head = request_head(
        tc, "PUT", "/api/queue/v1" + path, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    )
    chunk = b"%x\r\n%s\r\n" % (MB, b" " * MB)

    def chunks() -> Iterable[bytes]:  # 100 MB, never terminated: the answer must come before that
        for _ in range(100):
            yield chunk

    status, body, sent = raw_exchange(tc, head, chunks())
    assert (status, body["code"]) == (413, "InputTooLarge") and "more than 10485760 bytes" in body["message"]
    assert MAX_API_BODY_BYTES < sent < 60 * MB
    assert_task_absent(api, task_id)
    assert_alive(tc)


def test_put_urls_keep_taking_large_uploads(api, tc):
    task_id = api.call("PUT", "queue", "/task/" + slugid.nice(), task_definition()).json()["status"]["taskId"]
    claimed = api.call(
        "POST", "queue", "/claim-work/local-prov%2Ftest-worker", {"workerGroup": "g", "workerId": "w", "tasks": 1}
    ).json()["tasks"]
    assert claimed[0]["status"]["taskId"] == task_id
    s3 = {"storageType": "s3", "expires": iso(3600), "contentType": "application/octet-stream"}
    put_url = api.call("POST", "queue", "/task/%s/runs/0/artifacts/public/big" % task_id, s3).json()["putUrl"]
    data = bytes(range(256)) * (12 * MB // 256)
    assert requests.put(put_url, data=data, headers={"Content-Type": "application/octet-stream"}).status_code == 200
    location = api.call("GET", "queue", "/task/%s/runs/0/artifacts/public/big" % task_id).headers["Location"]
    assert requests.get(location).content == data


# -- content types -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        None,
        "application/json; charset=latin1",
        "application/jsonx",
        "multipart/form-data; boundary=x",
    ],
)
def test_bodies_not_sent_as_json_are_400(api, content_type):
    task_id, path = new_task_path()
    body = assert_error(
        send(api, "PUT", "queue", path, json.dumps(task_definition()).encode(), content_type), 400, "MalformedPayload"
    )
    assert body["message"].startswith("Payload must be JSON with content-type: application/json")
    assert (json.dumps(content_type) if content_type else "none") in body["message"]
    assert_task_absent(api, task_id)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", 'Application/JSON; Charset="UTF-8"']
)
def test_json_with_or_without_a_utf8_charset_is_read(api, content_type):
    task_id, path = new_task_path()
    response = send(api, "PUT", "queue", path, json.dumps(task_definition()).encode(), content_type)
    assert response.status_code == 200, response.text
    assert api.call("GET", "queue", path).status_code == 200


def test_bodiless_calls_need_no_content_type_and_other_bodies_must_be_json(api):
    task_id, path = new_task_path()
    assert api.call("PUT", "queue", path, task_definition()).status_code == 200
    assert send(api, "POST", "queue", path + "/cancel", b"", None).status_code == 200  # no body, no type
    # an endpoint that takes no body: a JSON one is parsed (and ignored), another is refused
    assert send(api, "POST", "queue", path + "/cancel", b"{}").status_code == 200
    assert_error(send(api, "POST", "queue", path + "/cancel", b"hello", "text/plain"), 400, "MalformedPayload")
    assert_error(send(api, "POST", "queue", path + "/cancel", b"[NaN]"), 400, "MalformedPayload")
    # an endpoint that takes one: without it
    other_id, other = new_task_path()
    body = assert_error(send(api, "PUT", "queue", other, b"", None), 400, "MalformedPayload")
    assert "needs a JSON body" in body["message"]
    assert_task_absent(api, other_id)


# -- JSON that cannot be represented ------------------------------------------------------------------------------
def _with_payload(text: str) -> bytes:
    return json.dumps(task_definition(payload={"v": "@@"})).replace('"@@"', text).encode()


@pytest.mark.parametrize(
    "body, message",
    [
        (_with_payload("NaN"), "NaN is not a JSON value"),
        (_with_payload("Infinity"), "Infinity is not a JSON value"),
        (_with_payload("[-Infinity]"), "-Infinity is not a JSON value"),
        (_with_payload("1e400"), "the number 1e400 is too large"),
        (_with_payload("-" + "9" * 400), "is too large for a JSON number"),
        (_with_payload('"\\ud800 lone"'), "lone UTF-16 surrogate"),
        (_with_payload('{"\\udfff": 1}'), "lone UTF-16 surrogate"),
        # the definition and its payload are two levels: 101 in all
        (_with_payload("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)), "nested more than 100 levels deep"),
        (_with_payload("[" * 600 + "]" * 600), "nested more than 100 levels deep"),
        (_with_payload("[" * 5000 + "]" * 5000), "nested more than 100 levels deep"),
        (_with_payload('"caf\xe9"').replace(b"\xc3\xa9", b"\xe9"), "not UTF-8"),
        ('{"a": 1}'.encode("utf-16"), "not UTF-8"),
        (b"{not json", "Expecting property name"),
        (b'"a string"', "must be an object or an array, got string"),
        (b"42", "must be an object or an array, got integer"),
        (b"null", "must be an object or an array, got null"),
    ],
)
def test_json_it_cannot_represent_is_400_and_not_stored(api, tc, body, message):
    task_id, path = new_task_path()
    answer = assert_error(send(api, "PUT", "queue", path, body), 400, "MalformedPayload")
    assert answer["message"].startswith("Failed to parse JSON: ") and message in answer["message"], answer
    assert_task_absent(api, task_id)
    assert_alive(tc)


def test_deep_nesting_is_refused_before_credentials_and_scopes(anon):
    task_id, path = new_task_path()
    deep = _with_payload("[" * 600 + "]" * 600)
    # as upstream, the body is parsed first: no 403 for the anonymous caller, and no 500 either
    assert_error(send(anon, "PUT", "queue", path, deep, signed=False), 400, "MalformedPayload")
    invalid = json.loads(_with_payload("1"))
    del invalid["metadata"]
    body = json.dumps(invalid).encode().replace(b'"v": 1', b'"v": ' + b"[" * 600 + b"]" * 600)
    assert_error(send(anon, "PUT", "queue", path, body, signed=False), 400, "MalformedPayload")


def test_nesting_up_to_the_limit_is_stored_and_echoed_in_errors(api):
    task_id, path = new_task_path()
    nested: Any = "leaf"
    for _ in range(MAX_DEPTH - 2):  # the definition and its payload are two levels
        nested = [nested]
    definition = task_definition(payload={"v": nested})
    assert nesting(json.dumps(definition).encode()) == MAX_DEPTH
    assert send(api, "PUT", "queue", path, json.dumps(definition).encode()).status_code == 200
    assert api.call("GET", "queue", path).json()["payload"] == {"v": nested}
    # an invalid definition this deep: its redacted echo in the error (this was a 500)
    del definition["metadata"]
    definition["payload"]["accessToken"] = "SECRET"
    body = assert_error(
        send(api, "PUT", "queue", new_task_path()[1], json.dumps(definition).encode()), 400, "InputValidationError"
    )
    assert body["requestInfo"]["payload"]["payload"] == {"v": nested, "accessToken": "<redacted>"}


def test_nan_is_never_stored_nor_served(api):
    task_id, path = new_task_path()
    assert_error(send(api, "PUT", "queue", path, _with_payload("NaN")), 400, "MalformedPayload")
    assert_error(
        send(api, "PUT", "secrets", "/secret/s", b'{"secret": {"x": NaN}, "expires": "%s"}' % iso(60).encode()),
        400,
        "MalformedPayload",
    )
    assert_error(api.call("GET", "secrets", "/secret/s"), 404, "ResourceNotFound")
    assert_task_absent(api, task_id)


def test_hawk_ext_and_tokens_nested_too_deeply_are_4xx(api):
    url = api.url("auth", "/clients/")
    ext = base64.urlsafe_b64encode(b'{"x":' + b"[" * 1200 + b"]" * 1200 + b"}").decode()
    sender = mohawk.Sender(
        {"id": api.credentials["clientId"], "key": api.credentials["accessToken"], "algorithm": "sha256"},
        url,
        "GET",
        content=b"",
        content_type="",
        ext=ext,
    )
    response = requests.get(url, headers={"Authorization": sender.request_header})
    assert "nested too deeply" in assert_error(response, 401, "AuthenticationFailed")["message"]
    token = base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).decode().rstrip("=")
    response = api.call("GET", "queue", "/task-group/%s/list?continuationToken=%s" % (slugid.nice(), token))
    assert_error(response, 400, "InputError")
    assert api.call("GET", "auth", "/clients/?limit=" + "9" * 5000).status_code == 200
    assert_error(api.call("GET", "auth", "/clients/?limit=%C2%B2"), 400, "InvalidRequestArguments")


def test_numbers_beyond_64_bits_are_stored_as_the_services_would(api):
    rank = 10**30
    body = {"taskId": slugid.nice(), "rank": rank, "data": {}, "expires": iso(3600)}
    assert api.call("PUT", "index", "/task/big.rank", body).status_code == 200
    assert api.call("GET", "index", "/task/big.rank").json()["rank"] == float(rank)
    methods = {"putUrl": {"contentType": "a/b", "contentLength": 10**30}}
    payload = {"projectId": "p", "uploadId": slugid.nice(), "expires": iso(3600), "proposedUploadMethods": methods}
    message = assert_error(api.call("PUT", "object", "/upload/big", payload), 400, "InputValidationError")["message"]
    assert "contentLength must be between 0 and 1073741824" in message
    assert_error(api.call("GET", "object", "/metadata/big"), 404, "ResourceNotFound")


# -- values that end up in headers -------------------------------------------------------------------------------
BAD_HEADER_VALUES = [
    "text/plain\r\nX-Evil: 1",
    "text/plain\n",
    "text/\rplain",
    "text/plain\x00",
    "a\x01b",
    "a\x7fb",
    "a\x85b",
]


def _running_task(api: Api) -> str:
    task_id = api.call("PUT", "queue", "/task/" + slugid.nice(), task_definition()).json()["status"]["taskId"]
    work = {"workerGroup": "g", "workerId": "w", "tasks": 1}
    assert api.call("POST", "queue", "/claim-work/local-prov%2Ftest-worker", work).json()["tasks"]
    return task_id


@pytest.mark.parametrize("storage", ["s3", "object", "reference"])
@pytest.mark.parametrize("value", BAD_HEADER_VALUES)
def test_artifact_content_types_with_control_characters_are_400(api, storage, value):
    task_id = _running_task(api)
    request = {"storageType": storage, "expires": iso(600), "contentType": value}
    if storage == "reference":
        request["url"] = "https://example.com/x"
    path = "/task/%s/runs/0/artifacts/public/x" % task_id
    message = assert_error(api.call("POST", "queue", path, request), 400, "InputValidationError")["message"]
    assert "contentType must not contain CR, LF or other control characters" in message
    assert api.call("GET", "queue", "/task/%s/runs/0/artifacts" % task_id).json()["artifacts"] == []


@pytest.mark.parametrize(
    "url", ["https://x.test/\r\nSet-Cookie: a=b", "https://x.test/\n", "https://x.test/\x00", "https://x.test/\x85"]
)
def test_reference_urls_with_control_characters_are_400(api, url):
    task_id = _running_task(api)
    request = {"storageType": "reference", "expires": iso(600), "contentType": "text/plain", "url": url}
    response = api.call("POST", "queue", "/task/%s/runs/0/artifacts/public/ref" % task_id, request)
    assert_error(response, 400, "InputValidationError")  # the schema's uri format, then the queue's own check
    assert api.call("GET", "queue", "/task/%s/runs/0/artifacts" % task_id).json()["artifacts"] == []


@pytest.mark.parametrize("method", ["dataInline", "putUrl"])
@pytest.mark.parametrize("value", BAD_HEADER_VALUES)
def test_object_content_types_with_control_characters_are_400(api, method, value):
    name = "ct/" + slugid.nice()
    proposed = {
        "dataInline": {"contentType": value, "objectData": base64.b64encode(b"x").decode()},
        "putUrl": {"contentType": value, "contentLength": 1},
    }[method]
    payload = {
        "projectId": "p",
        "uploadId": slugid.nice(),
        "expires": iso(600),
        "proposedUploadMethods": {method: proposed},
    }
    message = assert_error(
        api.call("PUT", "object", "/upload/" + quote(name, safe=""), payload), 400, "InputValidationError"
    )["message"]
    assert "contentType must not contain CR, LF or other control characters" in message
    assert_error(api.call("GET", "object", "/metadata/" + quote(name, safe="")), 404, "ResourceNotFound")


# -- serving others meanwhile ------------------------------------------------------------------------------------
class _Pinger:
    """Pings the deployment in a loop from another thread, recording (start, latency) of each ping."""

    def __init__(self, tc: LocalDeployment) -> None:
        self.url = "%s/api/queue/v1/ping" % tc.rootUrl
        self.samples: List[Tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                start = time.perf_counter()
                assert session.get(self.url, timeout=30).status_code == 200
                self.samples.append((start, time.perf_counter() - start))
                time.sleep(0.005)

    def __enter__(self) -> "_Pinger":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def during(self, start: float, end: float) -> List[float]:
        return [latency for begun, latency in self.samples if start <= begun and begun + latency <= end]


def test_small_requests_are_answered_while_a_9_mb_body_is_validated(api, tc):
    # 9 MB of task tags: each checked against the schema (a string of at most 4096 characters)
    definition = task_definition(tags={"t%06d" % i: "v" for i in range(600000)})
    body = json.dumps(definition).encode()
    assert 9 * MB <= len(body) <= MAX_API_BODY_BYTES
    task_id, path = new_task_path()
    with _Pinger(tc) as pinger:
        time.sleep(0.1)
        start = time.perf_counter()
        response = send(api, "PUT", "queue", path, body)
        end = time.perf_counter()
        time.sleep(0.05)
    assert response.status_code == 200, response.text[:300]
    took = end - start
    latencies = pinger.during(start, end)
    # answered on the event loop, each ping would wait for the whole validation (most of `took`); in a
    # worker, a ping waits at most for one long C call holding the GIL (parsing, ~0.1 s here)
    print("took %.2f s, %d pings, slowest %.3f s" % (took, len(latencies), max(latencies or [0])))
    assert len(latencies) >= 5, (took, latencies)
    assert max(latencies) < min(1.0, took / 2), (took, sorted(latencies)[-5:])
    assert response.json()["status"]["taskId"] == task_id


def test_small_requests_are_answered_while_a_large_object_is_uploaded(api, tc):
    size = 48 * MB
    name = "big/" + slugid.nice()
    methods = {"putUrl": {"contentType": "application/octet-stream", "contentLength": size}}
    payload = {"projectId": "p", "uploadId": slugid.nice(), "expires": iso(600), "proposedUploadMethods": methods}
    answer = api.call("PUT", "object", "/upload/" + quote(name, safe=""), payload).json()
    put = answer["uploadMethod"]["putUrl"]
    data = b"\x00\x01" * (size // 2)
    with _Pinger(tc) as pinger:
        time.sleep(0.1)
        start = time.perf_counter()
        assert requests.put(put["url"], data=data, headers=put["headers"]).status_code == 200
        end = time.perf_counter()
        time.sleep(0.05)
    latencies = pinger.during(start, end)
    assert latencies and max(latencies) < 1.0, (end - start, sorted(latencies)[-5:])
    finished = api.call(
        "POST", "object", "/finish-upload/" + quote(name, safe=""), {"projectId": "p", "uploadId": payload["uploadId"]}
    )
    assert finished.status_code == 200, finished.text


# -- no 500, whatever the body --------------------------------------------------------------------------------
_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "*", "assume:anonymous", "public/x", "2030-01-01T00:00:00.000Z", "a\r\nb", "\x00"])
)
json_values = st.recursive(
    _leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=16,
)
_tokens = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e400",
    b"9" * 400,
    b'"\\ud800"',
    b"{",
    b"[",
    b"]",
    b"}",
    b",",
    b":",
    b'"',
    b"\\",
]
garbage = st.one_of(
    st.binary(max_size=64),
    st.lists(st.sampled_from(_tokens), max_size=12).map(b"".join),
    st.integers(1, 3000).map(lambda n: b'{"a":' + b"[" * n + b"]" * n + b"}"),
    json_values.map(lambda v: json.dumps(v).encode()),
)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", None, "application/json; charset=utf-16"]
)

#: (method, service, path) of endpoints that take a body, with a valid one
_VALID: List[Tuple[str, str, str, Any]] = [
    ("PUT", "queue", "/task/{slug}", task_definition()),
    ("PUT", "auth", "/roles/r-{slug}", {"description": "d", "scopes": ["a:b"]}),
    ("PUT", "auth", "/clients/c-{slug}", {"description": "d", "expires": iso(3600), "scopes": ["a:b"]}),
    ("POST", "auth", "/scopes/expand", {"scopes": ["assume:x"]}),
    ("PUT", "secrets", "/secret/s-{slug}", {"secret": {"a": 1}, "expires": iso(3600)}),
    ("PUT", "index", "/task/ns.{slug}", {"taskId": "{slug}", "rank": 1, "data": {}, "expires": iso(3600)}),
    (
        "PUT",
        "object",
        "/upload/o-{slug}",
        {
            "projectId": "p",
            "uploadId": "{slug}",
            "expires": iso(3600),
            "proposedUploadMethods": {"putUrl": {"contentType": "a/b", "contentLength": 3}},
        },
    ),
    ("POST", "purge-cache", "/purge-cache/prov%2Fwt", {"cacheName": "c"}),
    ("POST", "queue", "/claim-work/local-prov%2Fnone", {"workerGroup": "g", "workerId": "w", "tasks": 1}),
    ("POST", "auth", "/test-authenticate", {"clientScopes": ["a:*"], "requiredScopes": ["a:b"]}),
    ("POST", "auth", "/roles/{slug}", {"description": "d", "scopes": []}),
    ("PUT", "object", "/start-download/o-{slug}", {"acceptDownloadMethods": {"getUrl": True}}),
    (
        "PUT",
        "object",
        "/upload/i-{slug}",
        {
            "projectId": "p",
            "uploadId": "{slug}",
            "expires": iso(3600),
            "proposedUploadMethods": {"dataInline": {"contentType": "a/b", "objectData": "eA=="}},
            "hashes": {"sha256": "0" * 64},
        },
    ),
    (
        "POST",
        "queue",
        "/task/{running}/runs/0/artifacts/public/{slug}",
        {"storageType": "reference", "expires": iso(600), "contentType": "a/b", "url": "https://example.com/"},
    ),
    (
        "POST",
        "queue",
        "/task/{running}/runs/0/artifacts/public/e-{slug}",
        {"storageType": "error", "expires": iso(600), "reason": "file-missing-on-worker", "message": "m"},
    ),
    ("PUT", "queue", "/task/{running}/runs/0/artifacts/public/{slug}", {"uploadId": "{slug}"}),
    ("POST", "queue", "/task/{running}/schedule", {}),
]


#: endpoints that check credentials of their own
_CREDENTIALS = {"/test-authenticate": {"clientId": "tester", "accessToken": "no-secret"}}


def _fill(value: Any, slug: str, running: str) -> Any:
    if isinstance(value, str):
        return value.replace("{slug}", slug).replace("{running}", running)
    if isinstance(value, list):
        return [_fill(v, slug, running) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, slug, running) for k, v in value.items()}
    return value


def _paths(value: Any, prefix: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, prefix + (index,))
    return found


def _replace(value: Any, path: Tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = new
    return copy


def _assert_not_500(response: requests.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400:
        assert response.headers["Content-Type"].startswith("application/json")
        assert isinstance(response.json()["code"], str)


_property = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def running(api):
    return _running_task(api)


@_property
@given(endpoint=st.sampled_from(_VALID), body=garbage, content_type=content_types)
def test_no_body_makes_it_answer_500(api, running, endpoint, body, content_type):
    method, service, path, _ = endpoint
    url = _fill(path, slugid.nice(), running)
    _assert_not_500(send(api, method, service, url, body, content_type, credentials=_CREDENTIALS.get(path)))


@_property
@given(endpoint=st.sampled_from(_VALID), data=st.data())
def test_no_change_to_a_valid_payload_makes_it_answer_500(api, running, endpoint, data):
    method, service, path, valid = endpoint
    slug = slugid.nice()
    valid = _fill(valid, slug, running)
    where = data.draw(st.sampled_from(_paths(valid)))
    payload = _replace(valid, where, data.draw(json_values))
    url = _fill(path, slug, running)
    _assert_not_500(send(api, method, service, url, json.dumps(payload).encode(), credentials=_CREDENTIALS.get(path)))

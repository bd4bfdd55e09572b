"""The sync fast path (a client's own session: a `PreparedRequest` sent with `Session.send`, the environment's settings
cached per host) behaves as `Session.request` would: libraries that hook requests see every request, proxies and
`NO_PROXY` apply (also when they change after the client was made), `REQUESTS_CA_BUNDLE` is used, and a session the
caller changed goes the long way."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests
import responses

import taskcluster
from taskcluster.exceptions import TaskclusterConnectionError

STATUS = {"status": {"taskId": "T", "state": "pending"}}
CREDENTIALS = {"clientId": "tester", "accessToken": "no-secret"}


class Recorder(BaseHTTPRequestHandler):
    """Answers every request with the status JSON (or refuses CONNECT), recording its request line and headers."""

    seen: List[Tuple[str, str, Dict[str, str]]]

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        self.seen.append((self.command, self.path, dict(self.headers)))
        if self.command == "CONNECT":
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.close_connection = True
            return
        data = json.dumps(STATUS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_CONNECT = _answer


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: List[ThreadingHTTPServer] = []

    def start() -> Tuple[str, List[Tuple[str, str, Dict[str, str]]]]:
        handler = type("Handler", (Recorder,), {"seen": []})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return "http://127.0.0.1:%d" % server.server_port, handler.seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def used_fast_path(client: taskcluster.Queue) -> bool:
    fast = client._fast
    return fast is not None and any(fast._settings.values())


@responses.activate
def test_responses_sees_fast_path_requests():
    responses.add(responses.GET, "https://tc.example.com/api/queue/v1/task/T/status", json=STATUS)
    with taskcluster.Queue({"rootUrl": "https://tc.example.com", "credentials": CREDENTIALS}) as queue:
        assert queue.status("T") == STATUS
        assert used_fast_path(queue)
    (call,) = responses.calls
    assert call.request.headers["Authorization"].startswith('Hawk id="tester"')
    assert call.request.headers["User-Agent"].startswith("taskcluster-python/")


def test_a_mock_of_session_send_sees_fast_path_requests(monkeypatch: pytest.MonkeyPatch):
    sent: List[Tuple[requests.PreparedRequest, Dict[str, Any]]] = []

    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        sent.append((request, kwargs))
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(STATUS).encode()
        response.headers["Content-Length"] = str(len(response._content))
        response.request = request
        return response

    monkeypatch.setattr(requests.Session, "send", send)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/our-test-ca.pem")
    with taskcluster.Queue({"rootUrl": "https://tc.example.com", "credentials": CREDENTIALS}) as queue:
        assert queue.createTask("T", {"k": "v"}) == STATUS
        assert used_fast_path(queue)
    ((request, kwargs),) = sent
    assert request.method == "PUT" and request.url == "https://tc.example.com/api/queue/v1/task/T"
    assert request.body == b'{"k":"v"}' and request.headers["Content-Length"] == "9"
    assert request.headers["Content-Type"] == "application/json"
    assert kwargs["verify"] == "/etc/our-test-ca.pem" and kwargs["allow_redirects"] is False and kwargs["stream"]


def test_https_proxy_set_after_the_client_was_made_is_used(serve: Any, monkeypatch: pytest.MonkeyPatch):
    proxy, through_proxy = serve()
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com", "maxRetries": 0})
    with queue:
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        with pytest.raises(TaskclusterConnectionError):
            queue.status("T")
    assert [(method, path) for method, path, _ in through_proxy] == [("CONNECT", "tc.example.com:443")]


def test_http_proxy_and_no_proxy(serve: Any, monkeypatch: pytest.MonkeyPatch):
    proxy, through_proxy = serve()
    root_url, direct = serve()
    monkeypatch.setenv("HTTP_PROXY", proxy)
    with taskcluster.Queue({"rootUrl": root_url}) as queue:
        assert queue.status("T") == STATUS
        assert [path for _, path, _ in through_proxy] == [root_url + "/api/queue/v1/task/T/status"] and not direct
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert queue.status("T") == STATUS
        assert len(through_proxy) == 1 and [path for _, path, _ in direct] == ["/api/queue/v1/task/T/status"]
        assert used_fast_path(queue)


def test_a_session_the_caller_changed_keeps_full_request_semantics(serve: Any):
    root_url, seen = serve()
    with taskcluster.Queue({"rootUrl": root_url}) as queue:
        queue.session.cookies.set("flavour", "oatmeal")
        queue.session.params = {"extra": "1"}
        assert queue.status("T") == STATUS
        assert not used_fast_path(queue)
    ((_, path, headers),) = seen
    assert path == "/api/queue/v1/task/T/status?extra=1" and headers["Cookie"] == "flavour=oatmeal"

"""A loopback HTTP server that records every request and answers 200 ``{}``, or scripted answers in order.

Independent of the client under test: stdlib `http.server` only. The raw request target is kept, so a test compares
the percent-encoded path exactly as it went on the wire.
"""

import json
import threading
import urllib.parse
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Deque, Dict, List, Tuple


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived: method, raw path, raw query, headers (names lower-cased) and body bytes."""

    method: str
    path: str
    query: str
    headers: Dict[str, str]
    body: bytes

    def pairs(self) -> Tuple[Tuple[str, str], ...]:
        """The decoded query pairs, sorted (as the oracle describes googleapiclient's query)."""
        return tuple(sorted(urllib.parse.parse_qsl(self.query, keep_blank_values=True)))

    def json(self) -> Any:
        """The parsed JSON body, or None when there is no body."""
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Answer:
    """A scripted answer: a status and a JSON body."""

    status: int = 200
    body: Any = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.recorder._record(Recorded(self.command, path, query, headers, body))
        data = json.dumps({} if answer.body is None else answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests look at `Recorder.requests`, not at a log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    recorder: "Recorder"


class Recorder:
    """The server, its thread, the requests seen so far and the answers still scripted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: List[Recorded] = []
        self._answers: Deque[Answer] = deque()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.recorder = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="discovery-recorder", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The root URL of the server (no trailing slash)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *answers: Answer) -> None:
        """Answer the next requests with these, in order; then 200 ``{}`` again."""
        with self._lock:
            self._answers.extend(answers)

    def reset(self) -> None:
        """Forget the requests seen and the answers not used."""
        with self._lock:
            self.requests.clear()
            self._answers.clear()

    def _record(self, request: Recorded) -> Answer:
        with self._lock:
            self.requests.append(request)
            return self._answers.popleft() if self._answers else Answer()

    def only(self) -> Recorded:
        """The one request seen since the last reset (fails when there were more or none)."""
        with self._lock:
            assert len(self.requests) == 1, f"expected one request, saw {len(self.requests)}: {self.requests!r}"
            return self.requests[0]

    def close(self) -> None:
        """Stop the server and wait for its thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

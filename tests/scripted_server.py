"""A loopback HTTP server that answers from a script and checks every Hawk header and bewit with mohawk.

It is deliberately independent of the client under test: stdlib http.server for HTTP, mohawk for Hawk.
"""

import base64
import json
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Deque, Dict, List, Optional

import mohawk
import mohawk.bewit
import mohawk.exc

CLIENT_ID = "tester"
ACCESS_TOKEN = "tester-access-token-0123456789"
CREDENTIALS = {CLIENT_ID: ACCESS_TOKEN}


def mohawk_bewit_url(url: str) -> str:
    """Rewrite a Taskcluster bewit (URL-safe base64, unpadded) into the padded standard base64 that
    mohawk's `check_bewit` decodes, leaving the rest of the URL as it was."""
    head, _, query = url.partition("?")
    parts = []
    for item in query.split("&"):
        if item.startswith("bewit="):
            raw = item[len("bewit=") :]
            raw += "=" * (-len(raw) % 4)
            item = "bewit=" + base64.b64encode(base64.urlsafe_b64decode(raw)).decode()
        parts.append(item)
    return head + "?" + "&".join(parts)


class Reply:
    """A scripted answer: status, JSON or raw body and headers; or a fault.

    Faults: 'drop' closes the socket without answering, 'stall' never answers.
    """

    def __init__(
        self,
        status: int = 200,
        json_body: Any = None,
        body: Optional[bytes] = None,
        headers: Optional[Dict[str, str]] = None,
        fault: Optional[str] = None,
    ) -> None:
        self.status = status
        self.fault = fault
        self.headers = dict(headers or {})
        if json_body is not None:
            self.body = json.dumps(json_body).encode()
            self.headers.setdefault("Content-Type", "application/json")
        else:
            self.body = body or b""


DROP = Reply(fault="drop")
STALL = Reply(fault="stall")


class Recorded:
    """One request as the server saw it, with the result of verifying its Hawk header or bewit."""

    def __init__(self, method: str, path: str, headers: Dict[str, str], body: bytes, peer: Any = None) -> None:
        self.peer = peer
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.hawk: Optional[Dict[str, Any]] = None
        self.hawk_error: Optional[str] = None
        self.at = time.monotonic()

    @property
    def signed(self) -> bool:
        return self.hawk is not None


class ScriptedServer:
    """Serves scripted replies on 127.0.0.1 (default reply: 200 echoing the request as JSON)."""

    def __init__(self, credentials: Optional[Dict[str, str]] = None) -> None:
        self.credentials = dict(CREDENTIALS if credentials is None else credentials)
        self.script: Deque[Reply] = deque()
        self.requests: List[Recorded] = []
        self.nonces: Dict[str, int] = {}
        self._lock = threading.Lock()
        self._stalled: List[socket.socket] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server._serve(self, body)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.root_url = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        for sock in self._stalled:
            try:
                sock.close()
            except OSError:
                pass

    def add(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def _seen_nonce(self, sender_id: str, nonce: str, timestamp: str) -> bool:
        key = "%s:%s:%s" % (sender_id, nonce, timestamp)
        with self._lock:
            self.nonces[key] = self.nonces.get(key, 0) + 1
            return self.nonces[key] > 1

    def _verify(self, record: Recorded, url: str) -> None:
        def lookup(client_id: str) -> Dict[str, str]:
            if client_id not in self.credentials:
                raise LookupError(client_id)
            return {"id": client_id, "key": self.credentials[client_id], "algorithm": "sha256"}

        auth = record.headers.get("Authorization")
        try:
            if auth:
                receiver = mohawk.Receiver(
                    lookup,
                    auth,
                    url,
                    record.method,
                    content=record.body,
                    content_type=record.headers.get("Content-Type", ""),
                    seen_nonce=self._seen_nonce,
                )
                record.hawk = dict(receiver.parsed_header)
            elif "bewit=" in url:
                if not mohawk.bewit.check_bewit(mohawk_bewit_url(url), lookup):
                    raise mohawk.exc.HawkFail("bewit refused")
                record.hawk = {"bewit": True}
        except (mohawk.exc.HawkFail, LookupError) as exc:
            record.hawk_error = "%s: %s" % (type(exc).__name__, exc)

    def _serve(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        record = Recorded(handler.command, handler.path, dict(handler.headers.items()), body, handler.client_address)
        self._verify(record, self.root_url + handler.path)
        with self._lock:
            self.requests.append(record)
            reply = self.script.popleft() if self.script else None
        if reply is None:
            reply = Reply(
                200,
                json_body={
                    "method": record.method,
                    "path": record.path,
                    "body": body.decode("utf-8", "replace"),
                    "signed": record.signed,
                    "hawkError": record.hawk_error,
                },
            )
        if reply.fault == "drop":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.fault == "stall":
            self._stalled.append(handler.connection)
            time.sleep(5)
            handler.close_connection = True
            return
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(reply.body)

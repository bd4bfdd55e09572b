"""A loopback server that writes scripted raw bytes, for the faults HTTP libraries will not produce: garbage status
lines, oversized header lines, bodies dripped a byte at a time, compression bombs, bodies larger than they say.

Each accepted connection reads one request (head and Content-Length body), then plays the next script entry and
closes the connection. An entry is a list of steps:

- ``bytes``: written at once;
- ``Drip(data, interval)``: written one byte every `interval` seconds (until the client goes away);
- ``Pause(seconds)``: nothing for a while;
- an iterable of ``bytes`` (e.g. a generator): each chunk written as it comes, for large bodies.

With an empty script the server answers ``200 {"ok": true}``. It is independent of the client under test (stdlib
sockets only).
"""

import json
import socket
import threading
import time
from collections import deque
from typing import Any, Deque, Dict, Iterable, List, Optional, Union


class Drip:
    """Write `data` one byte at a time, waiting `interval` seconds before each byte."""

    def __init__(self, data: bytes, interval: float) -> None:
        self.data = data
        self.interval = interval


class Pause:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Step = Union[bytes, Drip, Pause, Iterable[bytes]]


def response_head(status: int = 200, headers: Optional[Dict[str, str]] = None, reason: str = "OK") -> bytes:
    """A status line and headers (with `Connection: close`), ending with the blank line."""
    lines = ["HTTP/1.1 %d %s" % (status, reason)]
    for name, value in (headers or {}).items():
        lines.append("%s: %s" % (name, value))
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def http_response(status: int = 200, body: bytes = b"", headers: Optional[Dict[str, str]] = None) -> List[Step]:
    """A complete answer with a Content-Length."""
    all_headers = {"Content-Length": str(len(body))}
    all_headers.update(headers or {})
    return [response_head(status, all_headers), body]


def json_response(value: Any, status: int = 200) -> List[Step]:
    return http_response(status, json.dumps(value).encode(), {"Content-Type": "application/json"})


class RawServer:
    """Serves scripted raw answers on 127.0.0.1; `requests` holds the head of every request received."""

    def __init__(self) -> None:
        self.script: Deque[List[Step]] = deque()
        self.requests: List[bytes] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._connections: List[socket.socket] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.root_url = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._accept, name="raw-server", daemon=True)
        self._thread.start()

    def add(self, *entries: List[Step]) -> None:
        with self._lock:
            self.script.extend(entries)

    def close(self) -> None:
        self._closing.set()
        self._thread.join(5)
        self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.close()
            except OSError:
                pass

    def __enter__(self) -> "RawServer":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                connection, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _read_request(self, connection: socket.socket) -> Optional[bytes]:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = connection.recv(65536)
            if not chunk:
                break
            rest += chunk
        return head

    def _serve(self, connection: socket.socket) -> None:
        try:
            connection.settimeout(30)
            head = self._read_request(connection)
            if head is None:
                return
            with self._lock:
                self.requests.append(head)
                entry = self.script.popleft() if self.script else json_response({"ok": True})
            for step in entry:
                if self._closing.is_set():
                    return
                if isinstance(step, bytes):
                    connection.sendall(step)
                elif isinstance(step, Drip):
                    for index in range(len(step.data)):
                        if self._closing.wait(step.interval):
                            return
                        connection.sendall(step.data[index : index + 1])
                elif isinstance(step, Pause):
                    if self._closing.wait(step.seconds):
                        return
                else:
                    for chunk in step:
                        connection.sendall(chunk)
            try:
                connection.shutdown(socket.SHUT_WR)
                # wait for the client to close, so it reads everything before the reset of a close
                connection.settimeout(2)
                while connection.recv(65536):
                    pass
            except OSError:
                pass
        except OSError:
            pass  # the client went away: that is what many of these scripts provoke
        finally:
            try:
                connection.close()
            except OSError:
                pass
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)


def zeros(total: int, chunk: int = 1 << 20) -> Iterable[bytes]:
    """`total` zero bytes in chunks, without holding them all."""
    block = b"\0" * chunk
    sent = 0
    while sent < total:
        size = min(chunk, total - sent)
        yield block if size == chunk else block[:size]
        sent += size


def gzip_of_zeros(size: int) -> bytes:
    """A gzip member inflating to `size` zero bytes (about size / 1000 bytes compressed)."""
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    parts = [compressor.compress(chunk) for chunk in zeros(size)]
    parts.append(compressor.flush())
    return b"".join(parts)


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())

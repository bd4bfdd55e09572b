"""A tiny fake Queue for the benchmarks: raw asyncio HTTP/1.1 keep-alive server, standard library only.

    python bench/server.py [--port 0] [--group-size 100000] [--page 1000] [--max-seconds 3600]

Prints `listening on http://127.0.0.1:PORT` once it accepts connections, then serves (under the
new-style root URL layout, so the root URL is `http://127.0.0.1:PORT`):

    GET  /api/queue/v1/ping
    GET  /api/queue/v1/task/<taskId>/status                  ~1 KB task status JSON
    PUT  /api/queue/v1/task/<taskId>                         reads the body, answers the status JSON
    GET  /api/queue/v1/task-group/<id>/list?limit=&continuationToken=
                                                             pages of ~1.3 KB task entries
    anything else                                            404

Everything is kept as cheap as possible so that the client, not the server, dominates the timings:
the request line and headers are parsed by hand, responses are rendered once at start (the pages for
`--page` entries per page; other limits are rendered on first use and cached), and Hawk is NOT
verified (bench/hawk_by_hand.py checks the bench's own signing against mohawk instead). It binds to
127.0.0.1 only and exits after --max-seconds, on SIGTERM/SIGINT, or when its stdin is closed with
--exit-on-stdin-eof.
"""

import argparse
import asyncio
import base64
import json
import os
import signal
import sys
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qs

PREFIX = b"/api/queue/v1/"
MAX_HEAD = 64 * 1024
MAX_LIMIT = 1000


def task_id(number: int) -> str:
    """A slugid-shaped (22 characters, URL-safe base64) id that is unique per number."""
    return base64.urlsafe_b64encode(number.to_bytes(16, "big")).decode("ascii")[:22]


GROUP_ID = task_id(7)


def status_document(tid: str, runs: int = 2) -> dict:
    run_list = []
    for run_id in range(runs):
        last = run_id == runs - 1
        run_list.append(
            {
                "runId": run_id,
                "state": "completed" if last else "exception",
                "reasonCreated": "scheduled" if run_id == 0 else "retry",
                "reasonResolved": "completed" if last else "worker-shutdown",
                "workerGroup": "us-east1",
                "workerId": f"bench-worker-{run_id:04d}",
                "takenUntil": "2030-01-01T00:20:00.000Z",
                "scheduled": "2030-01-01T00:00:00.000Z",
                "started": "2030-01-01T00:00:01.000Z",
                "resolved": "2030-01-01T00:10:00.000Z",
            }
        )
    return {
        "taskId": tid,
        "provisionerId": "proj-bench",
        "workerType": "ci-linux-large",
        "taskQueueId": "proj-bench/ci-linux-large",
        "schedulerId": "taskcluster-github",
        "projectId": "bench",
        "taskGroupId": GROUP_ID,
        "deadline": "2030-01-02T00:00:00.000Z",
        "expires": "2031-01-01T00:00:00.000Z",
        "retriesLeft": 4,
        "state": "completed",
        "runs": run_list,
    }


def task_definition() -> dict:
    return {
        "provisionerId": "proj-bench",
        "workerType": "ci-linux-large",
        "taskQueueId": "proj-bench/ci-linux-large",
        "schedulerId": "taskcluster-github",
        "projectId": "bench",
        "taskGroupId": GROUP_ID,
        "dependencies": [],
        "requires": "all-completed",
        "routes": ["checks"],
        "priority": "lowest",
        "retries": 5,
        "created": "2030-01-01T00:00:00.000Z",
        "deadline": "2030-01-02T00:00:00.000Z",
        "expires": "2031-01-01T00:00:00.000Z",
        "scopes": [],
        "payload": {
            "image": "bench/build:latest",
            "command": ["make", "test"],
            "maxRunTime": 3600,
            "env": {},
        },
        "metadata": {
            "name": "bench build linux64/opt",
            "description": "",
            "owner": "bench@example.com",
            "source": "https://github.com/example/bench",
        },
        "tags": {"kind": "build"},
    }


def render(status: int, reason: str, body: bytes, close: bool = False) -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
    head += f"Content-Length: {len(body)}\r\n"
    if close:
        head += "Connection: close\r\n"
    return head.encode("ascii") + b"\r\n" + body


def dumps(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


class Pages:
    """listTaskGroup pages: an entry template filled with each task id, joined per page once."""

    def __init__(self, group_size: int, default_limit: int) -> None:
        placeholder = b"@" * 22
        template = dumps({"status": status_document(placeholder.decode(), runs=1), "task": task_definition()})
        pieces = template.split(placeholder)
        self.entries: List[bytes] = [task_id(1000 + n).encode("ascii").join(pieces) for n in range(group_size)]
        self.entry_size = len(self.entries[0]) if self.entries else 0
        self.cache: Dict[Tuple[int, int], bytes] = {}
        for offset in range(0, max(group_size, 1), default_limit):
            self.page(offset, default_limit)

    def page(self, offset: int, limit: int) -> bytes:
        key = (offset, limit)
        response = self.cache.get(key)
        if response is None:
            end = offset + limit
            body = (
                b'{"taskGroupId":"%s","schedulerId":"taskcluster-github","expires":"2031-01-01T00:00:00.000Z",'
                b'"tasks":[%s]' % (GROUP_ID.encode("ascii"), b",".join(self.entries[offset:end]))
            )
            if end < len(self.entries):
                body += b',"continuationToken":"%s"' % base64.urlsafe_b64encode(b"offset:%d" % end).rstrip(b"=")
            response = self.cache[key] = render(200, "OK", body + b"}")
        return response


def parse_token(token: str) -> Optional[int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return None
    if not raw.startswith(b"offset:") or not raw[7:].isdigit():
        return None
    return int(raw[7:])


class Routes:
    def __init__(self, group_size: int, page: int) -> None:
        self.ping = render(200, "OK", dumps({"alive": True, "uptime": 1.0}))
        self.status = render(200, "OK", dumps({"status": status_document(task_id(42))}))
        self.not_found = render(404, "Not Found", dumps({"code": "ResourceNotFound", "message": "no such route"}))
        self.bad_request = render(400, "Bad Request", dumps({"code": "InputError", "message": "bad query"}))
        self.pages = Pages(group_size, page)

    def respond(self, method: bytes, target: bytes) -> bytes:
        if not target.startswith(PREFIX):
            return self.not_found
        path, _, query = target[len(PREFIX) :].partition(b"?")
        parts = path.split(b"/")
        if method == b"GET":
            if len(parts) == 3 and parts[0] == b"task" and parts[2] == b"status" and parts[1]:
                return self.status
            if path == b"ping":
                return self.ping
            if len(parts) == 3 and parts[0] == b"task-group" and parts[2] == b"list" and parts[1]:
                return self.list_page(query)
        elif method == b"PUT" and len(parts) == 2 and parts[0] == b"task" and parts[1]:
            return self.status
        return self.not_found

    def list_page(self, query: bytes) -> bytes:
        args = parse_qs(query.decode("latin-1"))
        try:
            limit = min(int(args.get("limit", [MAX_LIMIT])[0]), MAX_LIMIT)
        except ValueError:
            return self.bad_request
        offset = 0
        if "continuationToken" in args:
            parsed = parse_token(args["continuationToken"][0])
            if parsed is None:
                return self.bad_request
            offset = parsed
        if limit < 1:
            return self.bad_request
        return self.pages.page(offset, limit)


class HttpProtocol(asyncio.Protocol):
    """One connection: parse requests as they arrive (pipelining works), answer each in order."""

    routes: Routes

    def __init__(self) -> None:
        self.transport: Optional[asyncio.Transport] = None
        self.buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        transport = self.transport
        assert transport is not None
        while buffer:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    transport.write(render(431, "Request Header Fields Too Large", b"{}", close=True))
                    transport.close()
                    buffer.clear()
                return
            lines = bytes(buffer[:end]).split(b"\r\n")
            request_line = lines[0].split(b" ")
            if len(request_line) != 3:
                transport.write(render(400, "Bad Request", b"{}", close=True))
                transport.close()
                buffer.clear()
                return
            method, target, version = request_line
            length = 0
            keep_alive = version == b"HTTP/1.1"
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    value = value.strip().lower()
                    keep_alive = value != b"close" and (keep_alive or value == b"keep-alive")
                elif name == b"transfer-encoding":
                    transport.write(render(501, "Not Implemented", b"{}", close=True))
                    transport.close()
                    buffer.clear()
                    return
            total = end + 4 + length
            if len(buffer) < total:
                return  # wait for the rest of the body; it is read, then ignored
            del buffer[:total]
            transport.write(self.routes.respond(method, target))
            if not keep_alive:
                transport.close()
                buffer.clear()
                return

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.transport = None


async def serve(args: argparse.Namespace) -> None:
    HttpProtocol.routes = Routes(args.group_size, args.page)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HttpProtocol, "127.0.0.1", args.port, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    stop = loop.create_future()

    def finish() -> None:
        if not stop.done():
            stop.set_result(None)

    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, finish)
        except (NotImplementedError, RuntimeError):
            pass
    loop.call_later(args.max_seconds, finish)
    if args.exit_on_stdin_eof:
        stdin = sys.stdin.fileno()

        def on_stdin() -> None:
            if not os.read(stdin, 4096):
                loop.remove_reader(stdin)
                finish()

        loop.add_reader(stdin, on_stdin)
    async with server:
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--group-size", type=int, default=100000, help="tasks in the listTaskGroup group")
    parser.add_argument("--page", type=int, default=1000, help="page size to pre-render (limit is capped at 1000)")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="exit after this many seconds")
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="also exit when stdin is closed")
    args = parser.parse_args()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()

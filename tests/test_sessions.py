"""Transport behaviour of the two drivers: connection reuse, sessions, hooks, concurrency, cancellation."""

import asyncio

import pytest
import requests
import responses

import taskcluster
import taskcluster.aio
from scripted_server import ACCESS_TOKEN, CLIENT_ID, STALL


def test_sync_client_reuses_one_connection(server, options):
    queue = taskcluster.Queue(options)
    for _ in range(5):
        queue.ping()
    assert len({r.peer for r in server.requests}) == 1
    queue.close()


class CountingSession(requests.Session):
    closes = 0

    def close(self):
        self.closes += 1
        super().close()


def test_sync_client_uses_a_given_session_and_leaves_it_open(server, options):
    session = CountingSession()
    with taskcluster.Queue(options, session=session) as queue:
        queue.ping()
        assert queue.session is session
    assert session.closes == 0
    with taskcluster.Queue(options) as own:
        own.ping()
        owned = own.session
    assert isinstance(owned, requests.Session) and own._session is None
    session.close()


@responses.activate
def test_libraries_that_hook_requests_see_our_calls():
    responses.add(responses.GET, "https://tc.example.com/api/queue/v1/task/T/status", json={"status": {"state": "x"}})
    credentials = {"clientId": "a", "accessToken": "b"}
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com", "credentials": credentials})
    assert queue.status("T") == {"status": {"state": "x"}}
    assert responses.calls[0].request.headers["Authorization"].startswith("Hawk ")


def test_async_given_session_is_used_and_never_closed(server, options):
    async def run():
        session = taskcluster.aio.createSession(loop=object())  # the obsolete loop= is ignored
        queue = taskcluster.aio.Queue(options, session=session)
        await queue.ping()
        async with taskcluster.aio.Queue(options, session=session) as q2:
            await q2.ping()
        assert not session.closed
        await session.close()

    asyncio.run(run())
    assert len({r.peer for r in server.requests}) == 1


def test_async_with_owns_and_closes_its_session(server, options):
    async def run():
        async with taskcluster.aio.Queue(options) as queue:
            await queue.ping()
            await queue.ping()
            session = queue.session
        assert session.closed and queue.session is None

    asyncio.run(run())
    assert len({r.peer for r in server.requests}) == 1


def test_async_without_session_leaves_nothing_unclosed(server, options):
    async def run():
        queue = taskcluster.aio.Queue(options)
        assert await queue.ping()
        assert [page async for page in queue.listTaskGroup.pages("G")]
        await queue.close()

    asyncio.run(run())  # pyproject turns ResourceWarning and unraisable warnings into errors
    assert len(server.requests) == 2


def test_200_concurrent_calls_through_one_session(server, options):
    async def run():
        async with taskcluster.aio.createSession() as session:
            queue = taskcluster.aio.Queue(options, session=session)
            return await asyncio.gather(*(queue.status("task%d" % i) for i in range(200)))

    results = asyncio.run(run())
    assert sorted(r["path"] for r in results) == sorted("/api/queue/v1/task/task%d/status" % i for i in range(200))
    assert len(server.requests) == 200
    for record in server.requests:
        assert record.signed, record.hawk_error
    assert len({r.hawk["nonce"] for r in server.requests}) == 200
    assert all(count == 1 for count in server.nonces.values())


def test_cancellation_propagates_and_closes_the_connection():
    async def run():
        accepted = asyncio.Event()
        closed = asyncio.Event()

        async def silent(reader, writer):
            accepted.set()
            await reader.readuntil(b"\r\n\r\n")
            if await reader.read(1) == b"":  # the client hung up
                closed.set()
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        options = {
            "rootUrl": "http://127.0.0.1:%d" % port,
            "credentials": {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN},
        }
        async with taskcluster.aio.Queue(options) as queue:
            call = asyncio.ensure_future(queue.ping())
            await asyncio.wait_for(accepted.wait(), 5)
            await asyncio.sleep(0.05)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            await asyncio.wait_for(closed.wait(), 5)
        server.close()
        await server.wait_closed()

    asyncio.run(run())


def test_async_timeout_is_a_connection_error(server, options):
    server.add(STALL)

    async def run():
        async with taskcluster.aio.Queue(dict(options, timeout=0.3, maxRetries=0)) as queue:
            await queue.ping()

    with pytest.raises(taskcluster.TaskclusterConnectionError):
        asyncio.run(run())


def test_async_pagination_handler_may_be_a_coroutine(server, options):
    from scripted_server import Reply

    server.add(Reply(200, json_body={"tasks": [1], "continuationToken": "a"}), Reply(200, json_body={"tasks": [2]}))
    seen = []

    async def handler(page):
        await asyncio.sleep(0)
        seen.extend(page["tasks"])

    async def run():
        async with taskcluster.aio.Queue(options) as queue:
            return await queue.listTaskGroup("G", paginationHandler=handler)

    assert asyncio.run(run()) is None
    assert seen == [1, 2]


def test_a_given_session_still_maps_transport_errors(tmp_path):
    """In a fresh process (requests not yet imported by us), a caller's session and a refused connection."""
    import subprocess
    import sys

    script = (
        "import requests, taskcluster\n"
        "q = taskcluster.Queue({'rootUrl': 'http://127.0.0.1:9', 'maxRetries': 0}, session=requests.Session())\n"
        "try:\n"
        "    q.ping()\n"
        "except taskcluster.TaskclusterConnectionError as exc:\n"
        "    print('mapped', type(exc.superExc).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("mapped ConnectionError"), out.stderr


def test_async_pagination_handler_returning_a_future_is_awaited(server, options):
    from scripted_server import Reply

    server.add(Reply(200, json_body={"tasks": [1], "continuationToken": "a"}), Reply(200, json_body={"tasks": [2]}))
    seen = []

    def handler(page):
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.01, lambda: (seen.extend(page["tasks"]), future.set_result(None)))
        return future

    async def run():
        async with taskcluster.aio.Queue(options) as queue:
            await queue.listTaskGroup("G", paginationHandler=handler)
        return list(seen)

    assert asyncio.run(run()) == [1, 2]

"""The async driver of the object transfer flows (`taskcluster._transfer`): aiohttp for the bytes, one session
per transfer. Readers and writers have async `read`/`write`; their factories are async callables."""

import asyncio
import functools
import inspect
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, List, Optional, TypeVar

from .._transfer import (
    CHUNK_SIZE,
    AsyncReader,
    AsyncWriter,
    Fetch,
    Flow,
    Meter,
    ObjectClient,
    Put,
    ReadAll,
    ServiceCall,
    Sleep,
    Transferred,
    content_type_of,
    error_detail,
)

if TYPE_CHECKING:
    import aiohttp

    from ..generated.aio.object import Object

__all__ = ["AsyncDriver", "call_service", "run"]

#: connect and per-read seconds for each storage request
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0

_T = TypeVar("_T")


async def call_service(service: Any, method: str, *args: Any) -> Any:
    """`service.<method>(*args)`, awaited when it returns an awaitable; a sync `taskcluster` client's blocking call
    runs in the default executor so the event loop keeps going."""
    from ..client import BaseClient

    bound = getattr(service, method)
    if isinstance(service, BaseClient):
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(bound, *args))
    result = bound(*args)
    return await result if inspect.isawaitable(result) else result


async def _body(reader: AsyncReader, meter: Meter) -> AsyncIterator[bytes]:
    read = reader.read
    while True:
        size = meter.want()
        if size == 0:
            meter.end(await read(1))
            return
        yield meter.take(await read(size))


class AsyncDriver:
    """Runs flows with aiohttp; `reader_factory()` / `writer_factory()` are async and give fresh readers / writers."""

    def __init__(
        self,
        reader_factory: Optional[Callable[[], Awaitable[AsyncReader]]] = None,
        writer_factory: Optional[Callable[[], Awaitable[AsyncWriter]]] = None,
    ) -> None:
        self.reader_factory = reader_factory
        self.writer_factory = writer_factory
        self._session: Optional[aiohttp.ClientSession] = None
        self._clients: List[Object] = []

    async def run(self, flow: "Flow[_T]") -> _T:
        try:
            action = next(flow)
            while True:
                action = flow.send(await self._perform(action))
        except StopIteration as stop:
            result: _T = stop.value
            return result
        finally:
            flow.close()
            await self._close()

    async def _perform(self, action: Any) -> Any:
        if isinstance(action, ServiceCall):
            return await call_service(action.service, action.method, *action.args)
        if isinstance(action, Put):
            return await self._put(action)
        if isinstance(action, Fetch):
            return await self._fetch(action)
        if isinstance(action, Sleep):
            await asyncio.sleep(action.seconds)
            return None
        if isinstance(action, ReadAll):
            meter = Meter(action.length, action.what)
            reader = await _made(self.reader_factory, "readerFactory")
            return b"".join([chunk async for chunk in _body(reader, meter)]), meter.hasher
        if isinstance(action, ObjectClient):
            from ..generated.aio.object import Object

            client = Object(action.options, session=await self._aiohttp_session())
            self._clients.append(client)
            return client
        raise TypeError("unknown transfer action %r" % (action,))

    async def _aiohttp_session(self) -> "aiohttp.ClientSession":
        if self._session is None:
            import aiohttp

            from .asyncclient import _client_session

            self._session = _client_session(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT)
            )
        return self._session

    async def _put(self, action: Put) -> Transferred:
        import aiohttp

        session = await self._aiohttp_session()
        meter = Meter(action.length, action.what)
        reader = await _made(self.reader_factory, "readerFactory")
        try:
            async with session.put(
                action.url, data=_body(reader, meter), headers=action.headers, allow_redirects=False
            ) as response:
                detail = "" if response.status < 300 else error_detail(await response.read())
                return Transferred(response.status, hasher=meter.hasher, detail=detail)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return Transferred(error=meter.failure or _scrubbed(exc))
        except Exception:
            if meter.failure is not None:
                return Transferred(error=meter.failure)
            raise

    async def _fetch(self, action: Fetch) -> Transferred:
        import aiohttp

        session = await self._aiohttp_session()
        writer = await _made(self.writer_factory, "writerFactory")
        try:
            async with session.get(action.url) as response:
                if not 200 <= response.status < 300:
                    return Transferred(response.status, detail=error_detail(await response.read()))
                meter = Meter(0, "")
                async for chunk in response.content.iter_chunked(CHUNK_SIZE):
                    meter.hasher.update(chunk)
                    await writer.write(chunk)
                return Transferred(response.status, content_type_of(response.headers), meter.hasher)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return Transferred(error=_scrubbed(exc))

    async def _close(self) -> None:
        self._clients.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _made(factory: Optional[Callable[[], Awaitable[_T]]], name: str) -> _T:
    """What an async factory makes (a sync factory is accepted too, though not typed so)."""
    if factory is None:
        raise TypeError("%s is required" % name)
    made: Any = factory()
    if inspect.isawaitable(made):
        made = await made
    result: _T = made
    return result


def _scrubbed(exc: BaseException) -> BaseException:
    from .._flow import scrub_transport_error

    return scrub_transport_error(exc)


async def run(
    flow: "Flow[_T]",
    reader_factory: Optional[Callable[[], Awaitable[AsyncReader]]] = None,
    writer_factory: Optional[Callable[[], Awaitable[AsyncWriter]]] = None,
) -> _T:
    """Run a transfer flow to its end with aiohttp; returns what the flow returns."""
    return await AsyncDriver(reader_factory, writer_factory).run(flow)

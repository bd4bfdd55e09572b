"""The sync driver of the object transfer flows (`taskcluster._transfer`): requests for the bytes, the caller's
thread for everything. It needs no event loop, so it works in any thread, whether or not a loop runs there."""

import inspect
import threading
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, Iterator, List, Optional, Tuple, TypeVar

from ._transfer import (
    CHUNK_SIZE,
    Fetch,
    Flow,
    Meter,
    ObjectClient,
    Put,
    ReadAll,
    Reader,
    ServiceCall,
    Sleep,
    Transferred,
    Writer,
    content_type_of,
    error_detail,
)

if TYPE_CHECKING:
    import requests

    from .generated.object import Object

__all__ = ["TIMEOUT", "run", "run_coroutine"]

#: (connect, read) seconds for each storage request.
TIMEOUT = (10.0, 60.0)

_T = TypeVar("_T")


def run_coroutine(awaitable: Awaitable[_T]) -> _T:
    """The result of an awaitable, computed on a private event loop in a helper thread, so it works from any
    thread, including one whose own loop is running."""
    import asyncio

    outcome: Dict[str, Any] = {}

    async def wait() -> _T:
        return await awaitable

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(wait())
        except BaseException as exc:  # handed back to the calling thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="taskcluster-run-coroutine", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    result: _T = outcome["value"]
    return result


class _Body:
    """A request body streaming exactly `meter.length` bytes from a sync reader; its length lets requests send a
    Content-Length instead of chunked encoding."""

    def __init__(self, reader: Reader, meter: Meter) -> None:
        self.reader = reader
        self.meter = meter

    def __len__(self) -> int:
        return self.meter.length

    def __iter__(self) -> Iterator[bytes]:
        meter, read = self.meter, self.reader.read
        while True:
            size = meter.want()
            if size == 0:
                meter.end(read(1))
                return
            yield meter.take(read(size))


class SyncDriver:
    """Runs flows with requests; `reader_factory()` / `writer_factory()` give fresh sync readers / writers."""

    def __init__(
        self,
        reader_factory: Optional[Callable[[], Reader]] = None,
        writer_factory: Optional[Callable[[], Writer]] = None,
        timeout: Tuple[float, float] = TIMEOUT,
    ) -> None:
        self.reader_factory = reader_factory
        self.writer_factory = writer_factory
        self.timeout = timeout
        self._session: Optional[requests.Session] = None
        self._clients: List[Object] = []

    def run(self, flow: "Flow[_T]") -> _T:
        try:
            action = next(flow)
            while True:
                action = flow.send(self._perform(action))
        except StopIteration as stop:
            result: _T = stop.value
            return result
        finally:
            flow.close()
            self._close()

    def _perform(self, action: Any) -> Any:
        if isinstance(action, ServiceCall):
            result = getattr(action.service, action.method)(*action.args)
            return run_coroutine(result) if inspect.isawaitable(result) else result
        if isinstance(action, Put):
            return self._put(action)
        if isinstance(action, Fetch):
            return self._fetch(action)
        if isinstance(action, Sleep):
            time.sleep(action.seconds)
            return None
        if isinstance(action, ReadAll):
            meter = Meter(action.length, action.what)
            body = b"".join(_Body(self._factory(self.reader_factory, "readerFactory")(), meter))
            return body, meter.hasher
        if isinstance(action, ObjectClient):
            from .generated.object import Object

            client = Object(action.options)
            self._clients.append(client)
            return client
        raise TypeError("unknown transfer action %r" % (action,))

    def _factory(self, factory: Optional[Callable[[], _T]], name: str) -> Callable[[], _T]:
        if factory is None:
            raise TypeError("%s is required" % name)
        return factory

    def _requests(self) -> "requests.Session":
        if self._session is None:
            from ._options import DEFAULT_CONFIG
            from ._sync_transport import new_session

            self._session = new_session(DEFAULT_CONFIG["maxConnections"])
        return self._session

    def _put(self, action: Put) -> Transferred:
        import requests

        session = self._requests()
        meter = Meter(action.length, action.what)
        body = _Body(self._factory(self.reader_factory, "readerFactory")(), meter)
        try:
            with session.put(
                action.url, data=body, headers=action.headers, timeout=self.timeout, allow_redirects=False
            ) as response:
                detail = "" if response.ok else error_detail(response.content)
                return Transferred(response.status_code, hasher=meter.hasher, detail=detail)
        except requests.RequestException as exc:
            return Transferred(error=meter.failure or _scrubbed(exc))
        except Exception:
            if meter.failure is not None:
                return Transferred(error=meter.failure)
            raise

    def _fetch(self, action: Fetch) -> Transferred:
        import requests

        session = self._requests()
        writer = self._factory(self.writer_factory, "writerFactory")()
        try:
            with session.get(action.url, stream=True, timeout=self.timeout) as response:
                if not 200 <= response.status_code < 300:
                    return Transferred(response.status_code, detail=error_detail(response.content))
                meter = Meter(0, "")
                write = writer.write
                for chunk in response.iter_content(CHUNK_SIZE):
                    meter.hasher.update(chunk)
                    write(chunk)
                return Transferred(response.status_code, content_type_of(response.headers), meter.hasher)
        except requests.RequestException as exc:
            return Transferred(error=_scrubbed(exc))

    def _close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        if self._session is not None:
            self._session.close()
            self._session = None


def _scrubbed(exc: BaseException) -> BaseException:
    from ._flow import scrub_transport_error

    return scrub_transport_error(exc)


def run(
    flow: "Flow[_T]",
    reader_factory: Optional[Callable[[], Reader]] = None,
    writer_factory: Optional[Callable[[], Writer]] = None,
) -> _T:
    """Run a transfer flow to its end with requests; returns what the flow returns."""
    return SyncDriver(reader_factory, writer_factory).run(flow)

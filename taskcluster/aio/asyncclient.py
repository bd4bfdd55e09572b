"""The async client: `AsyncBaseClient` drives the shared call flow over aiohttp.

Sessions: with `session=` the client uses that `aiohttp.ClientSession` for every call and never closes
it; `async with Client(options) as client:` opens one session for the block and closes it at the end.
A client with neither opens a short-lived session for each call and closes it before returning, so
nothing is ever left unclosed (pass a session for connection reuse). aiohttp is imported on first use.
"""

import asyncio
import inspect
import math
import random
import sys
import time
import weakref
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Mapping,
    Optional,
    Set,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
)

from .. import exceptions as exceptions  # module attributes of the historical `taskcluster.aio.asyncclient`
from .. import utils as utils
from .._base import ClientCore
from .._classes import build_api_class
from .._flow import Request, Send, call_flow, scrub_transport_error
from .._pagination import AsyncPaginated, page_items
from .._request import Call
from .._responses import BODY_CHUNK_SIZE, Answer, BoundedBody, too_large_error
from .._tempcreds import createTemporaryCredentials
from .._version import __version__
from ..client import BaseClient as BaseClient
from ..client import config
from ..client import config as _defaultConfig  # noqa: F401
from ..exceptions import TaskclusterFailure
from . import asyncutils as asyncutils
from . import retry as retry
from .asyncutils import createSession

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AsyncBaseClient", "config", "createApiClient", "createSession", "createTemporaryCredentials"]

_aiohttp: Any = None
_yarl_url: Any = None
_TRANSPORT_ERRORS: Tuple[Type[BaseException], ...] = ()
_USER_AGENT_HEADERS: Dict[str, str] = {}
_NO_CONTENT_TYPE = ("Content-Type",)

_Client = TypeVar("_Client", bound="AsyncBaseClient")


def _load_aiohttp() -> Any:
    global _aiohttp, _yarl_url, _TRANSPORT_ERRORS, _USER_AGENT_HEADERS
    if _aiohttp is None:
        import aiohttp
        import aiohttp.http_exceptions
        import yarl

        _yarl_url = yarl.URL
        _TRANSPORT_ERRORS = (
            aiohttp.ClientError,
            aiohttp.http_exceptions.HttpProcessingError,
            asyncio.TimeoutError,
            OSError,
        )
        _USER_AGENT_HEADERS = {"User-Agent": "taskcluster-python/%s aiohttp/%s" % (__version__, aiohttp.__version__)}
        _aiohttp = aiohttp
    return _aiohttp


_ENCODING = "Content-Encoding"


class _Expiry:
    """The deadline of one attempt: when it passes, `_Sweeper` cancels the task making the call, and the driver turns
    that cancellation (and only that one) into a timeout. Like `asyncio.timeout`, it keeps a cancellation requested
    by anyone else: on Python 3.11+ it counts the task's pending cancellations."""

    __slots__ = ("task", "deadline", "fired", "handled", "cancelling")

    def __init__(self, task: "asyncio.Task[Any]", deadline: float) -> None:
        self.task = task
        self.deadline = deadline
        self.fired = False
        self.handled = False
        self.cancelling = 0
        if sys.version_info >= (3, 11):
            self.cancelling = task.cancelling()

    def fire(self) -> None:
        self.fired = True
        self.task.cancel()

    def ours(self) -> bool:
        """Whether a CancelledError the attempt raised is this deadline's alone (then it is consumed)."""
        if not self.fired:
            return False
        self.handled = True
        if sys.version_info >= (3, 11):
            return self.task.uncancel() <= self.cancelling
        return True

    async def absorb(self) -> None:
        """Take delivery of the pending cancellation, so it does not hit the caller's next await."""
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            if not self.ours():
                raise


class _Sweeper:
    """The attempts in flight on one event loop and one timer for the earliest of their deadlines.

    Registering and releasing an attempt are a set operation each: the timer is rescheduled only for an attempt due
    before it, so a stream of calls with the same totalTimeout schedules about one timer per totalTimeout, where a
    timer per attempt (aiohttp's total timeout, `asyncio.timeout`) would cost each call a heap push and a cancel.
    """

    __slots__ = ("loop", "active", "handle", "when")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = weakref.ref(loop)  # weak: the sweepers of loops gone go with them
        self.active: Set[_Expiry] = set()
        self.handle: Optional[asyncio.TimerHandle] = None
        self.when = math.inf

    def schedule(self, when: float) -> None:
        """Sweep at `when` (a `time.monotonic()` value), the deadline of an attempt due before the planned sweep."""
        if self.handle is not None:
            self.handle.cancel()
        self.when = when
        loop = self.loop()
        if loop is not None:
            self.handle = loop.call_later(max(when - time.monotonic(), 0.0), self._sweep)

    def _sweep(self) -> None:
        self.handle = None
        self.when = math.inf
        now = time.monotonic()
        earliest = math.inf
        for expiry in list(self.active):
            if expiry.deadline <= now:
                self.active.discard(expiry)
                expiry.fire()
            elif expiry.deadline < earliest:
                earliest = expiry.deadline
        if earliest < math.inf:
            self.schedule(earliest)


_SWEEPERS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Sweeper]" = weakref.WeakKeyDictionary()


def _sweeper(loop: asyncio.AbstractEventLoop) -> _Sweeper:
    sweeper = _SWEEPERS.get(loop)
    if sweeper is None:
        sweeper = _SWEEPERS[loop] = _Sweeper(loop)
    return sweeper


def _transport_errors() -> Tuple[Type[BaseException], ...]:
    """What sending with aiohttp may raise when the peer or the network misbehaves."""
    if _aiohttp is None:
        _load_aiohttp()
    return _TRANSPORT_ERRORS


def _client_session(**kwargs: Any) -> "aiohttp.ClientSession":
    """A session the client creates (for `async with`, for one call, for object transfers): our User-Agent, and
    proxies and their credentials from the environment (`HTTPS_PROXY`, `NO_PROXY`, `.netrc`), as requests does."""
    module = _aiohttp if _aiohttp is not None else _load_aiohttp()
    session: aiohttp.ClientSession = module.ClientSession(headers=_USER_AGENT_HEADERS, trust_env=True, **kwargs)
    return session


async def _read_body(response: Any, limit: int, qualname: str) -> Union[bytes, TaskclusterFailure]:
    """The body of an answer, decoded, or a TaskclusterFailure (returned, not raised) when it is larger than `limit`
    bytes; the response object keeps the body, so `text()` and `json()` still work on it."""
    length = response.content_length
    if "Content-Encoding" not in response.headers and length is not None:
        if length <= limit:
            body: bytes = await response.read()
            return body
        response.close()
        return too_large_error(qualname, limit, length)
    collected = BoundedBody(limit, qualname)
    async for chunk in response.content.iter_chunked(BODY_CHUNK_SIZE):
        if not collected.add(chunk):
            response.close()
            return collected.error()
    body = collected.body()
    response._body = body
    return body


class AsyncBaseClient(ClientCore):
    """Base of the generated async clients (`taskcluster.aio.<Service>`)."""

    _paginated_method = AsyncPaginated

    def __init__(
        self, options: Optional[Mapping[str, Any]] = None, session: "Optional[aiohttp.ClientSession]" = None
    ) -> None:
        super().__init__(options)
        #: The `aiohttp.ClientSession` this client sends with: the one given, the one `async with` opened, or None
        #: (then each call opens and closes its own).
        self.session: Optional[aiohttp.ClientSession] = session
        self._owns_session = False
        self._aiohttp_timeout: Optional[Tuple[Any, Any]] = None
        self._sweeper: Optional[_Sweeper] = None

    async def __aenter__(self: _Client) -> _Client:
        if self.session is None:
            self.session = _client_session()
            self._owns_session = True
        return self

    def _share_transport(self, clone: ClientCore) -> None:
        assert isinstance(clone, AsyncBaseClient)
        clone.session = self.session
        clone._owns_session = False

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if this client opened it (`async with`); a session passed in stays open."""
        if self._owns_session and self.session is not None:
            await self.session.close()
            self.session = None
            self._owns_session = False

    async def _apiCall(
        self,
        name: str,
        args: Tuple[Any, ...],
        named: Tuple[Any, ...],
        payload: Any,
        query: Optional[Mapping[str, Any]],
        params: Optional[Mapping[str, Any]],
        extra: Mapping[str, Any],
    ) -> Any:
        call = self._resolve(name, args, named, payload, query, params, extra)
        if call.pagination_handler is not None:
            handler = call.pagination_handler
            async for page in self._iter_pages(call):
                outcome = handler(page)
                del page
                if inspect.isawaitable(outcome):
                    await outcome
            return None
        return await self._send(self._request(call))

    async def _invoke(self, name: str, kwargs: Mapping[str, Any]) -> Any:
        """Call operation `name` of a keyword-calling client (other API families) with keyword arguments."""
        return await self._send(self._request(self._split_call(name, (), kwargs)))

    async def _send(self, request: Request) -> Any:
        session = self.session
        if session is None:
            async with _client_session() as own_session:
                return await self._drive(own_session, request, True)
        return await self._drive(session, request, self._owns_session)

    async def _drive(self, session: Any, request: Request, own_session: bool) -> Any:
        aiohttp = _aiohttp if _aiohttp is not None else _load_aiohttp()
        opts = self._opts
        cached = self._aiohttp_timeout
        if cached is None or cached[0] is not opts:
            connect, read = opts.timeout
            cached = self._aiohttp_timeout = (opts, aiohttp.ClientTimeout(sock_connect=connect, sock_read=read))
        timeout = cached[1]
        extra_headers = None if own_session or "User-Agent" in session.headers else _USER_AGENT_HEADERS
        task = asyncio.current_task()
        sweeper = self._sweeper
        if sweeper is None or sweeper.loop() is not asyncio.get_running_loop():
            sweeper = self._sweeper = _sweeper(asyncio.get_running_loop())
        flow = call_flow(
            request,
            self._signer,
            opts.max_retries,
            random.random,
            total_timeout=opts.total_timeout,
            max_size=opts.max_response_size,
        )
        action = next(flow)
        while True:
            if isinstance(action, Send):
                headers = action.headers if extra_headers is None else dict(action.headers, **extra_headers)
                # The call's deadline: the loop's sweeper cancels this task when it passes (the cancellation is ours
                # to turn into a timeout); without a task, aiohttp's total timeout.
                attempt_timeout = timeout
                if task is None:
                    expiry = None
                    attempt_timeout = aiohttp.ClientTimeout(
                        total=max(action.deadline - time.monotonic(), 0.001),
                        sock_connect=timeout.sock_connect,
                        sock_read=timeout.sock_read,
                    )
                else:
                    expiry = _Expiry(task, action.deadline)
                    sweeper.active.add(expiry)
                    if action.deadline < sweeper.when:
                        sweeper.schedule(action.deadline)
                try:
                    async with session.request(
                        action.method,
                        _yarl_url(action.url, encoded=True),
                        data=action.body,
                        headers=headers,
                        timeout=attempt_timeout,
                        allow_redirects=False,
                        # a bodiless POST/PUT would otherwise get an invented Content-Type
                        skip_auto_headers=_NO_CONTENT_TYPE if action.body is None and action.method != "GET" else None,
                    ) as response:
                        length = response.content_length
                        if length is not None and length <= action.max_size and _ENCODING not in response.headers:
                            body: Union[bytes, TaskclusterFailure] = await response.read()
                        else:
                            body = await _read_body(response, action.max_size, request.qualname)
                        if isinstance(body, bytes):
                            outcome: Any = Answer(response.status, response.headers, body, response)
                        else:
                            outcome = body
                except _transport_errors() as exc:
                    outcome = scrub_transport_error(exc)
                except asyncio.CancelledError:
                    if expiry is None or not expiry.ours():
                        raise
                    outcome = asyncio.TimeoutError("the call's deadline (totalTimeout) passed")
                finally:
                    if expiry is not None:
                        sweeper.active.discard(expiry)
                if expiry is not None and expiry.fired and not expiry.handled:
                    await expiry.absorb()  # it fired after the attempt's last await
            else:
                await asyncio.sleep(action.seconds)
                outcome = None
            try:
                action = flow.send(outcome)
            except StopIteration as stop:
                return stop.value

    async def _iter_pages(self, call: Call) -> AsyncIterator[Any]:
        call = call.with_query(call.query)
        seen: Set[bytes] = set()
        while True:
            page = await self._send(self._request(call))
            following = self._next_page(call, page, seen)
            yield page
            del page  # hold one page at a time: it goes before the next one is fetched
            if following is None:
                return
            call = following

    def _pages(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> AsyncIterator[Any]:
        return self._iter_pages(self._split_call(name, args, kwargs))

    async def _items(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> AsyncIterator[Any]:
        call = self._split_call(name, args, kwargs)
        key = call.op.items_key
        async for page in self._iter_pages(call):
            items = page_items(page, key)
            del page
            while items:
                yield items.pop()


if TYPE_CHECKING:

    class _AsyncApiClient(AsyncBaseClient):
        """An async client class built by `createApiClient`: its API methods are known at run time only."""

        def __getattr__(self, name: str) -> Callable[..., Any]: ...


def createApiClient(name: str, api: Mapping[str, Any]) -> "Type[_AsyncApiClient]":
    """Build an async client class at run time from an API reference or an apis.json entry `{"reference": ...}`.

    Type checkers see an `AsyncBaseClient` whose other attributes are methods of unknown signature.
    """
    return cast("Type[_AsyncApiClient]", build_api_class(name, api, AsyncBaseClient))

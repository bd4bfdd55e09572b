"""The async client: `AsyncBaseClient` drives the shared call flow over aiohttp.

Sessions: with `session=` the client uses that `aiohttp.ClientSession` for every call and never closes
it; `async with Client(options) as client:` opens one session for the block and closes it at the end.
A client with neither opens a short-lived session for each call and closes it before returning, so
nothing is ever left unclosed (pass a session for connection reuse). aiohttp is imported on first use.
"""

import asyncio
import inspect
import random
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Mapping, Optional, Tuple, Type, TypeVar, cast

from .. import exceptions as exceptions  # module attributes of the historical `taskcluster.aio.asyncclient`
from .. import utils as utils
from .._base import ClientCore
from .._flow import Request, Send, call_flow, scrub_transport_error
from .._pagination import AsyncPaginated, next_page_query, page_items
from .._prepare import CallArgs, CompiledFunction
from .._responses import Answer
from .._tempcreds import createTemporaryCredentials
from ..client import BaseClient as BaseClient
from ..client import build_api_class, config
from ..client import config as _defaultConfig  # noqa: F401
from . import asyncutils as asyncutils
from . import retry as retry
from .asyncutils import createSession

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AsyncBaseClient", "config", "createApiClient", "createSession", "createTemporaryCredentials"]

_aiohttp: Any = None
_yarl_url: Any = None
_NO_CONTENT_TYPE = ("Content-Type",)

_Client = TypeVar("_Client", bound="AsyncBaseClient")


def _load_aiohttp() -> Any:
    global _aiohttp, _yarl_url
    if _aiohttp is None:
        import aiohttp
        import yarl

        _yarl_url = yarl.URL
        _aiohttp = aiohttp
    return _aiohttp


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
        self._timeout: Any = None

    async def __aenter__(self: _Client) -> _Client:
        if self.session is None:
            self.session = createSession()
            self._owns_session = True
        return self

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
        fn, call = self._resolve(name, args, named, payload, query, params, extra)
        if call.pagination_handler is not None:
            handler = call.pagination_handler
            async for page in self._iter_pages(fn, call):
                outcome = handler(page)
                del page
                if inspect.isawaitable(outcome):
                    await outcome
            return None
        return await self._send(self._prepare(fn, call))

    async def _send(self, request: Request) -> Any:
        session = self.session
        if session is None:
            async with createSession() as own_session:
                return await self._drive(own_session, request)
        return await self._drive(session, request)

    async def _drive(self, session: Any, request: Request) -> Any:
        aiohttp = _aiohttp if _aiohttp is not None else _load_aiohttp()
        if self._timeout is None:
            connect, read = self._opts.timeout
            self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        flow = call_flow(request, self._signer, self._opts.max_retries, random.random)
        action = next(flow)
        while True:
            if isinstance(action, Send):
                try:
                    async with session.request(
                        action.method,
                        _yarl_url(action.url, encoded=True),
                        data=action.body,
                        headers=action.headers,
                        timeout=self._timeout,
                        allow_redirects=False,
                        # a bodiless POST/PUT would otherwise get an invented Content-Type
                        skip_auto_headers=_NO_CONTENT_TYPE if action.body is None and action.method != "GET" else None,
                    ) as response:
                        body = await response.read()
                        outcome: Any = Answer(response.status, response.headers, body, response)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    outcome = scrub_transport_error(exc)
            else:
                await asyncio.sleep(action.seconds)
                outcome = None
            try:
                action = flow.send(outcome)
            except StopIteration as stop:
                return stop.value

    async def _iter_pages(self, fn: CompiledFunction, call: CallArgs) -> AsyncIterator[Any]:
        query = call.query
        while True:
            page = await self._send(self._prepare(fn, CallArgs(call.route_values, call.payload, query)))
            following = next_page_query(query, page)
            yield page
            del page  # hold one page at a time: it goes before the next one is fetched
            if following is None:
                return
            query = following

    def _pages(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> AsyncIterator[Any]:
        fn, call = self._split_call(name, args, kwargs)
        return self._iter_pages(fn, call)

    async def _items(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> AsyncIterator[Any]:
        fn, call = self._split_call(name, args, kwargs)
        key = fn.items_key
        async for page in self._iter_pages(fn, call):
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

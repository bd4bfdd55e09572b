"""The sync client: `BaseClient` drives the shared call flow over one `requests.Session` per client.

Also the historical module's public names: `config` (module default options), `createApiClient`,
`createTemporaryCredentials`. `requests` is imported on the first call, not at import time.
"""

import logging
import random
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Optional, Set, Tuple, Type, TypeVar, cast

from . import _log  # noqa: F401  (sets the package logger up)
from . import exceptions as exceptions  # module attributes of the historical `taskcluster.client`
from . import utils as utils
from ._base import ClientCore
from ._classes import build_api_class
from ._flow import Request, Send, call_flow, scrub_transport_error
from ._options import DEFAULT_CONFIG
from ._pagination import SyncPaginated, page_items
from ._request import Call
from ._responses import Answer
from ._tempcreds import createTemporaryCredentials

if TYPE_CHECKING:
    import requests

    # `from taskcluster import client; client.QueueEvents(...)`: the service classes, which `__getattr__` below
    # loads at run time, for type checkers
    from ._services import *  # noqa: F403

__all__ = ["BaseClient", "config", "createApiClient", "createSession", "createTemporaryCredentials"]

log: logging.Logger = logging.getLogger(__name__)

#: Module default options; changing them affects clients created afterwards.
config = DEFAULT_CONFIG
_defaultConfig = config

_requests: Any = None  # the requests module, once loaded
_transport: Any = None  # taskcluster._sync_transport, once loaded

_Client = TypeVar("_Client", bound="BaseClient")


def _load_requests() -> Any:
    global _requests
    if _requests is None:
        import requests

        _requests = requests
    return _requests


def _load_transport() -> Any:
    global _transport
    if _transport is None:
        from . import _sync_transport

        _transport = _sync_transport
    return _transport


class BaseClient(ClientCore):
    """Base of the generated sync clients.

    `session` may be a `requests.Session` to use (and not close); otherwise the client creates one on
    its first call and keeps it, so connections are reused. `close()` or `with Client(...)` releases it.
    """

    _paginated_method = SyncPaginated

    def __init__(
        self, options: Optional[Mapping[str, Any]] = None, session: "Optional[requests.Session]" = None
    ) -> None:
        super().__init__(options)
        self._session = session
        self._owns_session = False
        #: sends over the session this client created (shared by its `withOptions` copies); None for a given session
        self._fast: Any = None

    @property
    def session(self) -> "requests.Session":
        """The `requests.Session` this client sends with (created on first use, with a pool of `maxConnections`
        connections per host and the client's User-Agent)."""
        if self._session is None:
            transport = _transport if _transport is not None else _load_transport()
            session: requests.Session = transport.new_session(self._opts.max_connections)
            self._session = session
            self._owns_session = True
            self._fast = transport.FastSender(session)
            return session
        return self._session

    def _share_transport(self, clone: ClientCore) -> None:
        assert isinstance(clone, BaseClient)
        clone._session = self.session
        clone._owns_session = False
        clone._fast = self._fast

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session and self._session is not None:
            self._session.close()
            self._session = None
            self._owns_session = False
            self._fast = None

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _apiCall(
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
            for page in self._iter_pages(call):
                call.pagination_handler(page)
                del page  # let the page go before the next one is fetched
            return None
        return self._send(self._request(call))

    def _invoke(self, name: str, kwargs: Mapping[str, Any]) -> Any:
        """Call operation `name` of a keyword-calling client (other API families) with keyword arguments."""
        return self._send(self._request(self._split_call(name, (), kwargs)))

    def _send(self, request: Request) -> Any:
        session = self._session if self._session is not None else self.session
        transport = _transport if _transport is not None else _load_transport()
        opts = self._opts
        connect_timeout, read_timeout = timeout = opts.timeout
        fast = self._fast
        watchdog = transport.WATCHDOG
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
                headers = action.headers if fast is not None else transport.user_agent_headers(session, action.headers)
                remaining = action.deadline - time.monotonic()
                if remaining < read_timeout or remaining < connect_timeout:
                    remaining = max(remaining, 0.001)
                    timeout = (min(connect_timeout, remaining), min(read_timeout, remaining))
                watch = watchdog.start(action.deadline)
                transport.set_current_watch(watch)
                try:
                    if fast is not None:
                        response = fast.send(action.method, action.url, headers, action.body, timeout)
                    else:
                        response = session.request(
                            action.method,
                            action.url,
                            data=action.body,
                            headers=headers,
                            timeout=timeout,
                            allow_redirects=False,
                            stream=True,
                        )
                    if watch.sock is None:
                        watchdog.attach(watch, transport.socket_of(response))
                    body = transport.read_body(response, action.max_size, request.qualname)
                    if isinstance(body, bytes):
                        outcome: Any = Answer(response.status_code, response.headers, body, response)
                    else:
                        outcome = body
                except transport.TRANSPORT_ERRORS as exc:
                    outcome = scrub_transport_error(exc)
                finally:
                    transport.set_current_watch(None)
                    watchdog.stop(watch)
            else:
                time.sleep(action.seconds)
                outcome = None
            try:
                action = flow.send(outcome)
            except StopIteration as stop:
                return stop.value

    def _iter_pages(self, call: Call) -> Iterator[Any]:
        call = call.with_query(call.query)
        seen: Set[bytes] = set()
        while True:
            page = self._send(self._request(call))
            following = self._next_page(call, page, seen)
            yield page
            del page  # hold one page at a time: it goes before the next one is fetched
            if following is None:
                return
            call = following

    def _pages(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Iterator[Any]:
        return self._iter_pages(self._split_call(name, args, kwargs))

    def _items(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Iterator[Any]:
        call = self._split_call(name, args, kwargs)
        key = call.op.items_key
        for page in self._iter_pages(call):
            items = page_items(page, key)
            del page
            while items:
                yield items.pop()


if TYPE_CHECKING:

    class _ApiClient(BaseClient):
        """A sync client class built by `createApiClient`: its API methods are known at run time only."""

        def __getattr__(self, name: str) -> Callable[..., Any]: ...


def createApiClient(name: str, api: Mapping[str, Any]) -> "Type[_ApiClient]":
    """Build a sync client class at run time from an API reference or an apis.json entry `{"reference": ...}`.

    Type checkers see a `BaseClient` whose other attributes are methods of unknown signature.
    """
    return cast("Type[_ApiClient]", build_api_class(name, api, BaseClient))


def createSession(*args: Any, **kwargs: Any) -> "requests.Session":
    """A new `requests.Session`, for passing to several clients as `session=` so they share connections."""
    session: requests.Session = _load_requests().Session(*args, **kwargs)
    return session


if not TYPE_CHECKING:  # type checkers see the service classes imported above

    def __getattr__(name: str) -> Any:
        """`from taskcluster import client; client.QueueEvents(...)`: service classes are reachable here too."""
        from .generated._registry import SERVICES

        if name in SERVICES:
            import importlib

            return getattr(importlib.import_module("taskcluster.generated." + SERVICES[name]), name)
        raise AttributeError("module 'taskcluster.client' has no attribute %r" % name)

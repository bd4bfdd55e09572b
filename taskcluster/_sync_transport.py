"""What the sync client adds to requests: the sessions it creates (connection pool size, User-Agent), a watchdog that
ends a call at its deadline even while a server drips bytes, and reading an answer with a bound on its decoded size.

A read timeout bounds each read from the socket, not a call: a server sending a byte every second keeps a read
going forever. So each attempt registers its deadline with one shared watchdog thread, and the socket it uses (the
sessions this client creates hand it over as soon as the request is sent; for other sessions, once the answer's
head has arrived); at the deadline the watchdog shuts the socket down, the blocked read returns, and the call
fails with a TaskclusterConnectionError naming the deadline.

Imported on the first call (it imports requests and urllib3).
"""

import math
import os
import socket
import threading
import time
from typing import Any, Dict, Optional, Set, Tuple, Union

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ._responses import BODY_CHUNK_SIZE, BoundedBody, too_large_error
from ._version import __version__
from .exceptions import TaskclusterFailure

__all__ = [
    "USER_AGENT",
    "TRANSPORT_ERRORS",
    "FastSender",
    "Watch",
    "Watchdog",
    "new_session",
    "read_body",
    "user_agent_headers",
]

#: The User-Agent of the sessions the client creates.
USER_AGENT = "taskcluster-python/%s %s" % (__version__, requests.utils.default_user_agent())
_REQUESTS_USER_AGENT = requests.utils.default_user_agent()

#: What sending with requests may raise when the peer or the network misbehaves (requests wraps most of it).
TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)

#: How often the watchdog looks at the active calls when none is due sooner, and how long it keeps doing so once
#: idle before it waits for the next call to wake it.
_TICK = 1.0
_LINGER = 30.0


class Watch:
    """One attempt's deadline (`time.monotonic()`) and the socket to shut down when it passes."""

    __slots__ = ("deadline", "sock", "fired")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.sock: Optional[socket.socket] = None
        self.fired = False


class Watchdog:
    """One daemon thread that shuts down the sockets of attempts whose deadline has passed.

    Registering and releasing an attempt take a lock and a set operation; the thread is woken only when an attempt
    is due before its next planned look (at most `_TICK` seconds ahead while calls are active), so the calls of a
    busy client do not wake it.
    """

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._active: Set[Watch] = set()
        self._wake_at = math.inf
        self._busy = False
        self._thread: Optional[threading.Thread] = None

    def start(self, deadline: float) -> Watch:
        """Watch an attempt that must be over by `deadline`."""
        watch = Watch(deadline)
        with self._lock:
            self._active.add(watch)
            self._busy = True
            if deadline < self._wake_at:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="taskcluster-deadlines", daemon=True)
                    self._thread.start()
                self._wake_at = deadline
                self._wakeup.notify()
        return watch

    def attach(self, watch: Watch, sock: Any) -> None:
        """The socket `watch`'s attempt reads from; shut down at once if the deadline has already passed."""
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            if watch in self._active:
                watch.sock = sock
                if time.monotonic() >= watch.deadline:
                    self._fire(watch)

    def stop(self, watch: Watch) -> None:
        """The attempt is over: its socket is no longer ours to shut down."""
        with self._lock:
            self._active.discard(watch)
            watch.sock = None

    def _fire(self, watch: Watch) -> None:
        # called with the lock held, so `stop` cannot return while the socket is being shut down
        watch.fired = True
        self._active.discard(watch)
        sock, watch.sock = watch.sock, None
        if sock is not None:
            try:
                # socket.socket's own shutdown, also for an SSLSocket (whose override would drop its TLS state under
                # the reading thread): the blocked read sees the end of the stream and returns
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def _run(self) -> None:
        idle_since = time.monotonic()
        with self._lock:
            while True:
                now = time.monotonic()
                earliest = math.inf
                for watch in list(self._active):
                    if watch.deadline <= now:
                        self._fire(watch)
                    elif watch.deadline < earliest:
                        earliest = watch.deadline
                if self._active or self._busy:
                    self._busy = False
                    idle_since = now
                if now - idle_since < _LINGER:
                    self._wake_at = min(earliest, now + _TICK)
                else:
                    self._wake_at = earliest
                self._wakeup.wait(None if self._wake_at == math.inf else max(self._wake_at - now, 0.001))


WATCHDOG = Watchdog()
_local = threading.local()


def current_watch() -> Optional[Watch]:
    watch: Optional[Watch] = getattr(_local, "watch", None)
    return watch


def set_current_watch(watch: Optional[Watch]) -> None:
    _local.watch = watch


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        watch = current_watch()
        if watch is not None:
            WATCHDOG.attach(watch, self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        watch = current_watch()
        if watch is not None:
            WATCHDOG.attach(watch, self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection  # pyright: ignore[reportAssignmentType]


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection  # pyright: ignore[reportAssignmentType]


_WATCHED_POOLS = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class ClientAdapter(HTTPAdapter):
    """The adapter of the sessions the client creates: connections that hand their socket to the watchdog."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is urllib3.ProxyManager:  # SOCKS proxies keep their own connections
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


def new_session(max_connections: int) -> requests.Session:
    """A session for one client: up to `max_connections` kept connections per host, our User-Agent, proxies from
    the environment (requests' default)."""
    session = requests.Session()
    adapter = ClientAdapter(pool_maxsize=max_connections)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


#: The environment variables requests reads to choose proxies and certificates for http(s) URLs; the fast path's
#: settings are recomputed when any of them changes.
_SETTINGS_ENVIRONMENT = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC",
)  # fmt: skip
_environ = os.environ


class FastSender:
    """Sends a client's requests over a session the client created, as `Session.request` would but without its
    per-call merging: the `PreparedRequest` is built directly (the client's URL, headers and body are final) and
    sent with `Session.send`, so whatever hooks requests (`responses` patches the adapter, httmock `Session.send`)
    still sees every request.

    The environment's settings (proxies, `NO_PROXY`, `REQUESTS_CA_BUNDLE`) are worked out once per host and again
    whenever one of `_SETTINGS_ENVIRONMENT` changes; a `.netrc` entry is looked up once per host (and by requests on
    every call of a host that has one). Whenever the session is not as the client made it (cookies a server set,
    `auth`, `params`, hooks, proxies, `trust_env` changed by the caller) or a URL carries credentials, the call goes
    through `Session.request` instead, so the fast path never behaves differently.
    """

    __slots__ = ("session", "_settings", "_environment")

    def __init__(self, session: requests.Session) -> None:
        self.session = session
        self._settings: Dict[str, Dict[str, Any]] = {}
        self._environment: Tuple[Optional[str], ...] = ()

    def _plain(self) -> bool:
        """Whether the session adds nothing per call that the fast path leaves out."""
        session = self.session
        return (
            session.trust_env
            and session.auth is None
            and not session.params
            and not session.proxies
            and session.verify is True
            and session.cert is None
            and session.hooks.get("response") == []
            and len(session.hooks) == 1
            and not session.cookies
        )

    def _send_settings(self, url: str) -> Optional[Dict[str, Any]]:
        """`Session.merge_environment_settings` for `url`, cached per scheme and host; None when the URL carries
        credentials or its host has a `.netrc` entry (requests would add Basic auth)."""
        environment = tuple([_environ.get(name) for name in _SETTINGS_ENVIRONMENT])
        if environment != self._environment:
            self._settings.clear()
            self._environment = environment
        end = url.find("/", url.find("//") + 2)
        if end < 0 or not url.isascii():
            return None
        origin = url[:end]
        settings = self._settings.get(origin)
        if settings is None:
            settings = self._settings[origin] = self._origin_settings(origin, url)
        return settings or None

    def _origin_settings(self, origin: str, url: str) -> Dict[str, Any]:
        """The send settings of one origin, or {} when its calls must go through `Session.request`: credentials in
        the URL or in `.netrc`, or a URL requests would write differently (an upper-case host, say)."""
        if "@" in origin or requests.utils.get_netrc_auth(url) is not None:
            return {}
        probe = requests.PreparedRequest()
        probe.prepare_url(url, None)
        if probe.url != url:
            return {}
        settings: Dict[str, Any] = self.session.merge_environment_settings(url, {}, True, None, None)
        settings["allow_redirects"] = False
        return settings

    def send(
        self, method: str, url: str, headers: Dict[str, str], body: Optional[bytes], timeout: Any
    ) -> requests.Response:
        """Send one request and return the streamed response."""
        settings = self._send_settings(url) if self._plain() else None
        session = self.session
        if settings is None:
            return session.request(
                method, url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
            )
        prepared = requests.PreparedRequest()
        prepared.method = method
        prepared.url = url
        merged: CaseInsensitiveDict[Union[str, bytes]] = CaseInsensitiveDict(session.headers)
        merged.update(headers)
        if body is not None:
            merged["Content-Length"] = str(len(body))
        elif method != "GET" and method != "HEAD":
            merged["Content-Length"] = "0"
        prepared.headers = merged
        prepared.body = body
        prepared._cookies = RequestsCookieJar()  # a redirect's `next` reads it
        return session.send(prepared, timeout=timeout, **settings)


def user_agent_headers(session: Any, headers: Dict[str, str]) -> Dict[str, str]:
    """For a session the caller gave: `headers` plus our User-Agent when the session has none of its own (only
    requests' default), so a caller's User-Agent wins."""
    try:
        agent = session.headers.get("User-Agent")
    except AttributeError:
        agent = None
    if agent is None or agent == _REQUESTS_USER_AGENT:
        headers = dict(headers)
        headers["User-Agent"] = USER_AGENT
    return headers


def socket_of(response: Any) -> Any:
    """The socket an answer's body is read from, when the transport exposes it, else None: urllib3's connection
    keeps it, unless the server said `Connection: close` (then only the http.client response's file has it)."""
    raw = getattr(response, "raw", None)
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        file = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(file, "raw", None), "_sock", None)
    return sock


def read_body(response: Any, limit: int, qualname: str) -> Union[bytes, TaskclusterFailure]:
    """The body of a streamed requests answer, decoded, or a TaskclusterFailure (returned, not raised) when it is
    larger than `limit` bytes; the response object keeps the body, so `.content`, `.text` and `.json()` work."""
    headers = response.headers
    if "Content-Encoding" not in headers:
        length = headers.get("Content-Length")
        if length is not None and length.isascii() and length.isdigit():
            size = int(length)
            if size <= limit:
                raw = response.raw
                if response._content is not False or raw is None:
                    body: bytes = response.content
                    return body
                body = raw.read()  # in one piece, where `.content` would join 10 KB chunks
                response._content = body
                response._content_consumed = True
                return body
            response.close()
            return too_large_error(qualname, limit, size)
    collected = BoundedBody(limit, qualname)
    for chunk in response.iter_content(BODY_CHUNK_SIZE):
        if not collected.add(chunk):
            response.close()
            return collected.error()
    body = collected.body()
    response._content = body
    response._content_consumed = True
    return body

"""The local deployment: an aiohttp.web server on 127.0.0.1 serving ``<rootUrl>/api/<service>/v1/...``.

It implements the auth, queue, index, secrets, purge-cache and object services (`services`); every other
route of the generated clients' tables answers 501. `LocalDeployment` runs the server in a background
thread with its own event loop (usable from sync and async tests alike); `AsyncLocalDeployment` runs it in
the caller's event loop. Both bind 127.0.0.1 on a free port by default, start in well under a second, and
stop idempotently.

An API request goes through `_Core._api` in steps: resolve the route, read the body (at most 10 MB, the
services' ``inputLimit``: 413 ``InputTooLarge`` beyond), parse it if it is sent as JSON (strictly: `_json`; 400
``MalformedPayload`` otherwise), authenticate, parse the query, check the route's scopes, check the body's
content type and validate the payload against the entry's input schema (the services' real schemas, with
their defaults filled in: `_schema`), run the handler, answer (checked against the entry's output schema
first when ``check_responses`` is on). The event loop only routes, reads and writes: the other steps run in
a worker thread (`LARGE_BODY_BYTES`), so a large body being parsed and validated does not hold up others.

Reserved routes outside ``/api/``:

- ``PUT <rootUrl>/__artifacts/upload/<token>``: the ``putUrl`` of an s3 artifact;
- ``GET <rootUrl>/__artifacts/<token>/<name>``: the bytes of an uploaded artifact (unguessable token);
- ``PUT <rootUrl>/__objects/upload/<token>``: the ``putUrl`` upload method of the object service (exactly
  the announced ``contentLength``, before the URL expires);
- ``GET <rootUrl>/__objects/<token>/<name>``: an object's bytes, the URL of the object service's download
  methods (``getUrl``, ``simple``) and of its ``download`` redirect, valid for an hour;
- ``POST <rootUrl>/__taskcluster/reset``: forget all state (needs scope ``local-deployment:reset``).
"""

import asyncio
import concurrent.futures
import datetime
import functools
import hashlib
import json
import logging
import os
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Tuple, TypeVar
from urllib.parse import parse_qsl, unquote

import aiohttp
import mohawk.bewit
from aiohttp import web
from mohawk.base import Resource

from ..utils import slugId
from . import _json, _schema, services
from ._time import format_date, now, to_ms
from .auth import (
    AuthenticationError,
    Authenticator,
    ClientInfo,
    Principal,
    certificate_signature,
    temporary_access_token,
)
from .routes import Entry, ServiceTable, load_tables
from .scopes import MissingParameter, ScopeExpansionError, expand_scopes
from .services import objects
from .store import NEVER_EXPIRES, Store

__all__ = ["CHECK_RESPONSES_ENV", "DEFAULT_ROOT_CLIENT_ID", "AsyncLocalDeployment", "LocalDeployment"]

log: logging.Logger = logging.getLogger("taskcluster.testing")

DEFAULT_ROOT_CLIENT_ID: str = "static/taskcluster/root"
_CREATED_BY = "created by LocalDeployment.create_client"
#: Largest body of an upload to a put URL (``/__artifacts/upload/...``, ``/__objects/upload/...``): the bytes
#: are held in memory and SQLite.
MAX_BODY_BYTES = objects.MAX_PUT_BYTES
#: Largest body of an API request, as upstream (the API library's ``inputLimit``, ``10mb``): larger ones are
#: 413 ``InputTooLarge``, refused without reading further than this.
MAX_API_BODY_BYTES = 10 * 1024 * 1024
#: The event loop only reads and writes; requests are answered in worker threads. API requests with a body
#: up to this size are answered by one worker, one after the other in the order their bodies arrived (as
#: when they were answered on the loop); larger ones, and uploads and downloads of bytes, by workers of
#: their own, so that while they are parsed, validated, hashed or stored, the others are still answered.
LARGE_BODY_BYTES = 64 * 1024
_SMALL_WORKERS = 1
_LARGE_WORKERS = 2
_AIOHTTP_39 = tuple(int(x) for x in aiohttp.__version__.split(".")[:2]) >= (3, 9)
#: Environment variable giving the default of ``check_responses`` ("1", "true", "yes" or "on": on).
CHECK_RESPONSES_ENV = "TASKCLUSTER_TESTING_CHECK_RESPONSES"
_REDACT = frozenset({"secret", "accessToken", "certificate", "signature", "bewit", "password", "token"})


_T = TypeVar("_T")


def _redact(value: Any, depth: int = 0) -> Any:
    """``value`` with secret fields replaced (bodies were checked to nest at most `_json.MAX_DEPTH` levels)."""
    if depth > _json.MAX_DEPTH:
        return "<nested too deeply>"
    if isinstance(value, dict):
        return {k: ("<redacted>" if k in _REDACT else _redact(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, depth + 1) for v in value]
    return value


def check_responses_default() -> bool:
    """``check_responses`` when not given: from ``$TASKCLUSTER_TESTING_CHECK_RESPONSES``, else off."""
    return os.environ.get(CHECK_RESPONSES_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class _Answer(NamedTuple):
    """An HTTP answer, made where the work is done (maybe a worker thread), sent from the event loop."""

    status: int
    headers: Dict[str, str]
    body: bytes

    def response(self) -> web.Response:
        return web.Response(body=self.body, status=self.status, headers=self.headers)


def _json_answer(body: Any, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> _Answer:
    """``body`` as JSON (never NaN or Infinity, which JSON does not have); no body when ``body`` is None."""
    all_headers = dict(headers or {})
    if body is None:
        return _Answer(status, all_headers, b"")
    all_headers["Content-Type"] = "application/json; charset=utf-8"
    data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return _Answer(status, all_headers, data)


def _etag(data: bytes) -> str:
    return '"%s"' % hashlib.sha256(data).hexdigest()[:32]


def _media_type(content_type: Optional[str]) -> Tuple[str, Dict[str, str]]:
    """``application/json; charset=UTF-8`` -> ("application/json", {"charset": "utf-8"}) (lower case)."""
    if not content_type:
        return "", {}
    kind, *parts = content_type.split(";")
    params: Dict[str, str] = {}
    for part in parts:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), params


def _json_content_error(content_type: Optional[str]) -> Optional[str]:
    """Why a body with this Content-Type is not read as JSON (None: it is ``application/json``, in UTF-8)."""
    kind, params = _media_type(content_type)
    if kind == "application/json" and params.get("charset", "utf-8") in ("utf-8", "utf8"):
        return None
    return "Payload must be JSON with content-type: application/json (charset utf-8), got content-type: %s" % (
        json.dumps(content_type) if content_type is not None else "none"
    )


def _too_large(length: Optional[int]) -> "services.ServiceError":
    size = "%d bytes" % length if length is not None else "more than %d bytes" % MAX_API_BODY_BYTES
    return services.ServiceError(
        413,
        "InputTooLarge",
        "The request body is too large: %s, the limit is %d bytes (10 MB), as in Taskcluster's services"
        % (size, MAX_API_BODY_BYTES),
    )


class _Core:
    """State and HTTP plumbing shared by the sync and async deployments (lives on one event loop)."""

    def __init__(
        self,
        db_path: Optional[str],
        root_client_id: str,
        root_access_token: Optional[str],
        host: str,
        port: int,
        clients: Optional[Mapping[str, Iterable[str]]],
        clock: Optional[Callable[[], float]],
        check_responses: bool = False,
    ) -> None:
        self.db_path: Optional[str] = db_path
        self.root_client_id: str = root_client_id
        self._requested_root_token = root_access_token
        self.root_access_token: str = ""
        self.host: str = host
        self.port: int = port
        self.clock: Callable[[], float] = clock or time.time
        self.configured_clients: Dict[str, List[str]] = {cid: list(scopes) for cid, scopes in (clients or {}).items()}
        self.client_credentials: Dict[str, Dict[str, str]] = {}
        self.root_url: str = ""
        self.store: Optional[Store] = None
        self._runner: Optional[web.AppRunner] = None
        self._executors: Dict[bool, concurrent.futures.ThreadPoolExecutor] = {}
        self._expansions: Dict[Tuple[str, ...], List[str]] = {}
        self._expansions_version = -1
        self.tables: Dict[str, ServiceTable] = {}
        #: validate every JSON answer of an implemented endpoint against its output schema (500 otherwise)
        self.check_responses: bool = check_responses
        self.authenticator: Authenticator = Authenticator(self._load_client, self.expand, self.clock)

    # -- lifecycle ---------------------------------------------------------------------------------------
    async def start(self) -> None:
        _schema.require()
        self.tables = load_tables()
        self.store = Store(self.db_path)
        self._expansions.clear()  # a new store counts its role versions from 0 again
        self._expansions_version = -1
        self._executors = {
            large: concurrent.futures.ThreadPoolExecutor(
                workers, thread_name_prefix="taskcluster-local-deployment-%s" % ("large" if large else "small")
            )
            for large, workers in ((False, _SMALL_WORKERS), (True, _LARGE_WORKERS))
        }
        try:
            self.root_access_token = self.store.ensure_root(
                self.root_client_id, self._requested_root_token, self.clock()
            )
            for client_id, scopes in self.configured_clients.items():
                self.client_credentials[client_id] = self.create_client(client_id, scopes)
            # aiohttp refuses a body of client_max_size bytes or more; API bodies have a limit of their own
            app = web.Application(client_max_size=MAX_BODY_BYTES + 1)
            app.router.add_route("*", "/{tail:.*}", self._dispatch)
            # aiohttp >= 3.9 takes the shutdown timeout on the runner, older versions on the site
            timeout: Dict[str, Any] = {"shutdown_timeout": 0.5}
            none: Dict[str, Any] = {}
            runner_kwargs, site_kwargs = (timeout, none) if _AIOHTTP_39 else (none, timeout)
            self._runner = web.AppRunner(app, access_log=None, handle_signals=False, **runner_kwargs)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.host, self.port, **site_kwargs)
            await site.start()
            bound_port = self._runner.addresses[0][1]
        except BaseException:
            await self.stop()
            raise
        self.port = bound_port
        host = "[%s]" % self.host if ":" in self.host else self.host
        self.root_url = "http://%s:%d" % (host, bound_port)
        log.info("local Taskcluster deployment listening on %s", self.root_url)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        executors, self._executors = self._executors, {}
        for executor in executors.values():
            # work still running finishes in its thread (a store transaction blocks close() until it ends)
            executor.shutdown(wait=False, cancel_futures=True)
        store, self.store = self.store, None
        if store is not None:
            store.close()

    # -- state helpers -----------------------------------------------------------------------------------
    def _require_store(self) -> Store:
        if self.store is None:
            raise RuntimeError("the local deployment is not running")
        return self.store

    def _load_client(self, client_id: str) -> Optional[ClientInfo]:
        row = self._require_store().get_client(client_id)
        if row is None:
            return None
        return ClientInfo(
            row["client_id"], row["access_token"], json.loads(row["scopes"]), bool(row["disabled"]), row["expires"]
        )

    def expand(self, scopes: List[str]) -> List[str]:
        """Role expansion with the current roles (memoized until roles change)."""
        store = self._require_store()
        key = tuple(sorted(set(scopes)))
        if self._expansions_version == store.roles_version:
            # a memo of the current roles, read without waiting for the store (which a large request may hold)
            found = self._expansions.get(key)
            if found is not None:
                return list(found)
        with store.lock:
            if self._expansions_version != store.roles_version:
                self._expansions.clear()
                self._expansions_version = store.roles_version
            result = self._expansions.get(key)
            if result is None:
                result = expand_scopes(key, store.roles())
                if len(self._expansions) > 10000:
                    self._expansions.clear()
                self._expansions[key] = result
            return list(result)

    def create_client(
        self, client_id: str, scopes: Iterable[str], description: str = "", expires: Optional[datetime.datetime] = None
    ) -> Dict[str, str]:
        store = self._require_store()
        expires_text = format_date(expires) if expires else NEVER_EXPIRES
        with store.transaction() as db:
            token = db.restore_client(
                client_id, list(scopes), expires_text, format_date(now(self.clock())), description or _CREATED_BY
            )
        return {"clientId": client_id, "accessToken": token}

    def reset(self) -> None:
        """Forget all state; the root client and the configured clients are restored (same tokens)."""
        tokens = self._require_store().reset(
            self.root_client_id, self.root_access_token, self.configured_clients, _CREATED_BY, self.clock()
        )
        self.client_credentials = {cid: {"clientId": cid, "accessToken": token} for cid, token in tokens.items()}

    def temporary_credentials(
        self, name: Optional[str], scopes: List[str], start: datetime.datetime, expiry: datetime.datetime
    ) -> Dict[str, str]:
        """Temporary credentials issued by the root client: named ``name`` (as the queue issues task
        credentials), or unnamed (clientId of the root client) when ``name`` is None (as the queue issues
        the credentials of object artifacts)."""
        cert: Dict[str, Any] = {
            "version": 1,
            "scopes": scopes,
            "start": to_ms(start),
            "expiry": to_ms(expiry),
            "seed": slugId() + slugId(),
        }
        if name is not None:
            cert["issuer"] = self.root_client_id
        cert["signature"] = certificate_signature(self.root_access_token, cert, name)
        return {
            "clientId": self.root_client_id if name is None else name,
            "accessToken": temporary_access_token(self.root_access_token, cert["seed"]),
            "certificate": json.dumps(cert, separators=(",", ":")),
        }

    def sign_url(self, url: str, expiration: int) -> str:
        """``url`` with a bewit from the root client, valid ``expiration`` seconds."""
        resource = Resource(
            url=url,
            method="GET",
            nonce="",
            timestamp=str(int(self.clock()) + expiration),
            credentials={"id": self.root_client_id, "key": self.root_access_token, "algorithm": "sha256"},
        )
        bewit = mohawk.bewit.get_bewit(resource).rstrip("=")
        return "%s%sbewit=%s" % (url, "&" if "?" in url else "?", bewit)

    # -- HTTP --------------------------------------------------------------------------------------------
    async def _offload(self, large: bool, function: Callable[..., _T], *args: Any) -> _T:
        """``function(*args)`` in a worker thread (see `LARGE_BODY_BYTES`), leaving the event loop free to serve
        other requests.

        Work on large bodies runs alongside the other work, so what runs there must be thread-safe: the store
        is (one connection behind a lock, each transaction atomic), and so are the authenticator's nonce
        cache, the role expansion memo and the schema checkers."""
        executor = self._executors.get(large)
        if executor is None:
            raise RuntimeError("the local deployment is not running")
        return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(function, *args))

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = request.raw_path
        path = raw.split("?", 1)[0]
        try:
            if path.startswith("/api/"):
                return await self._api(request)
            if path.startswith("/__artifacts/"):
                return await self._artifacts(request, path)
            if path.startswith("/__objects/"):
                return await self._objects(request, path)
            if path.startswith("/__taskcluster/"):
                return await self._admin(request, path)
            raise services.ServiceError(404, "ResourceNotFound", "No such route: %s %s" % (request.method, path))
        except services.ServiceError as e:
            return self._error(request, e, None, {}, None).response()
        except web.HTTPException:
            raise
        except Exception:
            log.exception("local deployment: %s %s failed", request.method, path)
            error = services.ServiceError(
                500, "InternalServerError", "internal error in the local deployment (see its log)"
            )
            return self._error(request, error, None, {}, None).response()

    def _error(
        self, request: web.Request, error: "services.ServiceError", entry: Any, params: Dict[str, str], payload: Any
    ) -> _Answer:
        body = {
            "code": error.code,
            "message": error.message,
            "requestInfo": {
                "method": entry.name if entry is not None else request.method,
                "params": params,
                "payload": _redact(payload) if payload is not None else {},
                "time": format_date(now(self.clock())),
            },
        }
        body.update(error.extra)
        log.debug("%s %s -> %d %s", request.method, request.path, error.status, error.code)
        return _json_answer(body, error.status, error.headers)

    def _authenticate(self, request: web.Request, body: bytes, loader: Any = None) -> Principal:
        try:
            return self.authenticator.authenticate(
                request.method,
                request.scheme,
                request.host,
                request.raw_path,
                request.headers.get("Authorization"),
                body,
                request.headers.get("Content-Type", ""),
                load_client=loader,
            )
        except AuthenticationError as e:
            raise services.ServiceError(401, "AuthenticationFailed", str(e))
        except ScopeExpansionError as e:
            raise services.ServiceError(500, "InternalServerError", "cannot expand the client's roles: %s" % e)

    @staticmethod
    async def _read_limited(request: web.Request) -> bytes:
        """The request body, refused (413) once it is known to exceed `MAX_API_BODY_BYTES`: at once from its
        Content-Length, else (chunked) as soon as that much arrived; the rest is never buffered (aiohttp reads
        and drops it after the answer, for at most 10 s, then closes the connection)."""
        length = request.content_length
        if length is not None and length > MAX_API_BODY_BYTES:
            raise _too_large(length)
        chunks: List[bytes] = []
        size = 0
        while True:
            chunk = await request.content.readany()
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_API_BODY_BYTES:
                raise _too_large(None)
            chunks.append(chunk)

    # -- the API routes: one request, step by step --------------------------------------------------------
    async def _api(self, request: web.Request) -> web.StreamResponse:
        """Route and read the request on the event loop, then answer it in a worker thread."""
        raw_path, _, raw_query = request.raw_path.partition("?")
        service, entry, params = self._route(request.method, raw_path)
        try:
            body = await self._read_limited(request)
        except services.ServiceError as e:
            return self._error(request, e, entry, params, None).response()
        large = len(body) > LARGE_BODY_BYTES
        answer = await self._offload(large, self._answer, request, service, entry, params, raw_query, body)
        return answer.response()

    def _answer(
        self, request: web.Request, service: str, entry: Entry, params: Dict[str, str], raw_query: str, body: bytes
    ) -> _Answer:
        """The steps of an API call after its body was read: everything but I/O (see `_api`)."""
        payload: Any = None
        try:
            payload, content_error = self._parse_body(request, entry, body)
            principal = self._authenticate_call(request, service, entry, body, payload)
            handler = self._handler(service, entry)
            call = self._make_call(request, entry, params, self._parse_query(entry, raw_query), principal)
            call.authorize_from_route()
            call.payload = self._validated(service, entry, payload, content_error)
            reply = self._run(service, handler, call)
            if self.check_responses:
                self._check_response(service, entry, reply)
            answer = _json_answer(reply.body, reply.status, reply.headers)
        except services.ServiceError as e:
            return self._error(request, e, entry, params, payload)
        except Exception:
            log.exception("local deployment: %s.%s failed", service, entry.name)
            error = services.ServiceError(
                500, "InternalServerError", "internal error in the local deployment (see its log)"
            )
            return self._error(request, error, entry, params, payload)
        log.debug("%s %s -> %d (%s.%s)", request.method, request.path, reply.status, service, entry.name)
        return answer

    def _route(self, method: str, raw_path: str) -> Tuple[str, Entry, Dict[str, str]]:
        """The service, the entry and the route parameters of ``<method> /api/<service>/<version>/...``."""
        parts = raw_path.split("/")  # ['', 'api', service, version, ...]
        service = unquote(parts[2]) if len(parts) > 2 else ""
        table = self.tables.get(service)
        if table is None or len(parts) < 4 or parts[3] != table.api_version:
            raise services.ServiceError(
                404,
                "ResourceNotFound",
                "No service %r (version %s) in this deployment; services: %s"
                % (service, parts[3] if len(parts) > 3 else "?", ", ".join(sorted(self.tables))),
            )
        found = table.resolve("GET" if method == "HEAD" else method, parts[4:], services.handlers_for(service))
        if found is None:
            raise services.ServiceError(
                404,
                "ResourceNotFound",
                "No %s route %s in the %s service" % (method, "/" + "/".join(parts[4:]), service),
            )
        entry, params = found
        return service, entry, params

    @staticmethod
    def _parse_body(request: web.Request, entry: Entry, body: bytes) -> Tuple[Any, Optional[str]]:
        """The JSON payload, and why the body is not one the entry takes (reported only after the route's scopes
        were checked, as upstream checks the content type with the schema).

        As upstream, a body sent as ``application/json`` is parsed whatever the entry; one that is not JSON is
        400 ``MalformedPayload`` at once (before authentication), and so is a body that is not an object or an
        array, or that JSON cannot represent (`_json.loads`: NaN, Infinity, numbers beyond a double, lone
        surrogates, nesting deeper than `_json.MAX_DEPTH` levels). A body of another type is never parsed."""
        if not body:
            if entry.input is None:
                return None, None
            return None, "this endpoint needs a JSON body (%s)" % entry.input
        content_error = _json_content_error(request.headers.get("Content-Type"))
        if content_error is not None:
            return None, content_error
        try:
            payload = _json.loads(body)
        except _json.BodyError as e:
            raise services.ServiceError(400, "MalformedPayload", "Failed to parse JSON: %s" % e)
        if not isinstance(payload, (dict, list)):
            raise services.ServiceError(
                400,
                "MalformedPayload",
                "Failed to parse JSON: the body must be an object or an array, got %s" % _schema.json_type(payload),
            )
        return (payload if entry.input is not None else None), None

    def _authenticate_call(
        self, request: web.Request, service: str, entry: Entry, body: bytes, payload: Any
    ) -> Principal:
        """The caller; endpoints that check credentials of their own (testAuthenticate) bring a client loader."""
        loader_factory = services.LOADERS.get(service, {}).get(entry.name)
        return self._authenticate(request, body, loader_factory(payload) if loader_factory else None)

    @staticmethod
    def _handler(service: str, entry: Entry) -> Callable[["services.Call"], "services.Reply"]:
        """The entry's handler; 501 naming what is implemented when there is none."""
        handlers = services.handlers_for(service)
        handler = handlers.get(entry.name)
        if handler is not None:
            return handler
        if handlers:
            what = "it implements %s: %s" % (service, ", ".join(sorted(handlers)))
        else:
            what = "it implements the services %s" % ", ".join(sorted(services.IMPLEMENTED))
        raise services.ServiceError(
            501,
            "NotImplemented",
            "%s.%s (%s %s) is not implemented by the local Taskcluster deployment (taskcluster.testing); %s"
            % (service, entry.name, entry.method, entry.route, what),
        )

    @staticmethod
    def _parse_query(entry: Entry, raw_query: str) -> Dict[str, str]:
        """The query parameters the entry declares (``bewit`` is authentication's); others are 400."""
        query = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            if key == "bewit":
                continue
            if key not in entry.query:
                raise services.ServiceError(
                    400,
                    "InvalidRequestArguments",
                    "unknown query parameter %r for %s (allowed: %s)"
                    % (key, entry.name, ", ".join(entry.query) or "none"),
                )
            query[key] = value
        return query

    def _make_call(
        self, request: web.Request, entry: Entry, params: Dict[str, str], query: Dict[str, str], principal: Principal
    ) -> "services.Call":
        return services.Call(
            entry=entry,
            params=params,
            query=query,
            payload=None,
            principal=principal,
            store=self._require_store(),
            deployment=self,
            base_url="%s://%s" % (request.scheme, request.host),
            clock=self.clock(),
        )

    def _checker(self, service: str, schema_id: Optional[str]) -> Optional[_schema.Checker]:
        table = self.tables.get(service)
        return _schema.checker(table.module if table is not None else None, service, schema_id)

    def _validated(self, service: str, entry: Entry, payload: Any, content_error: Optional[str]) -> Any:
        """The payload with the defaults of the entry's input schema filled in, checked against that schema
        (400 naming each offending field otherwise). Without a schema (retired services), any JSON object."""
        if content_error is not None:
            raise services.ServiceError(400, "MalformedPayload", content_error)
        if entry.input is None:
            return payload
        checker = self._checker(service, entry.input)
        if checker is None:
            if not isinstance(payload, dict):
                raise services.ServiceError(
                    400,
                    "InputValidationError",
                    "Request payload must be a JSON object, got %s" % _schema.json_type(payload),
                )
            return payload
        try:
            filled = checker.fill_defaults(payload)
            errors = checker.errors(payload, filled)
        except RecursionError:
            raise services.ServiceError(400, "InputValidationError", "Request payload is too deeply nested")
        if errors:
            raise services.ServiceError(
                400,
                "InputValidationError",
                "Request payload must match the schema %s%s:\n%s"
                % (checker.name, " (%s)" % checker.title if checker.title else "", _schema.summary(errors)),
            )
        return payload

    def _check_response(self, service: str, entry: Entry, reply: "services.Reply") -> None:
        """With ``check_responses``: a JSON answer that does not match the entry's output schema is a 500
        (and an error in the log) naming the schema and the first mismatches."""
        if reply.body is None or not 200 <= reply.status < 400:
            return
        checker = self._checker(service, entry.output)
        if checker is None:
            return
        errors = checker.errors(reply.body)
        if not errors:
            return
        what = "%s.%s answered %d with a body that does not match its output schema %s" % (
            service,
            entry.name,
            reply.status,
            checker.name,
        )
        log.error("local deployment: %s:\n%s", what, _schema.summary(errors, limit=len(errors)))
        raise services.ServiceError(
            500,
            "InternalServerError",
            "The local deployment's answer is wrong (check_responses is on): %s:\n%s"
            % (what, _schema.summary(errors, limit=5)),
        )

    @staticmethod
    def _run(
        service: str, handler: Callable[["services.Call"], "services.Reply"], call: "services.Call"
    ) -> "services.Reply":
        """The handler's reply; a 500 when it failed to fill a scope expression or answered without
        enforcing the entry's scopes."""
        entry = call.entry
        try:
            reply = handler(call)
        except (MissingParameter, ScopeExpansionError) as e:
            log.error("local deployment: %s.%s: %s", service, entry.name, e)
            raise services.ServiceError(500, "InternalServerError", "%s.%s: %s" % (service, entry.name, e))
        if not call.authorized:
            log.error("local deployment: %s.%s answered without enforcing its scopes", service, entry.name)
            raise services.ServiceError(
                500, "InternalServerError", "%s.%s did not check the caller's scopes" % (service, entry.name)
            )
        return reply

    async def _artifacts(self, request: web.Request, path: str) -> web.StreamResponse:
        rest = path[len("/__artifacts/") :]
        if rest.startswith("upload/"):
            if request.method != "PUT":
                raise services.ServiceError(405, "MethodNotAllowed", "artifact uploads use PUT")
            data = await request.read()
            return (await self._offload(True, self._artifact_upload, rest[len("upload/") :], data)).response()
        if request.method not in ("GET", "HEAD"):
            raise services.ServiceError(405, "MethodNotAllowed", "artifact downloads use GET")
        return (await self._offload(True, self._artifact_download, rest.split("/", 1)[0])).response()

    def _artifact_upload(self, token: str, data: bytes) -> _Answer:
        with self._require_store().transaction() as db:
            count = db.execute("UPDATE artifacts SET data = ? WHERE upload_token = ?", (data, token)).rowcount
        if not count:
            raise services.ServiceError(404, "ResourceNotFound", "no artifact awaits this upload URL")
        return _Answer(200, {"ETag": _etag(data)}, b"")

    def _artifact_download(self, token: str) -> _Answer:
        with self._require_store().transaction() as db:
            row = db.one("SELECT content_type, data FROM artifacts WHERE download_token = ?", (token,))
        if row is None:
            raise services.ServiceError(404, "ResourceNotFound", "no such artifact")
        if row["data"] is None:
            raise services.ServiceError(404, "ResourceNotFound", "the artifact's content was not uploaded yet")
        return _Answer(200, {"Content-Type": row["content_type"]}, bytes(row["data"]))

    async def _objects(self, request: web.Request, path: str) -> web.StreamResponse:
        rest = path[len("/__objects/") :]
        if rest.startswith("upload/"):
            if request.method != "PUT":
                raise services.ServiceError(405, "MethodNotAllowed", "object uploads use PUT")
            data = await request.read()
            content_type = request.headers.get("Content-Type")
            return (
                await self._offload(True, self._object_upload, rest[len("upload/") :], content_type, data)
            ).response()
        if request.method not in ("GET", "HEAD"):
            raise services.ServiceError(405, "MethodNotAllowed", "object downloads use GET")
        return (await self._offload(True, self._object_download, rest.split("/", 1)[0])).response()

    def _object_upload(self, token: str, content_type: Optional[str], data: bytes) -> _Answer:
        objects.store_put(self._require_store(), self.clock(), token, content_type, data)
        return _Answer(200, {"ETag": _etag(data)}, b"")

    def _object_download(self, token: str) -> _Answer:
        data, content_type = objects.read_data(self._require_store(), self.clock(), token)
        return _Answer(200, {"Content-Type": content_type}, data)

    async def _admin(self, request: web.Request, path: str) -> web.StreamResponse:
        body = await self._read_limited(request)
        if path == "/__taskcluster/reset" and request.method == "POST":
            return (await self._offload(False, self._admin_reset, request, body)).response()
        raise services.ServiceError(404, "ResourceNotFound", "No such admin route: %s %s" % (request.method, path))

    def _admin_reset(self, request: web.Request, body: bytes) -> _Answer:
        principal = self._authenticate(request, body)
        if not principal.scopes.satisfies("local-deployment:reset"):
            raise services.ServiceError(403, "InsufficientScopes", "resetting needs scope local-deployment:reset")
        self.reset()
        return _json_answer({})


class _DeploymentAPI:
    """What both deployment flavours offer: construction, and the members usable once started."""

    __test__ = False

    def __init__(
        self,
        db_path: Optional[str] = None,
        root_client_id: str = DEFAULT_ROOT_CLIENT_ID,
        root_access_token: Optional[str] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clients: Optional[Mapping[str, Iterable[str]]] = None,
        clock: Optional[Callable[[], float]] = None,
        check_responses: Optional[bool] = None,
    ) -> None:
        """A deployment, not started yet.

        Args:
            db_path: SQLite file keeping the state across restarts; ``None`` uses a private temporary file.
            root_client_id: clientId of the root client (scope ``*``).
            root_access_token: its accessToken; ``None`` keeps the one stored in ``db_path`` or makes a random
                one.
            host: address to bind (loopback by default).
            port: port to bind; 0 picks a free one.
            clients: clientId -> scopes of clients to create at start (credentials in ``.clients``).
            clock: a function returning the Unix time, for tests that need to control it.
            check_responses: validate every JSON answer of an implemented endpoint against the endpoint's
                output schema, answering 500 ``InternalServerError`` (and logging an error) on a mismatch: a
                check of the deployment itself, for its own test suite. ``None`` (the default) takes it from
                ``$TASKCLUSTER_TESTING_CHECK_RESPONSES`` ("1"/"true": on), else off. Can be changed later
                through the ``check_responses`` attribute.
        """
        if check_responses is None:
            check_responses = check_responses_default()
        self._core = _Core(db_path, root_client_id, root_access_token, host, port, clients, clock, check_responses)
        self._init_flavour()

    def _init_flavour(self) -> None:
        """The state of one flavour (thread or event loop), set up at construction."""

    @property
    def running(self) -> bool:
        return self._core.root_url != "" and self._core.store is not None

    def _started(self) -> _Core:
        if not self.running:
            raise RuntimeError("the local deployment is not running; call start() or use it as a context manager")
        return self._core

    @property
    def check_responses(self) -> bool:
        """Whether answers are checked against their output schemas (see the constructor)."""
        return self._core.check_responses

    @check_responses.setter
    def check_responses(self, value: bool) -> None:
        self._core.check_responses = bool(value)

    @property
    def rootUrl(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self._started().root_url

    @property
    def port(self) -> int:
        return self._started().port

    @property
    def db_path(self) -> str:
        """The SQLite file holding the state."""
        store = self._started().store
        assert store is not None
        return store.path

    @property
    def credentials(self) -> Dict[str, str]:
        """The root client's credentials (scope ``*``)."""
        core = self._started()
        return {"clientId": core.root_client_id, "accessToken": core.root_access_token}

    @property
    def clients(self) -> Dict[str, Dict[str, str]]:
        """Credentials of the clients configured with ``clients=``, by clientId."""
        return {cid: dict(creds) for cid, creds in self._started().client_credentials.items()}

    def options(self, client_id: Optional[str] = None) -> Dict[str, Any]:
        """Client options: ``{'rootUrl': ..., 'credentials': ...}`` (root, or a configured client)."""
        if client_id is None:
            credentials = self.credentials
        else:
            credentials = self.clients[client_id]
        return {"rootUrl": self.rootUrl, "credentials": credentials}

    def create_client(
        self,
        clientId: str,
        scopes: Iterable[str] = (),
        description: str = "",
        expires: Optional[datetime.datetime] = None,
    ) -> Dict[str, str]:
        """Create (or update the scopes of) a client directly in the store; returns its credentials."""
        return self._started().create_client(clientId, scopes, description, expires)

    def reset(self) -> None:
        """Forget all tasks, artifacts, objects, secrets, index entries, roles and clients but the configured ones."""
        self._started().reset()

    def temporary_credentials(self, name: str, scopes: Iterable[str], expiry_seconds: int = 3600) -> Dict[str, str]:
        """Named temporary credentials issued by the root client."""
        core = self._started()
        start = now(core.clock())
        return core.temporary_credentials(
            name,
            list(scopes),
            start - datetime.timedelta(minutes=5),
            start + datetime.timedelta(seconds=expiry_seconds),
        )

    def __repr__(self) -> str:
        state = self._core.root_url if self.running else "stopped"
        return "<%s %s root=%s>" % (type(self).__name__, state, self._core.root_client_id)


class LocalDeployment(_DeploymentAPI):
    """A local Taskcluster deployment served from a background thread (arguments: see `_DeploymentAPI`).

    ``with LocalDeployment() as tc: queue = taskcluster.Queue(tc.options())``
    """

    __test__ = False

    def _init_flavour(self) -> None:
        self._thread: Optional[threading.Thread] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._lock = threading.Lock()

    def start(self) -> "LocalDeployment":
        """Start serving (returns once the port is bound); a no-op when already running."""
        with self._lock:
            if self._thread is not None:
                return self
            ready = threading.Event()
            failure: List[BaseException] = []
            self._thread = threading.Thread(
                target=self._serve, args=(ready, failure), daemon=True, name="taskcluster-local-deployment"
            )
            self._thread.start()
            ready.wait()
            if failure:
                self._thread.join()
                self._thread = None
                raise failure[0]
            return self

    def _serve(self, ready: threading.Event, failure: List[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            try:
                loop.run_until_complete(self._core.start())
            except BaseException as e:
                failure.append(e)
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._core.stop())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            self._loop = None
            loop.close()
            ready.set()

    def stop(self) -> None:
        """Stop serving and release the port (the state stays in ``db_path`` if one was given)."""
        with self._lock:
            thread, loop = self._thread, self._loop
            if thread is None:
                return
            if loop is not None:
                loop.call_soon_threadsafe(loop.stop)
            thread.join()
            self._thread = None
            self._core.root_url = ""

    def __enter__(self) -> "LocalDeployment":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class AsyncLocalDeployment(_DeploymentAPI):
    """The same deployment served from the current event loop: ``async with AsyncLocalDeployment() as tc``
    (arguments: see `_DeploymentAPI`)."""

    __test__ = False

    def _init_flavour(self) -> None:
        self._started_flag = False

    async def start(self) -> "AsyncLocalDeployment":
        if self._started_flag:
            return self
        await self._core.start()
        self._started_flag = True
        return self

    async def stop(self) -> None:
        if not self._started_flag:
            return
        self._started_flag = False
        await self._core.stop()
        self._core.root_url = ""

    async def __aenter__(self) -> "AsyncLocalDeployment":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

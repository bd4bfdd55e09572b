"""What the sync and async clients share: options, the function table, request preparation, URLs and
routing keys. The two drivers add only sending and sleeping."""

import copy
import time
from typing import Any, ClassVar, Dict, Mapping, Optional, Tuple, Type, TypeVar

from ._events import TopicExchangeBinding, topic_exchange
from ._flow import Request
from ._hawk import EMPTY_PAYLOAD_HASH, Signer, make_ext, payload_hash
from ._options import (
    DEFAULT_CONFIG,
    MAX_EXPIRATION,
    ROOT_URL_REQUIRED,
    ClientOptions,
    check_seconds,
    merge_options,
    parse_options,
    warn_misspelt_options,
)
from ._pagination import PaginatedMethod
from ._prepare import (
    CallArgs,
    CompiledFunction,
    encode_payload,
    encode_query,
    positional_call,
    process_args,
    split_kwargs,
)
from ._urls import ApiLocation, api_location
from .exceptions import TaskclusterAuthFailure, TaskclusterFailure

__all__ = ["ClientCore"]

_JSON_HEADERS: Dict[str, str] = {"Content-Type": "application/json"}
_NO_HEADERS: Dict[str, str] = {}

_Self = TypeVar("_Self", bound="ClientCore")


class ClientCore:
    """Base of every generated client class; subclasses carry the service's tables as class attributes."""

    classOptions: Dict[str, Any] = {}
    serviceName: str = ""
    apiVersion: str = "v1"
    deprecated: bool = False
    funcinfo: Dict[str, Dict[str, Any]] = {}
    exchangeinfo: Dict[str, Dict[str, Any]] = {}
    paginated: Dict[str, str] = {}
    _functions: Dict[str, CompiledFunction] = {}
    #: Wraps a paginated method listed in `paginated` that its class left undecorated (each driver sets its flavour).
    _paginated_method: ClassVar[Optional[Type[PaginatedMethod]]] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        paginated = cls.paginated
        cls._functions = {
            name: CompiledFunction(cls.__name__, entry, paginated.get(name)) for name, entry in cls.funcinfo.items()
        }
        for name, value in list(cls.__dict__.items()):
            if isinstance(value, PaginatedMethod) and name not in paginated:
                raise TypeError(
                    "%s.%s is decorated as paginated but is not in %s.paginated" % (cls.__name__, name, cls.__name__)
                )
        wrap = cls._paginated_method
        for name in paginated:
            method = cls.__dict__.get(name)
            if method is not None and wrap is not None and not isinstance(method, PaginatedMethod):
                setattr(cls, name, wrap(method, name))

    def __init__(self, options: Optional[Mapping[str, Any]] = None) -> None:
        merged = merge_options(self.classOptions, DEFAULT_CONFIG, options)
        warn_misspelt_options(options)
        self._configure(merged)

    def _configure(self, merged: Dict[str, Any]) -> None:
        self.options: Dict[str, Any] = merged
        # a class with only exchanges builds routing keys, which need no deployment
        self._opts: ClientOptions = parse_options(merged, require_root_url=bool(self.funcinfo))
        self._location: Optional[ApiLocation] = None
        if self._opts.root_url:
            self._location = api_location(self._opts.root_url, self.serviceName, self.apiVersion)
        credentials = self._opts.credentials
        self._signer: Optional[Signer] = None
        if credentials is not None:
            ext = make_ext(credentials.certificate, self._opts.authorized_scopes)
            self._signer = Signer(credentials.clientId, credentials.accessToken, ext)

    def withOptions(self: _Self, options: Optional[Mapping[str, Any]] = None, /, **more: Any) -> _Self:
        """A copy of this client with some options changed, sharing its connections (its session).

        For a call or a few with another timeout or retry count, without touching the client others use::

            queue.withOptions(timeout=5, maxRetries=0).task(task_id)
            queue.withOptions({"totalTimeout": 60}).listTaskGroup(group_id)

        Options come as a dict, as keywords, or both; the others are this client's. They are validated as at
        construction. `maxConnections` does not apply to the copy: it shares this client's connection pool. The copy
        never closes the shared session: close this client when both are done.
        """
        if options is not None and not isinstance(options, Mapping):
            raise TaskclusterFailure("withOptions: options must be a dict, got %s" % type(options).__name__)
        given: Dict[str, Any] = dict(options or {})
        given.update(more)
        warn_misspelt_options(given)
        merged = merge_options({}, self.options, given)
        clone = copy.copy(self)
        clone._configure(merged)
        self._share_transport(clone)
        return clone

    def _share_transport(self, clone: "ClientCore") -> None:
        """Make `clone` (a copy of this client) send over this client's connections; each driver says how."""

    def __repr__(self) -> str:
        who = self._signer.client_id if self._signer is not None else None
        return "<%s rootUrl=%r clientId=%r>" % (type(self).__name__, self._opts.root_url, who)

    def makeHawkExt(self) -> Any:
        """The Hawk `ext` this client sends, as the historical client returned it: URL-safe base64 bytes of the JSON
        carrying the certificate and authorizedScopes (`b"e30="`, i.e. `{}`, when there is neither), or `{}` for a
        client without credentials."""
        if self._signer is None:
            return {}
        return (self._signer.ext or "e30=").encode("ascii")

    def _api_location(self) -> ApiLocation:
        if self._location is None:
            raise TaskclusterFailure(ROOT_URL_REQUIRED)
        return self._location

    def _function(self, name: str) -> CompiledFunction:
        try:
            return self._functions[name]
        except KeyError:
            known = ", ".join(sorted(self._functions)) or "none"
            raise TaskclusterFailure(
                "%s has no API method %r; its methods are: %s" % (type(self).__name__, name, known)
            ) from None

    def _path(self, fn: CompiledFunction, call: CallArgs) -> str:
        """The escaped route with its query string, relative to the service's base URL."""
        path = fn.path(call.route_values)
        if call.query:
            try:
                query_string = encode_query(call.query)
            except (RecursionError, ValueError) as exc:
                detail = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
                raise TaskclusterFailure("%s: query cannot be encoded: %s" % (fn.signature(), detail)) from None
            if query_string:
                return path + "?" + query_string
        return path

    def _prepare(self, fn: CompiledFunction, call: CallArgs) -> Request:
        location = self._api_location()
        path = self._path(fn, call)
        body = None
        headers = _NO_HEADERS
        content_hash = EMPTY_PAYLOAD_HASH
        if call.payload is not None:
            body = encode_payload(fn, call.payload)
            headers = _JSON_HEADERS
            if self._signer is not None:
                content_hash = payload_hash("application/json", body)
        return Request(
            fn.qualname,
            fn.method,
            location.base_url + path,
            location.base_path + path,
            location.host,
            location.port,
            body,
            headers,
            content_hash,
        )

    def _resolve(
        self,
        name: str,
        args: Tuple[Any, ...],
        named: Tuple[Any, ...],
        payload: Any,
        query: Optional[Mapping[str, Any]],
        params: Optional[Mapping[str, Any]],
        extra: Mapping[str, Any],
    ) -> Tuple[CompiledFunction, CallArgs]:
        """The function and resolved arguments of a generated method's call (see `process_args`)."""
        fn = self._functions[name]
        return fn, process_args(fn, args, named, payload, query, params, extra)

    def _split_call(
        self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any], allow_payload: bool = True
    ) -> Tuple[CompiledFunction, CallArgs]:
        """Resolve a call given as free-form arguments (URL builders, page iterators)."""
        fn = self._function(name)
        if not kwargs:
            resolved = positional_call(fn, args, None, allow_payload)
            if resolved is not None:
                return fn, resolved
        named, payload, query, params, extra = split_kwargs(fn, kwargs)
        return fn, process_args(fn, args, named, payload, query, params, extra, allow_payload)

    def buildUrl(self, methodName: str, *args: Any, **kwargs: Any) -> str:
        """The URL of an API method for the given route arguments and `query=`, without signing it."""
        fn, call = self._split_call(methodName, args, kwargs, allow_payload=False)
        return self._api_location().base_url + self._path(fn, call)

    def buildSignedUrl(self, methodName: str, *args: Any, expiration: Optional[float] = None, **kwargs: Any) -> str:
        """A URL carrying a bewit, so a plain HTTP client can GET it until `expiration` seconds from now."""
        signer = self._signer
        if signer is None:
            raise TaskclusterAuthFailure(
                "buildSignedUrl needs credentials (clientId and accessToken); this client has none"
            )
        if expiration is None:
            expiration = self._opts.signed_url_expiration
        else:
            expiration = check_seconds("buildSignedUrl: expiration", expiration, 0, MAX_EXPIRATION)
        fn, call = self._split_call(methodName, args, kwargs, allow_payload=False)
        path = self._path(fn, call)
        location = self._api_location()
        bewit = signer.bewit(location.base_path + path, location.host, location.port, int(time.time() + expiration))
        return "%s%s%sbewit=%s" % (location.base_url, path, "&" if "?" in path else "?", bewit)

    def _topicExchange(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> TopicExchangeBinding:
        prefix = self._opts.exchange_prefix or self.classOptions.get("exchangePrefix", "")
        return topic_exchange(prefix, self.exchangeinfo[name], args, kwargs)

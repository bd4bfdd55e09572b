"""What the sync and async clients share: options, the function table, request preparation, URLs and
routing keys. The two drivers add only sending and sleeping."""

import copy
import time
from typing import Any, ClassVar, Dict, Mapping, Optional, Set, Tuple, Type, TypeVar

from ._auth import Authorizer, auth_for
from ._events import TopicExchangeBinding, topic_exchange
from ._flow import Request
from ._hawk import Signer
from ._keywords import resolve_keywords
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
from ._pagination import PaginatedMethod, next_page_query
from ._prepare import CompiledFunction, positional_call, process_args, split_kwargs
from ._request import Call, build_request, request_path
from ._spec import TASKCLUSTER, ApiSpec, Operation
from ._urls import ApiLocation, api_location
from .exceptions import TaskclusterAuthFailure, TaskclusterFailure

__all__ = ["ClientCore"]

_Self = TypeVar("_Self", bound="ClientCore")


# The compiled functions of each (class name, funcinfo table): the async class of a service takes its table from the
# sync class, so its functions are compiled once for both.
_COMPILED: Dict[Tuple[str, int], Tuple[Dict[str, Any], Dict[str, str], Dict[str, Operation]]] = {}


def _compiled(class_name: str, funcinfo: Dict[str, Any], paginated: Dict[str, str]) -> Dict[str, Operation]:
    key = (class_name, id(funcinfo))
    known = _COMPILED.get(key)
    if known is not None and known[0] is funcinfo and known[1] == paginated:
        return known[2]
    functions: Dict[str, Operation] = {
        name: CompiledFunction(class_name, entry, paginated.get(name)) for name, entry in funcinfo.items()
    }
    if funcinfo:
        _COMPILED[key] = (funcinfo, dict(paginated), functions)
    return functions


class ClientCore:
    """Base of every generated client class; subclasses carry the service's tables as class attributes."""

    classOptions: Dict[str, Any] = {}
    serviceName: str = ""
    apiVersion: str = "v1"
    deprecated: bool = False
    funcinfo: Dict[str, Dict[str, Any]] = {}
    exchangeinfo: Dict[str, Dict[str, Any]] = {}
    paginated: Dict[str, str] = {}
    #: The API family's conventions (Taskcluster's, or a generated client's own table) and, for a client of another
    #: family, its operations, compiled once for both drivers
    _api_spec: ClassVar[ApiSpec] = TASKCLUSTER
    _operations: ClassVar[Dict[str, Operation]] = {}
    _functions: Dict[str, Operation] = {}
    #: Wraps a paginated method listed in `paginated` that its class left undecorated (each driver sets its flavour).
    _paginated_method: ClassVar[Optional[Type[PaginatedMethod]]] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        paginated = cls.paginated
        if cls._api_spec.calling == "positional":
            cls._functions = _compiled(cls.__name__, cls.funcinfo, paginated)
        else:
            cls._functions = dict(cls._operations)
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
        spec = self._api_spec
        hawk = spec.auth.kind == "hawk"
        # a class with only exchanges builds routing keys, which need no deployment
        self._opts: ClientOptions = parse_options(
            merged if hawk else dict(merged, credentials=None),
            require_root_url=bool(self._functions) and spec.default_root_url is None,
        )
        self._location: Optional[ApiLocation] = None
        root_url = self._opts.root_url or spec.default_root_url
        if root_url:
            if spec is TASKCLUSTER:
                self._location = api_location(root_url, self.serviceName, self.apiVersion)
            else:
                self._location = ApiLocation(spec.base_url_for(root_url, self.serviceName, self.apiVersion))
        self._signer: Optional[Authorizer] = auth_for(spec, self._opts, merged)

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
        who = self._signer.client_id if self._signer is not None else None  # a client id, never a secret
        root_url = self._opts.root_url or self._api_spec.default_root_url or ""
        return "<%s rootUrl=%r clientId=%r>" % (type(self).__name__, root_url, who)

    def makeHawkExt(self) -> Any:
        """The Hawk `ext` this client sends, as the historical client returned it: URL-safe base64 bytes of the JSON
        carrying the certificate and authorizedScopes (`b"e30="`, i.e. `{}`, when there is neither), or `{}` for a
        client without credentials."""
        if not isinstance(self._signer, Signer):
            return {}
        return (self._signer.ext or "e30=").encode("ascii")

    def _api_location(self) -> ApiLocation:
        if self._location is None:
            raise TaskclusterFailure(ROOT_URL_REQUIRED)
        return self._location

    def _function(self, name: str) -> Operation:
        try:
            return self._functions[name]
        except KeyError:
            known = ", ".join(sorted(self._functions)) or "none"
            raise TaskclusterFailure(
                "%s has no API method %r; its methods are: %s" % (type(self).__name__, name, known)
            ) from None

    def _request(self, call: Call) -> Request:
        """The request for a resolved call (see `_request.build_request`)."""
        return build_request(self._api_location(), call, self._signer)

    def _resolve(
        self,
        name: str,
        args: Tuple[Any, ...],
        named: Tuple[Any, ...],
        payload: Any,
        query: Optional[Mapping[str, Any]],
        params: Optional[Mapping[str, Any]],
        extra: Mapping[str, Any],
    ) -> Call:
        """The resolved call of a generated Taskcluster method (see `_prepare.process_args`)."""
        return process_args(self._functions[name], args, named, payload, query, params, extra)

    def _split_call(
        self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any], allow_payload: bool = True
    ) -> Call:
        """Resolve a call given as free-form arguments (keyword clients, URL builders, page iterators)."""
        fn = self._function(name)
        if fn.spec.calling == "keywords":
            if args:
                raise TaskclusterFailure(
                    "%s takes keyword arguments only; got %d positional argument(s)" % (fn.signature(), len(args))
                )
            return resolve_keywords(fn, kwargs)
        if not kwargs:
            resolved = positional_call(fn, args, None, allow_payload)
            if resolved is not None:
                return resolved
        named, payload, query, params, extra = split_kwargs(fn, kwargs)
        return process_args(fn, args, named, payload, query, params, extra, allow_payload)

    def _next_page(self, call: Call, page: Any, seen: Set[bytes]) -> Optional[Call]:
        """The call for the page after `page` of a listing, or None after the last page (see `next_page_query`)."""
        op = call.op
        scheme = op.spec.pagination
        if scheme is None:
            return None
        following = next_page_query(call.query, page, seen, op.qualname, scheme.token_param, scheme.token_field)
        return None if following is None else call.with_query(following)

    def buildUrl(self, methodName: str, *args: Any, **kwargs: Any) -> str:
        """The URL of an API method for the given route arguments and `query=`, without signing it."""
        call = self._split_call(methodName, args, kwargs, allow_payload=False)
        return self._api_location().base_url + request_path(call)

    def buildSignedUrl(self, methodName: str, *args: Any, expiration: Optional[float] = None, **kwargs: Any) -> str:
        """A URL carrying a bewit, so a plain HTTP client can GET it until `expiration` seconds from now."""
        signer = self._signer
        if not isinstance(signer, Signer):
            raise TaskclusterAuthFailure(
                "buildSignedUrl needs credentials (clientId and accessToken); this client has none"
            )
        if expiration is None:
            expiration = self._opts.signed_url_expiration
        else:
            expiration = check_seconds("buildSignedUrl: expiration", expiration, 0, MAX_EXPIRATION)
        call = self._split_call(methodName, args, kwargs, allow_payload=False)
        path = request_path(call)
        location = self._api_location()
        bewit = signer.bewit(location.base_path + path, location.host, location.port, int(time.time() + expiration))
        return "%s%s%sbewit=%s" % (location.base_url, path, "&" if "?" in path else "?", bewit)

    def _topicExchange(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> TopicExchangeBinding:
        prefix = self._opts.exchange_prefix or self.classOptions.get("exchangePrefix", "")
        return topic_exchange(prefix, self.exchangeinfo[name], args, kwargs)

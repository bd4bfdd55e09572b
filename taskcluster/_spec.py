"""The runtime tables in general terms: what an API family does (`ApiSpec`) and what each operation is (`Operation`).

A family's conventions are data: where its base URL is, how calls authenticate, how lists paginate, whether answers
come in an envelope, and how it asks a client to slow down. Taskcluster is one family (`TASKCLUSTER`); a generated
client of another API carries its own spec table. An operation knows its HTTP method, its path template (each
parameter expanded simply, or reserved like RFC 6570's `{+name}`), its parameters by Python and wire name, whether it
takes a body, and the items key of its pages.
"""

import re
from typing import Any, Dict, Mapping, Optional, Pattern, Sequence, Tuple

from ._responses import ResponseRules
from ._urls import CompiledRoute
from .exceptions import TaskclusterFailure

__all__ = [
    "ApiSpec",
    "AuthScheme",
    "Envelope",
    "Operation",
    "PaginationScheme",
    "Param",
    "RateLimit",
    "TASKCLUSTER",
    "compile_operations",
]

AUTH_SCHEMES = ("hawk", "bearer", "headers", "none")
PARAM_TYPES = ("string", "integer", "number", "boolean", "any")


class AuthScheme:
    """How calls authenticate: `hawk` (signed from credentials clientId/accessToken), `bearer` (the `token` option,
    a str or a callable returning one, sent as `Authorization: Bearer`), `headers` (each named header carries one key
    of the `credentials` option), or `none`."""

    __slots__ = ("kind", "headers")

    def __init__(self, kind: str, headers: Sequence[Tuple[str, str]] = ()) -> None:
        if kind not in AUTH_SCHEMES:
            raise ValueError("unknown auth scheme %r; expected one of %s" % (kind, ", ".join(AUTH_SCHEMES)))
        self.kind = kind
        #: (header name, credentials key) pairs of the `headers` scheme
        self.headers: Tuple[Tuple[str, str], ...] = tuple((str(h), str(k)) for h, k in headers)


class PaginationScheme:
    """Token pagination: the query parameter asking for the next page, the answer field carrying it, and the query
    parameter bounding a page's size (if any)."""

    __slots__ = ("token_param", "token_field", "limit_param")

    def __init__(self, token_param: str, token_field: str, limit_param: Optional[str] = None) -> None:
        self.token_param = token_param
        self.token_field = token_field
        self.limit_param = limit_param


class Envelope:
    """Answers wrapped as `{ok, message, content}`: `ok` false is a failure carrying `message` (or, for the messages an
    operation lists as meaning "nothing", None); otherwise the call returns `content`."""

    __slots__ = ("ok", "message", "content")

    def __init__(self, ok: str = "ok", message: str = "message", content: str = "content") -> None:
        self.ok = ok
        self.message = message
        self.content = content


class RateLimit:
    """An answer with `status` whose JSON body's `field` says how long to wait, in units of `unit` seconds."""

    __slots__ = ("status", "field", "unit")

    def __init__(self, status: int, field: str, unit: float = 1.0) -> None:
        self.status = status
        self.field = field
        self.unit = unit


class ApiSpec:
    """One API family's conventions, shared by every operation of a client class.

    `base_url` is a pattern over `{rootUrl}` (the root URL option, or `default_root_url`), `{service}` and
    `{version}`; `common_params` are accepted by every operation.
    """

    __slots__ = (
        "base_url", "default_root_url", "auth", "pagination", "envelope", "rate_limit", "common_params",
        "calling",
    )  # fmt: skip

    def __init__(
        self,
        base_url: str,
        auth: AuthScheme,
        pagination: Optional[PaginationScheme] = None,
        envelope: Optional[Envelope] = None,
        rate_limit: Optional[RateLimit] = None,
        default_root_url: Optional[str] = None,
        common_params: Sequence["Param"] = (),
        calling: str = "keywords",
    ) -> None:
        self.base_url = base_url
        self.default_root_url = default_root_url
        self.auth = auth
        self.pagination = pagination
        self.envelope = envelope
        self.rate_limit = rate_limit
        self.common_params: Tuple[Param, ...] = tuple(common_params)
        #: `positional` (Taskcluster's four calling conventions) or `keywords` (every parameter by name, `body=`)
        self.calling = calling

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "ApiSpec":
        """The spec a generated client's table describes (see `docs/generator.md` for the keys)."""
        auth: Mapping[str, Any] = table.get("auth") or {"scheme": "none"}
        headers: Mapping[str, str] = auth.get("headers") or {}
        pagination = table.get("pagination")
        envelope = table.get("envelope")
        rate_limit = table.get("rateLimit")
        return cls(
            base_url=table["baseUrl"],
            auth=AuthScheme(auth["scheme"], sorted(headers.items())),
            pagination=PaginationScheme(
                pagination["tokenParam"], pagination["tokenField"], pagination.get("limitParam")
            )
            if pagination
            else None,
            envelope=Envelope(envelope["ok"], envelope["message"], envelope["content"]) if envelope else None,
            rate_limit=RateLimit(rate_limit["status"], rate_limit["field"], rate_limit.get("unit", 1.0))
            if rate_limit
            else None,
            default_root_url=table.get("defaultRootUrl"),
            common_params=[Param.from_table(p) for p in table.get("commonParams", ())],
            calling=table.get("calling", "keywords"),
        )

    def base_url_for(self, root_url: str, service: str, version: str) -> str:
        """The base URL operations' paths are relative to, without a trailing `/`."""
        root = root_url.rstrip("/")
        return self.base_url.format(rootUrl=root, service=service, version=version).rstrip("/")


#: Taskcluster's conventions: `<rootUrl>/api/<service>/<version>`, Hawk, `continuationToken` pages bounded by `limit`.
TASKCLUSTER = ApiSpec(
    base_url="{rootUrl}/api/{service}/{version}",
    auth=AuthScheme("hawk"),
    pagination=PaginationScheme("continuationToken", "continuationToken", "limit"),
    calling="positional",
)


class Param:
    """One parameter of an operation: its Python name, its name on the wire, where it goes (`path` or `query`), its
    type (how a value is written: Discovery's casting rules), and the checks made before sending."""

    __slots__ = ("name", "wire", "location", "type", "required", "repeated", "enum", "pattern", "_regex")

    def __init__(
        self,
        name: str,
        location: str,
        wire: Optional[str] = None,
        type: str = "string",
        required: bool = False,
        repeated: bool = False,
        enum: Sequence[str] = (),
        pattern: Optional[str] = None,
    ) -> None:
        if location not in ("path", "query"):
            raise ValueError("parameter %s: unknown location %r (expected path or query)" % (name, location))
        if type not in PARAM_TYPES:
            raise ValueError("parameter %s: unknown type %r" % (name, type))
        self.name = name
        self.wire = wire or name
        self.location = location
        self.type = type
        self.required = required or location == "path"
        self.repeated = repeated
        self.enum: Tuple[str, ...] = tuple(enum)
        self.pattern = pattern
        self._regex: Optional[Pattern[str]] = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "Param":
        return cls(
            name=table["name"],
            location=table["in"],
            wire=table.get("wire"),
            type=table.get("type", "string"),
            required=bool(table.get("required")),
            repeated=bool(table.get("repeated")),
            enum=table.get("enum", ()),
            pattern=table.get("pattern"),
        )

    def matches(self, text: str) -> bool:
        """Whether `text` matches the parameter's pattern (Discovery's rule: `re.match`, so anchored at the start)."""
        if self.pattern is None:
            return True
        if self._regex is None:
            self._regex = re.compile(self.pattern)
        return self._regex.match(text) is not None

    def __repr__(self) -> str:
        return "Param(%r, %r)" % (self.name, self.location)


class Operation:
    """One operation of a client class, prepared once so a call does no parsing.

    `args` are the path parameters' Python names in calling order; `query` the declared query parameters' wire names;
    `params` every parameter (keyword calling). `items_key` names the list of a page's items, `nothing` the envelope
    messages that mean "no result" (the call returns None).
    """

    __slots__ = (
        "name", "qualname", "method", "route", "args", "has_input", "query", "items_key", "legacy", "entry", "spec",
        "params", "all_params", "by_name", "wire_names", "nothing", "input_name", "rules", "fixed_query",
        "body_required",
        "_in_route_order",
    )  # fmt: skip

    def __init__(
        self,
        spec: ApiSpec,
        qualname: str,
        name: str,
        method: str,
        route: str,
        args: Sequence[str],
        has_input: bool,
        query: Sequence[str] = (),
        params: Sequence[Param] = (),
        items_key: Optional[str] = None,
        nothing: Sequence[str] = (),
        entry: Optional[Mapping[str, Any]] = None,
        input_name: str = "payload",
        fixed_query: Optional[Sequence[Tuple[str, str]]] = None,
        body_required: bool = False,
    ) -> None:
        self.spec = spec
        self.name = name
        self.qualname = qualname
        self.method = method.upper()
        self.route = CompiledRoute(route)
        self.args: Tuple[str, ...] = tuple(args)
        self.has_input = has_input
        self.query: Tuple[str, ...] = tuple(query)
        self.params: Tuple[Param, ...] = tuple(params)
        own = {p.name for p in self.params}
        #: every parameter a keyword call accepts: the operation's own, then the family's common ones it does not
        #: override (an operation's parameter wins over a common one of the same name, as in Discovery)
        self.all_params: Tuple[Param, ...] = self.params + tuple(p for p in spec.common_params if p.name not in own)
        self.by_name: Dict[str, Param] = {p.name: p for p in self.all_params}
        self.wire_names: Dict[str, str] = {p.wire: p.name for p in self.params if p.location == "path"}
        self.items_key = items_key
        self.nothing = frozenset(nothing)
        self.entry: Mapping[str, Any] = entry if entry is not None else {}
        self.legacy: Optional[Mapping[str, Any]] = self.entry.get("legacyArgs")
        self.input_name = input_name
        #: whether a keyword call must give the body (a positional Taskcluster call always must when it has input)
        self.body_required = body_required
        #: query pairs every request of this operation carries (e.g. Discovery's `alt=json`)
        self.fixed_query: Tuple[Tuple[str, str], ...] = tuple((str(k), str(v)) for k, v in fixed_query or ())
        self.rules: Optional[ResponseRules] = None
        if spec.envelope is not None or spec.rate_limit is not None:
            self.rules = ResponseRules(spec.envelope, self.nothing, spec.rate_limit)
        route_names = tuple(self.wire_names.get(p, p) for p in self.route.params)
        self._in_route_order = route_names == self.args
        missing = set(route_names) ^ set(self.args)
        if missing:
            raise TaskclusterFailure(
                "%s: route %r and args %r disagree on %s" % (self.qualname, route, list(self.args), sorted(missing))
            )

    def signature(self) -> str:
        """How to call it, for error messages: `createTask(taskId, payload)`, `list(parent=..., body=...)`."""
        if self.spec.calling == "keywords":
            names = ["%s=..." % p.name for p in self.params if p.required]
            if self.has_input:
                names.append("%s=..." % self.input_name)
            return "%s(%s)" % (self.qualname, ", ".join(names))
        names = list(self.args) + ([self.input_name] if self.has_input else [])
        return "%s(%s)" % (self.qualname, ", ".join(names))

    def path(self, values: Sequence[str]) -> str:
        """The escaped path for values in `args` order."""
        if self._in_route_order:
            return self.route.expand(values)
        by_name = dict(zip(self.args, values))
        return self.route.expand([by_name[self.wire_names.get(name, name)] for name in self.route.params])

    @classmethod
    def from_table(cls, spec: ApiSpec, class_name: str, name: str, table: Mapping[str, Any]) -> "Operation":
        """An operation of a generated client of another family (see `docs/generator.md` for the table's keys)."""
        params = [Param.from_table(p) for p in table.get("params", ())]
        return cls(
            spec,
            "%s.%s" % (class_name, name),
            name,
            table["method"],
            table["path"],
            [p.name for p in params if p.location == "path"],
            bool(table.get("body")),
            query=[p.wire for p in params if p.location == "query"],
            params=params,
            items_key=table.get("items"),
            nothing=table.get("nothing", ()),
            entry=table,
            input_name="body",
            fixed_query=table.get("fixedQuery"),
            body_required=bool(table.get("bodyRequired")),
        )

    def __repr__(self) -> str:
        return "Operation(%s %s)" % (self.method, self.route.template)


def compile_operations(spec: ApiSpec, class_name: str, tables: Mapping[str, Mapping[str, Any]]) -> Dict[str, Operation]:
    """Every operation of a generated table, by name."""
    return {name: Operation.from_table(spec, class_name, name, table) for name, table in tables.items()}

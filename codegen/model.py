"""The generator's model of an API: plain, frozen, keyword-only dataclasses.

The model speaks in general terms (services, HTTP functions with path and query
parameters, request and response schemas, an authorization requirement, a pagination
scheme, and published events) so that front-ends for other manifest formats can build it
too. `codegen.manifest` maps Taskcluster's reference format onto it.

Every class checks its own invariants in ``__post_init__`` and raises ``ValueError`` when
they do not hold, so an invalid model cannot be built. Front-ends are expected to
validate their input first and report errors in their own terms; these checks are the
last line of defence.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, List, Optional, Tuple, Type, TypeVar, Union

__all__ = [
    "HTTP_METHODS",
    "LITERAL_TYPES",
    "PRIMITIVES",
    "STABILITIES",
    "AUTH_SCHEMES",
    "PARAM_LOCATIONS",
    "PARAM_TYPES",
    "Alias",
    "AllOf",
    "AuthScheme",
    "Envelope",
    "Parameter",
    "RateLimit",
    "AnyOf",
    "Api",
    "Exchange",
    "Field",
    "ForEach",
    "Function",
    "IfThen",
    "Pagination",
    "Record",
    "RoutingKeyEntry",
    "Scope",
    "ScopeExpression",
    "Service",
    "TypeDef",
    "TypeExpr",
    "is_identifier",
    "reserved_params",
    "route_params",
]

HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head"})
PARAM_LOCATIONS = frozenset({"path", "query"})
PARAM_TYPES = frozenset({"string", "integer", "number", "boolean", "any"})
AUTH_SCHEMES = frozenset({"hawk", "bearer", "headers", "none"})
STABILITIES = frozenset({"stable", "experimental", "deprecated"})

# Taskcluster's `<name>`, and RFC 6570's `{name}` (simple expansion) and `{+name}` (reserved expansion)
_ROUTE_PARAM = re.compile(r"<([^<>]*)>|\{\+?([^{}+]*)\}")


_C = TypeVar("_C")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform  # type checkers only: no runtime dependency

    @dataclass_transform(frozen_default=True, kw_only_default=True)
    def record(cls: Type[_C]) -> Type[_C]: ...

else:

    def record(cls):
        """A frozen dataclass whose fields are keyword-only where Python allows it (3.10+); all callers
        pass keywords, so on 3.9 it is the same class with positional arguments also accepted."""
        if sys.version_info >= (3, 10):
            return dataclass(frozen=True, kw_only=True)(cls)
        return dataclass(frozen=True)(cls)


def is_identifier(name: object) -> bool:
    """True for a string that is a valid Python identifier and not a keyword."""
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def route_params(route: str) -> Tuple[str, ...]:
    """The names of the ``<param>`` (or ``{param}``, ``{+param}``) placeholders of a route, in order."""
    return tuple(a or b for a, b in _ROUTE_PARAM.findall(route))


def reserved_params(route: str) -> Tuple[str, ...]:
    """The route parameters expanded with reserved expansion (``{+param}``: ``/`` kept)."""
    return tuple(re.findall(r"\{\+([^{}+]*)\}", route))


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


# --- authorization requirement (a scope expression) --------------------------------


@record
class Scope:
    """One scope; may contain ``<param>`` placeholders filled from the request."""

    value: str

    def __post_init__(self) -> None:
        _require(bool(self.value), "a scope must not be empty")


@record
class AllOf:
    """Every sub-expression is required (an empty AllOf requires nothing)."""

    items: Tuple[ScopeExpression, ...]


@record
class AnyOf:
    """At least one sub-expression is required."""

    items: Tuple[ScopeExpression, ...]


@record
class IfThen:
    """``then`` is required when the request property ``condition`` is true, else ``otherwise``."""

    condition: str
    then: ScopeExpression
    otherwise: Optional[ScopeExpression] = None


@record
class ForEach:
    """For each value ``variable`` of the list ``field`` of the request, the scope template ``each``."""

    variable: str
    field: str
    each: str


ScopeExpression = Union[Scope, AllOf, AnyOf, IfThen, ForEach]


# --- data types (request bodies, responses, messages) ------------------------------------------

# Primitive types of the model and the Python type each stands for.
PRIMITIVES = {"str": "str", "int": "int", "float": "float", "bool": "bool", "none": "None", "any": "Any"}
# Python values a ``Literal`` may hold (JSON strings, integers, booleans and null).
LITERAL_TYPES = (str, int, bool, type(None))
LiteralValue = Union[str, int, bool, None]

_TYPE_KINDS = frozenset(set(PRIMITIVES) | {"named", "list", "map", "literal", "union"})


@record
class TypeExpr:
    """A type expression: a tree of primitives, named types, lists, string-keyed maps, literals
    and unions (``Optional[T]`` is a union with ``none``).

    ``kind`` is one of `PRIMITIVES` (``str``, ``int``, ``float``, ``bool``, ``none``, ``any``),
    ``named`` (``name`` is a `Record` or `Alias` of the same service), ``list`` (one
    argument: the item type), ``map`` (one argument: the value type; keys are strings),
    ``literal`` (``values``) or ``union`` (two or more arguments). ``note`` says why a type is
    ``any`` when the source described something this model cannot express.
    """

    kind: str
    name: Optional[str] = None
    args: Tuple[TypeExpr, ...] = ()
    values: Tuple[LiteralValue, ...] = ()
    note: Optional[str] = None

    def __post_init__(self) -> None:
        _require(self.kind in _TYPE_KINDS, f"unknown type kind {self.kind!r}")
        _require((self.kind == "named") == (self.name is not None), f"{self.kind}: name {self.name!r}")
        if self.name is not None:
            _require(is_identifier(self.name), f"type name {self.name!r} is not a Python identifier")
        arity = {"list": 1, "map": 1}.get(self.kind, 0)
        if self.kind == "union":
            _require(len(self.args) >= 2, "a union needs at least two members")
        else:
            _require(len(self.args) == arity, f"{self.kind}: expected {arity} argument(s), got {len(self.args)}")
        if self.kind == "literal":
            _require(bool(self.values), "a literal needs at least one value")
            _require(all(isinstance(v, LITERAL_TYPES) for v in self.values), f"literal values {self.values!r}")
        else:
            _require(not self.values, f"{self.kind}: only literals have values")
        _require(self.note is None or self.kind == "any", "only `any` carries a note")

    def python(self, qualify: Callable[[str], str] = lambda name: name) -> str:
        """The Python type expression (``typing`` names); ``qualify`` spells a named type
        (e.g. quoted when it is defined further down, or prefixed with a module alias)."""
        if self.kind in PRIMITIVES:
            return PRIMITIVES[self.kind]
        if self.kind == "named":
            assert self.name is not None
            return qualify(self.name)
        if self.kind == "list":
            return f"List[{self.args[0].python(qualify)}]"
        if self.kind == "map":
            return f"Dict[str, {self.args[0].python(qualify)}]"
        if self.kind == "literal":
            return "Literal[" + ", ".join(_literal(v) for v in self.values) + "]"
        members = [a for a in self.args if a.kind != "none"]
        if len(members) < len(self.args):
            inner = members[0].python(qualify) if len(members) == 1 else TypeExpr.union(members).python(qualify)
            return f"Optional[{inner}]"
        return "Union[" + ", ".join(a.python(qualify) for a in self.args) + "]"

    def names(self) -> Tuple[str, ...]:
        """The named types this expression mentions, in order of appearance, without repeats."""
        found: List[str] = []
        for name in ([self.name] if self.name is not None else []) + [n for a in self.args for n in a.names()]:
            if name not in found:
                found.append(name)
        return tuple(found)

    def notes(self) -> Tuple[str, ...]:
        """The notes of the ``any`` types in this expression (why something is untyped)."""
        found: List[str] = [self.note] if self.note is not None else []
        for arg in self.args:
            found += [n for n in arg.notes() if n not in found]
        return tuple(found)

    # constructors

    @staticmethod
    def primitive(kind: str, note: Optional[str] = None) -> TypeExpr:
        return TypeExpr(kind=kind, note=note)

    @staticmethod
    def named(name: str) -> TypeExpr:
        return TypeExpr(kind="named", name=name)

    @staticmethod
    def list_of(item: TypeExpr) -> TypeExpr:
        return TypeExpr(kind="list", args=(item,))

    @staticmethod
    def map_of(value: TypeExpr) -> TypeExpr:
        return TypeExpr(kind="map", args=(value,))

    @staticmethod
    def literal(values: Tuple[LiteralValue, ...]) -> TypeExpr:
        return TypeExpr(kind="literal", values=values)

    @staticmethod
    def union(members: Iterable[TypeExpr]) -> TypeExpr:
        """The union of ``members``, simplified: nested unions flattened, repeats dropped, literals
        merged into one (where the first one was), ``none`` last, ``any`` absorbing everything, and
        a single member returned as it is."""
        flat: List[TypeExpr] = []
        for member in members:
            flat.extend(member.args if member.kind == "union" else [member])
        for member in flat:
            if member.kind == "any":
                return member
        values: List[LiteralValue] = []
        for member in flat:
            values += [v for v in member.values if not any(_same(v, w) for w in values)]
        # a primitive absorbs the literals of its own type: Union[str, Literal["x"]] is str
        kinds = {m.kind for m in flat}
        covered = {"str": str, "int": int, "bool": bool}
        values = [v for v in values if not any(k in kinds and type(v) is t for k, t in covered.items())]
        non_null = tuple(v for v in values if v is not None)
        literal = TypeExpr.literal(non_null) if non_null else None
        nullable = any(m.kind == "none" for m in flat) or len(non_null) < len(values)
        out: List[TypeExpr] = []
        for member in flat:
            if member.kind == "literal":
                if literal is None:
                    continue
                member = literal
            if member.kind != "none" and member not in out:
                out.append(member)
        if nullable:
            out.append(TypeExpr(kind="none"))
        if len(out) == 1:
            return out[0]
        return TypeExpr(kind="union", args=tuple(out))


def _same(a: LiteralValue, b: LiteralValue) -> bool:
    """Literal equality that tells ``1`` from ``True`` (as ``Literal`` does)."""
    return type(a) is type(b) and a == b


def _literal(value: LiteralValue) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


@record
class Field:
    """One key of a `Record`: its Python type, whether it must be present, and a short doc."""

    key: str
    type: TypeExpr
    required: bool
    doc: Optional[str] = None


@record
class Record:
    """A JSON object with known keys (a ``TypedDict``).

    ``open`` records accept keys beyond ``fields``. ``sources`` say where the type comes from
    (e.g. schema ids and JSON pointers: identical schemas in several places are one type);
    ``doc`` is a short summary (e.g. the schema's title).
    """

    name: str
    fields: Tuple[Field, ...]
    doc: Optional[str] = None
    open: bool = False
    sources: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require(is_identifier(self.name), f"type name {self.name!r} is not a Python identifier")
        keys = [f.key for f in self.fields]
        _require(len(set(keys)) == len(keys), f"{self.name}: duplicate keys")

    @property
    def required(self) -> Tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    @property
    def optional(self) -> Tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.required)


@record
class Alias:
    """A name for a type that is not a record (a list, a map, a union, ...)."""

    name: str
    type: TypeExpr
    doc: Optional[str] = None
    sources: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require(is_identifier(self.name), f"type name {self.name!r} is not a Python identifier")


TypeDef = Union[Record, Alias]


# --- functions -------------------------------------------------------------------------


@record
class Pagination:
    """A continuation-token pagination scheme.

    ``token_param`` is the query parameter that asks for the next page, ``token_field``
    the response field that carries it, ``items_key`` the response field holding the
    page's items and ``limit_param`` the query parameter bounding the page size (if any).
    """

    token_param: str
    token_field: str
    items_key: str
    limit_param: Optional[str] = None


@record
class Parameter:
    """A parameter of a keyword-calling function: its Python name, its name on the wire, where it goes (``path`` or
    ``query``), its JSON type (``string``, ``integer``, ``number``, ``boolean``, ``any``), and the checks the client
    makes before sending (required, enum, pattern)."""

    name: str
    wire: str
    location: str
    type: str = "string"
    required: bool = False
    repeated: bool = False
    enum: Tuple[str, ...] = ()
    pattern: Optional[str] = None
    description: str = ""

    def __post_init__(self) -> None:
        _require(self.location in PARAM_LOCATIONS, f"parameter {self.wire!r}: unknown location {self.location!r}")
        _require(self.type in PARAM_TYPES, f"parameter {self.wire!r}: unknown type {self.type!r}")
        _require(self.name.isidentifier(), f"parameter {self.wire!r}: {self.name!r} is not a Python name")
        _require(self.location != "path" or self.required, f"parameter {self.wire!r}: path parameters are required")

    @property
    def keyword_only(self) -> bool:
        """A Python keyword (``continue``) cannot be a parameter of a def: it is passed as ``**{"continue": ...}``."""
        return keyword.iskeyword(self.name)


@record
class AuthScheme:
    """How calls authenticate: ``hawk``, ``bearer`` (a token option), ``headers`` (``headers``: header name and
    the key of the credentials option it carries) or ``none``."""

    kind: str
    headers: Tuple[Tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _require(self.kind in AUTH_SCHEMES, f"unknown auth scheme {self.kind!r}")
        _require(bool(self.headers) == (self.kind == "headers"), "only the headers scheme names headers")


@record
class Envelope:
    """Answers wrapped as ``{ok, message, content}`` (the names of the three fields)."""

    ok: str = "ok"
    message: str = "message"
    content: str = "content"


@record
class RateLimit:
    """An answer with ``status`` whose body's ``field`` gives the seconds (times ``unit``) to wait before retrying."""

    status: int
    field: str
    unit: float = 1.0


@record
class LegacyArgs:
    """An older form of a path parameter: several arguments joined into one.

    Calls written for the older API (e.g. ``provisionerId, workerType``) keep working: the client
    joins their values with ``separator`` into ``target`` (e.g. ``workerPoolId``).
    """

    args: Tuple[str, ...]
    target: str
    separator: str


@record
class Function:
    """One HTTP endpoint of a service."""

    name: str
    title: str
    description: str
    stability: str
    http_method: str
    route: str
    path_params: Tuple[str, ...]
    query_params: Tuple[str, ...]
    request_schema: Optional[str] = None
    response_schema: Optional[str] = None
    scopes: Optional[ScopeExpression] = None
    pagination: Optional[Pagination] = None
    legacy_args: Optional[LegacyArgs] = None
    # The types of the request body, the response and (paginated functions) one item of a page;
    # None when untyped (no schema, or a schema the manifest does not hold). The request and
    # response types are always named (a `Record` or `Alias` of the service).
    request_type: Optional[TypeExpr] = None
    response_type: Optional[TypeExpr] = None
    item_type: Optional[TypeExpr] = None
    # Keyword-calling functions (other API families): the resource path the function is reached by (Python
    # names), every parameter, whether the body is required, the envelope messages that mean "no result", and
    # query pairs every request carries. A Taskcluster function leaves them empty (see `general_parameters`).
    resource: Tuple[str, ...] = ()
    parameters: Tuple[Parameter, ...] = ()
    body_required: bool = False
    nothing: Tuple[str, ...] = ()
    fixed_query: Tuple[Tuple[str, str], ...] = ()
    operation_id: Optional[str] = None

    @property
    def qualified_name(self) -> str:
        """The function's name with its resource path (``projects.locations.list``)."""
        return ".".join(self.resource + (self.name,))

    @property
    def general_parameters(self) -> Tuple[Parameter, ...]:
        """Every parameter in general terms: a Taskcluster function's ``<name>`` route parameters are required,
        simply expanded strings and its query parameters optional strings."""
        if self.parameters:
            return self.parameters
        path = tuple(Parameter(name=p, wire=p, location="path", required=True) for p in self.path_params)
        return path + tuple(Parameter(name=q, wire=q, location="query") for q in self.query_params)

    def __post_init__(self) -> None:
        _require(is_identifier(self.name), f"function name {self.name!r} is not a Python identifier")
        for part in self.resource:
            _require(is_identifier(part), f"{self.name}: resource name {part!r} is not a Python identifier")
        python_names = [p.name for p in self.parameters]
        _require(len(set(python_names)) == len(python_names), f"{self.name}: duplicate parameter names")
        for what, schema, t in (
            ("request", self.request_schema, self.request_type),
            ("response", self.response_schema, self.response_type),
        ):
            if t is not None:
                _require(schema is not None, f"{self.name}: a {what} type without a {what} schema")
                _require(t.kind == "named", f"{self.name}: the {what} type must be a named type")
        if self.item_type is not None:
            _require(
                self.pagination is not None and self.response_type is not None,
                f"{self.name}: an item type needs pagination and a response type",
            )
        if self.legacy_args is not None:
            _require(
                self.legacy_args.target in self.path_params,
                f"{self.name}: legacy arguments join into {self.legacy_args.target!r}, which is not a path parameter",
            )
        _require(self.http_method in HTTP_METHODS, f"{self.name}: unknown HTTP method {self.http_method!r}")
        _require(self.stability in STABILITIES, f"{self.name}: unknown stability {self.stability!r}")
        _require(
            route_params(self.route) == self.path_params,
            f"{self.name}: path parameters {self.path_params} do not match route {self.route!r}",
        )
        if not self.parameters:
            for param in self.path_params + self.query_params:
                _require(is_identifier(param), f"{self.name}: parameter {param!r} is not a Python identifier")
        else:
            wire_path = tuple(p.wire for p in self.parameters if p.location == "path")
            _require(
                sorted(wire_path) == sorted(self.path_params),
                f"{self.name}: path parameters {wire_path} do not match route {self.route!r}",
            )
        if self.pagination is not None:
            _require(
                self.pagination.token_param in [p.wire for p in self.general_parameters if p.location == "query"],
                f"{self.name}: pagination token {self.pagination.token_param!r} is not a query parameter",
            )

    @property
    def deprecated(self) -> bool:
        return self.stability == "deprecated"


# --- events ----------------------------------------------------------------------------


@record
class RoutingKeyEntry:
    """One dot-separated part of a topic routing key."""

    name: str
    multiple_words: bool
    required: bool
    constant: Optional[str] = None
    max_size: Optional[int] = None


@record
class Exchange:
    """A topic exchange a service publishes messages on."""

    name: str
    title: str
    description: str
    exchange: str
    routing_key: Tuple[RoutingKeyEntry, ...]
    schema: Optional[str] = None
    stability: Optional[str] = None
    # The type of a message body (a named type of the service), None when untyped.
    message_type: Optional[TypeExpr] = None

    def __post_init__(self) -> None:
        _require(is_identifier(self.name), f"exchange name {self.name!r} is not a Python identifier")
        if self.message_type is not None:
            _require(self.schema is not None, f"{self.name}: a message type without a schema")
            _require(self.message_type.kind == "named", f"{self.name}: the message type must be a named type")
        _require(bool(self.routing_key), f"{self.name}: a routing key needs at least one entry")
        names = [entry.name for entry in self.routing_key]
        _require(len(set(names)) == len(names), f"{self.name}: duplicate routing-key entries")
        _require(
            self.stability is None or self.stability in STABILITIES,
            f"{self.name}: unknown stability {self.stability!r}",
        )

    @property
    def deprecated(self) -> bool:
        return self.stability == "deprecated"


# --- services ----------------------------------------------------------------------------


@record
class Service:
    """One generated client class: a service's functions and/or exchanges."""

    class_name: str
    module_name: str
    service_name: str
    api_version: str
    title: str
    description: str
    deprecated: bool = False
    functions: Tuple[Function, ...] = ()
    exchanges: Tuple[Exchange, ...] = ()
    exchange_prefix: Optional[str] = None
    # The data types of the service's requests, responses and messages, and the JSON schemas
    # they come from (schema id -> schema; refs between them use the same ids).
    types: Tuple[TypeDef, ...] = ()
    schemas: Tuple[Tuple[str, Any], ...] = ()
    # The API family's conventions: how functions are called (``positional``: Taskcluster's forms; ``keywords``:
    # every parameter by name, ``body=``), the base URL pattern (over ``{rootUrl}``, ``{service}``, ``{version}``)
    # and the root URL used when none is given, the auth scheme, the answer envelope, the rate-limit answer, and
    # the query parameters every function accepts.
    calling: str = "positional"
    base_url: str = "{rootUrl}/api/{service}/{version}"
    default_root_url: Optional[str] = None
    auth: AuthScheme = AuthScheme(kind="hawk")
    envelope: Optional[Envelope] = None
    rate_limit: Optional[RateLimit] = None
    common_parameters: Tuple[Parameter, ...] = ()

    @property
    def pagination(self) -> Optional[Pagination]:
        """The pagination scheme of the service (its paginated functions share one), or None."""
        return next((f.pagination for f in self.functions if f.pagination is not None), None)

    def __post_init__(self) -> None:
        _require(is_identifier(self.class_name), f"class name {self.class_name!r} is not a Python identifier")
        _require(is_identifier(self.module_name), f"module name {self.module_name!r} is not a Python identifier")
        _require(self.calling in ("positional", "keywords"), f"{self.class_name}: unknown calling {self.calling!r}")
        names = [f.qualified_name for f in self.functions] + [e.name for e in self.exchanges]
        _require(len(set(names)) == len(names), f"{self.class_name}: duplicate entry names")
        type_names = [t.name for t in self.types]
        _require(len(set(type_names)) == len(type_names), f"{self.class_name}: duplicate type names")
        used = [t.type for t in self.types if isinstance(t, Alias)]
        used += [f.type for t in self.types if isinstance(t, Record) for f in t.fields]
        used += [t for f in self.functions for t in (f.request_type, f.response_type, f.item_type) if t is not None]
        used += [e.message_type for e in self.exchanges if e.message_type is not None]
        for expr in used:
            for name in expr.names():
                _require(name in type_names, f"{self.class_name}: type {name!r} is not defined")
        _require(
            not self.exchanges or self.exchange_prefix is not None,
            f"{self.class_name}: exchanges need an exchange prefix",
        )


@record
class Api:
    """Everything one manifest describes. ``source`` names the manifest (e.g. ``apis.json``)."""

    source: str
    services: Tuple[Service, ...]

    def __post_init__(self) -> None:
        modules = [s.module_name for s in self.services]
        _require(len(set(modules)) == len(modules), "duplicate module names")
        classes = [s.class_name for s in self.services]
        _require(len(set(classes)) == len(classes), "duplicate class names")

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

import keyword
import re
import sys
from dataclasses import dataclass
from typing import Any, Optional, Tuple, Union

__all__ = [
    "HTTP_METHODS",
    "STABILITIES",
    "AllOf",
    "AnyOf",
    "Api",
    "Exchange",
    "ForEach",
    "Function",
    "IfThen",
    "Pagination",
    "RoutingKeyEntry",
    "Scope",
    "ScopeExpression",
    "Service",
    "is_identifier",
    "route_params",
]

HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head"})
STABILITIES = frozenset({"stable", "experimental", "deprecated"})

_ROUTE_PARAM = re.compile(r"<([^<>]*)>")


def record(cls: Any) -> Any:
    """A frozen dataclass whose fields are keyword-only where Python allows it (3.10+); all callers pass
    keywords, so on 3.9 it is the same class with positional arguments also accepted."""
    if sys.version_info >= (3, 10):
        return dataclass(frozen=True, kw_only=True)(cls)
    return dataclass(frozen=True)(cls)


def is_identifier(name: object) -> bool:
    """True for a string that is a valid Python identifier and not a keyword."""
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def route_params(route: str) -> Tuple[str, ...]:
    """The names of the ``<param>`` placeholders of a route, in order."""
    return tuple(_ROUTE_PARAM.findall(route))


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

    def __post_init__(self) -> None:
        _require(is_identifier(self.name), f"function name {self.name!r} is not a Python identifier")
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
        for param in self.path_params + self.query_params:
            _require(is_identifier(param), f"{self.name}: parameter {param!r} is not a Python identifier")
        if self.pagination is not None:
            _require(
                self.pagination.token_param in self.query_params,
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

    def __post_init__(self) -> None:
        _require(is_identifier(self.name), f"exchange name {self.name!r} is not a Python identifier")
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

    def __post_init__(self) -> None:
        _require(is_identifier(self.class_name), f"class name {self.class_name!r} is not a Python identifier")
        _require(is_identifier(self.module_name), f"module name {self.module_name!r} is not a Python identifier")
        names = [f.name for f in self.functions] + [e.name for e in self.exchanges]
        _require(len(set(names)) == len(names), f"{self.class_name}: duplicate entry names")
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

"""The generator's own manifest format for REST APIs of other families (``rest-manifest/1``): validate it, build the
model (`codegen.model.Service` with keyword-calling functions), and render a client package.

The format is documented in ``docs/generator.md``; `codegen.discovery` maps Google Discovery documents onto it. An
invalid manifest stops with every problem named (resource, method, field) and nothing written.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from . import pytypes, schematypes
from .manifest import item_type
from .model import (
    AUTH_SCHEMES,
    HTTP_METHODS,
    PARAM_LOCATIONS,
    PARAM_TYPES,
    AuthScheme,
    Envelope,
    Function,
    Pagination,
    Parameter,
    RateLimit,
    Service,
    is_identifier,
    route_params,
)

__all__ = ["FORMAT", "RestManifestInvalid", "build_service", "generate_package", "python_name", "render_package"]

FORMAT = "rest-manifest/1"

#: Members of the generated client and resource classes that a method or resource must not replace.
#: Members of the generated root client classes that a top-level method or resource must not replace (resource
#: classes have none but private ones).
RESERVED_MEMBERS = frozenset(
    {"close", "session", "options", "withOptions", "makeHawkExt", "buildUrl", "buildSignedUrl", "classOptions"}
    | {"serviceName", "apiVersion", "deprecated", "funcinfo", "exchangeinfo", "paginated"}
)


class RestManifestInvalid(Exception):
    """A manifest (or a document a front-end maps onto one) the generator cannot represent; each error names the
    resource, the method and the field."""

    def __init__(self, errors: List[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def python_name(wire: str) -> str:
    """A parameter's Python name, as googleapiclient names it: every character that is not a letter or digit becomes
    `_`, and `x` goes in front of a name that does not start with a letter (`$.xgafv` -> `x__xgafv`)."""
    name = "".join(c if c.isalnum() else "_" for c in wire)
    return name if wire[:1].isalpha() else "x" + name


def member_name(name: str) -> str:
    """A resource or method name as a Python attribute: non-identifier characters become `_`, keywords get a
    trailing `_`."""
    name = re.sub(r"\W", "_", name)
    if name[:1].isdigit():
        name = "_" + name
    return name + "_" if keyword.iskeyword(name) else name


def _ref(value: Any) -> Optional[str]:
    return value.get("$ref") if isinstance(value, Mapping) and isinstance(value.get("$ref"), str) else None


def _schema(value: Any) -> Any:
    """A manifest schema as JSON Schema for the type converter: `$ref: Name` becomes the node id `Name#`."""
    if isinstance(value, list):
        return [_schema(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    out: Dict[str, Any] = {}
    for key, item in value.items():
        if key == "$ref" and isinstance(item, str):
            out[key] = item if "#" in item else item + "#"
        elif key == "type" and item == "any":
            continue
        elif key in ("properties", "definitions") and isinstance(item, Mapping):
            out[key] = {k: _schema(v) for k, v in item.items()}
        else:
            out[key] = _schema(item)
    return out


class _Errors:
    def __init__(self, source: str) -> None:
        self.source = source
        self.items: List[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{self.source}: {where}: {message}" if where else f"{self.source}: {message}")


def _walk(raw: Mapping[str, Any]) -> Iterator[Tuple[Tuple[str, ...], str, Any]]:
    """Every method of the manifest: (resource path as written, method name as written, method)."""

    def visit(path: Tuple[str, ...], node: Mapping[str, Any]) -> Iterator[Tuple[Tuple[str, ...], str, Any]]:
        methods = node.get("methods") or {}
        if isinstance(methods, Mapping):
            for name in sorted(methods):
                yield path, name, methods[name]
        resources = node.get("resources") or {}
        if isinstance(resources, Mapping):
            for name in sorted(resources):
                child = resources[name]
                if isinstance(child, Mapping):
                    yield from visit(path + (name,), child)

    yield from visit((), raw)


def _parameter(err: _Errors, where: str, wire: str, spec: Any) -> Optional[Parameter]:
    if not isinstance(spec, Mapping):
        err.add(where, f"parameter {wire!r}: must be an object")
        return None
    location = spec.get("location", "query")
    if location not in PARAM_LOCATIONS:
        err.add(where, f"parameter {wire!r}: unknown location {location!r} (expected path or query)")
        return None
    kind = spec.get("type", "string")
    if kind not in PARAM_TYPES:
        kind = "any"
    enum = spec.get("enum") or ()
    if not isinstance(enum, (list, tuple)) or not all(isinstance(v, str) for v in enum):
        err.add(where, f"parameter {wire!r}: enum must be a list of strings")
        return None
    pattern = spec.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            err.add(where, f"parameter {wire!r}: pattern {pattern!r} is not a regular expression ({exc})")
            return None
    if not wire:
        err.add(where, "a parameter has an empty name")
        return None
    return Parameter(
        name=python_name(wire),
        wire=wire,
        location=location,
        type=kind,
        required=bool(spec.get("required")) or location == "path",
        repeated=bool(spec.get("repeated")),
        enum=tuple(enum),
        pattern=pattern,
        description=str(spec.get("description") or ""),
    )


def _check_top(raw: Mapping[str, Any], err: _Errors) -> None:
    if raw.get("format") != FORMAT:
        err.add("format", f"must be {FORMAT!r}, got {raw.get('format')!r}")
    for key in ("name", "className"):
        if not is_identifier(raw.get(key)):
            err.add(key, f"must be a Python identifier, got {raw.get(key)!r}")
    if not isinstance(raw.get("baseUrl"), str) or "{rootUrl}" not in raw.get("baseUrl", ""):
        err.add("baseUrl", "must be a string pattern containing {rootUrl}")
    auth = raw.get("auth") or {"scheme": "none"}
    if not isinstance(auth, Mapping) or auth.get("scheme") not in AUTH_SCHEMES - {"hawk"}:
        err.add("auth.scheme", "must be one of bearer, headers, none")
    elif auth["scheme"] == "headers":
        headers = auth.get("headers")
        if not isinstance(headers, Mapping) or not headers:
            err.add("auth.headers", "the headers scheme needs {header name: credentials key}")
        elif not all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in headers.items()):
            err.add("auth.headers", "header names and credentials keys must be non-empty strings")
    for key, fields in (("pagination", ("tokenParam", "tokenField")), ("envelope", ("ok", "message", "content"))):
        value = raw.get(key)
        if value is not None and (
            not isinstance(value, Mapping) or not all(isinstance(value.get(f), str) for f in fields)
        ):
            err.add(key, f"needs string fields {', '.join(fields)}")
    rate = raw.get("rateLimit")
    if rate is not None and (
        not isinstance(rate, Mapping)
        or not isinstance(rate.get("status"), int)
        or not isinstance(rate.get("field"), str)
    ):
        err.add("rateLimit", "needs an integer status and a string field")
    if not isinstance(raw.get("schemas", {}), Mapping):
        err.add("schemas", "must be an object of schemas by name")


def _function(
    raw: Mapping[str, Any],
    err: _Errors,
    path: Tuple[str, ...],
    name: str,
    method: Any,
    common: Sequence[Parameter],
    schema_names: Sequence[str],
) -> Optional[Function]:
    where = ".".join(path + (name,))
    if not isinstance(method, Mapping):
        err.add(where, "a method must be an object")
        return None
    http_method = str(method.get("httpMethod", "")).lower()
    ok = True
    if http_method not in HTTP_METHODS:
        err.add(where, f"httpMethod: unknown HTTP method {method.get('httpMethod')!r}")
        ok = False
    route = method.get("path")
    if not isinstance(route, str):
        err.add(where, "path: must be a string")
        return None
    template = route_params(route)
    parameters: List[Parameter] = []
    raw_params = method.get("parameters") or {}
    if not isinstance(raw_params, Mapping):
        err.add(where, "parameters: must be an object keyed by wire name")
        raw_params = {}
    for wire in sorted(raw_params):
        param = _parameter(err, where, wire, raw_params[wire])
        if param is None:
            ok = False
            continue
        parameters.append(param)
    declared = [p.wire for p in parameters if p.location == "path"]
    for wire in declared:
        if wire not in template:
            err.add(where, f"parameter {wire!r}: a path parameter missing from the path template {route!r}")
            ok = False
    for wire in template:
        if wire not in declared:
            err.add(where, f"path: template parameter {{{wire}}} is not declared as a path parameter")
            ok = False
    own = {p.wire for p in parameters}
    everything = parameters + [c for c in common if c.wire not in own]
    seen: Dict[str, str] = {}
    for param in everything:
        if param.name in seen or (param.name == "body" and method.get("request") is not None):
            other = seen.get(param.name, "the request body")
            err.add(where, f"parameter {param.wire!r}: its Python name {param.name!r} is also the name of {other!r}")
            ok = False
        seen[param.name] = param.wire
    request = _ref(method.get("request"))
    response = _ref(method.get("response"))
    for field, ref in (("request", request), ("response", response)):
        value = method.get(field)
        if value is not None and ref is None:
            err.add(where, f"{field}: must be {{'$ref': <schema name>}}")
            ok = False
        elif ref is not None and ref not in schema_names:
            err.add(where, f"{field}: $ref {ref!r} names no schema of the manifest")
            ok = False
    pagination = None
    scheme = raw.get("pagination")
    items = method.get("items")
    if items is not None:
        if not isinstance(scheme, Mapping):
            err.add(where, "items: a paginated method needs the manifest's pagination scheme")
            ok = False
        elif scheme["tokenParam"] not in [p.wire for p in parameters if p.location == "query"]:
            err.add(where, f"items: a paginated method needs the query parameter {scheme['tokenParam']!r}")
            ok = False
        elif not isinstance(items, str):
            err.add(where, "items: must be the name of the response's list field")
            ok = False
        else:
            pagination = Pagination(
                token_param=scheme["tokenParam"],
                token_field=scheme["tokenField"],
                items_key=items,
                limit_param=scheme.get("limitParam"),
            )
    nothing = method.get("nothing") or ()
    fixed = method.get("fixedQuery") or {}
    if not isinstance(nothing, (list, tuple)) or not all(isinstance(m, str) for m in nothing):
        err.add(where, "nothing: must be a list of messages")
        ok = False
    if not isinstance(fixed, Mapping) or not all(isinstance(v, str) for v in fixed.values()):
        err.add(where, "fixedQuery: must be an object of strings")
        ok = False
    python = member_name(name)
    if (not path and python in RESERVED_MEMBERS) or python.startswith("_"):
        err.add(where, f"method name {python!r} would replace a member of the client classes")
        ok = False
    if not ok:
        return None
    description = str(method.get("description") or "").strip()
    return Function(
        name=python,
        title=description.split("\n", 1)[0][:200] if description else python,
        description=description,
        stability="deprecated" if method.get("deprecated") else "stable",
        http_method=http_method,
        route=route,
        path_params=template,
        query_params=(),
        request_schema=f"{request}#" if request else None,
        response_schema=f"{response}#" if response else None,
        pagination=pagination,
        resource=tuple(member_name(p) for p in path),
        parameters=tuple(everything),
        body_required=bool(isinstance(method.get("request"), Mapping) and method["request"].get("required")),
        nothing=tuple(nothing),
        fixed_query=tuple(sorted(fixed.items())),
        operation_id=str(method.get("id") or where),
    )


def _typed(functions: List[Function], schemas: Dict[str, Any], err: _Errors) -> Tuple[List[Function], Tuple[Any, ...]]:
    uses = []
    for f in functions:
        if f.request_schema:
            uses.append(schematypes.Use(f.qualified_name, "request", f.request_schema))
        if f.response_schema:
            uses.append(schematypes.Use(f.qualified_name, "response", f.response_schema))
    names = {}
    for node in schemas:
        name = node[:-1]
        if is_identifier(name):  # a schema named like a typing name (List, Any, ...) gets a trailing `_`
            names[node] = name + "_" if name in pytypes.TYPING_NAMES else name
    conversion = schematypes.convert(schemas, names, uses)
    for problem in conversion.problems:
        where = problem.location or (f"{problem.use.entry}.{problem.use.field}" if problem.use else "schemas")
        err.add(where, f"{problem.node}: {problem.message}")
    if conversion.problems:
        return functions, ()
    typed = []
    for f in functions:
        request = conversion.uses.get(schematypes.Use(f.qualified_name, "request", f.request_schema or ""))
        response = conversion.uses.get(schematypes.Use(f.qualified_name, "response", f.response_schema or ""))
        item = item_type(conversion, response, f.pagination.items_key) if f.pagination is not None else None
        typed.append(dataclasses.replace(f, request_type=request, response_type=response, item_type=item))
    return typed, conversion.types


def build_service(raw: Any, source: str = "manifest") -> Service:
    """The model of a REST manifest, or RestManifestInvalid listing every problem."""
    err = _Errors(source)
    if not isinstance(raw, Mapping):
        raise RestManifestInvalid([f"{source}: a manifest must be a JSON object"])
    _check_top(raw, err)
    if err.items:
        raise RestManifestInvalid(err.items)
    common: List[Parameter] = []
    raw_common = raw.get("commonParameters") or {}
    for wire in sorted(raw_common):
        param = _parameter(err, "commonParameters", wire, dict(raw_common[wire], location="query"))
        if param is not None:
            common.append(param)
    schemas = {f"{name}#": _schema(schema) for name, schema in (raw.get("schemas") or {}).items()}
    schema_names = sorted(raw.get("schemas") or {})
    functions: List[Function] = []
    for path, name, method in _walk(raw):
        f = _function(raw, err, path, name, method, common, schema_names)
        if f is not None:
            functions.append(f)
    qualified = [f.qualified_name for f in functions]
    for name in sorted({q for q in qualified if qualified.count(q) > 1}):
        err.add(name, "two methods have this Python name after mangling")
    resources = {f.resource[: i + 1] for f in functions for i in range(len(f.resource))}
    for f in functions:
        if f.resource + (f.name,) in resources:
            err.add(f.qualified_name, "a method and a resource have the same Python name")
    for resource in sorted(resources):
        if (len(resource) == 1 and resource[0] in RESERVED_MEMBERS) or resource[-1].startswith("_"):
            err.add(".".join(resource), f"resource name {resource[-1]!r} would replace a member of the client classes")
    if err.items:
        raise RestManifestInvalid(err.items)
    functions, types = _typed(functions, schemas, err)
    if err.items:
        raise RestManifestInvalid(err.items)
    auth: Mapping[str, Any] = raw.get("auth") or {"scheme": "none"}
    auth_headers: Mapping[str, str] = auth.get("headers") or {}
    envelope = raw.get("envelope")
    rate = raw.get("rateLimit")
    return Service(
        class_name=raw["className"],
        module_name=raw["name"],
        service_name=str(raw.get("serviceName") or raw["name"]),
        api_version=str(raw.get("apiVersion") or "v1"),
        title=str(raw.get("title") or raw["className"]),
        description=str(raw.get("description") or ""),
        functions=tuple(sorted(functions, key=lambda f: (f.resource, f.name))),
        types=tuple(types),
        schemas=tuple(sorted(schemas.items())),
        calling="keywords",
        base_url=raw["baseUrl"],
        default_root_url=raw.get("defaultRootUrl"),
        auth=AuthScheme(kind=auth["scheme"], headers=tuple(sorted(auth_headers.items()))),
        envelope=Envelope(ok=envelope["ok"], message=envelope["message"], content=envelope["content"])
        if envelope
        else None,
        rate_limit=RateLimit(status=rate["status"], field=rate["field"], unit=float(rate.get("unit", 1.0)))
        if rate
        else None,
        common_parameters=tuple(common),
    )


def render_package(raw: Any, package: Optional[str] = None, source: str = "manifest") -> Dict[str, str]:
    """Every file of the generated package, as ``{relative posix path: text}`` (paths start with the package)."""
    from . import rest_render

    service = build_service(raw, source)
    return rest_render.render(service, package or service.module_name, Path(source).name)


def generate_package(manifest: Any, package: str, out_dir: Path, source: str = "manifest") -> List[Path]:
    """Write the package generated from ``manifest`` into ``out_dir/package``; the paths written."""
    from .render import write

    files = render_package(manifest, package, source)
    write_dir = Path(out_dir)
    write(files, write_dir)
    return [write_dir / name for name in files]

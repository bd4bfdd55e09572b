"""Load apis.json (Taskcluster API references), validate it and build the model.

Validation has two layers: JSON Schema (``meta_schema.json``, our own description of the
manifest) for shapes and types, then semantic checks for what a schema cannot say
(routes vs args, pagination, reserved and duplicate names, ``$ref``s between the class's
``schemas`` and the types made from them, see `codegen.schematypes`). Every problem becomes a
`ManifestError` naming the class, the entry (or the schema) and the field, e.g.
``apis.json: Queue.createTask.route: argument <taskId> is not listed in args`` or
``apis.json: Queue.schemas[v1/task.json#/properties/metadata].$ref: 'v1/nope.json#' does not resolve
(used by createTask.input)``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from . import schemas as js
from .model import (
    AllOf,
    AnyOf,
    Api,
    Exchange,
    ForEach,
    Function,
    IfThen,
    LegacyArgs,
    Pagination,
    Record,
    RoutingKeyEntry,
    Scope,
    ScopeExpression,
    Service,
    TypeExpr,
    is_identifier,
    route_params,
)
from .schematypes import Conversion, Use, convert

__all__ = [
    "CODE_LINE_LIMIT",
    "RESERVED_MEMBER_NAMES",
    "RESERVED_MODULE_NAMES",
    "RESERVED_PARAMETER_NAMES",
    "ManifestError",
    "ManifestInvalid",
    "build_model",
    "load",
    "load_json",
    "module_name",
    "service_kind",
    "validate",
]

META_SCHEMA_PATH = Path(__file__).with_name("meta_schema.json")

# Names the generated methods use for their own parameters: a route argument, query
# parameter or routing-key entry with one of these names could not be passed.
RESERVED_PARAMETER_NAMES = frozenset(
    {"payload", "query", "params", "self", "args", "kwargs", "paginationHandler", "paginationLimit"}
)

# Modules of the runtime package (taskcluster/ and taskcluster/aio/) that a compatibility
# module `taskcluster/<class name lower-cased>.py` must not replace.
RESERVED_MODULE_NAMES = frozenset(
    {
        "client", "utils", "exceptions", "aio", "testing", "generated", "asyncclient", "asyncutils", "helper", "upload",
        "download", "retry", "reader_writer",
        # packages of generated code: taskcluster/types/ (the data types), taskcluster/generated/schemas/
        "types", "schemas",
    }
)  # fmt: skip

# Names an entry (= a method of the generated class) must not take: the class attributes
# the generator emits, the runtime's public methods, and the names the class body uses
# (a method named `Optional` would shadow typing.Optional for the methods after it).
RESERVED_MEMBER_NAMES = frozenset(
    {
        "classOptions",
        "serviceName",
        "apiVersion",
        "deprecated",
        "funcinfo",
        "exchangeinfo",
        "paginated",
        "buildUrl",
        "buildSignedUrl",
        "makeHawkExt",
        "withOptions",
        "options",
        "session",
        "close",
        "Any",
        "Dict",
        "Mapping",
        "Optional",
        "Union",
        "BaseClient",
        "AsyncBaseClient",
    }
)

# Code blocks in descriptions are copied into docstrings unwrapped; longer lines would break the
# generated modules' 120-column limit once indented.
CODE_LINE_LIMIT = 100

PAGINATION_TOKEN = "continuationToken"
PAGINATION_LIMIT = "limit"


@dataclass(frozen=True, order=True)
class ManifestError:
    """One problem in a manifest: ``<source>: <location>: <message>``."""

    source: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.location}: {self.message}"


class ManifestInvalid(Exception):
    """The manifest cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[ManifestError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def module_name(class_name: str) -> str:
    """The Python module name of a generated class: its name lower-cased."""
    return class_name.lower()


def service_kind(reference: Dict[str, Any]) -> str:
    """``"exchanges"`` for an exchanges reference (it has an exchangePrefix), else ``"api"``."""
    return "exchanges" if "exchangePrefix" in reference else "api"


# --- loading ---------------------------------------------------------------------------------


def load_json(path: Path, source: Optional[str] = None) -> Any:
    """Read a JSON file; raise ManifestInvalid (one error) if it is missing or malformed."""
    source = source or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestInvalid([ManifestError(source, "(file)", f"cannot read: {exc.strerror}")]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ManifestInvalid([ManifestError(source, where, f"invalid JSON: {exc.msg}")]) from None


def load(path: Path, source: Optional[str] = None) -> Api:
    """Load, validate and model a manifest file; raise ManifestInvalid listing every error."""
    source = source or path.name
    raw = load_json(path, source)
    errors, conversions = _validate(raw, source)
    if errors:
        raise ManifestInvalid(errors)
    return build_model(raw, source, conversions)


# --- validation ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _meta_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(META_SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _entry_label(raw: Any, class_name: str, index: int) -> str:
    try:
        name = raw[class_name]["reference"]["entries"][index]["name"]
    except (KeyError, IndexError, TypeError):
        name = None
    if isinstance(name, str) and name:
        return name
    return f"entries[{index}]"


def _field_path(parts: Sequence[Any]) -> str:
    text = ""
    for part in parts:
        # an index, or a key that is a schema id (v1/task.json#): in brackets
        text += f"[{part}]" if isinstance(part, int) or "/" in str(part) or "#" in str(part) else f".{part}"
    return text


def _split_path(raw: Any, path: Sequence[Any]) -> Tuple[str, Optional[int]]:
    """Turn a JSON path into a location (``Class.entry.field``) and the entry index, if any."""
    if not path:
        return "(top level)", None
    class_name = str(path[0])
    rest = list(path[1:])
    if rest[:1] == ["reference"]:
        rest = rest[1:]
    if len(rest) >= 2 and rest[0] == "entries" and isinstance(rest[1], int):
        index = rest[1]
        return class_name + "." + _entry_label(raw, class_name, index) + _field_path(rest[2:]), index
    return class_name + _field_path(rest), None


def _schema_errors(raw: Any, source: str) -> Tuple[List[ManifestError], Set[Tuple[str, Any]]]:
    """JSON Schema errors, plus the (class, entry index) pairs they touch."""
    errors: List[ManifestError] = []
    touched: Set[Tuple[str, Any]] = set()
    for error in _meta_validator().iter_errors(raw):
        errors.extend(_convert(raw, source, error, touched))
    return errors, touched


def _explain(error: ValidationError) -> List[Tuple[List[Any], str]]:
    """(JSON path, message) pairs saying what is wrong, naming a missing or unexpected field
    in the path and, for a failed anyOf, the errors of the closest alternative."""
    path = list(error.absolute_path)
    if error.validator == "required":
        match = re.match(r"'(.+)' is a required property", error.message)
        if match:
            return [(path + [match.group(1)], "is required")]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
        return [(path + [extra], "unexpected field") for extra in sorted(set(error.instance) - allowed)]
    if error.context:
        # group the failures by alternative; ignore alternatives of another JSON type
        branches: Dict[Any, List[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        candidates = [b for b in branches.values() if not any(e.validator == "type" and not e.relative_path for e in b)]
        if candidates:
            closest = min(candidates, key=len)
            return [pair for sub in closest for pair in _explain(sub)]
        return [(path, f"{error.message} ({best_match(error.context).message})")]
    return [(path, error.message)]


def _convert(raw: Any, source: str, error: ValidationError, touched: Set[Tuple[str, Any]]) -> Iterator[ManifestError]:
    path = list(error.absolute_path)
    if list(error.absolute_schema_path)[:1] == ["propertyNames"]:
        # the offending name is the instance; the path points at the containing object
        name = error.instance
        yield ManifestError(source, str(name), f"class name {name!r} must be CamelCase letters and digits")
        touched.add((str(name), None))
        return
    if "propertyNames" in error.absolute_schema_path:
        # a key of a class's map (schemas, typeNames): name it in the location
        location, _ = _split_path(raw, path)
        touched.add((str(path[0]), None))
        yield ManifestError(source, f"{location}[{error.instance}]", f"is not a valid key: {error.message}")
        return
    if error.validator == "const" and path[-1:] == ["type"]:
        return  # the entry's type is also reported by the enum of known types
    for sub_path, message in _explain(error):
        location, index = _split_path(raw, sub_path)
        touched.add((str(sub_path[0]) if sub_path else "", index))
        yield ManifestError(source, location, message)


def _name_problem(name: Any, what: str) -> Optional[str]:
    if not is_identifier(name):
        return f"{what} {name!r} is not a valid Python identifier (or is a keyword)"
    if name in RESERVED_PARAMETER_NAMES:
        return f"{what} {name!r} is reserved (the generated methods use it)"
    return None


def _code_line_problems(text: Any) -> List[str]:
    if not isinstance(text, str):
        return []
    problems = []
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif fenced and len(line) > CODE_LINE_LIMIT:
            problems.append(
                f"line {number} is in a code block and longer than {CODE_LINE_LIMIT} characters "
                f"({len(line)}); code is not re-wrapped, so shorten it"
            )
    return problems


def _duplicates(items: Sequence[Any]) -> List[Any]:
    seen: Set[Any] = set()
    dups: List[Any] = []
    for item in items:
        if item in seen and item not in dups:
            dups.append(item)
        seen.add(item)
    return dups


def _check_function(err: Any, entry: Dict[str, Any]) -> None:
    route = entry["route"]
    args = list(entry["args"])
    query = list(entry["query"])
    placeholders = list(route_params(route))
    for p in placeholders:
        if p not in args:
            err("route", f"argument <{p}> is not listed in args")
    for p in _duplicates(placeholders):
        err("route", f"argument <{p}> appears more than once")
    for i, a in enumerate(args):
        if a not in placeholders:
            err(f"args[{i}]", f"argument {a!r} does not appear in the route {route!r}")
        problem = _name_problem(a, "argument")
        if problem:
            err(f"args[{i}]", problem)
    for a in _duplicates(args):
        err("args", f"argument {a!r} is listed more than once")
    if set(args) == set(placeholders) and len(args) == len(placeholders) and args != placeholders:
        err("args", f"order {args} differs from the order in the route {placeholders}")
    for i, q in enumerate(query):
        problem = _name_problem(q, "query parameter")
        if problem:
            err(f"query[{i}]", problem)
    for q in _duplicates(query):
        err("query", f"query parameter {q!r} is listed more than once")
    for q in sorted(set(query) & set(args)):
        err("query", f"{q!r} is both a route argument and a query parameter")
    paginated = PAGINATION_TOKEN in query
    if paginated and "pageItems" not in entry:
        err("pageItems", f"is required because query has {PAGINATION_TOKEN} (name the response's list of items)")
    if not paginated and "pageItems" in entry:
        err("pageItems", f"is only allowed when query has {PAGINATION_TOKEN}")
    legacy = entry.get("legacyArgs")
    if legacy is not None:
        if legacy["into"] not in args:
            err("legacyArgs.into", f"{legacy['into']!r} is not one of the route arguments {args}")
        for i, a in enumerate(legacy["args"]):
            problem = _name_problem(a, "legacy argument")
            if problem:
                err(f"legacyArgs.args[{i}]", problem)
            elif a in args:
                err(f"legacyArgs.args[{i}]", f"{a!r} is already a route argument")
            elif a in query:
                err(f"legacyArgs.args[{i}]", f"{a!r} is also a query parameter")


def _check_exchange(err: Any, entry: Dict[str, Any]) -> None:
    keys = entry["routingKey"]
    if not keys:
        err("routingKey", "an exchange needs at least one routing-key entry")
    names = [k["name"] for k in keys]
    for i, name in enumerate(names):
        problem = _name_problem(name, "routing-key entry")
        if problem:
            err(f"routingKey[{i}].name", problem)
    for name in _duplicates(names):
        err("routingKey", f"routing-key entry {name!r} is listed more than once")


def _semantic_errors(raw: Dict[str, Any], source: str, touched: Set[Tuple[str, Any]]) -> List[ManifestError]:
    errors: List[ManifestError] = []
    modules: Dict[str, str] = {}
    kinds: Dict[Tuple[str, str], str] = {}
    for class_name, cls in raw.items():

        def class_err(field: str, message: str, _c: str = class_name) -> None:
            errors.append(ManifestError(source, f"{_c}.{field}" if field else _c, message))

        if not is_identifier(class_name):
            class_err("", f"class name {class_name!r} is not a valid Python identifier (or is a keyword)")
        mod = module_name(class_name)
        if mod in RESERVED_MODULE_NAMES:
            class_err("", f"module name {mod!r} clashes with a runtime module of the taskcluster package")
        elif mod in modules:
            class_err("", f"module name {mod!r} is also the module name of {modules[mod]}")
        else:
            modules[mod] = class_name

        reference = cls.get("reference") if isinstance(cls, dict) else None
        if not isinstance(reference, dict):
            continue
        for problem in _code_line_problems(reference.get("description")):
            class_err("description", problem)
        service = reference.get("serviceName")
        if isinstance(service, str):
            kind = service_kind(reference)
            if (service, kind) in kinds:
                class_err(
                    "serviceName", f"{kinds[(service, kind)]} already maps the {kind} reference of service {service!r}"
                )
            else:
                kinds[(service, kind)] = class_name
        entries = reference.get("entries")
        if not isinstance(entries, list):
            continue
        has_exchanges = False
        seen: Dict[str, int] = {}
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            if entry.get("type") == "topic-exchange":
                has_exchanges = True
            label = _entry_label(raw, class_name, index)

            def err(field: str, message: str, _label: str = label, _c: str = class_name) -> None:
                errors.append(ManifestError(source, f"{_c}.{_label}.{field}", message))

            name = entry.get("name")
            if isinstance(name, str):
                if name in seen:
                    err("name", f"duplicate entry name (also entries[{seen[name]}])")
                else:
                    seen[name] = index
                if not is_identifier(name):
                    err("name", f"entry name {name!r} is not a valid Python identifier (or is a keyword)")
                elif name in RESERVED_MEMBER_NAMES or name.startswith("_"):
                    err("name", f"entry name {name!r} is reserved (it would replace a member of the client class)")
            for problem in _code_line_problems(entry.get("description")):
                err("description", problem)
            if (class_name, index) in touched:
                continue  # shape errors already reported; semantic checks need a well-formed entry
            if entry.get("type") == "function":
                _check_function(err, entry)
            elif entry.get("type") == "topic-exchange":
                _check_exchange(err, entry)
        if has_exchanges and "exchangePrefix" not in reference:
            class_err("exchangePrefix", "is required because the class has topic-exchange entries")
    return errors


def _uses(reference: Dict[str, Any]) -> List[Use]:
    """The entries' schema ids, in manifest order: functions' input and output, exchanges' schema."""
    uses = []
    for entry in reference["entries"]:
        for field in ("input", "output") if entry["type"] == "function" else ("schema",):
            if field in entry:
                uses.append(Use(entry=entry["name"], field=field, schema_id=entry[field]))
    return uses


def _reached(schemas: Dict[str, Any], start: str) -> List[str]:
    """The schema ids a schema references, directly or not, itself first."""
    order = [start]
    for key in order:
        for _, ref in js.refs(schemas.get(key)):
            target = js.split(js.ref_target(key, ref))[0]
            if target in schemas and target not in order:
                order.append(target)
    return order


def _type_errors(cls: Dict[str, Any], class_name: str, source: str) -> Tuple[List[ManifestError], Conversion]:
    """Problems of a (well-formed) class's schemas and of the types made from them."""
    schemas: Dict[str, Any] = cls.get("schemas", {})
    uses = _uses(cls["reference"])
    errors: List[ManifestError] = []

    def err(where: str, message: str) -> None:
        errors.append(ManifestError(source, f"{class_name}.{where}", message))

    user: Dict[str, Use] = {}
    for use in uses:
        schema_id = js.split(use.schema_id)[0]
        if schema_id not in schemas:
            continue  # untyped: the manifest does not hold that schema
        try:
            js.resolve(schemas, js.canonical(use.schema_id))
        except js.Unresolved as exc:
            err(f"{use.entry}.{use.field}", f"{use.schema_id!r} does not resolve in schemas ({exc})")
        for reached in _reached(schemas, schema_id):
            user.setdefault(reached, use)
    for key, schema in schemas.items():
        for pointer, ref in js.refs(schema):
            try:
                js.resolve(schemas, js.ref_target(key, ref))
            except js.Unresolved as exc:
                used = f" (used by {user[key].entry}.{user[key].field})" if key in user else ""
                err(f"schemas[{key}{pointer}].$ref", f"{ref!r} does not resolve ({exc}){used}")
    if errors:
        return errors, Conversion(types=(), uses={})
    conversion = convert(schemas, cls.get("typeNames", {}), uses)
    for problem in conversion.problems:
        if problem.location is not None:
            where = problem.location
        elif problem.use is not None:
            where = f"{problem.use.entry}.{problem.use.field}"
        else:
            where = f"schemas[{problem.node}]"
        err(where, problem.message if where.endswith(f"[{problem.node}]") else f"{problem.node}: {problem.message}")
    return errors, conversion


def _validate(raw: Any, source: str) -> Tuple[List[ManifestError], Dict[str, Conversion]]:
    errors, touched = _schema_errors(raw, source)
    conversions: Dict[str, Conversion] = {}
    if isinstance(raw, dict):
        errors.extend(_semantic_errors(raw, source, touched))
        broken = {class_name for class_name, _ in touched}
        for class_name, cls in raw.items():
            if class_name in broken:
                continue  # shapes first: the type checks need a well-formed class
            type_errors, conversions[class_name] = _type_errors(cls, class_name, source)
            errors.extend(type_errors)
    return sorted(set(errors)), conversions


def validate(raw: Any, source: str = "apis.json") -> List[ManifestError]:
    """Every problem of a parsed manifest, sorted; an empty list means it is valid."""
    return _validate(raw, source)[0]


# --- model -----------------------------------------------------------------------------------


def _scopes(expr: Any) -> ScopeExpression:
    if isinstance(expr, str):
        return Scope(value=expr)
    if "AllOf" in expr:
        return AllOf(items=tuple(_scopes(e) for e in expr["AllOf"]))
    if "AnyOf" in expr:
        return AnyOf(items=tuple(_scopes(e) for e in expr["AnyOf"]))
    if "if" in expr:
        otherwise = _scopes(expr["else"]) if "else" in expr else None
        return IfThen(condition=expr["if"], then=_scopes(expr["then"]), otherwise=otherwise)
    return ForEach(variable=expr["for"], field=expr["in"], each=expr["each"])


def item_type(conversion: Conversion, response: Optional[TypeExpr], items_key: str) -> Optional[TypeExpr]:
    """The type of one item of a page: the list field ``items_key`` of the response record."""
    if response is None:
        return None
    for t in conversion.types:
        if isinstance(t, Record) and t.name == response.name:
            for f in t.fields:
                if f.key == items_key and f.type.kind == "list":
                    return f.type.args[0]
    return None


def _function(entry: Dict[str, Any], conversion: Conversion) -> Function:
    query = tuple(entry["query"])
    pagination = None
    if "pageItems" in entry:
        pagination = Pagination(
            token_param=PAGINATION_TOKEN,
            token_field=PAGINATION_TOKEN,
            items_key=entry["pageItems"],
            limit_param=PAGINATION_LIMIT if PAGINATION_LIMIT in query else None,
        )
    legacy = entry.get("legacyArgs")
    legacy_args = None
    if legacy is not None:
        legacy_args = LegacyArgs(args=tuple(legacy["args"]), target=legacy["into"], separator=legacy["separator"])
    request_type = response_type = None
    if "input" in entry:
        request_type = conversion.uses.get(Use(entry=entry["name"], field="input", schema_id=entry["input"]))
    if "output" in entry:
        response_type = conversion.uses.get(Use(entry=entry["name"], field="output", schema_id=entry["output"]))
    items = item_type(conversion, response_type, pagination.items_key) if pagination is not None else None
    return Function(
        request_type=request_type,
        response_type=response_type,
        item_type=items,
        legacy_args=legacy_args,
        name=entry["name"],
        title=entry["title"],
        description=entry["description"],
        stability=entry["stability"],
        http_method=entry["method"],
        route=entry["route"],
        path_params=tuple(entry["args"]),
        query_params=query,
        request_schema=entry.get("input"),
        response_schema=entry.get("output"),
        scopes=_scopes(entry["scopes"]) if "scopes" in entry else None,
        pagination=pagination,
    )


def _exchange(entry: Dict[str, Any], conversion: Conversion) -> Exchange:
    message_type = None
    if "schema" in entry:
        message_type = conversion.uses.get(Use(entry=entry["name"], field="schema", schema_id=entry["schema"]))
    return Exchange(
        message_type=message_type,
        name=entry["name"],
        title=entry["title"],
        description=entry["description"],
        exchange=entry["exchange"],
        schema=entry.get("schema"),
        stability=entry.get("stability"),
        routing_key=tuple(
            RoutingKeyEntry(
                name=key["name"],
                multiple_words=key["multipleWords"],
                required=key["required"],
                constant=key.get("constant"),
                max_size=key.get("maxSize"),
            )
            for key in entry["routingKey"]
        ),
    )


def build_model(
    raw: Dict[str, Any], source: str = "apis.json", conversions: Optional[Dict[str, Conversion]] = None
) -> Api:
    """Map a *validated* manifest onto the model (``conversions``: the types `validate` made, if at hand)."""
    services = []
    for class_name, cls in raw.items():
        ref = cls["reference"]
        conversion = (conversions or {}).get(class_name)
        if conversion is None:
            conversion = convert(cls.get("schemas", {}), cls.get("typeNames", {}), _uses(ref))
        services.append(
            Service(
                class_name=class_name,
                module_name=module_name(class_name),
                service_name=ref["serviceName"],
                api_version=ref["apiVersion"],
                title=ref["title"],
                description=ref["description"],
                deprecated=bool(cls.get("deprecated", False)),
                functions=tuple(_function(e, conversion) for e in ref["entries"] if e["type"] == "function"),
                exchanges=tuple(_exchange(e, conversion) for e in ref["entries"] if e["type"] == "topic-exchange"),
                exchange_prefix=ref.get("exchangePrefix"),
                types=conversion.types,
                schemas=tuple(sorted(cls.get("schemas", {}).items())),
            )
        )
    return Api(source=source, services=tuple(services))

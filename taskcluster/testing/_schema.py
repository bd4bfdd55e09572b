"""Request and response bodies checked against the services' real JSON schemas, with jsonschema.

The schemas are those of the generated clients (`taskcluster.generated.schemas`): one map per client
module, loaded once per process with every id and ``$ref`` made absolute under
``urn:taskcluster:<module>:`` and registered in a `referencing.Registry`, so that refs between schemas
(``v1/task.json#/properties/priority``) and inside one (``#/definitions/upload``) resolve as upstream.
They are checked with jsonschema's Draft 6 validator: upstream's schemas declare
``/schemas/common/metaschema.json#``, which is based on draft-06 (``$ref`` siblings are ignored when
validating, as there). Formats are checked as upstream's ajv ("full" mode) does: ``date-time`` needs a
time zone, ``uri`` a scheme and no characters outside RFC 3986.

A `Checker` (one per schema id, built on first use and kept for the process) does what the services
do with a request body: fill in the schema's defaults for missing properties (a walk over the real
schema, following ``properties``, ``items``, ``additionalProperties``, ``allOf`` and ``$ref``, and not
``oneOf``/``anyOf``, as ajv's ``useDefaults``), then validate; and it validates response bodies.
Errors come back as short lines naming the offending field by JSON path (``$`` is the body).

jsonschema is an optional dependency of the package: ``pip install 'taskcluster[testing]'``.
"""

import copy
import ipaddress
import json
import re
import threading
from importlib import metadata
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple, Union

from ._time import parse_date

if TYPE_CHECKING:
    from jsonschema import FormatChecker
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry

__all__ = [
    "MAX_LINES",
    "Checker",
    "checker",
    "ecma_pattern",
    "format_errors",
    "json_path",
    "json_type",
    "require",
    "summary",
]

#: Most error lines a message lists (the rest are counted).
MAX_LINES = 15
_MAX_LINE = 300
_MAX_VALUE = 80
_INSTALL = "pip install 'taskcluster[testing]'"

Path = Tuple[Union[str, int], ...]


def require() -> None:
    """Raise ImportError with what to install when jsonschema (>= 4.18, with referencing) is missing."""
    try:
        import jsonschema  # noqa: F401
        import referencing  # noqa: F401
    except ImportError as e:
        raise ImportError(
            "taskcluster.testing checks request bodies against the services' JSON schemas with the "
            "jsonschema package, which is not installed: %s (or pip install 'jsonschema>=4.18')" % _INSTALL
        ) from e
    try:
        version = metadata.version("jsonschema")
    except metadata.PackageNotFoundError:  # vendored without its metadata: trust it
        return
    parts = re.findall(r"\d+", version)[:2]
    if tuple(int(p) for p in parts) < (4, 18):
        raise ImportError(
            "taskcluster.testing needs jsonschema >= 4.18 (it resolves $refs with referencing); "
            "jsonschema %s is installed: %s" % (version, _INSTALL)
        )


# -- formats, as ajv checks them ------------------------------------------------------------------------------
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HOSTNAME = re.compile(
    r"(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
#: format -> (what the message says it must be, an example)
_FORMATS: Dict[str, Tuple[str, str]] = {
    "date-time": ("an RFC 3339 date-time with a time zone", "2024-01-31T12:00:00.000Z"),
    "uri": ("an absolute URI (RFC 3986)", "https://example.com/x"),
}


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return _DATE_TIME.fullmatch(value) is not None and parse_date(value) is not None


def _matches(pattern: "re.Pattern[str]") -> Any:
    def check(value: object) -> bool:
        return not isinstance(value, str) or pattern.fullmatch(value) is not None

    return check


def _is_ip(version: int) -> Any:
    def check(value: object) -> bool:
        if not isinstance(value, str):
            return True
        try:
            return ipaddress.ip_address(value).version == version
        except ValueError:
            return False

    return check


def _is_regex(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        re.compile(value)
    except re.error:
        return False
    return True


_format_checker: Optional["FormatChecker"] = None


def _formats() -> "FormatChecker":
    """The formats the schemas use, checked without optional packages (so always the same way)."""
    global _format_checker
    if _format_checker is None:
        from jsonschema import FormatChecker

        checker = FormatChecker(formats=())
        for name, func in (
            ("date-time", _is_date_time),
            ("uri", _matches(_URI)),
            ("email", _matches(_EMAIL)),
            ("hostname", _matches(_HOSTNAME)),
            ("ipv4", _is_ip(4)),
            ("ipv6", _is_ip(6)),
            ("regex", _is_regex),
        ):
            checker.checks(name)(func)
        _format_checker = checker
    return _format_checker


# -- patterns, as ECMA 262 reads them -------------------------------------------------------------------------
_patterns: Dict[str, "re.Pattern[str]"] = {}


def ecma_pattern(pattern: str) -> "re.Pattern[str]":
    """``pattern`` compiled so that ``$`` means what it means in the services' (JavaScript) regexes: the end
    of the string. In Python it also matches before a final newline, which would let ``"name\\n"`` through
    ``^[a-z]+$``."""
    compiled = _patterns.get(pattern)
    if compiled is None:
        out: List[str] = []
        escaped = in_class = False
        for char in pattern:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif in_class:
                in_class = char != "]"
            elif char == "[":
                in_class = True
            elif char == "$":
                char = r"\Z"
            out.append(char)
        compiled = _patterns[pattern] = re.compile("".join(out))
    return compiled


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterable["ValidationError"]:
    """jsonschema's ``pattern`` (same message), with ``$`` as in JavaScript."""
    if isinstance(instance, str) and not ecma_pattern(pattern).search(instance):
        yield _error("%r does not match %r" % (instance, pattern))


# -- uniqueItems in linear time ------------------------------------------------------------------------------
_BOOLEAN = object()


def _key(value: Any) -> Any:
    """A hashable form of a JSON value, equal exactly when JSON Schema deems the values equal: 1 == 1.0
    (as in Python), but true != 1 (tagged with a marker no JSON value holds); object keys unordered."""
    if isinstance(value, bool):
        return (_BOOLEAN, value)
    if isinstance(value, list):
        return tuple([_key(v) for v in value])
    if isinstance(value, dict):
        return frozenset([(k, _key(v)) for k, v in value.items()])
    return value  # str, int, float, None: hashable, and never equal across these kinds


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterable["ValidationError"]:
    """jsonschema's own check compares objects pairwise (quadratic: seconds for 1000 tasks); this hashes."""
    if not unique or not isinstance(instance, list):
        return
    seen: Set[Any] = set()
    for item in instance:
        key = _key(item)
        if key in seen:
            yield _error("%r has non-unique elements" % (instance,))
            return
        seen.add(key)


# -- checking subschemas without the cost of a descent -----------------------------------------------------
def _quick_valid(validator: Any, schema: Any, instance: Any) -> bool:
    """True when ``instance`` satisfies the subschema ``schema``, found by running jsonschema's own keyword
    functions with the current validator. jsonschema's descent into a subschema first builds a new
    validator and a resolver for it: most of the cost of checking a task listing. The checked schemas
    have no ``$id`` and, once inlined, no ``$ref`` (those still there are left to a real descent), so the
    current validator resolves nothing differently. False means "descend": the descent then reports the
    errors exactly as jsonschema does."""
    if schema is True:
        return True
    if not isinstance(schema, dict) or "$ref" in schema:
        return False
    keywords = validator.VALIDATORS
    for keyword, value in schema.items():
        if keyword == "type":
            if not _type_ok(validator, value, instance):
                return False
            continue
        function = keywords.get(keyword)
        if function is None:
            continue
        errors = function(validator, value, instance, schema)
        if errors is not None and next(iter(errors), None) is not None:
            return False
    return True


def _properties(validator: Any, properties: Any, instance: Any, schema: Any) -> Iterable["ValidationError"]:
    """jsonschema's ``properties``, checking subschemas quickly first."""
    if not isinstance(instance, dict):
        return
    for name, subschema in properties.items():
        if name in instance:
            value = instance[name]
            if not _quick_valid(validator, subschema, value):
                yield from validator.descend(value, subschema, path=name, schema_path=name)


def _additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Iterable["ValidationError"]:
    """jsonschema's ``additionalProperties``, checking the extra properties' values quickly first (a task's
    ``tags`` or ``extra`` may have many)."""
    if not isinstance(instance, dict) or not isinstance(extra, dict):
        yield from _draft6_keyword("additionalProperties")(validator, extra, instance, schema)
        return
    properties = schema.get("properties") or {}
    patterns = "|".join(schema.get("patternProperties") or {})
    for name, value in instance.items():
        if name in properties or (patterns and re.search(patterns, name)):
            continue
        if not _quick_valid(validator, extra, value):
            yield from validator.descend(value, extra, path=name)


def _draft6_keyword(keyword: str) -> Any:
    from jsonschema import Draft6Validator

    return Draft6Validator.VALIDATORS[keyword]


def _items(validator: Any, items: Any, instance: Any, schema: Any) -> Iterable["ValidationError"]:
    """jsonschema's draft-06 ``items``, checking subschemas quickly first."""
    if not isinstance(instance, list):
        return
    if isinstance(items, list):
        for (index, item), subschema in zip(enumerate(instance), items):
            yield from validator.descend(item, subschema, path=index, schema_path=index)
        return
    for index, item in enumerate(instance):
        if not _quick_valid(validator, items, item):
            yield from validator.descend(item, items, path=index)


#: Draft-06 types (integer: also a float without a fractional part), as jsonschema's Draft 6 type checker.
_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def _type_ok(validator: Any, types: Any, instance: Any) -> bool:
    for kind in [types] if isinstance(types, str) else types:
        check = _TYPE_CHECKS.get(kind)
        if check(instance) if check is not None else validator.is_type(instance, kind):
            return True
    return False


def _type(validator: Any, types: Any, instance: Any, schema: Any) -> Iterable["ValidationError"]:
    """jsonschema's ``type`` (same message), without its type checker's registry lookups."""
    if not _type_ok(validator, types, instance):
        kinds = [types] if isinstance(types, str) else types
        yield _error("%r is not of type %s" % (instance, ", ".join(repr(k) for k in kinds)))


def _error(message: str) -> "ValidationError":
    from jsonschema.exceptions import ValidationError

    return ValidationError(message)


_validator_class: Any = None


def _draft6() -> Any:
    """jsonschema's Draft 6 validator, with a linear uniqueItems and leaf values checked in place."""
    global _validator_class
    if _validator_class is None:
        from jsonschema import Draft6Validator, validators

        extend: Any = validators.extend  # untyped in types-jsonschema
        _validator_class = extend(
            Draft6Validator,
            {
                "uniqueItems": _unique_items,
                "properties": _properties,
                "additionalProperties": _additional_properties,
                "items": _items,
                "type": _type,
                "pattern": _pattern,
            },
        )
    return _validator_class


# -- the schemas of one client module -------------------------------------------------------------------------
class _Module:
    """The schemas of one generated client module, registered for jsonschema."""

    def __init__(self, module: str) -> None:
        from referencing import Registry
        from referencing.jsonschema import DRAFT6

        from ..generated.schemas import load

        self.base = "urn:taskcluster:%s:" % module
        self.schemas: Dict[str, Any] = load(module, self.base)
        resources = [(uri.rstrip("#"), DRAFT6.create_resource(schema)) for uri, schema in self.schemas.items()]
        self.registry: "Registry[Any]" = Registry().with_resources(resources).crawl()

        self._inlined: Dict[str, Any] = {}

    def inlined(self, uri: str) -> Any:
        """The schema ``uri`` for validation: every ``$ref`` replaced by its target (its siblings dropped, as
        draft-06 ignores them), except refs that recur into themselves, which stay (absolute) for the
        registry to resolve; annotations left out. The same checks, without a lookup per ``$ref`` per
        validated value."""
        return self._inline(self.schemas[uri], uri.rstrip("#"), ())

    def _inline(self, node: Any, base: str, stack: Tuple[str, ...]) -> Any:
        """A schema (``node``, in the document ``base``) with its refs inlined."""
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = base + ref if ref.startswith("#") else ref
            if target in stack:  # a recursive schema: leave this one to the registry
                return {"$ref": target}
            done = self._inlined.get(target)
            if done is None:
                contents = self.registry.resolver().lookup(target).contents
                done = self._inline(contents, target.partition("#")[0], stack + (target,))
                self._inlined[target] = done
            return done
        out: Dict[str, Any] = {}
        for key, value in node.items():
            if key in _ANNOTATIONS:
                continue
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {name: self._inline(sub, base, stack) for name, sub in value.items()}
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self._inline(sub, base, stack) for sub in value]
            elif key in _SCHEMAS:
                out[key] = (
                    [self._inline(sub, base, stack) for sub in value]
                    if isinstance(value, list)
                    else self._inline(value, base, stack)
                )
            else:
                out[key] = value
        return out


#: Draft-06 keywords holding subschemas: a map of them, a list of them, one (or a list, for ``items``).
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "dependencies"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_SCHEMAS = frozenset({"items", "additionalItems", "additionalProperties", "contains", "propertyNames", "not"})
#: Annotations, which validation does not need.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment"})
_modules: Dict[str, _Module] = {}
_checkers: Dict[Tuple[str, str, str], Optional["Checker"]] = {}
_lock = threading.Lock()


def checker(module: Optional[str], service: str, schema_id: Optional[str]) -> Optional["Checker"]:
    """The checker of ``schema_id`` (``v1/create-task-request.json#``) of the client ``module``
    (``queue``), built once per process; None when the module has no such schema (retired services)."""
    if module is None or not schema_id:
        return None
    key = (module, service, schema_id)
    try:
        return _checkers[key]
    except KeyError:
        pass
    with _lock:
        if key not in _checkers:
            from ..generated.schemas import MODULES

            found: Optional[Checker] = None
            mod = _modules.get(module)
            if mod is None and module in MODULES:
                mod = _modules[module] = _Module(module)
            if mod is not None and mod.base + schema_id in mod.schemas:
                found = Checker(mod, service, schema_id)
            _checkers[key] = found
        return _checkers[key]


class Checker:
    """One schema: fills in its defaults, validates against it, describes what does not match."""

    def __init__(self, module: _Module, service: str, schema_id: str) -> None:
        self._module = module
        self.uri: str = module.base + schema_id
        self.schema: Any = module.schemas[self.uri]
        #: the schema as upstream publishes it under any rootUrl
        self.name: str = "/schemas/%s/%s" % (service, schema_id)
        self.title: Optional[str] = self.schema.get("title") if isinstance(self.schema, dict) else None
        self._defaults = _Defaults.of(module, self.schema, self.uri.rstrip("#"), {})
        self._validator: "Validator" = _draft6()(
            module.inlined(self.uri), registry=module.registry, format_checker=_formats()
        )

    def __repr__(self) -> str:
        return "Checker(%s)" % self.name

    def fill_defaults(self, instance: Any) -> List[Path]:
        """Set the schema's defaults for the missing properties of ``instance`` (in place); their paths."""
        filled: List[Path] = []
        if self._defaults is not None:
            self._defaults.fill(instance, (), filled, 0)
        return filled

    def errors(self, instance: Any, filled: Iterable[Path] = ()) -> List[str]:
        """What in ``instance`` does not match the schema, one line per problem (none when it matches)."""
        found = list(self._validator.iter_errors(instance))
        if not found:
            return []
        return format_errors(found, self._module, set(filled))


class _Defaults:
    """Where a schema has defaults, found once by a walk over the schema (following ``properties``,
    ``additionalProperties``, ``items``, ``allOf`` and ``$ref``; not ``oneOf``/``anyOf``, whose defaults
    upstream's ajv does not apply either), then applied to each request body."""

    __slots__ = ("additional", "all_of", "defaults", "items", "names", "properties")

    def __init__(self) -> None:
        self.defaults: List[Tuple[str, Any]] = []
        self.names: FrozenSet[str] = frozenset()
        self.properties: Dict[str, _Defaults] = {}
        self.additional: Optional[_Defaults] = None
        self.items: Optional[_Defaults] = None
        self.all_of: List[_Defaults] = []

    def empty(self) -> bool:
        return not (self.defaults or self.properties or self.additional or self.items or self.all_of)

    @classmethod
    def of(cls, module: _Module, node: Any, base: str, memo: Dict[str, "_Defaults"]) -> Optional["_Defaults"]:
        """The defaults of the schema ``node`` (in the document ``base``); None when it has none."""
        if not isinstance(node, dict):
            return None
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = base + ref if ref.startswith("#") else ref
            if target in memo:  # done, or being built (a recursive schema)
                return memo[target]
            plan = memo[target] = cls()
            plan._build(module, module.registry.resolver().lookup(target).contents, target.partition("#")[0], memo)
            return None if plan.empty() else plan
        plan = cls()
        plan._build(module, node, base, memo)
        return None if plan.empty() else plan

    def _build(self, module: _Module, node: Any, base: str, memo: Dict[str, "_Defaults"]) -> None:
        if not isinstance(node, dict):
            return
        properties = node.get("properties")
        if isinstance(properties, dict):
            self.names = frozenset(properties)
            for name, sub in properties.items():
                if isinstance(sub, dict) and "default" in sub:
                    self.defaults.append((name, sub["default"]))
                child = _Defaults.of(module, sub, base, memo)
                if child is not None:
                    self.properties[name] = child
        self.additional = _Defaults.of(module, node.get("additionalProperties"), base, memo)
        self.items = _Defaults.of(module, node.get("items"), base, memo)
        for sub in node.get("allOf") or ():
            child = _Defaults.of(module, sub, base, memo)
            if child is not None:
                self.all_of.append(child)

    def fill(self, instance: Any, path: Path, filled: List[Path], depth: int) -> None:
        if depth > 200:
            return
        if isinstance(instance, dict):
            for name, default in self.defaults:
                if name not in instance:
                    instance[name] = default if isinstance(default, (str, int, float, bool)) else copy.deepcopy(default)
                    filled.append(path + (name,))
            if self.properties or self.additional:
                for name, value in instance.items():
                    child = self.properties.get(name) if name in self.names else self.additional
                    if child is not None:
                        child.fill(value, path + (name,), filled, depth + 1)
        elif isinstance(instance, list) and self.items is not None:
            for i, value in enumerate(instance):
                self.items.fill(value, path + (i,), filled, depth + 1)
        for child in self.all_of:
            child.fill(instance, path, filled, depth + 1)


# -- messages -------------------------------------------------------------------------------------------------
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TYPE_NAMES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
    (type(None), "null"),
)


def json_path(path: Iterable[Union[str, int]]) -> str:
    """``$.metadata.name``, ``$.routes[3]``, ``$["a b"]``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += "[%d]" % part
        elif _IDENTIFIER.match(part):
            out += "." + part
        else:
            out += "[%s]" % json.dumps(part)
    return out


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def json_type(value: Any) -> str:
    """The JSON type name of a parsed JSON value."""
    for kind, name in _TYPE_NAMES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _quoted(names: Iterable[Any]) -> str:
    return ", ".join("'%s'" % n for n in names)


def _one_of_values(values: Sequence[Any]) -> str:
    return ", ".join(_show(v) for v in values)


def format_errors(errors: Iterable["ValidationError"], module: Optional[_Module], filled: Set[Path]) -> List[str]:
    """One line per problem, ``<JSON path>: <what is expected>``, grouped by path, without repeats."""
    lines: List[Tuple[Path, str]] = []
    for error in errors:
        lines.extend(_describe(error, module))
    seen: Set[str] = set()
    out: List[str] = []
    for where, text in sorted(lines, key=lambda item: [str(p) for p in item[0]]):
        if where in filled:
            text = "missing, and the schema's default does not fit: " + text
        line = "%s: %s" % (json_path(where), text)
        if len(line) > _MAX_LINE:
            line = line[: _MAX_LINE - 3] + "..."
        if line not in seen:
            seen.add(line)
            out.append(line)
    return out


def _describe(error: "ValidationError", module: Optional[_Module]) -> List[Tuple[Path, str]]:
    where: Path = tuple(error.absolute_path)
    keyword = error.validator
    expected: Any = error.validator_value
    value = error.instance
    if keyword == "required":
        missing = [p for p in expected if isinstance(value, dict) and p not in value]
        return [(where, "missing required property '%s'" % p) for p in missing]
    if keyword == "additionalProperties" and isinstance(value, dict) and expected is False:
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = sorted(schema.get("properties") or {})
        patterns = list((schema.get("patternProperties") or {}).keys())
        extra = [k for k in value if k not in allowed and not any(re.search(p, k) for p in patterns)]
        hint = " (allowed: %s)" % ", ".join(allowed) if allowed else " (no properties are allowed)"
        return [(where, "unexpected property %s%s" % (_quoted(extra), hint))]
    if keyword in ("oneOf", "anyOf"):
        return _describe_alternatives(error, module)
    text = _expectation(keyword, expected, value, error)
    return [(where, text)]


def _expectation(keyword: Any, expected: Any, value: Any, error: "ValidationError") -> str:
    got = _show(value)
    if keyword == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return "must be of type %s, got %s %s" % (" or ".join(kinds), json_type(value), got)
    if keyword == "enum":
        return "must be one of %s, got %s" % (_one_of_values(expected), got)
    if keyword == "const":
        return "must be %s, got %s" % (_show(expected), got)
    if keyword == "format":
        what, example = _FORMATS.get(expected, ("a %s" % expected, ""))
        return "must be %s%s, got %s" % (what, " (e.g. %s)" % example if example else "", got)
    if keyword == "pattern":
        return "must match the pattern %s, got %s" % (expected, got)
    if keyword == "minLength":
        return "must be at least %s long, got %d" % (_count(expected, "character"), len(value))
    if keyword == "maxLength":
        return "must be at most %s long, got %d" % (_count(expected, "character"), len(value))
    if keyword == "minimum":
        return "must be >= %s, got %s" % (expected, got)
    if keyword == "maximum":
        return "must be <= %s, got %s" % (expected, got)
    if keyword == "exclusiveMinimum":
        return "must be > %s, got %s" % (expected, got)
    if keyword == "exclusiveMaximum":
        return "must be < %s, got %s" % (expected, got)
    if keyword == "minItems":
        return "must have at least %s, got %d" % (_count(expected, "item"), len(value))
    if keyword == "maxItems":
        return "must have at most %s, got %d" % (_count(expected, "item"), len(value))
    if keyword == "uniqueItems":
        return "must not contain duplicate items, got %s more than once" % _show(_duplicate(value))
    if keyword == "minProperties":
        return "must have at least %s, got %d" % (_count(expected, "property", "properties"), len(value))
    if keyword == "maxProperties":
        return "must have at most %s, got %d" % (_count(expected, "property", "properties"), len(value))
    return str(error.message)


def _count(number: Any, singular: str, plural: str = "") -> str:
    return "%s %s" % (number, singular if number == 1 else plural or singular + "s")


def _duplicate(values: Any) -> Any:
    seen: Set[Any] = set()
    for value in values if isinstance(values, list) else ():
        key = _key(value)
        if key in seen:
            return value
        seen.add(key)
    return None


def _branch_schema(branch: Any, module: Optional[_Module]) -> Any:
    """A oneOf alternative, its (absolute) $ref followed."""
    for _ in range(10):
        if not (isinstance(branch, dict) and isinstance(branch.get("$ref"), str)) or module is None:
            break
        ref = branch["$ref"]
        if ref.startswith("#"):
            return {}
        try:
            branch = module.registry.resolver().lookup(ref).contents
        except Exception:  # an unresolvable ref: no discriminator to find there
            return {}
    return branch if isinstance(branch, dict) else {}


def _constants(schema: Any) -> Optional[List[Any]]:
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return [schema["const"]]
    enum = schema.get("enum")
    return list(enum) if isinstance(enum, list) and enum else None


def _discriminator(branches: List[Any]) -> Optional[Tuple[str, List[List[Any]]]]:
    """A property every alternative requires and fixes to its own constants (``storageType``, ``method``)."""
    if not branches or not all(b.get("properties") for b in branches):
        return None
    for name in branches[0]["properties"]:
        values = [_constants(b["properties"].get(name)) for b in branches]
        if all(v is not None for v in values):
            return name, [v or [] for v in values]
    return None


def _describe_alternatives(error: "ValidationError", module: Optional[_Module]) -> List[Tuple[Path, str]]:
    where: Path = tuple(error.absolute_path)
    value = error.instance
    raw = error.validator_value if isinstance(error.validator_value, list) else []
    branches = [_branch_schema(b, module) for b in raw]
    by_branch: Dict[int, List["ValidationError"]] = {}
    for sub in error.context or ():
        index = sub.relative_schema_path[0] if sub.relative_schema_path else 0
        by_branch.setdefault(int(index), []).append(sub)
    if not by_branch:  # oneOf: more than one alternative matched
        return [(where, "matches more than one of the %d alternatives (it must match exactly one)" % len(raw))]
    found = _discriminator(branches) if isinstance(value, dict) else None
    if found is not None and isinstance(value, dict):
        name, values = found
        allowed = [v for vs in values for v in vs]
        if name not in value:
            return [(where, "missing required property '%s' (one of %s)" % (name, _one_of_values(allowed)))]
        matching = [i for i, vs in enumerate(values) if value[name] in vs]
        if not matching:
            text = "must be one of %s, got %s" % (_one_of_values(allowed), _show(value[name]))
            return [(where + (name,), text)]
        if len(matching) == 1:
            out: List[Tuple[Path, str]] = []
            for sub in by_branch.get(matching[0], ()):
                out.extend(_describe(sub, module))
            if out:
                return out
    # no discriminator: the problems every alternative has, else those of the one with the fewest
    described = {i: [line for sub in subs for line in _describe(sub, module)] for i, subs in by_branch.items()}
    if len(described) == len(raw):
        common = [line for line in described[min(described)] if all(line in d for d in described.values())]
        if common:
            return common
    index = min(by_branch, key=lambda i: (len(by_branch[i]), i))
    title = branches[index].get("title") if index < len(branches) else None
    closest = ("'%s'" % title) if title else "#%d" % (index + 1)
    return [(where, "matches none of the %d alternatives; the closest, %s, fails:" % (len(raw), closest))] + described[
        index
    ]


def summary(lines: List[str], limit: int = MAX_LINES) -> str:
    """The lines as an indented list, at most ``limit`` of them."""
    shown = ["  - " + line for line in lines[:limit]]
    if len(lines) > limit:
        shown.append("  (and %d more)" % (len(lines) - limit))
    return "\n".join(shown)

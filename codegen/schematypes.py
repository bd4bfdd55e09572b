"""JSON schemas -> data types of the model (`Record`, `Alias`, `TypeExpr`).

`convert` takes one class's ``schemas`` (see `codegen.schemas` for the id convention), our
``typeNames`` annotations and the entries that name a schema (``uses``), and returns the
class's types and the type of each use, or the problems that stop generation.

Mapping (JSON Schema -> Python):

- an object with ``properties`` (or a closed object without any) -> a `Record` (a TypedDict):
  every property a field, required as ``required`` says; ``additionalProperties`` other than
  ``false`` makes it *open* (extra keys are allowed at run time);
- an object without properties -> ``Dict[str, T]`` (``T`` from ``additionalProperties``,
  ``Any`` when it is absent or ``true``);
- ``enum`` and ``const`` -> ``Literal[...]`` (``null`` among the values -> ``Optional``);
  ``string`` -> ``str`` (whatever the format: ``date-time`` stays a string), ``integer`` ->
  ``int``, ``number`` -> ``float``, ``boolean`` -> ``bool``, ``null`` -> ``None``, ``array`` ->
  ``List[T]``; a list of types -> their union (``["string", "null"]`` -> ``Optional[str]``);
- ``oneOf`` / ``anyOf`` -> the union of the branches, each branch read together with the
  keywords of the schema around it (``{"type": "string", "oneOf": [{"format": ...}, ...]}`` is a
  ``str``); when a branch cannot be expressed, ``Any`` with a note saying why;
- ``$ref`` -> the type of its target: one schema node is one type however it is reached;
- no type information at all (``{}``) -> ``Any``.

Names: a record (and an alias, see below) is named after the node's ``title`` the way the Go
client names its structs (``Task Definition Request`` -> ``TaskDefinitionRequest``: words split at
anything but letters and digits, each word capitalised, known initialisms upper-cased), else after
its position: the name of the parent node followed by the property name (``metadata`` ->
``...Metadata``), ``Entry`` for array items, ``Value`` for the values of a map, ``OptionN`` for the
N-th branch of a ``oneOf``/``anyOf``, the definition's name for ``definitions``; a schema without a
title takes the name of its file (``v1/purge-cache-requests.json#`` -> ``PurgeCacheRequests``).
``typeNames`` (node id -> name) overrides both. A schema an entry names directly and that is not
a record gets an `Alias` (so every typed entry has a named type); other non-record schemas are
written out where they are used.

Two different schema nodes that would get the same name are an error (name one of them in
``typeNames``), and so are a name that is not a valid identifier or shadows one of the ``typing``
names the generated module imports, a ``$ref`` that does not resolve, and a ``$ref`` cycle that
never passes through a record (a type that would be defined in terms of itself only).
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from . import schemas as js
from .model import LITERAL_TYPES, Alias, Field, Record, TypeDef, TypeExpr, is_identifier

__all__ = ["GENERIC_NAMES", "INITIALISMS", "Conversion", "Problem", "Use", "convert", "identifier_words"]

# Names the generated types module imports from typing: a type may not take them.
GENERIC_NAMES = frozenset({"Any", "Dict", "List", "Literal", "Optional", "TypedDict", "Union"})

# Words written in capitals in a name (the Go client's list; PEP 8 agrees: ``HTTPServerError``).
INITIALISMS = frozenset(
    {
        "ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP", "JSON",
        "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SQL", "SSH", "TCP", "TLS", "TTL", "UDP", "UI", "UID",
        "UUID", "URI", "URL", "UTF8", "VM", "XML", "XMPP", "XSRF", "XSS",
    }
)  # fmt: skip

_TYPE_KEYWORDS = ("type", "properties", "required", "additionalProperties", "items", "enum", "const")
_SIMPLE = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "none"}


@dataclass(frozen=True)
class Use:
    """An entry field naming a schema: ``createTask.input`` -> ``v1/create-task-request.json#``."""

    entry: str
    field: str
    schema_id: str


@dataclass(frozen=True)
class Problem:
    """Why a schema cannot become a type. ``use`` is the first entry that reaches it (None for a
    schema no entry names); ``node`` the schema node (id and JSON pointer)."""

    use: Optional[Use]
    node: str
    message: str
    location: Optional[str] = None  # overrides "entry.field" (e.g. "typeNames")


@dataclass
class Conversion:
    types: Tuple[TypeDef, ...]  # sorted by name
    uses: Dict[Use, TypeExpr]  # the (named) type of every typed use
    problems: List[Problem] = field(default_factory=list)


class _Failed(Exception):
    def __init__(self, node: str, message: str, location: Optional[str] = None, same: Any = None) -> None:
        super().__init__(message)
        self.node = node
        self.message = message
        self.location = location
        self.same = same if same is not None else (node, message)  # one report per problem


def identifier_words(text: str) -> str:
    """``Task Definition Request`` -> ``TaskDefinitionRequest``, ``getUrl response`` ->
    ``GetUrlResponse``, ``task id`` -> ``TaskID`` (may return a non-identifier, e.g. ``3D``)."""
    out = ""
    for word in re.split(r"[^0-9A-Za-z\x80-\U0010ffff]+", text):  # split at ASCII punctuation and spaces
        if not word:
            continue
        if word.upper() in INITIALISMS:
            out += word.upper()
        else:
            out += word[0].upper() + word[1:]
    return out


def _short(text: str) -> str:
    """One line of a title: whitespace collapsed."""
    return " ".join(text.split())


def _literal_ok(value: Any) -> bool:
    return isinstance(value, LITERAL_TYPES) and not isinstance(value, float)


def _steps(pointer: str) -> List[Tuple[str, Optional[str], str]]:
    """The structural steps of a pointer from the root: (keyword, argument, pointer after the step)."""
    tokens = js.pointer_tokens(pointer)
    steps: List[Tuple[str, Optional[str], str]] = []
    current = ""
    i = 0
    while i < len(tokens):
        keyword = tokens[i]
        two = keyword in ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
        two = two or keyword in ("oneOf", "anyOf", "allOf", "prefixItems", "dependencies")
        two = two or (keyword in ("items", "additionalItems") and i + 1 < len(tokens) and tokens[i + 1].isdigit())
        if two and i + 1 < len(tokens):
            current = js.join_pointer(current, keyword, tokens[i + 1])
            steps.append((keyword, tokens[i + 1], current))
            i += 2
        else:
            current = js.join_pointer(current, keyword)
            steps.append((keyword, None, current))
            i += 1
    return steps


class _Converter:
    def __init__(self, schemas: Mapping[str, Any], type_names: Mapping[str, str], aliased: Set[str]) -> None:
        self.schemas = schemas
        self.type_names = type_names
        self.aliased = aliased  # nodes that get an Alias when they are not records
        self.memo: Dict[str, TypeExpr] = {}
        self.names: Dict[str, str] = {}  # node -> name (memo of _name)
        self.defs: Dict[str, Tuple[str, TypeDef]] = {}  # name -> (node, definition)
        self.stack: List[str] = []
        # nodes whose definition is being computed -> (name, "record" or "alias")
        self.recording: Dict[str, Tuple[str, str]] = {}
        self.overrides: Dict[str, Any] = {}  # synthetic schemas (oneOf branches read with their parent)

    # --- nodes ----------------------------------------------------------------------------------

    def schema(self, node: str) -> Any:
        if node in self.overrides:
            return self.overrides[node]
        try:
            return js.resolve(self.schemas, node)
        except js.Unresolved as exc:
            raise _Failed(node, f"does not resolve ({exc})") from None

    def name(self, node: str) -> str:
        if node in self.names:
            return self.names[node]
        if node in self.type_names:
            name = self.type_names[node]
            self._check_name(node, name, f"typeNames gives {name!r}", hint="")
        else:
            schema = self.schema(node)
            title = schema.get("title") if isinstance(schema, dict) else None
            if isinstance(title, str) and title.strip():
                name = identifier_words(title)
                self._check_name(node, name, f"title {_short(title)!r} gives {name!r}")
            else:
                name = self._position_name(node)
                self._check_name(node, name, f"the name derived from its position is {name!r}")
        self.names[node] = name
        return name

    def _position_name(self, node: str) -> str:
        schema_id, pointer = js.split(node)
        steps = _steps(pointer)
        if not steps:
            stem = posixpath.basename(schema_id[:-1])
            stem = stem[: -len(".json")] if stem.endswith(".json") else stem
            return identifier_words(stem)
        keyword, argument, _ = steps[-1]
        parent = self.name(schema_id + (steps[-2][2] if len(steps) > 1 else ""))
        if keyword in ("properties", "definitions", "$defs", "dependentSchemas", "dependencies"):
            return parent + identifier_words(argument or "")
        if keyword in ("items", "additionalItems", "prefixItems"):
            return parent + "Entry" + (str(int(argument) + 1) if argument is not None else "")
        if keyword in ("additionalProperties", "patternProperties"):
            return parent + "Value"
        if keyword in ("oneOf", "anyOf", "allOf"):
            return parent + "Option" + str(int(argument or 0) + 1)
        return parent + identifier_words(keyword)

    def _check_name(self, node: str, name: str, how: str, hint: str = " (name it in typeNames)") -> None:
        if not name:
            raise _Failed(node, f"{how}: no type name (a title needs letters or digits){hint}")
        if not is_identifier(name) or not name.isascii():
            raise _Failed(node, f"{how}, which is not a valid (ASCII) Python identifier{hint}")
        if name in GENERIC_NAMES:
            raise _Failed(node, f"{how}, which would shadow typing.{name} in the generated module{hint}")

    def define(self, node: str, typedef: TypeDef) -> None:
        """Add a type; a name already taken by another node is an error, unless that node's type
        is the same in every respect but where it comes from (a schema copied into two files)."""
        existing = self.defs.get(typedef.name)
        if existing is not None and existing[0] != node:
            first = existing[1]
            if dataclasses.replace(first, sources=()) == dataclasses.replace(typedef, sources=()):
                merged = dataclasses.replace(first, sources=tuple(sorted(set(first.sources + typedef.sources))))
                self.defs[typedef.name] = (existing[0], merged)
                return
            raise _Failed(
                node,
                f"type name {typedef.name!r} would be given to two different schemas, {existing[0]} and {node}; "
                "name one of them in typeNames",
                location="typeNames",
            )
        self.defs[typedef.name] = (node, typedef)

    # --- types ----------------------------------------------------------------------------------

    def expr(self, node: str) -> TypeExpr:
        node = js.canonical(node)
        if node in self.memo:
            return self.memo[node]
        if node in self.stack:
            cycle = self.stack[self.stack.index(node) :]
            if not any(self.recording.get(n, ("", ""))[1] == "record" for n in cycle):
                path = " -> ".join(cycle + [node])
                message = f"$ref cycle that never passes through an object with properties: {path}"
                raise _Failed(node, message, same=frozenset(cycle))
            if node in self.recording:
                return TypeExpr.named(self.recording[node][0])
            # an unnamed node on a cycle through a record: written out once more, down to the record
        self.stack.append(node)
        try:
            result = self._expr(node)
        finally:
            self.stack.pop()
        self.memo[node] = result
        return result

    def _record_start(self, node: str, name: str, kind: str) -> Optional[Tuple[str, str]]:
        previous = self.recording.get(node)
        self.recording[node] = (name, kind)
        return previous

    def _record_end(self, node: str, previous: Optional[Tuple[str, str]]) -> None:
        if previous is None:
            self.recording.pop(node, None)
        else:
            self.recording[node] = previous

    def _expr(self, node: str) -> TypeExpr:
        schema = self.schema(node)
        schema_id, _ = js.split(node)
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            target = js.ref_target(schema_id, schema["$ref"])
            try:
                js.resolve(self.schemas, target)
            except js.Unresolved as exc:
                raise _Failed(node, f"$ref {schema['$ref']!r} does not resolve ({exc})") from None
            if node not in self.aliased:
                return self.expr(target)
            return self._alias(node, lambda: self.expr(target))
        if node in self.aliased:
            return self._alias(node, lambda: self.structural(node, schema))
        return self.structural(node, schema)

    def _alias(self, node: str, compute: Callable[[], TypeExpr]) -> TypeExpr:
        name = self.name(node)
        previous = self._record_start(node, name, "alias")
        try:
            t = compute()
        finally:
            self._record_end(node, previous)
        if t.kind == "named" and t.name == name:
            return t  # the node is a record: it is its own name
        schema = self.schema(node)
        title = schema.get("title") if isinstance(schema, dict) else None
        doc = _short(title) if isinstance(title, str) and title.strip() else None
        self.define(node, Alias(name=name, type=t, doc=doc, sources=(node,)))
        return TypeExpr.named(name)

    def structural(self, node: str, schema: Any) -> TypeExpr:
        if schema is True or schema == {}:
            return TypeExpr.primitive("any")
        if schema is False:
            return TypeExpr.primitive("any", note="the schema accepts no value at all")
        if not isinstance(schema, dict):
            raise _Failed(node, f"a schema must be an object or a boolean, not {type(schema).__name__}")
        for keyword in ("oneOf", "anyOf"):
            if isinstance(schema.get(keyword), list):
                return self.union(node, schema, keyword)
        if "allOf" in schema:
            branches = schema["allOf"]
            if isinstance(branches, list) and len(branches) == 1 and not (set(schema) & set(_TYPE_KEYWORDS)):
                return self.expr(js.join_pointer(node, "allOf", 0))
            return TypeExpr.primitive("any", note="allOf (every branch at once) is not expressed as a type")
        if "const" in schema:
            value = schema["const"]
            if _literal_ok(value):
                return TypeExpr.union([TypeExpr.literal((value,))])
            return self.by_type(node, schema, value_types=[_json_type(value)])
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            values = schema["enum"]
            if all(_literal_ok(v) for v in values):
                unique: List[Any] = []
                for v in values:
                    if not any(type(v) is type(u) and v == u for u in unique):
                        unique.append(v)
                return TypeExpr.union([TypeExpr.literal(tuple(unique))])
            return self.by_type(node, schema, value_types=sorted({_json_type(v) for v in values}))
        return self.by_type(node, schema)

    def by_type(self, node: str, schema: Dict[str, Any], value_types: Optional[List[str]] = None) -> TypeExpr:
        declared = schema.get("type")
        if isinstance(declared, str):
            types = [declared]
        elif isinstance(declared, list) and all(isinstance(t, str) for t in declared):
            types = list(declared)
        elif value_types is not None:
            types = value_types
        elif "properties" in schema or "additionalProperties" in schema:
            types = ["object"]
        elif "items" in schema:
            types = ["array"]
        else:
            return TypeExpr.primitive("any")
        members = []
        for t in types:
            if t in _SIMPLE:
                members.append(TypeExpr.primitive(_SIMPLE[t]))
            elif t == "array":
                members.append(self.array(node, schema))
            elif t == "object":
                members.append(self.object(node, schema))
            else:
                raise _Failed(node, f"unknown type {t!r}")
        if not members:
            return TypeExpr.primitive("any", note="the schema allows no type")
        return TypeExpr.union(members)

    def array(self, node: str, schema: Dict[str, Any]) -> TypeExpr:
        items = schema.get("items", True)
        if isinstance(items, list):
            return TypeExpr.list_of(TypeExpr.primitive("any", note="items differ by position (tuple form)"))
        if items is True or items == {}:
            return TypeExpr.list_of(TypeExpr.primitive("any"))
        return TypeExpr.list_of(self.expr(js.join_pointer(node, "items")))

    def object(self, node: str, schema: Dict[str, Any]) -> TypeExpr:
        properties = schema.get("properties")
        extra = schema.get("additionalProperties", True)
        if isinstance(properties, dict) and properties or extra is False:
            return self.record(node, schema)
        if isinstance(extra, dict) and extra != {} and "patternProperties" not in schema:
            return TypeExpr.map_of(self.expr(js.join_pointer(node, "additionalProperties")))
        return TypeExpr.map_of(TypeExpr.primitive("any"))

    def record(self, node: str, schema: Dict[str, Any]) -> TypeExpr:
        name = self.name(node)
        previous = self._record_start(node, name, "record")
        try:
            properties = schema.get("properties") or {}
            required = [r for r in schema.get("required", []) if isinstance(r, str)]
            fields = []
            if "" in properties or "" in required:
                raise _Failed(node, "has a property named '' (empty): type checkers reject an empty TypedDict key")
            for key, sub in properties.items():
                t = self.expr(js.join_pointer(node, "properties", key))
                fields.append(Field(key=key, type=t, required=key in required, doc=self._field_doc(node, sub, t)))
            for key in required:
                if key not in properties:
                    fields.append(Field(key=key, type=TypeExpr.primitive("any"), required=True, doc=None))
        finally:
            self._record_end(node, previous)
        title = schema.get("title")
        doc = _short(title) if isinstance(title, str) and title.strip() else None
        extra = schema.get("additionalProperties", True)
        self.define(node, Record(name=name, fields=tuple(fields), doc=doc, open=extra is not False, sources=(node,)))
        return TypeExpr.named(name)

    def _field_doc(self, node: str, sub: Any, t: TypeExpr) -> Optional[str]:
        if not isinstance(sub, dict):
            return None
        title = sub.get("title")
        if not (isinstance(title, str) and title.strip()) and isinstance(sub.get("$ref"), str) and t.kind != "named":
            target = js.ref_target(js.split(node)[0], sub["$ref"])
            resolved = self.schema(target)
            title = resolved.get("title") if isinstance(resolved, dict) else None
        return _short(title) if isinstance(title, str) and title.strip() else None

    def union(self, node: str, schema: Dict[str, Any], keyword: str) -> TypeExpr:
        around = {k: v for k, v in schema.items() if k in _TYPE_KEYWORDS}
        members = []
        for i, branch in enumerate(schema[keyword]):
            branch_node = js.join_pointer(node, keyword, i)
            if around and isinstance(branch, dict) and "$ref" not in branch:
                self.overrides[branch_node] = _merge(around, branch)
            t = self.expr(branch_node)
            if t.kind == "any":
                why = t.note or "it does not say what type of value it is"
                return TypeExpr.primitive("any", note=f"{keyword} branch {i + 1} cannot be expressed: {why}")
            members.append(t)
        if not members:
            return TypeExpr.primitive("any", note=f"{keyword} has no branches")
        return TypeExpr.union(members)


def _merge(around: Dict[str, Any], branch: Dict[str, Any]) -> Dict[str, Any]:
    """A oneOf/anyOf branch read together with the type keywords of the schema around it."""
    merged = {**around, **branch}
    if isinstance(around.get("properties"), dict) and isinstance(branch.get("properties"), dict):
        merged["properties"] = {**around["properties"], **branch["properties"]}
    if isinstance(around.get("required"), list) and isinstance(branch.get("required"), list):
        merged["required"] = around["required"] + [r for r in branch["required"] if r not in around["required"]]
    return merged


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def convert(schemas: Mapping[str, Any], type_names: Mapping[str, str], uses: Sequence[Use]) -> Conversion:
    """The types of one class. ``uses`` come in manifest order; a use whose schema the class does
    not hold is untyped (and not a problem). Every schema of ``schemas`` (and every definition in
    them) gets its types too, whether an entry names it or not."""
    typed = [u for u in uses if js.split(u.schema_id)[0] in schemas]
    names = {js.canonical(k): v for k, v in type_names.items()}
    conv = _Converter(schemas, names, {js.canonical(u.schema_id) for u in typed} | set(names))
    result = Conversion(types=(), uses={})
    seen: Set[Any] = set()

    def attempt(use: Optional[Use], node: str) -> Optional[TypeExpr]:
        try:
            return conv.expr(node)
        except _Failed as failed:
            conv.stack.clear()
            conv.recording.clear()
            if failed.same not in seen:
                seen.add(failed.same)
                result.problems.append(Problem(use, failed.node, failed.message, failed.location))
            return None

    for use in typed:
        t = attempt(use, use.schema_id)
        if t is not None:
            result.uses[use] = t
    for node in sorted(type_names):
        if js.canonical(node) not in conv.memo:
            try:
                js.resolve(schemas, node)
            except js.Unresolved:
                result.problems.append(
                    Problem(None, node, "names no schema node of this class", location=f"typeNames[{node}]")
                )
                continue
            attempt(None, node)
    for schema_id in schemas:
        for pointer, _ in js.walk(schemas[schema_id]):
            last = _steps(pointer)[-1:] if pointer else []
            if not pointer or (last and last[0][0] in ("definitions", "$defs")):
                attempt(None, schema_id + pointer)
    for node, name in sorted(conv.type_names.items()):
        if node in conv.memo and not any(n == node for n, _ in conv.defs.values()) and not result.problems:
            result.problems.append(
                Problem(
                    None,
                    node,
                    f"names {name!r} a schema that is neither an object with properties nor named by an entry",
                    location=f"typeNames[{node}]",
                )
            )
    result.types = tuple(d for _, (_, d) in sorted(conv.defs.items()))
    return result

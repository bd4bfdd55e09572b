"""JSON Schema documents as the manifest holds them: walking, stripping, references.

A class of apis.json holds ``schemas``: schema id -> JSON schema. Ids are service-relative
and end with ``#`` (``v1/task.json#``), exactly as the class's entries name them in
``input``, ``output`` and ``schema``. A ``$ref`` between them names the target the same way,
with a JSON pointer after the ``#`` (``v1/task.json#/properties/payload``); a ref starting
with ``#`` points into the schema that holds it. Every node of every schema is identified by
such a *node id*: the schema id followed by the node's pointer (``v1/task.json#`` is the root).

Nothing here knows about Taskcluster beyond that convention; `codegen.refresh` uses
`strip` and `rebase_refs` to turn a deployment's schemas into that form, `codegen.manifest`
and `codegen.schematypes` use `resolve` and `walk`.
"""

from __future__ import annotations

import posixpath
import urllib.parse
from typing import Any, Callable, Dict, Iterator, List, Mapping, Tuple

__all__ = [
    "ANNOTATIONS",
    "Unresolved",
    "canonical",
    "join_pointer",
    "pointer_tokens",
    "rebase_refs",
    "ref_target",
    "refs",
    "relative_ref",
    "resolve",
    "split",
    "strip",
    "subschemas",
    "walk",
]

# Keywords that carry prose or bookkeeping, not facts about the data; dropped from our copy.
ANNOTATIONS = frozenset({"description", "$schema", "$id", "examples", "$comment"})

# Keywords whose value is a schema / a list of schemas / a map of name -> schema.
_ONE: Tuple[str, ...] = ("items", "additionalItems", "additionalProperties", "contains", "propertyNames", "not")
_ONE += ("if", "then", "else", "unevaluatedItems", "unevaluatedProperties")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")


class Unresolved(Exception):
    """A reference that names no node of the schemas map."""


def pointer_tokens(pointer: str) -> List[str]:
    """The reference tokens of a JSON pointer (``/a~1b/c`` -> ``["a/b", "c"]``)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise Unresolved(f"{pointer!r} is not a JSON pointer")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def join_pointer(pointer: str, *tokens: Any) -> str:
    return pointer + "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def split(ref: str) -> Tuple[str, str]:
    """``v1/a.json#/properties/x`` -> (``v1/a.json#``, ``/properties/x``)."""
    path, _, fragment = ref.partition("#")
    return path + "#", urllib.parse.unquote(fragment)


def subschemas(schema: Any, pointer: str = "") -> Iterator[Tuple[str, Any]]:
    """The direct subschemas of a schema, as (pointer, subschema), in document order."""
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        if key in _ONE:
            if isinstance(value, list):  # draft 4-7 tuple form of items
                for i, sub in enumerate(value):
                    yield join_pointer(pointer, key, i), sub
            else:
                yield join_pointer(pointer, key), value
        elif key in _MANY and isinstance(value, list):
            for i, sub in enumerate(value):
                yield join_pointer(pointer, key, i), sub
        elif key in _MAP and isinstance(value, dict):
            for name, sub in value.items():
                yield join_pointer(pointer, key, name), sub
        elif key == "dependencies" and isinstance(value, dict):
            for name, sub in value.items():
                if isinstance(sub, (dict, bool)):
                    yield join_pointer(pointer, key, name), sub


def walk(schema: Any, pointer: str = "") -> Iterator[Tuple[str, Any]]:
    """Every schema node (the root first, then depth-first in document order) as (pointer, node)."""
    yield pointer, schema
    for sub_pointer, sub in subschemas(schema, pointer):
        yield from walk(sub, sub_pointer)


def _transform(schema: Any, visit: Callable[[Dict[str, Any]], Dict[str, Any]]) -> Any:
    """A copy of a schema with ``visit`` applied to every schema object (bottom-up); only schema
    positions are visited, so a property *named* ``description`` or ``$ref`` is data, not a keyword."""
    if not isinstance(schema, dict):
        return schema
    out: Dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ONE:
            value = [_transform(v, visit) for v in value] if isinstance(value, list) else _transform(value, visit)
        elif key in _MANY and isinstance(value, list):
            value = [_transform(v, visit) for v in value]
        elif key in _MAP and isinstance(value, dict):
            value = {name: _transform(v, visit) for name, v in value.items()}
        elif key == "dependencies" and isinstance(value, dict):
            value = {name: _transform(v, visit) if isinstance(v, dict) else v for name, v in value.items()}
        out[key] = value
    return visit(out)


def strip(schema: Any) -> Any:
    """A copy of a schema without `ANNOTATIONS` (titles are kept)."""
    return _transform(schema, lambda node: {k: v for k, v in node.items() if k not in ANNOTATIONS})


def rebase_refs(schema: Any, rewrite: Callable[[str], str]) -> Any:
    """A copy of a schema with every non-local ``$ref`` replaced by ``rewrite(ref)``."""

    def visit(node: Dict[str, Any]) -> Dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            node = {k: (rewrite(ref) if k == "$ref" else v) for k, v in node.items()}
        return node

    return _transform(schema, visit)


def relative_ref(base_path: str, ref: str) -> str:
    """Resolve ``ref`` (relative, e.g. ``./task.json#/x``) against the path of the schema holding
    it (``/schemas/queue/v1/a.json``); returns an absolute path with fragment, or the ref itself
    when it is a URL."""
    parsed = urllib.parse.urlsplit(ref)
    if parsed.scheme or parsed.netloc:
        return ref
    path = parsed.path
    if not path.startswith("/"):
        path = posixpath.normpath(posixpath.join(posixpath.dirname(base_path), path))
    return path + "#" + parsed.fragment


def resolve(schemas: Mapping[str, Any], target: str) -> Any:
    """The node a node id names (``v1/a.json#/definitions/x``); raise `Unresolved` if none."""
    schema_id, pointer = split(target)
    if schema_id not in schemas:
        raise Unresolved(f"no schema {schema_id!r}")
    node = schemas[schema_id]
    for token in pointer_tokens(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise Unresolved(f"{schema_id!r} has no {pointer!r}")
    return node


def canonical(target: str) -> str:
    """A node id in one spelling: the pointer unquoted (``#`` alone for a root)."""
    schema_id, pointer = split(target)
    return schema_id + pointer


def ref_target(schema_id: str, ref: str) -> str:
    """The node id a ``$ref`` in schema ``schema_id`` names."""
    return canonical(schema_id[:-1] + ref if ref.startswith("#") else ref)


def refs(schema: Any) -> Iterator[Tuple[str, str]]:
    """Every ``$ref`` of a schema as (pointer of the node holding it, ref)."""
    for pointer, node in walk(schema):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            yield pointer, node["$ref"]

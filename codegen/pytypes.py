"""The generated types modules (``taskcluster/types/<module>.py``), as text.

The text is emitted already formatted the way ``ruff format`` (line length 120) formats it, so
the generated files pass ``ruff format --check``: type expressions too long for their line are
split at their brackets as ruff splits subscripts (first the brackets alone, the items kept on
one indented line; then one item per line with a trailing comma), records with keys that cannot
be class attributes use the functional ``TypedDict("Name", {...})`` syntax, and blank lines follow
ruff's rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Set, Union

from .model import Alias, Field, LiteralValue, Record, Service, TypeDef, TypeExpr, is_identifier

__all__ = ["LINE_LENGTH", "TYPING_NAMES", "annotation", "module_text", "py_string", "record_layout"]

LINE_LENGTH = 120
# What a generated types module may import from typing.
TYPING_NAMES = ("Any", "Dict", "List", "Literal", "Optional", "TypedDict", "Union")
_BUILTINS = ("str", "int", "float", "bool", "None")


def py_string(value: str) -> str:
    """A string literal as ruff format writes it: double quotes unless the text holds double
    quotes and no single ones."""
    quote = "'" if '"' in value and "'" not in value else '"'
    body = json.dumps(value, ensure_ascii=False)[1:-1]  # escapes \\, ", control characters
    if quote == "'":
        body = body.replace('\\"', '"').replace("'", "\\'")
    return quote + body + quote


def _literal(value: LiteralValue) -> str:
    return py_string(value) if isinstance(value, str) else repr(value)


# --- type expressions as (possibly split) lines ----------------------------------------------------


@dataclass
class _Sub:
    """``head[items]``."""

    head: str
    items: List[_Node]


_Node = Union[str, _Sub]


def _tree(expr: TypeExpr, qualify: Callable[[str], str]) -> _Node:
    if expr.kind == "named":
        assert expr.name is not None
        return qualify(expr.name)
    if expr.kind == "list":
        return _Sub("List", [_tree(expr.args[0], qualify)])
    if expr.kind == "map":
        return _Sub("Dict", ["str", _tree(expr.args[0], qualify)])
    if expr.kind == "literal":
        return _Sub("Literal", [_literal(v) for v in expr.values])
    if expr.kind == "union":
        members = [a for a in expr.args if a.kind != "none"]
        if len(members) < len(expr.args):
            inner = members[0] if len(members) == 1 else TypeExpr(kind="union", args=tuple(members))
            return _Sub("Optional", [_tree(inner, qualify)])
        return _Sub("Union", [_tree(a, qualify) for a in expr.args])
    return expr.python()


def _flat(node: _Node) -> str:
    if isinstance(node, str):
        return node
    return node.head + "[" + ", ".join(_flat(i) for i in node.items) + "]"


def _lines(node: _Node, indent: int, head: str, tail: str) -> List[str]:
    """``head + node + tail`` as lines; ``head`` starts at column 0 and ends where the node begins;
    continuation lines are indented by ``indent`` (+4 inside brackets)."""
    flat = head + _flat(node) + tail
    if len(flat) <= LINE_LENGTH or isinstance(node, str):
        return [flat]
    inner = " " * (indent + 4)
    close = " " * indent + "]" + tail
    items_line = inner + ", ".join(_flat(i) for i in node.items)
    if len(items_line) <= LINE_LENGTH:
        return [head + node.head + "[", items_line, close]
    if len(node.items) == 1:
        return [head + node.head + "["] + _lines(node.items[0], indent + 4, inner, "") + [close]
    out = [head + node.head + "["]
    for item in node.items:
        out += _lines(item, indent + 4, inner, ",")
    return out + [close]


def annotation(expr: TypeExpr, qualify: Callable[[str], str] = lambda name: name) -> str:
    """A type expression on one line (``Optional[List["Task"]]``)."""
    return _flat(_tree(expr, qualify))


# --- comments and docstrings ---------------------------------------------------------------------


def _comment(text: str, indent: int) -> List[str]:
    pad = " " * indent + "# "
    words = text.split()
    lines: List[str] = []
    line = ""
    for word in words:
        if line and len(pad) + len(line) + 1 + len(word) > LINE_LENGTH:
            lines.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(pad + line)
    return lines


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", ":")) else text + "."


def _docstring(paragraphs: Sequence[str], indent: int) -> List[str]:
    """A docstring: paragraphs wrapped at the line length; one line when it fits."""
    from .render import docstring  # the client modules' docstring writer: escaping and wrapping

    return docstring("\n\n".join(paragraphs), indent).split("\n")


# --- records and aliases ---------------------------------------------------------------------------


def record_layout(record: Record, reserved: Set[str]) -> str:
    """How a record is written: ``class`` (class syntax) or ``functional`` (a key is not a
    Python identifier, is a keyword, would be name-mangled (``__x``) or is a name the module uses)."""

    def attribute_ok(key: str) -> bool:
        return is_identifier(key) and not key.startswith("__") and key not in reserved

    return "class" if all(attribute_ok(f.key) for f in record.fields) else "functional"


def _field_lines(f: Field, indent: int, qualify: Callable[[str], str], functional: bool) -> List[str]:
    pad = " " * indent
    out = []
    for note in f.type.notes():
        out += _comment(f"Any: {note}", indent)
    tree = _tree(f.type, qualify)
    if functional:
        if f.doc:
            out += _comment(_sentence(f.doc), indent)
        out += _lines(tree, indent, f"{pad}{py_string(f.key)}: ", ",")
    else:
        out += _lines(tree, indent, f"{pad}{f.key}: ", "")
        if f.doc:
            out += _docstring([_sentence(f.doc)], indent)
    return out


def _sources(sources: Sequence[str]) -> str:
    names = ", ".join(f"``{s}``" for s in sources)
    return f"Schema{'s' if len(sources) > 1 else ''}: {names}."


def _record_doc(record: Record) -> List[str]:
    if record.doc:
        first = _sentence(record.doc)
    elif not record.fields and not record.open:
        first = "An object that must be empty."
    else:
        first = f"``{record.name}`` (untitled in the schema)."
    paragraphs = [first]
    notes = [_sources(record.sources)] if record.sources else []
    if record.open:
        notes.append("The schema allows other keys too; they are not listed here.")
    if notes:
        paragraphs.append(" ".join(notes))
    return paragraphs


def _record_lines(record: Record, qualify: Callable[[str], str], reserved: Set[str]) -> List[List[str]]:
    """The top-level blocks that define a record (helper bases first)."""
    doc = _docstring(_record_doc(record), 4)
    required, optional = record.required, record.optional
    if record_layout(record, reserved) == "class":

        def body(fields: Sequence[Field]) -> List[str]:
            return [line for f in fields for line in _field_lines(f, 4, qualify, functional=False)]

        if required and optional:
            base = f"_{record.name}Required"
            return [
                [f"class {base}(TypedDict):"] + body(required),
                [f"class {record.name}({base}, total=False):"] + doc + [""] + body(optional),
            ]
        total = ", total=False" if optional else ""
        fields = body(record.fields)
        return [[f"class {record.name}(TypedDict{total}):"] + doc + ([""] + fields if fields else [])]

    def functional(name: str, fields: Sequence[Field], total: bool) -> List[str]:
        lines = [f"{name} = TypedDict(", f"    {py_string(name)},", "    {"]
        lines += [line for f in fields for line in _field_lines(f, 8, qualify, functional=True)]
        lines += ["    },"] + ([] if total else ["    total=False,"]) + [")"]
        return lines

    blocks = []
    bases = []
    if required:
        bases.append(f"_{record.name}Required")
        blocks.append(functional(bases[-1], required, total=True))
    if optional:
        bases.append(f"_{record.name}Optional")
        blocks.append(functional(bases[-1], optional, total=False))
    blocks.append([f"class {record.name}({', '.join(bases)}):"] + doc)
    return blocks


def _alias_lines(alias: Alias, qualify: Callable[[str], str]) -> List[str]:
    out = []
    for note in alias.type.notes():
        out += _comment(f"Any: {note}", 0)
    out += _lines(_tree(alias.type, qualify), 0, f"{alias.name} = ", "")
    paragraphs = [_sentence(alias.doc) if alias.doc else f"``{alias.name}``."]
    if alias.sources:
        paragraphs.append(_sources(alias.sources))
    return out + _docstring(paragraphs, 0)


def _typing_names(types: Sequence[TypeDef]) -> List[str]:
    used: Set[str] = set()

    def visit(expr: TypeExpr) -> None:
        if expr.kind == "any":
            used.add("Any")
        elif expr.kind in ("list", "map", "literal"):
            used.add({"list": "List", "map": "Dict", "literal": "Literal"}[expr.kind])
        elif expr.kind == "union":
            used.add("Optional" if any(a.kind == "none" for a in expr.args) else "Union")
            if sum(a.kind != "none" for a in expr.args) > 1:
                used.add("Union")
        for arg in expr.args:
            visit(arg)

    for t in types:
        if isinstance(t, Record):
            used.add("TypedDict")
            for f in t.fields:
                visit(f.type)
        else:
            visit(t.type)
    return [n for n in TYPING_NAMES if n in used]


def module_text(service: Service, header: str) -> str:
    """The types module of a service; ``header`` is its docstring (with the generated-file marker)."""
    types = sorted(service.types, key=lambda t: t.name)
    order: Dict[str, int] = {t.name: i for i, t in enumerate(types)}
    reserved = set(TYPING_NAMES) | set(_BUILTINS) | set(order)
    blocks: List[List[str]] = []
    for position, t in enumerate(types):

        def qualify(name: str, _position: int = position) -> str:
            return name if order[name] < _position else f'"{name}"'

        if isinstance(t, Record):
            blocks += _record_lines(t, qualify, reserved)
        else:
            blocks.append(_alias_lines(t, qualify))
    lines = header.split("\n") + [""]
    if types:
        lines += ["from typing import " + ", ".join(_typing_names(types)), ""]
        lines += _all([py_string(t.name) for t in types])
    else:
        lines += ["from typing import List", "", "__all__: List[str] = []"]
    for block in blocks:
        lines += ["", ""] + block
    return "\n".join(lines) + "\n"


def _all(public: List[str]) -> List[str]:
    one = "__all__ = [" + ", ".join(public) + "]"
    if len(one) <= LINE_LENGTH:
        return [one]
    return ["__all__ = ["] + [f"    {p}," for p in public] + ["]"]

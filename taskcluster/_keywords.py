"""The keyword calling convention of generated clients for other API families: every parameter by its Python name,
the request body as `body=`. Required parameters, enum values and patterns are checked before anything is sent, and
values are written as Discovery documents say (booleans as `true`/`false`, numbers in Python's spelling)."""

from typing import Any, Dict, List, Mapping, Optional

from ._request import Call
from ._spec import Operation, Param
from .exceptions import TaskclusterFailure

__all__ = ["resolve_keywords", "wire_value"]


def wire_value(param: Param, value: Any) -> str:
    """How one value of `param` is written in a path or query string."""
    kind = param.type
    if kind == "integer":
        return str(int(value))
    if kind == "number":
        return str(float(value))
    if kind == "boolean":
        return str(bool(value)).lower()
    return value if isinstance(value, str) else str(value)


def _accepted(op: Operation) -> str:
    names = [p.name for p in op.all_params]
    if op.has_input:
        names.append(op.input_name)
    return ", ".join(names) or "no arguments"


def _checked(op: Operation, param: Param, value: Any) -> str:
    if isinstance(value, (dict, list, tuple, set)) or value is None:
        raise TaskclusterFailure(
            "%s: parameter %s takes a %s, got %s"
            % (op.signature(), param.name, param.type if param.type != "any" else "scalar", type(value).__name__)
        )
    if param.enum and value not in param.enum:
        raise TaskclusterFailure(
            "%s: parameter %s is %r, which is not one of %s"
            % (op.signature(), param.name, value, ", ".join(map(repr, param.enum)))
        )
    if isinstance(value, str) and not param.matches(value):
        raise TaskclusterFailure(
            "%s: parameter %s is %r, which does not match the pattern %s"
            % (op.signature(), param.name, value, param.pattern)
        )
    try:
        text = wire_value(param, value)
    except (TypeError, ValueError):
        raise TaskclusterFailure(
            "%s: parameter %s must be a %s, got %r" % (op.signature(), param.name, param.type, value)
        ) from None
    if param.location == "path" and not text:
        raise TaskclusterFailure("%s: parameter %s must not be empty" % (op.signature(), param.name))
    return text


def resolve_keywords(op: Operation, kwargs: Mapping[str, Any]) -> Call:
    """Resolve a keyword call into a `Call`; anything missing, unknown or invalid raises a TaskclusterFailure naming
    the method, the parameter and what it accepts, before anything is sent."""
    unknown = [key for key in kwargs if key not in op.by_name and not (op.has_input and key == op.input_name)]
    if unknown:
        raise TaskclusterFailure(
            "%s got unexpected keyword argument(s) %s; it accepts %s"
            % (op.signature(), ", ".join(repr(k) for k in sorted(unknown)), _accepted(op))
        )
    path: Dict[str, str] = {}
    query: Optional[Dict[str, Any]] = None
    for param in op.all_params:
        value = kwargs.get(param.name)
        if value is None:
            if param.required:
                raise TaskclusterFailure(
                    "%s: missing required parameter %s (it accepts %s)" % (op.signature(), param.name, _accepted(op))
                )
            continue
        if param.repeated and isinstance(value, (list, tuple)):
            texts: Any = [_checked(op, param, item) for item in value]
        else:
            texts = _checked(op, param, value)
        if param.location == "path":
            path[param.name] = texts if isinstance(texts, str) else ",".join(texts)
        else:
            if query is None:
                query = {}
            query[param.wire] = texts
    body = kwargs.get(op.input_name) if op.has_input else None
    if op.body_required and body is None:
        raise TaskclusterFailure("%s: missing the request body (%s=)" % (op.signature(), op.input_name))
    values: List[str] = [path[name] for name in op.args]
    return Call(op, values, body, query)

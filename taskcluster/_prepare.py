"""Taskcluster's calling conventions: positional, keyword or `params=` route arguments, the payload last or as
`payload=`, query parameters in `query=` or as keywords; each call resolves into one `_request.Call`.

Every usage error is raised here, before anything is sent, and names the method and what it expects.
"""

from typing import Any, Dict, Mapping, Optional, Tuple

from ._request import Call, encode_payload, encode_query
from ._spec import TASKCLUSTER, Operation
from .exceptions import TaskclusterFailure

__all__ = [
    "CompiledFunction",
    "CallArgs",
    "all_str",
    "positional_call",
    "process_args",
    "split_kwargs",
    "encode_query",
    "encode_payload",
]

_CALL_KEYWORDS = ("payload", "query", "params")
_PAGINATION_KEYWORDS = ("paginationHandler", "paginationLimit")


class CompiledFunction(Operation):
    """A Taskcluster reference entry (a `funcinfo` entry) mapped onto the general `Operation`: `<name>` path
    parameters in `args` order, declared query parameters, an optional JSON payload, Taskcluster's conventions."""

    __slots__ = ()

    def __init__(self, class_name: str, entry: Mapping[str, Any], items_key: Optional[str] = None) -> None:
        super().__init__(
            TASKCLUSTER,
            "%s.%s" % (class_name, entry["name"]),
            entry["name"],
            entry["method"],
            entry["route"],
            entry.get("args") or (),
            bool(entry.get("input")),
            query=entry.get("query") or (),
            items_key=items_key,
            entry=entry,
        )


#: The resolved call (kept under its earlier name).
CallArgs = Call


def _route_value(fn: Operation, name: str, value: Any) -> str:
    if isinstance(value, str):
        if not value:
            raise TaskclusterFailure("%s: argument %s must not be empty" % (fn.signature(), name))
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # more digits than Python converts
            raise TaskclusterFailure("%s: argument %s is an int too large to send" % (fn.signature(), name)) from None
    raise TaskclusterFailure(
        "%s: argument %s must be a str or int, got %s" % (fn.signature(), name, type(value).__name__)
    )


def all_str(values: Tuple[Any, ...]) -> bool:
    """Whether every value is exactly a non-empty str (the fast path's condition)."""
    for value in values:
        if value.__class__ is not str or not value:
            return False
    return True


def positional_call(
    fn: Operation, args: Tuple[Any, ...], payload: Any, allow_payload: bool = True
) -> Optional[CallArgs]:
    """The common shape resolved without the full rules: route arguments as positional non-empty strs (and the
    payload last or as `payload=`). None when the call has any other shape."""
    route, body = args, payload
    if allow_payload and fn.has_input and body is None and len(args) == len(fn.args) + 1:
        route, body = args[:-1], args[-1]
    if len(route) == len(fn.args) and (body is not None) is (fn.has_input and allow_payload) and all_str(route):
        return Call(fn, list(route), body, None)
    return None


def process_args(
    fn: Operation,
    args: Tuple[Any, ...],
    named: Tuple[Any, ...],
    payload: Any,
    query: Optional[Mapping[str, Any]],
    params: Optional[Mapping[str, Any]],
    extra: Mapping[str, Any],
    allow_payload: bool = True,
) -> CallArgs:
    """Resolve one of the four calling conventions into route values, payload and query.

    Route arguments come positionally, as keywords, or in `params`; for a method with input the payload is
    the last positional argument or `payload=`. A positional argument fills the first route argument not
    given by name. Anything else raises TaskclusterFailure naming the method and its arguments.
    """
    if not extra and params is None and query is None and named.count(None) == len(named):
        resolved = positional_call(fn, args, payload, allow_payload)
        if resolved is not None:
            return resolved
    handler = limit = None
    legacy_names = fn.legacy["args"] if fn.legacy is not None else ()
    query_keywords: Optional[Dict[str, Any]] = None
    if extra:
        if "payload" in extra and not fn.has_input:
            raise TaskclusterFailure("%s takes no payload" % fn.signature())
        query_keywords = {key: value for key, value in extra.items() if key in fn.query}
        unknown = [
            key for key in extra if key not in _PAGINATION_KEYWORDS and key not in legacy_names and key not in fn.query
        ]
        if unknown:
            accepted = list(fn.args) + (["payload"] if fn.has_input else []) + list(fn.query) + ["query", "params"]
            raise TaskclusterFailure(
                "%s got unexpected keyword argument(s) %s; it accepts %s"
                % (fn.signature(), ", ".join(repr(k) for k in sorted(unknown)), ", ".join(accepted))
            )
        handler = extra.get("paginationHandler")
        limit = extra.get("paginationLimit")
        if handler is not None and not callable(handler):
            raise TaskclusterFailure("%s: paginationHandler must be callable" % fn.signature())
    if not fn.has_input and payload is not None:
        raise TaskclusterFailure("%s takes no payload" % fn.signature())

    by_name: Optional[Dict[str, Any]] = None
    if params is not None:
        if not isinstance(params, Mapping):
            raise TaskclusterFailure("%s: params must be a dict of route arguments" % fn.signature())
        if any(value is not None for value in named):
            raise TaskclusterFailure(
                "%s: give route arguments either in params or as keyword arguments, not both" % fn.signature()
            )
        unknown = [key for key in params if key not in fn.args and key not in legacy_names]
        if unknown:
            raise TaskclusterFailure(
                "%s: params has unknown route argument(s) %s" % (fn.signature(), ", ".join(map(repr, sorted(unknown))))
            )
        by_name = {key: value for key, value in params.items() if value is not None}
    elif named:
        given = {name: value for name, value in zip(fn.args, named) if value is not None}
        if given:
            by_name = given

    if fn.legacy is not None:
        args, by_name, extra = _legacy_form(fn, args, by_name, payload, extra)
    nargs = len(fn.args)
    unnamed = nargs - (len(by_name) if by_name else 0)
    if fn.has_input and payload is None and len(args) == unnamed + 1 and allow_payload:
        payload = args[-1]
        args = args[:-1]
    if len(args) != unnamed:
        if by_name:
            missing = [name for name in fn.args if name not in by_name]
            detail = "%d positional argument(s) for %s" % (len(args), ", ".join(missing) or "nothing")
        else:
            detail = "%d positional argument(s)" % len(args)
        raise TaskclusterFailure(
            "%s expects %d route argument(s)%s; got %s"
            % (fn.signature(), nargs, " (%s)" % ", ".join(fn.args) if nargs else "", detail)
        )
    if by_name is None:
        values = [_route_value(fn, name, value) for name, value in zip(fn.args, args)]
    else:
        positional = iter(args)
        values = [_route_value(fn, name, by_name[name] if name in by_name else next(positional)) for name in fn.args]
    if fn.has_input and payload is None and allow_payload:
        raise TaskclusterFailure("%s requires a payload (%s)" % (fn.signature(), fn.entry.get("input")))
    if query is not None:
        if not isinstance(query, Mapping):
            raise TaskclusterFailure("%s: query must be a dict, got %s" % (fn.signature(), type(query).__name__))
        query = dict(query)
    if query_keywords:
        clash = sorted(key for key in query_keywords if query and key in query)
        if clash:
            raise TaskclusterFailure(
                "%s: %s given both as keyword argument(s) and in query=" % (fn.signature(), ", ".join(clash))
            )
        query = dict(query or {}, **query_keywords)
    if limit is not None and "limit" in fn.query:
        query = dict(query or {})
        query["limit"] = limit
    return Call(fn, values, payload, query, handler)


def _legacy_form(
    fn: Operation,
    args: Tuple[Any, ...],
    by_name: Optional[Dict[str, Any]],
    payload: Any,
    extra: Mapping[str, Any],
) -> Tuple[Tuple[Any, ...], Optional[Dict[str, Any]], Mapping[str, Any]]:
    """Accept an older signature whose arguments the current route joins into one (e.g. provisionerId and
    workerType into taskQueueId), given by name or positionally."""
    legacy = fn.legacy
    assert legacy is not None
    names, target, separator = legacy["args"], legacy["into"], legacy["separator"]
    source: Mapping[str, Any] = by_name or {}
    named_legacy = [name for name in names if name in extra or name in source]
    if named_legacy:
        values = {**source, **extra}
        missing = [name for name in names if values.get(name) is None]
        if missing:
            raise TaskclusterFailure(
                "%s: the older form needs all of %s; missing %s"
                % (fn.signature(), ", ".join(names), ", ".join(missing))
            )
        joined = separator.join(_route_value(fn, name, values[name]) for name in names)
        by_name = {key: value for key, value in source.items() if key not in names}
        by_name[target] = joined
        return args, by_name, {key: value for key, value in extra.items() if key not in names}
    if by_name and target in by_name:
        return args, by_name, extra
    unnamed = len(fn.args) - (len(by_name) if by_name else 0)
    current = unnamed + (1 if fn.has_input and payload is None else 0)
    if len(args) != current and len(args) == current + len(names) - 1:
        position = [name for name in fn.args if not by_name or name not in by_name].index(target)
        parts = args[position : position + len(names)]
        joined = separator.join(_route_value(fn, name, value) for name, value in zip(names, parts))
        args = args[:position] + (joined,) + args[position + len(names) :]
    return args, by_name, extra


def split_kwargs(fn: Operation, kwargs: Mapping[str, Any]) -> Tuple[Tuple[Any, ...], Any, Any, Any, Dict[str, Any]]:
    """Split free-form keyword arguments into (named route values, payload, query, params, extra)."""
    extra = {key: value for key, value in kwargs.items() if key not in fn.args and key not in _CALL_KEYWORDS}
    named = tuple(kwargs.get(name) for name in fn.args)
    return named, kwargs.get("payload"), kwargs.get("query"), kwargs.get("params"), extra

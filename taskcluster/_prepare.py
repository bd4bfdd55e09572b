"""Turn a method call into a request: the four calling conventions, route, query string and JSON body.

Every usage error is raised here, before anything is sent, and names the method and what it expects.
"""

import datetime
import json
import sys
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlencode

from ._urls import CompiledRoute
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


class CompiledFunction:
    """One API function's table entry, prepared once per class so a call does no parsing."""

    __slots__ = (
        "name", "qualname", "method", "route", "args", "has_input", "query", "items_key", "legacy", "entry",
        "_in_route_order",
    )  # fmt: skip

    def __init__(self, class_name: str, entry: Mapping[str, Any], items_key: Optional[str] = None) -> None:
        self.name: str = entry["name"]
        self.qualname = "%s.%s" % (class_name, self.name)
        self.method: str = entry["method"].upper()
        self.route = CompiledRoute(entry["route"])
        self.args: Tuple[str, ...] = tuple(entry.get("args") or ())
        self.has_input = bool(entry.get("input"))
        self.query: Tuple[str, ...] = tuple(entry.get("query") or ())
        self.items_key = items_key
        self.legacy: Optional[Mapping[str, Any]] = entry.get("legacyArgs")
        self.entry = entry
        self._in_route_order = self.route.params == self.args
        missing = set(self.route.params) ^ set(self.args)
        if missing:
            raise TaskclusterFailure(
                "%s: route %r and args %r disagree on %s"
                % (self.qualname, entry["route"], list(self.args), sorted(missing))
            )

    def signature(self) -> str:
        """How to call it, for error messages: `createTask(taskId, payload)`."""
        names = list(self.args) + (["payload"] if self.has_input else [])
        return "%s(%s)" % (self.qualname, ", ".join(names))

    def path(self, values: Sequence[str]) -> str:
        """The escaped route for values in `args` order."""
        if self._in_route_order:
            return self.route.expand(values)
        by_name = dict(zip(self.args, values))
        return self.route.expand([by_name[name] for name in self.route.params])


class CallArgs:
    """What a call asked for, once the calling convention has been resolved."""

    __slots__ = ("route_values", "payload", "query", "pagination_handler")

    def __init__(
        self,
        route_values: Sequence[str],
        payload: Any,
        query: Optional[Dict[str, Any]],
        pagination_handler: Optional[Callable[[Any], Any]] = None,
    ) -> None:
        self.route_values = route_values
        self.payload = payload
        self.query = query
        self.pagination_handler = pagination_handler


def _route_value(fn: CompiledFunction, name: str, value: Any) -> str:
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
    fn: CompiledFunction, args: Tuple[Any, ...], payload: Any, allow_payload: bool = True
) -> Optional[CallArgs]:
    """The common shape resolved without the full rules: route arguments as positional non-empty strs (and the
    payload last or as `payload=`). None when the call has any other shape."""
    route, body = args, payload
    if allow_payload and fn.has_input and body is None and len(args) == len(fn.args) + 1:
        route, body = args[:-1], args[-1]
    if len(route) == len(fn.args) and (body is not None) is (fn.has_input and allow_payload) and all_str(route):
        return CallArgs(list(route), body, None)
    return None


def process_args(
    fn: CompiledFunction,
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
    return CallArgs(values, payload, query, handler)


def _legacy_form(
    fn: CompiledFunction,
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


def split_kwargs(
    fn: CompiledFunction, kwargs: Mapping[str, Any]
) -> Tuple[Tuple[Any, ...], Any, Any, Any, Dict[str, Any]]:
    """Split free-form keyword arguments into (named route values, payload, query, params, extra)."""
    extra = {key: value for key, value in kwargs.items() if key not in fn.args and key not in _CALL_KEYWORDS}
    named = tuple(kwargs.get(name) for name in fn.args)
    return named, kwargs.get("payload"), kwargs.get("query"), kwargs.get("params"), extra


def encode_query(query: Optional[Mapping[str, Any]]) -> str:
    """The query string (without `?`) for a query dict; list values repeat the key; None values are dropped."""
    if not query:
        return ""
    return urlencode([(key, value) for key, value in query.items() if value is not None], doseq=True)


def _json_default(value: Any) -> Any:
    from .utils import _jsonDefault

    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc)
    try:
        return _jsonDefault(value)
    except TypeError:
        raise TypeError("payload holds a %s, which cannot be sent as JSON" % type(value).__name__) from None


def encode_payload(fn: CompiledFunction, payload: Any) -> bytes:
    """Compact JSON bytes for a payload; datetimes become ISO 8601 UTC strings."""
    try:
        return json.dumps(payload, separators=(",", ":"), default=_json_default, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise TaskclusterFailure("%s: payload is not JSON-serializable: %s" % (fn.qualname, exc)) from None
    except RecursionError:
        raise TaskclusterFailure(
            "%s: payload is nested too deeply to encode as JSON (Python's recursion limit is %d)"
            % (fn.qualname, sys.getrecursionlimit())
        ) from None

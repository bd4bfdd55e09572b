"""Turning command-line words into API calls: services, methods, route arguments, --query, offsets, payloads.

Everything comes from the generated tables (`taskcluster.generated._registry.SERVICES` and each class's
`funcinfo`) at run time. Service modules are imported only when a name needs them.
"""

import difflib
import importlib
import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..generated._registry import SERVICES
from .output import UsageError

__all__ = [
    "api_classes",
    "check_route_args",
    "load_class",
    "method_label",
    "method_usage",
    "parse_json_payload",
    "parse_offset",
    "parse_query",
    "resolve_method",
    "resolve_service",
    "summary",
]


def _key(name: str) -> str:
    """The form names are compared in: lower case, without `-` and `_` (so purge-cache = PurgeCache)."""
    return name.lower().replace("-", "").replace("_", "")


def load_class(class_name: str) -> Any:
    """The generated sync client class called `class_name` (a key of SERVICES)."""
    module = importlib.import_module("taskcluster.generated." + SERVICES[class_name])
    return getattr(module, class_name)


def api_classes() -> List[Any]:
    """Every generated class that has API methods (pulse routing-key classes have none), by class name."""
    classes = (load_class(name) for name in sorted(SERVICES))
    return [cls for cls in classes if cls.funcinfo]


def summary(doc: Optional[str]) -> str:
    """The first line of a docstring, without its final period (the title of a service or a method)."""
    lines = (doc or "").strip().splitlines()
    return lines[0].strip().rstrip(".") if lines else ""


def resolve_service(name: str) -> Any:
    """The client class for a service named by class name, module name or serviceName, in any case.

    Raises UsageError for an unknown name (suggesting the closest one) or a class without API methods.
    """
    key = _key(name)
    by_name = {_key(class_name): class_name for class_name in SERVICES}
    by_name.update((_key(module), class_name) for class_name, module in SERVICES.items())
    found = by_name.get(key)
    cls: Any = load_class(found) if found else None
    if cls is None:
        matches = [c for c in api_classes() if _key(c.serviceName) == key]
        cls = matches[0] if matches else None
    if cls is None:
        known = {}
        for api in api_classes():
            known[_key(api.serviceName)] = api.serviceName
            known[_key(api.__name__)] = api.serviceName
        close = difflib.get_close_matches(key, list(known), n=1)
        hint = "; did you mean %r?" % known[close[0]] if close else ""
        raise UsageError("unknown service %r%s (run 'taskcluster api' to list the services)" % (name, hint))
    if not cls.funcinfo:
        raise UsageError(
            "%s only builds pulse routing keys and has no API methods to call; "
            "run 'taskcluster api' to list the services" % cls.__name__
        )
    return cls


def resolve_method(cls: Any, name: str) -> str:
    """The name of the API method `name` of `cls` (an exact match, else the one case-insensitive match).

    Raises UsageError for an unknown method, suggesting the closest name.
    """
    funcinfo: Mapping[str, Any] = cls.funcinfo
    if name in funcinfo:
        return name
    folded = {method.lower(): method for method in funcinfo}
    if name.lower() in folded:
        return folded[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(folded), n=1)
    hint = "; did you mean %r?" % folded[close[0]] if close else ""
    raise UsageError(
        "%s has no method %r%s (run 'taskcluster api %s --help' to list its methods)"
        % (cls.serviceName, name, hint, cls.serviceName)
    )


def method_label(cls: Any, method: str) -> str:
    """`service.method`, as messages name a method."""
    return "%s.%s" % (cls.serviceName, method)


def method_usage(cls: Any, method: str, command: str = "taskcluster api") -> str:
    """The command line that calls `method`: its route arguments, query parameters and payload."""
    info = cls.funcinfo[method]
    words = [command, cls.serviceName, method] + ["<%s>" % arg for arg in info["args"]]
    words += ["[--query %s=...]" % name for name in info.get("query") or []]
    if info.get("input"):
        words.append("[--payload FILE] (or the payload on stdin)")
    return " ".join(words)


def check_route_args(cls: Any, method: str, args: Sequence[str], command: str = "taskcluster api") -> None:
    """Refuse a wrong number of route arguments, saying which ones the method takes."""
    info = cls.funcinfo[method]
    expected: List[str] = list(info["args"])
    legacy = info.get("legacyArgs")
    if len(args) == len(expected) or (legacy and len(args) == len(legacy.get("args") or ())):
        return
    if expected:
        takes = "%d route argument%s (%s)" % (
            len(expected),
            "" if len(expected) == 1 else "s",
            " ".join("<%s>" % arg for arg in expected),
        )
    else:
        takes = "no route arguments"
    raise UsageError(
        "%s takes %s, got %d; usage: %s"
        % (method_label(cls, method), takes, len(args), method_usage(cls, method, command))
    )


def parse_query(items: Sequence[str], allowed: Sequence[str], label: str) -> Dict[str, str]:
    """`--query key=value` words as a dict; each key must be one of the method's query parameters, once."""
    query: Dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError("--query %r is not of the form key=value (e.g. --query limit=10)" % item)
        if key not in allowed:
            takes = "its query parameters are: %s" % ", ".join(allowed) if allowed else "it takes no query parameters"
            raise UsageError("--query: %r is not a query parameter of %s; %s" % (key, label, takes))
        if key in query:
            raise UsageError("--query: %r is given more than once" % key)
        query[key] = value
    return query


def parse_offset(text: str, what: str = "--expires") -> float:
    """Seconds in a `fromNow`-style offset such as `15m`, `1h`, `2 days`; it must be in the future."""
    from ..utils import fromNow

    base = datetime(2000, 1, 1, tzinfo=timezone.utc)
    try:
        seconds = (fromNow(text, base) - base).total_seconds()
    except (ValueError, OverflowError) as exc:
        raise UsageError("%s: %s" % (what, exc)) from None
    if seconds <= 0:
        raise UsageError("%s: %r is not in the future; expected an offset like 15m, 1h or '2 days'" % (what, text))
    return seconds


def parse_json_payload(data: bytes, source: str, label: str) -> Dict[str, Any]:
    """The JSON object in `data` (the payload of `label`, read from `source`); UsageError if it is not one."""
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError("the payload from %s is not UTF-8 text; %s expects a JSON object" % (source, label)) from None
    except ValueError as exc:
        # The message says where parsing stopped, never the text itself (a payload may hold secrets).
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not JSON"
        where = " at line %d column %d" % (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else ""
        if not data.strip():
            reason, where = "it is empty", ""
        raise UsageError(
            "the payload from %s is not JSON (%s%s); %s expects a JSON object" % (source, reason, where, label)
        ) from None
    if not isinstance(payload, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(payload), "a number")
        raise UsageError("the payload from %s is %s; %s expects a JSON object" % (source, kind, label))
    return payload

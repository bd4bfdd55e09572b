"""Client classes built at run time from an API reference (`createApiClient`), for either driver.

The sync and async drivers are peers: each passes its own base class, and the class built gets one method per
entry that goes through that driver's `_apiCall` (so on an async class it returns a coroutine).
"""

from typing import Any, Callable, Dict, Mapping, Type, TypeVar, cast

from ._base import ClientCore
from ._events import TopicExchangeBinding
from ._prepare import split_kwargs
from .exceptions import TaskclusterFailure

__all__ = ["api_method", "build_api_class"]

_Core = TypeVar("_Core", bound=ClientCore)


def api_method(name: str) -> Callable[..., Any]:
    """A method for a runtime-built class; on an async class it returns the coroutine of `_apiCall`."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        named, payload, query, params, extra = split_kwargs(self._functions[name], kwargs)
        return self._apiCall(name, args, named, payload, query, params, extra)

    return method


def _exchange_method(name: str) -> Callable[..., TopicExchangeBinding]:
    def method(self: ClientCore, *args: Any, **kwargs: Any) -> TopicExchangeBinding:
        return self._topicExchange(name, args, kwargs)

    return method


def build_api_class(name: str, reference: Mapping[str, Any], base: Type[_Core]) -> Type[_Core]:
    """A client class built at run time from an API reference (functions and/or topic exchanges).

    `reference` is the reference itself or an apis.json entry wrapping it as `{"reference": {...}}`, the form the
    historical client's generator and tests pass.
    """
    wrapped = reference.get("reference") if isinstance(reference, Mapping) and "entries" not in reference else None
    if isinstance(wrapped, Mapping):
        reference = wrapped
    if not isinstance(reference, Mapping) or not isinstance(reference.get("entries"), list):
        raise TaskclusterFailure(
            "createApiClient(%r, reference): reference must be an API reference (a dict with an 'entries' list) or "
            "an apis.json entry {'reference': {...}}" % name
        )
    attrs: Dict[str, Any] = {
        "classOptions": {"exchangePrefix": reference["exchangePrefix"]} if reference.get("exchangePrefix") else {},
        "serviceName": reference.get("serviceName", ""),
        "apiVersion": reference.get("apiVersion", "v1"),
        "funcinfo": {},
        "exchangeinfo": {},
        "paginated": {},
        "__doc__": reference.get("description") or reference.get("title"),
    }
    for entry in reference["entries"]:
        entry_name = entry.get("name")
        if entry.get("type") == "function":
            info = {
                key: entry[key]
                for key in ("args", "method", "name", "route", "query", "input", "output", "scopes")
                if key in entry
            }
            info["stability"] = entry.get("stability", "stable")
            info.setdefault("args", [])
            info.setdefault("query", [])
            attrs["funcinfo"][entry_name] = info
            method = api_method(entry_name)
        elif entry.get("type") == "topic-exchange":
            attrs["exchangeinfo"][entry_name] = dict(entry)
            method = _exchange_method(entry_name)
        else:
            raise TaskclusterFailure(
                "createApiClient(%r): entry %r has unknown type %r" % (name, entry_name, entry.get("type"))
            )
        method.__name__ = method.__qualname__ = entry_name
        method.__doc__ = "%s\n\n%s" % (entry.get("title", entry_name), entry.get("description", ""))
        attrs[entry_name] = method
    return cast(Type[_Core], type(name, (base,), attrs))

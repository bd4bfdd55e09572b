"""The route table, built from the generated client classes (``taskcluster.generated``).

Each generated service class carries ``serviceName``, ``apiVersion`` and ``funcinfo`` (name -> method,
route, query, input, output, scopes ...). We never read apis.json at run time: the package does not ship it.
"""

import importlib
import threading
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import unquote

__all__ = ["Entry", "ServiceTable", "load_tables", "tables_from_classes"]

#: Trailing route parameters that may contain ``/`` even unescaped (artifact and secret names).
_GREEDY = frozenset({"name"})


class Entry:
    """One API function of a service."""

    __slots__ = (
        "input",
        "method",
        "name",
        "output",
        "params",
        "query",
        "route",
        "scopes",
        "segments",
        "service",
        "stability",
    )

    def __init__(self, service: str, info: Mapping[str, Any]) -> None:
        self.service: str = service
        self.name: str = info["name"]
        self.method: str = info["method"].upper()
        self.route: str = info["route"]
        self.query: Tuple[str, ...] = tuple(info.get("query") or ())
        self.input: Optional[str] = info.get("input")
        self.output: Optional[str] = info.get("output")
        self.scopes: Any = info.get("scopes")
        self.stability: str = info.get("stability", "stable")
        self.segments: Tuple[str, ...] = tuple(self.route.split("/")[1:])
        self.params: Tuple[str, ...] = tuple(s[1:-1] for s in self.segments if _is_param(s))

    def match(self, segments: Sequence[str]) -> Optional[Tuple[Tuple[int, int], Dict[str, str]]]:
        """Match raw (still percent-encoded) path segments; returns (score, params) or None."""
        mine = self.segments
        n = len(mine)
        if n and mine[-1] == "" and len(segments) == n - 1:
            segments = list(segments) + [""]
        if len(segments) < n:
            return None
        greedy = len(segments) > n
        if greedy and not (n and _is_param(mine[-1]) and mine[-1][1:-1] in _GREEDY):
            return None
        params: Dict[str, str] = {}
        literals = 0
        for i, seg in enumerate(mine):
            if _is_param(seg):
                if i == n - 1:
                    value = "/".join(unquote(s) for s in segments[i:])
                else:
                    value = unquote(segments[i])
                    if not value:
                        return None
                params[seg[1:-1]] = value
            else:
                if unquote(segments[i]) != seg:
                    return None
                literals += 1
        return (0 if greedy else 1, literals), params

    def __repr__(self) -> str:
        return "Entry(%s.%s %s %s)" % (self.service, self.name, self.method, self.route)


def _is_param(segment: str) -> bool:
    return len(segment) > 2 and segment[0] == "<" and segment[-1] == ">"


class ServiceTable:
    """The entries of one service, matched by method and path."""

    def __init__(
        self,
        service_name: str,
        api_version: str,
        funcinfo: Mapping[str, Mapping[str, Any]],
        module: Optional[str] = None,
    ) -> None:
        self.service_name = service_name
        self.api_version = api_version
        #: the generated client module (``purgecache`` for ``purge-cache``), which names its schemas
        self.module = module
        self.entries: Dict[str, Entry] = {name: Entry(service_name, info) for name, info in sorted(funcinfo.items())}
        self._by_method: Dict[str, List[Entry]] = {}
        for entry in self.entries.values():
            self._by_method.setdefault(entry.method, []).append(entry)

    def resolve(
        self, method: str, segments: Sequence[str], implemented: Optional[Mapping[str, Any]] = None
    ) -> Optional[Tuple[Entry, Dict[str, str]]]:
        """The best entry for ``method`` and the raw path ``segments`` (implemented entries win ties)."""
        implemented = implemented or {}
        best = None
        best_key = None
        for entry in self._by_method.get(method, ()):
            found = entry.match(segments)
            if found is None:
                continue
            score, params = found
            key = (score, entry.name in implemented, entry.stability != "deprecated")
            if best_key is None or key > best_key:
                best, best_key = (entry, params), key
        return best


def tables_from_classes(classes: Sequence[Any]) -> Dict[str, ServiceTable]:
    """serviceName -> ServiceTable for the given client classes (classes without functions are skipped)."""
    tables: Dict[str, ServiceTable] = {}
    for cls in classes:
        funcinfo = getattr(cls, "funcinfo", None)
        if not funcinfo:
            continue
        module = cls.__module__.rpartition(".")[2] if cls.__module__.startswith("taskcluster.generated.") else None
        tables[cls.serviceName] = ServiceTable(cls.serviceName, cls.apiVersion, funcinfo, module)
    return tables


_tables: Optional[Dict[str, ServiceTable]] = None
_lock = threading.Lock()


def load_tables() -> Dict[str, ServiceTable]:
    """The route tables of every generated service (loaded once per process)."""
    global _tables
    with _lock:
        if _tables is None:
            from ..generated._registry import SERVICES

            classes = []
            for class_name, module_name in sorted(SERVICES.items()):
                module = importlib.import_module("taskcluster.generated." + module_name)
                classes.append(getattr(module, class_name))
            _tables = tables_from_classes(classes)
        return _tables

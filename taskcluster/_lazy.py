"""Module attributes loaded on first access, so importing a package stays cheap."""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing is imported for type checkers only: it costs `import taskcluster` as much as the rest
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, List, Mapping, Tuple

__all__ = ["lazy_attributes"]


def lazy_attributes(
    module_name: str, sources: Mapping[str, str], submodules: Iterable[str] = ()
) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """A module's `__getattr__` and `__dir__`: `sources` maps a public name to the module that defines it
    (absolute name); `submodules` are relative modules of `module_name` reachable as attributes."""
    module = importlib.import_module(module_name)
    namespace: Dict[str, Any] = vars(module)
    submodule_names = tuple(submodules)

    def __getattr__(name: str) -> Any:
        source = sources.get(name)
        if source is not None:
            value = getattr(importlib.import_module(source), name)
        elif name in submodule_names:
            value = importlib.import_module("%s.%s" % (module_name, name))
        else:
            raise AttributeError("module %r has no attribute %r" % (module_name, name))
        namespace[name] = value
        return value

    def __dir__() -> List[str]:
        return sorted(set(namespace) | set(sources) | set(submodule_names))

    return __getattr__, __dir__

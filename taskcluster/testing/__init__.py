"""A local Taskcluster deployment for tests: a real HTTP server on 127.0.0.1 with SQLite state.

    from taskcluster.testing import LocalDeployment

    with LocalDeployment() as tc:
        queue = taskcluster.Queue(tc.options())

`AsyncLocalDeployment` is the same in the running event loop (``async with``). The pytest plugin
(`taskcluster.testing.pytest_plugin`, enabled automatically when the package is installed) provides the
``taskcluster_deployment`` fixture; ``python -m taskcluster.testing serve`` runs one by hand.
See docs/local-deployment.md.

Names load lazily: importing this package does not import aiohttp.
"""

import importlib
from typing import TYPE_CHECKING, Any, List

__all__ = ["DEFAULT_ROOT_CLIENT_ID", "AsyncLocalDeployment", "LocalDeployment"]

if TYPE_CHECKING:
    from .server import DEFAULT_ROOT_CLIENT_ID as DEFAULT_ROOT_CLIENT_ID
    from .server import AsyncLocalDeployment as AsyncLocalDeployment
    from .server import LocalDeployment as LocalDeployment
else:
    # Run time: the names load on first access (type checkers see the imports above instead).

    def __getattr__(name: str) -> Any:
        if name in __all__:
            value = getattr(importlib.import_module(".server", __name__), name)
            globals()[name] = value
            return value
        raise AttributeError("module 'taskcluster.testing' has no attribute %r" % name)

    def __dir__() -> List[str]:
        return sorted(set(globals()) | set(__all__))

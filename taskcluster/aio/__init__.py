"""Async clients: `taskcluster.aio.<Service>(options, session=...)`, same arguments and results as sync.

Names load lazily, so `import taskcluster.aio` imports neither aiohttp nor any service module.
"""

from .. import UTILS
from .. import exceptions as exceptions  # `taskcluster.aio.exceptions`, as in the historical package
from .._lazy import lazy_attributes
from ..exceptions import __all__ as _EXCEPTIONS
from ..generated._registry import SERVICES

_SOURCES = {name: "taskcluster.generated.aio." + module for name, module in SERVICES.items()}
_SOURCES.update((name, "taskcluster.utils") for name in UTILS)
_SOURCES.update((name, "taskcluster.exceptions") for name in _EXCEPTIONS)
_SOURCES.update(
    createSession="taskcluster.aio.asyncclient",
    createApiClient="taskcluster.aio.asyncclient",
    createTemporaryCredentials="taskcluster._tempcreds",
)

__all__ = sorted(_SOURCES)
_SUBMODULES = ("asyncclient", "asyncutils", "retry", "upload", "download", "reader_writer")
__getattr__, __dir__ = lazy_attributes(__name__, _SOURCES, _SUBMODULES)

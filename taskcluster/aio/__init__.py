"""Async clients: `taskcluster.aio.<Service>(options, session=...)`, same arguments and results as sync.

Names load lazily, so `import taskcluster.aio` imports neither aiohttp nor any service module.
"""

import importlib
from typing import Any, List

from ..generated._registry import SERVICES

_SOURCES = {
    "createSession": "taskcluster.aio.asyncclient",
    "createApiClient": "taskcluster.aio.asyncclient",
    "createTemporaryCredentials": "taskcluster._tempcreds",
}
for _name in (
    "calculateSleepTime",
    "dumpJson",
    "fromNow",
    "fromNowJSON",
    "optionsFromEnvironment",
    "scopeMatch",
    "scope_match",
    "slugId",
    "stableSlugId",
    "stringDate",
):
    _SOURCES[_name] = "taskcluster.utils"
for _name in (
    "TaskclusterFailure",
    "TaskclusterRestFailure",
    "TaskclusterAuthFailure",
    "TaskclusterConnectionError",
    "TaskclusterTopicExchangeFailure",
    "TaskclusterArtifactError",
    "ObjectHashVerificationError",
):
    _SOURCES[_name] = "taskcluster.exceptions"
_SUBMODULES = ("asyncclient",)

__all__ = sorted(list(SERVICES) + list(_SOURCES))


def __getattr__(name: str) -> Any:
    module_name = SERVICES.get(name)
    if module_name is not None:
        value = getattr(importlib.import_module("taskcluster.generated.aio." + module_name), name)
    elif name in _SOURCES:
        value = getattr(importlib.import_module(_SOURCES[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module("." + name, __name__)
    else:
        raise AttributeError("module 'taskcluster.aio' has no attribute %r" % name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))

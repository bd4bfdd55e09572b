"""Taskcluster client: sync clients as `taskcluster.<Service>`, async ones in `taskcluster.aio`.

Names load lazily on first access, so `import taskcluster` imports neither requests nor aiohttp nor
any service module.
"""

import importlib
import logging
import os
from typing import Any, List

from .generated._registry import SERVICES

log = logging.getLogger(__name__)
if os.environ.get("DEBUG_TASKCLUSTER_CLIENT"):
    log.setLevel(logging.DEBUG)
    if not log.handlers:
        log.addHandler(logging.StreamHandler())
log.addHandler(logging.NullHandler())

_UTILS = (
    "calculateSleepTime",
    "decryptMessage",
    "dumpJson",
    "encodeStringForB64Header",
    "encryptEnvVar",
    "fromNow",
    "fromNowJSON",
    "isExpired",
    "makeB64UrlSafe",
    "makeB64UrlUnsafe",
    "optionsFromEnvironment",
    "scopeMatch",
    "scope_match",
    "slugId",
    "stableSlugId",
    "stringDate",
    "toStr",
    "MAX_RETRIES",
    "DELAY_FACTOR",
    "RANDOMIZATION_FACTOR",
    "MAX_DELAY",
)
_EXCEPTIONS = (
    "TaskclusterFailure",
    "TaskclusterRestFailure",
    "TaskclusterAuthFailure",
    "TaskclusterConnectionError",
    "TaskclusterTopicExchangeFailure",
    "TaskclusterArtifactError",
    "ObjectHashVerificationError",
)
_SOURCES = {name: "utils" for name in _UTILS}
_SOURCES.update({name: "exceptions" for name in _EXCEPTIONS})
_SOURCES["createTemporaryCredentials"] = "_tempcreds"
_SOURCES["createApiClient"] = "client"
_SOURCES["createSession"] = "client"
_SUBMODULES = ("client", "utils", "exceptions", "aio", "testing", "generated")

__all__ = sorted(list(SERVICES) + list(_SOURCES))


def __getattr__(name: str) -> Any:
    module_name = SERVICES.get(name)
    if module_name is not None:
        value = getattr(importlib.import_module(".generated." + module_name, __name__), name)
    elif name in _SOURCES:
        value = getattr(importlib.import_module("." + _SOURCES[name], __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module("." + name, __name__)
    else:
        raise AttributeError("module 'taskcluster' has no attribute %r" % name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))

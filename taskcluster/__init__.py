"""Taskcluster client: sync clients as `taskcluster.<Service>`, async ones in `taskcluster.aio`.

Names load lazily on first access, so `import taskcluster` imports neither requests nor aiohttp nor
any service module.
"""

import logging
import os

from ._lazy import lazy_attributes
from ._version import __version__ as __version__
from .exceptions import __all__ as _EXCEPTIONS
from .generated._registry import SERVICES

log = logging.getLogger(__name__)
if os.environ.get("DEBUG_TASKCLUSTER_CLIENT"):
    log.setLevel(logging.DEBUG)
    if not log.handlers:
        log.addHandler(logging.StreamHandler())
log.addHandler(logging.NullHandler())

#: Names of `taskcluster.utils` re-exported here, as the historical client did.
UTILS = (
    "calculateSleepTime", "decryptMessage", "dumpJson", "encodeStringForB64Header", "encryptEnvVar", "fromNow",
    "fromNowJSON", "isExpired", "makeB64UrlSafe", "makeB64UrlUnsafe", "optionsFromEnvironment", "scopeMatch",
    "scope_match", "slugId", "stableSlugId", "stringDate", "toStr", "MAX_RETRIES", "DELAY_FACTOR",
    "RANDOMIZATION_FACTOR", "MAX_DELAY", "makeHttpRequest", "makeSingleHttpRequest", "putFile",
)  # fmt: skip

_SOURCES = {name: "taskcluster.generated." + module for name, module in SERVICES.items()}
_SOURCES.update((name, "taskcluster.utils") for name in UTILS)
_SOURCES.update((name, "taskcluster.exceptions") for name in _EXCEPTIONS)
_SOURCES.update(
    createTemporaryCredentials="taskcluster._tempcreds",
    createApiClient="taskcluster.client",
    createSession="taskcluster.client",
)

__all__ = sorted(_SOURCES)
__getattr__, __dir__ = lazy_attributes(
    __name__,
    _SOURCES,
    ("client", "utils", "exceptions", "aio", "testing", "helper", "upload", "download", "retry", "generated"),
)

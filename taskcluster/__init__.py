"""Taskcluster client: sync clients as `taskcluster.<Service>`, async ones in `taskcluster.aio`.

Names load lazily on first access, so `import taskcluster` imports neither requests nor aiohttp nor
any service module. Type checkers see the real names through the `if TYPE_CHECKING:` imports below.
"""

from __future__ import annotations

from ._lazy import lazy_attributes
from ._version import __version__ as __version__
from .exceptions import __all__ as _EXCEPTIONS
from .generated._registry import SERVICES

TYPE_CHECKING = False  # no typing import at run time: it would cost `import taskcluster` as much as the rest

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
    TopicExchangeBinding="taskcluster._events",
    log="taskcluster._log",
)
_SUBMODULES = ("client", "utils", "exceptions", "aio", "testing", "helper", "upload", "download", "retry", "generated")

if TYPE_CHECKING:
    # What the lazy names below resolve to at run time, for type checkers and editors; tests/typing/test_lazy_names.py
    # checks that this block and `_SOURCES` agree.
    from . import aio as aio
    from . import client as client
    from . import download as download
    from . import exceptions as exceptions
    from . import generated as generated
    from . import helper as helper
    from . import retry as retry
    from . import testing as testing
    from . import upload as upload
    from . import utils as utils
    from ._events import TopicExchangeBinding as TopicExchangeBinding
    from ._log import log as log
    from ._services import *  # noqa: F403  (the 24 service classes)
    from ._tempcreds import createTemporaryCredentials as createTemporaryCredentials
    from .client import createApiClient as createApiClient
    from .client import createSession as createSession
    from .exceptions import ObjectHashVerificationError as ObjectHashVerificationError
    from .exceptions import TaskclusterArtifactError as TaskclusterArtifactError
    from .exceptions import TaskclusterAuthFailure as TaskclusterAuthFailure
    from .exceptions import TaskclusterConnectionError as TaskclusterConnectionError
    from .exceptions import TaskclusterFailure as TaskclusterFailure
    from .exceptions import TaskclusterOptionWarning as TaskclusterOptionWarning
    from .exceptions import TaskclusterRestFailure as TaskclusterRestFailure
    from .exceptions import TaskclusterTopicExchangeFailure as TaskclusterTopicExchangeFailure
    from .utils import DELAY_FACTOR as DELAY_FACTOR
    from .utils import MAX_DELAY as MAX_DELAY
    from .utils import MAX_RETRIES as MAX_RETRIES
    from .utils import RANDOMIZATION_FACTOR as RANDOMIZATION_FACTOR
    from .utils import calculateSleepTime as calculateSleepTime
    from .utils import decryptMessage as decryptMessage
    from .utils import dumpJson as dumpJson
    from .utils import encodeStringForB64Header as encodeStringForB64Header
    from .utils import encryptEnvVar as encryptEnvVar
    from .utils import fromNow as fromNow
    from .utils import fromNowJSON as fromNowJSON
    from .utils import isExpired as isExpired
    from .utils import makeB64UrlSafe as makeB64UrlSafe
    from .utils import makeB64UrlUnsafe as makeB64UrlUnsafe
    from .utils import makeHttpRequest as makeHttpRequest
    from .utils import makeSingleHttpRequest as makeSingleHttpRequest
    from .utils import optionsFromEnvironment as optionsFromEnvironment
    from .utils import putFile as putFile
    from .utils import scope_match as scope_match
    from .utils import scopeMatch as scopeMatch
    from .utils import slugId as slugId
    from .utils import stableSlugId as stableSlugId
    from .utils import stringDate as stringDate
    from .utils import toStr as toStr
else:
    # Run time: each name is imported on first access. (Type checkers do not see this branch, so a misspelt name
    # is an error for them rather than `Any`.)
    __all__ = sorted(_SOURCES)
    __getattr__, __dir__ = lazy_attributes(__name__, _SOURCES, _SUBMODULES)

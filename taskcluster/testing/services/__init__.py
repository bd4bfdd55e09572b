"""Handlers of the services the local deployment implements, by serviceName and entry name.

A handler takes a `Call` and returns a `Reply` (or raises `ServiceError`); it runs synchronously in a worker
thread of the server (`server.LARGE_BODY_BYTES`), and each of its store transactions is atomic with respect
to other calls.
"""

import time
from typing import Any, Callable, Dict

from . import auth, index, objects, purgecache, queue, secrets
from ._base import Call, Reply, ServiceError

__all__ = ["IMPLEMENTED", "LOADERS", "Call", "Reply", "ServiceError", "handlers_for"]

_STARTED = time.time()


def _ping(call: Call) -> Reply:
    return Reply({"alive": True, "uptime": round(time.time() - _STARTED, 3)})


def _empty(call: Call) -> Reply:
    return Reply({})


def _version(call: Call) -> Reply:
    return Reply(
        {
            "source": "https://github.com/taskcluster/taskcluster",
            "version": "local",
            "commit": "local",
            "build": "taskcluster.testing",
        }
    )


_COMMON: Dict[str, Callable[[Call], Reply]] = {
    "ping": _ping,
    "lbheartbeat": _empty,
    "heartbeat": _empty,
    "version": _version,
}

#: serviceName -> entry name -> handler
IMPLEMENTED: Dict[str, Dict[str, Callable[[Call], Reply]]] = {
    "auth": dict(_COMMON, **auth.HANDLERS),
    "queue": dict(_COMMON, **queue.HANDLERS),
    "index": dict(_COMMON, **index.HANDLERS),
    "secrets": dict(_COMMON, **secrets.HANDLERS),
    "purge-cache": dict(_COMMON, **purgecache.HANDLERS),
    "object": dict(_COMMON, **objects.HANDLERS),
}

#: serviceName -> entry name -> (payload -> client loader), for endpoints with their own credentials
LOADERS: Dict[str, Dict[str, Callable[[Any], Any]]] = {"auth": auth.LOADERS}


def handlers_for(service: str) -> Dict[str, Callable[[Call], Reply]]:
    return IMPLEMENTED.get(service, {})

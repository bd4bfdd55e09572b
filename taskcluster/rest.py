"""The runtime of generated clients for REST APIs of other families (Google Discovery documents, our own REST
manifests): the same drivers, options, retries, timeouts and errors as the Taskcluster clients, with keyword-only
methods grouped in resources (`client.projects.locations.queues.list(parent=...)`).

A generated package subclasses `RestClient` / `AsyncRestClient` with its spec and operations (from its `_tables`
module, shared by both) and one `SyncResource` / `AsyncResource` class per resource.
"""

from typing import Any, AsyncIterator, ClassVar, Dict, Iterator, Mapping, Tuple, TypeVar

from ._pagination import async_paginated, sync_paginated
from ._spec import ApiSpec, Operation, compile_operations
from .aio.asyncclient import AsyncBaseClient
from .client import BaseClient

__all__ = [
    "ApiSpec",
    "AsyncResource",
    "AsyncRestClient",
    "Operation",
    "RestClient",
    "SyncResource",
    "async_paginated",
    "compile_operations",
    "sync_paginated",
]

_Resource = TypeVar("_Resource", bound="_ResourceBase")


class _ResourceBase:
    """A group of a client's operations reached as an attribute (`client.projects.locations`); it holds the client
    and the dotted prefix of its operations' names."""

    __slots__ = ("_client", "_prefix")
    #: tells paginated methods that their arguments have no other forms to fall back on
    _keyword_calls: ClassVar[bool] = True

    def __init__(self, client: Any, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def __repr__(self) -> str:
        return "<%s resource %s of %r>" % (type(self).__name__, self._prefix.rstrip("."), self._client)

    def _resource(self, cls: "type[_Resource]", name: str) -> _Resource:
        return cls(self._client, self._prefix + name + ".")


class SyncResource(_ResourceBase):
    """A resource of a sync client."""

    __slots__ = ()

    def _pages(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Iterator[Any]:
        pages: Iterator[Any] = self._client._pages(self._prefix + name, args, kwargs)
        return pages

    def _items(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Iterator[Any]:
        items: Iterator[Any] = self._client._items(self._prefix + name, args, kwargs)
        return items


class AsyncResource(_ResourceBase):
    """A resource of an async client."""

    __slots__ = ()

    def _pages(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> AsyncIterator[Any]:
        pages: AsyncIterator[Any] = self._client._pages(self._prefix + name, args, kwargs)
        return pages

    def _items(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> AsyncIterator[Any]:
        items: AsyncIterator[Any] = self._client._items(self._prefix + name, args, kwargs)
        return items


class _ResourceParent:
    """What both generated root clients share: their resources hang off them, and their methods take keywords only."""

    _keyword_calls: ClassVar[bool] = True

    def _resource(self, cls: "type[_Resource]", name: str) -> _Resource:
        return cls(self, name + ".")


class RestClient(_ResourceParent, BaseClient):
    """Base of generated sync clients of other API families.

    Options: `rootUrl` (where the API is; some APIs have a default), `token` (bearer-token APIs: a str, or a callable
    returning one, called for every attempt), `credentials` (header-auth APIs: the keys their table names), and the
    options every client takes (`maxRetries`, `timeout`, `connectTimeout`, `totalTimeout`, `maxResponseSize`,
    `maxConnections`).
    """

    _api_spec: ClassVar[ApiSpec]
    _operations: ClassVar[Dict[str, Operation]]


class AsyncRestClient(_ResourceParent, AsyncBaseClient):
    """Base of generated async clients of other API families (options as for `RestClient`)."""

    _api_spec: ClassVar[ApiSpec]
    _operations: ClassVar[Dict[str, Operation]]

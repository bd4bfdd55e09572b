"""Pagination shared by both clients: the next page's query, a page's items, and the paginated-method descriptors.

A paginated API method (one that takes a ``continuationToken``) is a descriptor: called, it returns one page, as
any method does; it also offers ``.pages(...)`` and ``.items(...)``, which follow the continuation tokens and hold
one page in memory at a time (iterators on the sync client, async iterators on the async client). On the class it
is the plain function, so ``help(Queue.listTaskGroup)`` and ``inspect.signature`` see the real method.

For type checkers the descriptors are generic in four parameters::

    SyncPaginated[C, P, R, I]     AsyncPaginated[C, P, R, I]

- ``C``: the client class (the type of ``self`` in the method);
- ``P``: the method's parameters after ``self`` (a ``ParamSpec``), kept as they are for the call, ``.pages()`` and
  ``.items()``;
- ``R``: the page type, i.e. what one call returns (for an async method, what its coroutine returns);
- ``I``: the type of one item of a page (an element of the list under the method's items key).

so ``queue.listTaskGroup(...)`` keeps the method's own signature and return type, ``queue.listTaskGroup.pages(...)``
is an ``Iterator[R]`` (``AsyncIterator[R]`` on an async client) and ``.items(...)`` an ``Iterator[I]``
(``AsyncIterator[I]``).

How generated code uses it
--------------------------

A generated client decorates each paginated method with the decorator of its flavour, giving the item type as the
type argument (``Any`` while it is not known); the page type and the parameters come from the method itself::

    from .._pagination import sync_paginated            # taskcluster.generated.queue

    class Queue(BaseClient):
        paginated: Dict[str, str] = {"listTaskGroup": "tasks", ...}   # the items key of each paginated method

        @sync_paginated[ListTaskGroupTask]()
        def listTaskGroup(self, /, taskGroupId: ..., *, query: ... = None, **kwargs: Any) -> ListTaskGroupResponse:
            ...

    from ..._pagination import async_paginated          # taskcluster.generated.aio.queue

    class Queue(AsyncBaseClient):
        @async_paginated[ListTaskGroupTask]()
        async def listTaskGroup(self, /, ...) -> ListTaskGroupResponse:
            ...

Rules for the decorated method:

- every method listed in the class's ``paginated`` table is decorated, and only those (checked when the class is
  created); a listed method left undecorated still works at run time (it is wrapped when the class is created) but
  type checkers then know nothing of ``.pages()``/``.items()``;
- ``self`` must be positional-only (``self, /``) when the method takes ``**kwargs``: a ``ParamSpec`` can only strip
  a first parameter that cannot also be passed by keyword (mypy reports the method otherwise);
- the method has one signature, not ``@overload`` variants: the overloads of a decorated function are not seen
  through the descriptor;
- the item type is any type expression (``Dict[str, Any]``, a TypedDict, ``str``, ``Any``), quoted or not: a
  quoted one (``@sync_paginated["ListTaskGroupTask"]()``) lets the module import its TypedDicts under
  ``if TYPE_CHECKING:`` only, so loading a client does not load its types.

Written out, the decorated method's type is ``SyncPaginated[Queue, <parameters>, ListTaskGroupResponse,
ListTaskGroupTask]``.
"""

from __future__ import annotations  # the annotations use ParamSpec, which Python 3.9 lacks at run time

import functools
import hashlib
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    Coroutine,
    Dict,
    Generic,
    Iterator,
    List,
    Mapping,
    Optional,
    Protocol,
    Set,
    Tuple,
    TypeVar,
    Union,
    overload,
)

from .exceptions import TaskclusterFailure

if TYPE_CHECKING:
    from typing_extensions import Concatenate, ParamSpec

    _P = ParamSpec("_P")
else:
    # Python 3.9 has no ParamSpec at run time; a TypeVar stands in (only type checkers look at it).
    _P = TypeVar("_P")

__all__ = [
    "next_page_query",
    "page_items",
    "PaginatedMethod",
    "BoundPaginatedMethod",
    "SyncPaginated",
    "AsyncPaginated",
    "BoundSyncPaginated",
    "BoundAsyncPaginated",
    "sync_paginated",
    "async_paginated",
]

_R = TypeVar("_R")
_I = TypeVar("_I")
_R_co = TypeVar("_R_co", covariant=True)
_I_co = TypeVar("_I_co", covariant=True)


class _SyncPager(Protocol):
    """What a sync client offers the descriptors (`taskcluster.client.BaseClient`)."""

    def _pages(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Iterator[Any]: ...

    def _items(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Iterator[Any]: ...


class _AsyncPager(Protocol):
    """What an async client offers the descriptors (`taskcluster.aio.asyncclient.AsyncBaseClient`)."""

    def _pages(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> AsyncIterator[Any]: ...

    def _items(self, name: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> AsyncIterator[Any]: ...


_SyncC = TypeVar("_SyncC", bound=_SyncPager)
_AsyncC = TypeVar("_AsyncC", bound=_AsyncPager)


def next_page_query(
    query: Optional[Mapping[str, Any]],
    page: Any,
    seen: Optional[Set[bytes]] = None,
    qualname: str = "",
    token_param: str = "continuationToken",
    token_field: str = "continuationToken",
) -> Optional[Dict[str, Any]]:
    """The query for the page after `page`, or None when `page` carries no next-page token (`token_field`; it goes
    back as the query parameter `token_param`).

    `seen` remembers (digests of) the tokens of one listing: a token given again, after any number of pages, is a
    cycle, and raises a TaskclusterFailure rather than fetching the same pages forever.
    """
    token = page.get(token_field) if isinstance(page, dict) else None
    if not token:
        return None
    where = qualname + ": " if qualname else ""
    shown = repr(token)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    if query and query.get(token_param) == token:
        raise TaskclusterFailure(
            "%sthe service answered %s %s again for the page it designates; stopping instead of "
            "fetching the same page forever" % (where, token_field, shown)
        )
    if seen is not None:
        if not seen and query and query.get(token_param):
            seen.add(_token_key(query[token_param]))
        key = _token_key(token)
        if key in seen:
            raise TaskclusterFailure(
                "%sthe service answered %s %s, which it already gave earlier in this listing (after "
                "%d distinct tokens); stopping instead of cycling through the same pages forever"
                % (where, token_field, shown, len(seen))
            )
        seen.add(key)
    following: Dict[str, Any] = dict(query or {})
    following[token_param] = token
    return following


def _token_key(token: Any) -> bytes:
    """A fixed-size digest of a continuation token, so remembering the tokens of a long listing stays small."""
    text = token if isinstance(token, str) else repr(token)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def page_items(page: Any, key: Optional[str]) -> List[Any]:
    """The items of a page, reversed so that popping them yields them in order and frees each as it goes."""
    items = page.get(key) if isinstance(page, dict) and key else None
    if not isinstance(items, list):
        return []
    return items[::-1]


class BoundPaginatedMethod:
    """A paginated API method bound to a client: call it for one page, or iterate `.pages()` / `.items()`.

    Both iterators fetch lazily and hold one page in memory at a time. `BoundSyncPaginated` and
    `BoundAsyncPaginated` are its two flavours; on their instances `__doc__` is the API method's docstring.
    """

    __slots__ = ("_client", "_func", "_name")

    def __init__(self, client: Any, func: Callable[..., Any], name: str) -> None:
        self._client = client
        self._func = func
        self._name = name

    @property
    def __wrapped__(self) -> Callable[..., Any]:
        """The generated method this wraps."""
        return self._func

    def __repr__(self) -> str:
        return "<paginated method %s of %r>" % (self._name, self._client)

    def _call(self, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
        """Call the method; arguments that do not fit its exact signature go through the runtime's own rules, which
        accept the other historical forms and refuse the rest with a `TaskclusterFailure` naming the method."""
        try:
            return self._func(self._client, *args, **kwargs)
        except TypeError as error:
            if error.__traceback__ is None or error.__traceback__.tb_next is not None:
                raise  # raised inside the method, not by binding its arguments
            if getattr(self._client, "_keyword_calls", False):
                raise  # keyword-only methods have no other forms
        from ._classes import api_method

        return api_method(self._name)(self._client, *args, **kwargs)


# The two flavours below have no class docstring: their `__doc__` is a property giving the API method's docstring.


class BoundSyncPaginated(BoundPaginatedMethod, Generic[_P, _R_co, _I_co]):
    # A paginated method of a sync client: `method(...)` returns a page, `.pages(...)` iterates over the pages and
    # `.items(...)` over their items, fetching the next page when needed.

    __slots__ = ()

    @property
    def __doc__(self) -> Optional[str]:  # type: ignore[override]  # the API method's docstring, per instance
        return self._func.__doc__

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> _R_co:
        result: _R_co = self._call(args, kwargs)
        return result

    def pages(self, *args: _P.args, **kwargs: _P.kwargs) -> Iterator[_R_co]:
        """Iterate over whole response pages, following continuationToken until the last page."""
        client: _SyncPager = self._client
        return client._pages(self._name, args, kwargs)

    def items(self, *args: _P.args, **kwargs: _P.kwargs) -> Iterator[_I_co]:
        """Iterate over the listed items of every page (e.g. the tasks of listTaskGroup)."""
        client: _SyncPager = self._client
        return client._items(self._name, args, kwargs)


class BoundAsyncPaginated(BoundPaginatedMethod, Generic[_P, _R_co, _I_co]):
    # A paginated method of an async client: `await method(...)` returns a page, `async for` over `.pages(...)`
    # gives the pages and over `.items(...)` their items, fetching the next page when needed.

    __slots__ = ()

    @property
    def __doc__(self) -> Optional[str]:  # type: ignore[override]  # the API method's docstring, per instance
        return self._func.__doc__

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> Coroutine[Any, Any, _R_co]:
        result: Coroutine[Any, Any, _R_co] = self._call(args, kwargs)
        return result

    def pages(self, *args: _P.args, **kwargs: _P.kwargs) -> AsyncIterator[_R_co]:
        """Iterate (`async for`) over whole response pages, following continuationToken until the last page."""
        client: _AsyncPager = self._client
        return client._pages(self._name, args, kwargs)

    def items(self, *args: _P.args, **kwargs: _P.kwargs) -> AsyncIterator[_I_co]:
        """Iterate (`async for`) over the listed items of every page (e.g. the tasks of listTaskGroup)."""
        client: _AsyncPager = self._client
        return client._items(self._name, args, kwargs)


class PaginatedMethod:
    """Base of the descriptors wrapping a generated paginated method (`SyncPaginated`, `AsyncPaginated`): it looks
    like the method it wraps (name, docstring, `__wrapped__`), and knows the name it is reached by."""

    def __init__(self, func: Callable[..., Any], name: Optional[str] = None) -> None:
        # what functools.update_wrapper does (typeshed wants a callable wrapper; this is a descriptor)
        for attribute in functools.WRAPPER_ASSIGNMENTS:
            try:
                setattr(self, attribute, getattr(func, attribute))
            except AttributeError:
                pass
        self.__dict__.update(getattr(func, "__dict__", {}))
        self.__wrapped__ = func
        self._func = func
        self._name: str = name if name is not None else getattr(func, "__name__", "")

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name


class SyncPaginated(PaginatedMethod, Generic[_SyncC, _P, _R, _I]):
    """A paginated method of a sync client class: the plain function on the class, a `BoundSyncPaginated` on an
    instance (see the module docstring for the type parameters)."""

    def __init__(self, func: Callable[Concatenate[_SyncC, _P], _R], name: Optional[str] = None) -> None:
        super().__init__(func, name)

    @overload
    def __get__(self, obj: None, objtype: Optional[type] = None) -> Callable[Concatenate[_SyncC, _P], _R]: ...

    @overload
    def __get__(self, obj: _SyncC, objtype: Optional[type] = None) -> BoundSyncPaginated[_P, _R, _I]: ...

    def __get__(
        self, obj: Optional[_SyncC], objtype: Optional[type] = None
    ) -> Union[Callable[Concatenate[_SyncC, _P], _R], BoundSyncPaginated[_P, _R, _I]]:
        if obj is None:
            return self._func
        return BoundSyncPaginated(obj, self._func, self._name)


class AsyncPaginated(PaginatedMethod, Generic[_AsyncC, _P, _R, _I]):
    """A paginated method of an async client class: the plain coroutine function on the class, a
    `BoundAsyncPaginated` on an instance (see the module docstring for the type parameters)."""

    def __init__(
        self, func: Callable[Concatenate[_AsyncC, _P], Coroutine[Any, Any, _R]], name: Optional[str] = None
    ) -> None:
        super().__init__(func, name)

    @overload
    def __get__(
        self, obj: None, objtype: Optional[type] = None
    ) -> Callable[Concatenate[_AsyncC, _P], Coroutine[Any, Any, _R]]: ...

    @overload
    def __get__(self, obj: _AsyncC, objtype: Optional[type] = None) -> BoundAsyncPaginated[_P, _R, _I]: ...

    def __get__(
        self, obj: Optional[_AsyncC], objtype: Optional[type] = None
    ) -> Union[Callable[Concatenate[_AsyncC, _P], Coroutine[Any, Any, _R]], BoundAsyncPaginated[_P, _R, _I]]:
        if obj is None:
            return self._func
        return BoundAsyncPaginated(obj, self._func, self._name)


class sync_paginated(Generic[_I]):
    """Decorator of a generated sync method that takes a continuationToken: ``@sync_paginated[ItemType]()``."""

    __slots__ = ()

    def __call__(self, func: Callable[Concatenate[_SyncC, _P], _R]) -> SyncPaginated[_SyncC, _P, _R, _I]:
        return SyncPaginated(func)


class async_paginated(Generic[_I]):
    """Decorator of a generated async method that takes a continuationToken: ``@async_paginated[ItemType]()``."""

    __slots__ = ()

    def __call__(
        self, func: Callable[Concatenate[_AsyncC, _P], Coroutine[Any, Any, _R]]
    ) -> AsyncPaginated[_AsyncC, _P, _R, _I]:
        return AsyncPaginated(func)

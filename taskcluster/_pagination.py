"""Pagination bookkeeping shared by both clients: the next page's query, and a method with page iterators."""

import functools
from typing import Any, Callable, Dict, List, Mapping, Optional

from .exceptions import TaskclusterFailure

__all__ = ["next_page_query", "page_items", "PaginatedMethod", "BoundPaginatedMethod"]


def next_page_query(query: Optional[Mapping[str, Any]], page: Any) -> Optional[Dict[str, Any]]:
    """The query for the page after `page`, or None when `page` carries no continuationToken."""
    token = page.get("continuationToken") if isinstance(page, dict) else None
    if not token:
        return None
    if query and query.get("continuationToken") == token:
        raise TaskclusterFailure(
            "the service answered continuationToken %r again for the page it designates; stopping instead of "
            "fetching the same page forever" % token
        )
    following = dict(query or {})
    following["continuationToken"] = token
    return following


def page_items(page: Any, key: Optional[str]) -> List[Any]:
    """The items of a page, reversed so that popping them yields them in order and frees each as it goes."""
    items = page.get(key) if isinstance(page, dict) and key else None
    if not isinstance(items, list):
        return []
    return items[::-1]


class BoundPaginatedMethod:
    """A paginated API method bound to a client: call it for one page, or iterate `.pages()` / `.items()`.

    Both iterators fetch lazily and hold one page in memory at a time; on the async client they are
    async iterators (`async for`).
    """

    __slots__ = ("_client", "_func", "_name")

    def __init__(self, client: Any, func: Callable[..., Any], name: str) -> None:
        self._client = client
        self._func = func
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._func(self._client, *args, **kwargs)

    def pages(self, *args: Any, **kwargs: Any) -> Any:
        """Iterate over whole response pages, following continuationToken until the last page."""
        return self._client._pages(self._name, args, kwargs)

    def items(self, *args: Any, **kwargs: Any) -> Any:
        """Iterate over the listed items of every page (e.g. the tasks of listTaskGroup)."""
        return self._client._items(self._name, args, kwargs)

    @property
    def __doc__(self) -> Optional[str]:  # type: ignore[override]
        return self._func.__doc__

    @property
    def __wrapped__(self) -> Callable[..., Any]:
        return self._func

    def __repr__(self) -> str:
        return "<paginated method %s of %r>" % (self._name, self._client)


class PaginatedMethod:
    """Descriptor wrapping a generated paginated method; on the class it is the plain function."""

    def __init__(self, func: Callable[..., Any], name: str) -> None:
        functools.update_wrapper(self, func)
        self._func = func
        self._name = name

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self._func
        return BoundPaginatedMethod(obj, self._func, self._name)

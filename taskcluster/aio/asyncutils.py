"""Historical async helpers: `createSession`, plain HTTP requests with retries (`makeHttpRequest`,
`makeSingleHttpRequest`, `putFile`), and `runAsync` / `ensureCoro` for mixing sync and async code."""

import asyncio
import functools
import inspect
import logging
import os
from typing import Any, Awaitable, Callable, Mapping, Optional

from .. import _log  # noqa: F401  (sets the package logger up)
from .. import exceptions as exceptions  # module attributes of the historical `taskcluster.aio.asyncutils`
from .. import utils as utils
from .._retry import RetryPlan, quadratic_delay
from .._transfer_sync import run_coroutine
from ..utils import MAX_RETRIES

__all__ = ["createSession", "ensureCoro", "makeHttpRequest", "makeSingleHttpRequest", "putFile", "runAsync"]

log: logging.Logger = logging.getLogger(__name__)


def createSession(*args: Any, loop: Any = None, **kwargs: Any) -> Any:
    """A new `aiohttp.ClientSession` (the obsolete `loop=` argument is accepted and ignored)."""
    import aiohttp

    return aiohttp.ClientSession(*args, **kwargs)


#: Seconds allowed for each attempt of `makeHttpRequest` as a whole (the historical value).
ATTEMPT_TIMEOUT = 60.0


async def makeSingleHttpRequest(
    method: str, url: str, payload: Any, headers: Optional[Mapping[str, str]], session: Any = None
) -> Any:
    """One unsigned request with aiohttp (URL sent as given, no invented Content-Type, redirects not followed);
    returns the `aiohttp.ClientResponse` with its body already read. Without `session` a short-lived one is used."""
    import aiohttp
    import yarl

    own = session is None
    if own:
        session = createSession()
    try:
        log.debug("%s %s", method.upper(), url)
        async with session.request(
            method.upper(),
            yarl.URL(url, encoded=True),
            data=payload,
            headers=headers,
            skip_auto_headers=("Content-Type",),
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT),
        ) as response:
            await response.read()
            return response
    finally:
        if own:
            await session.close()


async def makeHttpRequest(
    method: str,
    url: str,
    payload: Any,
    headers: Optional[Mapping[str, str]],
    retries: int = MAX_RETRIES,
    session: Any = None,
) -> Any:
    """`makeSingleHttpRequest`, retried up to `retries` times on transport errors, timeouts and 5xx answers, waiting
    n * n / 10 seconds before retry n (a file payload is rewound each time). Returns the last response, whatever its
    status; a transport error that outlasts the retries is raised as aiohttp raised it."""
    import aiohttp

    plan = RetryPlan(retries, quadratic_delay)
    while True:
        if hasattr(payload, "seek"):
            payload.seek(0)
        try:
            response = await makeSingleHttpRequest(method, url, payload, headers, session)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            await asyncio.sleep(plan.next_delay(exc))
            continue
        delay = plan.after_status(response.status)
        if delay is None:
            return response
        await asyncio.sleep(delay)


async def putFile(filename: str, url: str, contentType: str, session: Any = None) -> Any:
    """PUT the file `filename` to `url` with `makeHttpRequest`; returns the response."""
    with open(filename, "rb") as file:
        length = os.fstat(file.fileno()).st_size
        headers = {"Content-Length": str(length), "Content-Type": contentType}
        return await makeHttpRequest("put", url, file, headers=headers, session=session)


def runAsync(coro: Awaitable[Any]) -> Any:
    """Run a coroutine to completion from sync code and return its result; works in any thread, even one whose own
    event loop is running (the coroutine then runs on a private loop in a helper thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_awaited(coro))
    return run_coroutine(coro)


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def ensureCoro(func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """`func` as a coroutine function: returned as is when it already is one; otherwise each call runs `func` in the
    default executor (and awaits its result if that is awaitable)."""
    if inspect.iscoroutinefunction(func):
        return func

    @functools.wraps(func)
    async def coro(*args: Any, **kwargs: Any) -> Any:
        result = await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args, **kwargs))
        return await result if inspect.isawaitable(result) else result

    return coro

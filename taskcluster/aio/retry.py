"""`retry(maxRetries, tryFn)` for coroutines: as `taskcluster.retry.retry`, with an async `tryFn`."""

import asyncio
from typing import Any, Awaitable, Callable

from .. import utils as utils  # a module attribute of the historical `taskcluster.aio.retry`
from .._retry import Reported, RetryPlan
from ..utils import calculateSleepTime

__all__ = ["retry"]


async def retry(maxRetries: int, tryFn: Callable[[Callable[[BaseException], None]], Awaitable[Any]]) -> Any:
    """Await `tryFn(retryFor)` until it returns without calling `retryFor(exc)`; return what it returned.

    Reported exceptions are retried with the client's backoff up to `maxRetries` times, then raised; an exception
    raised by `tryFn` itself propagates at once.
    """
    plan = RetryPlan(maxRetries, calculateSleepTime)
    while True:
        retryFor = Reported()
        result = await tryFn(retryFor)
        if retryFor.exception is None:
            return result
        await asyncio.sleep(plan.next_delay(retryFor.exception))

"""`retry(maxRetries, tryFn)`: the historical helper that re-runs a function while it reports a retriable error."""

import time
from typing import Any, Callable

from . import utils as utils  # a module attribute of the historical `taskcluster.retry`
from ._retry import Reported, RetryPlan
from .utils import calculateSleepTime

__all__ = ["retry"]


def retry(maxRetries: int, tryFn: Callable[[Callable[[BaseException], None]], Any]) -> Any:
    """Call `tryFn(retryFor)` until it returns without calling `retryFor(exc)`; return what it returned.

    Each call that reports an exception through `retryFor` is retried after the client's backoff
    (`utils.calculateSleepTime`), up to `maxRetries` times; then that exception is raised. An exception raised by
    `tryFn` itself is fatal and propagates at once.
    """
    plan = RetryPlan(maxRetries, calculateSleepTime)
    while True:
        retryFor = Reported()
        result = tryFn(retryFor)
        if retryFor.exception is None:
            return result
        time.sleep(plan.next_delay(retryFor.exception))

"""The retry policy as pure functions: which outcomes retry, and how long to wait before the next try.

Clock and randomness are arguments, so callers (and tests) decide them; nothing here sleeps.
"""

import datetime
import logging
from typing import Any, Callable, Optional

from . import _log  # noqa: F401  (sets the package logger up)

__all__ = [
    "DELAY_FACTOR",
    "RANDOMIZATION_FACTOR",
    "MAX_DELAY",
    "MAX_RETRY_AFTER",
    "Reported",
    "RetryPlan",
    "backoff_delay",
    "is_retryable_status",
    "parse_retry_after",
    "quadratic_delay",
    "retry_delay",
]

log: logging.Logger = logging.getLogger("taskcluster.retry")

DELAY_FACTOR = 0.1
RANDOMIZATION_FACTOR = 0.25
MAX_DELAY = 30
#: The longest a `Retry-After` header can make us wait before the next attempt.
MAX_RETRY_AFTER = 60.0
RETRY_AFTER_STATUSES = frozenset((429, 503))


def backoff_delay(retry: int, rand: float) -> float:
    """Seconds to wait before retry number `retry` (1-based): 0.1 s doubling per retry, +-25 % jitter, capped at 30 s.

    `rand` is a uniform sample in [0, 1).
    """
    delay = DELAY_FACTOR * (2.0 ** min(retry - 1, 32))
    delay *= 1 + RANDOMIZATION_FACTOR * (2 * rand - 1)
    return min(delay, MAX_DELAY)


#: Server errors that say the request can never succeed as sent, so retrying only adds delay.
PERMANENT_SERVER_ERRORS = frozenset((501, 505))


def is_retryable_status(status: int) -> bool:
    """Server errors retry (but not 501/505, which are permanent); 429 retries only when it says when (see
    `retry_delay`); other 4xx never do."""
    return 500 <= status <= 599 and status not in PERMANENT_SERVER_ERRORS


def parse_retry_after(value: Optional[str], now: float) -> Optional[float]:
    """Seconds requested by a `Retry-After` header (delta-seconds or HTTP-date, RFC 7231 7.1.3), or None.

    The result is floored at 0 and capped at MAX_RETRY_AFTER; an unparsable value gives None.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = float(value)
    else:
        import email.utils

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:  # the asctime form carries no zone; HTTP dates are always GMT
            when = when.replace(tzinfo=datetime.timezone.utc)
        seconds = when.timestamp() - now
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def retry_delay(
    status: int, retry_after: Optional[str], retry: int, rand: float, now: float, asked: Optional[float] = None
) -> Optional[float]:
    """Delay before retry number `retry` after an HTTP answer with `status`, or None if it must not retry.

    A 5xx retries with the backoff; a 429 or 503 carrying a usable `Retry-After` (or `asked` seconds, which an API's
    answer body gave) waits what it asks (capped), but never less than the backoff.
    """
    backoff = backoff_delay(retry, rand)
    if status in RETRY_AFTER_STATUSES:
        if asked is not None:
            asked = min(max(asked, 0.0), MAX_RETRY_AFTER)
        else:
            asked = parse_retry_after(retry_after, now)
        if asked is not None:
            return max(asked, backoff)
    if is_retryable_status(status):
        return backoff
    return None


class RetryPlan:
    """Counts the retries of the historical helpers (`retry`, `makeHttpRequest`): after each failed attempt
    `next_delay` gives the seconds to wait, or raises the failure once `max_retries` retries are spent."""

    __slots__ = ("max_retries", "retries", "delay")

    def __init__(self, max_retries: int, delay: Callable[[int], float]) -> None:
        self.max_retries = max_retries
        self.retries = 0
        self.delay = delay

    @property
    def exhausted(self) -> bool:
        return self.retries >= self.max_retries

    def next_delay(self, failure: Any) -> float:
        """The wait before the next attempt after `failure` (an exception, or text describing it); an exception
        is re-raised once the retries are spent."""
        if self.exhausted and isinstance(failure, BaseException):
            raise failure
        self.retries += 1
        log.warning("Retrying because of: %s", failure)
        return self.delay(self.retries)

    def after_status(self, status: int) -> Optional[float]:
        """The wait before retrying an answer with `status` (a 5xx, while retries remain), or None to return it."""
        if 500 <= status < 600 and not self.exhausted:
            return self.next_delay("%d status" % status)
        return None


class Reported:
    """The `retryFor` callback handed to a `retry` try function: it keeps the exception reported, if any."""

    __slots__ = ("exception",)

    def __init__(self) -> None:
        self.exception: Optional[BaseException] = None

    def __call__(self, exception: BaseException) -> None:
        self.exception = exception


def quadratic_delay(retry: int) -> float:
    """The older schedule of `makeHttpRequest` and `putFile`: retry n waits n * n / 10 seconds."""
    return retry * retry / 10.0

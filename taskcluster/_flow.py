"""The call flow shared by the sync and async clients: a generator that yields what to do next.

The driver sends each `Send` action over its transport and answers with an `Answer` or a transport
exception, sleeps on each `Sleep`, and receives the call's result as the generator's return value. Signing
happens per attempt, so each retry carries a fresh nonce and timestamp.
"""

import logging
import math
import pickle
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Generator, Optional, Tuple, Union

from . import _log  # noqa: F401  (sets the package logger up)
from ._hawk import new_nonce
from ._responses import Answer, ResponseRules, error_of, result_of
from ._retry import backoff_delay, retry_delay
from .exceptions import TaskclusterConnectionError, TaskclusterFailure

if TYPE_CHECKING:
    from ._auth import Authorizer

__all__ = ["Request", "Send", "Sleep", "call_flow", "describe_transport_error", "scrub_transport_error"]

log: logging.Logger = logging.getLogger("taskcluster.client")


class Request:
    """One API request, ready to send except for its Authorization header."""

    __slots__ = ("qualname", "method", "url", "resource", "host", "port", "body", "headers", "content_hash", "rules")

    def __init__(
        self,
        qualname: str,
        method: str,
        url: str,
        resource: str,
        host: str,
        port: int,
        body: Optional[bytes],
        headers: Dict[str, str],
        content_hash: str,
        rules: Optional[ResponseRules] = None,
    ) -> None:
        self.qualname = qualname
        self.method = method
        self.url = url
        self.resource = resource
        self.host = host
        self.port = port
        self.body = body
        self.headers = headers
        self.content_hash = content_hash
        #: the API family's envelope and rate-limit rules (None: plain JSON answers, `Retry-After` only)
        self.rules = rules

    def __repr__(self) -> str:
        return "Request(%s %s)" % (self.method, self.url)


class Send:
    """Action: send `method url` with `headers` and `body`, and have the answer (its body read, at most
    `max_size` bytes decoded) by `deadline` (a `time.monotonic()` value)."""

    __slots__ = ("method", "url", "headers", "body", "deadline", "max_size")

    def __init__(
        self,
        method: str,
        url: str,
        headers: Dict[str, str],
        body: Optional[bytes],
        deadline: float = math.inf,
        max_size: int = 1 << 62,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.deadline = deadline
        self.max_size = max_size


class Sleep:
    """Action: wait `seconds` before the next attempt."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


#: What a driver answers a Send with: the answer, the transport's exception, or a TaskclusterFailure the driver
#: raised itself (e.g. an answer over maxResponseSize), which ends the call unretried.
Outcome = Union[Answer, BaseException]


def call_flow(
    request: Request,
    signer: Optional["Authorizer"],
    max_retries: int,
    rand: Callable[[], float],
    clock: Callable[[], float] = time.time,
    nonce: Callable[[], str] = new_nonce,
    total_timeout: float = math.inf,
    max_size: int = 1 << 62,
    monotonic: Callable[[], float] = time.monotonic,
) -> Generator[Union[Send, Sleep], Optional[Outcome], Any]:
    """Drive one call: send, classify the outcome, back off and retry, and return the result or raise.

    The call as a whole, its retries and their waits included, ends by `total_timeout` seconds from now: each Send
    carries that deadline, and a wait that would end after it is not started.
    """
    attempt = 0
    debug = log.isEnabledFor(logging.DEBUG)
    deadline = monotonic() + total_timeout
    while True:
        attempt += 1
        headers = request.headers
        if signer is not None:
            headers = dict(headers)
            signer.apply(headers, request, clock, nonce)
        if debug:
            log.debug("%s: %s %s (attempt %d)", request.qualname, request.method, request.url, attempt)
        outcome = yield Send(request.method, request.url, headers, request.body, deadline, max_size)
        if outcome is None:
            raise TypeError("%s: the driver answered a Send action with None" % request.qualname)
        if isinstance(outcome, Answer):
            status = outcome.status
            if debug:
                log.debug("%s: HTTP %d, %d bytes", request.qualname, status, len(outcome.body))
            rules = request.rules
            if status < 400:
                if rules is not None:
                    return rules.result(result_of(outcome, request.qualname), outcome, request.qualname)
                return result_of(outcome, request.qualname)
            delay = None
            if attempt <= max_retries:
                asked = rules.retry_after(outcome) if rules is not None else None
                delay = retry_delay(status, outcome.headers.get("Retry-After"), attempt, rand(), clock(), asked)
            if delay is None:
                raise error_of(request.qualname, outcome)
            if monotonic() + delay >= deadline:
                error = error_of(request.qualname, outcome)
                error.args = (
                    "%s (not retried: the call's totalTimeout, %s s, would pass first)"
                    % (error.args[0], _seconds(total_timeout)),
                ) + error.args[1:]
                raise error
            log.warning(
                "%s: HTTP %d, retrying in %.2f s (attempt %d of %d)",
                request.qualname,
                status,
                delay,
                attempt + 1,
                max_retries + 1,
            )
        elif isinstance(outcome, TaskclusterFailure):
            raise outcome
        else:
            now = monotonic()
            if now >= deadline:
                raise TaskclusterConnectionError(
                    "%s: no complete answer from %s within totalTimeout, %s s for the call and its retries "
                    "(%d attempt(s)); last error: %s"
                    % (
                        request.qualname,
                        request.host,
                        _seconds(total_timeout),
                        attempt,
                        describe_transport_error(outcome),
                    ),
                    superExc=outcome,
                )
            if attempt > max_retries:
                raise TaskclusterConnectionError(
                    "%s: no answer from %s after %d attempt(s): %s"
                    % (request.qualname, request.host, attempt, describe_transport_error(outcome)),
                    superExc=outcome,
                )
            delay = backoff_delay(attempt, rand())
            if now + delay >= deadline:
                raise TaskclusterConnectionError(
                    "%s: no answer from %s after %d attempt(s), and the next one would start after the call's "
                    "totalTimeout, %s s; last error: %s"
                    % (
                        request.qualname,
                        request.host,
                        attempt,
                        _seconds(total_timeout),
                        describe_transport_error(outcome),
                    ),
                    superExc=outcome,
                )
            log.warning(
                "%s: %s, retrying in %.2f s (attempt %d of %d)",
                request.qualname,
                describe_transport_error(outcome),
                delay,
                attempt + 1,
                max_retries + 1,
            )
        yield Sleep(delay)


def _seconds(value: float) -> str:
    return "%g" % value


def scrub_transport_error(exc: BaseException) -> BaseException:
    """Make a transport exception safe to keep: drop what it holds of the request (its headers carry the
    Authorization value) and of the response, so that neither its repr nor a pickle of the
    TaskclusterConnectionError wrapping it holds a secret, while its `str()` keeps working and it still pickles."""
    request_info = getattr(exc, "request_info", None)
    if request_info is not None:  # aiohttp's ClientResponseError: keep the URL and method, not the headers
        try:
            exc.request_info = _bare_request_info(request_info)  # type: ignore[attr-defined]
            exc.history = ()  # type: ignore[attr-defined]
            headers = getattr(exc, "headers", None)
            if headers is not None:
                exc.headers = _plain_headers(headers)  # type: ignore[attr-defined]
            exc.args = (exc.request_info, ())  # type: ignore[attr-defined]
        except Exception:  # an unexpected shape: forget all of it
            _clear(exc, ("request_info", "history", "headers"))
            exc.args = tuple(arg for arg in exc.args if isinstance(arg, (str, int, float)))
    _clear(exc, ("request", "response"))
    return _picklable(exc)


def _picklable(exc: BaseException) -> BaseException:
    """`exc` if it survives a pickle round trip (TaskclusterConnectionError pickles it as its superExc); else `exc`
    with its arguments reduced to text (a wrapped urllib3 error may hold the response and its lock); else a plain
    ConnectionError with its description."""
    if _round_trips(exc):
        return exc
    try:
        exc.args = tuple(
            arg if isinstance(arg, (str, bytes, int, float, type(None))) else _text(arg) for arg in exc.args
        )
    except Exception:
        pass
    if _round_trips(exc):
        return exc
    return ConnectionError(describe_transport_error(exc))


def _round_trips(exc: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True


def _text(value: Any) -> str:
    try:
        return repr(value) if not isinstance(value, BaseException) else describe_transport_error(value)
    except Exception:
        return type(value).__name__


def _clear(exc: BaseException, attributes: Tuple[str, ...]) -> None:
    for attribute in attributes:
        if getattr(exc, attribute, None) is not None:
            try:
                setattr(exc, attribute, None)
            except AttributeError:
                pass


def _bare_request_info(request_info: Any) -> Any:
    """aiohttp's RequestInfo without its headers (and picklable: an empty CIMultiDict, not a proxy), and without the
    query of its URLs (a signed URL carries its signature there)."""
    from multidict import CIMultiDict

    def bare(url: Any) -> Any:
        return url.with_query(None).with_fragment(None)

    return type(request_info)(bare(request_info.url), request_info.method, CIMultiDict(), bare(request_info.real_url))


def _plain_headers(headers: Any) -> Any:
    from multidict import CIMultiDict

    return CIMultiDict(headers)


def describe_transport_error(exc: BaseException) -> str:
    """A short description of a transport failure (its type, and its text when that is informative); never raises,
    whatever state the exception is in."""
    name = type(exc).__name__
    try:
        message = getattr(exc, "message", None)
        if hasattr(exc, "request_info") and hasattr(exc, "history"):
            # aiohttp's ClientResponseError from a malformed answer: its str() is "400, message=..." for a
            # status the server never sent; the message is what went wrong
            text = "invalid HTTP answer: %s" % (message or getattr(exc, "status", ""))
        else:
            text = str(exc)
    except Exception:
        text = ""
    text = " ".join(text.split())
    return "%s: %s" % (name, text[:300]) if text else name

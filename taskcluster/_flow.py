"""The call flow shared by the sync and async clients: a generator that yields what to do next.

The driver sends each `Send` action over its transport and answers with an `Answer` or a transport
exception, sleeps on each `Sleep`, and receives the call's result as the generator's return value. Signing
happens per attempt, so each retry carries a fresh nonce and timestamp.
"""

import logging
import time
from typing import Any, Callable, Dict, Generator, Optional, Union

from ._hawk import Signer, new_nonce
from ._responses import Answer, error_of, result_of
from ._retry import backoff_delay, retry_delay
from .exceptions import TaskclusterConnectionError

__all__ = ["Request", "Send", "Sleep", "call_flow", "describe_transport_error", "scrub_transport_error"]

log: logging.Logger = logging.getLogger("taskcluster.client")


class Request:
    """One API request, ready to send except for its Authorization header."""

    __slots__ = ("qualname", "method", "url", "resource", "host", "port", "body", "headers", "content_hash")

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

    def __repr__(self) -> str:
        return "Request(%s %s)" % (self.method, self.url)


class Send:
    """Action: send `method url` with `headers` and `body`."""

    __slots__ = ("method", "url", "headers", "body")

    def __init__(self, method: str, url: str, headers: Dict[str, str], body: Optional[bytes]) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body


class Sleep:
    """Action: wait `seconds` before the next attempt."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Outcome = Union[Answer, BaseException]


def call_flow(
    request: Request,
    signer: Optional[Signer],
    max_retries: int,
    rand: Callable[[], float],
    clock: Callable[[], float] = time.time,
    nonce: Callable[[], str] = new_nonce,
) -> Generator[Union[Send, Sleep], Optional[Outcome], Any]:
    """Drive one call: send, classify the outcome, back off and retry, and return the result or raise."""
    attempt = 0
    debug = log.isEnabledFor(logging.DEBUG)
    while True:
        attempt += 1
        headers = request.headers
        if signer is not None:
            headers = dict(headers)
            headers["Authorization"] = signer.header(
                request.method,
                request.resource,
                request.host,
                request.port,
                request.content_hash,
                int(clock()),
                nonce(),
            )
        if debug:
            log.debug("%s: %s %s (attempt %d)", request.qualname, request.method, request.url, attempt)
        outcome = yield Send(request.method, request.url, headers, request.body)
        if outcome is None:
            raise TypeError("%s: the driver answered a Send action with None" % request.qualname)
        if isinstance(outcome, Answer):
            status = outcome.status
            if debug:
                log.debug("%s: HTTP %d, %d bytes", request.qualname, status, len(outcome.body))
            if status < 400:
                return result_of(outcome)
            delay = None
            if attempt <= max_retries:
                delay = retry_delay(status, outcome.headers.get("Retry-After"), attempt, rand(), clock())
            if delay is None:
                raise error_of(request.qualname, outcome)
            log.warning(
                "%s: HTTP %d, retrying in %.2f s (attempt %d of %d)",
                request.qualname,
                status,
                delay,
                attempt + 1,
                max_retries + 1,
            )
        else:
            if attempt > max_retries:
                raise TaskclusterConnectionError(
                    "%s: no answer from %s after %d attempt(s): %s"
                    % (request.qualname, request.host, attempt, describe_transport_error(outcome)),
                    superExc=outcome,
                )
            delay = backoff_delay(attempt, rand())
            log.warning(
                "%s: %s, retrying in %.2f s (attempt %d of %d)",
                request.qualname,
                describe_transport_error(outcome),
                delay,
                attempt + 1,
                max_retries + 1,
            )
        yield Sleep(delay)


def scrub_transport_error(exc: BaseException) -> BaseException:
    """Drop what a transport exception keeps of the request (its headers carry the Authorization value), so
    neither its repr nor a pickle of the TaskclusterConnectionError wrapping it holds a secret."""
    for attribute in ("request", "response", "request_info"):
        if getattr(exc, attribute, None) is not None:
            try:
                setattr(exc, attribute, None)
            except AttributeError:
                pass
    return exc


def describe_transport_error(exc: BaseException) -> str:
    """A short description of a transport failure (its type, and its text when that is informative)."""
    text = str(exc)
    return "%s: %s" % (type(exc).__name__, text[:300]) if text else type(exc).__name__

"""The call flow stepped by hand, without sockets: each test plays the driver, answering every `Send` with an
outcome of its choosing and every `Sleep` with None, and watches what the flow asks for next. Clock, nonce,
randomness and the monotonic clock are parameters, so every step is deterministic. Each Authorization header is
checked with mohawk's Receiver, an implementation other than ours."""

import itertools
from email.utils import formatdate
from typing import Any, List

import mohawk
import pytest

from taskcluster._flow import Request, Send, Sleep, call_flow
from taskcluster._hawk import EMPTY_PAYLOAD_HASH, Signer
from taskcluster._responses import Answer
from taskcluster.exceptions import TaskclusterConnectionError, TaskclusterRestFailure

CLIENT_ID, ACCESS_TOKEN = "tester", "secret-token-of-the-tester"
NOW = 1_800_000_000.0
REQUEST = Request(
    "Queue.status", "GET", "https://tc.example.com/api/queue/v1/task/T/status", "/api/queue/v1/task/T/status",
    "tc.example.com", 443, None, {}, EMPTY_PAYLOAD_HASH,
)  # fmt: skip


def flow(max_retries=3, total_timeout=float("inf"), monotonic=None, **kwargs: Any):
    nonces = ("nonce%d" % n for n in itertools.count())
    return call_flow(
        REQUEST,
        Signer(CLIENT_ID, ACCESS_TOKEN),
        max_retries,
        rand=lambda: 0.5,  # no jitter: the nominal backoff
        clock=lambda: NOW,
        nonce=lambda: next(nonces),
        total_timeout=total_timeout,
        monotonic=monotonic or (lambda: 0.0),
        **kwargs,
    )


def answer(status: int, body: bytes = b"", **headers: str) -> Answer:
    return Answer(status, headers, body, None)


def verified_nonce(send: Send) -> str:
    """The nonce of a Send's Authorization header, after mohawk accepted the header."""
    credentials = {CLIENT_ID: {"id": CLIENT_ID, "key": ACCESS_TOKEN, "algorithm": "sha256"}}
    receiver = mohawk.Receiver(
        credentials.__getitem__,
        send.headers["Authorization"],
        send.url,
        send.method,
        content=b"",
        content_type="",
        timestamp_skew_in_seconds=10**10,  # our fixed clock is not mohawk's
    )
    return receiver.parsed_header["nonce"]


def test_a_503_with_retry_after_then_a_sleep_then_a_fresh_nonce_then_the_result():
    steps = flow()
    first = next(steps)
    assert isinstance(first, Send) and (first.method, first.url) == ("GET", REQUEST.url)
    wait = steps.send(answer(503, b'{"code": "Busy"}', **{"Retry-After": "7"}))
    assert isinstance(wait, Sleep) and wait.seconds == 7.0  # what the server asked, more than the 0.1 s backoff
    second = steps.send(None)
    assert isinstance(second, Send)
    assert verified_nonce(first) != verified_nonce(second)
    with pytest.raises(StopIteration) as done:
        steps.send(answer(200, b'{"status": {"state": "completed"}}'))
    assert done.value.value == {"status": {"state": "completed"}}


def test_retry_after_as_an_http_date_and_capped():
    steps = flow()
    next(steps)
    later = formatdate(NOW + 20, usegmt=True)
    assert steps.send(answer(429, **{"Retry-After": later})).seconds == 20.0
    steps.send(None)
    assert steps.send(answer(503, **{"Retry-After": "86400"})).seconds == 60.0  # at most MAX_RETRY_AFTER


def test_transport_errors_back_off_until_a_connection_error():
    steps = flow(max_retries=3)
    sends: List[Send] = [next(steps)]
    waits = []
    for _ in range(3):
        waits.append(steps.send(ConnectionResetError("reset by peer")))
        sends.append(steps.send(None))
    assert [w.seconds for w in waits] == [0.1, 0.2, 0.4]
    assert len({verified_nonce(s) for s in sends}) == 4  # a fresh signature per attempt
    with pytest.raises(TaskclusterConnectionError) as failure:
        steps.send(ConnectionResetError("reset by peer"))
    assert "after 4 attempt(s)" in str(failure.value) and "Queue.status" in str(failure.value)
    assert ACCESS_TOKEN not in str(failure.value)


def test_client_errors_end_the_flow_at_once():
    steps = flow()
    next(steps)
    with pytest.raises(TaskclusterRestFailure) as failure:
        steps.send(answer(404, b'{"code": "ResourceNotFound", "message": "no task T"}'))
    assert failure.value.status_code == 404 and "ResourceNotFound: no task T" in str(failure.value)


def test_server_errors_outlasting_the_retries_raise_the_last_answer():
    steps = flow(max_retries=1)
    next(steps)
    assert isinstance(steps.send(answer(500)), Sleep)
    steps.send(None)
    with pytest.raises(TaskclusterRestFailure) as failure:
        steps.send(answer(502))
    assert failure.value.status_code == 502


def test_the_deadline_stops_a_wait_that_would_end_after_it():
    elapsed = [0.0]
    steps = flow(total_timeout=5.0, monotonic=lambda: elapsed[0])
    send = next(steps)
    assert send.deadline == 5.0  # the driver bounds the attempt by the same deadline
    elapsed[0] = 4.95
    with pytest.raises(TaskclusterConnectionError) as failure:
        steps.send(TimeoutError("read timed out"))
    assert "totalTimeout" in str(failure.value)

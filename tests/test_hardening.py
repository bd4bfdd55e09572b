"""Runtime hardening: what both clients do when a server misbehaves (malformed answers, drips, compression bombs,
cyclic pagination), with options that are out of range or misspelt, and with payloads nested too deeply.

Faults HTTP libraries will not produce come from `raw_server.RawServer` (raw bytes on a socket); the rest from the
Hawk-checking `ScriptedServer`. Cases that apply to both clients run through the `driver` fixture; memory bounds are
measured in a subprocess (peak RSS).
"""

import asyncio
import json
import logging
import math
import os
import pickle
import subprocess
import sys
import threading
import time
import warnings
from typing import Any, Dict, Iterator

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from raw_server import (
    Drip,
    RawServer,
    gzip_of_zeros,
    http_response,
    json_response,
    response_head,
    zeros,
)

import taskcluster
import taskcluster.aio
from scripted_server import ACCESS_TOKEN, CLIENT_ID, STALL, Reply, ScriptedServer
from taskcluster._options import (
    MAX_CONNECTIONS,
    MAX_EXPIRATION,
    MAX_RESPONSE_SIZE,
    MAX_RETRIES,
    MAX_TIMEOUT,
    MAX_TOTAL_TIMEOUT,
    parse_options,
)
from taskcluster.exceptions import (
    TaskclusterConnectionError,
    TaskclusterFailure,
    TaskclusterOptionWarning,
    TaskclusterRestFailure,
)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(taskcluster.__file__)))


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()


def raw_options(server: RawServer, **more: Any) -> Dict[str, Any]:
    options = {
        "rootUrl": server.root_url,
        "credentials": {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN},
        "maxRetries": 1,
        "timeout": 2.0,
    }
    options.update(more)
    return options


def authorization_headers(server: RawServer) -> list:
    values = []
    for head in server.requests:
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("authorization:"):
                values.append(line.split(":", 1)[1].strip())
    return values


def assert_holds_no_secret(error: BaseException, secrets: list) -> None:
    texts = [str(error), repr(error), repr(error.args), repr(getattr(error, "superExc", None))]
    data = pickle.dumps(error)
    again = pickle.loads(data)
    assert type(again) is type(error) and str(again) == str(error)
    for secret in [ACCESS_TOKEN] + secrets:
        assert all(secret not in text for text in texts), secret
        assert secret.encode() not in data, secret
    assert b"Hawk id" not in data and b"mac=" not in data


# ---- malformed answers: a TaskclusterConnectionError, retried, with a clear message -------------------------------

BIG_HEADER = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\nContent-Length: 2\r\n\r\n{}"
MALFORMED = [
    ("garbage status line", [b"GARBAGE\r\n\r\n"]),
    ("binary status line", [b"\x00\x01\x02\xff\r\n\r\n"]),
    ("no status line (HTTP/0.9 style)", [b'{"ok": true}']),
    ("status that is not a number", [b"HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\n{}"]),
    ("200 KB header line", [BIG_HEADER]),
    ("body shorter than its Content-Length", [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}"]),
    ("bad chunk size", [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"]),
    ("gzip that is not gzip", [b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello"]),
    ("closed before answering", []),
]


@pytest.mark.parametrize("label,entry", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_answers_are_retried_connection_errors(driver, raw, label, entry):
    raw.add(*[entry] * 6)
    with pytest.raises(TaskclusterConnectionError) as info:
        driver.call("Queue", raw_options(raw), "ping")
    message = str(info.value)
    assert message.startswith("Queue.ping: no answer from 127.0.0.1 after 2 attempt(s): "), message
    assert len(message) < 500 and "\n" not in message
    if entry:
        assert len(raw.requests) == 2  # maxRetries=1: retried once
    else:  # aiohttp itself resends once on a connection closed before any answer
        assert 2 <= len(raw.requests) <= 4
    assert info.value.superExc is not None
    assert_holds_no_secret(info.value, authorization_headers(raw))


def test_a_malformed_answer_then_a_good_one_succeeds(driver, raw):
    raw.add([b"GARBAGE\r\n\r\n"], json_response({"alive": True}))
    assert driver.call("Queue", raw_options(raw), "ping") == {"alive": True}


@settings(max_examples=20, deadline=None)
@given(answer=st.binary(min_size=1, max_size=300), kind=st.sampled_from(["sync", "async"]))
def test_any_garbage_ends_in_a_taskcluster_failure_or_a_result(answer, kind):
    with RawServer() as server:
        server.add([answer])
        options = raw_options(server, maxRetries=0, totalTimeout=5)
        try:
            if kind == "sync":
                with taskcluster.Queue(options) as queue:
                    queue.ping()
            else:

                async def call() -> None:
                    async with taskcluster.aio.Queue(options) as queue:
                        await queue.ping()

                asyncio.run(call())
        except TaskclusterFailure as error:
            assert str(error).startswith("Queue.ping: ")


# ---- the deadline of a call (totalTimeout) ----------------------------------------------------------------------

SLOW_BODY = b'{"data": "' + b"x" * 100 + b'"}'
DRIPS = [
    ("body", [response_head(200, {"Content-Length": str(len(SLOW_BODY))}), Drip(SLOW_BODY, 0.15)]),
    ("chunked body", [response_head(200, {"Transfer-Encoding": "chunked"}), Drip(b"1\r\nx\r\n" * 100, 0.03)]),
    ("head", [Drip(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 100 + b"\r\nContent-Length: 2\r\n\r\n{}", 0.15)]),
]


@pytest.mark.parametrize("label,entry", DRIPS, ids=[case[0] for case in DRIPS])
def test_a_dripping_server_is_stopped_at_the_deadline(driver, raw, label, entry):
    raw.add(entry, entry, entry)
    start = time.monotonic()
    with pytest.raises(TaskclusterConnectionError) as info:
        driver.call("Queue", raw_options(raw, timeout=0.5, totalTimeout=1, maxRetries=3), "ping")
    elapsed = time.monotonic() - start
    assert 0.9 < elapsed < 2.0, elapsed  # a byte every 0.15 s never trips the 0.5 s read timeout
    assert "Queue.ping" in str(info.value) and "totalTimeout, 1 s" in str(info.value)
    assert_holds_no_secret(info.value, authorization_headers(raw))


def test_the_deadline_also_holds_with_a_session_the_caller_gives(raw):
    raw.add(DRIPS[0][1])
    session = requests.Session()
    queue = taskcluster.Queue(raw_options(raw, timeout=0.5, totalTimeout=1, maxRetries=0), session=session)
    start = time.monotonic()
    with pytest.raises(TaskclusterConnectionError) as info:
        queue.ping()
    assert time.monotonic() - start < 2.0
    assert "totalTimeout" in str(info.value)
    session.close()


def test_retries_and_their_waits_count_against_the_deadline(driver, server, options):
    server.add(*[Reply(500, json_body={"code": "InternalServerError", "message": "down"})] * 30)
    start = time.monotonic()
    with pytest.raises(TaskclusterRestFailure) as info:
        driver.call("Queue", dict(options, maxRetries=30, totalTimeout=0.5), "ping")
    assert time.monotonic() - start < 0.6
    assert info.value.status_code == 500
    assert "Queue.ping: HTTP 500" in str(info.value) and "totalTimeout, 0.5 s" in str(info.value)
    assert 2 <= len(server.requests) < 8


def test_connection_errors_stop_at_the_deadline(driver, options):
    start = time.monotonic()
    with pytest.raises(TaskclusterConnectionError) as info:
        driver.call("Queue", dict(options, rootUrl="http://127.0.0.1:9", maxRetries=50, totalTimeout=0.5), "ping")
    assert time.monotonic() - start < 0.6
    assert "Queue.ping" in str(info.value) and "totalTimeout, 0.5 s" in str(info.value)


def test_a_stalled_server_is_stopped_by_the_deadline_before_the_read_timeout(driver, server, options):
    server.add(STALL)
    start = time.monotonic()
    with pytest.raises(TaskclusterConnectionError) as info:
        driver.call("Queue", dict(options, timeout=30, totalTimeout=0.5, maxRetries=0), "ping")
    assert time.monotonic() - start < 1.5
    assert "totalTimeout" in str(info.value)


def test_default_total_timeout_grows_with_retries_and_timeouts():
    assert parse_options({"rootUrl": "https://tc.example.com"}).total_timeout == 300
    many = parse_options({"rootUrl": "https://tc.example.com", "maxRetries": 20})
    assert many.total_timeout > 21 * 40  # every attempt may wait out its connect and read timeouts
    given = parse_options({"rootUrl": "https://tc.example.com", "maxRetries": 20, "totalTimeout": 12.5})
    assert given.total_timeout == 12.5


# ---- the size of an answer (maxResponseSize) ---------------------------------------------------------------------


def gzip_answer(size: int) -> list:
    body = gzip_of_zeros(size)
    return http_response(200, body, {"Content-Encoding": "gzip", "Content-Type": "application/json"})


@pytest.mark.parametrize(
    "label,entry",
    [
        ("compressed", gzip_answer(5000)),
        (
            "chunked",
            [response_head(200, {"Transfer-Encoding": "chunked"}), b"1388\r\n" + b"0" * 5000 + b"\r\n0\r\n\r\n"],
        ),
        ("announced", http_response(200, b"0" * 5000, {"Content-Type": "application/json"})),
    ],
)
def test_an_answer_over_max_response_size_is_a_failure_not_retried(driver, raw, label, entry):
    raw.add(entry, entry)
    with pytest.raises(TaskclusterFailure) as info:
        driver.call("Queue", raw_options(raw, maxResponseSize=4096), "ping")
    assert type(info.value) is TaskclusterFailure
    assert "Queue.ping" in str(info.value) and "maxResponseSize, 4096 bytes" in str(info.value)
    assert len(raw.requests) == 1


def test_answers_up_to_max_response_size_are_read_whole(driver, raw):
    value = {"data": "x" * 4000}
    text = json.dumps(value).encode()
    gzipped = __import__("gzip").compress(text)
    raw.add(
        http_response(200, gzipped, {"Content-Encoding": "gzip", "Content-Type": "application/json"}),
        [response_head(200, {"Transfer-Encoding": "chunked"}), b"%x\r\n%s\r\n0\r\n\r\n" % (len(text), text)],
        http_response(200, b"x" * len(text), {"Content-Type": "text/plain"}),
    )
    options = raw_options(raw, maxResponseSize=len(text))
    assert driver.call("Queue", options, "ping") == value
    assert driver.call("Queue", options, "ping") == value
    raw_response = driver.call("Queue", options, "ping")["response"]
    if driver.kind == "sync":
        assert raw_response.content == b"x" * len(text) and raw_response.status_code == 200
    else:
        assert asyncio.run(raw_response.text()) == "x" * len(text) and raw_response.status == 200


MEMORY_CHILD = r"""
import asyncio, json, resource, sys, time
import taskcluster, taskcluster.aio
kind, root = sys.argv[1], sys.argv[2]
options = {"rootUrl": root, "maxRetries": 0}
start = time.monotonic()
try:
    if kind == "sync":
        taskcluster.Queue(options).ping()
    else:
        async def call():
            async with taskcluster.aio.Queue(options) as queue:
                return await queue.ping()
        asyncio.run(call())
    outcome = "returned"
except taskcluster.TaskclusterFailure as error:
    outcome = str(error)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
print(json.dumps({"peak_mb": peak, "outcome": outcome, "seconds": time.monotonic() - start}))
"""


@pytest.fixture(scope="module")
def gigabyte_bomb() -> bytes:
    """A gzip answer of about 1 MB inflating to 1 GiB of zeros (16 gzip members of 64 MiB each)."""
    return gzip_of_zeros(64 << 20) * 16


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in kilobytes is Linux's unit")
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("case", ["1 GiB gzip bomb", "200 MB announced", "200 MB chunked"])
def test_huge_answers_do_not_exhaust_memory(kind, case, gigabyte_bomb):
    with RawServer() as server:
        if case == "1 GiB gzip bomb":
            assert len(gigabyte_bomb) < 2 << 20
            server.add(http_response(200, gigabyte_bomb, {"Content-Encoding": "gzip"}))
        elif case == "200 MB announced":
            server.add([response_head(200, {"Content-Length": str(200 << 20)}), zeros(200 << 20)])
        else:
            chunks = (b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in zeros(200 << 20))
            server.add([response_head(200, {"Transfer-Encoding": "chunked"}), chunks, b"0\r\n\r\n"])
        env = dict(os.environ, PYTHONPATH=REPO)
        done = subprocess.run(
            [sys.executable, "-c", MEMORY_CHILD, kind, server.root_url],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "Queue.ping" in result["outcome"] and "maxResponseSize" in result["outcome"], result
    assert result["peak_mb"] < 300, result  # unbounded, this took 3 GB (bomb) or 600 MB (200 MB answer)
    assert result["seconds"] < 20, result


# ---- pagination cycles ---------------------------------------------------------------------------------------------


def cycle_pages(server: ScriptedServer) -> None:
    tokens = ["t1", "t2", "t1", "t2", "t1"]
    server.add(*[Reply(200, json_body={"tasks": [{"n": i}], "continuationToken": t}) for i, t in enumerate(tokens)])


def test_pagination_that_cycles_between_tokens_stops(driver, server, options):
    cycle_pages(server)
    with pytest.raises(TaskclusterFailure) as info:
        driver.collect("Queue", options, "listTaskGroup", "pages", "G")
    assert "Queue.listTaskGroup" in str(info.value) and "'t1'" in str(info.value) and "already gave" in str(info.value)
    assert len(server.requests) == 3  # first page, t1, t2 (which answers t1 again)


def test_pagination_handler_and_items_stop_on_a_cycle_too(driver, server, options):
    cycle_pages(server)
    with pytest.raises(TaskclusterFailure, match="already gave"):
        driver.call("Queue", options, "listTaskGroup", "G", paginationHandler=lambda page: None)
    server.requests.clear()
    server.script.clear()
    cycle_pages(server)
    with pytest.raises(TaskclusterFailure, match="already gave"):
        driver.collect("Queue", options, "listTaskGroup", "items", "G")


def test_a_listing_that_returns_to_its_starting_token_stops(driver, server, options):
    server.add(
        Reply(200, json_body={"tasks": [], "continuationToken": "b"}),
        Reply(200, json_body={"tasks": [], "continuationToken": "start"}),
    )
    with pytest.raises(TaskclusterFailure, match="already gave"):
        driver.collect("Queue", options, "listTaskGroup", "pages", "G", query={"continuationToken": "start"})


# ---- option validation ---------------------------------------------------------------------------------------------

SECONDS = {
    "timeout": MAX_TIMEOUT,
    "connectTimeout": MAX_TIMEOUT,
    "totalTimeout": MAX_TOTAL_TIMEOUT,
    "signedUrlExpiration": MAX_EXPIRATION,
}
COUNTS = {
    "maxRetries": (0, MAX_RETRIES),
    "maxResponseSize": (1, MAX_RESPONSE_SIZE),
    "maxConnections": (1, MAX_CONNECTIONS),
}
ROOT = "https://tc.example.com"


@settings(max_examples=200)
@given(data=st.data(), name=st.sampled_from(sorted(SECONDS)))
def test_any_finite_number_of_seconds_in_range_is_accepted(data, name):
    high = SECONDS[name]
    value = data.draw(
        st.one_of(
            st.floats(min_value=0, max_value=high, exclude_min=True),
            st.integers(min_value=1, max_value=int(high)),
        )
    )
    parsed = parse_options({"rootUrl": ROOT, name: value})
    got = {
        "timeout": parsed.timeout[1],
        "connectTimeout": parsed.timeout[0],
        "totalTimeout": parsed.total_timeout,
        "signedUrlExpiration": parsed.signed_url_expiration,
    }[name]
    assert got == float(value)


@settings(max_examples=200)
@given(data=st.data(), name=st.sampled_from(sorted(SECONDS)))
def test_non_finite_or_out_of_range_seconds_are_refused_naming_the_option(data, name):
    high = SECONDS[name]
    value = data.draw(
        st.one_of(
            st.sampled_from([math.nan, math.inf, -math.inf, 0, 0.0, -0.0, 1e20, 10**400]),
            st.floats(max_value=0),
            st.floats(min_value=high, exclude_min=True),
            st.integers(max_value=0),
            st.integers(min_value=int(high) + 1),
            st.sampled_from(["30", b"30", True, False, [1], {"s": 1}]),
        )
    )
    with pytest.raises(TaskclusterFailure) as info:
        parse_options({"rootUrl": ROOT, name: value})
    message = str(info.value)
    assert message.startswith("option %s must be a finite number of seconds" % name), message
    assert "got " in message and len(message) < 200


@settings(max_examples=200)
@given(data=st.data(), name=st.sampled_from(sorted(COUNTS)))
def test_counts_in_range_are_accepted_and_others_refused(data, name):
    low, high = COUNTS[name]
    good = data.draw(st.integers(min_value=low, max_value=high))
    parsed = parse_options({"rootUrl": ROOT, name: good})
    assert {"maxRetries": parsed.max_retries, "maxResponseSize": parsed.max_response_size}.get(
        name, parsed.max_connections
    ) == good
    bad = data.draw(
        st.one_of(
            st.integers(max_value=low - 1),
            st.integers(min_value=high + 1),
            st.floats(allow_nan=True),
            st.sampled_from([math.inf, True, "3", [1], 2.0]),
        )
    )
    with pytest.raises(TaskclusterFailure) as info:
        parse_options({"rootUrl": ROOT, name: bad})
    assert str(info.value).startswith("option %s must be an int from %d to %d, got " % (name, low, high))


BAD_AT_CONSTRUCTION = [
    ("connectTimeout", math.nan),
    ("connectTimeout", math.inf),
    ("timeout", 1e20),
    ("timeout", -5),
    ("signedUrlExpiration", math.inf),
    ("totalTimeout", 0),
    ("maxRetries", -1),
    ("maxRetries", 10**9),
    ("maxRetries", 2.5),
    ("maxResponseSize", 0),
    ("maxConnections", 0),
]


@pytest.mark.parametrize("name,value", BAD_AT_CONSTRUCTION, ids=["%s=%r" % case for case in BAD_AT_CONSTRUCTION])
@pytest.mark.parametrize("module", [taskcluster, taskcluster.aio], ids=["sync", "async"])
def test_bad_values_are_refused_when_the_client_is_built(module, name, value):
    with pytest.raises(TaskclusterFailure) as info:
        module.Queue({"rootUrl": ROOT, name: value})
    assert ("option %s must be" % name) in str(info.value) and ("got %r" % value) in str(info.value)


@pytest.mark.parametrize("expiration", [math.inf, math.nan, -1, 0, 1e20, "60"])
def test_build_signed_url_refuses_unusable_expirations(expiration):
    queue = taskcluster.Queue({"rootUrl": ROOT, "credentials": {"clientId": "c", "accessToken": "t"}})
    with pytest.raises(TaskclusterFailure) as info:
        queue.buildSignedUrl("getLatestArtifact", "T", "public/x", expiration=expiration)
    assert "expiration must be a finite number of seconds" in str(info.value)
    assert "bewit=" in queue.buildSignedUrl("getLatestArtifact", "T", "public/x", expiration=10 * 365 * 86400)


MISSPELT = [
    ({"timout": 5}, "'timout'", "'timeout'"),
    ({"maxRetry": 2}, "'maxRetry'", "'maxRetries'"),
    ({"rooturl": "https://x"}, "'rooturl'", "'rootUrl'"),
    ({"root_url": "https://x"}, "'root_url'", "'rootUrl'"),
    ({"connectionTimeout": 3}, "'connectionTimeout'", "'connectTimeout'"),
    ({"credentials": {"clientID": "c", "accessToken": "t"}}, "credentials key 'clientID'", "'clientId'"),
    ({"credentials": {"clientId": "c", "access_token": "t"}}, "credentials key 'access_token'", "'accessToken'"),
]


@pytest.mark.parametrize("extra,key,meant", MISSPELT, ids=[case[1] for case in MISSPELT])
@pytest.mark.parametrize("module", [taskcluster, taskcluster.aio], ids=["sync", "async"])
def test_a_misspelt_option_gets_a_warning_naming_the_key_meant(module, extra, key, meant):
    with pytest.warns(TaskclusterOptionWarning) as record:
        module.Queue(dict({"rootUrl": ROOT}, **extra))
    (warning,) = record
    assert key in str(warning.message) and ("did you mean %s" % meant) in str(warning.message)
    assert warning.filename == __file__  # points at the caller's line, not at the package


def test_other_unknown_keys_stay_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        taskcluster.Queue(
            {
                "rootUrl": ROOT,
                "someFutureOption": {"x": 1},
                "retries": 3,
                "randomizationFactor": 0.5,
                "credentials": {"clientId": "c", "accessToken": "t", "expires": "2030-01-01", "scopes": []},
            }
        )
        taskcluster.Queue({"rootUrl": ROOT}).withOptions(somethingElse=1)


# ---- payloads, queries and answers nested too deeply -------------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def test_a_deeply_nested_payload_is_a_failure_before_sending(driver, server, options):
    with pytest.raises(TaskclusterFailure) as info:
        driver.call("Queue", options, "createTask", "T", {"deep": nested(100_000)})
    assert "Queue.createTask" in str(info.value) and "nested too deeply" in str(info.value)
    assert server.requests == []


def test_a_deeply_nested_query_or_a_huge_int_is_a_failure_before_sending(driver, server, options):
    with pytest.raises(TaskclusterFailure, match="Queue.listTaskGroup.*query cannot be encoded"):
        driver.call("Queue", options, "listTaskGroup", "G", query={"x": [nested(100_000)]})
    with pytest.raises(TaskclusterFailure, match="Queue.getArtifact.*too large"):
        driver.call("Queue", options, "getArtifact", "T", 10**5000, "name")
    assert server.requests == []


def test_a_deeply_nested_answer_is_a_failure(driver, server, options):
    server.add(Reply(200, body=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"}))
    with pytest.raises(TaskclusterFailure) as info:
        driver.call("Queue", options, "ping")
    assert "Queue.ping" in str(info.value) and "nested too deeply" in str(info.value)
    server.add(Reply(500, body=b"[" * 100_000 + b"]" * 100_000), *[Reply(500, body=b"[[]]")] * 2)
    with pytest.raises(TaskclusterRestFailure) as rest:
        driver.call("Queue", options, "ping")
    assert rest.value.status_code == 500


# ---- transport settings: User-Agent, proxies from the environment, pool size, per-call options -----------------


def test_user_agent_names_the_sdk_and_its_version(driver, server, options):
    driver.call("Queue", options, "ping")
    agent = server.requests[0].headers["User-Agent"]
    assert agent.startswith("taskcluster-python/%s " % taskcluster.__version__), agent
    assert ("python-requests/" if driver.kind == "sync" else "aiohttp/") in agent


def test_a_callers_session_keeps_its_user_agent_or_gets_ours(server, options):
    custom = requests.Session()
    custom.headers["User-Agent"] = "my-tool/1"
    taskcluster.Queue(options, session=custom).ping()
    plain = requests.Session()
    taskcluster.Queue(options, session=plain).ping()

    async def run() -> None:
        import aiohttp

        async with aiohttp.ClientSession(headers={"User-Agent": "my-async-tool/2"}) as session:
            await taskcluster.aio.Queue(options, session=session).ping()
        async with aiohttp.ClientSession() as session:
            await taskcluster.aio.Queue(options, session=session).ping()

    asyncio.run(run())
    agents = [r.headers["User-Agent"] for r in server.requests]
    assert agents[0] == "my-tool/1" and agents[2] == "my-async-tool/2"
    assert agents[1].startswith("taskcluster-python/") and agents[3].startswith("taskcluster-python/")
    custom.close()
    plain.close()


def test_proxies_from_the_environment_are_used_by_both_clients(driver, server, options, monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.root_url)
    monkeypatch.setenv("http_proxy", server.root_url)
    elsewhere = dict(options, rootUrl="http://tc.invalid", credentials={}, maxRetries=0)
    driver.call("Queue", elsewhere, "ping")
    assert server.requests[0].path == "http://tc.invalid/api/queue/v1/ping"  # the proxy got the absolute URL


def test_an_async_session_the_caller_gives_keeps_its_own_trust_env(server, options, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", server.root_url)

    async def run() -> bool:
        import aiohttp

        async with taskcluster.aio.Queue(options) as queue:
            ours = queue.session
            assert ours is not None and ours.trust_env
        async with aiohttp.ClientSession() as session:
            taskcluster.aio.Queue(options, session=session)
            return session.trust_env

    assert asyncio.run(run()) is False


@pytest.mark.parametrize("max_connections,full", [(None, False), (2, True)])
def test_sixteen_threads_share_one_client_without_discarding_connections(server, options, max_connections, full):
    pool_log = logging.getLogger("urllib3.connectionpool")
    records: list = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Collect(logging.WARNING)
    pool_log.addHandler(handler)
    extra = {} if max_connections is None else {"maxConnections": max_connections}
    queue = taskcluster.Queue(dict(options, **extra))
    errors: list = []

    def work() -> None:
        try:
            for _ in range(4):
                queue.ping()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(16)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        pool_log.removeHandler(handler)
        queue.close()
    assert errors == []
    assert any("Connection pool is full" in message for message in records) is full, records


@pytest.mark.parametrize("module", [taskcluster, taskcluster.aio], ids=["sync", "async"])
def test_with_options_returns_a_copy_of_the_same_class(module, options):
    queue = module.Queue(options)
    quick = queue.withOptions(timeout=5, maxRetries=0)
    assert type(quick) is module.Queue
    assert (quick._opts.timeout[1], quick._opts.max_retries) == (5.0, 0)
    assert (queue._opts.timeout[1], queue._opts.max_retries) == (2.0, 2)  # the original is unchanged
    assert quick.options["credentials"] == queue.options["credentials"]
    assert queue.withOptions({"totalTimeout": 7}, maxRetries=1)._opts.total_timeout == 7
    with pytest.raises(TaskclusterFailure, match="option timeout must be"):
        queue.withOptions(timeout=math.inf)
    with pytest.warns(TaskclusterOptionWarning, match="did you mean 'maxRetries'"):
        queue.withOptions(maxRetry=0)


def test_with_options_shares_the_connection_pool_sync(server, options):
    server.add(STALL)
    with taskcluster.Queue(options) as queue:
        quick = queue.withOptions(timeout=0.3, maxRetries=0)
        assert quick.session is queue.session
        start = time.monotonic()
        with pytest.raises(TaskclusterConnectionError):
            quick.ping()
        assert time.monotonic() - start < 1.5
        quick.ping()
        queue.ping()
        quick.close()  # the copy never closes the shared session
        queue.ping()
    peers = [r.peer for r in server.requests[1:]]
    assert len(set(peers)) == 1  # one kept connection for both clients


def test_with_options_shares_the_session_async(server, options):
    server.add(STALL)

    async def run() -> None:
        async with taskcluster.aio.Queue(options) as queue:
            quick = queue.withOptions(timeout=0.3, maxRetries=0)
            assert quick.session is queue.session
            with pytest.raises(TaskclusterConnectionError):
                await quick.ping()
            await quick.ping()
            await quick.close()
            assert queue.session is not None and not queue.session.closed
            await queue.ping()

    asyncio.run(run())
    assert len({r.peer for r in server.requests[1:]}) == 1


# ---- the async deadline and the caller's own cancellations --------------------------------------------------------


def test_async_deadline_leaves_the_task_usable_and_callers_cancellations_alone(server, options):
    server.add(STALL, Reply(200, json_body={"path": "/api/queue/v1/ping"}), STALL, STALL)

    async def run() -> None:
        async with taskcluster.aio.Queue(dict(options, totalTimeout=0.3, maxRetries=0)) as queue:
            with pytest.raises(TaskclusterConnectionError, match="totalTimeout"):
                await queue.ping()
            await asyncio.sleep(0.05)  # no cancellation of ours is left pending on this task
            assert (await queue.ping())["path"] == "/api/queue/v1/ping"
            patient = queue.withOptions(totalTimeout=30)
            with pytest.raises(asyncio.TimeoutError):  # the caller's own timeout is not turned into ours
                await asyncio.wait_for(patient.ping(), 0.2)
            task = asyncio.ensure_future(patient.ping())
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(run())

"""The retry policy (taskcluster._retry): backoff values, which statuses retry, Retry-After parsing."""

import calendar
import string
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskcluster._retry import (
    MAX_DELAY,
    MAX_RETRY_AFTER,
    backoff_delay,
    is_retryable_status,
    parse_retry_after,
    retry_delay,
)

# 2015-10-21T07:28:00Z, the example date of RFC 7231 7.1.3.
RFC_DATE_TS = float(calendar.timegm((2015, 10, 21, 7, 28, 0)))
# 1994-11-06T08:49:37Z, the example date of RFC 7231 7.1.1.1 (all three HTTP-date formats).
RFC_EXAMPLE_TS = float(calendar.timegm((1994, 11, 6, 8, 49, 37)))

# -- backoff_delay -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "retry, nominal",
    [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.6), (6, 3.2), (7, 6.4), (8, 12.8), (9, 25.6)],
)
def test_backoff_nominal_values_at_middle_rand(retry, nominal):
    assert backoff_delay(retry, 0.5) == pytest.approx(nominal)


@pytest.mark.parametrize("retry", range(1, 9))  # from retry 9, 25.6 s * 1.25 hits the cap
def test_backoff_jitter_is_plus_minus_25_percent(retry):
    nominal = 0.1 * 2 ** (retry - 1)
    assert backoff_delay(retry, 0.0) == pytest.approx(nominal * 0.75)
    high = backoff_delay(retry, 0.999999)
    assert high < nominal * 1.25
    assert high == pytest.approx(nominal * 1.25, rel=1e-5)


def test_backoff_grows_with_rand():
    assert backoff_delay(3, 0.1) < backoff_delay(3, 0.5) < backoff_delay(3, 0.9)


@pytest.mark.parametrize("retry", [10, 11, 20, 60, 1024])
@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999999])
def test_backoff_capped_at_30_seconds(retry, rand):
    assert MAX_DELAY == 30.0
    assert backoff_delay(retry, rand) == 30.0


def test_backoff_total_of_default_five_retries_is_about_3_seconds():
    assert sum(backoff_delay(n, 0.5) for n in range(1, 6)) == pytest.approx(3.1)


def test_backoff_huge_retry_number_still_capped():
    assert backoff_delay(1025, 0.5) == MAX_DELAY


# -- is_retryable_status / retry_delay -----------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_5xx_retry_with_the_backoff(status):
    assert is_retryable_status(status)
    assert retry_delay(status, None, 1, 0.5, 0.0) == pytest.approx(0.1)
    assert retry_delay(status, None, 4, 0.5, 0.0) == pytest.approx(0.8)


@pytest.mark.parametrize("status", [200, 204, 303, 400, 401, 403, 404, 409, 410, 424, 499, 600])
def test_non_5xx_never_retry(status):
    assert not is_retryable_status(status)
    assert retry_delay(status, None, 1, 0.5, 0.0) is None


@pytest.mark.parametrize("status", [501, 505])
def test_permanent_server_errors_do_not_retry(status):
    assert not is_retryable_status(status)
    assert retry_delay(status, None, 1, 0.5, 0.0) is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_4xx_never_retry_even_with_retry_after(status):
    assert retry_delay(status, "5", 1, 0.5, 0.0) is None


def test_429_without_retry_after_does_not_retry():
    assert retry_delay(429, None, 1, 0.5, 0.0) is None
    assert retry_delay(429, "soon", 1, 0.5, 0.0) is None


def test_429_with_retry_after_waits_what_it_asks():
    assert retry_delay(429, "7", 1, 0.5, 0.0) == 7.0
    assert retry_delay(429, "Wed, 21 Oct 2015 07:28:00 GMT", 1, 0.5, RFC_DATE_TS - 12) == pytest.approx(12.0)


def test_429_retry_after_never_shorter_than_backoff():
    # asked 0 s, backoff for retry 5 is 1.6 s
    assert retry_delay(429, "0", 5, 0.5, 0.0) == pytest.approx(1.6)


def test_503_with_retry_after_uses_max_of_asked_and_backoff():
    assert retry_delay(503, "5", 1, 0.5, 0.0) == 5.0  # asked > backoff (0.1)
    assert retry_delay(503, "1", 7, 0.5, 0.0) == pytest.approx(6.4)  # backoff > asked
    assert retry_delay(503, "0", 2, 0.5, 0.0) == pytest.approx(0.2)


def test_503_retry_after_is_capped():
    assert retry_delay(503, "100000", 1, 0.5, 0.0) == MAX_RETRY_AFTER


def test_503_with_unusable_retry_after_falls_back_to_backoff():
    assert retry_delay(503, "garbage", 3, 0.5, 0.0) == pytest.approx(0.4)


def test_500_ignores_retry_after():
    assert retry_delay(500, "20", 1, 0.5, 0.0) == pytest.approx(0.1)


@given(
    status=st.integers(500, 599).filter(lambda s: s not in (501, 505)),
    retry=st.integers(1, 1000),
    rand=st.floats(0.0, 1.0, exclude_max=True),
    now=st.floats(0.0, 4e9),
)
def test_5xx_delay_always_within_bounds(status, retry, rand, now):
    delay = retry_delay(status, None, retry, rand, now)
    assert delay is not None
    assert 0.0 <= delay <= MAX_DELAY
    assert delay == backoff_delay(retry, rand)


@given(
    status=st.sampled_from([429, 503]),
    header=st.text(alphabet=string.printable, max_size=40),
    retry=st.integers(1, 1000),
    rand=st.floats(0.0, 1.0, exclude_max=True),
)
def test_retry_after_statuses_delay_bounded(status, header, retry, rand):
    delay = retry_delay(status, header, retry, rand, 1.0e9)
    if delay is None:
        assert status == 429
    else:
        assert backoff_delay(retry, rand) <= delay <= max(MAX_DELAY, MAX_RETRY_AFTER)


# -- parse_retry_after ---------------------------------------------------------------------------


@pytest.mark.parametrize("value, seconds", [("0", 0.0), ("1", 1.0), ("30", 30.0), (" 7 ", 7.0), ("0012", 12.0)])
def test_retry_after_delta_seconds(value, seconds):
    assert parse_retry_after(value, 123.0) == seconds


def test_retry_after_delta_seconds_capped():
    assert MAX_RETRY_AFTER > MAX_DELAY
    assert parse_retry_after(str(int(MAX_RETRY_AFTER) + 1), 0.0) == MAX_RETRY_AFTER
    assert parse_retry_after("86400", 0.0) == MAX_RETRY_AFTER


def test_retry_after_http_date_relative_to_now():
    value = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after(value, RFC_DATE_TS - 10) == pytest.approx(10.0)
    assert parse_retry_after(value, RFC_DATE_TS - 2.5) == pytest.approx(2.5)
    assert parse_retry_after(value, RFC_DATE_TS) == 0.0


def test_retry_after_http_date_in_the_past_floors_to_zero():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", RFC_DATE_TS + 3600) == 0.0


def test_retry_after_http_date_far_future_capped():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", RFC_DATE_TS - 86400) == MAX_RETRY_AFTER


def test_retry_after_rfc850_date():
    assert parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", RFC_EXAMPLE_TS - 10) == pytest.approx(10.0)


@pytest.mark.parametrize("value", [None, "", "   ", "soon", "-5", "1.5", "1e3", "0x10", "Wed, 99 Foo 2015", "12 s"])
def test_retry_after_garbage_is_none(value):
    assert parse_retry_after(value, 0.0) is None


@given(value=st.text(alphabet=string.printable, max_size=60), now=st.floats(0.0, 4e9))
def test_retry_after_never_raises_on_ascii_and_stays_in_range(value, now):
    seconds = parse_retry_after(value, now)
    assert seconds is None or 0.0 <= seconds <= MAX_RETRY_AFTER


@pytest.mark.parametrize("value", ["\u00b2", "\u00b9", "\uff15"])
def test_retry_after_non_ascii_digits_are_garbage(value):
    assert parse_retry_after(value, 0.0) is None


@pytest.fixture
def non_utc_local_time(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is not available")
    monkeypatch.setenv("TZ", "EST+05")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_retry_after_asctime_date_is_gmt_whatever_the_local_zone(non_utc_local_time):
    assert parse_retry_after("Sun Nov  6 08:49:37 1994", RFC_EXAMPLE_TS - 10) == pytest.approx(10.0)


def test_retry_after_imf_date_is_gmt_whatever_the_local_zone(non_utc_local_time):
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE_TS - 10) == pytest.approx(10.0)

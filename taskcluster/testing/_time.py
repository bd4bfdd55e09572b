"""Dates as the services write them: ISO 8601 UTC with milliseconds and a ``Z``."""

import datetime
import re
from typing import Optional

__all__ = ["format_date", "normalize_date", "now", "parse_date", "to_ms"]

UTC = datetime.timezone.utc
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$")


def now(clock: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(clock, UTC)


def parse_date(value: str) -> Optional[datetime.datetime]:
    """An aware UTC datetime, or None when ``value`` is not an ISO 8601 date-time."""
    if not isinstance(value, str):
        return None
    m = _ISO.match(value.strip())
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        dt = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
    except ValueError:
        return None
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or "0"))
        try:
            dt = dt - sign * offset
        except OverflowError:  # 0001-01-01T00:00:00+01:00 is before datetime.min
            return None
    return dt.replace(tzinfo=UTC)


def format_date(dt: datetime.datetime) -> str:
    """``2024-01-02T03:04:05.678Z``."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def normalize_date(value: str) -> str:
    dt = parse_date(value)
    if dt is None:
        raise ValueError("not a date-time: %r" % (value,))
    return format_date(dt)


def to_ms(dt: datetime.datetime) -> int:
    return int(dt.timestamp() * 1000)

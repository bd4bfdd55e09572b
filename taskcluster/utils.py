"""Helpers of the historical client: relative dates, JSON, slugids, scope matching, environment options.

Importing this module is cheap: `slugid` (and with it `uuid`), `json`, `base64` and `random` load
on first use, and nothing here needs an HTTP library.
"""

import logging
import re
import time
import warnings
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Sequence, Union

from . import _log as _logging_setup  # noqa: F401  (sets the package logger up)
from . import exceptions as exceptions  # a module attribute of the historical `taskcluster.utils`
from ._retry import DELAY_FACTOR, MAX_DELAY, RANDOMIZATION_FACTOR, RetryPlan, backoff_delay, quadratic_delay
from .exceptions import TaskclusterFailure

_Date = date  # `stringDate` has a parameter called `date`
_log = logging.getLogger(__name__)

__all__ = [
    "MAX_RETRIES",
    "DELAY_FACTOR",
    "RANDOMIZATION_FACTOR",
    "MAX_DELAY",
    "calculateSleepTime",
    "fromNow",
    "fromNowJSON",
    "stringDate",
    "dumpJson",
    "slugId",
    "stableSlugId",
    "scopeMatch",
    "scope_match",
    "optionsFromEnvironment",
    "toStr",
    "makeB64UrlSafe",
    "makeB64UrlUnsafe",
    "encodeStringForB64Header",
    "isExpired",
    "encryptEnvVar",
    "decryptMessage",
    "makeHttpRequest",
    "makeSingleHttpRequest",
    "putFile",
]

#: Retries after the first attempt of an API call, unless the client options say otherwise.
MAX_RETRIES = 5

# -- relative dates ---------------------------------------------------------------------------

# Each unit with its spellings, from high to low: the order an offset must follow. Longer
# spellings come first so that the alternation never settles on a prefix of a longer word.
_UNITS = (
    ("years", ("years", "year", "yr", "y")),
    ("months", ("months", "month", "mo")),
    ("weeks", ("weeks", "week", "wk", "w")),
    ("days", ("days", "day", "d")),
    ("hours", ("hours", "hour", "hr", "h")),
    ("minutes", ("minutes", "minute", "min", "m")),
    ("seconds", ("seconds", "second", "sec", "s")),
)

# Matched after every whitespace character has been removed; `re` compiles it on first use and
# caches it. re.ASCII keeps IGNORECASE from folding non-ASCII letters such as the long s (U+017F)
# or the Kelvin sign onto unit letters.
_OFFSET_PATTERN = "".join(f"(?:(?P<{name}>[0-9]+)(?:{'|'.join(spellings)}))?" for name, spellings in _UNITS)
_OFFSET_FLAGS = re.IGNORECASE | re.ASCII

_OFFSET_HELP = (
    'expected an offset like "1 day 3 hours" using years, months, weeks, days, hours, minutes, '
    'seconds (in that order, each at most once), optionally preceded by "-" for the past'
)


def _parseOffset(offset: str) -> timedelta:
    """The signed duration an offset string denotes; ValueError when it does not parse."""
    compact = "".join(offset.split())
    negative = compact.startswith("-")
    body = compact[1:] if compact[:1] in ("-", "+") else compact
    match = re.fullmatch(_OFFSET_PATTERN, body, _OFFSET_FLAGS)
    if match is None:
        raise ValueError(f'invalid offset "{offset}": {_OFFSET_HELP}')
    counts = {name: int(value) for name, value in match.groupdict().items() if value is not None}
    delta = timedelta(
        days=365 * counts.get("years", 0) + 30 * counts.get("months", 0) + counts.get("days", 0),
        weeks=counts.get("weeks", 0),
        hours=counts.get("hours", 0),
        minutes=counts.get("minutes", 0),
        seconds=counts.get("seconds", 0),
    )
    return -delta if negative else delta


def fromNow(offset: str, dateObj: Optional[datetime] = None) -> datetime:
    """The time `offset` (e.g. "2 days 3 hours", or "-1 year" for the past) away from `dateObj` or now.

    Case and whitespace do not matter; a year is 365 days and a month 30. Without `dateObj` the
    base is the current time as a timezone-aware UTC datetime; a given `dateObj` keeps its tzinfo.
    """
    if not isinstance(offset, str):
        raise TypeError(f'fromNow() offset must be a str such as "1 day 3 hours", not {type(offset).__name__}')
    if dateObj is None:
        dateObj = datetime.now(timezone.utc)
    elif not isinstance(dateObj, datetime):
        raise TypeError(f"fromNow() dateObj must be a datetime.datetime, not {type(dateObj).__name__}")
    try:
        delta = _parseOffset(offset)
        return dateObj + delta
    except OverflowError:
        raise OverflowError(f'offset "{offset}" leads outside the range of datetime') from None


def fromNowJSON(offset: str) -> str:
    """`fromNow(offset)` as the ISO 8601 UTC string (ending in `Z`) that Taskcluster APIs expect."""
    return stringDate(fromNow(offset))


def stringDate(date: Union[datetime, date]) -> str:
    """ISO 8601 text for a datetime, with UTC written as `Z` (a naive datetime is taken to be UTC).

    Other UTC offsets and microseconds are kept; a plain `datetime.date` gives `YYYY-MM-DD`.
    """
    if isinstance(date, datetime):
        if date.utcoffset() is None:
            return date.replace(tzinfo=None).isoformat() + "Z"
        text = date.isoformat()
        if text.endswith("+00:00"):
            text = text[: -len("+00:00")] + "Z"
        return text
    if isinstance(date, _Date):
        return date.isoformat()
    raise TypeError(f"stringDate() needs a datetime.datetime or datetime.date, not {type(date).__name__}")


# -- JSON -------------------------------------------------------------------------------------


def _jsonDefault(obj: Any) -> Any:
    if isinstance(obj, (datetime, date)):
        return stringDate(obj)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj).decode("utf-8")
    kind = type(obj)
    raise TypeError(f"dumpJson() cannot serialize an object of type {kind.__module__}.{kind.__qualname__}")


def dumpJson(obj: Any, **kwargs: Any) -> str:
    """Compact JSON for `obj`, writing datetimes as `stringDate` does and bytes as UTF-8 text.

    Keyword arguments go to `json.dumps`; a `default=` of your own is consulted for the types
    this function does not handle itself.
    """
    import json

    userDefault: Optional[Callable[[Any], Any]] = kwargs.pop("default", None)
    default: Callable[[Any], Any] = _jsonDefault
    if userDefault is not None:
        custom = userDefault

        def withUserDefault(o: Any) -> Any:
            if isinstance(o, (datetime, date, bytes, bytearray, memoryview)):
                return _jsonDefault(o)
            return custom(o)

        default = withUserDefault

    kwargs.setdefault("separators", (",", ":"))
    return json.dumps(obj, default=default, **kwargs)


# -- identifiers ------------------------------------------------------------------------------


def slugId() -> str:
    """A new random slugid (22 URL-safe characters, never starting with `-`), e.g. for a taskId."""
    import slugid

    value = slugid.nice()
    return value.decode("ascii") if isinstance(value, bytes) else value


def stableSlugId() -> Callable[[str], str]:
    """A function that maps each name to a slugid, the same one every time it is asked again.

    Each call of `stableSlugId` starts a fresh mapping, handy for naming related tasks in a graph.
    """
    cache: Dict[str, str] = {}

    def closure(name: str) -> str:
        if name not in cache:
            cache[name] = slugId()
        return cache[name]

    return closure


# -- scopes -----------------------------------------------------------------------------------


def _checkScopes(scopes: Any, what: str) -> None:
    for scope in scopes:
        if not isinstance(scope, str):
            raise TaskclusterFailure(f"{what} must hold only strings, found {scope!r} ({type(scope).__name__})")


def scopeMatch(assumedScopes: Iterable[str], requiredScopeSets: Sequence[Sequence[str]]) -> bool:
    """True when the (already expanded) `assumedScopes` satisfy at least one of `requiredScopeSets`.

    `requiredScopeSets` is in disjunctive normal form: a list of alternatives, each a list of
    scopes that must all be held; an assumed scope ending in `*` covers every scope it prefixes.
    """
    if isinstance(assumedScopes, (str, bytes)) or not isinstance(assumedScopes, (list, tuple, set, frozenset)):
        raise TaskclusterFailure(f"assumedScopes must be a list of strings, not {type(assumedScopes).__name__}")
    if not isinstance(requiredScopeSets, (list, tuple)):
        raise TaskclusterFailure(
            f"requiredScopeSets must be a list of lists of strings, not {type(requiredScopeSets).__name__}"
        )
    for scopeSet in requiredScopeSets:
        if not isinstance(scopeSet, (list, tuple)):
            raise TaskclusterFailure(
                "requiredScopeSets must be a list of lists of strings; "
                f"found an element of type {type(scopeSet).__name__}"
            )
        _checkScopes(scopeSet, "requiredScopeSets")
    _checkScopes(assumedScopes, "assumedScopes")

    exact = set(assumedScopes)
    prefixes = [scope[:-1] for scope in exact if scope.endswith("*")]

    def satisfied(required: str) -> bool:
        return required in exact or any(required.startswith(prefix) for prefix in prefixes)

    return any(all(satisfied(required) for required in scopeSet) for scopeSet in requiredScopeSets)


def scope_match(assumed_scopes: Iterable[str], required_scope_sets: Sequence[Sequence[str]]) -> bool:
    """Deprecated spelling of `scopeMatch`, kept so old programs run; it warns and delegates."""
    warnings.warn("scope_match is deprecated; use scopeMatch", DeprecationWarning, stacklevel=2)
    return scopeMatch(assumed_scopes, required_scope_sets)


# -- environment ------------------------------------------------------------------------------

_CREDENTIAL_VARIABLES = (
    ("TASKCLUSTER_CLIENT_ID", "clientId"),
    ("TASKCLUSTER_ACCESS_TOKEN", "accessToken"),
    ("TASKCLUSTER_CERTIFICATE", "certificate"),
)


def optionsFromEnvironment(
    defaults: Optional[Dict[str, Any]] = None, *, env: Optional[Mapping[str, str]] = None
) -> Dict[str, Any]:
    """Client options from TASKCLUSTER_ROOT_URL, _CLIENT_ID, _ACCESS_TOKEN and _CERTIFICATE, over `defaults`.

    Empty variables are ignored and `defaults` is left unchanged; `env` replaces `os.environ` (for tests).
    """
    if env is None:
        import os

        env = os.environ
    options: Dict[str, Any] = dict(defaults) if defaults else {}

    rootUrl = (env.get("TASKCLUSTER_ROOT_URL") or "").rstrip("/")
    if rootUrl:
        options["rootUrl"] = rootUrl

    found = {key: env[name] for name, key in _CREDENTIAL_VARIABLES if env.get(name)}
    if found:
        previous = options.get("credentials")
        credentials = dict(previous) if isinstance(previous, Mapping) else {}
        credentials.update(found)
        options["credentials"] = credentials
    return options


# -- retries ----------------------------------------------------------------------------------


def calculateSleepTime(attempt: int) -> float:
    """Seconds to sleep before retry number `attempt` (1-based), with jitter; 0 for attempt <= 0."""
    if attempt <= 0:
        return 0.0
    import random

    return backoff_delay(attempt, random.random())


# -- plain HTTP requests with retries (historical helpers) ------------------------------------

#: (connect, read) seconds for each request of `makeHttpRequest`, `makeSingleHttpRequest` and `putFile`.
HTTP_TIMEOUT = (10.0, 60.0)


def makeSingleHttpRequest(
    method: str, url: str, payload: Any, headers: Optional[Mapping[str, str]], session: Any = None
) -> Any:
    """One unsigned request with requests (redirects not followed, `HTTP_TIMEOUT`); returns the `requests.Response`.

    `session` is a `requests.Session` to send with; without one a short-lived session is used.
    """
    import requests

    sender = session if session is not None else requests
    _log.debug("%s %s", method.upper(), url)
    return sender.request(
        method.upper(), url, data=payload, headers=headers, allow_redirects=False, timeout=HTTP_TIMEOUT
    )


def makeHttpRequest(
    method: str,
    url: str,
    payload: Any,
    headers: Optional[Mapping[str, str]],
    retries: int = MAX_RETRIES,
    session: Any = None,
) -> Any:
    """`makeSingleHttpRequest`, retried up to `retries` times on transport errors and 5xx answers, waiting n * n / 10
    seconds before retry n (a file payload is rewound each time). Returns the last response, whatever its status;
    a transport error that outlasts the retries is raised as requests raised it."""
    import requests

    plan = RetryPlan(retries, quadratic_delay)
    while True:
        if hasattr(payload, "seek"):
            payload.seek(0)
        try:
            response = makeSingleHttpRequest(method, url, payload, headers, session)
        except requests.RequestException as exc:
            time.sleep(plan.next_delay(exc))
            continue
        delay = plan.after_status(response.status_code)
        if delay is None:
            return response
        time.sleep(delay)


def putFile(filename: str, url: str, contentType: str) -> Any:
    """PUT the file `filename` to `url` (e.g. an artifact's putUrl) with `makeHttpRequest`; returns the response."""
    import os

    with open(filename, "rb") as file:
        length = os.fstat(file.fileno()).st_size
        headers = {"Content-Length": str(length), "Content-Type": contentType}
        return makeHttpRequest("put", url, file, headers=headers)


# -- compatibility helpers of the historical client -------------------------------------------


def toStr(obj: Any, encoding: str = "utf-8") -> str:
    """Bytes decoded with `encoding`, anything else through `str()`."""
    if isinstance(obj, bytes):
        return obj.decode(encoding)
    return str(obj)


def _toBytes(value: Union[str, bytes]) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def makeB64UrlSafe(b64str: Union[str, bytes]) -> bytes:
    """Standard base64 turned into the URL-safe alphabet of RFC 4648 section 5 (`+` -> `-`, `/` -> `_`)."""
    return _toBytes(b64str).replace(b"+", b"-").replace(b"/", b"_")


def makeB64UrlUnsafe(b64str: Union[str, bytes]) -> bytes:
    """URL-safe base64 turned back into the standard alphabet (`-` -> `+`, `_` -> `/`)."""
    return _toBytes(b64str).replace(b"-", b"+").replace(b"_", b"/")


def encodeStringForB64Header(s: Union[str, bytes]) -> bytes:
    """Standard base64 of `s` (str encoded as UTF-8) on a single line, as an HTTP header value needs."""
    import base64

    return base64.b64encode(_toBytes(s))


def isExpired(certificate: Union[str, bytes, Mapping[str, Any]]) -> bool:
    """True when a temporary-credentials certificate (dict or JSON text) has its `expiry` (ms) in the past.

    There is no safety margin: a certificate counts as expired only once `expiry` is before now.
    """
    if isinstance(certificate, (str, bytes, bytearray)):
        import json

        try:
            certificate = json.loads(certificate)
        except ValueError:
            # `from None`: the JSON error keeps the whole text, signature included.
            raise TaskclusterFailure("certificate is not valid JSON") from None
    if not isinstance(certificate, Mapping):
        raise TaskclusterFailure(f"certificate must be a JSON object, not {type(certificate).__name__}")
    expiry = certificate.get("expiry")
    if isinstance(expiry, bool) or not isinstance(expiry, (int, float)):
        raise TaskclusterFailure("certificate has no numeric 'expiry' (milliseconds since the epoch)")
    return expiry < time.time() * 1000


def encryptEnvVar(*args: Any, **kwargs: Any) -> None:
    """Always fails: encrypted environment variables are no longer supported; the name stays so old imports work."""
    raise TaskclusterFailure("encryptEnvVar: encrypted environment variables are no longer supported")


def decryptMessage(*args: Any, **kwargs: Any) -> None:
    """Always fails: the counterpart of `encryptEnvVar`, no longer supported either."""
    raise TaskclusterFailure("decryptMessage: decryption is no longer supported")

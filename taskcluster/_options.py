"""Client options: merged from class, module and caller dicts, validated once into a frozen value."""

import difflib
import json
import math
import numbers
import os
import re
import sys
import warnings
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from ._retry import DELAY_FACTOR, MAX_DELAY, RANDOMIZATION_FACTOR
from .exceptions import TaskclusterAuthFailure, TaskclusterFailure, TaskclusterOptionWarning

__all__ = [
    "DEFAULT_CONFIG",
    "Credentials",
    "ClientOptions",
    "check_seconds",
    "merge_options",
    "parse_options",
    "parse_credentials",
    "warn_misspelt_options",
]

#: The module defaults (`taskcluster.client.config`); users may change them for clients built later.
DEFAULT_CONFIG: Dict[str, Any] = {
    "credentials": {"clientId": None, "accessToken": None, "certificate": None},
    "rootUrl": None,
    "maxRetries": 5,
    "signedUrlExpiration": 15 * 60,
    "timeout": 30.0,
    "connectTimeout": 10.0,
    # None: at least 300 s, more when maxRetries and the timeouts ask for more (see `default_total_timeout`)
    "totalTimeout": None,
    "maxResponseSize": 100 * 1024 * 1024,
    "maxConnections": 32,
}

#: Every option key a client reads; an unknown key close to one of these gets a TaskclusterOptionWarning.
KNOWN_OPTIONS: Tuple[str, ...] = (
    "rootUrl", "credentials", "authorizedScopes", "maxRetries", "signedUrlExpiration", "timeout", "connectTimeout",
    "totalTimeout", "maxResponseSize", "maxConnections", "exchangePrefix", "baseUrl",
)  # fmt: skip
KNOWN_CREDENTIALS: Tuple[str, ...] = ("clientId", "accessToken", "certificate")

#: The bounds of the numeric options (inclusive upper bounds; the lower bounds are in `parse_options`).
MAX_TIMEOUT = 24 * 3600.0  # timeout, connectTimeout: a day
MAX_TOTAL_TIMEOUT = 7 * 24 * 3600.0  # totalTimeout: a week
MAX_EXPIRATION = 10 * 366 * 24 * 3600.0  # signedUrlExpiration, buildSignedUrl(expiration=): ten years
MAX_RETRIES = 1000
MAX_RESPONSE_SIZE = 1 << 40
MAX_CONNECTIONS = 10000
#: The least default totalTimeout, in seconds.
MIN_DEFAULT_TOTAL_TIMEOUT = 300.0

_UNSAFE_CLIENT_ID = re.compile(r'[\x00-\x1f\x7f"\\]')
ROOT_URL_REQUIRED = "rootUrl option is required (e.g. {'rootUrl': 'https://tc.example.com'})"


class Credentials:
    """A clientId and accessToken, with the certificate of temporary credentials; repr hides the secrets."""

    __slots__ = ("clientId", "accessToken", "certificate")

    def __init__(self, clientId: str, accessToken: str, certificate: Optional[Dict[str, Any]]) -> None:
        self.clientId = clientId
        self.accessToken = accessToken
        self.certificate = certificate

    def __repr__(self) -> str:
        kind = "temporary" if self.certificate is not None else "permanent"
        return "Credentials(clientId=%r, %s)" % (self.clientId, kind)


class ClientOptions:
    """The validated options of one client."""

    __slots__ = (
        "root_url",
        "credentials",
        "authorized_scopes",
        "max_retries",
        "signed_url_expiration",
        "timeout",
        "exchange_prefix",
        "total_timeout",
        "max_response_size",
        "max_connections",
    )

    def __init__(
        self,
        root_url: str,
        credentials: Optional[Credentials],
        authorized_scopes: Optional[Tuple[str, ...]],
        max_retries: int,
        signed_url_expiration: float,
        timeout: Tuple[float, float],
        exchange_prefix: Optional[str],
        total_timeout: float = MIN_DEFAULT_TOTAL_TIMEOUT,
        max_response_size: int = DEFAULT_CONFIG["maxResponseSize"],
        max_connections: int = DEFAULT_CONFIG["maxConnections"],
    ) -> None:
        self.root_url = root_url
        self.credentials = credentials
        self.authorized_scopes = authorized_scopes
        self.max_retries = max_retries
        self.signed_url_expiration = signed_url_expiration
        #: (connect, read) seconds
        self.timeout = timeout
        self.exchange_prefix = exchange_prefix
        #: seconds a call may take, its retries and their waits included
        self.total_timeout = total_timeout
        #: the largest answer body (decoded) a call reads, in bytes
        self.max_response_size = max_response_size
        #: connections kept per host by a session the sync client creates
        self.max_connections = max_connections

    def __repr__(self) -> str:
        return "ClientOptions(root_url=%r, credentials=%r, max_retries=%r)" % (
            self.root_url,
            self.credentials,
            self.max_retries,
        )


class OptionsDict(dict):  # type: ignore[type-arg]
    """The merged options a client keeps as `client.options`: a plain dict whose repr hides the accessToken
    and the certificate."""

    def __repr__(self) -> str:
        shown = dict(self)
        credentials = shown.get("credentials")
        if isinstance(credentials, Mapping):
            shown["credentials"] = {
                key: ("<hidden>" if key in ("accessToken", "certificate") and value else value)
                for key, value in credentials.items()
            }
        return repr(shown)


def merge_options(
    class_options: Mapping[str, Any], defaults: Mapping[str, Any], options: Optional[Mapping[str, Any]]
) -> Dict[str, Any]:
    """Class options, then module defaults, then the caller's options, as a new dict.

    The inputs are never changed: the result is a new dict with its own `credentials` dict; other values are
    shared (shallow), as the historical client did, so unknown keys may hold anything.
    """
    if options is None:
        options = {}
    elif not isinstance(options, Mapping):
        raise TaskclusterFailure("options must be a dict, got %s" % type(options).__name__)
    merged = OptionsDict(class_options)
    merged.update(defaults)
    merged.update(options)
    if isinstance(merged.get("credentials"), Mapping):
        merged["credentials"] = dict(merged["credentials"])
    return merged


def _text_credential(field: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            raise TaskclusterAuthFailure(
                "credentials.%s must be ASCII text; it holds non-ASCII bytes" % field
            ) from None
    if not isinstance(value, str):
        raise TaskclusterAuthFailure("credentials.%s must be a str or bytes, got %s" % (field, type(value).__name__))
    if not value.isascii():
        raise TaskclusterAuthFailure("credentials.%s must be ASCII text; it holds non-ASCII characters" % field)
    return value


def _certificate(value: Any) -> Optional[Dict[str, Any]]:
    if value is None or value == "" or value == b"":
        return None
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            raise TaskclusterAuthFailure(
                "credentials.certificate must be a JSON object (a dict or its JSON text); the text given is not JSON"
            ) from None
    if not isinstance(value, dict):
        raise TaskclusterAuthFailure(
            "credentials.certificate must be a JSON object (a dict or its JSON text), got %s" % type(value).__name__
        )
    for field in ("version", "seed", "start", "expiry", "scopes", "signature"):
        if field not in value:
            raise TaskclusterAuthFailure("credentials.certificate is missing the field %r" % field)
    return value


def parse_credentials(credentials: Any) -> Optional[Credentials]:
    """Credentials to sign with, or None when clientId or accessToken is missing (placeholders do not sign)."""
    if credentials is None:
        return None
    if not isinstance(credentials, Mapping):
        raise TaskclusterAuthFailure(
            "credentials must be a dict with clientId and accessToken, got %s" % type(credentials).__name__
        )
    client_id = _text_credential("clientId", credentials.get("clientId"))
    if client_id and _UNSAFE_CLIENT_ID.search(client_id):
        raise TaskclusterAuthFailure(
            "credentials.clientId must be printable text without quotes or backslashes (it travels in a header)"
        )
    access_token = _text_credential("accessToken", credentials.get("accessToken"))
    certificate = _certificate(credentials.get("certificate"))
    if not client_id or not access_token:
        return None
    return Credentials(client_id, access_token, certificate)


def _check_type(options: Mapping[str, Any], name: str, types: Any, expected: str) -> None:
    value = options.get(name)
    if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
        raise TaskclusterFailure("option %s must be %s, got %s" % (name, expected, type(value).__name__))


def check_seconds(what: str, value: Any, low: float, high: float, low_inclusive: bool = False) -> float:
    """`value` as a float of seconds if it is a finite real number in (low, high] (or [low, high]); otherwise a
    TaskclusterFailure naming `what`, the value and what is expected."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except (OverflowError, ValueError):
            seconds = math.nan
        if math.isfinite(seconds) and (seconds >= low if low_inclusive else seconds > low) and seconds <= high:
            return seconds
    bound = "at least %s" % _number(low) if low_inclusive else "greater than %s" % _number(low)
    raise TaskclusterFailure(
        "%s must be a finite number of seconds %s and at most %s, got %s" % (what, bound, _number(high), _shown(value))
    )


def _number(value: float) -> str:
    return "%d" % value if float(value).is_integer() else "%r" % value


def check_count(what: str, value: Any, low: int, high: int) -> int:
    """`value` as an int if it is an integer in [low, high]; otherwise a TaskclusterFailure naming `what`."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        count = int(value)
        if low <= count <= high:
            return count
    raise TaskclusterFailure("%s must be an int from %d to %d, got %s" % (what, low, high, _shown(value)))


def _shown(value: Any) -> str:
    """A short, safe rendering of a refused option value for an error message."""
    if isinstance(value, (str, bool)):
        text = repr(value)
        return "%s (%s)" % (text if len(text) <= 40 else text[:37] + "...", type(value).__name__)
    if isinstance(value, numbers.Real):
        try:
            text = repr(value)
        except ValueError:  # an int with more digits than Python prints
            return "an int too large to print"
        return text if len(text) <= 40 else text[:37] + "..."
    return "a %s" % type(value).__name__


def default_total_timeout(max_retries: int, connect_timeout: float, read_timeout: float) -> float:
    """The totalTimeout of a client that sets none: 300 s, or more when `maxRetries` and the timeouts allow longer
    calls: every attempt waiting out its whole connect and read timeouts, plus the longest backoff between them."""
    backoff = sum(
        min(DELAY_FACTOR * 2.0 ** min(retry - 1, 32) * (1 + RANDOMIZATION_FACTOR), MAX_DELAY)
        for retry in range(1, max_retries + 1)
    )
    return max(MIN_DEFAULT_TOTAL_TIMEOUT, (max_retries + 1) * (connect_timeout + read_timeout) + backoff)


def _check_root_url(root_url: Any) -> str:
    if not isinstance(root_url, str):
        raise TaskclusterFailure("option rootUrl must be a str, got %s" % type(root_url).__name__)
    expected = "an http:// or https:// URL with a host and no query, e.g. https://tc.example.com"
    try:
        parts = urlsplit(root_url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        raise TaskclusterFailure("option rootUrl must be %s, got %r" % (expected, root_url)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or " " in root_url:
        raise TaskclusterFailure("option rootUrl must be %s, got %r" % (expected, root_url))
    return root_url.rstrip("/")


def _normal(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "").replace(" ", "")


def _probably_meant(key: Any, known: Tuple[str, ...]) -> Optional[str]:
    """The known key that `key` (not itself known) is a close misspelling of, or None."""
    if not isinstance(key, str) or key in known or len(key) > 100:
        return None
    normal = _normal(key)
    normals = {_normal(name): name for name in known}
    if normal in normals:
        return normals[normal]
    close = difflib.get_close_matches(normal, list(normals), n=1, cutoff=0.85)
    if close:
        return normals[close[0]]
    for candidate, name in normals.items():  # a different ending of a known key: maxRetry, timeouts
        prefix = len(os.path.commonprefix([normal, candidate]))
        if prefix >= 5 and prefix >= max(len(normal), len(candidate)) - 3:
            return name
    return None


def _stacklevel() -> int:
    """The stacklevel that points a warning at the first caller outside this package."""
    level = 1
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name != "taskcluster" and not name.startswith("taskcluster."):
            return level
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def warn_misspelt_options(options: Optional[Mapping[str, Any]]) -> None:
    """Warn (TaskclusterOptionWarning) about each unknown key of the caller's options, or of their credentials, that
    is a close misspelling of a known one. Other unknown keys stay silent: real programs pass extra keys."""
    if not options:
        return
    checks: Iterable[Tuple[str, Optional[str]]] = [
        ("option %r" % key, _probably_meant(key, KNOWN_OPTIONS)) for key in options if key not in KNOWN_OPTIONS
    ]
    credentials = options.get("credentials")
    if isinstance(credentials, Mapping):
        checks = list(checks) + [
            ("credentials key %r" % key, _probably_meant(key, KNOWN_CREDENTIALS))
            for key in credentials
            if key not in KNOWN_CREDENTIALS
        ]
    for what, meant in checks:
        if meant is not None:
            warnings.warn(
                "taskcluster: unknown %s is ignored; did you mean %r?" % (what, meant),
                TaskclusterOptionWarning,
                stacklevel=_stacklevel(),
            )


def parse_options(merged: Mapping[str, Any], require_root_url: bool = True) -> ClientOptions:
    """Validate merged options; a misuse gets a TaskclusterFailure that names the option, the value given and what
    it expects."""
    if merged.get("baseUrl"):
        raise TaskclusterFailure(
            "baseUrl option is no longer allowed; pass rootUrl (the deployment's root URL) instead"
        )
    root_url = merged.get("rootUrl")
    if root_url:
        root_url = _check_root_url(root_url)
    elif require_root_url:
        raise TaskclusterFailure(ROOT_URL_REQUIRED)
    else:
        root_url = ""
    _check_type(merged, "exchangePrefix", str, "a str")

    def value(name: str) -> Any:
        given = merged.get(name)
        return DEFAULT_CONFIG[name] if given is None else given

    max_retries = check_count("option maxRetries", value("maxRetries"), 0, MAX_RETRIES)
    read_timeout = check_seconds("option timeout", value("timeout"), 0, MAX_TIMEOUT)
    connect_timeout = check_seconds("option connectTimeout", value("connectTimeout"), 0, MAX_TIMEOUT)
    total = merged.get("totalTimeout")
    if total is None:
        total_timeout = default_total_timeout(max_retries, connect_timeout, read_timeout)
    else:
        total_timeout = check_seconds("option totalTimeout", total, 0, MAX_TOTAL_TIMEOUT)
    expiration = check_seconds("option signedUrlExpiration", value("signedUrlExpiration"), 0, MAX_EXPIRATION)
    max_response_size = check_count("option maxResponseSize", value("maxResponseSize"), 1, MAX_RESPONSE_SIZE)
    max_connections = check_count("option maxConnections", value("maxConnections"), 1, MAX_CONNECTIONS)
    scopes = merged.get("authorizedScopes")
    if scopes is not None:
        if isinstance(scopes, (str, bytes)) or not isinstance(scopes, (list, tuple)):
            raise TaskclusterFailure("option authorizedScopes must be a list of str, got %s" % type(scopes).__name__)
        for scope in scopes:
            if not isinstance(scope, str):
                raise TaskclusterFailure(
                    "option authorizedScopes must be a list of str; it holds a %s" % type(scope).__name__
                )
        scopes = tuple(scopes)
    return ClientOptions(
        root_url=root_url,
        credentials=parse_credentials(merged.get("credentials")),
        authorized_scopes=scopes,
        max_retries=max_retries,
        signed_url_expiration=expiration,
        timeout=(connect_timeout, read_timeout),
        exchange_prefix=merged.get("exchangePrefix"),
        total_timeout=total_timeout,
        max_response_size=max_response_size,
        max_connections=max_connections,
    )

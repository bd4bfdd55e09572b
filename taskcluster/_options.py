"""Client options: merged from class, module and caller dicts, validated once into a frozen value."""

import json
import re
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from .exceptions import TaskclusterAuthFailure, TaskclusterFailure

__all__ = ["DEFAULT_CONFIG", "Credentials", "ClientOptions", "merge_options", "parse_options", "parse_credentials"]

#: The module defaults (`taskcluster.client.config`); users may change them for clients built later.
DEFAULT_CONFIG: Dict[str, Any] = {
    "credentials": {"clientId": None, "accessToken": None, "certificate": None},
    "rootUrl": None,
    "maxRetries": 5,
    "signedUrlExpiration": 15 * 60,
    "timeout": 30.0,
    "connectTimeout": 10.0,
}

_NUMBER = (int, float)
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
    ) -> None:
        self.root_url = root_url
        self.credentials = credentials
        self.authorized_scopes = authorized_scopes
        self.max_retries = max_retries
        self.signed_url_expiration = signed_url_expiration
        self.timeout = timeout
        self.exchange_prefix = exchange_prefix

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


def parse_options(merged: Mapping[str, Any], require_root_url: bool = True) -> ClientOptions:
    """Validate merged options; a misuse gets a TaskclusterFailure that names the option and what it expects."""
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
    _check_type(merged, "maxRetries", int, "a non-negative int")
    _check_type(merged, "signedUrlExpiration", _NUMBER, "a number of seconds")
    _check_type(merged, "timeout", _NUMBER, "a number of seconds")
    _check_type(merged, "connectTimeout", _NUMBER, "a number of seconds")
    _check_type(merged, "exchangePrefix", str, "a str")
    max_retries = merged.get("maxRetries")
    max_retries = 5 if max_retries is None else max_retries
    if max_retries < 0:
        raise TaskclusterFailure("option maxRetries must be a non-negative int, got %r" % max_retries)
    timeout = merged.get("timeout")
    timeout = DEFAULT_CONFIG["timeout"] if timeout is None else timeout
    connect_timeout = merged.get("connectTimeout")
    connect_timeout = DEFAULT_CONFIG["connectTimeout"] if connect_timeout is None else connect_timeout
    if timeout <= 0 or connect_timeout <= 0:
        raise TaskclusterFailure(
            "options timeout and connectTimeout must be positive numbers of seconds, got %r and %r"
            % (timeout, connect_timeout)
        )
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
    expiration = merged.get("signedUrlExpiration")
    if expiration is not None and expiration <= 0:
        raise TaskclusterFailure("option signedUrlExpiration must be a positive number of seconds, got %r" % expiration)
    return ClientOptions(
        root_url=root_url,
        credentials=parse_credentials(merged.get("credentials")),
        authorized_scopes=scopes,
        max_retries=max_retries,
        signed_url_expiration=DEFAULT_CONFIG["signedUrlExpiration"] if expiration is None else expiration,
        timeout=(float(connect_timeout), float(timeout)),
        exchange_prefix=merged.get("exchangePrefix"),
    )

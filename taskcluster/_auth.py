"""How a request is authenticated, one object per scheme: Hawk (`_hawk.Signer`), a bearer token, or named headers.

Each puts its headers on one attempt's header dict (`apply`), so a retry is signed afresh; none shows its secret in
its repr. `auth_for` builds the one an `ApiSpec` names from a client's options.
"""

from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union, cast

from ._hawk import Signer, make_ext
from ._options import ClientOptions
from ._spec import ApiSpec
from .exceptions import TaskclusterAuthFailure

__all__ = ["Authorizer", "BearerAuth", "HeaderAuth", "auth_for"]

_UNSAFE_HEADER_VALUE = frozenset("\r\n\x00")


class BearerAuth:
    """`Authorization: Bearer <token>`; a callable token is called for every attempt, so a refreshed token is used."""

    __slots__ = ("_token",)
    needs_hash = False
    client_id: Optional[str] = None

    def __init__(self, token: Union[str, Callable[[], str]]) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "BearerAuth(<token>)"

    def apply(
        self, headers: Dict[str, str], request: Any, clock: Callable[[], float], nonce: Callable[[], str]
    ) -> None:
        token = self._token() if callable(self._token) else self._token
        if not isinstance(token, str) or not token or _UNSAFE_HEADER_VALUE.intersection(token):
            raise TaskclusterAuthFailure(
                "%s: the bearer token must be a non-empty str without line breaks, got %s"
                % (request.qualname, "an empty str" if token == "" else type(token).__name__)
            )
        headers["Authorization"] = "Bearer " + token


class HeaderAuth:
    """Fixed headers carrying credentials (e.g. `X-Worker-Id` and `X-Secret`); its repr names the headers only."""

    __slots__ = ("_headers",)
    needs_hash = False
    #: which header is an identity and which a secret is the API's business, so none is shown as a client id
    client_id: Optional[str] = None

    def __init__(self, headers: Dict[str, str]) -> None:
        self._headers = headers

    def __repr__(self) -> str:
        return "HeaderAuth(%s)" % ", ".join(sorted(self._headers))

    def apply(
        self, headers: Dict[str, str], request: Any, clock: Callable[[], float], nonce: Callable[[], str]
    ) -> None:
        headers.update(self._headers)


Authorizer = Union[Signer, BearerAuth, HeaderAuth]


def _header_credentials(pairs: Tuple[Tuple[str, str], ...], credentials: Any) -> Optional[HeaderAuth]:
    """The `headers` scheme's auth from the credentials option, or None when it gives none of the keys."""
    if credentials is None:
        return None
    keys = [key for _header, key in pairs]
    if not isinstance(credentials, Mapping):
        raise TaskclusterAuthFailure(
            "credentials must be a dict with %s, got %s" % (", ".join(keys), type(credentials).__name__)
        )
    given = {key: credentials.get(key) for key in keys if credentials.get(key) is not None}
    if not given:
        return None
    missing = [key for key in keys if key not in given]
    if missing:
        raise TaskclusterAuthFailure("credentials need all of %s; missing %s" % (", ".join(keys), ", ".join(missing)))
    headers: Dict[str, str] = {}
    for header, key in pairs:
        value = given[key]
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise TaskclusterAuthFailure("credentials.%s must be a str or int, got %s" % (key, type(value).__name__))
        text = str(value)
        if not text or _UNSAFE_HEADER_VALUE.intersection(text):
            raise TaskclusterAuthFailure("credentials.%s must be non-empty text without line breaks" % key)
        headers[header] = text
    return HeaderAuth(headers)


def auth_for(spec: ApiSpec, opts: ClientOptions, merged: Mapping[str, Any]) -> Optional[Authorizer]:
    """The authorizer of a client with these options, or None when it sends no credentials."""
    kind = spec.auth.kind
    if kind == "hawk":
        credentials = opts.credentials
        if credentials is None:
            return None
        ext = make_ext(credentials.certificate, opts.authorized_scopes)
        return Signer(credentials.clientId, credentials.accessToken, ext)
    if kind == "bearer":
        token = merged.get("token")
        if token is None:
            return None
        if not (isinstance(token, str) and token) and not callable(token):
            raise TaskclusterAuthFailure(
                "option token must be a non-empty str or a callable returning one, got %s" % type(token).__name__
            )
        return BearerAuth(cast(Union[str, Callable[[], str]], token))
    if kind == "headers":
        return _header_credentials(spec.auth.headers, merged.get("credentials"))
    return None

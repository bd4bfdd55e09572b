"""Request authentication as the Taskcluster auth service specifies it.

- Hawk ``Authorization`` headers are checked with ``mohawk.Receiver`` (±900 s clock skew, nonce reuse
  refused, the payload hash verified when the client sent one);
- bewits (``?bewit=`` signed URLs) with ``mohawk.bewit.check_bewit``;
- ``ext`` (base64 JSON, either alphabet; NaN and Infinity refused) may carry a temporary-credential
  ``certificate`` and ``authorizedScopes``; certificates are validated (version, seed, a window of finite
  integer milliseconds at most 31 days long, issuer and signature, named-credential rules) and their access
  token derived from the issuer's; ``authorizedScopes`` beyond the credentials' scopes fail authentication;
- requests without credentials get the scopes of the ``anonymous`` role.

Messages never contain access tokens, signatures, MACs or bewits.
"""

import base64
import binascii
import collections
import hashlib
import hmac
import io
import json
import logging
import math
import re
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import mohawk
import mohawk.bewit
import mohawk.exc
import mohawk.util

from ._time import parse_date
from .scopes import ScopeSet, is_valid_scope

__all__ = [
    "AuthenticationError",
    "Authenticator",
    "ClientInfo",
    "Principal",
    "certificate_signature",
    "decode_ext",
    "temporary_access_token",
]

#: Allowed clock difference between client and server, as upstream.
TIMESTAMP_SKEW_SECONDS = 15 * 60
#: Certificates may start up to this far in the future / have expired this long ago.
CERTIFICATE_SLACK_MS = 5 * 60 * 1000
MAX_CERTIFICATE_SPAN_MS = 31 * 24 * 3600 * 1000

_BEWIT_RE = re.compile(r"[?&]bewit=([^&]*)")
_BEWIT_VALUE_RE = re.compile(r"^[\w-]*$")


class _DropDebug(logging.Filter):
    """mohawk logs request headers and payloads at DEBUG; keep them out of the user's logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


# mohawk ships no type information; pyright would take the types of its parameters from their default values
# (`content=EmptyValue`, `localtime_offset_in_seconds=0`), so the receiver is called untyped, as mypy sees it.
_Receiver: Callable[..., Any] = mohawk.Receiver

for _name in ("mohawk", "mohawk.base", "mohawk.receiver", "mohawk.sender", "mohawk.util", "mohawk.bewit"):
    logging.getLogger(_name).addFilter(_DropDebug())


class AuthenticationError(Exception):
    """401: the request's credentials are not valid."""


class ClientInfo:
    """What authentication needs to know about a (permanent) client."""

    __slots__ = ("access_token", "client_id", "disabled", "expires", "scopes")

    def __init__(
        self,
        client_id: str,
        access_token: str,
        scopes: List[str],
        disabled: bool = False,
        expires: Optional[str] = None,
    ) -> None:
        self.client_id: str = client_id
        self.access_token: str = access_token
        self.scopes: List[str] = scopes
        self.disabled: bool = disabled
        self.expires: Optional[str] = expires

    def __repr__(self) -> str:
        return "ClientInfo(client_id=%r, scopes=%r, accessToken=<hidden>)" % (self.client_id, self.scopes)


class Principal:
    """The result of authentication: who is calling and with which (expanded) scopes."""

    __slots__ = ("client_id", "scheme", "scopes")

    def __init__(self, client_id: Optional[str], scopes: ScopeSet, scheme: str) -> None:
        self.client_id: Optional[str] = client_id
        self.scopes: ScopeSet = scopes
        self.scheme: str = scheme

    def __repr__(self) -> str:
        return "Principal(client_id=%r, scheme=%r, scopes=%r)" % (self.client_id, self.scheme, list(self.scopes))


ClientLoader = Callable[[str], Optional[ClientInfo]]
Expander = Callable[[List[str]], List[str]]


def _refuse_constant(name: str) -> Any:
    raise ValueError("%s is not JSON" % name)


def _json_loads(text: str, what: str) -> Any:
    """Strict JSON: Python's parser would accept NaN, Infinity and -Infinity, which JSON does not have."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        raise AuthenticationError("%s is not valid JSON (NaN and Infinity are not allowed)" % what)
    except RecursionError:
        raise AuthenticationError("%s is JSON nested too deeply" % what)


def decode_ext(ext: Optional[str]) -> Dict[str, Any]:
    """Decode a Hawk ``ext``: base64 (standard or URL-safe, padding optional) of a JSON object."""
    if not ext:
        return {}
    text = ext.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise AuthenticationError("ext is not base64-encoded JSON")
    data = _json_loads(raw, "ext")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AuthenticationError("ext must encode a JSON object")
    return data


def certificate_signature(access_token: str, cert: Mapping[str, Any], client_id: Optional[str] = None) -> str:
    """base64(HMAC-SHA256(issuer accessToken, certificate lines)); ``client_id`` for named credentials."""
    lines = ["version:%s" % cert["version"]]
    if "issuer" in cert:
        lines.append("clientId:%s" % client_id)
        lines.append("issuer:%s" % cert["issuer"])
    lines.append("seed:%s" % cert["seed"])
    lines.append("start:%s" % _ms_text(cert["start"]))
    lines.append("expiry:%s" % _ms_text(cert["expiry"]))
    lines.append("scopes:")
    lines.extend(cert["scopes"])
    digest = hmac.new(access_token.encode("utf-8"), "\n".join(lines).encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _ms_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_whole_number(value: Any) -> bool:
    """An int, or a float that is finite and integer-valued (JSON has one number type); not a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value) and value.is_integer()


def _milliseconds(cert: Dict[str, Any], name: str) -> float:
    """The certificate's time field `name` (milliseconds since the epoch), checked to be a whole number."""
    value: Any = cert.get(name)
    if not _is_whole_number(value):
        raise AuthenticationError("ext.certificate.%s must be a finite integer (milliseconds since the epoch)" % name)
    result: float = value
    return result


def temporary_access_token(issuer_access_token: str, seed: str) -> str:
    """The access token of temporary credentials: base64url(HMAC-SHA256(issuer token, seed)) without ``=``."""
    digest = hmac.new(issuer_access_token.encode("utf-8"), seed.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class _NonceCache:
    """Memory of the (clientId, nonce, ts) accepted within the last two skew windows.

    mohawk accepts a timestamp at most TIMESTAMP_SKEW_SECONDS away from the clock, so a request accepted
    at time ``t`` can only be replayed until ``t + 2 * TIMESTAMP_SKEW_SECONDS``: entries are forgotten by
    age only (never by count, which would let a flood of requests make room for a replay). Memory is
    bounded by the request rate over that window.
    """

    def __init__(self) -> None:
        self._seen: "collections.OrderedDict[Tuple[str, str, str], float]" = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def seen(self, client_id: str, nonce: str, ts: str, now: float) -> bool:
        key = (client_id, nonce, ts)
        with self._lock:
            horizon = now - 2 * TIMESTAMP_SKEW_SECONDS
            while self._seen:
                oldest_key, added = next(iter(self._seen.items()))
                if added >= horizon:
                    break
                del self._seen[oldest_key]
            if key in self._seen:
                return True
            self._seen[key] = now
            return False


class Authenticator:
    """Turns a request's credentials into a `Principal`, or raises.

    ``load_client(clientId)`` returns a `ClientInfo` (or None); ``expand(scopes)`` expands roles.
    ``clock`` returns the current Unix time in seconds.
    """

    def __init__(self, load_client: ClientLoader, expand: Expander, clock: Callable[[], float] = time.time) -> None:
        self.load_client = load_client
        self.expand = expand
        self.clock = clock
        self._nonces = _NonceCache()

    # ------------------------------------------------------------------------------------------------------
    def authenticate(
        self,
        method: str,
        scheme: str,
        host: str,
        raw_path: str,
        authorization: Optional[str],
        content: bytes,
        content_type: str,
        load_client: Optional[ClientLoader] = None,
    ) -> Principal:
        """Authenticate one request. ``raw_path`` is the path and query exactly as received."""
        loader = load_client or self.load_client
        bewit_match = _BEWIT_RE.search(raw_path)
        if bewit_match and authorization:
            raise AuthenticationError("Cannot use two authentication schemes (a bewit and an Authorization header)")
        url = "%s://%s%s" % (scheme, host, raw_path)
        if authorization:
            return self._hawk(loader, method, url, authorization, content, content_type)
        if bewit_match:
            return self._bewit(loader, method, url, bewit_match, len(url) - len(raw_path))
        return Principal(None, self._scopes([]), "anonymous")

    # ------------------------------------------------------------------------------------------------------
    def _hawk(
        self, loader: ClientLoader, method: str, url: str, header: str, content: bytes, content_type: str
    ) -> Principal:
        if not header.lower().startswith("hawk "):
            raise AuthenticationError("Unsupported authorization scheme; use Hawk")
        try:
            attributes = mohawk.util.parse_authorization_header(header)
        except (mohawk.exc.HawkFail, ValueError):
            raise AuthenticationError("Malformed Hawk Authorization header")
        for name in ("id", "ts", "nonce", "mac"):
            if not attributes.get(name):
                raise AuthenticationError("Hawk Authorization header lacks the %r attribute" % name)
        client_id = attributes["id"]
        key, base_scopes, ext = self._resolve(loader, client_id, attributes.get("ext"))
        credentials = {"id": client_id, "key": key, "algorithm": "sha256"}
        now = self.clock()
        try:
            _Receiver(
                lambda _id: credentials,
                header,
                url,
                method,
                # a body as a file: mohawk hashes it the same, but its debug message (formatted even when not
                # logged) then shows the file object, not a pretty-printed copy of the body (1.6 s for 8 MB)
                content=io.BytesIO(content) if content else content,
                content_type=content_type,
                seen_nonce=lambda cid, nonce, ts: self._nonces.seen(cid, nonce, ts, now),
                accept_untrusted_content=True,
                timestamp_skew_in_seconds=TIMESTAMP_SKEW_SECONDS,
                localtime_offset_in_seconds=now - time.time(),
            )
        except mohawk.exc.MacMismatch:
            raise AuthenticationError(
                "Hawk MAC does not match for clientId %r: check the accessToken, and that the method, "
                "path, query, host and port signed are those of this request" % client_id
            )
        except mohawk.exc.MisComputedContentHash:
            raise AuthenticationError("Hawk payload hash does not match the request body and content-type")
        except mohawk.exc.TokenExpired:
            raise AuthenticationError(
                "Hawk timestamp is more than %d seconds away from the server's clock" % TIMESTAMP_SKEW_SECONDS
            )
        except mohawk.exc.AlreadyProcessed:
            raise AuthenticationError("Hawk nonce was already used (replayed request)")
        except (mohawk.exc.HawkFail, ValueError, TypeError):
            raise AuthenticationError("Malformed Hawk Authorization header")
        return self._principal(client_id, base_scopes, ext, "hawk")

    def _bewit(self, loader: ClientLoader, method: str, url: str, match: "re.Match[str]", offset: int) -> Principal:
        if method not in ("GET", "HEAD"):
            raise AuthenticationError("Bewits (signed URLs) are only valid for GET requests")
        raw = match.group(1)
        if not raw or not _BEWIT_VALUE_RE.match(raw):
            raise AuthenticationError("Invalid bewit: not URL-safe base64")
        try:
            decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise AuthenticationError("Invalid bewit: not base64")
        parts = decoded.split("\\")
        if len(parts) != 4 or not parts[0] or not parts[1].isdigit():
            raise AuthenticationError("Invalid bewit: expected clientId, expiry, mac and ext")
        client_id, expiry, _mac, ext_text = parts
        key, base_scopes, ext = self._resolve(loader, client_id, ext_text)
        credentials = {"id": client_id, "key": key, "algorithm": "sha256"}
        # mohawk decodes with the standard alphabet and requires padding: hand it an equivalent value.
        standard = base64.b64encode(decoded.encode("ascii")).decode("ascii")
        normalized_url = url[: offset + match.start(1)] + standard + url[offset + match.end(1) :]
        try:
            mohawk.bewit.check_bewit(normalized_url, lambda _id: credentials, now=int(self.clock()))
        except mohawk.exc.TokenExpired:
            raise AuthenticationError("Bewit has expired")
        except mohawk.exc.MacMismatch:
            raise AuthenticationError(
                "Bewit MAC does not match for clientId %r: the URL was altered or signed with another "
                "accessToken" % client_id
            )
        except (mohawk.exc.HawkFail, ValueError, TypeError):
            raise AuthenticationError("Invalid bewit")
        return self._principal(client_id, base_scopes, ext, "bewit")

    # ------------------------------------------------------------------------------------------------------
    def _load(self, loader: ClientLoader, client_id: str) -> ClientInfo:
        client = loader(client_id)
        if client is None:
            raise AuthenticationError("Unknown clientId %r" % client_id)
        if client.disabled:
            raise AuthenticationError("Client %r is disabled" % client_id)
        if client.expires:
            expires = parse_date(client.expires)
            if expires is not None and expires.timestamp() < self.clock():
                raise AuthenticationError("Client %r has expired" % client_id)
        return client

    def _resolve(
        self, loader: ClientLoader, client_id: str, ext_text: Optional[str]
    ) -> Tuple[str, List[str], Dict[str, Any]]:
        """The Hawk key for ``client_id`` and its unexpanded scopes, honouring a certificate in ``ext``."""
        ext = decode_ext(ext_text)
        cert = ext.get("certificate")
        if cert is None:  # only an absent (or null) certificate means permanent credentials; {} is refused
            client = self._load(loader, client_id)
            return client.access_token, list(client.scopes), ext
        if isinstance(cert, str):
            cert = _json_loads(cert, "ext.certificate")
        if not isinstance(cert, dict):
            raise AuthenticationError("ext.certificate must be a JSON object")
        return self._check_certificate(loader, client_id, cert) + (ext,)

    def _check_certificate(self, loader: ClientLoader, client_id: str, cert: Dict[str, Any]) -> Tuple[str, List[str]]:
        if cert.get("version") != 1 or isinstance(cert.get("version"), bool):
            raise AuthenticationError("ext.certificate.version must be 1")
        seed = cert.get("seed")
        if not isinstance(seed, str) or len(seed) != 44:
            raise AuthenticationError("ext.certificate.seed must be a string of 44 characters")
        start, expiry = _milliseconds(cert, "start"), _milliseconds(cert, "expiry")
        scopes = cert.get("scopes")
        if not isinstance(scopes, list) or not all(is_valid_scope(s) for s in scopes):
            raise AuthenticationError("ext.certificate.scopes must be a list of valid scopes")
        if not isinstance(cert.get("signature"), str):
            raise AuthenticationError("ext.certificate.signature must be a string")
        now_ms = self.clock() * 1000
        if start > now_ms + CERTIFICATE_SLACK_MS:
            raise AuthenticationError("ext.certificate.start is in the future")
        if expiry < now_ms - CERTIFICATE_SLACK_MS:
            raise AuthenticationError("ext.certificate.expiry is in the past (the temporary credentials expired)")
        if expiry - start > MAX_CERTIFICATE_SPAN_MS:
            raise AuthenticationError("ext.certificate cannot be valid for more than 31 days")
        if expiry < start:
            raise AuthenticationError("ext.certificate.expiry is before its start")
        if "issuer" in cert:
            issuer_id = cert["issuer"]
            if not isinstance(issuer_id, str) or not issuer_id:
                raise AuthenticationError("ext.certificate.issuer must be a clientId")
            if issuer_id == client_id:
                raise AuthenticationError("ext.certificate.issuer must differ from the supplied clientId")
        else:
            if "clientId" in cert:
                raise AuthenticationError("ext.certificate.clientId is not allowed (unnamed temporary credentials)")
            issuer_id = client_id
        try:
            issuer = self._load(loader, issuer_id)
        except AuthenticationError as e:
            # the issuer must be a permanent client: temporary credentials cannot issue temporary credentials
            raise AuthenticationError(
                "Certificate issuer: %s (temporary credentials must be issued by a permanent client)" % e
            )
        expected = certificate_signature(issuer.access_token, cert, client_id)
        if not hmac.compare_digest(expected.encode("ascii"), cert["signature"].encode("utf-8", "replace")):
            raise AuthenticationError(
                "ext.certificate.signature is not valid (not signed with the accessToken of issuer %r)" % issuer_id
            )
        issuer_scopes = ScopeSet(self.expand(list(issuer.scopes)))
        if "issuer" in cert and not issuer_scopes.satisfies("auth:create-client:" + client_id):
            raise AuthenticationError(
                "ext.certificate issuer %r lacks auth:create-client:%s, needed to issue named temporary "
                "credentials" % (issuer_id, client_id)
            )
        lacking = [s for s in scopes if not issuer_scopes.satisfies(s)]
        if lacking:
            raise AuthenticationError(
                "ext.certificate issuer %r does not have the scopes it grants: %s" % (issuer_id, ", ".join(lacking))
            )
        return temporary_access_token(issuer.access_token, seed), list(scopes)

    def _principal(self, client_id: str, base_scopes: List[str], ext: Dict[str, Any], scheme: str) -> Principal:
        scopes = self._scopes(base_scopes)
        authorized = ext.get("authorizedScopes")
        if authorized is not None:  # an empty list restricts to no scopes, as upstream
            if not isinstance(authorized, list) or not all(is_valid_scope(s) for s in authorized):
                raise AuthenticationError("ext.authorizedScopes must be a list of valid scopes")
            missing = [s for s in authorized if not scopes.satisfies(s)]
            if missing:
                # upstream fails authentication here (401), it does not answer InsufficientScopes
                raise AuthenticationError(
                    "ext.authorizedScopes oversteps your scopes: clientId %r does not have %s"
                    % (client_id, ", ".join(missing))
                )
            scopes = self._scopes(list(authorized))
        return Principal(client_id, scopes, scheme)

    def _scopes(self, base: List[str]) -> ScopeSet:
        """``base`` expanded, plus the anonymous role's scopes (which every request has)."""
        anonymous = [s for s in self.expand(["assume:anonymous"]) if s != "assume:anonymous"]
        return ScopeSet(self.expand(base) + anonymous)

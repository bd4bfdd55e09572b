"""Hawk request signing and bewits, built on hmac/hashlib (mohawk's Sender is ~15x slower per call).

Everything here is a pure function: the clock and the nonce are arguments, so tests pin them and
verify the results with an independent implementation (mohawk's Receiver and bewit checker).
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
from typing import Any, Callable, Dict, Optional, Sequence

__all__ = ["EMPTY_PAYLOAD_HASH", "payload_hash", "make_ext", "new_nonce", "Signer"]


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def payload_hash(content_type: str, body: bytes) -> str:
    """The Hawk payload hash of `body` sent as `content_type` (only the media type, lower-cased, counts)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return _b64(hashlib.sha256(b"hawk.1.payload\n" + media_type.encode("ascii") + b"\n" + body + b"\n").digest())


EMPTY_PAYLOAD_HASH = payload_hash("", b"")


def make_ext(certificate: Optional[Dict[str, Any]], authorized_scopes: Optional[Sequence[str]]) -> str:
    """The Hawk `ext` value carrying a temporary-credential certificate and/or authorizedScopes ('' if neither).

    Taskcluster reads `ext` as base64 of a JSON object; like the historical client we use the URL-safe
    alphabet with padding kept, which the service accepts.
    """
    ext: Dict[str, Any] = {}
    if certificate is not None:
        ext["certificate"] = certificate
    if authorized_scopes is not None:
        ext["authorizedScopes"] = list(authorized_scopes)
    if not ext:
        return ""
    raw = json.dumps(ext, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def new_nonce() -> str:
    """A fresh random nonce (8 URL-safe characters)."""
    return base64.urlsafe_b64encode(os.urandom(6)).decode("ascii")


class Signer:
    """Signs requests and URLs for one set of credentials; holds the key so callers never handle it.

    Its repr shows the clientId only.
    """

    __slots__ = ("client_id", "_key", "ext", "_id_part")

    def __init__(self, client_id: str, access_token: str, ext: str = "") -> None:
        self.client_id = client_id
        self._key = access_token.encode("utf-8")
        self.ext = ext
        self._id_part = 'Hawk id="%s", ' % client_id

    #: Hawk signs the body's hash, so requests for it carry one
    needs_hash = True

    def __repr__(self) -> str:
        return "Signer(client_id=%r)" % self.client_id

    def apply(
        self, headers: Dict[str, str], request: Any, clock: Callable[[], float], nonce: Callable[[], str]
    ) -> None:
        """Sign one attempt of `request` (a `_flow.Request`) at `clock()` with a fresh `nonce()`."""
        headers["Authorization"] = self.header(
            request.method, request.resource, request.host, request.port, request.content_hash, int(clock()), nonce()
        )

    def _mac(self, normalized: str) -> str:
        return _b64(hmac.digest(self._key, normalized.encode("utf-8"), "sha256"))

    def header(self, method: str, resource: str, host: str, port: int, content_hash: str, ts: int, nonce: str) -> str:
        """The `Authorization` header for one attempt of a request to `resource` (path and query)."""
        ext = self.ext
        mac = self._mac(
            "hawk.1.header\n%d\n%s\n%s\n%s\n%s\n%d\n%s\n%s\n"
            % (ts, nonce, method, resource, host, port, content_hash, ext)
        )
        header = '%sts="%d", nonce="%s", hash="%s", ' % (self._id_part, ts, nonce, content_hash)
        if ext:
            header += 'ext="%s", ' % ext
        return header + 'mac="%s"' % mac

    def bewit(self, resource: str, host: str, port: int, expires: int) -> str:
        """The `bewit` query value granting GET access to `resource` until the Unix time `expires`."""
        ext = self.ext
        mac = self._mac("hawk.1.bewit\n%d\n\nGET\n%s\n%s\n%d\n\n%s\n" % (expires, resource, host, port, ext))
        inner = "%s\\%d\\%s\\%s" % (self.client_id, expires, mac, ext)
        encoded = binascii.b2a_base64(inner.encode("utf-8"), newline=False).translate(_URL_SAFE)
        return encoded.decode("ascii").rstrip("=")

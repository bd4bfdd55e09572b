"""Hawk signing written out by hand with hmac/hashlib: the floor a signed call cannot go below.

The bare baselines in `workloads.py` sign with these functions, so "client vs bare" compares our
package with the least work a correct Hawk client has to do (one SHA-256 HMAC per request, plus a
SHA-256 of the body when there is one). Stdlib only; written from the Hawk spec
(https://github.com/mozilla/hawk/blob/main/API.md), independent of `taskcluster._hawk`.

    python bench/hawk_by_hand.py     # checks these against mohawk, when mohawk is importable
"""

import base64
import hashlib
import hmac
import os
import time
from typing import Optional

__all__ = ["EMPTY_HASH", "payload_hash", "header", "bewit"]


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def payload_hash(content_type: str, body: bytes) -> str:
    """`hash=` of a request body: SHA-256 over `hawk.1.payload\\n<media type>\\n<body>\\n`."""
    media_type = content_type.split(";", 1)[0].strip().lower().encode("ascii")
    return _b64(hashlib.sha256(b"hawk.1.payload\n" + media_type + b"\n" + body + b"\n").digest())


#: `hash=` of a request without a body (what a client sends on GET).
EMPTY_HASH = payload_hash("", b"")


def header(
    client_id: str,
    key: bytes,
    method: str,
    resource: str,
    host: str,
    port: int,
    content_hash: str = EMPTY_HASH,
    ts: Optional[int] = None,
    nonce: Optional[str] = None,
) -> str:
    """`Authorization: Hawk id="", ts="", nonce="", hash="", mac=""` for `method resource` (path + query)."""
    if ts is None:
        ts = int(time.time())
    if nonce is None:
        nonce = base64.urlsafe_b64encode(os.urandom(6)).decode("ascii")
    normalized = f"hawk.1.header\n{ts}\n{nonce}\n{method}\n{resource}\n{host.lower()}\n{port}\n{content_hash}\n\n"
    mac = _b64(hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).digest())
    return f'Hawk id="{client_id}", ts="{ts}", nonce="{nonce}", hash="{content_hash}", mac="{mac}"'


def bewit(client_id: str, key: bytes, resource: str, host: str, port: int, expires: int) -> str:
    """The `bewit=` query value allowing a GET of `resource` until Unix time `expires`."""
    normalized = f"hawk.1.bewit\n{expires}\n\nGET\n{resource}\n{host.lower()}\n{port}\n\n\n"
    mac = _b64(hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).digest())
    raw = f"{client_id}\\{expires}\\{mac}\\"
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def check_with_mohawk() -> str:
    """Verify `header` and `bewit` with mohawk's Receiver / check_bewit; returns a one-line verdict."""
    try:
        import mohawk
        import mohawk.bewit
    except ImportError:
        return "skipped (mohawk not importable)"
    client_id, token = "bench-client", "bench-access-token"

    def unseen(sender_id: str, nonce: str, ts: str) -> bool:
        return False

    def lookup(sender_id: str) -> dict:
        assert sender_id == client_id, sender_id
        return {"id": client_id, "key": token, "algorithm": "sha256"}

    key = token.encode()
    url = "http://127.0.0.1:8080/api/queue/v1/task/abc/status?x=1"
    mohawk.Receiver(
        lookup,
        header(client_id, key, "GET", "/api/queue/v1/task/abc/status?x=1", "127.0.0.1", 8080),
        url,
        "GET",
        content=b"",
        content_type="",
        seen_nonce=unseen,
    )
    body = b'{"a": 1}'
    signed = header(
        client_id, key, "PUT", "/api/queue/v1/task/abc", "127.0.0.1", 8080, payload_hash("application/json", body)
    )
    mohawk.Receiver(
        lookup,
        signed,
        "http://127.0.0.1:8080/api/queue/v1/task/abc",
        "PUT",
        content=body,
        content_type="application/json",
        seen_nonce=unseen,
    )
    resource = "/api/queue/v1/task/abc/artifacts/public%2Fx"
    value = bewit(client_id, key, resource, "127.0.0.1", 8080, int(time.time()) + 600)
    if not mohawk.bewit.check_bewit(f"http://127.0.0.1:8080{resource}?bewit={value}", lookup):
        raise AssertionError("bewit refused by mohawk")
    return "ok (GET and PUT headers and a bewit accepted by mohawk)"


if __name__ == "__main__":
    print("hand-built Hawk:", check_with_mohawk())

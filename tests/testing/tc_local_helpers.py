"""Helpers for the local-deployment tests: Hawk signing with mohawk.Sender and certificates built by hand.

Nothing here uses the SDK's own signing code, so these tests check the server independently of the client.
"""

import base64
import datetime
import hashlib
import hmac
import json
import time
from typing import Any, Dict, List, Optional

import mohawk
import mohawk.bewit
import requests
import slugid
from mohawk.base import Resource

SLUG_TASK = {
    "provisionerId": "local-prov",
    "workerType": "test-worker",
    "payload": {},
    "metadata": {
        "name": "t",
        "description": "a test task",
        "owner": "tests@example.com",
        "source": "https://example.com/tests",
    },
}


def iso(seconds_from_now: float = 0.0, now: Optional[float] = None) -> str:
    moment = (time.time() if now is None else now) + seconds_from_now
    dt = datetime.datetime.fromtimestamp(moment, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def task_definition(now: Optional[float] = None, **changes: Any) -> Dict[str, Any]:
    task = json.loads(json.dumps(SLUG_TASK))
    task["created"] = iso(0, now)
    task["deadline"] = iso(3600, now)
    task.update(changes)
    return {k: v for k, v in task.items() if v is not None}


def encode_ext(ext: Optional[Dict[str, Any]], urlsafe: bool = True) -> Optional[str]:
    if ext is None:
        return None
    raw = base64.b64encode(json.dumps(ext, separators=(",", ":")).encode()).decode()
    return raw.replace("+", "-").replace("/", "_") if urlsafe else raw


def make_certificate(
    issuer_id: str,
    issuer_token: str,
    scopes: List[str],
    name: Optional[str] = None,
    start_ms: Optional[int] = None,
    expiry_ms: Optional[int] = None,
) -> Dict[str, Any]:
    """A temporary-credential certificate signed as HISTORICAL-CLIENT.md 2.6 describes, plus its token."""
    now_ms = int(time.time() * 1000)
    cert: Dict[str, Any] = {
        "version": 1,
        "scopes": scopes,
        "start": now_ms - 60000 if start_ms is None else start_ms,
        "expiry": now_ms + 3600000 if expiry_ms is None else expiry_ms,
        "seed": slugid.nice() + slugid.nice(),
    }
    lines = ["version:1"]
    if name is not None:
        cert["issuer"] = issuer_id
        lines += ["clientId:%s" % name, "issuer:%s" % issuer_id]
    lines += ["seed:%s" % cert["seed"], "start:%d" % cert["start"], "expiry:%d" % cert["expiry"], "scopes:"]
    lines += scopes
    cert["signature"] = base64.b64encode(
        hmac.new(issuer_token.encode(), "\n".join(lines).encode(), hashlib.sha256).digest()
    ).decode()
    token = (
        base64.urlsafe_b64encode(hmac.new(issuer_token.encode(), cert["seed"].encode(), hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )
    return {"clientId": name or issuer_id, "accessToken": token, "certificate": cert}


class Api:
    """Plain ``requests`` calls to a deployment, signed with mohawk.Sender when credentials are given."""

    def __init__(self, root_url: str, credentials: Optional[Dict[str, Any]] = None) -> None:
        self.root_url = root_url
        self.credentials = credentials
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def url(self, service: str, path: str) -> str:
        return "%s/api/%s/v1%s" % (self.root_url, service, path)

    def header(
        self,
        method: str,
        url: str,
        body: bytes = b"",
        content_type: str = "",
        credentials: Optional[Dict[str, Any]] = None,
        ext: Optional[Dict[str, Any]] = None,
        ts: Optional[int] = None,
        nonce: Optional[str] = None,
        urlsafe_ext: bool = True,
    ) -> str:
        creds = credentials or self.credentials
        assert creds is not None
        ext = dict(ext or {})
        if creds.get("certificate") is not None and "certificate" not in ext:
            ext["certificate"] = creds["certificate"]
        sender = mohawk.Sender(
            {"id": creds["clientId"], "key": creds["accessToken"], "algorithm": "sha256"},
            url,
            method,
            content=body,
            content_type=content_type,
            ext=encode_ext(ext, urlsafe_ext) if ext else None,
            _timestamp=ts,
            nonce=nonce,
        )
        return sender.request_header

    def call(
        self,
        method: str,
        service: str,
        path: str,
        payload: Any = None,
        *,
        anonymous: bool = False,
        credentials: Optional[Dict[str, Any]] = None,
        ext: Optional[Dict[str, Any]] = None,
        ts: Optional[int] = None,
        nonce: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
        raw_body: Optional[bytes] = None,
        urlsafe_ext: bool = True,
    ) -> requests.Response:
        url = self.url(service, path)
        body = raw_body if raw_body is not None else (b"" if payload is None else json.dumps(payload).encode())
        content_type = "application/json" if body else ""
        all_headers = {"Content-Type": content_type} if content_type else {}
        if not anonymous and (credentials or self.credentials):
            all_headers["Authorization"] = self.header(
                method, url, body, content_type, credentials, ext, ts, nonce, urlsafe_ext
            )
        all_headers.update(headers or {})
        return self.session.request(method, url, data=body or None, headers=all_headers, allow_redirects=False)

    def signed_url(
        self,
        service: str,
        path: str,
        credentials: Optional[Dict[str, Any]] = None,
        expires_in: int = 300,
        ext: Optional[Dict[str, Any]] = None,
    ) -> str:
        """A bewit URL made with mohawk's bewit code (the server must accept it)."""
        creds = credentials or self.credentials
        assert creds is not None
        url = self.url(service, path)
        ext = dict(ext or {})
        if creds.get("certificate") is not None:
            ext["certificate"] = creds["certificate"]
        resource = Resource(
            url=url,
            method="GET",
            nonce="",
            timestamp=str(int(time.time()) + expires_in),
            credentials={"id": creds["clientId"], "key": creds["accessToken"], "algorithm": "sha256"},
            ext=encode_ext(ext) if ext else None,
        )
        bewit = mohawk.bewit.get_bewit(resource).rstrip("=")
        return url + ("&" if "?" in url else "?") + "bewit=" + bewit


def assert_error(response: requests.Response, status: int, code: str) -> Dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["code"] == code, body
    assert set(body["requestInfo"]) == {"method", "params", "payload", "time"}
    return body

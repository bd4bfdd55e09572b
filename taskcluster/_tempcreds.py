"""Temporary credentials: a certificate signed with the issuer's accessToken, and the derived accessToken."""

import base64
import datetime
import hashlib
import hmac
import json
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from .exceptions import TaskclusterFailure

__all__ = ["MAX_DURATION", "createTemporaryCredentials"]

MAX_DURATION = datetime.timedelta(days=31)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _millis(when: datetime.datetime) -> int:
    """Milliseconds since the epoch (sub-millisecond parts dropped); a naive datetime is taken as UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return (when - _EPOCH) // datetime.timedelta(milliseconds=1)


def _text(name: str, value: Union[str, bytes]) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str) or not value:
        raise TaskclusterFailure("%s must be a non-empty str" % name)
    return value


def _new_seed() -> str:
    from .utils import slugId

    return slugId() + slugId()


def createTemporaryCredentials(
    clientId: Union[str, bytes],
    accessToken: Union[str, bytes],
    start: datetime.datetime,
    expiry: datetime.datetime,
    scopes: Sequence[str],
    name: Optional[str] = None,
    *,
    seed: Optional[Callable[[], str]] = None,
) -> Dict[str, Any]:
    """Issue temporary credentials (at most 31 days) for `scopes`, signed with the issuing credentials.

    With `name` the result is a named credential usable as clientId `name` (the issuer needs
    `auth:create-client:<name>`). Returns `{'clientId', 'accessToken', 'certificate'}` with a str
    accessToken and the certificate as JSON text. Naive datetimes are taken as UTC.
    """
    issuer = _text("clientId", clientId)
    key = _text("accessToken", accessToken).encode("utf-8")
    for label, when in (("start", start), ("expiry", expiry)):
        if not isinstance(when, datetime.datetime):
            raise TaskclusterFailure("%s must be a datetime.datetime, got %s" % (label, type(when).__name__))
    start_ms, expiry_ms = _millis(start), _millis(expiry)
    if expiry_ms <= start_ms:
        raise TaskclusterFailure("expiry must be after start")
    if expiry_ms - start_ms > MAX_DURATION.total_seconds() * 1000:
        raise TaskclusterFailure("Only 31 days allowed: temporary credentials can last at most 31 days")
    if isinstance(scopes, (str, bytes)):
        raise TaskclusterFailure("scopes must be a list of str, not a single string")
    scope_list: List[str] = []
    for scope in scopes:
        if not isinstance(scope, str):
            raise TaskclusterFailure("Scope must be string: scopes holds a %s" % type(scope).__name__)
        scope_list.append(scope)
    if name is not None:
        name = _text("name", name)
        if name == issuer:
            raise TaskclusterFailure("a named temporary credential must have a name other than its issuer's clientId")
    cert_seed = (seed or _new_seed)()

    lines = ["version:1"]
    if name is not None:
        lines += ["clientId:%s" % name, "issuer:%s" % issuer]
    lines += ["seed:%s" % cert_seed, "start:%d" % start_ms, "expiry:%d" % expiry_ms, "scopes:"]
    lines += scope_list
    signature = base64.b64encode(hmac.new(key, "\n".join(lines).encode("utf-8"), hashlib.sha256).digest())

    certificate: Dict[str, Any] = {
        "version": 1,
        "scopes": scope_list,
        "start": start_ms,
        "expiry": expiry_ms,
        "seed": cert_seed,
    }
    certificate["signature"] = signature.decode("ascii")
    if name is not None:
        certificate["issuer"] = issuer
    temp_token = base64.urlsafe_b64encode(hmac.new(key, cert_seed.encode("utf-8"), hashlib.sha256).digest())
    return {
        "clientId": name if name is not None else issuer,
        "accessToken": temp_token.decode("ascii").rstrip("="),
        "certificate": json.dumps(certificate, separators=(",", ":")),
    }

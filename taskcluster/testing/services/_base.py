"""What every service handler gets (`Call`) and returns (`Reply`), errors, and pagination helpers."""

import base64
import binascii
import datetime
import json
import re
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple, Type

from .._time import format_date, now, parse_date
from ..scopes import MissingParameter, describe, instantiate, unsatisfied

if TYPE_CHECKING:
    from ..auth import Principal
    from ..routes import Entry
    from ..server import _Core
    from ..store import Store

__all__ = [
    "DEFAULT_LIMIT",
    "Call",
    "Reply",
    "ServiceError",
    "bad_input",
    "conflict",
    "decode_token",
    "encode_token",
    "not_found",
    "page",
]

DEFAULT_LIMIT = 1000
_DIGITS = re.compile("[0-9]+")


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


class ServiceError(Exception):
    """An error answer: HTTP ``status`` with the service error body ``{code, message, requestInfo}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Optional[Mapping[str, str]] = None,
        extra: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.status: int = status
        self.code: str = code
        self.message: str = message
        self.headers: Dict[str, str] = dict(headers or {})
        self.extra: Dict[str, Any] = dict(extra or {})


def not_found(message: str) -> ServiceError:
    return ServiceError(404, "ResourceNotFound", message)


def conflict(message: str) -> ServiceError:
    return ServiceError(409, "RequestConflict", message)


def bad_input(message: str) -> ServiceError:
    return ServiceError(400, "InputValidationError", message)


class Reply:
    """A JSON answer (``body=None`` sends no body)."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, body: Any = None, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> None:
        self.body: Any = body
        self.status: int = status
        self.headers: Dict[str, str] = dict(headers or {})


def encode_token(values: List[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _has_type(value: Any, kind: Type[Any]) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def decode_token(token: str, *types: Type[Any]) -> List[Any]:
    """The values `encode_token` encoded; each must have the type given for its position (400 otherwise)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != len(types)
        or not all(_has_type(v, t) for v, t in zip(values, types))
    ):
        raise ServiceError(
            400, "InputError", "continuationToken is not valid (pass the token of a previous response unchanged)"
        )
    return values


class Call:
    """One API call as a handler sees it."""

    def __init__(
        self,
        *,
        entry: "Entry",
        params: Dict[str, str],
        query: Dict[str, str],
        payload: Any,
        principal: "Principal",
        store: "Store",
        deployment: "_Core",
        base_url: str,
        clock: float,
    ) -> None:
        self.entry: Entry = entry
        self.params: Dict[str, str] = params
        self.query: Dict[str, str] = query
        self.payload: Any = payload
        self.principal: Principal = principal
        self.store: Store = store
        self.deployment: _Core = deployment
        self.base_url: str = base_url
        self.clock: float = clock
        self.now: datetime.datetime = now(clock)
        self.now_text: str = format_date(self.now)
        #: True once the entry's scope expression was enforced (the server refuses to answer otherwise)
        self.authorized: bool = not entry.scopes

    # -- authorization -----------------------------------------------------------------------------------
    def authorize_from_route(self) -> None:
        """Enforce the scope expression now if route parameters are enough to fill it (as upstream does
        before validating the payload). This is the only check of such expressions; for the others the
        handler calls `authorize` with the parameters it finds in the payload or the store."""
        if self.authorized:
            return
        try:
            required = instantiate(self.entry.scopes, self.params, strict=True)
        except MissingParameter:
            return
        self.require(required)
        self.authorized = True

    def authorize(self, **extra: Any) -> None:
        """Enforce the entry's scope expression with route parameters plus ``extra`` parameters."""
        expression = self.entry.scopes
        if not expression:
            return
        params = dict(extra)
        params.update(self.params)
        self.require(instantiate(expression, params))
        self.authorized = True

    def require(self, required: Any) -> None:
        """403 InsufficientScopes unless the caller satisfies the instantiated expression ``required``."""
        missing = unsatisfied(required, self.principal.scopes)
        if missing is None:
            return
        who = ("Client ID %s" % self.principal.client_id) if self.principal.client_id else "This anonymous request"
        raise ServiceError(
            403,
            "InsufficientScopes",
            "%s does not have sufficient scopes and is missing the following scopes:\n\n```\n%s\n```\n\n"
            "This request requires the client to satisfy the following scope expression:\n\n```\n%s\n```"
            % (who, json.dumps(missing, indent=2), json.dumps(required, indent=2)),
            extra={"missing": missing, "missingDescription": describe(missing)},
        )

    # -- query helpers -----------------------------------------------------------------------------------
    def limit(self, default: int = DEFAULT_LIMIT, maximum: int = DEFAULT_LIMIT) -> int:
        text = self.query.get("limit")
        if text is None or text == "":
            return default
        significant = text.lstrip("0")
        if _DIGITS.fullmatch(text) is None or not significant:  # ASCII digits (str.isdigit() also takes "²")
            raise ServiceError(
                400, "InvalidRequestArguments", "limit must be a positive integer, got %r" % _shorten(text)
            )
        return maximum if len(significant) > 9 else min(int(significant), maximum)

    def continuation(self, *types: Type[Any]) -> Optional[List[Any]]:
        """The decoded ``continuationToken`` query value (None without one); ``types`` as `decode_token`."""
        token = self.query.get("continuationToken")
        if not token:
            return None
        return decode_token(token, *types)

    def date(self, value: str, what: str) -> datetime.datetime:
        parsed = parse_date(value)
        if parsed is None:
            raise bad_input("%s must be an ISO 8601 date-time, got %r" % (what, value))
        return parsed


def page(rows: List[Any], limit: int, key: Any) -> Tuple[List[Any], Optional[str]]:
    """Trim ``rows`` (fetched with ``LIMIT limit + 1``) to ``limit``; a token when there is more."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_token(key(rows[-1]))
    return rows, None

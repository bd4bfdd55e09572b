"""Turn one resolved call into the `Request` the call flow sends: path, query string, JSON body and content hash.

A calling convention (`_prepare` for Taskcluster's positional forms, `_keywords` for keyword-only clients) resolves
a method's arguments into one `Call`; `build_request` is the only place a `Call` becomes a `Request`.
"""

import datetime
import json
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, Sequence
from urllib.parse import urlencode

from ._flow import Request
from ._hawk import EMPTY_PAYLOAD_HASH, payload_hash
from ._urls import ApiLocation
from .exceptions import TaskclusterFailure

if TYPE_CHECKING:
    from ._auth import Authorizer
    from ._spec import Operation

__all__ = ["Call", "build_request", "encode_payload", "encode_query", "request_path"]

_JSON_HEADERS: Dict[str, str] = {"Content-Type": "application/json"}
_NO_HEADERS: Dict[str, str] = {}


class Call:
    """What a call asked for, once its calling convention has been resolved: the operation, the path parameters'
    values (in the operation's `args` order), the body, the query (wire names to values) and a page handler."""

    __slots__ = ("op", "route_values", "payload", "query", "pagination_handler")

    def __init__(
        self,
        op: "Operation",
        route_values: Sequence[str],
        payload: Any,
        query: Optional[Dict[str, Any]],
        pagination_handler: Optional[Callable[[Any], Any]] = None,
    ) -> None:
        self.op = op
        self.route_values = route_values
        self.payload = payload
        self.query = query
        self.pagination_handler = pagination_handler

    def with_query(self, query: Optional[Dict[str, Any]]) -> "Call":
        """The same call asking for another query (the next page)."""
        return Call(self.op, self.route_values, self.payload, query)


def encode_query(query: Optional[Mapping[str, Any]]) -> str:
    """The query string (without `?`) for a query dict; list values repeat the key; None values are dropped."""
    if not query:
        return ""
    return urlencode([(key, value) for key, value in query.items() if value is not None], doseq=True)


def request_path(call: Call) -> str:
    """The escaped path with its query string, relative to the service's base URL."""
    op = call.op
    path = op.path(call.route_values)
    fixed = op.fixed_query
    if call.query or fixed:
        query = call.query
        if fixed and query:
            query = {key: value for key, value in query.items() if all(key != name for name, _ in fixed)}
        try:
            query_string = encode_query(query)
        except (RecursionError, ValueError) as exc:
            detail = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
            raise TaskclusterFailure("%s: query cannot be encoded: %s" % (op.signature(), detail)) from None
        if fixed:
            query_string = "&".join(filter(None, [query_string, urlencode(fixed)]))
        if query_string:
            return path + "?" + query_string
    return path


def _json_default(value: Any) -> Any:
    from .utils import _jsonDefault

    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc)
    try:
        return _jsonDefault(value)
    except TypeError:
        raise TypeError("payload holds a %s, which cannot be sent as JSON" % type(value).__name__) from None


def encode_payload(fn: "Operation", payload: Any) -> bytes:
    """Compact JSON bytes for a payload; datetimes become ISO 8601 UTC strings."""
    try:
        return json.dumps(payload, separators=(",", ":"), default=_json_default, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise TaskclusterFailure("%s: payload is not JSON-serializable: %s" % (fn.qualname, exc)) from None
    except RecursionError:
        raise TaskclusterFailure(
            "%s: payload is nested too deeply to encode as JSON (Python's recursion limit is %d)"
            % (fn.qualname, sys.getrecursionlimit())
        ) from None


def build_request(location: ApiLocation, call: Call, auth: "Optional[Authorizer]") -> Request:
    """The request for `call` to the service at `location`, ready to send but for its per-attempt auth headers."""
    op = call.op
    path = request_path(call) if call.query or op.fixed_query else op.path(call.route_values)
    body = None
    headers = _NO_HEADERS
    content_hash = EMPTY_PAYLOAD_HASH
    if call.payload is not None:
        body = encode_payload(op, call.payload)
        headers = _JSON_HEADERS
        if auth is not None and auth.needs_hash:
            content_hash = payload_hash("application/json", body)
    rules = op.rules
    return Request(
        op.qualname,
        op.method,
        location.base_url + path,
        location.base_path + path,
        location.host,
        location.port,
        body,
        headers,
        content_hash,
        rules,
    )

"""Turn an HTTP answer (status, headers, body) into a result or the exception the caller catches."""

import json
import re
from typing import Any, Dict, List, Optional

from ._json import loads
from .exceptions import TaskclusterAuthFailure, TaskclusterFailure, TaskclusterRestFailure

__all__ = ["Answer", "ResponseRules", "result_of", "error_of", "too_large_error"]

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_MAX_MESSAGE = 2000
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    410: "Gone",
    413: "Payload Too Large",
    424: "Failed Dependency",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Answer:
    """An HTTP response as the core sees it; `raw` is the transport's own response object."""

    __slots__ = ("status", "headers", "body", "raw")

    def __init__(self, status: int, headers: Any, body: bytes, raw: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.raw = raw


def result_of(answer: Answer, qualname: str = "the call") -> Any:
    """The value a successful (2xx) or redirect (3xx) answer returns: parsed JSON, None for 204,
    or `{"response": raw}` when the body is empty or not JSON. JSON nested deeper than Python can parse is a
    TaskclusterFailure naming `qualname`."""
    if answer.status == 204:
        return None
    body = answer.body
    if body:
        try:
            return loads(body)
        except ValueError:
            pass
        except RecursionError:
            raise TaskclusterFailure(
                "%s: the answer (HTTP %d, %d bytes) is JSON nested too deeply to parse"
                % (qualname, answer.status, len(body))
            ) from None
    return {"response": answer.raw}


def too_large_error(qualname: str, limit: int, size: Optional[int] = None) -> TaskclusterFailure:
    """The failure for an answer whose body (decoded) is larger than the client's maxResponseSize."""
    told = " (it announces %d bytes)" % size if size is not None else ""
    return TaskclusterFailure(
        "%s: the answer is larger than maxResponseSize, %d bytes%s; stopped reading it (raise the option "
        "maxResponseSize if such answers are expected)" % (qualname, limit, told)
    )


#: The size of the pieces a bounded answer is read in.
BODY_CHUNK_SIZE = 1 << 16


class BoundedBody:
    """Collects a streamed answer's decoded chunks, refusing more than `limit` bytes in all (both drivers read
    through one, each with its own kind of iteration)."""

    __slots__ = ("chunks", "total", "limit", "qualname")

    def __init__(self, limit: int, qualname: str) -> None:
        self.chunks: List[bytes] = []
        self.total = 0
        self.limit = limit
        self.qualname = qualname

    def add(self, chunk: bytes) -> bool:
        """Keep `chunk`; False (and nothing kept) once the body has gone over the limit."""
        self.total += len(chunk)
        if self.total > self.limit:
            self.chunks = []
            return False
        self.chunks.append(chunk)
        return True

    def error(self) -> TaskclusterFailure:
        return too_large_error(self.qualname, self.limit)

    def body(self) -> bytes:
        return b"".join(self.chunks)


def _summary(body: bytes) -> str:
    match = _TITLE.search(body)
    text = match.group(1) if match else body[:500]
    plain = _SPACES.sub(" ", _TAGS.sub(" ", text.decode("utf-8", "replace"))).strip()
    return plain[:200]


def error_of(qualname: str, answer: Answer) -> TaskclusterFailure:
    """The exception for an error answer: names the method, the status and the service's error code and message."""
    status = answer.status
    body: Dict[str, Any] = {}
    parsed: Any = None
    if answer.body:
        try:
            parsed = json.loads(answer.body)
        except (ValueError, RecursionError):
            parsed = None
    if isinstance(parsed, dict):
        body = parsed
    reason = _REASONS.get(status, "")
    head = "%s: HTTP %d%s" % (qualname, status, " " + reason if reason else "")
    code = body.get("code")
    message = body.get("message")
    nested = body.get("error")
    if not code and not message and isinstance(nested, dict):  # Google's {"error": {"code", "message", "status"}}
        code = nested.get("status") or nested.get("code")
        message = nested.get("message")
    if code or message:
        detail = "%s: %s" % (code, message) if code and message else str(code or message)
    elif answer.body and parsed is None:
        detail = _summary(answer.body)
    else:
        detail = ""
    text = "%s: %s" % (head, detail) if detail else head
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    if status == 401:
        return TaskclusterAuthFailure(text, superExc=None, status_code=status, body=body)
    return TaskclusterRestFailure(text, superExc=None, status_code=status, body=body)


class ResponseRules:
    """What an API family does with answers beyond plain JSON: unwrap an `{ok, message, content}` envelope (`ok` false
    is a TaskclusterRestFailure carrying the message, or None for the messages listed in `nothing`), and read how long
    to wait from a rate-limited answer's body."""

    __slots__ = ("envelope", "nothing", "rate_limit")

    def __init__(self, envelope: Any = None, nothing: Any = frozenset(), rate_limit: Any = None) -> None:
        self.envelope = envelope  # a _spec.Envelope or None
        self.nothing = nothing
        self.rate_limit = rate_limit  # a _spec.RateLimit or None

    def result(self, value: Any, answer: Answer, qualname: str) -> Any:
        """The call's result from a successful answer's parsed body."""
        envelope = self.envelope
        if envelope is None or value is None:
            return value
        if not isinstance(value, dict) or envelope.ok not in value:
            raise TaskclusterRestFailure(
                "%s: HTTP %d, but the answer (%d bytes) is not the service's {%s, %s, %s} envelope"
                % (qualname, answer.status, len(answer.body), envelope.ok, envelope.message, envelope.content),
                superExc=None,
                status_code=answer.status,
            )
        if value.get(envelope.ok) is True:
            return value.get(envelope.content)
        message = value.get(envelope.message)
        if message in self.nothing:
            return None
        text = "%s: HTTP %d, but the service answered %s=false: %s" % (
            qualname,
            answer.status,
            envelope.ok,
            str(message)[:_MAX_MESSAGE] if message else "(no message)",
        )
        raise TaskclusterRestFailure(text, superExc=None, status_code=answer.status, body=value)

    def retry_after(self, answer: Answer) -> Optional[float]:
        """Seconds a rate-limited answer asks the client to wait, from its body; None when it says nothing usable."""
        rate = self.rate_limit
        if rate is None or answer.status != rate.status or not answer.body:
            return None
        try:
            parsed = json.loads(answer.body)
        except (ValueError, RecursionError):
            return None
        delay = parsed.get(rate.field) if isinstance(parsed, dict) else None
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay != delay:
            return None
        unit: float = rate.unit
        return float(delay) * unit

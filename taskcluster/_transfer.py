"""Object upload and download as flows shared by the sync and async drivers.

A flow is a generator that yields what to do next (call a service method, read the data, PUT it, GET a
URL, sleep) and receives each outcome; it decides the upload and download methods, retries, hash checks
and the errors raised, so `taskcluster.upload`/`download` (requests) and `taskcluster.aio.upload`/`download`
(aiohttp) only carry bytes. Errors name the object (or artifact) they concern.
"""

import base64
import contextlib
import datetime
import hashlib
import io
import os
import re
import time
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Dict,
    Generator,
    Iterator,
    Mapping,
    Optional,
    Protocol,
    TypeVar,
    Union,
)

from ._flow import Sleep
from ._retry import backoff_delay, is_retryable_status
from .exceptions import (
    ObjectHashVerificationError,
    TaskclusterArtifactError,
    TaskclusterConnectionError,
    TaskclusterFailure,
    TaskclusterRestFailure,
)

if TYPE_CHECKING:
    from typing_extensions import NotRequired, TypedDict

    from .generated.aio.object import Object as AsyncObject
    from .generated.aio.queue import Queue as AsyncQueue
    from .generated.object import Object
    from .generated.queue import Queue

    class UploadArgs(TypedDict):
        """The keyword arguments of `upload` that `uploadFromBuf` and `uploadFromFile` pass on."""

        projectId: str
        name: str
        contentType: str
        expires: "Expires"
        objectService: "ObjectService"
        maxRetries: NotRequired[int]
        uploadId: NotRequired[Optional[str]]


__all__ = [
    "ACCEPTABLE_HASHES",
    "AsyncReader",
    "AsyncWriter",
    "BytesLike",
    "CHUNK_SIZE",
    "DATA_INLINE_MAX_SIZE",
    "Expires",
    "Fetch",
    "Flow",
    "Hasher",
    "Meter",
    "ObjectClient",
    "ObjectService",
    "Put",
    "QueueService",
    "ReadAll",
    "ReadableFile",
    "Reader",
    "ServiceCall",
    "ShortRead",
    "Sleep",
    "Transferred",
    "WritableFile",
    "Writer",
    "artifact_flow",
    "check_binary_file",
    "file_size",
    "download_flow",
    "truncate",
    "upload_flow",
    "verifyHashes",
    "writing_to",
]

#: Objects smaller than this are proposed for upload inline in the createUpload request.
DATA_INLINE_MAX_SIZE = 8192
#: The hash algorithms the object service records; a download must verify at least one of them.
ACCEPTABLE_HASHES = frozenset(["sha256", "sha512"])
CHUNK_SIZE = 64 * 1024

_T = TypeVar("_T")

#: In-memory data to upload.
BytesLike = Union[bytes, bytearray, memoryview]
#: When an object expires: a datetime (naive ones are UTC) or its ISO 8601 text.
Expires = Union[datetime.datetime, str]
#: The object service client a transfer uses (sync or async; the sync functions accept both, and so do the async
#: ones).
ObjectService = Union["Object", "AsyncObject"]
#: The queue client an artifact download uses (sync or async).
QueueService = Union["Queue", "AsyncQueue"]


class Reader(Protocol):
    """A sync reader: `read(max_size)` returns the next 1..max_size bytes, or `b""` at the end (a file open in
    binary mode qualifies)."""

    def read(self, max_size: int, /) -> bytes: ...


class Writer(Protocol):
    """A sync writer: `write(chunk)` stores all of `chunk` (a file open in binary mode qualifies)."""

    def write(self, chunk: bytes, /) -> object: ...


class AsyncReader(Protocol):
    """An async reader: `await read(max_size)` returns the next 1..max_size bytes, or `b""` at the end."""

    def read(self, max_size: int, /) -> Awaitable[bytes]: ...


class AsyncWriter(Protocol):
    """An async writer: `await write(chunk)` stores all of `chunk`."""

    def write(self, chunk: bytes, /) -> Awaitable[object]: ...


class ReadableFile(Protocol):
    """A file open for reading in binary mode that can be rewound (e.g. ``open(path, "rb")``, ``io.BytesIO``)."""

    def read(self, size: int, /) -> bytes: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...


class WritableFile(Protocol):
    """A file open for writing in binary mode that can be rewound and emptied (e.g. ``open(path, "wb+")``)."""

    def write(self, chunk: bytes, /) -> object: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...

    def truncate(self) -> object: ...


class Hasher:
    """The sha256 and sha512 of the bytes seen so far, and their count."""

    __slots__ = ("sha256", "sha512", "count")

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.sha512 = hashlib.sha512()
        self.count = 0

    def update(self, chunk: "BytesLike") -> None:
        self.sha256.update(chunk)
        self.sha512.update(chunk)
        self.count += len(chunk)

    def hexdigests(self) -> Dict[str, str]:
        return {"sha256": self.sha256.hexdigest(), "sha512": self.sha512.hexdigest()}


def as_chunk(chunk: Any, what: str) -> bytes:
    """A chunk a reader returned, refused unless it is bytes (a text-mode file returns str)."""
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise TaskclusterFailure(
        "%s: the reader returned %s, expected bytes (open files in binary mode, e.g. open(path, 'rb'))"
        % (what, type(chunk).__name__)
    )


class ShortRead(TaskclusterFailure):
    """The data gave fewer or more bytes than the declared content length (never retried)."""


class Meter:
    """Checks, counts and hashes what a reader gives for an object of exactly `length` bytes.

    A driver asks `want()` bytes of the reader and passes each chunk through `take()`; once `want()` is 0 it
    reads once more and hands that to `end()`, which refuses anything beyond `length`.
    """

    __slots__ = ("length", "hasher", "what", "failure")

    def __init__(self, length: int, what: str) -> None:
        self.length = length
        self.hasher = Hasher()
        self.what = what
        #: the error that stopped the reading, kept for drivers whose transport wraps it
        self.failure: Optional[TaskclusterFailure] = None

    def want(self) -> int:
        return min(CHUNK_SIZE, self.length - self.hasher.count)

    def take(self, chunk: Any) -> bytes:
        try:
            data = as_chunk(chunk, self.what)
            if not data:
                raise ShortRead(
                    "%s: the data ended after %d bytes but contentLength is %d"
                    % (self.what, self.hasher.count, self.length)
                )
            if len(data) > self.length - self.hasher.count:
                raise ShortRead("%s: the data holds more than contentLength (%d) bytes" % (self.what, self.length))
        except TaskclusterFailure as failure:
            self.failure = failure
            raise
        self.hasher.update(data)
        return data

    def end(self, extra: Any) -> None:
        if extra:
            self.failure = ShortRead("%s: the data holds more than contentLength (%d) bytes" % (self.what, self.length))
            raise self.failure


def check_binary_file(file: object, mode: str, what: str) -> None:
    """Refuse, before anything is sent, a file that cannot be read (mode 'r') or written (mode 'w') as bytes."""
    if isinstance(file, io.TextIOBase):
        raise TaskclusterFailure(
            "%s: the file is open in text mode; open it in binary mode ('%s')" % (what, "rb" if mode == "r" else "wb+")
        )
    needed = ("read", "seek") if mode == "r" else ("write", "seek", "truncate")
    missing = [name for name in needed if not callable(getattr(file, name, None))]
    if missing:
        raise TaskclusterFailure(
            "%s: expected a binary file object with %s, got %s lacking %s"
            % (what, "/".join(needed), type(file).__name__, ", ".join(missing))
        )
    able = getattr(file, "readable" if mode == "r" else "writable", None)
    if callable(able) and not able():
        raise TaskclusterFailure(
            "%s: the file is not open for %s; open it in binary mode ('%s')"
            % (what, "reading" if mode == "r" else "writing", "rb" if mode == "r" else "wb+")
        )


@contextlib.contextmanager
def writing_to(file: "WritableFile", what: str) -> Iterator[None]:
    """Check that `file` can take a download, and empty it again if the download fails, so nothing partial is
    left looking complete."""
    check_binary_file(file, "w", what)
    try:
        yield
    except BaseException:
        truncate(file)
        raise


def file_size(file: ReadableFile) -> int:
    """The size of a seekable file, in bytes (`uploadFromFile`'s default `contentLength`)."""
    fileno = getattr(file, "fileno", None)
    if fileno is not None:
        try:
            size: int = os.fstat(fileno()).st_size
            return size
        except (OSError, ValueError):  # io.UnsupportedOperation is both
            pass
    return file.seek(0, os.SEEK_END)


def truncate(file: "WritableFile") -> None:
    """Empty a file a failed download wrote to, so nothing partial is left looking complete."""
    try:
        file.seek(0)
        file.truncate()
    except (OSError, ValueError):
        pass


def verifyHashes(observed: Mapping[str, str], expected: Mapping[str, str], what: str = "object") -> None:
    """Check the hashes of the received bytes against those the object service recorded: every hash both have
    must agree, and at least one acceptable algorithm (sha256, sha512) must have been compared."""
    compared = False
    for algorithm, value in observed.items():
        if algorithm not in expected:
            continue
        if expected[algorithm] != value:
            raise ObjectHashVerificationError(
                "%s: the %s hash of the downloaded data does not match the one the object service recorded"
                % (what, algorithm)
            )
        if algorithm in ACCEPTABLE_HASHES:
            compared = True
    if not compared:
        raise ObjectHashVerificationError(
            "%s: the object service gave no sha256 or sha512 hash to verify the downloaded data against" % what
        )


# -- actions -------------------------------------------------------------------------------------------


class ServiceCall:
    """Action: call `service.<method>(*args)` (a client method, sync or async) and answer with its result."""

    __slots__ = ("service", "method", "args")

    def __init__(self, service: Any, method: str, *args: Any) -> None:
        self.service = service
        self.method = method
        self.args = args


class ObjectClient:
    """Action: answer with an Object client (of the driver's kind) built from `options`."""

    __slots__ = ("options",)

    def __init__(self, options: Dict[str, Any]) -> None:
        self.options = options


class ReadAll:
    """Action: read exactly `length` bytes (checked with a `Meter`) from a fresh reader; answer `(data, Hasher)`."""

    __slots__ = ("length", "what")

    def __init__(self, length: int, what: str) -> None:
        self.length = length
        self.what = what


class Put:
    """Action: PUT a fresh reader's bytes (exactly `length` of them) to `url`; answer with `Transferred`."""

    __slots__ = ("url", "headers", "length", "what")

    def __init__(self, url: str, headers: Dict[str, str], length: int, what: str) -> None:
        self.url = url
        self.headers = headers
        self.length = length
        self.what = what


class Fetch:
    """Action: GET `url` (following redirects) into a fresh writer; answer with `Transferred`."""

    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        self.url = url


class Transferred:
    """The outcome of a `Put` or `Fetch`: the HTTP status, what the body held and its hashes (of the bytes sent
    for a PUT, received for a 2xx GET), or the transport error that stopped it."""

    __slots__ = ("status", "content_type", "hasher", "error", "detail")

    def __init__(
        self,
        status: int = 0,
        content_type: str = "",
        hasher: Optional[Hasher] = None,
        error: Optional[BaseException] = None,
        detail: str = "",
    ) -> None:
        self.status = status
        self.content_type = content_type
        self.hasher = hasher
        self.error = error
        self.detail = detail


Action = Union[ServiceCall, ObjectClient, ReadAll, Put, Fetch, Sleep]
#: A transfer flow: yields actions, receives each one's outcome, and returns a `_T` (`Flow[str]`, ...).
Flow = Generator[Action, Any, _T]


# -- flows ---------------------------------------------------------------------------------------------


def _attempts(
    what: str,
    action: Union[Put, Fetch],
    max_retries: int,
    rand: Callable[[], float],
    renew: Optional[Callable[[Union[Put, Fetch]], "Flow[Union[Put, Fetch]]"]] = None,
    stale: Optional[Callable[[], bool]] = None,
) -> Generator[Action, Any, Transferred]:
    """Send `action` until it succeeds, retrying 5xx answers and transport errors with backoff; a 4xx, or the
    last failure once `max_retries` retries are spent, raises an exception naming `what`. Before each retry,
    `renew(action)` (a flow) may replace the action, e.g. with a fresh URL; a 4xx is retried too while `stale()`
    says the URL has expired, since renewing it can cure that."""
    verb = "upload to" if isinstance(action, Put) else "download from"
    attempt = 0
    while True:
        attempt += 1
        if attempt > 1 and renew is not None:
            action = yield from renew(action)
        outcome: Transferred = yield action
        if outcome.error is None and 200 <= outcome.status < 300:
            return outcome
        if isinstance(outcome.error, TaskclusterFailure):
            raise outcome.error
        retryable = outcome.error is not None or is_retryable_status(outcome.status)
        if not retryable and stale is not None and 400 <= outcome.status < 500:
            retryable = stale()
        if not retryable or attempt > max_retries:
            raise _transfer_error(what, verb, outcome, attempt)
        yield Sleep(backoff_delay(attempt, rand()))


def _transfer_error(what: str, verb: str, outcome: Transferred, attempts: int) -> TaskclusterFailure:
    tries = "after %d attempt(s)" % attempts
    if outcome.error is not None:
        from ._flow import describe_transport_error

        description = describe_transport_error(outcome.error)
        safe = redact(description)
        return TaskclusterConnectionError(
            "%s: %s storage failed %s: %s" % (what, verb, tries, safe),
            # the transport's exception keeps the URL, whose query may hold a signature
            superExc=outcome.error if safe == description else None,
        )
    detail = (": " + outcome.detail) if outcome.detail else ""
    return TaskclusterRestFailure(
        "%s: %s storage failed with HTTP %d %s%s" % (what, verb, outcome.status, tries, detail),
        superExc=None,
        status_code=outcome.status,
    )


def upload_flow(
    *,
    projectId: str,
    name: str,
    contentType: str,
    contentLength: int,
    expires: Expires,
    maxRetries: int = 5,
    uploadId: Optional[str] = None,
    objectService: ObjectService,
    rand: Callable[[], float],
) -> "Flow[None]":
    """Upload an object: propose data-inline (small objects) and put-URL, use what the service picks, then
    finish the upload with the hashes of the bytes actually sent."""
    what = "object %r" % (name,)
    if isinstance(contentLength, bool) or not isinstance(contentLength, int) or contentLength < 0:
        raise TaskclusterFailure("%s: contentLength must be a non-negative int, got %r" % (what, contentLength))
    if objectService is None:
        raise TaskclusterFailure("%s: objectService is required (an Object client with upload credentials)" % what)
    if not uploadId:
        from .utils import slugId

        uploadId = slugId()
    proposed: Dict[str, Any] = {}
    inline: Optional[Hasher] = None
    if contentLength < DATA_INLINE_MAX_SIZE:
        data, inline = yield ReadAll(contentLength, what)
        proposed["dataInline"] = {"contentType": contentType, "objectData": base64.b64encode(data).decode("ascii")}
    proposed["putUrl"] = {"contentType": contentType, "contentLength": contentLength}
    answer = yield ServiceCall(
        objectService,
        "createUpload",
        name,
        {"expires": expires, "projectId": projectId, "uploadId": uploadId, "proposedUploadMethods": proposed},
    )
    method = (answer or {}).get("uploadMethod") or {}
    if "dataInline" in method and inline is not None:
        hashes = inline.hexdigests()
    elif "putUrl" in method:
        put = method["putUrl"]
        headers = {str(k): str(v) for k, v in (put.get("headers") or {}).items()}
        headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        headers["Content-Length"] = str(contentLength)
        done = yield from _attempts(what, Put(put["url"], headers, contentLength, what), maxRetries, rand)
        assert done.hasher is not None
        hashes = done.hasher.hexdigests()
    else:
        raise TaskclusterFailure(
            "%s: the object service accepted none of the proposed upload methods (%s); it answered %r"
            % (what, ", ".join(proposed), sorted(method))
        )
    yield ServiceCall(
        objectService, "finishUpload", name, {"projectId": projectId, "uploadId": uploadId, "hashes": hashes}
    )


def _expired(expires: object, clock: Callable[[], float]) -> bool:
    if not isinstance(expires, str):
        return False
    text = expires[:-1] + "+00:00" if expires.endswith("Z") else expires
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp() <= clock()


_ACCEPT = {"acceptDownloadMethods": {"getUrl": True, "simple": True}}


def download_flow(
    *,
    name: str,
    maxRetries: int = 5,
    objectService: ObjectService,
    rand: Callable[[], float],
    clock: Callable[[], float] = time.time,
) -> "Flow[str]":
    """Download an object by the method the service picks (getUrl, or simple), asking for a fresh URL when
    one expired before a retry, and verify the data against the hashes the service recorded. Returns the
    content type."""
    what = "object %r" % (name,)
    if objectService is None:
        raise TaskclusterFailure("%s: objectService is required (an Object client with download credentials)" % what)
    answer = yield ServiceCall(objectService, "startDownload", name, _ACCEPT)
    method = (answer or {}).get("method")
    if method not in ("getUrl", "simple"):
        raise TaskclusterFailure(
            "%s: the object service offered the download method %r; this client supports getUrl and simple"
            % (what, method)
        )
    current = {"answer": answer}

    def stale() -> bool:
        latest = current["answer"]
        return latest.get("method") == "getUrl" and _expired(latest.get("expires"), clock)

    def renew(action: Union[Put, Fetch]) -> "Flow[Union[Put, Fetch]]":
        if stale():
            latest = current["answer"] = yield ServiceCall(objectService, "startDownload", name, _ACCEPT)
            return Fetch(latest["url"])
        return action

    outcome = yield from _attempts(what, Fetch(answer["url"]), maxRetries, rand, renew, stale)
    answer = current["answer"]
    method = answer.get("method")
    expected = answer.get("hashes") if method == "getUrl" else None
    if expected is None:
        metadata = yield ServiceCall(objectService, "object", name)
        expected = (metadata or {}).get("hashes") or {}
    assert outcome.hasher is not None
    verifyHashes(outcome.hasher.hexdigests(), expected, what)
    return outcome.content_type


def artifact_flow(
    *,
    taskId: str,
    name: str,
    runId: Optional[Union[int, str]] = None,
    maxRetries: int = 5,
    queueService: QueueService,
    rand: Callable[[], float],
    clock: Callable[[], float] = time.time,
) -> "Flow[str]":
    """Download an artifact of any storage type: s3 and reference by their URL, object through the object
    service with the credentials the queue hands out, error as `TaskclusterArtifactError`. Returns the content
    type."""
    what = "artifact %r of task %s" % (name, taskId)
    if queueService is None:
        raise TaskclusterFailure("%s: queueService is required (a Queue client)" % what)
    if runId is None:
        artifact = yield ServiceCall(queueService, "latestArtifact", taskId, name)
    else:
        what = "artifact %r of task %s run %s" % (name, taskId, runId)
        artifact = yield ServiceCall(queueService, "artifact", taskId, runId, name)
    storage = (artifact or {}).get("storageType")
    if storage in ("s3", "reference"):
        done = yield from _attempts(what, Fetch(artifact["url"]), maxRetries, rand)
        return done.content_type
    if storage == "object":
        object_service = yield ObjectClient(
            {
                "rootUrl": queueService.options["rootUrl"],
                "maxRetries": maxRetries,
                "credentials": artifact["credentials"],
            }
        )
        return (
            yield from download_flow(
                name=artifact["name"], maxRetries=maxRetries, objectService=object_service, rand=rand, clock=clock
            )
        )
    if storage == "error":
        raise TaskclusterArtifactError(
            "%s is an error artifact: %s" % (what, artifact.get("message", "")), artifact.get("reason", "")
        )
    raise TaskclusterFailure("%s has storageType %r, which cannot be downloaded" % (what, storage))


def content_type_of(headers: Mapping[str, str]) -> str:
    """The media type of a Content-Type header, without parameters (as aiohttp's `content_type` gives it)."""
    value = headers.get("Content-Type") or "application/octet-stream"
    return value.split(";", 1)[0].strip().lower()


# Storage URLs are often signed in their query (S3's X-Amz-Signature, a bewit), and storage errors may echo the
# signature (S3's <SignatureProvided>): neither may reach an exception message.
_QUERY_VALUE = re.compile(r"([?&][^=&\s'\"]+=)[^&\s'\")]+")
_SIGNATURE_ELEMENT = re.compile(r"(<(\w*Signature\w*)>)[^<]*(</\2>)")


def redact(text: str) -> str:
    """`text` with the values of URL query parameters and signature elements replaced by `<redacted>`."""
    return _SIGNATURE_ELEMENT.sub(r"\1<redacted>\3", _QUERY_VALUE.sub(r"\1<redacted>", text))


def error_detail(body: bytes) -> str:
    """A short, printable excerpt of an error body from storage, without signatures."""
    text = body[:300].decode("utf-8", "replace")
    return redact(" ".join(text.split()))

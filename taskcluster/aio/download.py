"""Download objects and artifacts (async): `download`, `downloadToBuf`, `downloadToFile`, `downloadArtifact`, ...

As `taskcluster.download`, but the writer factory is an async callable returning a writer with an async
`write(chunk)`, and the services may be `taskcluster.aio` clients or sync ones (whose calls then run in an
executor).
"""

import random
from typing import Awaitable, Callable, Dict, List, Mapping, Optional, Tuple, Union

from .._transfer import (
    ACCEPTABLE_HASHES,
    AsyncWriter,
    BytesLike,
    Hasher,
    ObjectService,
    QueueService,
    WritableFile,
    artifact_flow,
    download_flow,
    writing_to,
)
from .._transfer import verifyHashes as _verify
from ..exceptions import ObjectHashVerificationError as ObjectHashVerificationError
from ..exceptions import TaskclusterArtifactError as TaskclusterArtifactError
from ..exceptions import TaskclusterFailure as TaskclusterFailure
from ..generated.aio.object import Object as Object
from . import _transfer_async
from .asyncutils import ensureCoro as ensureCoro
from .reader_writer import BufferWriter, FileWriter
from .reader_writer import streamingCopy as streamingCopy
from .retry import retry as retry

__all__ = [
    "ACCEPTABLE_HASHES",
    "HashingWriter",
    "download",
    "downloadArtifact",
    "downloadArtifactToBuf",
    "downloadArtifactToFile",
    "downloadToBuf",
    "downloadToFile",
    "verifyHashes",
]


async def download(
    *, name: str, maxRetries: int = 5, objectService: ObjectService, writerFactory: Callable[[], Awaitable[AsyncWriter]]
) -> str:
    """Download the object `name` into a writer from `await writerFactory()`; returns its content type."""
    flow = download_flow(name=name, maxRetries=maxRetries, objectService=objectService, rand=random.random)
    return await _transfer_async.run(flow, writer_factory=writerFactory)


async def downloadToBuf(*, name: str, maxRetries: int = 5, objectService: ObjectService) -> Tuple[memoryview, str]:
    """Download the object `name` into memory; returns `(data, contentType)`."""
    writers: List[BufferWriter] = []
    content_type = await download(
        name=name, maxRetries=maxRetries, objectService=objectService, writerFactory=_buffers(writers)
    )
    return writers[-1].getbuffer(), content_type


async def downloadToFile(file: WritableFile, *, name: str, maxRetries: int = 5, objectService: ObjectService) -> str:
    """Download the object `name` into `file` (binary, writable, seekable, truncatable; rewritten from the start
    on each attempt and left empty by a failed download); returns the content type."""
    with writing_to(file, "object %r" % (name,)):
        return await download(
            name=name, maxRetries=maxRetries, objectService=objectService, writerFactory=_rewind(file)
        )


async def downloadArtifact(
    *,
    taskId: str,
    name: str,
    runId: Optional[Union[int, str]] = None,
    maxRetries: int = 5,
    queueService: QueueService,
    writerFactory: Callable[[], Awaitable[AsyncWriter]],
) -> str:
    """Download an artifact of any storage type into a writer (see `taskcluster.download.downloadArtifact`)."""
    flow = artifact_flow(
        taskId=taskId, name=name, runId=runId, maxRetries=maxRetries, queueService=queueService, rand=random.random
    )
    return await _transfer_async.run(flow, writer_factory=writerFactory)


async def downloadArtifactToBuf(
    *,
    taskId: str,
    name: str,
    runId: Optional[Union[int, str]] = None,
    maxRetries: int = 5,
    queueService: QueueService,
) -> Tuple[memoryview, str]:
    """Download an artifact into memory; returns `(data, contentType)`."""
    writers: List[BufferWriter] = []
    content_type = await downloadArtifact(
        taskId=taskId, name=name, runId=runId, maxRetries=maxRetries, queueService=queueService,
        writerFactory=_buffers(writers),
    )  # fmt: skip
    return writers[-1].getbuffer(), content_type


async def downloadArtifactToFile(
    file: WritableFile,
    *,
    taskId: str,
    name: str,
    runId: Optional[Union[int, str]] = None,
    maxRetries: int = 5,
    queueService: QueueService,
) -> str:
    """Download an artifact into `file` (as `downloadToFile`); returns the content type."""
    with writing_to(file, "artifact %r of task %s" % (name, taskId)):
        return await downloadArtifact(
            taskId=taskId, name=name, runId=runId, maxRetries=maxRetries, queueService=queueService,
            writerFactory=_rewind(file),
        )  # fmt: skip


def verifyHashes(observed: Mapping[str, str], expected: Mapping[str, str]) -> None:
    """Raise `ObjectHashVerificationError` unless the observed hashes agree with the expected ones and at least one
    of sha256/sha512 was compared."""
    _verify(observed, expected)


class HashingWriter:
    """A writer that hashes (sha256, sha512) what it passes on to `inner`."""

    def __init__(self, inner: AsyncWriter) -> None:
        self.inner = inner
        self._hasher = Hasher()

    async def write(self, chunk: bytes) -> None:
        await self.inner.write(chunk)
        self.update(chunk)

    def update(self, chunk: BytesLike) -> None:
        self._hasher.update(chunk)

    def hashes(self) -> Dict[str, str]:
        """The hex digests of everything written."""
        return self._hasher.hexdigests()


def _buffers(writers: List[BufferWriter]) -> Callable[[], Awaitable[BufferWriter]]:
    """A writer factory making a new in-memory writer per attempt (the last one holds the data)."""

    async def writerFactory() -> BufferWriter:
        writers.append(BufferWriter())
        return writers[-1]

    return writerFactory


def _rewind(file: WritableFile) -> Callable[[], Awaitable[FileWriter]]:
    """A writer factory that empties `file` and writes it from the start."""

    async def writerFactory() -> FileWriter:
        file.seek(0)
        file.truncate()
        return FileWriter(file)

    return writerFactory

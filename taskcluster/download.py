"""Download objects and artifacts (sync): `download`, `downloadToBuf`, `downloadToFile`, and the same for task
artifacts of any storage type (`downloadArtifact`, ...).

The data goes to a *writer*: an object whose `write(chunk)` stores all of `chunk`. A *writer factory* returns a
fresh writer, ready for the first byte; it is called again for each retry. Object data is checked against the
hashes the object service recorded (`ObjectHashVerificationError` on a mismatch). These functions need no event
loop: they work in any thread.
"""

import io
import random
from typing import Callable, List, Optional, Tuple, Union

from . import _transfer_sync
from ._transfer import ObjectService, QueueService, WritableFile, Writer, artifact_flow, download_flow, writing_to
from .aio import download as aio_download  # noqa: F401  (names of the historical module)
from .aio.asyncutils import ensureCoro as ensureCoro
from .aio.asyncutils import runAsync as runAsync

__all__ = [
    "download",
    "downloadArtifact",
    "downloadArtifactToBuf",
    "downloadArtifactToFile",
    "downloadToBuf",
    "downloadToFile",
]


def download(
    *, name: str, maxRetries: int = 5, objectService: ObjectService, writerFactory: Callable[[], Writer]
) -> str:
    """Download the object `name` into a writer from `writerFactory()`; returns its content type.

    `objectService` is a `taskcluster.Object` client with the download scope for `name`.
    """
    flow = download_flow(name=name, maxRetries=maxRetries, objectService=objectService, rand=random.random)
    return _transfer_sync.run(flow, writer_factory=writerFactory)


def downloadToBuf(*, name: str, maxRetries: int = 5, objectService: ObjectService) -> Tuple[memoryview, str]:
    """Download the object `name` into memory; returns `(data, contentType)`."""
    buffers: List[io.BytesIO] = []
    content_type = download(
        name=name, maxRetries=maxRetries, objectService=objectService, writerFactory=_buffers(buffers)
    )
    return buffers[-1].getbuffer(), content_type


def downloadToFile(file: WritableFile, *, name: str, maxRetries: int = 5, objectService: ObjectService) -> str:
    """Download the object `name` into `file` (binary, writable, seekable and truncatable: each attempt rewrites
    it from the start, and a failed download leaves it empty); returns the content type."""
    with writing_to(file, "object %r" % (name,)):
        return download(name=name, maxRetries=maxRetries, objectService=objectService, writerFactory=_rewind(file))


def downloadArtifact(
    *,
    taskId: str,
    name: str,
    runId: Optional[Union[int, str]] = None,
    maxRetries: int = 5,
    queueService: QueueService,
    writerFactory: Callable[[], Writer],
) -> str:
    """Download an artifact (of the latest run unless `runId` is given) into a writer from `writerFactory()`;
    returns its content type. `s3` and `reference` artifacts are fetched from their URL, `object` artifacts through
    the object service, and an `error` artifact raises `TaskclusterArtifactError`."""
    flow = artifact_flow(
        taskId=taskId, name=name, runId=runId, maxRetries=maxRetries, queueService=queueService, rand=random.random
    )
    return _transfer_sync.run(flow, writer_factory=writerFactory)


def downloadArtifactToBuf(
    *,
    taskId: str,
    name: str,
    runId: Optional[Union[int, str]] = None,
    maxRetries: int = 5,
    queueService: QueueService,
) -> Tuple[memoryview, str]:
    """Download an artifact into memory; returns `(data, contentType)`."""
    buffers: List[io.BytesIO] = []
    content_type = downloadArtifact(
        taskId=taskId, name=name, runId=runId, maxRetries=maxRetries, queueService=queueService,
        writerFactory=_buffers(buffers),
    )  # fmt: skip
    return buffers[-1].getbuffer(), content_type


def downloadArtifactToFile(
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
        return downloadArtifact(
            taskId=taskId, name=name, runId=runId, maxRetries=maxRetries, queueService=queueService,
            writerFactory=_rewind(file),
        )  # fmt: skip


def _buffers(buffers: List[io.BytesIO]) -> Callable[[], io.BytesIO]:
    """A writer factory making a new in-memory buffer per attempt (the last one holds the data)."""

    def writerFactory() -> io.BytesIO:
        buffers.append(io.BytesIO())
        return buffers[-1]

    return writerFactory


def _rewind(file: WritableFile) -> Callable[[], WritableFile]:
    """A writer factory that empties `file` and writes it from the start."""

    def writerFactory() -> WritableFile:
        file.seek(0)
        file.truncate()
        return file

    return writerFactory

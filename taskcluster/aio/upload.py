"""Upload objects to the object service (async): `upload`, `uploadFromBuf`, `uploadFromFile`.

As `taskcluster.upload`, but the reader factory is an async callable returning a reader with an async
`read(max_size)` (an `aiofile` file object qualifies), and `objectService` may be a `taskcluster.aio.Object` or a
sync `taskcluster.Object` (whose calls then run in an executor).
"""

import builtins
import random
from typing import TYPE_CHECKING, Awaitable, Callable, Dict, Optional

import taskcluster as taskcluster  # a module attribute of the historical `taskcluster.aio.upload`

from .._transfer import (
    DATA_INLINE_MAX_SIZE,
    AsyncReader,
    BytesLike,
    Expires,
    Hasher,
    ObjectService,
    ReadableFile,
    ShortRead,
    check_binary_file,
    file_size,
    upload_flow,
)
from . import _transfer_async
from .asyncutils import ensureCoro as ensureCoro
from .reader_writer import BufferReader, FileReader
from .reader_writer import BufferWriter as BufferWriter
from .reader_writer import streamingCopy as streamingCopy
from .retry import retry as retry

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._transfer import UploadArgs

__all__ = ["DATA_INLINE_MAX_SIZE", "HashingReader", "upload", "uploadFromBuf", "uploadFromFile"]


async def upload(
    *,
    projectId: str,
    name: str,
    contentType: str,
    contentLength: int,
    expires: Expires,
    readerFactory: Callable[[], Awaitable[AsyncReader]],
    maxRetries: int = 5,
    uploadId: Optional[str] = None,
    objectService: ObjectService,
) -> None:
    """Upload `contentLength` bytes read from `await readerFactory()` as the object `name` of `projectId`
    (see `taskcluster.upload.upload`)."""
    flow = upload_flow(
        projectId=projectId,
        name=name,
        contentType=contentType,
        contentLength=contentLength,
        expires=expires,
        maxRetries=maxRetries,
        uploadId=uploadId,
        objectService=objectService,
        rand=random.random,
    )
    await _transfer_async.run(flow, reader_factory=readerFactory)


async def uploadFromBuf(
    *, data: BytesLike, contentLength: Optional[int] = None, **kwargs: "Unpack[UploadArgs]"
) -> None:
    """`upload` of an in-memory `data`; `contentLength` defaults to its length."""
    content = bytes(data)

    async def readerFactory() -> BufferReader:
        return BufferReader(content)

    await upload(readerFactory=readerFactory, contentLength=len(content) if contentLength is None else contentLength,
                 **kwargs)  # fmt: skip


async def uploadFromFile(
    *, file: ReadableFile, contentLength: Optional[int] = None, **kwargs: "Unpack[UploadArgs]"
) -> None:
    """`upload` of a sync file open for reading in binary mode and seekable (rewound for each attempt);
    `contentLength` defaults to the file's size."""
    check_binary_file(file, "r", "object %r" % (kwargs.get("name"),))
    if contentLength is None:
        contentLength = file_size(file)

    async def readerFactory() -> FileReader:
        file.seek(0)
        return FileReader(file)

    await upload(readerFactory=readerFactory, contentLength=contentLength, **kwargs)


class HashingReader:
    """A reader that hashes (sha256, sha512) and counts what it passes on from `inner`."""

    def __init__(self, inner: AsyncReader) -> None:
        self.inner = inner
        self._hasher = Hasher()

    @property
    def bytes(self) -> int:
        """How many bytes were read."""
        return self._hasher.count

    async def read(self, max_size: int) -> builtins.bytes:  # `bytes` in this class is the property above
        chunk = await self.inner.read(max_size)
        self.update(chunk)
        return chunk

    def update(self, chunk: BytesLike) -> None:
        self._hasher.update(chunk)

    def hashes(self, contentLength: int) -> Dict[str, str]:
        """The hex digests, after checking that exactly `contentLength` bytes were read."""
        if contentLength != self._hasher.count:
            raise ShortRead("read %d bytes but the content length is %d" % (self._hasher.count, contentLength))
        return self._hasher.hexdigests()

"""Upload objects to the object service (sync): `upload`, `uploadFromBuf`, `uploadFromFile`.

The data comes from a *reader*: an object whose `read(max_size)` returns the next 1..max_size bytes, or `b""` at
the end. A *reader factory* returns a fresh reader positioned at the first byte; it is called again for each
retry. Small objects (under `DATA_INLINE_MAX_SIZE` bytes) are offered inline with the createUpload request; others
are PUT to the URL the service returns. These functions need no event loop: they work in any thread.
"""

import io
import random
from typing import TYPE_CHECKING, Callable, Optional

from . import _transfer_sync
from ._transfer import (
    DATA_INLINE_MAX_SIZE,
    BytesLike,
    Expires,
    ObjectService,
    ReadableFile,
    Reader,
    check_binary_file,
    file_size,
    upload_flow,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._transfer import UploadArgs
from .aio import upload as aio_upload  # noqa: F401  (names of the historical module)
from .aio.asyncutils import ensureCoro as ensureCoro
from .aio.asyncutils import runAsync as runAsync

__all__ = ["DATA_INLINE_MAX_SIZE", "upload", "uploadFromBuf", "uploadFromFile"]


def upload(
    *,
    projectId: str,
    name: str,
    contentType: str,
    contentLength: int,
    expires: Expires,
    readerFactory: Callable[[], Reader],
    maxRetries: int = 5,
    uploadId: Optional[str] = None,
    objectService: ObjectService,
) -> None:
    """Upload `contentLength` bytes read from `readerFactory()` as the object `name` of `projectId`.

    `objectService` is a `taskcluster.Object` client with the upload scopes; `expires` a date (datetime or ISO
    text); `maxRetries` bounds the retries of the data transfer. The upload is finished with the sha256 and sha512
    of the bytes sent, so the service can vouch for them on download.
    """
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
    _transfer_sync.run(flow, reader_factory=readerFactory)


def uploadFromBuf(*, data: BytesLike, contentLength: Optional[int] = None, **kwargs: "Unpack[UploadArgs]") -> None:
    """`upload` of an in-memory `data` (bytes-like); `contentLength` defaults to its length. Other arguments are
    those of `upload`, without `readerFactory`."""
    content = bytes(data)
    length = len(content) if contentLength is None else contentLength
    upload(readerFactory=lambda: io.BytesIO(content), contentLength=length, **kwargs)


def uploadFromFile(*, file: ReadableFile, contentLength: Optional[int] = None, **kwargs: "Unpack[UploadArgs]") -> None:
    """`upload` of a file open for reading in binary mode and seekable (it is rewound for each attempt);
    `contentLength` defaults to the file's size. Other arguments are those of `upload`, without `readerFactory`."""
    check_binary_file(file, "r", "object %r" % (kwargs.get("name"),))
    if contentLength is None:
        contentLength = file_size(file)

    def readerFactory() -> ReadableFile:
        file.seek(0)
        return file

    upload(readerFactory=readerFactory, contentLength=contentLength, **kwargs)

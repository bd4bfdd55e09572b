"""Readers and writers for the async uploads and downloads, and `streamingCopy` between them.

A reader has an async `read(max_size)` returning 1..max_size bytes, or `b""` at the end; a writer has an async
`write(chunk)` storing all of `chunk`.
"""

import io

from .._transfer import CHUNK_SIZE, AsyncReader, AsyncWriter, BytesLike, Reader, Writer

__all__ = [
    "AsyncReader",
    "AsyncWriter",
    "BufferReader",
    "BufferWriter",
    "FileReader",
    "FileWriter",
    "streamingCopy",
]


class BufferWriter:
    """A writer collecting the data in memory (`getbuffer()` returns it)."""

    def __init__(self) -> None:
        self.buf: io.BytesIO = io.BytesIO()

    async def write(self, chunk: bytes) -> None:
        self.buf.write(chunk)

    def getbuffer(self) -> memoryview:
        """The data written so far."""
        return self.buf.getbuffer()


class BufferReader:
    """A reader over in-memory bytes."""

    def __init__(self, data: BytesLike) -> None:
        self.buf: io.BytesIO = io.BytesIO(data)

    async def read(self, max_size: int) -> bytes:
        return self.buf.read(max_size)


class FileWriter:
    """A writer to a sync file object open in binary mode."""

    def __init__(self, file: Writer) -> None:
        self.file = file

    async def write(self, chunk: bytes) -> None:
        self.file.write(chunk)


class FileReader:
    """A reader of a sync file object open in binary mode, from its current position."""

    def __init__(self, file: Reader) -> None:
        self.file = file

    async def read(self, max_size: int) -> bytes:
        return self.file.read(max_size)


async def streamingCopy(reader: AsyncReader, writer: AsyncWriter) -> None:
    """Copy everything `reader` gives to `writer`, one chunk at a time."""
    while True:
        chunk = await reader.read(CHUNK_SIZE)
        if not chunk:
            return
        await writer.write(chunk)

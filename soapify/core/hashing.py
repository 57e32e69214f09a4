"""Streaming helpers: hash and copy files chunk by chunk, never holding a whole file in memory.

Framework-free. A *source* is a filesystem path, a binary file object (anything with ``read``,
e.g. an open file, Django's ``UploadedFile``, boto3's ``StreamingBody``) or an iterable of
``bytes`` chunks (e.g. ``uploaded_file.chunks()``). File objects are read from their current
position to EOF and are not closed or rewound.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from typing import BinaryIO, Protocol

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "Source",
    "TooLarge",
    "copy_stream",
    "iter_chunks",
    "read_pieces",
    "helper_pool",
    "receive_at",
    "sha256_file",
]

DEFAULT_CHUNK_SIZE = 1024 * 1024  # 1 MiB
READ_PIECE = 4 * 1024 * 1024  # read_pieces: big reads into one reused buffer
RECEIVE_PIECE = 1024 * 1024  # receive_at: small enough to overlap reading with hashing + writing


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


Source = str | os.PathLike[str] | BinaryIO | Iterable[bytes]


class TooLarge(Exception):
    """The stream holds more than ``limit`` bytes. Raised as soon as byte ``limit + 1`` is read;
    ``bytes_read`` says how many bytes had been consumed when it was noticed."""

    def __init__(self, limit: int, bytes_read: int) -> None:
        super().__init__(f"stream is larger than the limit of {limit} bytes")
        self.limit = limit
        self.bytes_read = bytes_read


def iter_chunks(source: Source, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
    """Yield non-empty chunks of at most ``chunk_size`` bytes (iterables pass through as they come)."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    with ExitStack() as stack:
        if isinstance(source, str | os.PathLike):
            source = stack.enter_context(open(source, "rb"))  # noqa: SIM115
        if hasattr(source, "read"):
            read = source.read  # type: ignore[union-attr]
            while chunk := read(chunk_size):
                yield bytes(chunk) if not isinstance(chunk, bytes) else chunk
        elif isinstance(source, bytes | bytearray | memoryview):
            raise TypeError("pass a file object or path, not bytes (wrap it in io.BytesIO)")
        else:
            for chunk in source:  # type: ignore[union-attr]
                if chunk:
                    yield bytes(chunk)


def sha256_file(source: Source, chunk_size: int = DEFAULT_CHUNK_SIZE) -> str:
    """Hex SHA-256 of everything ``source`` yields."""
    digest = hashlib.sha256()
    for chunk in iter_chunks(source, chunk_size):
        digest.update(chunk)
    return digest.hexdigest()


def copy_stream(
    src: Source, dst: _Writable, *, limit: int | None, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> tuple[int, str]:
    """Copy ``src`` into ``dst`` (anything with ``write``), hashing on the way.

    Returns ``(bytes_written, sha256_hex)``. With ``limit``, raises :class:`TooLarge` as soon as
    more than ``limit`` bytes arrive; at most ``limit`` bytes have then been written to ``dst``
    (the caller discards it) and at most one chunk is in memory. File objects are never read past
    ``limit + 1`` bytes.
    """
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    digest = hashlib.sha256()
    written = 0
    for chunk in _bounded_chunks(src, chunk_size, limit):
        if limit is not None and written + len(chunk) > limit:
            keep = limit - written
            if keep:
                dst.write(chunk[:keep])
                digest.update(chunk[:keep])
            raise TooLarge(limit, written + len(chunk))
        dst.write(chunk)
        digest.update(chunk)
        written += len(chunk)
    return written, digest.hexdigest()


def _bounded_chunks(src: Source, chunk_size: int, limit: int | None) -> Iterator[bytes]:
    """Like iter_chunks, but a file object is asked for no more than ``limit + 1`` bytes in all."""
    if limit is None or not hasattr(src, "read"):
        yield from iter_chunks(src, chunk_size)
        return
    remaining = limit + 1
    read = src.read  # type: ignore[union-attr]
    while remaining > 0 and (chunk := read(min(chunk_size, remaining))):
        remaining -= len(chunk)
        yield bytes(chunk) if not isinstance(chunk, bytes) else chunk


def read_pieces(fh: BinaryIO, count: int, piece_size: int = READ_PIECE) -> Iterator[memoryview]:
    """Read exactly ``count`` bytes of ``fh`` (from its position) as views of one reused buffer
    (consume each view before asking for the next). Raises EOFError if the file ends early."""
    buf = bytearray(min(piece_size, max(count, 1)))
    view = memoryview(buf)
    left = count
    while left > 0:
        n = fh.readinto(view[: min(left, len(buf))])  # type: ignore[attr-defined]
        if not n:
            raise EOFError(f"{left} bytes missing")
        left -= n
        yield view[:n]


def receive_at(
    read: Callable[[int], bytes], fd: int, offset: int, length: int, piece_size: int = RECEIVE_PIECE
) -> tuple[int, str]:
    """Read up to ``length`` bytes with ``read(n)`` (a stream's ``read``) in pieces of at most
    ``piece_size`` and write each one straight into the file descriptor ``fd`` at its position from
    ``offset`` (``os.pwrite``: no intermediate buffer or copy), hashing it on the way.

    Pipelined: while the calling thread reads piece *n + 1* from the stream, a helper thread
    hashes and writes piece *n* (both release the GIL), in order. At most two pieces are in
    memory. Returns ``(bytes_received, sha256_hex)``; fewer than ``length`` bytes means the
    stream ended early (everything read was written). Nothing is flushed to disk (no fsync)."""
    digest = hashlib.sha256()

    def store(piece: bytes, pos: int) -> None:
        digest.update(piece)
        view = memoryview(piece)
        while view:  # pwrite may write less than asked
            n = os.pwrite(fd, view, pos)
            view = view[n:]
            pos += n

    done = 0
    pending: Future | None = None
    try:
        while done < length:
            piece = read(min(piece_size, length - done))
            if not piece:
                break
            if pending is not None:
                pending.result()
            pending = helper_pool().submit(store, piece, offset + done)
            done += len(piece)
    finally:
        if pending is not None:
            pending.result()
    return done, digest.hexdigest()


_HELPERS: ThreadPoolExecutor | None = None
_HELPERS_LOCK = threading.Lock()


def helper_pool() -> ThreadPoolExecutor:
    """A small thread pool per process for work that releases the GIL (hashing, file I/O),
    created lazily (so after a pre-forking server forks)."""
    global _HELPERS
    if _HELPERS is None:
        with _HELPERS_LOCK:
            if _HELPERS is None:
                _HELPERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="receive")
    return _HELPERS

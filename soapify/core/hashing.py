"""Streaming helpers: hash and copy files chunk by chunk, never holding a whole file in memory.

Framework-free. A *source* is a filesystem path, a binary file object (anything with ``read``,
e.g. an open file, Django's ``UploadedFile``, boto3's ``StreamingBody``) or an iterable of
``bytes`` chunks (e.g. ``uploaded_file.chunks()``). File objects are read from their current
position to EOF and are not closed or rewound.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import BinaryIO, Protocol

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "Source",
    "TooLarge",
    "copy_stream",
    "iter_chunks",
    "helper_pool",
    "direct_descriptor",
    "open_direct",
    "receive_at",
    "sha256_range",
    "sha256_file",
]

DEFAULT_CHUNK_SIZE = 1024 * 1024  # 1 MiB
READ_PIECE = 4 * 1024 * 1024  # sha256_range: big reads into two reused buffers
RECEIVE_PIECE = 1024 * 1024  # receive_at: small enough to overlap reading with hashing + writing
_TAIL_PIECE = 64 * 1024  # receive_at: the last piece


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


#: O_DIRECT transfers must start at, and be a multiple of, the device's logical block size
#: (512 or 4096 bytes); 4096 satisfies both.
DIRECT_BLOCK = 4096


def open_direct(fd: int, flags: int = os.O_RDWR) -> int | None:
    """A second descriptor of the file open as ``fd`` (the same inode, even if the file was
    renamed or unlinked meanwhile) that bypasses the page cache (``O_DIRECT``), or None where the
    platform or filesystem refuses it (tmpfs on older kernels, macOS, no ``/proc``).

    Why: a large upload written through the page cache costs the writer a kernel copy into
    freshly allocated cache pages, which on virtual machines (pages returned to the host and
    faulted back in) runs at a few hundred MB/s and dominates receiving a chunk. With O_DIRECT the
    device reads the bytes straight from one reused, aligned buffer. Reads and writes through
    either descriptor stay coherent (the kernel flushes and invalidates cached pages of a range
    before a direct transfer of it)."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return None
    try:
        return os.open(f"/proc/self/fd/{fd}", flags | flag)
    except OSError as exc:
        if exc.errno in (errno.EINVAL, errno.EOPNOTSUPP, errno.ENOENT, errno.EACCES):
            return None
        raise


@contextmanager
def direct_descriptor(fd: int, flags: int = os.O_RDWR) -> Iterator[int | None]:
    """:func:`open_direct` as a context manager (closed on exit; None when refused)."""
    direct = open_direct(fd, flags)
    try:
        yield direct
    finally:
        if direct is not None:
            os.close(direct)


_ALIGNED = threading.local()


def _aligned_buffer(size: int) -> mmap.mmap:
    """A page-aligned buffer of at least ``size`` bytes, one per thread and reused (its pages stay
    resident, so filling it costs a plain memory copy)."""
    buf = getattr(_ALIGNED, "buf", None)
    if buf is None or len(buf) < size:
        buf = _ALIGNED.buf = mmap.mmap(-1, -(-size // mmap.PAGESIZE) * mmap.PAGESIZE)
    return buf


def _pwrite_all(fd: int, view: memoryview, pos: int) -> None:
    while view:  # pwrite may write less than asked
        n = os.pwrite(fd, view, pos)
        view = view[n:]
        pos += n


class _PieceWriter:
    """Writes pieces at given offsets: block-aligned runs through ``direct_fd`` (via an aligned
    buffer) when there is one, anything else (an unaligned start, a short tail) through ``fd``.
    If the filesystem turns a direct write down (EINVAL), the rest goes through ``fd``."""

    def __init__(self, fd: int, direct_fd: int | None) -> None:
        self.fd = fd
        self.direct_fd = direct_fd

    def write(self, piece: bytes, pos: int) -> None:
        view = memoryview(piece)
        if self.direct_fd is not None and pos % DIRECT_BLOCK == 0:
            n = len(view) - len(view) % DIRECT_BLOCK
            if n:
                buf = memoryview(_aligned_buffer(n))[:n]
                buf[:] = view[:n]
                try:
                    _pwrite_all(self.direct_fd, buf, pos)
                except OSError as exc:
                    if exc.errno != errno.EINVAL:
                        raise
                    self.direct_fd = None  # rewritten below, through the page cache
                else:
                    view, pos = view[n:], pos + n
                finally:
                    buf.release()
        _pwrite_all(self.fd, view, pos)


def receive_at(
    read: Callable[[int], bytes],
    fd: int,
    offset: int,
    length: int,
    piece_size: int = RECEIVE_PIECE,
    *,
    direct_fd: int | None = None,
    also: Callable[[bytes], object] | None = None,
) -> tuple[int, str]:
    """Read up to ``length`` bytes with ``read(n)`` (a stream's ``read``) in pieces of at most
    ``piece_size`` and write each one into the file descriptor ``fd`` at its position from
    ``offset`` (``os.pwrite``), hashing it on the way. With ``direct_fd`` (see
    :func:`open_direct`) block-aligned pieces bypass the page cache. ``also(piece)`` sees every
    piece too, in order (e.g. a running whole-file digest).

    Pipelined: while the calling thread reads piece *n + 1* from the stream, one helper thread
    hashes and writes piece *n* (both release the GIL), in order; the last piece is kept small,
    so that little is left to do once the stream is exhausted. (More helper threads, or deeper
    queues, measured slower: every extra thread adds GIL hand-offs to the reading thread.) At
    most two pieces are in memory. Returns ``(bytes_received, sha256_hex)``; fewer than
    ``length`` bytes means the stream ended early (everything read was written). Nothing is
    flushed to disk (no fsync)."""
    digest = hashlib.sha256()
    writer = _PieceWriter(fd, direct_fd)

    def store(piece: bytes, pos: int) -> None:
        digest.update(piece)
        if also is not None:
            also(piece)
        writer.write(piece, pos)

    done = 0
    pending: Future | None = None
    try:
        while done < length:
            want = min(piece_size, length - done)
            if want == length - done and want > _TAIL_PIECE:
                want -= _TAIL_PIECE  # the last piece comes apart, small
            piece = read(want)
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


def sha256_range(
    fd: int,
    offset: int,
    count: int,
    *,
    direct_fd: int | None = None,
    piece_size: int = READ_PIECE,
    on_piece: Callable[[memoryview], object] | None = None,
) -> str:
    """Hex SHA-256 of ``count`` bytes of the file ``fd`` from ``offset`` (``os.preadv``, no file
    position used). With ``direct_fd`` the bytes are read past the page cache into aligned
    buffers (not faulting the whole file into the cache to hash it once). Pipelined: a helper
    thread hashes piece *n* while piece *n + 1* is read (two buffers). ``on_piece`` also sees
    every piece (e.g. a second digest), on the helper thread. Raises EOFError if the file ends
    early."""
    total = hashlib.sha256()
    if count <= 0:
        return total.hexdigest()
    use_direct = direct_fd is not None and offset % DIRECT_BLOCK == 0
    piece_size = max(DIRECT_BLOCK, piece_size - piece_size % DIRECT_BLOCK)
    size = min(piece_size, -(-count // DIRECT_BLOCK) * DIRECT_BLOCK)
    buffers = [mmap.mmap(-1, size), mmap.mmap(-1, size)]

    def consume(view: memoryview) -> None:
        total.update(view)
        if on_piece is not None:
            on_piece(view)

    pending: Future | None = None
    left, pos, turn = count, offset, 0
    try:
        while left > 0:
            view = memoryview(buffers[turn])
            want = min(left, size)
            if use_direct:
                try:
                    # a direct read asks for whole blocks; the file's end makes it short
                    got = os.preadv(direct_fd, [view[: -(-want // DIRECT_BLOCK) * DIRECT_BLOCK]], pos)
                except OSError as exc:
                    if exc.errno != errno.EINVAL:
                        raise
                    use_direct = False
                    continue
            else:
                got = os.preadv(fd, [view[:want]], pos)
            got = min(got, want)
            if got <= 0:
                raise EOFError(f"{left} bytes missing")
            if pending is not None:
                pending.result()
            pending = helper_pool().submit(consume, view[:got])
            left -= got
            pos += got
            turn ^= 1
            if use_direct and got % DIRECT_BLOCK:
                use_direct = False  # continue from an unaligned position through the cache
    finally:
        if pending is not None:
            pending.result()
    return total.hexdigest()


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

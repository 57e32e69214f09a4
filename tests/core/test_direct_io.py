"""core.hashing's direct-I/O receive and read-back, and core.sha256state's resumable digest."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import random

import pytest

from soapify.core import hashing, sha256state
from soapify.core.hashing import DIRECT_BLOCK, open_direct, receive_at, sha256_range


def _data(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(b"")
    fd = os.open(path, os.O_RDWR)
    direct = open_direct(fd)
    yield path, fd, direct
    os.close(fd)
    if direct is not None:
        os.close(direct)


@pytest.mark.parametrize("start", [0, 3 * DIRECT_BLOCK, 1000])
@pytest.mark.parametrize("length", [1, DIRECT_BLOCK, 3 * 1024 * 1024 + 777])
def test_receive_at_writes_and_hashes_every_byte_in_place(target, start, length):
    path, fd, direct = target
    head = _data(start, seed=2)
    os.pwrite(fd, head, 0)
    body = _data(length)
    running = sha256state.load(None, count=0) if sha256state.AVAILABLE else None
    seen = []
    size, digest = receive_at(
        io.BytesIO(body).read, fd, start, length, direct_fd=direct, also=seen.append, piece_size=256 * 1024
    )
    assert (size, digest) == (length, hashlib.sha256(body).hexdigest())
    assert path.read_bytes() == head + body
    assert b"".join(seen) == body  # ``also`` sees every piece, in order
    if running is not None:
        for piece in seen:
            running.update(piece)
        assert running.hexdigest() == hashlib.sha256(body).hexdigest()


def test_receive_at_stops_where_the_stream_ends(target):
    path, fd, direct = target
    body = _data(10_000)
    size, digest = receive_at(io.BytesIO(body).read, fd, 0, 50_000, direct_fd=direct)
    assert (size, digest) == (10_000, hashlib.sha256(body).hexdigest())
    assert path.read_bytes() == body


def test_a_direct_write_the_filesystem_refuses_is_written_through_the_cache(target, monkeypatch):
    path, fd, direct = target
    if direct is None:
        pytest.skip("no O_DIRECT on this filesystem")
    real = os.pwrite

    def refuse_direct(f, data, pos):
        if f == direct:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(f, data, pos)

    monkeypatch.setattr(hashing.os, "pwrite", refuse_direct)
    body = _data(2 * 1024 * 1024)
    size, digest = receive_at(io.BytesIO(body).read, fd, 0, len(body), direct_fd=direct)
    assert digest == hashlib.sha256(body).hexdigest() and path.read_bytes() == body


def test_a_failing_write_is_raised_by_the_reader(target, monkeypatch):
    _path, fd, _direct = target

    def broken(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hashing.os, "pwrite", broken)
    with pytest.raises(OSError, match="No space"):
        receive_at(io.BytesIO(_data(100_000)).read, fd, 0, 100_000)


@pytest.mark.parametrize("offset,count", [(0, 5_000_000), (4096, 1_000_000), (1234, 777_777), (0, 0)])
def test_sha256_range_reads_back_through_either_descriptor(target, offset, count):
    path, fd, direct = target
    data = _data(5_000_000)
    path.write_bytes(data)
    want = hashlib.sha256(data[offset : offset + count]).hexdigest()
    assert sha256_range(fd, offset, count) == want
    also = hashlib.sha256()
    assert sha256_range(fd, offset, count, direct_fd=direct, on_piece=also.update, piece_size=1 << 20) == want
    assert also.hexdigest() == want


def test_sha256_range_raises_when_the_file_is_short(target):
    path, fd, direct = target
    path.write_bytes(_data(10_000))
    with pytest.raises(EOFError):
        sha256_range(fd, 0, 20_000, direct_fd=direct)
    with pytest.raises(EOFError):
        sha256_range(fd, 0, 20_000)


def test_open_direct_is_none_where_the_filesystem_refuses_it(tmp_path):
    shm = "/dev/shm"
    if not os.path.isdir(shm) or not os.access(shm, os.W_OK):
        pytest.skip("no /dev/shm")
    path = os.path.join(shm, f"soapify-direct-{os.getpid()}")
    plain = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fd = open_direct(plain)
        if fd is not None:  # kernels since 6.6 accept O_DIRECT on tmpfs
            os.close(fd)
            pytest.skip("this tmpfs accepts O_DIRECT")
        assert fd is None
    finally:
        os.close(plain)
        os.unlink(path)


def test_the_direct_descriptor_is_the_same_file_even_once_renamed(tmp_path):
    path = tmp_path / "data"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.rename(path, tmp_path / "moved")
    path.write_bytes(b"another file now")
    direct = open_direct(fd)
    try:
        body = _data(2 * DIRECT_BLOCK)
        receive_at(io.BytesIO(body).read, fd, 0, len(body), direct_fd=direct)
        assert (tmp_path / "moved").read_bytes() == body and path.read_bytes() == b"another file now"
    finally:
        os.close(fd)
        if direct is not None:
            os.close(direct)


# --- resumable SHA-256 ----------------------------------------------------------------------------

needs_state = pytest.mark.skipif(not sha256state.AVAILABLE, reason="no usable libcrypto")


@needs_state
def test_a_saved_state_resumes_to_the_same_digest_as_hashlib():
    rng = random.Random(5)
    data = rng.randbytes(300_000)
    cuts = sorted(rng.sample(range(1, len(data)), 25))
    running = sha256state.new()
    start = 0
    for cut in [*cuts, len(data)]:
        running = sha256state.load(running.state(), count=start)  # saved and loaded between pieces
        running.update(data[start:cut])
        start = cut
    assert running.count == len(data)
    assert running.hexdigest() == hashlib.sha256(data).hexdigest()
    running.update(b"more")  # hexdigest does not consume the state
    assert running.hexdigest() == hashlib.sha256(data + b"more").hexdigest()


@needs_state
def test_a_state_is_refused_unless_it_covers_exactly_the_bytes_received():
    running = sha256state.new()
    running.update(b"x" * 100)
    state = running.state()
    assert sha256state.load(state, count=100) is not None
    assert sha256state.load(state, count=99) is None
    assert sha256state.load(state[:-1], count=100) is None
    assert sha256state.load(b"sha256ctx1:another build:" + state[len(sha256state.TAG) :], count=100) is None
    assert sha256state.load(b"", count=100) is None
    assert sha256state.load(b"", count=0).hexdigest() == hashlib.sha256(b"").hexdigest()


def test_without_libcrypto_there_is_no_state_and_callers_hash_again(monkeypatch):
    monkeypatch.setattr(sha256state, "_lib", None)
    assert sha256state.new() is None
    assert sha256state.load(b"anything", count=0) is None

"""A SHA-256 whose running state can be saved between requests (a resumable upload's whole-file
digest, carried chunk by chunk, so committing a recording does not read it all back).

Python's ``hashlib`` cannot export a hash's state, so this calls the same OpenSSL library
``hashlib`` uses, through ``ctypes``: ``SHA256_Init``/``SHA256_Update``/``SHA256_Final`` on a
``SHA256_CTX`` kept as opaque bytes (the struct holds no pointers). The calls release the GIL and
use the CPU's SHA instructions, like ``hashlib``.

A saved state is ``TAG + <8-byte big-endian count of bytes hashed> + <context bytes>``; the tag
names the library build and this boot of the machine, so a state saved by another OpenSSL, or
before a restart (after a crash the bytes it describes may not all have reached the disk), is
refused (``None``), and callers fall back to hashing the bytes again. Where the library cannot be found or fails its self-test,
:data:`AVAILABLE` is False and :func:`load`/:func:`new` return None: the feature is an
optimisation, never required.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import struct

logger = logging.getLogger(__name__)

_CTX_BYTES = 256  # sizeof(SHA256_CTX) is 112 on every OpenSSL since 0.9.8; room to spare
_lib = None
TAG = b""


def _libcrypto_path() -> str | None:
    """The libcrypto that ``hashlib`` itself loaded (so both agree), else the system one."""
    import _hashlib  # noqa: F401 - loads libcrypto into this process

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rsplit(" ", 1)[-1].strip()
                if "/libcrypto" in path:
                    return path
    except OSError:
        pass
    import ctypes.util

    return ctypes.util.find_library("crypto")


def _boot_id() -> bytes:
    try:
        with open("/proc/sys/kernel/random/boot_id", "rb") as fh:
            return fh.read().strip()[:36]
    except OSError:  # not Linux: no restart detection, a fresh tag per process instead
        import uuid

        return uuid.uuid4().hex.encode()


def _load() -> None:
    global _lib, TAG
    try:
        path = _libcrypto_path()
        if not path:
            return
        lib = ctypes.CDLL(path)
        for name, args in (
            ("SHA256_Init", [ctypes.c_void_p]),
            ("SHA256_Update", [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]),
            ("SHA256_Final", [ctypes.c_void_p, ctypes.c_void_p]),
        ):
            fn = getattr(lib, name)
            fn.argtypes = args
            fn.restype = ctypes.c_int
        lib.OpenSSL_version.argtypes = [ctypes.c_int]
        lib.OpenSSL_version.restype = ctypes.c_char_p
        version = lib.OpenSSL_version(0) or b"?"
        _lib = lib
        TAG = b"sha256ctx1:" + version[:60] + b":" + _boot_id() + b":"
        if not _self_test():
            logger.warning("resumable SHA-256 disabled: self-test failed with %s", version)
            _lib, TAG = None, b""
    except (OSError, AttributeError, ImportError):  # no usable libcrypto: hash again at commit
        _lib, TAG = None, b""


class RunningSha256:
    """``update`` bytes, ``state()`` to save, :func:`load` to resume, ``hexdigest()`` to finish."""

    __slots__ = ("_ctx", "count")

    def __init__(self, ctx: ctypes.Array, count: int) -> None:
        self._ctx = ctx
        self.count = count

    def update(self, data: bytes) -> None:
        if not isinstance(data, bytes):
            data = bytes(data)
        _lib.SHA256_Update(self._ctx, data, len(data))  # type: ignore[union-attr]
        self.count += len(data)

    def state(self) -> bytes:
        return TAG + struct.pack(">Q", self.count) + self._ctx.raw

    def hexdigest(self) -> str:
        ctx = ctypes.create_string_buffer(self._ctx.raw, _CTX_BYTES)  # Final consumes the context
        out = ctypes.create_string_buffer(32)
        _lib.SHA256_Final(out, ctx)  # type: ignore[union-attr]
        return out.raw.hex()


def new() -> RunningSha256 | None:
    if _lib is None:
        return None
    ctx = ctypes.create_string_buffer(_CTX_BYTES)
    _lib.SHA256_Init(ctx)
    return RunningSha256(ctx, 0)


def load(state: bytes | None, *, count: int) -> RunningSha256 | None:
    """Resume a saved state that covers exactly ``count`` bytes; None if there is none, it covers
    another count, or another library saved it. ``count == 0`` with no state starts afresh."""
    if _lib is None:
        return None
    state = bytes(state or b"")
    if not state:
        return new() if count == 0 else None
    head = len(TAG) + 8
    if len(state) != head + _CTX_BYTES or not state.startswith(TAG):
        return None
    (saved_count,) = struct.unpack(">Q", state[len(TAG) : head])
    if saved_count != count:
        return None
    return RunningSha256(ctypes.create_string_buffer(state[head:], _CTX_BYTES), saved_count)


def _self_test() -> bool:
    data = bytes(range(256)) * 41  # 10,496 bytes: splits below land inside 64-byte blocks
    running = new()
    for a, b in ((0, 1), (1, 100), (100, 4099), (4099, len(data))):
        running = load(running.state(), count=a)
        if running is None:
            return False
        running.update(data[a:b])
    return running.hexdigest() == hashlib.sha256(data).hexdigest() and new().hexdigest() == (
        hashlib.sha256(b"").hexdigest()
    )


AVAILABLE = False
_load()
AVAILABLE = _lib is not None

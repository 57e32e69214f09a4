"""The layout of a RIFF WAVE file read from its chunk headers (no decoding): what
``audio_probe`` needs to measure a PCM WAV without demuxing every packet."""

from __future__ import annotations

import struct
from contextlib import ExitStack
from typing import BinaryIO

_WAV_MAX_CHUNKS = 64  # RIFF chunks walked to find "data" before giving up on the fast path


WavLayout = tuple[tuple[int, int, int, int], int, int]


def wav_layout(target: str | BinaryIO) -> WavLayout | None:
    """``((format tag, channels, sample rate, block align), data offset, data size)`` of a RIFF
    WAVE file (from its current position), read from its chunk headers; None when they are not
    plain and complete. A file object is left where it was."""
    with ExitStack() as stack:
        if isinstance(target, str):
            fh: BinaryIO = stack.enter_context(open(target, "rb"))  # noqa: SIM115
            base = 0
        else:
            fh = target
            base = fh.tell()
            stack.callback(fh.seek, base)
        riff = fh.read(12)
        if riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
            return None
        fmt = None
        pos = 12
        for _ in range(_WAV_MAX_CHUNKS):
            fh.seek(base + pos)
            head = fh.read(8)
            if len(head) < 8:
                return None
            chunk_id, chunk_size = head[:4], int.from_bytes(head[4:], "little")
            if chunk_id == b"fmt ":
                body = fh.read(min(chunk_size, 64))
                if len(body) < 16:
                    return None
                tag, channels, rate, _byte_rate, align, _bits = struct.unpack("<HHIIHH", body[:16])
                fmt = (tag, channels, rate, align)
            elif chunk_id == b"data":
                return (fmt, pos + 8, chunk_size) if fmt is not None else None
            pos += 8 + chunk_size + (chunk_size & 1)
    return None

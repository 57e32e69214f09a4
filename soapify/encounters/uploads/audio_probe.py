"""Probe an uploaded recording: is it audio we can use, and how long is it?

Framework-free (PyAV only); the API layer maps :class:`AudioRejected` to its error body.

How it works, and the decisions taken:

* **Sniff first.** The first bytes decide the container (:func:`sniff_format`). Anything that is
  not one of the audio containers browsers and phones produce (WAV, FLAC, MP3, ADTS AAC,
  M4A/MP4, Ogg, WebM/Matroska, AMR) is rejected with 415 *before* FFmpeg sees it, and FFmpeg is
  then opened with that demuxer forced. FFmpeg's own probing is never used, so an upload can
  never select demuxers such as HLS or concat that open other files or URLs.
* **Measure, do not trust headers.** The duration comes from demuxing every packet of the audio
  stream (no PCM decoding): the span from the stream's start to the end of the last packet
  (``pts + duration``). When packets carry no timing, their durations are summed, and as a last
  resort those packets are decoded and their samples counted. This works for MediaRecorder WebM
  with no Duration element, and a header that lies (too short, to slip past ``max_duration``)
  changes nothing. Demuxing stops as soon as ``max_duration`` is exceeded.
* **Must decode.** The first packets are decoded until one frame of audio comes out; if none
  does the file is ``corrupt_audio`` (422) when the container was recognised.
* **Cut tails are accepted.** A file whose head decodes but whose tail is missing (an upload or
  recording interrupted after the header) is accepted with the duration that is actually
  present; :attr:`AudioInfo.truncated` is set when the header promised noticeably more, or when
  demuxing stopped on an error. Files that cannot be opened at all (e.g. an MP4 whose ``moov``
  index was at the cut-off end) are ``corrupt_audio``.
* **Bounded memory.** Paths and file objects are streamed by FFmpeg through a small buffer; only
  the first :data:`SNIFF_BYTES` are read by this module.

A file object must be readable; if it is not seekable the sniffed bytes are replayed in front of
it, but containers that need seeking (MP4 with the index at the end) may then fail.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO, Literal, cast

import av
import av.audio.stream
import av.container
import av.error

from soapify.encounters.uploads.wav_header import WavLayout, wav_layout

__all__ = [
    "SNIFF_BYTES",
    "AudioInfo",
    "AudioRejected",
    "probe_audio",
    "sniff_format",
]

SNIFF_BYTES = 64

# sniffed label -> FFmpeg demuxer forced when opening
_DEMUXERS: dict[str, str] = {
    "wav": "wav",
    "flac": "flac",
    "mp3": "mp3",
    "aac": "aac",
    "m4a": "mov",
    "ogg": "ogg",
    "webm": "matroska",
    "matroska": "matroska",
    "amr": "amr",
}

# a few non-audio signatures, only to say what the file looks like in the error message
_NOT_AUDIO: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
)

# decoder name -> codec name (PyAV reports the decoder, e.g. "mp3float")
_CODEC_ALIASES = {
    "mp3float": "mp3",
    "mp2float": "mp2",
    "aac_fixed": "aac",
    "libopus": "opus",
    "libvorbis": "vorbis",
    "amrnb": "amr_nb",
    "amrwb": "amr_wb",
}

_MAX_DECODE_PROBE_PACKETS = 64  # packets tried before concluding that nothing decodes
_TRUNCATION_SLACK = 0.5  # seconds of difference from the header that count as a cut tail

ACCEPTED_FORMATS = "WAV, FLAC, MP3, AAC, M4A, Ogg (Opus or Vorbis), WebM or AMR"


@dataclass(frozen=True, slots=True)
class AudioInfo:
    container: str  # sniffed label: wav, flac, mp3, aac, m4a, ogg, webm, matroska, amr
    codec: str  # pcm_s16le, flac, mp3, aac, vorbis, opus, ...
    duration: float  # seconds, measured from the packets
    sample_rate: int  # as decoded (Opus always reports 48000)
    channels: int
    bit_rate: int | None  # bits per second, from the headers or size / duration
    duration_source: Literal["packets", "decoded"] = "packets"
    header_duration: float | None = None  # what the container header claims (None: no header)
    truncated: bool = False  # the tail looks cut off; duration is what is actually there


class AudioRejected(Exception):
    """The upload is not usable audio. ``status`` is the HTTP status the API should answer."""

    EMPTY = "empty_audio"  # 422
    UNSUPPORTED = "unsupported_media"  # 415
    CORRUPT = "corrupt_audio"  # 422
    TOO_LONG = "too_long"  # 422

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def __repr__(self) -> str:
        return f"AudioRejected(code={self.code!r}, status={self.status}, message={self.message!r})"


def _empty() -> AudioRejected:
    return AudioRejected(AudioRejected.EMPTY, "The audio file is empty.", 422)


def _unsupported(message: str) -> AudioRejected:
    return AudioRejected(AudioRejected.UNSUPPORTED, message, 415)


def _corrupt(label: str, detail: str) -> AudioRejected:
    return AudioRejected(
        AudioRejected.CORRUPT, f"The file looks like {label.upper()} audio but {detail}.", 422
    )


def sniff_format(first_bytes: bytes) -> str | None:
    """Name the audio container from the first bytes (at least 12; 64 to tell WebM from
    Matroska), or ``None`` when they match no audio container we accept."""
    head = bytes(first_bytes[:SNIFF_BYTES])
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head else "matroska"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head.startswith(b"ID3"):
        return "mp3"
    if head.startswith(b"#!AMR"):
        return "amr"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # 11-bit frame sync; layer bits 00 are reserved in MPEG audio and used by ADTS AAC
        if head[1] & 0x06 == 0:
            return "aac" if head[1] & 0xF0 == 0xF0 else None
        return "mp3" if head[1] & 0x18 != 0x08 else None  # version bits 01 are reserved
    return None


def _describe_unknown(head: bytes) -> str:
    for magic, what in _NOT_AUDIO:
        if head.startswith(magic):
            return f"The file is {what}, not audio. Accepted formats: {ACCEPTED_FORMATS}."
    if head.startswith(b"RIFF"):
        kind = head[8:12].decode("ascii", "replace").strip()
        return f"The file is a RIFF {kind} file, not WAV audio. Accepted formats: {ACCEPTED_FORMATS}."
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return f"The file is not in a recognised audio format. Accepted formats: {ACCEPTED_FORMATS}."
    return f"The file is text, not audio. Accepted formats: {ACCEPTED_FORMATS}."


class _Replay(io.RawIOBase):
    """Replays already-read bytes in front of a non-seekable stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head.nbytes:
            n = min(len(buffer), self._head.nbytes)
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def _input(source: str | os.PathLike[str] | BinaryIO) -> Iterator[tuple[str | BinaryIO, bytes, int | None]]:
    """Yield (what to hand to av.open, first bytes, size in bytes if known)."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
        yield str(path), head, size
        return
    seekable = bool(getattr(source, "seekable", lambda: False)())
    if not seekable:
        head = source.read(SNIFF_BYTES)
        yield _Replay(head, source), head, None  # type: ignore[misc]
        return
    start = source.tell()
    head = source.read(SNIFF_BYTES)
    size = source.seek(0, io.SEEK_END) - start
    source.seek(start)
    yield source, head, size


def probe_audio(source: str | os.PathLike[str] | BinaryIO, *, max_duration: float | None) -> AudioInfo:
    """Check that ``source`` is decodable audio and measure it. Raises :class:`AudioRejected`.

    ``max_duration`` in seconds (``None``: no limit). A file object is read from its current
    position and left at an unspecified position.
    """
    with ExitStack() as stack:
        target, head, size = stack.enter_context(_input(source))
        if not head:
            raise _empty()
        label = sniff_format(head)
        if label is None:
            raise _unsupported(_describe_unknown(head))
        layout = None
        if label == "wav" and size is not None and not isinstance(target, _Replay):
            try:
                layout = wav_layout(target)  # leaves a file object where it was
            except (OSError, ValueError):
                layout = None
        try:
            container = stack.enter_context(
                av.open(target, mode="r", format=_DEMUXERS[label], metadata_errors="replace")
            )
        except av.error.FFmpegError as exc:
            raise _corrupt(label, f"could not be read ({_reason(exc)})") from None
        if layout is not None and size is not None:
            fast = _probe_pcm_wav(container, layout, size, max_duration)
            if fast is not None:
                return fast
        return _probe_container(container, label, size, max_duration)
    raise AssertionError("unreachable")  # pragma: no cover


def _reason(exc: av.error.FFmpegError) -> str:
    return str(getattr(exc, "strerror", None) or exc).rstrip(".").lower()


def _probe_container(
    container: av.container.InputContainer, label: str, size: int | None, max_duration: float | None
) -> AudioInfo:
    if not container.streams:
        raise _corrupt(label, "its header is incomplete (no streams found)")
    if not container.streams.audio:
        kinds: list[str] = sorted({str(s.type) for s in container.streams}) or ["nothing"]
        raise _unsupported(f"The file has no audio stream (it contains {', '.join(kinds)}).")
    stream = cast(
        "av.audio.stream.AudioStream", container.streams.best("audio") or container.streams.audio[0]
    )
    ctx = stream.codec_context
    if ctx is None or ctx.codec is None:
        raise _unsupported("The file's audio codec is not supported.")

    measure = _Measure(stream, max_duration)
    try:
        for packet in container.demux(stream):
            measure.add(packet)
    except av.error.FFmpegError:
        measure.truncated = True  # keep what was read before the damage
    measure.flush()

    if measure.packets == 0:
        raise _corrupt(label, "contains no audio data")
    if not measure.decoded:
        raise _corrupt(label, "none of its audio could be decoded")

    duration, source = measure.duration()
    if duration <= 0:
        raise _corrupt(label, "contains no audio samples")
    header = _header_duration(container, stream)
    truncated = measure.truncated or (header is not None and header - duration > _TRUNCATION_SLACK)
    codec = _CODEC_ALIASES.get(ctx.codec.name, ctx.codec.name)
    return AudioInfo(
        container=label,
        codec=codec,
        duration=round(duration, 3),
        sample_rate=int(ctx.sample_rate or measure.sample_rate or 0),
        channels=int(ctx.channels or measure.channels or 0),
        bit_rate=_bit_rate(ctx.bit_rate, container.bit_rate, size, duration, header),
        duration_source=source,
        header_duration=None if header is None else round(header, 3),
        truncated=truncated,
    )


_WAV_PCM_TAGS = {1, 3, 0xFFFE}  # PCM, IEEE float, WAVE_FORMAT_EXTENSIBLE (checked against the codec)


def _probe_pcm_wav(
    container: av.container.InputContainer, layout: WavLayout, size: int, max_duration: float | None
) -> AudioInfo | None:
    """PCM WAV: the duration is the PCM bytes actually present (at most what the data chunk
    declares, as FFmpeg's demuxer reads) divided by the frame size and rate, so there is no need to
    demux every packet. The first packets are still decoded to prove the audio decodes. None: not a
    plain PCM WAV whose layout FFmpeg agrees with (the caller then measures from the packets)."""
    streams = container.streams.audio
    if len(container.streams) != 1 or len(streams) != 1:
        return None
    stream = streams[0]
    ctx = stream.codec_context
    if ctx is None or ctx.codec is None or not ctx.codec.name.startswith("pcm_"):
        return None
    (tag, channels, rate, align), data_offset, data_size = layout
    if (
        tag not in _WAV_PCM_TAGS
        or rate <= 0
        or align <= 0
        or channels != ctx.channels
        or rate != ctx.sample_rate
        or data_size in (0, 0xFFFFFFFF)  # written while streaming: FFmpeg reads to the end
    ):
        return None
    present = min(data_size, size - data_offset)
    frames = present // align
    if frames <= 0:
        return None  # let the full scan say what is wrong
    measure = _Measure(stream, None)
    try:
        for packet in container.demux(stream):
            measure.add(packet)
            if measure.decoded or measure.tried >= _MAX_DECODE_PROBE_PACKETS:
                break
    except av.error.FFmpegError:
        return None
    measure.flush()
    if not measure.decoded:
        return None
    duration = frames / rate
    if max_duration is not None and duration > max_duration:
        raise AudioRejected(
            AudioRejected.TOO_LONG,
            f"The recording is longer than the limit of {max_duration:g} seconds.",
            422,
        )
    # what the data chunk declares (FFmpeg's own figure is already capped at the file's size)
    header = (data_size // align) / rate
    truncated = header - duration > _TRUNCATION_SLACK
    codec = _CODEC_ALIASES.get(ctx.codec.name, ctx.codec.name)
    return AudioInfo(
        container="wav",
        codec=codec,
        duration=round(duration, 3),
        sample_rate=int(ctx.sample_rate or measure.sample_rate or 0),
        channels=int(ctx.channels or measure.channels or 0),
        bit_rate=_bit_rate(ctx.bit_rate, container.bit_rate, size, duration, header),
        duration_source="packets",
        header_duration=None if header is None else round(header, 3),
        truncated=truncated,
    )


class _Measure:
    """Accumulates the duration of one audio stream from its packets, in integer units of the
    stream's time base (no Fraction arithmetic per packet: an hour of Opus is ~180,000 packets)."""

    def __init__(self, stream: av.audio.stream.AudioStream, max_duration: float | None) -> None:
        self.stream = stream
        self.ctx = stream.codec_context
        self.max_duration = max_duration
        self.time_base: Fraction = stream.time_base or Fraction(1, stream.rate or 1)
        self.limit: int | None = None if max_duration is None else int(max_duration / self.time_base)
        self.start: int | None = stream.start_time
        self.end: int | None = None
        self.summed = 0  # sum of packet durations
        self.decoded_seconds = 0.0  # audio of packets with no duration, counted by decoding
        self.all_timed = True
        self.packets = 0
        self.tried = 0
        self.decoded = False
        self.used_decoder = False
        self.truncated = False
        self.sample_rate = 0
        self.channels = 0

    def add(self, packet: av.Packet) -> None:
        if packet.size == 0:
            return
        self.packets += 1
        if packet.time_base is not None and packet.time_base != self.time_base:
            self._rescale(packet)
        duration, pts = packet.duration, packet.pts
        if duration:
            self.summed += duration
            if not self.decoded and self.tried < _MAX_DECODE_PROBE_PACKETS:
                self._decode(packet)
        else:
            self.used_decoder = True
            self.decoded_seconds += self._decode(packet)
        if pts is not None and duration:
            if self.start is None:
                self.start = pts
            if self.end is None or pts + duration > self.end:
                self.end = pts + duration
        else:
            self.all_timed = False
        if (
            self.limit is not None
            and self.max_duration is not None
            and self._span() > self.limit
            and self.duration()[0] > self.max_duration
        ):
            raise AudioRejected(
                AudioRejected.TOO_LONG,
                f"The recording is longer than the limit of {self.max_duration:g} seconds.",
                422,
            )

    def _rescale(self, packet: av.Packet) -> None:
        tb = packet.time_base
        if packet.pts is not None:
            packet.pts = int(packet.pts * tb / self.time_base)
        if packet.duration:
            packet.duration = int(packet.duration * tb / self.time_base)
        packet.time_base = self.time_base

    def _span(self) -> int:
        """Upper bound of the duration so far, in time-base units (cheap; checked per packet)."""
        if self.all_timed and self.end is not None and self.start is not None:
            return self.end - max(self.start, 0)
        return self.summed + int(self.decoded_seconds / self.time_base) + 1

    def _decode(self, packet: av.Packet | None) -> float:
        """Decode one packet (None: flush); returns the seconds of audio that came out."""
        self.tried += packet is not None
        try:
            frames = self.ctx.decode(packet)
        except av.error.FFmpegError:
            return 0.0
        seconds = 0.0
        for frame in frames:
            if frame.samples:
                self.decoded = True
                self.sample_rate = self.sample_rate or frame.sample_rate
                self.channels = self.channels or frame.layout.nb_channels
                seconds += frame.samples / (frame.sample_rate or self.stream.rate or 1)
        return seconds

    def flush(self) -> None:
        if self.packets and (not self.decoded or self.used_decoder):
            flushed = self._decode(None)
            if self.used_decoder:
                self.decoded_seconds += flushed

    def duration(self) -> tuple[float, Literal["packets", "decoded"]]:
        if self.all_timed and self.end is not None and self.start is not None:
            return float((self.end - max(self.start, 0)) * self.time_base), "packets"
        seconds = float(self.summed * self.time_base) + self.decoded_seconds
        return seconds, "decoded" if self.used_decoder else "packets"


def _header_duration(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> float | None:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _bit_rate(
    stream_rate: int | None,
    container_rate: int | None,
    size: int | None,
    duration: float,
    header: float | None,
) -> int | None:
    if stream_rate:
        return int(stream_rate)
    if container_rate and header is not None:
        return int(container_rate)
    if size and duration > 0:
        return int(size * 8 / duration)
    return None

"""Make the small audio fixtures in tests/fixtures/audio/ from a cut of dev_vitals.wav.

Run from the repository root:  .venv/bin/python scripts/make_audio_fixtures.py [--source PATH]

Everything is encoded with PyAV (its bundled FFmpeg); nothing is downloaded. The output is
deterministic (bitexact muxing) for a given PyAV/FFmpeg build.
"""

from __future__ import annotations

import argparse
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "audio" / "dev_vitals.wav"
OUT = ROOT / "tests" / "fixtures" / "audio"

CUT_START = 0.5  # seconds into the source
CUT_SECONDS = 2.5
SOURCE_RATE = 16000
# no random Ogg serial numbers / Matroska UIDs: the same input gives the same bytes
BITEXACT = {"fflags": "+bitexact"}


@dataclass(frozen=True)
class Encoding:
    filename: str
    container: str  # FFmpeg muxer name
    codec: str
    rate: int
    sample_format: str
    bit_rate: int | None = None
    codec_options: dict[str, str] = field(default_factory=dict)
    container_options: dict[str, str] = field(default_factory=dict)


ENCODINGS = [
    # 8 kHz keeps the PCM file under 60 KB (16 kHz s16 would be 80 KB for 2.5 s).
    Encoding("clip.wav", "wav", "pcm_s16le", 8000, "s16"),
    Encoding("clip.flac", "flac", "flac", 16000, "s16"),
    Encoding("clip.mp3", "mp3", "libmp3lame", 16000, "s16p", bit_rate=32000),
    Encoding(
        "clip.m4a", "ipod", "aac", 16000, "fltp", bit_rate=32000, container_options={"movflags": "+faststart"}
    ),
    Encoding("clip.ogg", "ogg", "libvorbis", 16000, "fltp", bit_rate=32000),
    Encoding("clip.opus.ogg", "ogg", "libopus", 48000, "s16", bit_rate=24000),
    # What browsers send: Opus at 48 kHz in WebM.
    Encoding("clip.webm", "webm", "libopus", 48000, "s16", bit_rate=24000),
]


def load_cut(source: Path) -> np.ndarray:
    """Return CUT_SECONDS of mono s16 samples at SOURCE_RATE, starting at CUT_START."""
    with av.open(str(source)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SOURCE_RATE)
        parts = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                parts.append(out.to_ndarray().reshape(-1))
    samples = np.concatenate(parts)
    start = int(CUT_START * SOURCE_RATE)
    cut = samples[start : start + int(CUT_SECONDS * SOURCE_RATE)]
    if len(cut) != int(CUT_SECONDS * SOURCE_RATE):
        raise SystemExit(f"{source} is shorter than {CUT_START + CUT_SECONDS} s")
    return cut


def encode(samples: np.ndarray, enc: Encoding, target: io.BufferedIOBase | Path) -> None:
    """Encode mono s16 samples (SOURCE_RATE) with one codec into one container."""
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = SOURCE_RATE
    frame.pts = 0
    dest = str(target) if isinstance(target, Path) else target
    with av.open(dest, mode="w", format=enc.container, options={**BITEXACT, **enc.container_options}) as out:
        stream = out.add_stream(enc.codec, rate=enc.rate, options=enc.codec_options)
        stream.layout = "mono"
        stream.format = enc.sample_format
        if enc.bit_rate:
            stream.bit_rate = enc.bit_rate
        resampler = av.AudioResampler(format=enc.sample_format, layout="mono", rate=enc.rate)
        for chunk in [*resampler.resample(frame), *resampler.resample(None)]:
            out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))


class NonSeekable(io.RawIOBase):
    """A write-only sink with no seek(): the muxer cannot go back to fill in sizes or Duration,
    which is exactly the situation of a browser's MediaRecorder writing a live stream."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, b) -> int:  # type: ignore[override]
        self.buf += b
        return len(b)


def make_nodur_webm(samples: np.ndarray, path: Path) -> None:
    """WebM/Opus like Chrome's MediaRecorder: no Duration element, no Cues, unknown-size
    Segment and Clusters. Written through a non-seekable sink with the Matroska muxer's
    live mode, then checked with PyAV."""
    enc = Encoding(
        "clip_nodur.webm", "webm", "libopus", 48000, "s16", bit_rate=24000, container_options={"live": "1"}
    )
    sink = NonSeekable()
    encode(samples, enc, sink)  # type: ignore[arg-type]
    path.write_bytes(bytes(sink.buf))
    with av.open(str(path)) as check:
        if check.duration is not None or check.streams.audio[0].duration is not None:
            raise SystemExit(f"{path.name}: expected no duration header, got {check.duration}")


def make_truncated_m4a(samples: np.ndarray, path: Path) -> None:
    """An interrupted phone recording: MP4 with the moov atom at the end (no faststart), cut at
    60 % so the moov index is lost and nothing can be demuxed."""
    tmp = path.with_suffix(".full.m4a")
    encode(samples, Encoding("x", "ipod", "aac", 16000, "fltp", bit_rate=32000), tmp)
    data = tmp.read_bytes()
    tmp.unlink()
    if data.find(b"moov") < data.find(b"mdat"):
        raise SystemExit("expected moov after mdat")
    path.write_bytes(data[: int(len(data) * 0.6)])


def make_corrupt_mp3(path: Path) -> None:
    """An ID3v2 header (so it sniffs as MP3) followed by garbage with no MPEG frame in it."""
    rng = random.Random(3)  # noqa: S311 - deterministic fixture bytes
    body = bytearray(rng.randbytes(8000))
    for i in range(len(body) - 1):  # remove every possible MPEG sync word (0xFFE/0xFFF)
        if body[i] == 0xFF:
            body[i] = 0x7F
    # ID3v2.4 header with a 0-byte tag body
    path.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(body))


def make_video_only(path: Path) -> None:
    """A WebM with one VP8 video stream and no audio stream."""
    with av.open(str(path), mode="w", format="webm", options=BITEXACT) as out:
        stream = out.add_stream("libvpx", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(5):
            img = np.full((32, 32, 3), i * 40, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def make_png(path: Path) -> None:
    """A 16x16 PNG image (something a user might pick by mistake)."""
    with av.open(str(path), mode="w", format="image2", options={**BITEXACT, "update": "1"}) as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "rgb24"
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), dtype=np.uint8), format="rgb24")
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    samples = load_cut(args.source)
    for enc in ENCODINGS:
        encode(samples, enc, out / enc.filename)

    extra: list[tuple[str, Callable[[Path], None]]] = [
        ("clip_nodur.webm", lambda p: make_nodur_webm(samples, p)),
        ("truncated.m4a", lambda p: make_truncated_m4a(samples, p)),
        ("corrupt.mp3", make_corrupt_mp3),
        ("video_only.webm", make_video_only),
        ("image.png", make_png),
        (
            "not_audio.wav",
            lambda p: p.write_text("Patient notes: BP 120/80, HR 72.\nThis is text, not audio.\n"),
        ),
        ("empty.wav", lambda p: p.write_bytes(b"")),
    ]
    for name, make in extra:
        make(out / name)

    total = 0
    for path in sorted(out.iterdir()):
        if path.name == "README.md":
            continue
        size = path.stat().st_size
        total += size
        print(f"{path.name:20} {size:7d} bytes")
        if size > 60_000:
            raise SystemExit(f"{path.name} is larger than 60 KB")
    print(f"{'total':20} {total:7d} bytes")
    if total > 400_000:
        raise SystemExit("fixtures are larger than 400 KB in total")


if __name__ == "__main__":
    main()

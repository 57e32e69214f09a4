"""Audio probing, format sniffing and streaming hashes. Pure Python: no database, no Django."""

from __future__ import annotations

import hashlib
import io
import random
import struct
from pathlib import Path

import pytest

from soapify.encounters.uploads.audio_probe import AudioInfo, AudioRejected, probe_audio, sniff_format
from soapify.encounters.uploads.storage import TooLarge, copy_stream

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "audio"
SHARED_AUDIO = Path(__file__).resolve().parents[3] / "shared" / "data" / "audio"
CLIP_SECONDS = 2.5


class NonSeekable(io.RawIOBase):
    """A read-only stream with no seek, like a socket or an HTTP response body."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def rejected(source, *, max_duration: float | None = None) -> AudioRejected:
    with pytest.raises(AudioRejected) as info:
        probe_audio(source, max_duration=max_duration)
    return info.value


# name, container, codec, sample rate
PLAYABLE = [
    ("clip.wav", "wav", "pcm_s16le", 8000),
    ("clip.flac", "flac", "flac", 16000),
    ("clip.mp3", "mp3", "mp3", 16000),
    ("clip.m4a", "m4a", "aac", 16000),
    ("clip.ogg", "ogg", "vorbis", 16000),
    ("clip.opus.ogg", "ogg", "opus", 48000),
    ("clip.webm", "webm", "opus", 48000),
    ("clip_nodur.webm", "webm", "opus", 48000),
]


@pytest.mark.parametrize(("name", "container", "codec", "rate"), PLAYABLE)
def test_every_browser_and_phone_format_is_probed(name: str, container: str, codec: str, rate: int) -> None:
    info = probe_audio(FIXTURES / name, max_duration=None)
    assert isinstance(info, AudioInfo)
    assert (info.container, info.codec, info.sample_rate, info.channels) == (container, codec, rate, 1)
    assert info.duration == pytest.approx(CLIP_SECONDS, abs=0.1)
    assert info.duration_source == "packets"
    assert not info.truncated
    assert info.bit_rate and info.bit_rate > 0


@pytest.mark.parametrize(("name", "container", "codec", "rate"), PLAYABLE)
def test_file_objects_give_the_same_answer_as_paths(name: str, container: str, codec: str, rate: int) -> None:
    from_path = probe_audio(FIXTURES / name, max_duration=None)
    with open(FIXTURES / name, "rb") as fh:
        assert probe_audio(fh, max_duration=None) == from_path
    from_stream = probe_audio(NonSeekable((FIXTURES / name).read_bytes()), max_duration=None)
    assert from_stream.duration == from_path.duration
    assert from_stream.codec == codec


def test_file_object_is_read_from_its_current_position() -> None:
    data = (FIXTURES / "clip.webm").read_bytes()
    buf = io.BytesIO(b"junk-prefix" + data)
    buf.seek(len(b"junk-prefix"))
    assert probe_audio(buf, max_duration=None).codec == "opus"


def test_mediarecorder_webm_without_duration_header_is_measured_from_packets() -> None:
    import av

    path = FIXTURES / "clip_nodur.webm"
    with av.open(str(path)) as container:
        assert container.duration is None
        assert container.streams.audio[0].duration is None
    info = probe_audio(path, max_duration=None)
    assert info.header_duration is None
    assert info.duration == pytest.approx(CLIP_SECONDS, abs=0.1)


@pytest.mark.skipif(not SHARED_AUDIO.is_dir(), reason="shared audio not present")
@pytest.mark.parametrize(
    ("name", "seconds"),
    [
        ("dev_vitals.wav", 13.9),
        ("dev_vitals.m4a", 13.9),
        ("dev_visit_headache.webm", 55.5),
        ("dev_dictation_cough.mp3", 26.2),
    ],
)
def test_real_recordings_are_measured(name: str, seconds: float) -> None:
    assert probe_audio(SHARED_AUDIO / name, max_duration=None).duration == pytest.approx(seconds, abs=0.1)


# --- rejections ---------------------------------------------------------------------------------


def test_empty_file_is_422_empty_audio() -> None:
    for source in (FIXTURES / "empty.wav", io.BytesIO(b""), NonSeekable(b"")):
        err = rejected(source)
        assert (err.code, err.status) == ("empty_audio", 422)


@pytest.mark.parametrize(("name", "says"), [("not_audio.wav", "text"), ("image.png", "PNG image")])
def test_non_audio_files_are_415_unsupported_media(name: str, says: str) -> None:
    err = rejected(FIXTURES / name)
    assert (err.code, err.status) == ("unsupported_media", 415)
    assert says in err.message


def test_random_bytes_are_415_unsupported_media() -> None:
    err = rejected(io.BytesIO(random.Random(7).randbytes(4096)))
    assert (err.code, err.status) == ("unsupported_media", 415)


def test_video_without_audio_stream_is_415() -> None:
    err = rejected(FIXTURES / "video_only.webm")
    assert (err.code, err.status) == ("unsupported_media", 415)
    assert "no audio stream" in err.message


@pytest.mark.parametrize("name", ["truncated.m4a", "corrupt.mp3"])
def test_recognised_container_with_nothing_decodable_is_422_corrupt_audio(name: str) -> None:
    err = rejected(FIXTURES / name)
    assert (err.code, err.status) == ("corrupt_audio", 422)


@pytest.mark.parametrize("name", ["clip.m4a", "clip.webm", "clip.mp3", "clip.flac", "clip.ogg"])
def test_a_file_cut_inside_its_header_is_422_corrupt_audio(name: str) -> None:
    head = (FIXTURES / name).read_bytes()[:100]
    err = rejected(io.BytesIO(head))
    assert (err.code, err.status) == ("corrupt_audio", 422)


@pytest.mark.parametrize("name", ["clip.m4a", "clip.webm", "clip.mp3", "clip.flac"])
def test_a_file_with_its_tail_cut_is_accepted_with_the_duration_present(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    info = probe_audio(io.BytesIO(data[: int(len(data) * 0.6)]), max_duration=None)
    assert 1.0 < info.duration < 2.0
    assert info.truncated  # the header promised 2.5 s


def test_longer_than_max_duration_is_422_too_long() -> None:
    for name in ("clip.wav", "clip_nodur.webm", "clip.mp3"):
        err = rejected(FIXTURES / name, max_duration=2.0)
        assert (err.code, err.status) == ("too_long", 422)
        assert probe_audio(FIXTURES / name, max_duration=3.0).duration < 3.0


def test_a_header_claiming_a_short_duration_does_not_slip_past_max_duration() -> None:
    import av

    # rewrite the WebM Duration element (ID 0x4489, 8-byte float, in ms) to claim 0.5 s
    data = bytearray((FIXTURES / "clip.webm").read_bytes())
    at = data.index(bytes.fromhex("448988"))
    data[at + 3 : at + 11] = struct.pack(">d", 500.0)
    with av.open(io.BytesIO(bytes(data))) as container:
        assert container.duration / av.time_base == pytest.approx(0.5, abs=0.01)
    err = rejected(io.BytesIO(bytes(data)), max_duration=1.0)
    assert err.code == "too_long"


# --- sniffing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("clip.wav", "wav"),
        ("clip.flac", "flac"),
        ("clip.mp3", "mp3"),
        ("clip.m4a", "m4a"),
        ("clip.ogg", "ogg"),
        ("clip.opus.ogg", "ogg"),
        ("clip.webm", "webm"),
        ("clip_nodur.webm", "webm"),
        ("corrupt.mp3", "mp3"),
        ("truncated.m4a", "m4a"),
        ("not_audio.wav", None),
        ("image.png", None),
        ("empty.wav", None),
    ],
)
def test_sniff_format_names_the_container(name: str, label: str | None) -> None:
    assert sniff_format((FIXTURES / name).read_bytes()[:64]) == label


def test_sniff_format_recognises_bare_frame_syncs_and_rejects_lookalikes() -> None:
    assert sniff_format(b"\xff\xfb\x90\x64" + b"\0" * 60) == "mp3"  # MPEG-1 layer III, no ID3
    assert sniff_format(b"\xff\xf1\x50\x80" + b"\0" * 60) == "aac"  # ADTS
    assert sniff_format(b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska") == "matroska"
    assert sniff_format(b"#!AMR\n") == "amr"
    assert sniff_format(b"RIFF\x00\x00\x00\x00AVI LIST") is None
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") is None
    assert sniff_format(b"\xff\xd8\xff\xe0") is None  # JPEG starts with 0xFF too
    assert sniff_format(b"") is None


# --- hashing ------------------------------------------------------------------------------------


def test_copy_stream_returns_size_and_sha256() -> None:
    data = random.Random(2).randbytes(3 * 1024 * 1024 + 17)
    dst = io.BytesIO()
    assert copy_stream(io.BytesIO(data), dst, limit=None) == (len(data), hashlib.sha256(data).hexdigest())
    assert dst.getvalue() == data
    assert copy_stream(io.BytesIO(data), io.BytesIO(), limit=len(data))[0] == len(data)  # exactly at limit


class CountingReader(io.RawIOBase):
    """An endless stream that records how much was asked of it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = len(buffer)
        buffer[:n] = b"a" * n
        self.served += n
        return n


def test_copy_stream_stops_just_past_the_limit_without_buffering() -> None:
    src, dst = CountingReader(), io.BytesIO()
    with pytest.raises(TooLarge) as info:
        copy_stream(src, dst, limit=10_000)
    assert info.value.limit == 10_000
    assert src.served == 10_001  # never read further than one byte past the limit
    assert len(dst.getvalue()) <= 10_000


def _pcm_wav(n_data: int, *, claim: int | None = None, rate: int = 8000) -> bytes:
    header = b"RIFF" + struct.pack("<I", 36 + n_data) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", n_data if claim is None else claim)
    return header + random.Random(3).randbytes(n_data)


def test_pcm_wav_duration_comes_from_the_bytes_present() -> None:
    whole = probe_audio(io.BytesIO(_pcm_wav(16000 * 3)), max_duration=None)
    assert (whole.duration, whole.truncated) == (3.0, False)
    # the header claims 5 s but only 3 s of samples are there: truncated, real duration
    cut = probe_audio(io.BytesIO(_pcm_wav(16000 * 3, claim=16000 * 5)), max_duration=None)
    assert (cut.duration, cut.truncated, cut.header_duration) == (3.0, True, 5.0)
    # a header that claims less than the file holds is what FFmpeg reads too
    short = probe_audio(io.BytesIO(_pcm_wav(16000 * 3, claim=16000)), max_duration=2.0)
    assert short.duration == 1.0
    assert rejected(io.BytesIO(_pcm_wav(16000 * 3)), max_duration=2.0).code == "too_long"
    assert probe_audio(NonSeekable(_pcm_wav(16000 * 3, claim=16000 * 5)), max_duration=None).duration == 3.0

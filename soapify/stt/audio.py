"""Audio decoding (PyAV) and the windowing used to transcribe long audio.

``decode_audio`` turns any file PyAV/FFmpeg reads (wav, mp3, webm/opus, ogg, m4a/aac, flac …) into
16 kHz mono numpy samples. ``transcribe_in_windows`` cuts long audio into overlapping windows,
transcribes each one, drops the words heard twice in an overlap and puts every time on the
encounter timeline.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import av
import numpy as np

from soapify.core.engines import EngineError
from soapify.stt.engines.base import AudioInput, Segment, TranscriptionResult, Word

SAMPLE_RATE = 16000

AudioSource = str | Path | bytes | bytearray | BinaryIO
SampleType = Literal["float32", "int16"]


def decode_audio(
    source: AudioSource, *, sample_rate: int = SAMPLE_RATE, dtype: SampleType = "float32"
) -> np.ndarray:
    """Decode ``source`` (a path, bytes or a binary file object) to mono samples at ``sample_rate``.

    float32 samples are in -1..1. Raises ``EngineError(code="undecodable_audio")`` when the input
    is not audio FFmpeg can decode, ``EngineError(code="audio_missing")`` for a missing path.
    """
    if isinstance(source, str | Path) and not Path(source).is_file():
        raise EngineError(f"Audio file not found: {source}", code="audio_missing")
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    try:
        pcm = _decode_s16(source, sample_rate)
    except EngineError:
        raise
    except (av.FFmpegError, ValueError, OSError, IndexError, StopIteration) as exc:
        raise EngineError(f"Could not decode audio: {exc}", code="undecodable_audio") from exc
    if dtype == "int16":
        return pcm
    return (pcm.astype(np.float32) / 32768.0).astype(np.float32)


def decode_wav_range(
    path: str | Path, start: float, end: float, *, sample_rate: int = SAMPLE_RATE
) -> np.ndarray:
    """float32 mono samples of ``start``..``end`` seconds of a PCM WAV file, without decoding the
    rest (PCM seeks to the exact sample; compressed formats do not, so they are decoded whole)."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
    chunks: list[np.ndarray] = []
    first: float | None = None
    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.audio:
                raise EngineError("The file has no audio stream.", code="undecodable_audio")
            stream = container.streams.audio[0]
            if start > 0:
                container.seek(int(start * av.time_base), any_frame=False)
            for frame in container.decode(stream):
                if frame.time is not None and frame.time >= end:
                    break
                for out in resampler.resample(frame):
                    if first is None:
                        first = frame.time or 0.0
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except (av.FFmpegError, ValueError, OSError, IndexError, StopIteration) as exc:
        raise EngineError(f"Could not decode audio: {exc}", code="undecodable_audio") from exc
    if not chunks or first is None:
        return np.zeros(0, dtype=np.float32)
    pcm = np.concatenate(chunks)
    lo = max(int(round((start - first) * sample_rate)), 0)
    hi = max(int(round((end - first) * sample_rate)), lo)
    return (pcm[lo:hi].astype(np.float32) / 32768.0).astype(np.float32)


def _decode_s16(source: str | Path | BinaryIO, sample_rate: int) -> np.ndarray:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
    chunks: list[np.ndarray] = []
    with av.open(source if not isinstance(source, Path) else str(source), mode="r") as container:
        if not container.streams.audio:
            raise EngineError("The file has no audio stream.", code="undecodable_audio")
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    if not chunks:
        raise EngineError("The audio stream holds no samples.", code="undecodable_audio")
    return np.concatenate(chunks).astype(np.int16, copy=False)


def as_samples(audio: AudioInput, *, dtype: SampleType = "float32") -> np.ndarray:
    """Engine input (16 kHz mono numpy or a path) as a 1-D numpy array of ``dtype``."""
    if isinstance(audio, np.ndarray):
        samples = audio.reshape(-1)
        if dtype == "int16":
            if samples.dtype == np.int16:
                return samples
            return (np.clip(samples.astype(np.float32), -1.0, 1.0) * 32767.0).astype(np.int16)
        if samples.dtype == np.int16:
            return samples.astype(np.float32) / 32768.0
        return samples.astype(np.float32, copy=False)
    return decode_audio(audio, dtype=dtype)


def duration_of(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    return len(samples) / float(sample_rate)


# --- windowing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """One window of a long recording, in seconds from the start of the recording.

    ``keep_from``/``keep_to`` split each overlap at its middle: a word belongs to the window
    whose keep range holds the word's midpoint, so a word heard in two windows is kept once.
    """

    start: float
    end: float
    keep_from: float
    keep_to: float


def plan_windows(duration: float, *, window: float = 30.0, overlap: float = 1.5) -> list[Window]:
    """Windows of ``window`` seconds, each overlapping the previous one by ``overlap`` seconds."""
    if window <= 0 or overlap < 0 or overlap >= window:
        raise ValueError("need window > 0 and 0 <= overlap < window")
    if duration <= window:
        return [Window(0.0, duration, 0.0, math.inf)]
    step = window - overlap
    count = math.ceil((duration - overlap) / step)
    starts = [i * step for i in range(count)]
    windows = []
    for i, start in enumerate(starts):
        end = min(start + window, duration)
        keep_from = 0.0 if i == 0 else start + overlap / 2
        keep_to = math.inf if i == count - 1 else starts[i + 1] + overlap / 2
        windows.append(Window(start, end, keep_from, keep_to))
    return windows


def _normalise_token(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _keep_words(words: list[Word], win: Window) -> list[Word]:
    return [w for w in words if win.keep_from <= (w.start + w.end) / 2 < win.keep_to]


def _trim_segment(seg: Segment, win: Window) -> Segment | None:
    """The part of ``seg`` (recording times) that belongs to ``win``; None when nothing does."""
    if not seg.words:
        mid = (seg.start + seg.end) / 2
        return seg if win.keep_from <= mid < win.keep_to else None
    kept = _keep_words(seg.words, win)
    if not kept:
        return None
    if len(kept) == len(seg.words):
        return seg
    text = " ".join(w.text for w in kept)
    return Segment(
        start=seg.start if kept[0] is seg.words[0] else kept[0].start,
        end=kept[-1].end,
        text=text,
        confidence=seg.confidence,
        speaker=seg.speaker,
        words=kept,
    )


def drop_repeated_boundary_words(previous: list[Segment], current: list[Segment]) -> list[Segment]:
    """Drop leading words of ``current`` that repeat the last words of ``previous`` in time.

    A safety net for engines whose word times drift a little: a word whose text matches one of
    the last words already kept and that starts before that word ended (+0.3 s) is a duplicate.
    """
    if not previous or not current or not previous[-1].words or not current[0].words:
        return current
    tail = previous[-1].words[-3:]
    first = current[0]
    words = list(first.words)
    while words:
        w = words[0]
        dup = any(
            _normalise_token(w.text) == _normalise_token(t.text) and w.start < t.end + 0.3 for t in tail
        )
        if not dup:
            break
        words.pop(0)
    if len(words) == len(first.words):
        return current
    rest = current[1:]
    if not words:
        return rest
    fixed = Segment(
        start=words[0].start,
        end=first.end,
        text=" ".join(w.text for w in words),
        confidence=first.confidence,
        speaker=first.speaker,
        words=words,
    )
    return [fixed, *rest]


def merge_windows(results: list[tuple[Window, list[Segment]]]) -> list[Segment]:
    """Segments of every window (already in recording times), overlaps de-duplicated, in order."""
    merged: list[Segment] = []
    for win, segments in results:
        kept = [s for s in (_trim_segment(seg, win) for seg in segments) if s is not None]
        kept = drop_repeated_boundary_words(merged, kept)
        merged.extend(kept)
    merged.sort(key=lambda s: (s.start, s.end))
    return merged


TranscribeWindow = Callable[[np.ndarray], TranscriptionResult]


def transcribe_in_windows(
    transcribe: TranscribeWindow,
    samples: np.ndarray,
    *,
    offset: float = 0.0,
    window: float = 30.0,
    overlap: float = 1.5,
    sample_rate: int = SAMPLE_RATE,
) -> TranscriptionResult:
    """Run ``transcribe`` (times relative to the samples it is given) window by window.

    Returns one result whose segment and word times are ``offset`` + the time in ``samples``.
    """
    windows = plan_windows(duration_of(samples, sample_rate), window=window, overlap=overlap)
    per_window: list[tuple[Window, list[Segment]]] = []
    last: TranscriptionResult | None = None
    for win in windows:
        piece = samples[int(win.start * sample_rate) : int(math.ceil(win.end * sample_rate))]
        last = transcribe(piece)
        per_window.append((win, [s.shifted(win.start) for s in last.segments]))
    assert last is not None
    segments = [s.shifted(offset) for s in merge_windows(per_window)]
    return TranscriptionResult(
        segments=segments,
        language=last.language,
        engine=last.engine,
        model=last.model,
        version=last.version,
    )

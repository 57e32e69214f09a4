"""Diarizers: who spoke each transcript segment. Behind the engine registry (``DIARIZATION_ENGINES``)
like every engine: plain arrays in, plain speaker indices out, one error type
(:class:`soapify.core.engines.EngineError`, ``transient`` when a retry may help).

A speaker index is stable within one call: speakers are numbered in the order they first speak.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from soapify.core.engines import EngineError

SAMPLE_RATE = 16_000


@dataclass(frozen=True, slots=True)
class Span:
    """A segment's time span, seconds from the start of ``audio``."""

    start: float
    end: float


@runtime_checkable
class Diarizer(Protocol):
    name: str

    def diarize(self, audio: np.ndarray, segments: list[Span]) -> list[int | None]:
        """One speaker index per segment (None: too short or silent to tell)."""
        ...

    def embed_spans(self, audio: np.ndarray, segments: list[Span]) -> list[list[float] | None]:
        """Step one of ``diarize``, cacheable per segment: one voice embedding per segment (None:
        too little speech)."""
        ...

    def assign(self, embeddings: list[list[float] | None], segments: list[Span]) -> list[int | None]:
        """Step two: speaker indices from the segments' embeddings."""
        ...

    def change_points(self, audio: np.ndarray, segment: Span, words: list[Span]) -> list[int]:
        """Step zero: where a new speaker starts inside one segment, as indices into ``words`` (the
        segment's word times, seconds from the start of ``audio``): the segment is to be cut before
        each of those words. Empty: one speaker (or nothing to tell)."""
        ...


class NoDiarizer:
    """``DIARIZATION_ENGINE=none``: segments keep whatever speaker the STT engine gave (usually none)."""

    name = "none"

    def diarize(self, audio: np.ndarray, segments: list[Span]) -> list[int | None]:
        return [None] * len(segments)

    def embed_spans(self, audio: np.ndarray, segments: list[Span]) -> list[list[float] | None]:
        return [None] * len(segments)

    def assign(self, embeddings: list[list[float] | None], segments: list[Span]) -> list[int | None]:
        return [None] * len(segments)

    def change_points(self, audio: np.ndarray, segment: Span, words: list[Span]) -> list[int]:
        return []


def renumber_by_first_turn(labels: list[int | None]) -> list[int | None]:
    """Cluster ids renumbered 0, 1, ... in the order the speakers first speak."""
    order: dict[int, int] = {}
    out: list[int | None] = []
    for label in labels:
        if label is None:
            out.append(None)
            continue
        out.append(order.setdefault(label, len(order)))
    return out


def cluster_embeddings(embeddings: np.ndarray, *, distance_threshold: float, max_speakers: int) -> list[int]:
    """Agglomerative clustering (cosine distance, average linkage) with a distance threshold; when it
    finds more than ``max_speakers`` speakers, the clustering is redone with exactly that many."""
    from sklearn.cluster import AgglomerativeClustering

    n = len(embeddings)
    if n == 0:
        return []
    if n == 1:
        return [0]
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance_threshold, metric="cosine", linkage="average"
    ).fit_predict(embeddings)
    if len(set(labels)) > max_speakers:
        labels = AgglomerativeClustering(
            n_clusters=max_speakers, metric="cosine", linkage="average"
        ).fit_predict(embeddings)
    return [int(x) for x in labels]


class ResemblyzerDiarizer:
    """Resemblyzer's speaker encoder (GE2E, 256-d, CPU, the weights ship in its wheel) embeds each
    segment's audio; the embeddings are clustered into speakers. A segment shorter than
    ``min_segment_seconds`` (after silence is trimmed) gets the speaker of its nearest neighbour in
    time, or None when there is none.

    A segment may run over a change of speaker (Whisper's segments often do): :meth:`change_points`
    finds where. Partial embeddings (1.6 s windows, ``split_rate`` a second) are taken over the
    segment; for every word boundary leaving at least ``split_min_seconds`` on each side, the mean
    of the windows wholly before it is compared with the mean of those wholly after it; at the most
    different boundary, and the ``refine_words`` word boundaries either side of it, the two parts
    are embedded whole; the segment is cut at the boundary where they differ most when they are as
    far apart as two speakers are for the clustering (``distance_threshold``). Each part is
    searched again, so a segment holding three turns is cut twice.
    """

    name = "resemblyzer"

    def __init__(
        self,
        *,
        max_speakers: int = 2,
        distance_threshold: float = 0.28,
        min_segment_seconds: float = 0.6,
        split_min_seconds: float = 1.6,
        split_rate: float = 5.0,
        refine_words: int = 3,
        device: str = "cpu",
    ) -> None:
        if max_speakers < 1:
            raise ValueError("max_speakers must be at least 1")
        self.max_speakers = max_speakers
        self.distance_threshold = distance_threshold
        self.min_segment_seconds = min_segment_seconds
        self.split_min_seconds = split_min_seconds
        self.split_rate = split_rate
        self.refine_words = refine_words
        self.device = device
        self._encoder: Any = None
        self._lock = threading.Lock()

    @property
    def encoder(self) -> Any:
        with self._lock:
            if self._encoder is None:
                try:
                    from resemblyzer import VoiceEncoder
                except ImportError as exc:
                    raise EngineError(
                        f"The resemblyzer package is not installed ({exc}).", code="diarizer_unavailable"
                    ) from exc
                self._encoder = VoiceEncoder(device=self.device, verbose=False)
            return self._encoder

    def embed(self, audio: np.ndarray) -> np.ndarray | None:
        """The speaker embedding of one stretch of 16 kHz audio, or None when too little speech."""
        from resemblyzer import preprocess_wav

        wav = preprocess_wav(np.asarray(audio, dtype=np.float32), source_sr=None)
        if len(wav) < self.min_segment_seconds * SAMPLE_RATE:
            return None
        return np.asarray(self.encoder.embed_utterance(wav), dtype=np.float32)

    def diarize(self, audio: np.ndarray, segments: list[Span]) -> list[int | None]:
        return self.assign(self.embed_spans(audio, segments), segments)

    def change_points(self, audio: np.ndarray, segment: Span, words: list[Span]) -> list[int]:
        samples = np.asarray(audio, dtype=np.float32)
        if samples.ndim != 1:
            raise EngineError("Diarization needs mono samples.", code="bad_audio")
        try:
            return self._change_points(samples, segment, words, 0, len(words))
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001 - torch/librosa trouble is not worth retrying
            raise EngineError(f"Speaker change detection failed ({type(exc).__name__}: {exc}).") from exc

    def _change_points(
        self, samples: np.ndarray, segment: Span, words: list[Span], lo: int, hi: int
    ) -> list[int]:
        """Cut points among ``words[lo:hi]`` (the part of ``segment`` they span)."""
        if hi - lo < 2:
            return []
        start = segment.start if lo == 0 else words[lo].start
        end = segment.end if hi == len(words) else words[hi - 1].end
        if end - start < 2 * self.split_min_seconds:
            return []
        guess = self._best_boundary(samples, start, end, words, lo, hi)
        if guess is None:
            return []
        # the partial windows place the change roughly; the parts embedded whole place it exactly
        best, best_distance = None, -1.0
        for k in range(max(lo + 1, guess - self.refine_words), min(hi, guess + self.refine_words + 1)):
            cut = _boundary_time(words, k)
            if cut - start < self.split_min_seconds or end - cut < self.split_min_seconds:
                continue
            left = self._embed_between(samples, start, cut)
            right = self._embed_between(samples, cut, end)
            if left is None or right is None:
                continue
            distance = 1.0 - float(np.dot(left, right))
            if distance > best_distance:
                best, best_distance = k, distance
        if best is None or best_distance < self.distance_threshold:
            return []
        return [
            *self._change_points(samples, segment, words, lo, best),
            best,
            *self._change_points(samples, segment, words, best, hi),
        ]

    def _embed_between(self, samples: np.ndarray, start: float, end: float) -> np.ndarray | None:
        a, b = max(0, int(start * SAMPLE_RATE)), min(len(samples), int(end * SAMPLE_RATE))
        if b - a < self.min_segment_seconds * SAMPLE_RATE:
            return None
        return self.embed(samples[a:b])

    def _best_boundary(
        self, samples: np.ndarray, start: float, end: float, words: list[Span], lo: int, hi: int
    ) -> int | None:
        """The word index (``lo < k < hi``) before which the voice changes most, by the partial
        embeddings; None when no boundary leaves enough audio on both sides."""
        from resemblyzer import normalize_volume

        a, b = max(0, int(start * SAMPLE_RATE)), min(len(samples), int(end * SAMPLE_RATE))
        wav = normalize_volume(samples[a:b], -30, increase_only=True)
        _, partials, slices = self.encoder.embed_utterance(wav, return_partials=True, rate=self.split_rate)
        starts = np.array([start + s.start / SAMPLE_RATE for s in slices])
        stops = np.array([start + min(s.stop, b - a) / SAMPLE_RATE for s in slices])
        best, best_distance = None, -1.0
        for k in range(lo + 1, hi):
            cut = _boundary_time(words, k)
            if cut - start < self.split_min_seconds or end - cut < self.split_min_seconds:
                continue
            before, after = partials[stops <= cut], partials[starts >= cut]
            if not len(before) or not len(after):
                continue
            m1, m2 = before.mean(axis=0), after.mean(axis=0)
            distance = 1.0 - float(np.dot(m1, m2) / (np.linalg.norm(m1) * np.linalg.norm(m2)))
            if distance > best_distance:
                best, best_distance = k, distance
        return best

    def embed_spans(self, audio: np.ndarray, segments: list[Span]) -> list[list[float] | None]:
        samples = np.asarray(audio, dtype=np.float32)
        if samples.ndim != 1:
            raise EngineError("Diarization needs mono samples.", code="bad_audio")
        out: list[list[float] | None] = []
        try:
            for span in segments:
                a = max(0, int(span.start * SAMPLE_RATE))
                b = min(len(samples), int(span.end * SAMPLE_RATE))
                emb = self.embed(samples[a:b]) if b - a >= self.min_segment_seconds * SAMPLE_RATE else None
                out.append(None if emb is None else [round(float(x), 6) for x in emb])
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001 - torch/librosa trouble is not worth retrying
            raise EngineError(f"Speaker embedding failed ({type(exc).__name__}: {exc}).") from exc
        return out

    def assign(self, embeddings: list[list[float] | None], segments: list[Span]) -> list[int | None]:
        embedded = [i for i, e in enumerate(embeddings) if e]
        labels: list[int | None] = [None] * len(segments)
        if embedded:
            clusters = cluster_embeddings(
                np.array([embeddings[i] for i in embedded], dtype=np.float32),
                distance_threshold=self.distance_threshold,
                max_speakers=self.max_speakers,
            )
            for i, c in zip(embedded, clusters, strict=True):
                labels[i] = c
        _fill_from_neighbours(labels, segments)
        return renumber_by_first_turn(labels)


def _boundary_time(words: list[Span], k: int) -> float:
    """The moment between ``words[k - 1]`` and ``words[k]``."""
    return (max(words[k - 1].end, words[k - 1].start) + max(words[k].start, words[k - 1].end)) / 2


def _fill_from_neighbours(labels: list[int | None], segments: list[Span]) -> None:
    """Unlabelled (short) segments take the label of the nearest labelled segment in time."""
    known = [i for i, lab in enumerate(labels) if lab is not None]
    if not known:
        return
    for i, lab in enumerate(labels):
        if lab is not None:
            continue
        mid = (segments[i].start + segments[i].end) / 2
        nearest = min(known, key=lambda j: abs((segments[j].start + segments[j].end) / 2 - mid))
        labels[i] = labels[nearest]

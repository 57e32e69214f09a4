"""Diarizers: who spoke each transcript segment. Behind the engine registry (``DIARIZATION_ENGINES``)
like every engine: plain arrays in, plain speaker indices out, one error type
(:class:`soapify.core.engines.EngineError`, ``transient`` when a retry may help).

A speaker index is stable within one call: speakers are numbered in the order they first speak.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from cachetools import LRUCache

from soapify.core.engines import EngineError

SAMPLE_RATE = 16_000
#: Cosine distance of two parts' window means (1 s windows) at which a segment is cut; chosen on
#: the tuning voices of bench/diarization.py (docs/DIARIZATION.md).
CUT_THRESHOLD = 0.2
#: Re-segmentation against the speakers' centroids: the cost of a change of speaker inside a
#: segment, in cosine similarity summed over windows; negative: no re-segmentation.
RESEGMENT_PENALTY = 0.0
#: How many segments' window embeddings are remembered (least recently used dropped first; ~16 KB
#: each for a 4 s segment): the re-segmentation re-reads the windows of the segments the cutter did not cut.
WINDOW_CACHE_SIZE = 512


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

    def centroids(
        self, embeddings: list[list[float] | None], labels: list[int | None], exclude: int | None = None
    ) -> list[list[float]]:
        """After ``assign``: one unit-length centroid per speaker (in speaker index order), without
        segment ``exclude`` (the one to be re-segmented: a mixed segment pulls its own speaker's
        centroid towards the other voice)."""
        ...

    def resegment(
        self, audio: np.ndarray, segment: Span, words: list[Span], centroids: list[list[float]]
    ) -> list[int]:
        """Step three (after ``assign``): where the nearest speaker centroid changes inside one
        segment, as in ``change_points``. Empty: one speaker, fewer than two centroids, or off."""
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

    def centroids(
        self, embeddings: list[list[float] | None], labels: list[int | None], exclude: int | None = None
    ) -> list[list[float]]:
        return []

    def resegment(
        self, audio: np.ndarray, segment: Span, words: list[Span], centroids: list[list[float]]
    ) -> list[int]:
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
    segment's audio; the embeddings of the segments of at least ``cluster_min_seconds`` (one
    partial of the encoder, 1.6 s: reliable embeddings) are clustered into speakers, and each
    shorter segment, embedded without zero padding (the mean of its 1 s windows, down to
    ``short_min_seconds`` of speech), joins the nearest speaker's centroid. When the long segments
    alone give fewer than ``max_speakers`` speakers, all embedded segments are clustered together.
    A segment with too little speech to embed gets the speaker of its nearest neighbour in time,
    or None when there is none.

    A segment may run over a change of speaker (Whisper's segments often do): :meth:`change_points`
    finds where. One pass of short windows (``window_seconds`` long, every ``window_hop`` seconds)
    is embedded over the segment, and each window is given to the word it is centred in. Among the
    word boundaries leaving at least ``split_min_seconds`` (and ``min_windows`` windows) on each
    side, the one whose windows before and after differ most, or the pair of boundaries whose
    windows between and outside differ most (a short answer inside another speaker's segment, or a
    segment holding three turns), is cut when that cosine distance of the window means is at least
    ``cut_threshold``. Each part is searched again.

    After the speakers are assigned, :meth:`resegment` goes over every part's windows again with
    the speakers' centroids (:meth:`centroids`, without that part's own embedding): each window's
    cosine similarity to each centroid, summed per word, and the best split into runs of one
    speaker of at least ``resegment_min_seconds`` (``resegment_penalty`` per change; negative: off).
    This finds the short turns inside a segment that no single cut or pair of cuts separates.
    """

    name = "resemblyzer"

    def __init__(
        self,
        *,
        max_speakers: int = 2,
        distance_threshold: float = 0.28,
        min_segment_seconds: float = 0.6,
        split_min_seconds: float = 0.5,
        window_seconds: float = 1.0,
        window_hop: float = 0.2,
        cut_threshold: float = CUT_THRESHOLD,
        min_windows: int = 2,
        cluster_min_seconds: float = 1.6,
        short_min_seconds: float = 0.3,
        resegment_penalty: float = RESEGMENT_PENALTY,
        resegment_min_seconds: float = 0.5,
        device: str = "cpu",
    ) -> None:
        if max_speakers < 1:
            raise ValueError("max_speakers must be at least 1")
        self.max_speakers = max_speakers
        self.distance_threshold = distance_threshold
        self.min_segment_seconds = min_segment_seconds
        self.split_min_seconds = split_min_seconds
        self.window_seconds = window_seconds
        self.window_hop = window_hop
        self.cut_threshold = cut_threshold
        self.min_windows = min_windows
        self.cluster_min_seconds = cluster_min_seconds
        self.short_min_seconds = short_min_seconds
        self.resegment_penalty = resegment_penalty
        self.resegment_min_seconds = resegment_min_seconds
        self.device = device
        self._encoder: Any = None
        self._lock = threading.Lock()
        self._windows: LRUCache[bytes, tuple[np.ndarray, np.ndarray]] = LRUCache(maxsize=WINDOW_CACHE_SIZE)
        self._windows_lock = threading.Lock()

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
                import torch

                from soapify.core.embeddings import configure_torch_threads

                # SOAPIFY_TORCH_THREADS (1): torch's default of a thread per core spent 1.7x the CPU
                # for the same windows on a quiet 2-core machine (0.082 against 0.047 CPU-s per
                # audio second, docs/DIARIZATION.md), and more under load, where its idle threads spin
                configure_torch_threads(torch)
                self._encoder = VoiceEncoder(device=self.device, verbose=False)
            return self._encoder

    def embed(self, audio: np.ndarray) -> np.ndarray | None:
        """The speaker embedding of one stretch of 16 kHz audio, or None when too little speech."""
        from resemblyzer import preprocess_wav

        wav = preprocess_wav(np.asarray(audio, dtype=np.float32), source_sr=None)
        if len(wav) < self.min_segment_seconds * SAMPLE_RATE:
            return None
        return np.asarray(self.encoder.embed_utterance(wav), dtype=np.float32)

    def embed_short(self, audio: np.ndarray) -> np.ndarray | None:
        """The embedding of a short stretch (under ``cluster_min_seconds``) without zero padding:
        the mean of its windows (one window of all of it when under ``window_seconds``), or None
        under ``short_min_seconds`` of speech."""
        from resemblyzer import preprocess_wav

        wav = preprocess_wav(np.asarray(audio, dtype=np.float32), source_sr=None)
        if len(wav) < self.short_min_seconds * SAMPLE_RATE:
            return None
        embs, _ = self.window_embeddings(wav)
        if not len(embs):
            return None
        mean = embs.mean(axis=0)
        return np.asarray(mean / (np.linalg.norm(mean) + 1e-12), dtype=np.float32)

    def window_embeddings(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Embeddings of ``window_seconds`` windows every ``window_hop`` seconds over ``samples``
        (the last one ending at the end; one window of all of it when shorter, at least 0.3 s), from
        one mel spectrogram, in one batch. Returns (embeddings (n, 256), window centres in seconds)."""
        import torch
        from resemblyzer import normalize_volume
        from resemblyzer.audio import wav_to_mel_spectrogram

        if not np.any(samples):  # digital silence: normalize_volume would divide by zero
            return np.zeros((0, 256), dtype=np.float32), np.zeros(0)
        mel = wav_to_mel_spectrogram(normalize_volume(samples, -30, increase_only=True))
        total = len(mel)  # 100 frames a second
        n = int(round(self.window_seconds * 100))
        hop = max(1, int(round(self.window_hop * 100)))
        if total < 30:
            return np.zeros((0, 256), dtype=np.float32), np.zeros(0)
        if total <= n:
            starts, n = [0], total
        else:
            starts = list(range(0, total - n + 1, hop))
            if starts[-1] != total - n:
                starts.append(total - n)
        batch = np.stack([mel[f : f + n] for f in starts])
        with torch.no_grad():
            embs = self.encoder(torch.from_numpy(batch)).numpy()
        return embs, np.array([(f + n / 2) / 100 for f in starts])

    def diarize(self, audio: np.ndarray, segments: list[Span]) -> list[int | None]:
        return self.assign(self.embed_spans(audio, segments), segments)

    def change_points(self, audio: np.ndarray, segment: Span, words: list[Span]) -> list[int]:
        found = self._word_windows(audio, segment, words)
        if found is None:
            return []
        embs, owner, edges = found
        sums = np.zeros((len(words), embs.shape[1]), dtype=np.float64)
        np.add.at(sums, owner, embs)
        counts = np.bincount(owner, minlength=len(words)).astype(float)
        return self._search(sums, counts, edges, 0, len(words))

    def _word_windows(
        self, audio: np.ndarray, segment: Span, words: list[Span]
    ) -> tuple[np.ndarray, np.ndarray, list[float]] | None:
        """The segment's window embeddings, the word each window is centred in, and the word
        edges (word k spans edges[k]..edges[k + 1]); None when the segment is too short to cut."""
        samples = np.asarray(audio, dtype=np.float32)
        if samples.ndim != 1:
            raise EngineError("Diarization needs mono samples.", code="bad_audio")
        if len(words) < 2 or segment.end - segment.start < 2 * self.split_min_seconds:
            return None
        try:
            a = max(0, int(segment.start * SAMPLE_RATE))
            b = min(len(samples), int(math.ceil(segment.end * SAMPLE_RATE)))
            embs, centres = self._cached_windows(samples[a:b])
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001 - torch/librosa trouble is not worth retrying
            raise EngineError(f"Speaker change detection failed ({type(exc).__name__}: {exc}).") from exc
        if len(embs) < 2 * self.min_windows:
            return None
        centres = centres + a / SAMPLE_RATE
        # each window belongs to the word it is centred in (between the word boundaries)
        inner = [_boundary_time(words, k) for k in range(1, len(words))]
        owner = np.searchsorted(np.array(inner), centres, side="right")
        return embs, owner, [segment.start, *inner, segment.end]

    def _cached_windows(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``window_embeddings``, remembered by a digest of the samples: the re-segmentation goes
        over the same stretches the change detector went over (every segment not cut)."""
        key = hashlib.blake2b(np.ascontiguousarray(samples).tobytes(), digest_size=16).digest()
        with self._windows_lock:
            found = self._windows.get(key)
        if found is not None:
            return found
        found = self.window_embeddings(samples)
        with self._windows_lock:
            self._windows[key] = found
        return found

    def centroids(
        self, embeddings: list[list[float] | None], labels: list[int | None], exclude: int | None = None
    ) -> list[list[float]]:
        out = []
        for c in sorted({lab for lab in labels if lab is not None}):
            members = [
                embeddings[i] for i, lab in enumerate(labels) if lab == c and embeddings[i] and i != exclude
            ]
            if not members:
                continue
            m = np.array(members, dtype=np.float64)
            m /= np.linalg.norm(m, axis=1, keepdims=True) + 1e-12
            mean = m.mean(axis=0)
            out.append([float(x) for x in mean / (np.linalg.norm(mean) + 1e-12)])
        return out

    def resegment(
        self, audio: np.ndarray, segment: Span, words: list[Span], centroids: list[list[float]]
    ) -> list[int]:
        """The segment's windows scored against each speaker's centroid (cosine similarity, summed
        per word), then the best split of its words into runs of one speaker: every run at least
        ``split_min_seconds`` and ``min_windows`` windows long, ``resegment_penalty`` (in summed
        similarity) paid per change of speaker. Returns the words where a new speaker starts."""
        if self.resegment_penalty < 0 or len(centroids) < 2:
            return []
        found = self._word_windows(audio, segment, words)
        if found is None:
            return []
        embs, owner, edges = found
        c = np.asarray(centroids, dtype=np.float64)
        c /= np.linalg.norm(c, axis=1, keepdims=True) + 1e-12
        e = embs.astype(np.float64)
        e /= np.linalg.norm(e, axis=1, keepdims=True) + 1e-12
        m, k = len(words), len(c)
        scores = np.zeros((m, k))
        np.add.at(scores, owner, e @ c.T)
        cs = np.concatenate([np.zeros((1, k)), np.cumsum(scores, axis=0)])
        cn = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=m))])
        return _best_runs(cs, cn, edges, self.resegment_min_seconds, self.min_windows, self.resegment_penalty)

    def _search(
        self, sums: np.ndarray, counts: np.ndarray, edges: list[float], lo: int, hi: int
    ) -> list[int]:
        """Cuts among ``words[lo:hi]`` (indices into the segment's words), recursively."""
        m = hi - lo
        if m < 2:
            return []
        cs = np.concatenate([np.zeros((1, sums.shape[1])), np.cumsum(sums[lo:hi], axis=0)])
        cn = np.concatenate([[0.0], np.cumsum(counts[lo:hi])])

        def enough(i: int, j: int) -> bool:  # words lo+i .. lo+j-1 long enough to be a part
            return (
                edges[lo + j] - edges[lo + i] >= self.split_min_seconds and cn[j] - cn[i] >= self.min_windows
            )

        best, best_distance = [], -1.0
        for i in range(1, m):
            for j in range(i + 1, m + 1):  # j == m: one cut, before word i; else two, before i and j
                if not enough(i, j):
                    continue
                if not enough(0, i) or (j < m and not enough(j, m)):
                    continue
                inside = cs[j] - cs[i]
                outside = cs[m] - inside
                distance = 1.0 - float(
                    np.dot(inside, outside) / (np.linalg.norm(inside) * np.linalg.norm(outside) + 1e-12)
                )
                if distance > best_distance:
                    best, best_distance = ([i] if j == m else [i, j]), distance
        if best_distance < self.cut_threshold:
            return []
        cuts = [lo + k for k in best]
        found = list(cuts)
        bounds = [lo, *cuts, hi]
        for x, y in zip(bounds, bounds[1:], strict=False):
            found += self._search(sums, counts, edges, x, y)
        return sorted(set(found))

    def embed_spans(self, audio: np.ndarray, segments: list[Span]) -> list[list[float] | None]:
        samples = np.asarray(audio, dtype=np.float32)
        if samples.ndim != 1:
            raise EngineError("Diarization needs mono samples.", code="bad_audio")
        out: list[list[float] | None] = []
        try:
            for span in segments:
                a = max(0, int(span.start * SAMPLE_RATE))
                b = min(len(samples), int(span.end * SAMPLE_RATE))
                if self.short_min_seconds and span.end - span.start < self.cluster_min_seconds:
                    emb = (
                        self.embed_short(samples[a:b])
                        if b - a >= self.short_min_seconds * SAMPLE_RATE
                        else None
                    )
                elif b - a >= self.min_segment_seconds * SAMPLE_RATE:
                    emb = self.embed(samples[a:b])
                else:
                    emb = None
                out.append(None if emb is None else [round(float(x), 6) for x in emb])
        except EngineError:
            raise
        except Exception as exc:  # noqa: BLE001 - torch/librosa trouble is not worth retrying
            raise EngineError(f"Speaker embedding failed ({type(exc).__name__}: {exc}).") from exc
        return out

    def assign(self, embeddings: list[list[float] | None], segments: list[Span]) -> list[int | None]:
        embedded = [i for i, e in enumerate(embeddings) if e]
        labels: list[int | None] = [None] * len(segments)
        long = [i for i in embedded if segments[i].end - segments[i].start >= self.cluster_min_seconds]
        clusters = self._cluster([embeddings[i] for i in long]) if len(long) >= 2 else []
        if len(set(clusters)) < self.max_speakers:  # the long ones alone may miss a speaker
            long, clusters = embedded, self._cluster([embeddings[i] for i in embedded])
        for i, c in zip(long, clusters, strict=True):
            labels[i] = c
        _attach_to_centroids(labels, embeddings, [i for i in embedded if labels[i] is None])
        _fill_from_neighbours(labels, segments)
        return renumber_by_first_turn(labels)

    def _cluster(self, embeddings: list[Any]) -> list[int]:
        if not embeddings:
            return []
        return cluster_embeddings(
            np.array(embeddings, dtype=np.float32),
            distance_threshold=self.distance_threshold,
            max_speakers=self.max_speakers,
        )


def _boundary_time(words: list[Span], k: int) -> float:
    """The moment between ``words[k - 1]`` and ``words[k]``."""
    return (max(words[k - 1].end, words[k - 1].start) + max(words[k].start, words[k - 1].end)) / 2


def _best_runs(
    cs: np.ndarray, cn: np.ndarray, edges: list[float], min_seconds: float, min_windows: int, penalty: float
) -> list[int]:
    """Words split into runs of one speaker maximising the summed scores minus ``penalty`` per
    change: ``cs[j] - cs[i]`` is words i..j-1's score per speaker, ``cn`` their window count
    (cumulative). Each run but the whole is at least ``min_seconds`` and ``min_windows`` long.
    Returns the first word of every run after the first."""
    m, k = cs.shape[0] - 1, cs.shape[1]
    best = np.full((m + 1, k), -np.inf)
    back = np.zeros((m + 1, k, 2), dtype=int)  # (previous boundary, previous speaker)
    best[0] = 0.0
    for j in range(1, m + 1):
        for i in range(j):
            if not (i == 0 and j == m) and (edges[j] - edges[i] < min_seconds or cn[j] - cn[i] < min_windows):
                continue
            if i > 0 and not np.isfinite(best[i]).any():
                continue
            part = cs[j] - cs[i]
            for s in range(k):
                if i == 0:
                    value, prev = part[s], -1
                else:
                    options = best[i] - penalty * (np.arange(k) != s)
                    prev = int(np.argmax(options))
                    value = options[prev] + part[s]
                if value > best[j, s]:
                    best[j, s] = value
                    back[j, s] = (i, prev)
    s, j = int(np.argmax(best[m])), m
    runs = []
    while j > 0:
        i, prev = back[j, s]
        runs.append((int(i), s))
        j, s = int(i), int(prev)
    runs.reverse()
    return [i for (i, s), (_, p) in zip(runs[1:], runs, strict=False) if s != p]


def _attach_to_centroids(
    labels: list[int | None], embeddings: list[list[float] | None], todo: list[int]
) -> None:
    """Each segment of ``todo`` (embedded, not clustered) takes the label of the nearest cluster
    centroid (cosine) of the labelled segments."""
    if not todo:
        return
    clusters = sorted({lab for lab in labels if lab is not None})
    centroids = []
    for c in clusters:
        members = np.array([embeddings[i] for i, lab in enumerate(labels) if lab == c], dtype=np.float64)
        members /= np.linalg.norm(members, axis=1, keepdims=True) + 1e-12
        mean = members.mean(axis=0)
        centroids.append(mean / (np.linalg.norm(mean) + 1e-12))
    for i in todo:
        emb = np.asarray(embeddings[i], dtype=np.float64)
        similarity = np.array(centroids) @ (emb / (np.linalg.norm(emb) + 1e-12))
        labels[i] = clusters[int(np.argmax(similarity))]


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

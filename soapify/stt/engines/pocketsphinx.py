"""PocketSphinx: the default, offline STT engine (the English model ships in the wheel).

Audio is cut into utterances by PocketSphinx's voice-activity ``Endpointer``; each utterance is
padded a little (the endpointer starts speech late and clips first syllables) and decoded as one
segment. Word times come from the decoder's segment iterator, word confidences from the lattice
posteriors (``seg.prob``), and a segment's confidence is the mean of its words'.

``clinical=True`` (the default) swaps the general English LM and dictionary for the clinical ones
built by ``scripts/build_clinical_model.py`` into ``soapify/stt/clinical/`` (clinical dialogues
mixed with the wheel's general English model) and, unless another ``hmm`` is given, loads the
MAP-adapted Gaussian means and variances from ``soapify/stt/clinical/acoustic/``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from soapify.core.engines import EngineError
from soapify.stt.audio import SAMPLE_RATE, as_samples
from soapify.stt.engines.base import AudioInput, Segment, TranscriptionResult, Word, clip_confidence

CLINICAL_DIR = Path(__file__).resolve().parent.parent / "clinical"
CLINICAL_LM = CLINICAL_DIR / "clinical.lm.bin"
CLINICAL_DICT = CLINICAL_DIR / "clinical.dict"
#: MAP-adapted Gaussian means and variances of the wheel's en-us acoustic model (the rest of the
#: acoustic model - mdef, mixture weights, transitions - is the wheel's own).
CLINICAL_ACOUSTIC = {
    "mean": CLINICAL_DIR / "acoustic" / "means",
    "var": CLINICAL_DIR / "acoustic" / "variances",
}

#: Decoder settings for the clinical model. Chosen with a small grid on the benchmark audio
#: (bench/stt.py): lw 5.5-7.5, wip 0.2-2, beams and silprob made no difference; padding did.
CLINICAL_DEFAULTS: dict[str, Any] = {"lw": 6.5, "wip": 0.65}
FRAME_RATE = 100  # decoder frames per second (-frate)


def _import_pocketsphinx() -> Any:
    try:
        import pocketsphinx
    except ImportError as exc:  # pragma: no cover - a hard dependency
        raise EngineError("pocketsphinx is not installed.", code="engine_unavailable") from exc
    return pocketsphinx


class PocketSphinxEngine:
    name = "pocketsphinx"

    def __init__(
        self,
        clinical: bool = True,
        *,
        acoustic_adaptation: bool = True,
        lm: str | None = None,
        dictionary: str | None = None,
        hmm: str | None = None,
        vad_mode: int = 0,
        pad: float = 0.5,
        decoder_options: dict[str, Any] | None = None,
    ) -> None:
        ps = _import_pocketsphinx()
        self.clinical = clinical
        self.pad = pad
        self.vad_mode = vad_mode
        self.version = getattr(ps, "__version__", None) or _package_version("pocketsphinx")
        options: dict[str, Any] = {"loglevel": "FATAL"}
        if clinical:
            if not (CLINICAL_LM.is_file() and CLINICAL_DICT.is_file()):
                raise EngineError(
                    "The clinical model is missing; run scripts/build_clinical_model.py.",
                    code="model_missing",
                )
            options |= {"lm": str(CLINICAL_LM), "dict": str(CLINICAL_DICT), **CLINICAL_DEFAULTS}
            adapted = acoustic_adaptation and all(path.is_file() for path in CLINICAL_ACOUSTIC.values())
            if not hmm and adapted:
                options |= {key: str(path) for key, path in CLINICAL_ACOUSTIC.items()}
        if lm:
            options["lm"] = lm
        if dictionary:
            options["dict"] = dictionary
        if hmm:
            options["hmm"] = hmm
        options |= decoder_options or {}
        self.model = "en-us+clinical" if clinical and not lm else ("en-us" if not lm else Path(lm).stem)
        if clinical and not lm and not hmm and adapted:
            self.model += "+map"
        try:
            self._decoder = ps.Decoder(ps.Config(**options))
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"PocketSphinx could not start: {exc}", code="model_missing") from exc
        self._lock = threading.Lock()

    # --- public API ----------------------------------------------------------------------------

    def transcribe(
        self, audio: AudioInput, *, language: str | None = None, offset: float = 0.0
    ) -> TranscriptionResult:
        if language and not language.lower().startswith("en"):
            raise EngineError(
                f"PocketSphinx here only speaks English, not {language!r}.", code="unsupported_language"
            )
        pcm = as_samples(audio, dtype="int16")
        segments: list[Segment] = []
        with self._lock:
            for start, end in self.speech_regions(pcm):
                seg = self._decode_region(pcm, start, end)
                if seg is not None:
                    segments.append(seg.shifted(offset))
        return TranscriptionResult(
            segments=segments, language="en", engine=self.name, model=self.model, version=self.version
        )

    def speech_regions(self, pcm: np.ndarray) -> list[tuple[float, float]]:
        """(start, end) seconds of each speech region the endpointer finds, padded by ``pad``."""
        ps = _import_pocketsphinx()
        endpointer = ps.Endpointer(vad_mode=self.vad_mode, sample_rate=SAMPLE_RATE)
        step = endpointer.frame_bytes // 2
        duration = len(pcm) / SAMPLE_RATE
        regions: list[tuple[float, float]] = []
        for i in range(0, len(pcm), step):
            frame = pcm[i : i + step]
            if len(frame) < step:
                speech = endpointer.end_stream(frame.tobytes())
            else:
                speech = endpointer.process(frame.tobytes())
            if speech is not None and not endpointer.in_speech:
                regions.append((endpointer.speech_start, endpointer.speech_end))
        if endpointer.in_speech:
            regions.append((endpointer.speech_start, duration))
        return _merge_padded(regions, self.pad, duration)

    # --- internals -----------------------------------------------------------------------------

    def _decode_region(self, pcm: np.ndarray, start: float, end: float) -> Segment | None:
        first = int(start * SAMPLE_RATE)
        piece = pcm[first : int(end * SAMPLE_RATE)]
        dec = self._decoder
        dec.start_utt()
        dec.process_raw(piece.tobytes(), full_utt=True)
        dec.end_utt()
        words = [w for w in (self._word(s, start) for s in dec.seg()) if w is not None]
        if not words:
            return None
        confidence = sum(w.confidence for w in words) / len(words)
        return Segment(
            start=words[0].start,
            end=words[-1].end,
            text=" ".join(w.text for w in words),
            confidence=round(confidence, 4),
            words=words,
        )

    def _word(self, seg: Any, region_start: float) -> Word | None:
        token = seg.word
        if token.startswith(("<", "[")) or token == "NULL":
            return None
        text = token.split("(", 1)[0]
        return Word(
            start=round(region_start + seg.start_frame / FRAME_RATE, 3),
            end=round(region_start + (seg.end_frame + 1) / FRAME_RATE, 3),
            text=text,
            confidence=round(clip_confidence(seg.prob), 4),  # the wrapper returns the posterior
        )


def _merge_padded(
    regions: list[tuple[float, float]], pad: float, duration: float
) -> list[tuple[float, float]]:
    """Widen each region by ``pad`` on both sides, never past the middle of the gap to a neighbour."""
    padded: list[tuple[float, float]] = []
    for i, (start, end) in enumerate(regions):
        before = start - regions[i - 1][1] if i else start
        after = regions[i + 1][0] - end if i + 1 < len(regions) else duration - end
        left = pad if i == 0 else min(pad, max(before, 0.0) / 2)
        right = pad if i + 1 == len(regions) else min(pad, max(after, 0.0) / 2)
        padded.append((max(0.0, start - left), min(duration, end + right)))
    return padded


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"

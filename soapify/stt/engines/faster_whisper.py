"""faster-whisper (CTranslate2) with a local model folder. Never downloads anything.

With no ``model_path`` the engine uses the default Whisper base model, assembled from the pinned
wheels into ``default_model_dir`` and verified by its sha256 (``soapify.stt.whisper_model``).
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from soapify.core.engines import EngineError
from soapify.core.jobs import job_fence
from soapify.stt.audio import as_samples
from soapify.stt.engines.base import AudioInput, Segment, TranscriptionResult, Word, clip_confidence
from soapify.stt.whisper_model import MODEL_NAME, ensure_default_model


def _import_whisper_model() -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise EngineError(
            "faster-whisper is not installed; install it or choose another STT engine.",
            code="engine_unavailable",
        ) from exc
    return WhisperModel


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(
        self,
        model_path: str | None = None,
        language: str | None = None,
        default_model_dir: str | None = None,
        compute_type: str = "int8",
        device: str = "cpu",
        beam_size: int = 5,
        cpu_threads: int = 0,
        vad_filter: bool = True,
    ) -> None:
        if not model_path:
            model_path = str(_default_model(default_model_dir))
        folder = Path(model_path)
        if not (folder.is_dir() and (folder / "model.bin").is_file()):
            raise EngineError(
                f"No faster-whisper model at {model_path!r} (a local CTranslate2 folder with model.bin).",
                code="model_missing",
            )
        whisper_model = _import_whisper_model()
        self.language = language
        self.beam_size = beam_size
        self.vad_filter = vad_filter
        self.model = folder.name
        self.version = _version("faster-whisper")
        try:
            self._model = whisper_model(
                str(folder),
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise EngineError(
                f"faster-whisper could not load {model_path!r}: {exc}", code="model_missing"
            ) from exc
        self._lock = threading.Lock()
        # An English-only model (tiny.en, base.en, ...) silently transcribes any speech as English:
        # asked for another language it must refuse, not hand a Persian clinic English guesses.
        self.multilingual: bool = self._model.model.is_multilingual
        if self.language:
            self._check_language(self.language)

    def _check_language(self, language: str) -> None:
        if not self.multilingual and language != "en":
            raise EngineError(
                f"The Whisper model {self.model!r} is English-only and cannot transcribe {language!r}; "
                "choose a multilingual model (WHISPER_MODEL_PATH) or the language 'en'.",
                code="language_unsupported",
            )

    def transcribe(
        self, audio: AudioInput, *, language: str | None = None, offset: float = 0.0
    ) -> TranscriptionResult:
        if language:
            self._check_language(language)
        samples = as_samples(audio, dtype="float32")
        try:
            with self._lock:
                pieces, info = self._model.transcribe(
                    samples,
                    language=language or self.language,
                    beam_size=self.beam_size,
                    word_timestamps=True,
                    vad_filter=self.vad_filter,
                )
                segments = []
                for piece in pieces:  # decoded lazily, one segment at a time
                    segments.append(_segment(piece).shifted(offset))
                    job_fence()  # in a worker: stop here (JobCancelled) if the job was cancelled
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"faster-whisper failed: {exc}", code="engine_error") from exc
        return TranscriptionResult(
            segments=[s for s in segments if s.text],
            language=getattr(info, "language", None),
            engine=self.name,
            model=self.model,
            version=self.version,
        )


def _default_model(default_model_dir: str | None) -> Path:
    if not default_model_dir:
        raise EngineError("No Whisper model folder configured (WHISPER_MODEL_PATH).", code="model_missing")
    try:
        return ensure_default_model(Path(default_model_dir) / MODEL_NAME)
    except ImproperlyConfigured as exc:
        raise EngineError(str(exc), code="model_missing") from exc


def _segment(piece: Any) -> Segment:
    words = [
        Word(
            start=float(w.start),
            end=float(w.end),
            text=w.word.strip(),
            confidence=clip_confidence(w.probability),
        )
        for w in (piece.words or [])
    ]
    return Segment(
        start=float(piece.start),
        end=float(piece.end),
        text=piece.text.strip(),
        confidence=round(clip_confidence(math.exp(piece.avg_logprob)), 4),
        words=words,
    )


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"

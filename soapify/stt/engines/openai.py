"""Any OpenAI-compatible ``/v1/audio/transcriptions`` endpoint (OpenAI, GapGPT, vLLM, whisper.cpp …).

The engine runs in a job: connection failures are retried in the request (``core.http.engine_session``),
and ``max_retries`` (default 0) 429/5xx answers; a time-out, a 429 or a 5xx left over is a
``transient`` ``EngineError`` that the job runner retries later. Any other 4xx is not transient. A
URL requests cannot use is ``code="misconfigured"``; a body that is not the expected JSON is
``code="bad_response"``.
"""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path
from typing import Any

import numpy as np
import requests

from soapify.core.engines import EngineError
from soapify.core.http import BAD_URL, engine_session, retry_after_seconds
from soapify.stt.audio import as_samples
from soapify.stt.engines.base import AudioInput, Segment, TranscriptionResult, Word, clip_confidence


class OpenAIEngine:
    name = "openai"
    version = "v1"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str = "whisper-1",
        language: str | None = None,
        timeout: float = 60,
        max_retries: int = 0,
        backoff: float = 0.5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.language = language
        self.timeout = timeout
        self._session = engine_session(retries=max_retries, backoff=backoff)

    @property
    def url(self) -> str:
        root = self.base_url if self.base_url.endswith("/v1") else self.base_url + "/v1"
        return root + "/audio/transcriptions"

    def transcribe(
        self, audio: AudioInput, *, language: str | None = None, offset: float = 0.0
    ) -> TranscriptionResult:
        filename, payload, content_type = _audio_file(audio)
        data: list[tuple[str, str]] = [
            ("model", self.model),
            ("response_format", "verbose_json"),
            ("timestamp_granularities[]", "segment"),
            ("timestamp_granularities[]", "word"),
        ]
        if language or self.language:
            data.append(("language", language or self.language or ""))
        body = self._post(data, (filename, payload, content_type))
        return self._result(body, offset)

    # --- HTTP ------------------------------------------------------------------------------------

    def _post(self, data: list[tuple[str, str]], file: tuple[str, bytes, str]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = self._session.post(
                self.url, data=data, files={"file": file}, headers=headers, timeout=self.timeout
            )
        except BAD_URL:
            raise EngineError("The transcription API base URL is not valid.", code="misconfigured") from None
        except requests.Timeout:
            raise EngineError("The transcription API timed out.", transient=True, code="timeout") from None
        except requests.RequestException as exc:
            raise EngineError(
                f"The transcription API is unreachable ({type(exc).__name__}).",
                transient=True,
                code="unavailable",
            ) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise EngineError(
                f"The transcription API answered HTTP {status}.",
                transient=True,
                code="rate_limited" if status == 429 else "unavailable",
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status >= 400:
            raise EngineError(
                f"Transcription rejected (HTTP {status}: {response.text[:200]})", code=f"http_{status}"
            )
        return _json(response)

    # --- response ------------------------------------------------------------------------------

    def _result(self, body: dict[str, Any], offset: float) -> TranscriptionResult:
        try:
            segments = _segments(body)
        except (KeyError, TypeError, ValueError) as exc:
            raise EngineError(f"Unexpected transcription response: {exc}", code="bad_response") from exc
        return TranscriptionResult(
            segments=[s.shifted(offset) for s in segments if s.text],
            language=_language_code(body.get("language")),
            engine=self.name,
            model=str(body.get("model") or self.model),
            version=self.version,
        )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise EngineError("The transcription response is not JSON.", code="bad_response") from exc
    if not isinstance(body, dict):
        raise EngineError("The transcription response is not a JSON object.", code="bad_response")
    return body


def _segments(body: dict[str, Any]) -> list[Segment]:
    words = [
        Word(start=float(w["start"]), end=float(w["end"]), text=str(w["word"]).strip())
        for w in body.get("words") or []
    ]
    raw = body.get("segments")
    if not raw:
        text = str(body["text"]).strip()
        if not text:
            return []
        start, end = (words[0].start, words[-1].end) if words else (0.0, float(body.get("duration") or 0.0))
        return [Segment(start=start, end=end, text=text, confidence=1.0, words=words)]
    segments = []
    for seg in raw:
        start, end = float(seg["start"]), float(seg["end"])
        logprob = seg.get("avg_logprob")
        confidence = clip_confidence(math.exp(float(logprob))) if logprob is not None else 1.0
        mine = [w for w in words if start <= (w.start + w.end) / 2 <= end]
        segments.append(
            Segment(
                start=start,
                end=end,
                text=str(seg["text"]).strip(),
                confidence=round(confidence, 4),
                words=mine,
            )
        )
    return segments


_LANGUAGE_NAMES = {"english": "en", "persian": "fa", "farsi": "fa"}


def _language_code(value: Any) -> str | None:
    if not value:
        return None
    value = str(value).lower()
    return _LANGUAGE_NAMES.get(value, value)


def _audio_file(audio: AudioInput) -> tuple[str, bytes, str]:
    if isinstance(audio, np.ndarray):
        return "audio.wav", _wav_bytes(as_samples(audio, dtype="int16")), "audio/wav"
    path = Path(audio)
    if not path.is_file():
        raise EngineError(f"Audio file not found: {audio}", code="audio_missing")
    return path.name, path.read_bytes(), "application/octet-stream"


def _wav_bytes(pcm: np.ndarray, sample_rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.astype("<i2").tobytes())
    return buf.getvalue()

"""Any OpenAI-compatible ``/v1/audio/transcriptions`` endpoint (OpenAI, GapGPT, vLLM, whisper.cpp …).

Retries 429 and 5xx answers, connection errors and time-outs (``core.http.post_with_retries``,
honouring ``Retry-After``); when the retries run out the error is ``transient``. Any other 4xx is not retried and
not transient. A body that is not the expected JSON is ``code="bad_response"``.
"""

from __future__ import annotations

import io
import math
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import requests

from soapify.core.engines import EngineError
from soapify.core.http import BAD_URL, RetryPolicy, Unavailable, post_with_retries
from soapify.stt.audio import as_samples
from soapify.stt.engines.base import AudioInput, Segment, TranscriptionResult, Word, clip_confidence

MAX_RETRY_AFTER = 60.0


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
        max_retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.language = language
        self.timeout = timeout
        self.retry = RetryPolicy(
            max_retries=max_retries, backoff=backoff, max_backoff=MAX_RETRY_AFTER, sleep=sleep
        )
        self._session = requests.Session()

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

    # --- HTTP with retries ---------------------------------------------------------------------

    def _post(self, data: list[tuple[str, str]], file: tuple[str, bytes, str]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = post_with_retries(
                self._session,
                self.url,
                policy=self.retry,
                timeout=self.timeout,
                data=data,
                files={"file": file},
                headers=headers,
            )
        except BAD_URL:
            raise EngineError("The transcription API base URL is not valid.", code="misconfigured") from None
        except Unavailable as exc:
            raise EngineError(
                f"Transcription failed after {exc.attempts} attempts ({exc.reason})",
                transient=True,
                code="unavailable",
            ) from None
        if response.status_code >= 400:
            raise EngineError(
                f"Transcription rejected (HTTP {response.status_code}: {response.text[:200]})",
                code=f"http_{response.status_code}",
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

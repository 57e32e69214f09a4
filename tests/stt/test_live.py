"""Live transcription end to end: the chunk-committed signal (through the real upload API), the real
PocketSphinx engine on the fixture clip through the API, the OpenAI-compatible engine through the
job against a local HTTP server (pytest-httpserver), timeline offsets when chunks commit out of order."""

from __future__ import annotations

import io
import json
import logging
import wave
from urllib.parse import urlsplit

import pytest

from soapify.core.models import Job
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.signals import audio_chunk_committed
from soapify.encounters.uploads.audio import recompute_offsets
from soapify.stt import services, signals
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from tests.httpfakes import base_url
from tests.jobstate import job_state
from tests.stt.conftest import FIXTURE, committed_chunk

pytestmark = pytest.mark.django_db


def _wav(seconds: float) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * int(16000 * seconds))
    return buf.getvalue()


# --- the live path --------------------------------------------------------------------------------


def test_a_committed_chunk_is_transcribed_at_once(
    encounter, chunk, script, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the job is sent when the commit lands
        audio_chunk_committed.send(sender=AudioChunk, chunk=chunk)
    job = Job.objects.get(kind="stt.transcribe_chunk", target_id=str(chunk.pk))
    assert (job.queue, job.owner_id, job.status) == ("stt", encounter.doctor_id, "succeeded")
    assert job.params["live"] is True
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2
    encounter.refresh_from_db()
    assert encounter.status == "transcribed"
    # a repeated signal (a retried commit) queues nothing new
    audio_chunk_committed.send(sender=AudioChunk, chunk=chunk)
    assert Job.objects.filter(kind="stt.transcribe_chunk").count() == 1


def test_live_transcription_can_be_switched_off(settings, chunk):
    settings.STT_LIVE_TRANSCRIPTION = False
    audio_chunk_committed.send(sender=AudioChunk, chunk=chunk)
    assert not Job.objects.filter(kind="stt.transcribe_chunk").exists()


def test_a_failure_to_queue_never_reaches_the_upload(chunk, monkeypatch, caplog):
    def boom(**kwargs):
        raise RuntimeError("broker down")

    monkeypatch.setattr(signals, "chunk_transcription_queue", boom)
    with caplog.at_level("ERROR", logger="soapify.stt"):
        responses = audio_chunk_committed.send(sender=AudioChunk, chunk=chunk)  # logged, not raised
    assert (signals.queue_chunk_transcription, None) in responses
    assert [r.getMessage() for r in caplog.records] == [
        f"could not queue the transcription of chunk {chunk.pk}"
    ]
    assert not Job.objects.filter(kind="stt.transcribe_chunk").exists()


def test_upload_commit_through_the_audio_api_starts_transcription(
    alice_client, encounter, script, django_capture_on_commit_callbacks
):
    data = FIXTURE.read_bytes()
    body = alice_client.post(
        "/api/audio/presigned-url/",
        {"encounter_id": encounter.pk, "chunk_number": 1, "format": "wav", "file_size": len(data)},
        format="json",
    ).json()
    put = alice_client.generic(
        "PUT", urlsplit(body["upload_url"]).path, data=data, content_type=body["headers"]["Content-Type"]
    )
    assert put.status_code == 200, put.content
    with django_capture_on_commit_callbacks(execute=True):
        commit = alice_client.post("/api/audio/commit/", {"chunk_id": body["chunk_id"]}, format="json")
    assert commit.status_code == 201, commit.content
    transcript = alice_client.get(f"/api/stt/encounter/{encounter.pk}/transcript/").json()
    assert transcript["transcription"]["complete"] is True
    assert transcript["status"] == "transcribed"
    assert transcript["text"] == "\n".join(script.texts)


def test_a_late_earlier_chunk_moves_later_segments_on_the_timeline(
    encounter, script, django_capture_on_commit_callbacks
):
    second = committed_chunk(encounter, 2, start_offset=0.0)  # chunk 1 not committed yet
    with django_capture_on_commit_callbacks(execute=True):
        audio_chunk_committed.send(sender=AudioChunk, chunk=second)
    before = list(
        TranscriptSegment.objects.filter(chunk=second).order_by("index").values_list("start", flat=True)
    )
    assert before[0] < 7.0
    first = committed_chunk(encounter, 1, start_offset=0.0)
    recompute_offsets(encounter.pk)  # what the upload commit does
    first.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        audio_chunk_committed.send(sender=AudioChunk, chunk=first)
    second.refresh_from_db()
    assert second.start_offset == 7.0
    after = list(TranscriptSegment.objects.filter(chunk=second).order_by("index"))
    assert [s.start for s in after] == [round(b + 7.0, 3) for b in before]
    assert all(w["start"] >= 7.0 for s in after for w in s.words)
    assert ChunkTranscription.objects.get(chunk=second).offset == 7.0
    texts = [s["text"] for s in services_transcript(encounter)]
    assert texts == script.texts + script.texts


def services_transcript(encounter):
    from soapify.stt.selectors import encounter_transcript_detail

    return encounter_transcript_detail(encounter=encounter)[1]


def test_encounter_goes_back_to_transcribing_when_a_new_chunk_arrives(
    encounter, script, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audio_chunk_committed.send(sender=AudioChunk, chunk=committed_chunk(encounter, 1))
    encounter.refresh_from_db()
    assert encounter.status == "transcribed"
    late = committed_chunk(encounter, 2)
    ChunkTranscription.objects.create(chunk=late, status="pending")
    assert services.encounter_transcription_refresh(encounter_id=encounter.pk) == "transcribing"
    Encounter.objects.filter(pk=encounter.pk).update(status="finalized")
    assert services.encounter_transcription_refresh(encounter_id=encounter.pk) == "finalized"


# --- the real PocketSphinx engine through the API ----------------------------------------------------


@pytest.fixture
def pocketsphinx(settings):
    settings.STT_ENGINES = {
        "default": {
            "BACKEND": "soapify.stt.engines.pocketsphinx.PocketSphinxEngine",
            "OPTIONS": {"clinical": True},
        }
    }


def test_real_pocketsphinx_transcribes_the_fixture_through_the_api(pocketsphinx, alice_client, encounter):
    chunk = committed_chunk(encounter, 3, start_offset=60.0)
    response = alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json")
    assert response.status_code == 201
    done = job_state(alice_client, response)["job"]
    assert done["status"] == "succeeded", done["error"]
    body = alice_client.get(f"/api/stt/transcript/{chunk.pk}/").json()
    assert (body["status"], body["engine"], body["model"]) == ("done", "pocketsphinx", "en-us+clinical+map")
    text = " ".join(s["text"] for s in body["segments"])
    for phrase in ("vital signs", "heart rate", "blood pressure"):
        assert phrase in text, text
    assert all(60.0 <= s["start"] < s["end"] <= 67.5 for s in body["segments"])
    assert all(0.0 < s["confidence"] <= 1.0 for s in body["segments"])
    hits = alice_client.get("/api/stt/search/", {"q": "heart rate"}).json()["results"]
    assert hits and hits[0]["chunk_id"] == chunk.pk and hits[0]["start"] >= 60.0
    assert ChunkTranscription.objects.get(chunk=chunk).real_time_factor < 1.0


def test_real_pocketsphinx_refuses_persian_with_a_clear_reason(pocketsphinx, alice_client, encounter):
    Encounter.objects.filter(pk=encounter.pk).update(language="fa")
    chunk = committed_chunk(encounter, 1)
    job = job_state(
        alice_client, alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json")
    )["job"]
    assert (job["status"], job["error"]["code"]) == ("failed", "unsupported_language")


def test_long_chunks_are_transcribed_in_windows(
    settings, encounter, script, django_capture_on_commit_callbacks
):
    settings.STT_WINDOW_SECONDS = 2.0
    chunk = committed_chunk(encounter, 1, data=_wav(9.0), duration=9.0)
    with django_capture_on_commit_callbacks(execute=True):  # the window jobs are sent on commit
        services.chunk_transcribe(chunk_id=chunk.pk)
    assert len(script.calls) >= 4  # 2 s windows over 9 s
    starts = list(
        TranscriptSegment.objects.filter(chunk=chunk).order_by("index").values_list("start", flat=True)
    )
    assert starts == sorted(starts) and starts[-1] > 4.0


# --- the OpenAI-compatible engine through the job -----------------------------------------------------------


TRANSCRIPTIONS = "/v1/audio/transcriptions"


@pytest.fixture
def openai_server(settings, httpserver):
    """The default STT engine is the OpenAI-compatible one, against ``httpserver``; queue answers with
    ``reply(httpserver, status, raw)``; unqueued requests get a 500."""
    httpserver.expect_request(TRANSCRIPTIONS).respond_with_data(
        b"{}", status=500, content_type="application/json"
    )
    settings.STT_ENGINES = {
        "default": {
            "BACKEND": "soapify.stt.engines.openai.OpenAIEngine",
            "OPTIONS": {
                "base_url": base_url(httpserver),
                "api_key": "sk-test",
                "model": "whisper-1",
                "timeout": 5,
                "max_retries": 0,
            },
        }
    }
    return httpserver


def reply(httpserver, status: int, raw: bytes) -> None:
    httpserver.expect_oneshot_request(TRANSCRIPTIONS).respond_with_data(
        raw, status=status, content_type="application/json"
    )


VERBOSE = {
    "task": "transcribe",
    "language": "english",
    "duration": 7.0,
    "text": "Vital signs. Heart rate seventy six.",
    "segments": [
        {"id": 0, "start": 0.2, "end": 2.0, "text": " Vital signs.", "avg_logprob": -0.1},
        {"id": 1, "start": 2.4, "end": 6.5, "text": " Heart rate seventy six.", "avg_logprob": -0.3},
    ],
    "words": [
        {"word": "Vital", "start": 0.2, "end": 0.7},
        {"word": "signs", "start": 0.7, "end": 2.0},
        {"word": "Heart", "start": 2.4, "end": 2.9},
    ],
}


def test_openai_engine_through_the_job(openai_server, alice_client, encounter):
    reply(openai_server, 200, json.dumps(VERBOSE).encode())
    chunk = committed_chunk(encounter, 2, start_offset=7.0)
    job = job_state(
        alice_client, alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json")
    )["job"]
    assert job["status"] == "succeeded", job["error"]
    ((request, _),) = openai_server.log
    assert request.path == TRANSCRIPTIONS and request.headers["Authorization"] == "Bearer sk-test"
    assert request.form["response_format"] == "verbose_json" and request.files["file"].read(4) == b"RIFF"
    segments = list(TranscriptSegment.objects.filter(chunk=chunk).order_by("index"))
    assert [s.text for s in segments] == ["Vital signs.", "Heart rate seventy six."]
    assert segments[0].start == pytest.approx(7.2) and segments[1].end == pytest.approx(13.5)
    assert all(0 < s.confidence <= 1 for s in segments)
    assert {(s.engine, s.model, s.language) for s in segments} == {("openai", "whisper-1", "en")}


def test_openai_server_errors_are_retried_by_the_job_then_fail_the_chunk(
    openai_server, alice_client, encounter
):
    for status, raw in [(500, b"{}"), (429, b"{}"), (200, json.dumps(VERBOSE).encode())]:
        reply(openai_server, status, raw)
    chunk = committed_chunk(encounter, 1)
    job = Job.objects.get(
        pk=alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json").json()["job_id"]
    )
    assert (job.status, job.attempts) == ("succeeded", 3)
    assert len(openai_server.log) == 3

    openai_server.clear_log()
    other = committed_chunk(encounter, 2)
    job = Job.objects.get(
        pk=alice_client.post("/api/stt/transcribe/", {"chunk_id": other.pk}, format="json").json()["job_id"]
    )
    assert (job.status, job.error["code"]) == ("failed", "unavailable")
    assert len(openai_server.log) == job.max_attempts
    ct = ChunkTranscription.objects.get(chunk=other)
    assert ct.status == "failed" and ct.error["code"] == "unavailable"
    encounter.refresh_from_db()
    assert encounter.status == "failed"


def test_the_job_waits_what_the_provider_asked_before_retrying(
    openai_server, alice_client, encounter, caplog
):
    openai_server.expect_oneshot_request(TRANSCRIPTIONS).respond_with_json(
        {"error": "slow down"}, status=429, headers={"Retry-After": "45"}
    )
    reply(openai_server, 200, json.dumps(VERBOSE).encode())
    chunk = committed_chunk(encounter, 1)
    with caplog.at_level(logging.WARNING, logger="soapify.jobs"):
        job_id = alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json").json()[
            "job_id"
        ]
    job = Job.objects.get(pk=job_id)
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert "retry in 45.0s" in caplog.text


def test_openai_malformed_json_fails_at_once(openai_server, alice_client, encounter):
    reply(openai_server, 200, b"{not json")
    chunk = committed_chunk(encounter, 1)
    job = job_state(
        alice_client, alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json")
    )["job"]
    assert (job["status"], job["error"]["code"], job["attempts"]) == ("failed", "bad_response", 1)
    assert not TranscriptSegment.objects.filter(chunk=chunk).exists()

"""Long chunks as one job per window (queue stt_bulk), stitched when the last window is done;
Persian transcript normalisation; word timestamps and the language in the transcript API."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from soapify.core.engines import EngineError
from soapify.core.jobs import job_execute
from soapify.core.models import Job
from soapify.encounters.models import AudioChunk, Encounter
from soapify.stt import services
from soapify.stt.audio import decode_audio, decode_wav_range
from soapify.stt.models import ChunkTranscription, ChunkWindow, TranscriptSegment
from soapify.stt.services.status import encounter_progress
from soapify.stt.services.window_jobs import window_transcribe
from soapify.stt.services.windows import WINDOW_JOB
from tests.stt.conftest import committed_chunk

pytestmark = pytest.mark.django_db

# 25 s at 10 s windows overlapping by 1 s: windows 0-10, 9-19, 18-25 kept over [0, 9.5),
# [9.5, 18.5) and [18.5, end). The fake engine says its two sentences in each window; in the last
# (7 s) window "the" ends at 18.7 s (midpoint 18.35 s), inside the second window's share: dropped.
EXPECTED = [
    "the patient reports a headache",
    "blood pressure is normal",
    "the patient reports a headache",
    "blood pressure is normal",
    "patient reports a headache",
    "blood pressure is normal",
]


def _wav(seconds: float) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x00" * int(16000 * seconds))
    return buf.getvalue()


@pytest.fixture
def long_chunk(settings, encounter):
    settings.STT_WINDOW_SECONDS = 10.0
    settings.STT_WINDOW_OVERLAP_SECONDS = 1.0
    return committed_chunk(encounter, 1, data=_wav(25.0), duration=25.0)


@pytest.fixture
def queued_only(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # jobs are created, never sent (the test never commits)


def _texts(chunk) -> list[str]:
    return list(
        TranscriptSegment.objects.filter(chunk=chunk).order_by("index").values_list("text", flat=True)
    )


def _window_jobs() -> list[Job]:
    return sorted(Job.objects.filter(kind=WINDOW_JOB), key=lambda j: j.params["window_id"])


def _run(job: Job) -> None:
    job_execute(str(job.pk), task_id=job.celery_task_id)


def test_a_long_chunk_is_transcribed_as_one_job_per_window_on_the_bulk_queue(
    long_chunk, script, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # window jobs are sent on commit
        outcome = services.chunk_transcribe(chunk_id=long_chunk.pk)
    assert (outcome.status, outcome.windows) == ("windows_queued", 3)
    jobs = _window_jobs()
    assert [(j.queue, j.status) for j in jobs] == [("stt_bulk", "succeeded")] * 3
    assert [round(c["seconds"], 3) for c in script.calls] == [10.0, 10.0, 7.0]
    assert _texts(long_chunk) == EXPECTED
    starts = list(
        TranscriptSegment.objects.filter(chunk=long_chunk).order_by("index").values_list("start", flat=True)
    )
    assert starts == sorted(starts)
    ct = ChunkTranscription.objects.get(chunk=long_chunk)
    assert (ct.status, ct.engine) == ("done", "fake")
    assert Encounter.objects.get(pk=long_chunk.encounter_id).status == Encounter.Status.TRANSCRIBED


def test_the_words_of_an_overlap_are_kept_once_by_their_midpoints(
    long_chunk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # window jobs are sent on commit
        services.chunk_transcribe(chunk_id=long_chunk.pk)
    words = [
        w for seg in TranscriptSegment.objects.filter(chunk=long_chunk).order_by("index") for w in seg.words
    ]
    midpoints = [(w["start"] + w["end"]) / 2 for w in words]
    assert len(words) == sum(len(t.split()) for t in EXPECTED) == 26
    assert all(a < b for a, b in zip(midpoints, midpoints[1:], strict=False))
    shares = [(0.0, 9.5), (9.5, 18.5), (18.5, 25.0)]  # each window's own span
    assert [sum(lo <= m < hi for m in midpoints) for lo, hi in shares] == [9, 9, 8]


def test_the_transcript_is_not_complete_until_every_window_is_done(long_chunk, queued_only):
    outcome = services.chunk_transcribe(chunk_id=long_chunk.pk)
    assert outcome.status == "windows_queued"
    first, second, third = _window_jobs()
    _run(third)
    _run(first)
    assert _texts(long_chunk) == []
    assert ChunkTranscription.objects.get(chunk=long_chunk).status == "running"
    progress = encounter_progress(encounter_id=long_chunk.encounter_id)
    assert (progress.complete, progress.running) == (False, 1)
    assert Encounter.objects.get(pk=long_chunk.encounter_id).status == Encounter.Status.TRANSCRIBING
    _run(second)
    assert _texts(long_chunk) == EXPECTED
    assert encounter_progress(encounter_id=long_chunk.encounter_id).complete is True


def test_a_process_call_while_windows_are_in_flight_does_not_start_them_again(long_chunk, queued_only):
    services.chunk_transcribe(chunk_id=long_chunk.pk)
    again = services.chunk_transcribe(chunk_id=long_chunk.pk)
    assert again.status == "windows_running"
    assert len(_window_jobs()) == 3


def test_a_window_that_fails_transiently_is_retried_alone(
    long_chunk, script, django_capture_on_commit_callbacks
):
    script.errors = [EngineError("The engine is busy.", code="engine_error", transient=True)]
    with django_capture_on_commit_callbacks(execute=True):  # window jobs are sent on commit
        services.chunk_transcribe(chunk_id=long_chunk.pk)
    # the retry is a new message, sent after the other windows' (in any order on real workers)
    assert sorted(round(c["seconds"], 3) for c in script.calls) == [7.0, 10.0, 10.0, 10.0]
    assert [j.attempts for j in _window_jobs()] == [2, 1, 1]
    assert _texts(long_chunk) == EXPECTED


def test_a_window_that_fails_for_good_fails_the_chunk_and_stores_nothing(
    long_chunk, script, django_capture_on_commit_callbacks
):
    script.errors = [EngineError("Not audio.", code="undecodable_audio")]
    with django_capture_on_commit_callbacks(execute=True):  # window jobs are sent on commit
        services.chunk_transcribe(chunk_id=long_chunk.pk)
    ct = ChunkTranscription.objects.get(chunk=long_chunk)
    assert (ct.status, ct.error["code"], ct.error["window"]) == ("failed", "undecodable_audio", 0)
    assert _texts(long_chunk) == []
    assert Encounter.objects.get(pk=long_chunk.encounter_id).status == Encounter.Status.FAILED
    assert [j.result.get("status") for j in _window_jobs()[1:]] == ["superseded", "superseded"]


def test_a_window_run_again_after_a_lost_worker_leaves_no_duplicate_segments(long_chunk, queued_only):
    services.chunk_transcribe(chunk_id=long_chunk.pk)
    jobs = _window_jobs()
    # the worker running the last window died after the engine started: the row says running
    ChunkWindow.objects.filter(pk=jobs[2].params["window_id"]).update(status=ChunkWindow.Status.RUNNING)
    _run(jobs[0])
    _run(jobs[1])
    assert _texts(long_chunk) == []
    _run(jobs[2])  # the reaper queued it again
    assert _texts(long_chunk) == EXPECTED
    # a late duplicate delivery of a finished window changes nothing
    late = window_transcribe(
        window_id=jobs[1].params["window_id"],
        generation=jobs[1].params["generation"],
        language=None,
        force=False,
        final_attempt=True,
    )
    assert late["status"] == "superseded"
    assert _texts(long_chunk) == EXPECTED


def test_a_rerun_replaces_the_windows_and_a_window_of_the_old_run_stores_nothing(
    long_chunk, queued_only, script
):
    services.chunk_transcribe(chunk_id=long_chunk.pk)
    old = _window_jobs()
    services.chunk_transcribe(chunk_id=long_chunk.pk, rerun=True)
    new = [j for j in _window_jobs() if j not in old]
    assert ChunkWindow.objects.filter(transcription__chunk=long_chunk).count() == 3
    _run(old[0])
    assert Job.objects.get(pk=old[0].pk).result["status"] == "superseded"
    script.texts = ["second run"]
    for job in new:
        _run(job)
    assert _texts(long_chunk) == ["second run", "second run", "second run"]


def test_short_chunks_are_transcribed_by_their_own_job_without_windows(chunk, script):
    outcome = services.chunk_transcribe(chunk_id=chunk.pk)
    assert (outcome.status, Job.objects.filter(kind=WINDOW_JOB).count()) == ("done", 0)


def test_without_parallel_windows_one_job_transcribes_the_windows_in_turn(settings, long_chunk, script):
    settings.STT_PARALLEL_WINDOWS = False
    outcome = services.chunk_transcribe(chunk_id=long_chunk.pk)
    assert (outcome.status, Job.objects.filter(kind=WINDOW_JOB).count()) == ("done", 0)
    assert _texts(long_chunk) == EXPECTED


# --- language ---------------------------------------------------------------------------------------


PERSIAN_ARABIC_FORMS = "بيمار ۳۸ درجه تب دارد و سرفه مي\u200cكند 2"


def test_the_encounters_language_is_passed_to_the_engine_and_kept_on_the_segments(encounter, script):
    encounter.language = "fa"
    encounter.save(update_fields=["language"])
    script.texts = [PERSIAN_ARABIC_FORMS]
    chunk = committed_chunk(encounter)
    services.chunk_transcribe(chunk_id=chunk.pk)
    assert script.calls[0]["language"] == "fa"
    assert set(TranscriptSegment.objects.filter(chunk=chunk).values_list("language", flat=True)) == {"fa"}


def test_persian_segments_get_persian_letters_and_digits_with_the_zwnj_kept(encounter, script):
    encounter.language = "fa"
    encounter.save(update_fields=["language"])
    script.texts = [PERSIAN_ARABIC_FORMS]
    chunk = committed_chunk(encounter)
    services.chunk_transcribe(chunk_id=chunk.pk)
    seg = TranscriptSegment.objects.get(chunk=chunk)
    assert seg.text == "بیمار ۳۸ درجه تب دارد و سرفه می\u200cکند ۲"
    assert [w["text"] for w in seg.words][-2:] == ["می\u200cکند", "۲"]


def test_persian_digits_can_be_latin(settings, encounter, script):
    settings.STT_PERSIAN_DIGITS = "latin"
    encounter.language = "fa"
    encounter.save(update_fields=["language"])
    script.texts = [PERSIAN_ARABIC_FORMS]
    chunk = committed_chunk(encounter)
    services.chunk_transcribe(chunk_id=chunk.pk)
    assert TranscriptSegment.objects.get(chunk=chunk).text == "بیمار 38 درجه تب دارد و سرفه می\u200cکند 2"


def test_english_segments_are_left_as_the_engine_wrote_them(encounter, script):
    script.texts = ["temperature 38.5 today"]
    chunk = committed_chunk(encounter)
    services.chunk_transcribe(chunk_id=chunk.pk)
    assert TranscriptSegment.objects.get(chunk=chunk).text == "temperature 38.5 today"


# --- word timestamps in the API ---------------------------------------------------------------------


def test_the_transcript_api_returns_each_segments_words_with_their_times(alice_client, chunk):
    services.chunk_transcribe(chunk_id=chunk.pk)
    body = alice_client.get(f"/api/stt/encounter/{chunk.encounter_id}/transcript/").json()
    first = body["segments"][0]
    assert first["language"] == "en"
    assert [w["text"] for w in first["words"]] == ["the", "patient", "reports", "a", "headache"]
    assert set(first["words"][0]) == {"start", "end", "text", "confidence"}
    chunk_body = alice_client.get(f"/api/stt/transcript/{chunk.pk}/").json()
    assert chunk_body["segments"][0]["words"] == first["words"]


def test_the_schema_documents_the_words_of_a_segment(alice_client):
    schema = alice_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    word = schema["components"]["schemas"]["Word"]
    assert set(word["properties"]) == {"start", "end", "text", "confidence"}
    segment = schema["components"]["schemas"]["EncounterTranscriptSegment"]
    assert segment["properties"]["words"]["items"] == {"$ref": "#/components/schemas/Word"}


def test_a_window_of_a_wav_file_is_read_alone_and_equals_that_part_of_the_whole(tmp_path):
    samples = (np.sin(np.arange(16000 * 40) / 7.0) * 20000).astype(np.int16)
    path = tmp_path / "long.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(samples.tobytes())
    whole = decode_audio(path)
    piece = decode_wav_range(path, 17.25, 27.25)
    assert np.array_equal(piece, whole[int(17.25 * 16000) : int(27.25 * 16000)])


def test_the_windows_of_a_compressed_chunk_are_cut_from_one_decoding(
    long_chunk, script, django_capture_on_commit_callbacks
):
    AudioChunk.objects.filter(pk=long_chunk.pk).update(format="webm")  # decoded whole, then cut
    with django_capture_on_commit_callbacks(execute=True):  # window jobs are sent on commit
        services.chunk_transcribe(chunk_id=long_chunk.pk)
    assert [round(c["seconds"], 3) for c in script.calls] == [10.0, 10.0, 7.0]
    assert _texts(long_chunk) == EXPECTED

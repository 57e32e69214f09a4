"""STT API with the scripted fake engine: every endpoint, the access matrix, bad input, edits,
re-transcription, processing, typed transcripts, search, failures."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soapify.core.engines import EngineError
from soapify.core.models import Job
from soapify.encounters.models import AudioChunk, Encounter
from soapify.stt import services
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from soapify.stt.selectors import encounter_transcript
from tests.jobstate import job_state
from tests.stt.conftest import committed_chunk, store_audio

pytestmark = pytest.mark.django_db


@pytest.fixture
def transcribed(encounter, chunk):
    services.chunk_transcribe(chunk_id=chunk.pk)
    return chunk


@pytest.fixture
def segment(transcribed) -> TranscriptSegment:
    return TranscriptSegment.objects.filter(chunk=transcribed).order_by("index").first()


# --- access matrix: every endpoint ------------------------------------------------------------


def _calls(encounter, chunk, segment):
    return {
        "transcribe": ("post", "/api/stt/transcribe/", {"chunk_id": chunk.pk, "force": True}, 201),
        "chunk_transcript": ("get", f"/api/stt/transcript/{chunk.pk}/", None, 200),
        "edit_shared_path": ("put", f"/api/stt/transcript/{segment.pk}/", {"text": "edited words"}, 200),
        "edit_segment_path": (
            "put",
            f"/api/stt/transcript/segment/{segment.pk}/",
            {"text": "more words"},
            200,
        ),
        "process": ("post", f"/api/stt/encounter/{encounter.pk}/process/", None, 201),
        "encounter_transcript": ("get", f"/api/stt/encounter/{encounter.pk}/transcript/", None, 200),
        "search": ("get", f"/api/stt/search/?q=headache&encounter_id={encounter.pk}", None, 200),
        "typed_transcript": (
            "post",
            f"/api/encounters/{encounter.pk}/transcript/",
            {"text": "Doctor: hello\nPatient: hi", "replace": True},
            201,
        ),
    }


ENDPOINTS = [
    "transcribe",
    "chunk_transcript",
    "edit_shared_path",
    "edit_segment_path",
    "process",
    "encounter_transcript",
    "search",
    "typed_transcript",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("who", "expected"), [("owner", None), ("other", 404), ("admin", 404), ("anon", 401)]
)
def test_access_matrix(matrix, encounter, segment, transcribed, endpoint, who, expected):
    method, url, body, ok = _calls(encounter, transcribed, segment)[endpoint]
    response = (
        getattr(matrix[who], method)(url, body, format="json") if body else getattr(matrix[who], method)(url)
    )
    assert response.status_code == (expected or ok), response.content
    if expected:
        assert response.json()["error"]["code"]
    if who != "owner":
        segment.refresh_from_db()
        assert not segment.edited


def test_search_without_encounter_shows_another_doctor_nothing(bob_client, transcribed):
    response = bob_client.get("/api/stt/search/?q=headache")
    assert response.status_code == 200
    assert response.json()["count"] == 0


# --- POST /api/stt/transcribe/ ------------------------------------------------------------------


def test_transcribe_queues_a_job_that_stores_segments_on_the_timeline(alice_client, encounter, script):
    second = committed_chunk(encounter, 2, start_offset=7.0)
    response = alice_client.post("/api/stt/transcribe/", {"chunk_id": second.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"job_id", "status", "status_url", "job"}
    job = Job.objects.get(pk=body["job_id"])
    assert (job.kind, job.queue, job.status) == ("stt.transcribe_chunk", "stt", "succeeded")
    assert job.result["segments"] == 2
    segments = list(TranscriptSegment.objects.filter(chunk=second).order_by("index"))
    assert [s.text for s in segments] == script.texts
    assert all(7.0 <= s.start < s.end <= 14.0 for s in segments)
    assert all(7.0 <= w["start"] <= w["end"] <= 14.0 for s in segments for w in s.words)
    assert {(s.engine, s.model, s.engine_version, s.language) for s in segments} == {
        ("fake", "fake-1", "1.0", "en")
    }
    assert all(s.search_vector for s in segments)
    ct = ChunkTranscription.objects.get(chunk=second)
    assert (ct.status, ct.engine, ct.offset, ct.runs) == ("done", "fake", 7.0, 1)
    assert ct.real_time_factor is not None and ct.finished_at
    assert script.calls[0]["offset"] == 0.0  # the chunk offset is applied when storing


def test_transcribe_accepts_audio_chunk_id_and_language(alice_client, chunk, script):
    response = alice_client.post(
        "/api/stt/transcribe/", {"audio_chunk_id": chunk.pk, "language": "en"}, format="json"
    )
    assert response.status_code == 201
    assert script.calls[-1]["language"] == "en"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"chunk_id": "x"},
        {"chunk_id": 0},
        {"chunk_id": 1, "audio_chunk_id": 2},
        {"chunk_id": 1, "language": "english!"},
        {"chunk_id": 1, "colour": "red"},
        {"chunk_id": 1, "force": "maybe"},
    ],
)
def test_transcribe_bad_input_is_400(alice_client, body):
    response = alice_client.post("/api/stt/transcribe/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"


def test_transcribe_unknown_chunk_is_404(alice_client):
    assert alice_client.post("/api/stt/transcribe/", {"chunk_id": 999999}, format="json").status_code == 404


def test_transcribe_uncommitted_chunk_is_409(alice_client, encounter):
    pending = AudioChunk.objects.create(encounter=encounter, chunk_number=5, status=AudioChunk.Status.PENDING)
    response = alice_client.post("/api/stt/transcribe/", {"chunk_id": pending.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "chunk_not_committed"


def test_transcribe_honours_idempotency_key(alice_client, chunk):
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-1"}
    first = alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json", **headers)
    again = alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["job_id"] == again.json()["job_id"]
    assert again["Idempotent-Replayed"] == "true"


# --- re-transcription and edits -------------------------------------------------------------------------


def test_retranscription_replaces_the_segments(alice_client, transcribed, script):
    before = set(TranscriptSegment.objects.filter(chunk=transcribed).values_list("id", flat=True))
    script.texts = ["heart rate seventy six"]
    response = alice_client.post("/api/stt/transcribe/", {"chunk_id": transcribed.pk}, format="json")
    assert response.status_code == 201
    after = list(TranscriptSegment.objects.filter(chunk=transcribed))
    assert [s.text for s in after] == ["heart rate seventy six"]
    assert not before & {s.id for s in after}
    assert ChunkTranscription.objects.get(chunk=transcribed).runs == 2


def test_retranscription_of_an_edited_chunk_is_refused_without_force(
    alice_client, segment, transcribed, script
):
    assert (
        alice_client.put(f"/api/stt/transcript/{segment.pk}/", {"text": "fixed"}, format="json").status_code
        == 200
    )
    response = alice_client.post("/api/stt/transcribe/", {"chunk_id": transcribed.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "chunk_has_edits"
    assert TranscriptSegment.objects.get(pk=segment.pk).text == "fixed"

    script.texts = ["replaced by force"]
    forced = alice_client.post(
        "/api/stt/transcribe/", {"chunk_id": transcribed.pk, "force": True}, format="json"
    )
    assert forced.status_code == 201
    assert job_state(alice_client, forced)["status"] == "succeeded"
    assert list(TranscriptSegment.objects.filter(chunk=transcribed).values_list("text", flat=True)) == [
        "replaced by force"
    ]


@pytest.mark.parametrize("path", ["/api/stt/transcript/{}/", "/api/stt/transcript/segment/{}/"])
def test_edit_keeps_the_original_text_and_who_edited(alice_client, alice, segment, path):
    original = segment.text
    first = alice_client.put(
        path.format(segment.pk), {"text": "  the patient reports a migraine  "}, format="json"
    )
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["text"] == "the patient reports a migraine"
    assert body["original_text"] == original
    assert body["edited"] is True and body["edited_by"] == "alice" and body["edited_at"]
    second = alice_client.put(path.format(segment.pk), {"text": "a migraine since Monday"}, format="json")
    assert second.json()["original_text"] == original  # the machine's text, not the first edit
    segment.refresh_from_db()
    assert segment.edited_by == alice
    # the search index follows the edit
    hits = alice_client.get("/api/stt/search/?q=monday").json()
    assert [h["id"] for h in hits["results"]] == [segment.pk]
    assert alice_client.get("/api/stt/search/?q=reports headache").json()["count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 10_001},
        {"text": None},
        {"text": "ok", "speaker": "nurse"},
    ],
)
def test_edit_bad_input_is_400(alice_client, segment, body):
    response = alice_client.put(f"/api/stt/transcript/segment/{segment.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    segment.refresh_from_db()
    assert not segment.edited


def test_edit_of_a_finalized_encounter_is_409(alice_client, segment, encounter):
    Encounter.objects.filter(pk=encounter.pk).update(status=Encounter.Status.FINALIZED)
    response = alice_client.put(f"/api/stt/transcript/{segment.pk}/", {"text": "late change"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "encounter_finalized"


def test_edit_of_an_unknown_segment_is_404(alice_client):
    assert (
        alice_client.put("/api/stt/transcript/segment/987654/", {"text": "x"}, format="json").status_code
        == 404
    )


# --- GET /api/stt/transcript/{chunk}/ ---------------------------------------------------------------


def test_chunk_transcript_lists_segments_with_status_and_engine(alice_client, transcribed):
    body = alice_client.get(f"/api/stt/transcript/{transcribed.pk}/").json()
    assert (body["chunk_id"], body["status"], body["engine"], body["model"]) == (
        transcribed.pk,
        "done",
        "fake",
        "fake-1",
    )
    assert [s["index"] for s in body["segments"]] == [0, 1]
    first = body["segments"][0]
    assert set(first) >= {"id", "start", "end", "text", "confidence", "speaker", "edited", "original_text"}
    assert first["original_text"] is None and first["edited"] is False


def test_chunk_transcript_of_an_untranscribed_chunk_is_pending_and_empty(alice_client, chunk):
    body = alice_client.get(f"/api/stt/transcript/{chunk.pk}/").json()
    assert (body["status"], body["segments"]) == ("pending", [])


# --- process -------------------------------------------------------------------------------------------


def test_process_transcribes_every_committed_chunk_not_done(alice_client, encounter, transcribed, script):
    second = committed_chunk(encounter, 2)
    third = committed_chunk(encounter, 3)
    AudioChunk.objects.create(encounter=encounter, chunk_number=4, status=AudioChunk.Status.PENDING)
    script.calls.clear()
    response = alice_client.post(f"/api/stt/encounter/{encounter.pk}/process/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["chunks"], body["to_transcribe"]) == (3, 2)
    job = Job.objects.get(pk=body["job_id"])
    assert job.status == "succeeded", job.error
    assert job.result["transcribed"] == [2, 3] and job.result["already_done"] == 1
    assert len(script.calls) == 2
    assert {c.pk for c in (second, third)} == set(
        ChunkTranscription.objects.filter(status="done")
        .exclude(chunk=transcribed)
        .values_list("chunk_id", flat=True)
    )
    encounter.refresh_from_db()
    assert encounter.status == "transcribed"


def test_process_with_no_audio_and_no_typed_transcript_is_409(alice_client, encounter):
    response = alice_client.post(f"/api/stt/encounter/{encounter.pk}/process/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_audio"


def test_process_with_only_a_typed_transcript_succeeds_at_once(alice_client, encounter):
    alice_client.post(f"/api/encounters/{encounter.pk}/transcript/", {"text": "D: hello"}, format="json")
    response = alice_client.post(f"/api/stt/encounter/{encounter.pk}/process/")
    assert response.status_code == 201
    body = response.json()
    assert body["note"] and body["chunks"] == 0
    assert Job.objects.get(pk=body["job_id"]).status == "succeeded"


def test_process_of_a_done_encounter_does_nothing_new(alice_client, encounter, transcribed, script):
    script.calls.clear()
    response = alice_client.post(f"/api/stt/encounter/{encounter.pk}/process/")
    assert response.status_code == 201
    assert response.json()["to_transcribe"] == 0
    assert script.calls == []


# --- failures -----------------------------------------------------------------------------------------


def test_undecodable_audio_fails_the_job_and_the_chunk_with_a_reason(alice_client, encounter):
    junk = committed_chunk(encounter, 1, data=b"this is not audio at all " * 100)
    response = alice_client.post("/api/stt/transcribe/", {"chunk_id": junk.pk}, format="json")
    assert response.status_code == 201
    job = job_state(alice_client, response)["job"]
    assert job["status"] == "failed"
    assert job["error"]["code"] == "undecodable_audio" and job["error"]["message"]
    ct = ChunkTranscription.objects.get(chunk=junk)
    assert ct.status == "failed" and ct.error["code"] == "undecodable_audio"
    encounter.refresh_from_db()
    assert encounter.status == "failed"  # not stuck in "transcribing"
    assert "chunk(s) 1" in encounter.status_detail
    chunk_body = alice_client.get(f"/api/stt/transcript/{junk.pk}/").json()
    assert chunk_body["status"] == "failed" and chunk_body["error"]["code"] == "undecodable_audio"


def test_process_reports_failed_chunks_and_keeps_the_others(alice_client, encounter):
    committed_chunk(encounter, 1)
    committed_chunk(encounter, 2, data=b"garbage" * 300)
    committed_chunk(encounter, 3)
    response = alice_client.post(f"/api/stt/encounter/{encounter.pk}/process/")
    job = Job.objects.get(pk=response.json()["job_id"])
    assert job.status == "failed"
    assert (
        job.error["code"] == "transcription_failed" and "chunk 2: undecodable_audio" in job.error["message"]
    )
    assert ChunkTranscription.objects.filter(status="done").count() == 2
    body = alice_client.get(f"/api/stt/encounter/{encounter.pk}/transcript/").json()
    assert body["transcription"]["failed_chunks"] == [2]
    assert body["status"] == "failed"


def test_missing_audio_object_fails_clearly(alice_client, encounter):
    gone = committed_chunk(encounter, 1)
    AudioChunk.objects.filter(pk=gone.pk).update(storage_key="test/nowhere.wav")
    started = alice_client.post("/api/stt/transcribe/", {"chunk_id": gone.pk}, format="json")
    job = job_state(alice_client, started)["job"]
    assert (job["status"], job["error"]["code"]) == ("failed", "audio_missing")


def test_an_engine_error_fails_with_its_code(alice_client, chunk, script):
    script.errors = [EngineError("PocketSphinx here only speaks English.", code="unsupported_language")]
    started = alice_client.post(
        "/api/stt/transcribe/", {"chunk_id": chunk.pk, "language": "fa"}, format="json"
    )
    job = job_state(alice_client, started)["job"]
    assert (job["status"], job["error"]["code"]) == ("failed", "unsupported_language")


def test_transient_engine_errors_are_retried(alice_client, chunk, script):
    script.errors = [EngineError("busy", transient=True, code="unavailable")] * 2
    job = alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json").json()["job"]
    job = Job.objects.get(pk=job["id"])
    assert (job.status, job.attempts) == ("succeeded", 3)
    assert ChunkTranscription.objects.get(chunk=chunk).status == "done"


def test_persistent_transient_errors_fail_after_the_last_attempt(alice_client, chunk, script):
    script.errors = [EngineError("busy", transient=True, code="unavailable")] * 10
    job = Job.objects.get(
        pk=alice_client.post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json").json()["job_id"]
    )
    assert (job.status, job.attempts, job.error["code"]) == ("failed", job.max_attempts, "unavailable")
    assert ChunkTranscription.objects.get(chunk=chunk).status == "failed"


def test_a_stale_running_transcription_is_taken_over(chunk, script):
    """A worker killed mid-run leaves "running" and no segments; the lock is free, so the next
    attempt takes over."""
    ChunkTranscription.objects.create(chunk=chunk, status="running", runs=1)
    outcome = services.chunk_transcribe(chunk_id=chunk.pk)
    assert outcome.status == "done"
    ct = ChunkTranscription.objects.get(chunk=chunk)
    assert (ct.status, ct.runs) == ("done", 2)
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2


def test_a_done_chunk_is_not_transcribed_again_by_the_live_path(transcribed, script):
    script.calls.clear()
    assert services.chunk_transcribe(chunk_id=transcribed.pk).status == "already_done"
    assert script.calls == []


# --- encounter transcript -----------------------------------------------------------------------------


def test_encounter_transcript_offsets_are_the_ones_evidence_uses(alice_client, encounter, script):
    second = committed_chunk(encounter, 2)
    first = committed_chunk(encounter, 1)
    script.texts = ["chunk two text"]
    services.chunk_transcribe(chunk_id=second.pk)
    script.texts = ["first words", "more of chunk one"]
    services.chunk_transcribe(chunk_id=first.pk)
    body = alice_client.get(f"/api/stt/encounter/{encounter.pk}/transcript/").json()
    assert body["text"] == "first words\nmore of chunk one\nchunk two text"
    assert [s["chunk_number"] for s in body["segments"]] == [1, 1, 2]
    for seg in body["segments"]:
        assert body["text"][seg["char_start"] : seg["char_end"]] == seg["text"]
    view = encounter_transcript(encounter=encounter)
    assert view.text == body["text"]
    assert [(s.start_char, s.end_char, s.segment_id) for s in view.segments] == [
        (s["char_start"], s["char_end"], s["id"]) for s in body["segments"]
    ]
    assert body["transcription"] | {"failed_chunks": []} == {
        "source": "audio",
        "complete": True,
        "chunks": 2,
        "done": 2,
        "pending": 0,
        "running": 0,
        "failed": 0,
        "not_started": 0,
        "failed_chunks": [],
    }
    assert body["status"] == "transcribed" and body["language"] == "en"


def test_encounter_transcript_reads_a_constant_number_of_queries(
    alice_client, encounter, django_assert_max_num_queries
):
    for n in range(1, 6):
        services.chunk_transcribe(chunk_id=committed_chunk(encounter, n).pk)
    with CaptureQueriesContext(connection) as few:
        alice_client.get(f"/api/stt/encounter/{encounter.pk}/transcript/")
    for n in range(6, 16):
        services.chunk_transcribe(chunk_id=committed_chunk(encounter, n).pk)
    with CaptureQueriesContext(connection) as many:
        body = alice_client.get(f"/api/stt/encounter/{encounter.pk}/transcript/").json()
    assert len(body["segments"]) == 30
    assert len(many) == len(few)


def test_encounter_transcript_of_an_empty_encounter(alice_client, encounter):
    body = alice_client.get(f"/api/stt/encounter/{encounter.pk}/transcript/").json()
    assert (body["text"], body["segments"], body["transcription"]["source"]) == ("", [], "none")
    assert body["transcription"]["complete"] is False


# --- typed transcript ---------------------------------------------------------------------------------

DIALOGUE = (
    "Doctor: What brings you in today?\nPatient: I have had a headache for three days.\nD: Any fever?\nP: No."
)


def test_typed_transcript_is_stored_with_speakers_and_marks_the_encounter_transcribed(
    alice_client, encounter
):
    response = alice_client.post(
        f"/api/encounters/{encounter.pk}/transcript/", {"text": DIALOGUE}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "transcribed"
    assert body["transcription"]["source"] == "typed"
    assert [s["speaker"] for s in body["segments"]] == ["doctor", "patient", "doctor", "patient"]
    assert body["text"].splitlines()[1] == "I have had a headache for three days."
    assert all(s["source"] == "typed" and s["chunk_id"] is None for s in body["segments"])
    hits = alice_client.get("/api/stt/search/?q=fever").json()["results"]
    assert [h["text"] for h in hits] == ["Any fever?"]


def test_typed_transcript_replaces_only_when_asked(alice_client, encounter):
    url = f"/api/encounters/{encounter.pk}/transcript/"
    assert alice_client.post(url, {"text": DIALOGUE}, format="json").status_code == 201
    again = alice_client.post(url, {"text": "D: second version"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "transcript_exists"
    replaced = alice_client.post(url, {"text": "D: second version", "replace": True}, format="json")
    assert replaced.status_code == 201
    assert replaced.json()["text"] == "second version" and replaced.json()["replaced_segments"] == 4
    assert TranscriptSegment.objects.filter(encounter=encounter).count() == 1


def test_typed_persian_transcript(alice_client, encounter):
    text = "پزشک: سلام، چه مشکلی دارید؟\nبیمار: سه روز است که سردرد دارم."
    body = alice_client.post(
        f"/api/encounters/{encounter.pk}/transcript/", {"text": text}, format="json"
    ).json()
    assert body["language"] == "fa"
    assert [s["speaker"] for s in body["segments"]] == ["doctor", "patient"]
    hits = alice_client.get("/api/stt/search/", {"q": "سردرد"}).json()["results"]
    assert len(hits) == 1 and "<mark>سردرد</mark>" in hits[0]["snippet"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": ""}, 400),
        ({"text": "   \n "}, 400),
        ({}, 400),
        ({"text": "D: hi", "language": "klingon"}, 400),
        ({"text": "D: hi", "language": "xx"}, 400),  # as an encounter's language: en or fa
        ({"text": 123}, 400),  # not turned into the transcript "123"
        ({"text": ["D: hi"]}, 400),
        ({"text": True}, 400),
        ({"text": "D: hi", "extra": 1}, 400),
        ({"text": "D: hi", "replace": "perhaps"}, 400),
        ({"text": "x" * 200_001}, 413),
    ],
)
def test_typed_transcript_bad_input(alice_client, encounter, body, status):
    response = alice_client.post(f"/api/encounters/{encounter.pk}/transcript/", body, format="json")
    assert response.status_code == status, response.content
    assert not TranscriptSegment.objects.filter(encounter=encounter).exists()


def test_typed_transcript_of_a_finalized_encounter_is_409(alice_client, encounter):
    Encounter.objects.filter(pk=encounter.pk).update(status=Encounter.Status.FINALIZED)
    response = alice_client.post(
        f"/api/encounters/{encounter.pk}/transcript/", {"text": DIALOGUE}, format="json"
    )
    assert response.status_code == 409
    # a malformed request is a 400 whatever the encounter's state
    response = alice_client.post(f"/api/encounters/{encounter.pk}/transcript/", {"text": 123}, format="json")
    assert response.status_code == 400


def test_the_audio_transcript_wins_over_a_typed_one(alice_client, encounter, transcribed):
    body = alice_client.post(
        f"/api/encounters/{encounter.pk}/transcript/", {"text": DIALOGUE}, format="json"
    ).json()
    assert body["transcription"]["source"] == "audio"
    assert "headache" in body["text"] and "fever" not in body["text"]


# --- search -------------------------------------------------------------------------------------------


def _typed(encounter, *texts):
    TranscriptSegment.objects.bulk_create(
        [TranscriptSegment(encounter=encounter, source="typed", index=i, text=t) for i, t in enumerate(texts)]
    )
    services.update_search_vector(encounter=encounter)


def test_search_ranks_and_locates_hits(alice_client, alice, encounter):
    other_visit = Encounter.objects.create(doctor=alice, patient_ref="HS-2")
    _typed(encounter, "chest pain on exertion, chest pain at rest", "no fever")
    _typed(other_visit, "mild chest discomfort", "pain in the knee")
    body = alice_client.get("/api/stt/search/?q=chest pain").json()
    assert body["count"] == 1  # websearch: both words required
    hit = body["results"][0]
    assert hit["encounter_id"] == encounter.pk and hit["score"] > 0
    assert "<mark>chest</mark> <mark>pain</mark>" in hit["snippet"]
    assert set(hit) >= {"id", "encounter_id", "chunk_id", "start", "end", "text", "snippet", "score"}
    either = alice_client.get("/api/stt/search/", {"q": "chest or knee"}).json()
    assert either["count"] == 3
    assert either["results"][0]["text"].startswith("chest pain on exertion")  # two matches rank first
    narrowed = alice_client.get("/api/stt/search/", {"q": "pain", "encounter_id": other_visit.pk}).json()
    assert [h["encounter_id"] for h in narrowed["results"]] == [other_visit.pk]


def test_search_finds_word_fragments_below_whole_words(alice_client, encounter):
    _typed(encounter, "hypertension noted", "blood pressure high, hypertensive")
    results = alice_client.get("/api/stt/search/?q=hypertens").json()["results"]
    assert len(results) == 2
    assert all("<mark>" in r["snippet"] for r in results)


def test_search_snippets_are_html_safe(alice_client, encounter):
    _typed(encounter, "<script>alert(1)</script> headache")
    hit = alice_client.get("/api/stt/search/?q=headache").json()["results"][0]
    assert "<script>" not in hit["snippet"] and "<mark>headache</mark>" in hit["snippet"]
    fragment = alice_client.get("/api/stt/search/?q=scri").json()["results"][0]  # substring-only hit
    assert "<script>" not in fragment["snippet"] and "&lt;<mark>scri</mark>pt&gt;" in fragment["snippet"]


def test_search_is_paginated_in_constant_queries(alice_client, encounter):
    _typed(encounter, *[f"cough number {i}" for i in range(30)])
    with CaptureQueriesContext(connection) as ctx:
        page = alice_client.get("/api/stt/search/?q=cough&page_size=10").json()
    assert page["count"] == 30 and len(page["results"]) == 10 and page["next"]
    small = len(ctx)
    with CaptureQueriesContext(connection) as ctx:
        alice_client.get("/api/stt/search/?q=cough&page_size=30")
    assert len(ctx) == small


@pytest.mark.parametrize(
    "query",
    ["", "?q=", "?q=%20%20", "?q=" + "a" * 201, "?q=x&encounter_id=abc", "?q=x&page=0", "?q=x&page_size=-1"],
)
def test_search_bad_input_is_400(alice_client, query):
    response = alice_client.get("/api/stt/search/" + query)
    assert response.status_code == 400, response.content


def test_search_with_an_unknown_encounter_is_404(alice_client):
    assert alice_client.get("/api/stt/search/?q=x&encounter_id=99999").status_code == 404


def test_search_survives_tsquery_syntax(alice_client, encounter):
    _typed(encounter, "pain & fever | (cough)")
    for q in ["pain & fever", "(cough", '"unterminated', "!!!", "-", "or"]:
        assert alice_client.get("/api/stt/search/", {"q": q}).status_code == 200, q


# --- audio stored where the app reads it from --------------------------------------------------------


def test_chunk_audio_is_read_from_storages_audio(encounter, script):
    key = store_audio(b"RIFF-not-really")
    chunk = AudioChunk.objects.create(
        encounter=encounter, chunk_number=1, storage_key=key, status=AudioChunk.Status.COMMITTED, duration=1
    )
    with pytest.raises(EngineError) as err:
        services.chunk_transcribe(chunk_id=chunk.pk)
    assert err.value.code == "undecodable_audio"

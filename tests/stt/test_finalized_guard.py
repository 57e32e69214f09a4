"""A finalized encounter's transcript is read-only for (re-)transcription too, and a forced re-run
keeps the doctor's edited segments it replaces in ``replaced_edits``."""

from __future__ import annotations

import pytest

from soapify.core.errors import Conflict
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.stt import services
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from soapify.stt.services import runs
from tests.jobstate import job_state
from tests.stt.conftest import committed_chunk

pytestmark = pytest.mark.django_db


@pytest.fixture
def transcribed(encounter, chunk):
    services.chunk_transcribe(chunk_id=chunk.pk)
    return chunk


def _edit(client, segment_id: int, text: str) -> None:
    r = client.put(f"/api/stt/transcript/segment/{segment_id}/", {"text": text}, format="json")
    assert r.status_code == 200, r.content


def _finalize(encounter) -> None:
    Encounter.objects.filter(pk=encounter.pk).update(status=Encounter.Status.FINALIZED)


def _snapshot(chunk):
    segs = list(
        TranscriptSegment.objects.filter(chunk=chunk)
        .order_by("id")
        .values_list("id", "text", "original_text", "edited")
    )
    ct = ChunkTranscription.objects.get(chunk=chunk)
    return segs, (ct.status, ct.runs, ct.replaced_edits, ct.finished_at)


@pytest.mark.parametrize("force", [True, False])
def test_retranscription_of_a_finalized_encounter_is_409_and_changes_nothing(
    alice_client, encounter, transcribed, script, force
):
    segment = TranscriptSegment.objects.filter(chunk=transcribed).order_by("index").first()
    _edit(alice_client, segment.pk, "the doctor's correction")
    _finalize(encounter)
    before = _snapshot(transcribed)
    jobs = Job.objects.count()
    script.calls.clear()
    script.texts = ["machine text that must not land"]
    r = alice_client.post("/api/stt/transcribe/", {"chunk_id": transcribed.pk, "force": force}, format="json")
    assert r.status_code == 409, r.content
    assert r.json()["error"]["code"] == "encounter_finalized"
    assert Job.objects.count() == jobs
    assert script.calls == []
    assert _snapshot(transcribed) == before
    assert Encounter.objects.get(pk=encounter.pk).status == Encounter.Status.FINALIZED


def test_a_forced_rerun_finalized_while_the_engine_runs_stores_nothing(
    alice_client, encounter, transcribed, script, monkeypatch
):
    segment = TranscriptSegment.objects.filter(chunk=transcribed).order_by("index").first()
    _edit(alice_client, segment.pk, "the doctor's correction")
    before_segments = _snapshot(transcribed)[0]
    real_run = runs._run_engine

    def run_then_finalize(*args, **kwargs):
        result = real_run(*args, **kwargs)
        _finalize(encounter)  # finalized after the start check, before the write transaction
        return result

    monkeypatch.setattr(runs, "_run_engine", run_then_finalize)
    script.texts = ["machine text that must not land"]
    r = alice_client.post("/api/stt/transcribe/", {"chunk_id": transcribed.pk, "force": True}, format="json")
    assert r.status_code == 201, r.content
    job = Job.objects.get(pk=r.json()["job"]["id"])
    assert job.status == "failed"
    assert job.error["code"] == "encounter_finalized"
    assert _snapshot(transcribed)[0] == before_segments
    ct = ChunkTranscription.objects.get(chunk=transcribed)
    assert ct.status == ChunkTranscription.Status.DONE and ct.replaced_edits == []


def test_process_of_a_finalized_encounter_with_chunks_to_transcribe_is_409(
    alice_client, encounter, transcribed, script
):
    second = committed_chunk(encounter, 2)
    _finalize(encounter)
    jobs = Job.objects.count()
    script.calls.clear()
    r = alice_client.post(f"/api/stt/encounter/{encounter.pk}/process/")
    assert r.status_code == 409, r.content
    assert r.json()["error"]["code"] == "encounter_finalized"
    assert Job.objects.count() == jobs and script.calls == []
    assert not TranscriptSegment.objects.filter(chunk=second).exists()
    # the job itself refuses too (e.g. one queued just before finalization)
    with pytest.raises(Conflict) as exc:
        services.encounter_process(encounter=Encounter.objects.get(pk=encounter.pk))
    assert exc.value.code == "encounter_finalized"
    assert script.calls == []


def test_process_of_a_finalized_encounter_with_nothing_to_transcribe_still_succeeds(
    alice_client, encounter, transcribed
):
    _finalize(encounter)
    r = alice_client.post(f"/api/stt/encounter/{encounter.pk}/process/")
    assert r.status_code == 201, r.content
    assert r.json()["to_transcribe"] == 0


def test_a_forced_rerun_keeps_the_edited_text_in_replaced_edits(alice_client, alice, transcribed, script):
    segments = list(TranscriptSegment.objects.filter(chunk=transcribed).order_by("index"))
    first, second = segments[0], segments[1]
    _edit(alice_client, first.pk, "the patient reports a migraine")
    _edit(alice_client, second.pk, "blood pressure 140 over 90")

    script.texts = ["replaced by force"]
    r = alice_client.post("/api/stt/transcribe/", {"chunk_id": transcribed.pk, "force": True}, format="json")
    assert job_state(alice_client, r)["status"] == "succeeded", r.content
    assert list(TranscriptSegment.objects.filter(chunk=transcribed).values_list("text", flat=True)) == [
        "replaced by force"
    ]
    kept = ChunkTranscription.objects.get(chunk=transcribed).replaced_edits
    assert [(e["id"], e["text"], e["original_text"]) for e in kept] == [
        (first.pk, "the patient reports a migraine", first.text),
        (second.pk, "blood pressure 140 over 90", second.text),
    ]
    for entry, seg in zip(kept, (first, second), strict=True):
        assert entry["start"] == seg.start and entry["end"] == seg.end
        assert entry["edited_by"] == alice.pk and entry["edited_at"] and entry["replaced_at"]

    # a second forced re-run appends; nothing already kept is dropped
    new = TranscriptSegment.objects.get(chunk=transcribed)
    _edit(alice_client, new.pk, "corrected again")
    script.texts = ["and again"]
    r = alice_client.post("/api/stt/transcribe/", {"chunk_id": transcribed.pk, "force": True}, format="json")
    assert job_state(alice_client, r)["status"] == "succeeded", r.content
    again = ChunkTranscription.objects.get(chunk=transcribed).replaced_edits
    assert again[:2] == kept
    assert [(e["id"], e["text"], e["original_text"]) for e in again[2:]] == [
        (new.pk, "corrected again", "replaced by force")
    ]
    assert alice_client.get(f"/api/stt/transcript/{transcribed.pk}/").json()["replaced_edits"] == again


def test_a_rerun_without_edits_keeps_nothing(alice_client, transcribed, script):
    script.texts = ["fresh"]
    r = alice_client.post("/api/stt/transcribe/", {"chunk_id": transcribed.pk, "force": True}, format="json")
    assert job_state(alice_client, r)["status"] == "succeeded", r.content
    assert ChunkTranscription.objects.get(chunk=transcribed).replaced_edits == []

"""Work that waits for the work before it, through the API: a draft asked for while the audio is
being transcribed waits for the transcription; a finalization asked for while the draft is being
generated waits for the draft; the reads answer 202 with the job meanwhile.

Requests go through a client whose jobs are not sent when the request returns (``held_client``):
the test then delivers every message the requests sent, as a broker would, after all of them."""

from __future__ import annotations

import pytest

from soapify.core.engines import EngineError
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.nlp.models import Draft
from soapify.outputs.models import FinalizedNote
from tests.jobstate import deliver, held_client, send_flow
from tests.stt.conftest import FAKE_ENGINES, committed_chunk
from tests.stt.fakes import SCRIPT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fake_stt(settings):
    settings.STT_ENGINES = FAKE_ENGINES
    SCRIPT.reset()
    SCRIPT.texts = ["the patient reports a headache for three days", "blood pressure is 120 over 80"]
    yield
    SCRIPT.reset()


def test_the_flow_sent_back_to_back_waits_and_ends_with_the_finalized_note(
    alice, encounter, django_capture_on_commit_callbacks
):
    committed_chunk(encounter)
    client = held_client(alice)
    with django_capture_on_commit_callbacks() as sent:
        r = send_flow(client, encounter.pk)

    assert r["process"].status_code == 201, r["process"].content
    assert r["generate"].status_code == 201, r["generate"].content
    assert r["finalize"].status_code == 201, r["finalize"].content
    process, generate, finalize = (
        Job.objects.get(pk=r[step].json()["job_id"]) for step in ("process", "generate", "finalize")
    )
    assert process.kind == "stt.process_encounter" and process.waits_for_id is None
    assert (generate.status, generate.waits_for_id) == ("queued", process.pk)
    assert (finalize.status, finalize.waits_for_id) == ("queued", generate.pk)
    # the reads say the work is under way, and where to follow it
    assert r["draft"].status_code == 202 and r["draft"]["Retry-After"]
    assert r["draft"].json()["job_id"] == str(generate.pk)
    assert r["draft"].json()["status_url"] == f"/api/jobs/{generate.pk}/"
    assert r["finalized"].status_code == 202 and r["finalized"].json()["job_id"] == str(finalize.pk)

    deliver(django_capture_on_commit_callbacks, sent)

    for job in (process, generate, finalize):
        job.refresh_from_db()
        assert job.status == "succeeded", (job.kind, job.error)
    assert generate.started_at >= process.finished_at and finalize.started_at >= generate.finished_at
    draft = client.get(f"/api/nlp/drafts/{encounter.pk}/")
    assert draft.status_code == 200 and "headache" in draft.json()["transcript_text"]
    note = client.get(f"/api/outputs/finalized/{encounter.pk}/")
    assert note.status_code == 200, note.content
    assert note.json()["version"] == 1 and note.json()["status"] == "finalized"
    assert Encounter.objects.get(pk=encounter.pk).status == Encounter.Status.FINALIZED


def test_a_failed_transcription_fails_the_draft_and_the_finalization_waiting_for_it(
    alice, encounter, django_capture_on_commit_callbacks
):
    committed_chunk(encounter)
    SCRIPT.errors = [EngineError("The audio cannot be decoded.", code="undecodable_audio")]
    client = held_client(alice)
    with django_capture_on_commit_callbacks() as sent:
        r = send_flow(client, encounter.pk)
    deliver(django_capture_on_commit_callbacks, sent)

    process, generate, finalize = (
        client.get(r[step].json()["status_url"]).json() for step in ("process", "generate", "finalize")
    )
    assert (process["status"], process["error"]["code"]) == ("failed", "transcription_failed")
    assert (generate["status"], generate["error"]["code"]) == ("failed", "prerequisite_failed")
    assert "stt.process_encounter" in generate["error"]["message"]
    assert "transcription_failed" in generate["error"]["message"]
    assert (finalize["status"], finalize["error"]["code"]) == ("failed", "prerequisite_failed")
    assert "nlp.generate_draft" in finalize["error"]["message"]
    assert not Draft.objects.filter(encounter=encounter).exists()
    assert not FinalizedNote.objects.filter(encounter=encounter).exists()
    encounter.refresh_from_db()
    assert encounter.status == Encounter.Status.FAILED and "prerequisite_failed" in encounter.status_detail
    # nothing is under way any more: the reads say there is nothing
    draft = client.get(f"/api/nlp/drafts/{encounter.pk}/")
    assert draft.status_code == 404 and draft.json()["error"]["code"] == "no_draft"
    note = client.get(f"/api/outputs/finalized/{encounter.pk}/")
    assert note.status_code == 404 and note.json()["error"]["code"] == "not_finalized"


def test_generating_twice_while_waiting_hands_back_the_same_job(
    alice, encounter, django_capture_on_commit_callbacks
):
    committed_chunk(encounter)
    client = held_client(alice)
    with django_capture_on_commit_callbacks():
        client.post(f"/api/stt/encounter/{encounter.pk}/process/")
        first = client.post(f"/api/nlp/generate/{encounter.pk}/")
        second = client.post(f"/api/nlp/generate/{encounter.pk}/")
    assert first.status_code == second.status_code == 201
    assert first.json()["job_id"] == second.json()["job_id"]
    assert Job.objects.filter(kind="nlp.generate_draft").count() == 1


def test_without_a_transcript_or_a_transcription_under_way_generate_is_still_409(alice_client, encounter):
    response = alice_client.post(f"/api/nlp/generate/{encounter.pk}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_transcript"
    assert not Job.objects.filter(kind="nlp.generate_draft").exists()


def test_without_a_draft_or_a_generation_under_way_finalize_is_still_409(alice_client, encounter):
    response = alice_client.post("/api/outputs/finalize/", {"encounter_id": encounter.pk}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_draft"
    assert not Job.objects.filter(kind="outputs.finalize").exists()


def test_another_doctor_never_sees_the_job_of_a_draft_under_way(
    alice, bob_client, encounter, django_capture_on_commit_callbacks
):
    committed_chunk(encounter)
    client = held_client(alice)
    with django_capture_on_commit_callbacks():
        client.post(f"/api/stt/encounter/{encounter.pk}/process/")
        client.post(f"/api/nlp/generate/{encounter.pk}/")
        client.post("/api/outputs/finalize/", {"encounter_id": encounter.pk}, format="json")
        draft = bob_client.get(f"/api/nlp/drafts/{encounter.pk}/")
        note = bob_client.get(f"/api/outputs/finalized/{encounter.pk}/")
    assert draft.status_code == 404 and "job_id" not in draft.json()
    assert note.status_code == 404 and "job_id" not in note.json()

"""The seed's steps 3 to 7 sent back to back to the API while a real Celery worker (over Redis) runs
the jobs: the draft waits for the transcription the worker is inside, the finalization for the
draft, the reads answer 202 meanwhile, and the flow ends with the finalized note.

The worker runs tests/core/job_worker_settings.py (the scripted fake STT engine, the rules note
engine); the transcription is held at its slow point until every request was sent, so the waits are
certain, not a matter of timing. Skipped with a message when Redis is not reachable."""

from __future__ import annotations

import pytest

from soapify.core.models import Job
from soapify.encounters.models import Encounter
from tests.conftest import client_for
from tests.core.job_fakes import marks
from tests.core.workers import (
    redis_broker,
    redis_up,
    start_worker,
    wait_for,
    worker_env,
)
from tests.stt.conftest import committed_chunk

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_flow_sent_back_to_back_ends_with_the_finalized_note_on_a_real_worker(
    alice, encounter, settings, tmp_path
):
    if not redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379; the real-worker test needs it")
    from soapify.celery import app

    fake = tmp_path / "fake"
    fake.mkdir()
    with redis_broker(app, settings) as (broker, prefix):
        env = worker_env(
            broker=broker,
            JOB_TEST_BROKER_PREFIX=prefix,
            JOB_FAKE_DIR=str(fake),
            DIARIZATION_ENGINE="none",
        )
        committed_chunk(encounter)
        client = client_for(alice)
        worker = None
        try:
            (fake / "hold").touch()
            worker = start_worker(
                env, tmp_path / "worker.log", name="flow", queues="default,stt,nlp,background"
            )
            process = client.post(f"/api/stt/encounter/{encounter.pk}/process/")
            assert process.status_code == 201, process.content
            wait_for(lambda: [m for m in marks(fake) if m[0] == "stt"], 120, "the transcription", worker)

            generate = client.post(f"/api/nlp/generate/{encounter.pk}/")
            draft = client.get(f"/api/nlp/drafts/{encounter.pk}/")
            finalize = client.post("/api/outputs/finalize/", {"encounter_id": encounter.pk}, format="json")
            finalized = client.get(f"/api/outputs/finalized/{encounter.pk}/")
            assert [r.status_code for r in (generate, draft, finalize, finalized)] == [201, 202, 201, 202]
            assert Job.objects.get(pk=generate.json()["job_id"]).waits_for_id is not None
            assert (
                Job.objects.get(pk=finalize.json()["job_id"]).waits_for_id
                == Job.objects.get(pk=generate.json()["job_id"]).pk
            )

            (fake / "hold").unlink()
            note = wait_for(
                lambda: (r := client.get(f"/api/outputs/finalized/{encounter.pk}/")).status_code == 200 and r,
                180,
                "the finalized note",
                worker,
            )
            assert note.json()["version"] == 1 and note.json()["status"] == "finalized"
            for started in (process, generate, finalize):
                job = client.get(started.json()["status_url"]).json()
                assert job["status"] == "succeeded" and job["attempts"] == 1, job
            assert Encounter.objects.get(pk=encounter.pk).status == Encounter.Status.FINALIZED
            assert client.get(f"/api/nlp/drafts/{encounter.pk}/").status_code == 200
        finally:
            (fake / "hold").unlink(missing_ok=True)
            if worker is not None:
                worker.kill()

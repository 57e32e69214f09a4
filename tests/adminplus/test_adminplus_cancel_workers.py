"""Cancelling jobs a real Celery worker is running (``-m worker``): the worker processes and slow
fakes of tests/core/test_job_workers.py (each job stops at a slow point while a ``hold`` file
exists). The job is cancelled through the API while its handler is inside the slow point, then the
hold is released: the handler must stop at its fence and leave nothing written."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from soapify.core.jobs import job_start
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.nlp.models import Draft, DraftRevision
from soapify.nlp.services import draft_generate_start
from soapify.outputs.models import FinalizedNote, OutputFile
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from soapify.stt.services import chunk_transcribe_start
from tests.conftest import client_for
from tests.core.test_job_workers import TYPED
from tests.core.workers import wait_for
from tests.outputs.conftest import make_draft
from tests.stt.conftest import committed_chunk

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def cancel(admin_user, job: Job):
    return client_for(admin_user).post(
        "/adminplus/api/tasks/cancel/", {"task_id": str(job.pk)}, format="json"
    )


def _ended(cluster, point: str) -> int:
    return sum(1 for name, _ in cluster.marks() if name == f"{point}-done")


def test_a_running_transcription_cancelled_stops_at_its_fence_and_stores_no_segment(
    cluster, alice, admin_user, encounter
):
    chunk = committed_chunk(encounter)
    cluster.hold()
    worker = cluster.start("a")
    job = chunk_transcribe_start(user=alice, chunk_id=chunk.pk)
    cluster.wait_mark("stt", worker)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING

    response = cancel(admin_user, job)
    assert response.status_code == 201, response.content
    cancelled_at = time.monotonic()
    cluster.release()

    def stopped() -> bool:
        ct = ChunkTranscription.objects.get(chunk=chunk)
        return _ended(cluster, "stt") == 1 and ct.status != ChunkTranscription.Status.RUNNING

    wait_for(stopped, 60, "the cancelled transcription to stop", worker)
    print(
        f"\ncancel -> transcription stopped: {time.monotonic() - cancelled_at:.2f} s (engine released at once)"
    )
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.attempts == 1
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 0
    assert ChunkTranscription.objects.get(chunk=chunk).status != ChunkTranscription.Status.DONE
    assert "stopped at its fence" in worker.output(100_000)

    # retried, the same job transcribes the chunk once
    retried = client_for(admin_user).post(
        "/adminplus/api/tasks/retry/", {"task_id": str(job.pk)}, format="json"
    )
    assert retried.status_code == 201, retried.content
    wait_for(lambda: Job.objects.get(pk=job.pk).is_finished, 60, "the retried transcription", worker)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2  # the fake's two, once


def test_a_queued_transcription_cancelled_before_a_worker_takes_it_never_runs(
    cluster, alice, admin_user, encounter
):
    chunk = committed_chunk(encounter)
    job = chunk_transcribe_start(user=alice, chunk_id=chunk.pk)  # no worker yet: the message waits
    assert cancel(admin_user, job).status_code == 201
    worker = cluster.start("a")
    marker = committed_chunk(encounter, 2)
    later = chunk_transcribe_start(user=alice, chunk_id=marker.pk)  # runs after the cancelled message
    wait_for(lambda: Job.objects.get(pk=later.pk).is_finished, 60, "a later job", worker)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.attempts == 0 and job.started_at is None
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 0


def test_a_running_draft_cancelled_leaves_no_draft(cluster, alice, admin_user, encounter):
    cluster.hold()
    worker = cluster.start("a")
    job = draft_generate_start(user=alice, encounter_id=encounter.pk, transcript=TYPED).job
    cluster.wait_mark("draft", worker)
    assert cancel(admin_user, job).status_code == 201
    cluster.release()
    wait_for(lambda: _ended(cluster, "draft") == 1, 60, "the draft engine to return", worker)
    wait_for(lambda: "stopped at its fence" in worker.output(100_000), 60, "the fence", worker)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert not Draft.objects.filter(encounter=encounter).exists()
    assert not DraftRevision.objects.filter(draft__encounter=encounter).exists()


def test_a_finalization_cancelled_while_it_stores_files_is_refused_or_leaves_nothing(
    cluster, alice, admin_user, encounter
):
    """The finalization locks its job's row from its first fenced write (the note) to its commit:
    a cancel waits for that lock a moment, then is a 409 ``job_completing`` — the note is then
    stored whole. Nothing half-finalized is ever visible."""
    make_draft(encounter)
    cluster.hold()
    worker = cluster.start("a")
    job = job_start(
        kind="outputs.finalize", owner=alice, target=encounter, params={"encounter_id": encounter.pk}
    )
    cluster.wait_mark("finalize", worker)
    responses = []

    def cancel_from_another_connection() -> None:
        try:
            responses.append(cancel(admin_user, job))
        finally:
            connections.close_all()  # this thread's

    thread = threading.Thread(target=cancel_from_another_connection)
    thread.start()
    thread.join(timeout=30)
    cluster.release()
    [response] = responses
    assert response.status_code == 409 and response.json()["error"]["code"] == "job_completing"
    wait_for(lambda: Job.objects.get(pk=job.pk).is_finished, 60, "the finalization", worker)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    note = FinalizedNote.objects.get(encounter=encounter)
    assert OutputFile.objects.filter(note=note).count() == 4
    assert Encounter.objects.get(pk=encounter.pk).status == Encounter.Status.FINALIZED

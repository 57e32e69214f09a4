"""Durable jobs against real worker processes: a worker SIGKILLed in the middle of a transcription,
a draft or a finalization; a pool process killed while the other one works; a new request after the
worker died. Each job must complete exactly once once a worker is back.

Real processes (``-m worker`` selects these tests): Celery workers started with the slow fakes of
tests/core/job_fakes.py, over Redis db 3 (under this run's own key prefix) or the filesystem broker
``make run`` uses. The Redis variants are skipped with a message when Redis is not reachable.
"""

from __future__ import annotations

import os
import signal
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from soapify.core.jobs import job_start, jobs_reap
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.nlp.models import Draft, DraftRevision
from soapify.nlp.services import draft_generate_start
from soapify.outputs.models import FinalizedNote, OutputFile
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from soapify.stt.services import chunk_transcribe_start
from tests.core.job_fakes import marks
from tests.core.workers import (
    Worker,
    broker_url,
    drop_broker_keys,
    redis_up,
    restore_broker,
    start_worker,
    use_broker,
    wait_for,
    worker_env,
)
from tests.outputs.conftest import make_draft
from tests.stt.conftest import committed_chunk

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

HEARTBEAT, STALE = 0.5, 2.0  # seconds, in the test process and in every worker
TYPED = "Patient reports a headache for three days. Blood pressure 142/90. Plan: paracetamol 500 mg."


@dataclass
class Cluster:
    """The test's workers, its broker and the fakes' folder."""

    env: dict
    folder: Path
    workers: list[Worker]

    def start(self, name: str, **kwargs) -> Worker:
        worker = start_worker(self.env, self.folder / f"{name}.log", name=name, **kwargs)
        self.workers.append(worker)
        return worker

    def hold(self) -> None:
        (self.folder / "fake" / "hold").touch()

    def release(self) -> None:
        (self.folder / "fake" / "hold").unlink(missing_ok=True)

    def marks(self) -> list[tuple[str, int]]:
        return marks(self.folder / "fake")

    def wait_mark(self, name: str, worker: Worker, *, after: int = 0) -> int:
        """Wait until a job of ``worker`` is inside the slow point ``name`` (a mark past the first
        ``after`` ones); returns the pid there."""

        def reached() -> list[int]:
            return [pid for n, pid in self.marks()[after:] if n == name]

        return wait_for(reached, 120, f"slow point {name}", worker)[0]

    def reap_until_finished(self, job: Job, worker: Worker, *, reap: bool = True) -> Job:
        """Run the reaper (as beat would) until the job is finished."""

        def finished() -> bool:
            if reap:
                jobs_reap()
            job.refresh_from_db()
            return job.is_finished

        wait_for(finished, 120, f"job {job.kind} to finish", worker)
        return job

    def stop(self) -> None:
        for worker in self.workers:
            worker.kill()


@pytest.fixture(params=["redis", "filesystem"])
def cluster(request, settings, tmp_path, alice):
    if request.param == "redis" and not redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379; the Redis-broker worker tests need it")
    from soapify.celery import app

    fake = tmp_path / "fake"
    fake.mkdir()
    extra = {
        "JOB_FAKE_DIR": str(fake),
        "JOB_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "JOB_STALE_SECONDS": str(STALE),
        "JOB_REAP_SECONDS": "1",
    }
    if request.param == "redis":
        url = broker_url()
        prefix = f"soapify-test-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
        options: dict = {"global_keyprefix": prefix}
        extra["JOB_TEST_BROKER_PREFIX"] = prefix
    else:
        url = "filesystem://"
        folder = tmp_path / "broker"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True)
        options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "polling_interval": 0.1,
            "store_processed": False,
        }
        extra["JOB_TEST_BROKER_DIR"] = str(folder)
    env = worker_env(
        broker=url,
        **extra,
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOB_HEARTBEAT_SECONDS, settings.JOB_STALE_SECONDS = HEARTBEAT, STALE
    settings.JOB_QUEUED_STALE_SECONDS = 3.0  # messages a restarting worker had fetched are sent again
    use_broker(app, url, eager=False, transport_options=options)
    cluster = Cluster(env=env, folder=tmp_path, workers=[])
    try:
        yield cluster
    finally:
        cluster.release()
        cluster.stop()
        if request.param == "redis":
            drop_broker_keys(url, prefix)
        restore_broker(app, settings)


def _kill_inside(cluster: Cluster, job: Job, point: str) -> None:
    """Start worker "a", wait until the job is inside ``point`` and SIGKILL the worker's group."""
    worker = cluster.workers[-1]
    cluster.wait_mark(point, worker)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 1
    worker.kill()
    cluster.release()


def _passed(cluster: Cluster, point: str) -> int:
    return sum(1 for name, _ in cluster.marks() if name == f"{point}-done")


def test_a_transcription_whose_worker_is_killed_completes_exactly_once_on_the_next_worker(
    cluster, alice, encounter
):
    chunk = committed_chunk(encounter)
    cluster.hold()
    cluster.start("a")
    job = chunk_transcribe_start(user=alice, chunk_id=chunk.pk)
    _kill_inside(cluster, job, "stt")

    job = cluster.reap_until_finished(job, cluster.start("b"))

    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    assert ChunkTranscription.objects.get(chunk=chunk).status == ChunkTranscription.Status.DONE
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2  # the fake's two, once
    assert _passed(cluster, "stt") == 1


def test_a_draft_whose_worker_is_killed_completes_exactly_once_on_the_next_worker(cluster, alice, encounter):
    cluster.hold()
    cluster.start("a")
    job = draft_generate_start(user=alice, encounter_id=encounter.pk, transcript=TYPED).job
    _kill_inside(cluster, job, "draft")

    job = cluster.reap_until_finished(job, cluster.start("b"))

    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    assert Draft.objects.get(encounter=encounter).version == 1
    assert DraftRevision.objects.filter(draft__encounter=encounter).count() == 1
    assert Encounter.objects.get(pk=encounter.pk).status == Encounter.Status.READY
    assert _passed(cluster, "draft") == 1


def test_a_finalization_whose_worker_is_killed_completes_exactly_once_with_beat_reaping(
    cluster, alice, encounter
):
    make_draft(encounter)
    cluster.hold()
    cluster.start("a")
    job = job_start(
        kind="outputs.finalize", owner=alice, target=encounter, params={"encounter_id": encounter.pk}
    )
    _kill_inside(cluster, job, "finalize")

    # the next worker runs beat inside (`make run`'s -B), so its reaper finds the job by itself
    job = cluster.reap_until_finished(job, cluster.start("b", beat=True), reap=False)

    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    note = FinalizedNote.objects.get(encounter=encounter)
    assert note.version == 1 and OutputFile.objects.filter(note=note).count() == 4
    assert Encounter.objects.get(pk=encounter.pk).status == Encounter.Status.FINALIZED
    assert _passed(cluster, "finalize") == 4  # the four files, each stored once


def test_a_new_generate_request_after_the_worker_died_gets_a_live_job(cluster, alice, encounter):
    cluster.hold()
    cluster.start("a")
    first = draft_generate_start(user=alice, encounter_id=encounter.pk, transcript=TYPED).job
    _kill_inside(cluster, first, "draft")
    dead_message = first.celery_task_id

    def heartbeat_stale() -> bool:
        stale = timezone.now() - timedelta(seconds=STALE)
        return Job.objects.filter(pk=first.pk, heartbeat_at__lt=stale).exists()

    wait_for(heartbeat_stale, 30, "the dead worker's heartbeat to go stale")

    again = draft_generate_start(user=alice, encounter_id=encounter.pk)

    assert again.reused and again.job.pk == first.pk
    assert again.job.status == Job.Status.QUEUED and again.job.celery_task_id != dead_message
    # no reaper from here on: the request itself sent the job again
    job = cluster.reap_until_finished(again.job, cluster.start("b"), reap=False)
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    assert DraftRevision.objects.filter(draft__encounter=encounter).count() == 1


def test_a_killed_pool_process_is_replaced_and_later_jobs_run(cluster, alice, encounter):
    """An idle pool process killed while the other one works (the worker then took tasks and never
    ran them with the filesystem broker), then a busy one: every job still runs, once."""
    first, second = committed_chunk(encounter, 1), committed_chunk(encounter, 2)
    cluster.hold()
    worker = cluster.start("pool", concurrency=2)
    running = chunk_transcribe_start(user=alice, chunk_id=first.pk)
    busy = cluster.wait_mark("stt", worker)
    idle = [pid for pid in worker.children() if pid != busy]
    assert len(idle) == 1

    os.kill(idle[0], signal.SIGKILL)
    cluster.release()
    running = cluster.reap_until_finished(running, worker, reap=False)
    ping = cluster.reap_until_finished(job_start(kind="core.ping", owner=alice), worker)
    assert running.status == Job.Status.SUCCEEDED and running.attempts == 1
    assert ping.status == Job.Status.SUCCEEDED

    cluster.hold()
    seen = len(cluster.marks())
    killed = chunk_transcribe_start(user=alice, chunk_id=second.pk)
    os.kill(cluster.wait_mark("stt", worker, after=seen), signal.SIGKILL)  # the busy one this time
    cluster.release()
    killed = cluster.reap_until_finished(killed, worker)
    later = cluster.reap_until_finished(job_start(kind="core.ping", owner=alice), worker)
    assert killed.status == Job.Status.SUCCEEDED and killed.attempts == 2, killed.error
    assert TranscriptSegment.objects.filter(chunk__in=[first, second]).count() == 4
    assert later.status == Job.Status.SUCCEEDED and worker.proc.poll() is None

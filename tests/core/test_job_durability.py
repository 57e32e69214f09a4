"""The Job row is the truth: claims, fences, heartbeats, the reaper and "reuse the active job"
(without worker processes; tests/core/test_job_workers.py kills real ones)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone

from soapify.celery import app
from soapify.core.jobs import RUN_JOB_TASK, job_find_active, job_handler, job_run, job_start, jobs_reap
from soapify.core.models import Job
from tests.conftest import clear_cache

ROOT = Path(__file__).resolve().parents[2]
RUNS: list[str] = []
FAILED_FOR_GOOD: list[tuple[str, str]] = []


@job_handler(
    "test.count", max_attempts=2, on_failure=lambda job, code, msg: FAILED_FOR_GOOD.append((code, msg))
)
def _count(job):
    RUNS.append(str(job.id))
    return {"run": len(RUNS)}


@job_handler("test.superseded")
def _superseded(job):
    # while this attempt runs, the reaper gives it up for dead and queues the job again
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, celery_task_id="the-next-attempt")
    return {"late": True}


@job_handler("test.wait_for_heartbeat")
def _wait_for_heartbeat(job):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        beat = Job.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk)
        if beat > job.heartbeat_at:
            return {"beat": beat.isoformat()}
        time.sleep(0.02)
    return {}


def _queued(alice, kind: str = "test.count", **fields) -> Job:
    """A queued job whose message is (as far as the test knows) in a broker: nothing runs it."""
    return Job.objects.create(kind=kind, owner=alice, celery_task_id="message-1", max_attempts=2, **fields)


def _ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def _fresh():
    RUNS.clear()
    FAILED_FOR_GOOD.clear()


pytestmark = pytest.mark.django_db


def test_a_message_runs_its_job_once_and_a_duplicate_of_it_does_nothing(alice):
    job = _queued(alice)
    assert job_run(str(job.id), task_id="message-1").status == "succeeded"
    assert job_run(str(job.id), task_id="message-1").status == "succeeded"
    job.refresh_from_db()
    assert [str(job.id)] == RUNS and job.attempts == 1 and job.result == {"run": 1}


def test_a_message_that_is_not_the_jobs_current_one_does_nothing(alice):
    job = _queued(alice)
    assert job_run(str(job.id), task_id="an-older-message").status == "queued"
    job.refresh_from_db()
    assert RUNS == [] and job.attempts == 0 and job.status == "queued"


def test_a_message_for_a_running_job_does_nothing(alice):
    job = _queued(alice, status=Job.Status.RUNNING, attempts=1)
    assert job_run(str(job.id), task_id="message-1").status == "running"
    assert RUNS == []


def test_an_attempt_given_up_for_dead_cannot_record_its_result(alice):
    job = Job.objects.create(kind="test.superseded", owner=alice, celery_task_id="m")
    assert job_run(str(job.id), task_id="m").status == "queued"
    job.refresh_from_db()
    assert job.status == "queued" and job.result == {} and job.celery_task_id == "the-next-attempt"


def test_every_retry_is_a_new_message(alice, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the retry is created, not sent (the test never commits)
    from soapify.core.engines import EngineError

    @job_handler("test.busy_once")
    def busy(job):
        raise EngineError("busy", transient=True, code="busy")

    job = Job.objects.create(kind="test.busy_once", owner=alice, celery_task_id="m1", max_attempts=3)
    outcome = job_run(str(job.id), task_id="m1")
    job.refresh_from_db()
    assert outcome.retry_in == 2.0 and job.status == "queued" and job.celery_task_id != "m1"
    assert job.heartbeat_at > timezone.now()  # due after the delay: not stale before it
    assert job_run(str(job.id), task_id="m1").status == "queued"  # the first message, again: nothing


@pytest.mark.django_db(transaction=True)
def test_a_running_job_heartbeats_while_its_handler_works(alice, settings):
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    job = job_start(kind="test.wait_for_heartbeat", owner=alice)  # sent at once: no transaction
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result.get("beat")


def test_the_reaper_queues_again_a_running_job_whose_worker_went_silent(alice, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = _queued(
        alice, status=Job.Status.RUNNING, attempts=1, heartbeat_at=_ago(settings.JOB_STALE_SECONDS + 1)
    )
    assert jobs_reap() == {"requeued": 1}
    job.refresh_from_db()
    assert job.status == "queued" and job.attempts == 1 and job.celery_task_id != "message-1"
    assert job.error["code"] == "worker_lost"
    assert job_run(str(job.id), task_id="message-1").status == "queued"  # the dead attempt's message
    assert job_run(str(job.id), task_id=job.celery_task_id).status == "succeeded"
    job.refresh_from_db()
    assert job.attempts == 2 and [str(job.id)] == RUNS


def test_the_reaper_runs_the_new_attempt_at_once_with_eager_jobs(
    alice, settings, django_capture_on_commit_callbacks
):
    job = _queued(
        alice, status=Job.Status.RUNNING, attempts=1, heartbeat_at=_ago(settings.JOB_STALE_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        jobs_reap()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 2


def test_the_reaper_fails_a_job_whose_worker_died_on_its_last_attempt(alice, settings):
    job = _queued(
        alice, status=Job.Status.RUNNING, attempts=2, heartbeat_at=_ago(settings.JOB_STALE_SECONDS + 1)
    )
    assert jobs_reap() == {"failed": 1}
    job.refresh_from_db()
    assert (
        job.status == "failed"
        and job.error["code"] == "worker_lost"
        and "attempt 2 of 2" in job.error["message"]
    )
    assert [("worker_lost", job.error["message"])] == FAILED_FOR_GOOD and RUNS == []


def test_the_reaper_leaves_jobs_with_a_recent_heartbeat_alone(alice, settings):
    running = _queued(
        alice, status=Job.Status.RUNNING, attempts=1, heartbeat_at=_ago(settings.JOB_STALE_SECONDS / 2)
    )
    queued = _queued(alice, heartbeat_at=_ago(settings.JOB_QUEUED_STALE_SECONDS / 2))
    done = _queued(
        alice, status=Job.Status.SUCCEEDED, heartbeat_at=_ago(10 * settings.JOB_QUEUED_STALE_SECONDS)
    )
    assert jobs_reap() == {}
    for job in (running, queued, done):
        before = job.status
        job.refresh_from_db()
        assert job.status == before and job.celery_task_id == "message-1"


def test_the_reaper_sends_again_a_queued_job_nobody_picked_up_without_counting_an_attempt(alice, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = _queued(alice, heartbeat_at=_ago(settings.JOB_QUEUED_STALE_SECONDS + 1))
    assert jobs_reap() == {"resent": 1}
    job.refresh_from_db()
    # the same message again: whichever copy arrives first runs the job, the other finds it claimed
    assert job.status == "queued" and job.attempts == 0 and job.celery_task_id == "message-1"
    assert job.heartbeat_at > _ago(5)
    assert jobs_reap() == {}  # not again before it is stale again


def test_reusing_the_active_job_hands_back_a_live_one(alice, encounter, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = job_start(kind="test.count", owner=alice, target=encounter)
    assert job_find_active(kind="test.count", target=encounter) == job


def test_reusing_the_active_job_queues_again_a_job_whose_worker_died(alice, encounter, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = job_start(kind="test.count", owner=alice, target=encounter)
    Job.objects.filter(pk=job.pk).update(
        status="running", attempts=1, heartbeat_at=_ago(settings.JOB_STALE_SECONDS + 1)
    )
    found = job_find_active(kind="test.count", target=encounter)
    assert found.pk == job.pk and found.status == "queued" and found.celery_task_id != job.celery_task_id


def test_reusing_the_active_job_never_hands_back_one_that_has_no_attempt_left(alice, encounter, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job = job_start(kind="test.count", owner=alice, target=encounter)
    Job.objects.filter(pk=job.pk).update(
        status="running", attempts=2, heartbeat_at=_ago(settings.JOB_STALE_SECONDS + 1)
    )
    assert job_find_active(kind="test.count", target=encounter) is None
    job.refresh_from_db()
    assert job.status == "failed" and job.error["code"] == "worker_lost"


def test_jobs_are_sent_by_task_name_and_the_job_service_does_not_import_the_tasks():
    tree = ast.parse((ROOT / "soapify/core/jobs.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "soapify.core.tasks" not in imported
    assert RUN_JOB_TASK in app.tasks


def test_beat_runs_the_reaper_every_job_reap_seconds():
    entry = django_settings.CELERY_BEAT_SCHEDULE["jobs-reap"]
    assert entry["task"] == "soapify.core.tasks.reap_jobs" and entry["task"] in app.tasks
    assert entry["schedule"] == django_settings.JOB_REAP_SECONDS


def test_a_stale_threshold_shorter_than_three_heartbeats_is_refused_at_start():
    env = {
        **os.environ,
        "JOB_HEARTBEAT_SECONDS": "10",
        "JOB_STALE_SECONDS": "20",
        "DJANGO_SETTINGS_MODULE": "soapify.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import soapify.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        out.returncode != 0 and "JOB_STALE_SECONDS must be at least 3 x JOB_HEARTBEAT_SECONDS" in out.stderr
    )


def test_the_test_cache_is_the_machines_redis_when_it_answers_and_clearing_it_spares_other_runs():
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("Redis is not reachable on 127.0.0.1:6379: the tests use a local-memory cache")
    assert backend.key_prefix == f"soapify-test-{os.getpid()}"
    client = backend._cache.get_client(write=True)
    other = f"soapify-test-{os.getpid() + 1}-not-ours:1:key"
    client.set(other, b"1", ex=60)
    try:
        backend.set("mine", 1)
        clear_cache()
        assert backend.get("mine") is None and client.get(other) == b"1"
    finally:
        client.delete(other)


def test_heartbeat_threads_end_with_their_job(alice):
    before = {t.name for t in threading.enumerate()}
    job_start(kind="test.count", owner=alice)
    assert not [
        t for t in threading.enumerate() if t.name.startswith("job-heartbeat-") and t.name not in before
    ]

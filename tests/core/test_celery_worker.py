"""A real Celery worker process over the machine's Redis (skipped with a message when unreachable):
jobs sent by task name are run by a worker in another process."""

from __future__ import annotations

import os

import pytest

from soapify.celery import app
from soapify.core.jobs import job_start
from soapify.core.models import Job
from tests.core.workers import (
    redis_broker,
    redis_up,
    start_worker,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_a_job_over_redis(alice, settings, tmp_path):
    if not redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379; the real-worker test needs it")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with redis_broker(app, settings) as (broker, prefix):
        env = worker_env(
            broker=broker,
            JOB_TEST_BROKER_PREFIX=prefix,
        )
        worker = None
        try:
            worker = start_worker(env, tmp_path / "worker.log", name="ping", queues="default")
            job = job_start(kind="core.ping", owner=alice, params={"echo": "over redis"})

            def finished() -> bool:
                job.refresh_from_db()
                return job.is_finished

            wait_for(finished, 120, "the ping job", worker)
            assert job.status == Job.Status.SUCCEEDED and job.attempts == 1, job.error
            assert job.result["echo"] == "over redis" and job.result["worker_pid"] != os.getpid()
        finally:
            if worker is not None:
                worker.kill()

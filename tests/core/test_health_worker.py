"""A real Celery worker process: its heartbeat makes /readyz ready, its JSON log lines of a job carry
the job id, and a worker that shuts down is forgotten at once.

Broker and cache: the machine's Redis, db 6, on a queue of this test's own (other suites use other
dbs); skipped with a message when Redis is not reachable.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.test import Client

from soapify.core import health
from soapify.core.jobs import RUN_JOB_TASK, get_handler
from soapify.core.models import Job

REDIS_DB_URL = "redis://127.0.0.1:6379/6"
ROOT = Path(__file__).resolve().parents[2]


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(
        f"timed out waiting for {what}; worker said:\n{log.read_text(errors='replace')[-3000:]}"
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_readiness_pass_logs_its_job_id_and_is_forgotten_on_shutdown(
    alice, settings, tmp_path
):
    if not redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379; the real-worker test needs it")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_DB_URL}
    }
    settings.READY_WORKER_MAX_AGE = 3
    queue = f"h6-health-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    hostname = f"{queue}@localhost"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": REDIS_DB_URL,
        "REDIS_URL": REDIS_DB_URL,
        "SOAPIFY_DB_NAME": connection.settings_dict["NAME"],
        "SOAPIFY_DATA_DIR": str(settings.DATA_DIR),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_FORMAT": "json",
        "READY_WORKER_MAX_AGE": "3",
    }
    if settings.DATABASE_URL:
        env["DATABASE_URL"] = settings.DATABASE_URL.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    args = [sys.executable, "-m", "celery", "-A", "soapify", "worker", "-Q", queue, "--pool", "solo"]
    args += ["--without-gossip", "--without-mingle", "-n", hostname]
    with log.open("wb") as out:
        worker = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        beats = lambda: cache.get(health.WORKER_HEARTBEAT_KEY) or {}  # noqa: E731
        wait_for(lambda: hostname in beats(), 120, "the worker's heartbeat", log)
        assert beats()[hostname]["queues"] == [queue]
        assert Client().get("/readyz").json()["checks"]["worker"]["status"] == "up"

        job = Job.objects.create(
            kind="core.ping",
            owner=alice,
            params={"echo": "hi"},
            queue=queue,
            max_attempts=get_handler("core.ping").max_attempts,
            celery_task_id=str(uuid.uuid4()),
        )
        eager, current_app.conf.task_always_eager = current_app.conf.task_always_eager, False
        try:
            with current_app.connection_for_write(REDIS_DB_URL) as conn:
                current_app.send_task(
                    RUN_JOB_TASK, args=[str(job.id)], queue=queue, task_id=job.celery_task_id, connection=conn
                )
        finally:
            current_app.conf.task_always_eager = eager

        def succeeded() -> bool:
            job.refresh_from_db()
            return job.status == Job.Status.SUCCEEDED

        wait_for(succeeded, 60, "the job", log)
        lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
        job_lines = [x for x in lines if x.get("job_id") == str(job.id)]
        assert {"task_started", "task_succeeded"} <= {x["event"] for x in job_lines}
        assert all(x["task_id"] == job.celery_task_id for x in job_lines)
    finally:
        worker.terminate()  # warm shutdown: worker_shutdown removes the heartbeat
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    assert hostname not in beats()

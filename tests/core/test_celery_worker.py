"""A real Celery worker process over the machine's Redis (skipped with a message when unreachable)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from soapify.core.models import Job

REDIS = ("127.0.0.1", 6379)


def _use_broker(app, url: str, *, eager: bool) -> None:
    """Point the producer at another broker (drops the cached connection and producer pools)."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu's global producer pools are keyed by connection and would stay closed
    app.conf.broker_url = app.conf.broker_write_url = app.conf.broker_read_url = url
    app.conf.broker_transport_options = {}
    app.conf.task_always_eager = eager


def _redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_job_over_redis(alice, settings):
    if not _redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379; the real-worker test needs it")
    broker = "redis://127.0.0.1:6379/13"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "SOAPIFY_DB_NAME": connection.settings_dict["NAME"],
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SOAPIFY_DATA_DIR": str(settings.DATA_DIR),
    }
    if settings.DATABASE_URL:
        env["DATABASE_URL"] = settings.DATABASE_URL.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "soapify",
            "worker",
            "-Q",
            "default",
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@localhost",
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        from soapify.celery import app
        from soapify.core.jobs import job_start

        settings.CELERY_TASK_ALWAYS_EAGER = False
        _use_broker(app, broker, eager=False)
        job = job_start(kind="core.ping", owner=alice, params={"echo": "over redis"})
        deadline = time.time() + 180
        while time.time() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.2)
        if job.status != Job.Status.SUCCEEDED:
            worker.terminate()
            out = worker.communicate(timeout=10)[0].decode(errors="replace")[-3000:]
            pytest.fail(f"job {job.status} {job.error}; worker said:\n{out}")
        assert job.result["echo"] == "over redis" and job.result["worker_pid"] != os.getpid()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
        from soapify.celery import app

        _use_broker(app, settings.CELERY_BROKER_URL, eager=True)

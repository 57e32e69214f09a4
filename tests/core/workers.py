"""Real Celery worker processes for tests (and bench/jobs_recovery.py): started against the test
database and a broker on the machine's Redis, killed with real signals.

The test process sends jobs to the same broker (``use_broker``); the worker runs with
tests/core/job_worker_settings.py (slow fakes) unless told otherwise.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
#: Redis dbs reserved for these tests' brokers (other dbs belong to other suites on this machine).
BROKER_DBS = (3, 4)


def redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


def broker_url(db: int = BROKER_DBS[0]) -> str:
    return f"redis://{REDIS[0]}:{REDIS[1]}/{db}"


def drop_broker_keys(url: str, prefix: str) -> None:
    """Delete a test run's keys (queues, bindings) from the broker's Redis db."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


def use_broker(app, url: str, *, eager: bool, transport_options: dict | None = None) -> None:
    """Point the producer at another broker (drops the cached connection and producer pools)."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu's global producer pools are keyed by connection and would stay closed
    app.conf.broker_url = app.conf.broker_write_url = app.conf.broker_read_url = url
    app.conf.broker_transport_options = dict(transport_options or {})
    app.conf.task_always_eager = eager


def restore_broker(app, settings) -> None:
    """The settings' broker again, tasks eager (as every other test runs)."""
    use_broker(
        app,
        settings.CELERY_BROKER_URL,
        eager=True,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    )


@contextlib.contextmanager
def redis_broker(app, settings, db: int = BROKER_DBS[1]):
    """The test process sends to the Redis broker ``db`` under a fresh key prefix, as the workers
    it starts must (``JOB_TEST_BROKER_PREFIX``); yields ``(url, prefix)``. Afterwards the run's
    keys are deleted and the settings' broker is back."""
    url = broker_url(db)
    prefix = f"soapify-test-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    use_broker(app, url, eager=False, transport_options={"global_keyprefix": prefix})
    try:
        yield url, prefix
    finally:
        drop_broker_keys(url, prefix)
        restore_broker(app, settings)


class Worker:
    """``celery worker`` in its own process group, output in ``log``."""

    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.proc = proc
        self.log = log

    @property
    def pid(self) -> int:
        return self.proc.pid

    def children(self) -> list[int]:
        """The prefork pool's processes."""
        try:
            return [p.pid for p in psutil.Process(self.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def output(self, tail: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-tail:] if self.log.exists() else ""

    def wait_ready(self, timeout: float = 120.0) -> None:
        wait_for(lambda: "ready." in self.output(100_000), timeout, f"worker {self.pid} ready", self)

    def kill(self) -> None:
        """SIGKILL the worker and every process of its group (its pool), as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def worker_env(*, broker: str, **extra: str) -> dict:
    """The environment of a worker process for this test: the test database, the test's data and
    media folders (the current settings) and ``broker``; ``extra`` added as is."""
    from django.conf import settings
    from django.db import connection

    db_name = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.core.job_worker_settings",
        "PYTHONPATH": str(ROOT),
        "SOAPIFY_DB_NAME": db_name,
        "SOAPIFY_DATA_DIR": str(settings.DATA_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    if settings.DATABASE_URL:
        env["DATABASE_URL"] = settings.DATABASE_URL.rsplit("/", 1)[0] + "/" + db_name
    env.update(extra)
    return env


def start_worker(
    env: dict,
    log: Path,
    *,
    name: str,
    queues: str = "default,stt,nlp,background",
    concurrency: int = 1,
    beat: bool = False,
) -> Worker:
    # the celery script (not ``-m celery``) so that a worker restart re-executes it as `make run` does
    args = [
        sys.executable,
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "soapify",
        "worker",
        *(["-B", "-s", str(log.with_suffix(".beat"))] if beat else []),
        "-Q",
        queues,
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "INFO",
        "-n",
        f"{name}-{os.getpid()}@localhost",
    ]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = Worker(proc, log)
    worker.wait_ready()
    return worker


def wait_for(
    condition: Callable[[], object], timeout: float, what: str, worker: Worker | None = None
) -> object:
    """Poll ``condition`` until it is truthy (returned) or fail with what we waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if worker is not None and worker.proc.poll() is not None:
            raise AssertionError(f"worker {worker.pid} exited while waiting for {what}:\n{worker.output()}")
        if time.monotonic() > deadline:
            log = f"\nworker said:\n{worker.output()}" if worker is not None else ""
            raise AssertionError(f"timed out waiting for {what}{log}")
        time.sleep(0.1)

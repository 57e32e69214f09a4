"""Stopping a real worker the way `make run` is stopped: a TERM to its whole process group (Ctrl-C,
or `kill -TERM -<pgid>`, then the Makefile's trap sends one more), which reaches the pool processes
too. With the filesystem broker (no event loop) pool processes killed by that TERM could leave the
main process waiting for their shared pipe lock forever after "Warm shutdown"; started as the
Makefile starts them (REMAP_SIGTERM=SIGQUIT) they ignore it and the main process stops them.

Real processes (``-m worker``): a Celery worker with the filesystem broker in the test's folder and
the slow fakes of tests/core/job_fakes.py, in a process group of its own (tests/core/workers.py).
"""

from __future__ import annotations

import os
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from soapify.core.jobs import jobs_reap
from soapify.core.models import Job
from soapify.nlp.models import DraftRevision
from soapify.nlp.services import draft_generate_start
from tests.core.job_fakes import marks
from tests.core.workers import ROOT, Worker, restore_broker, start_worker, use_broker, wait_for, worker_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SOFT_SHUTDOWN = 5.0  # seconds a running job gets once its worker is told to stop
STOPPED_WITHIN = 20.0  # an idle worker stops in about 5 s (its last broker poll, its pool's exit)
HEARTBEAT, STALE = 0.5, 2.0  # seconds, in the test process and in the workers
TYPED = "Patient reports a headache for three days. Blood pressure 142/90. Plan: paracetamol 500 mg."


def makefile_worker_env() -> dict[str, str]:
    """The environment `make run` starts its workers in (``CELERY_WORKER := env NAME=value ...``)."""
    found = re.search(r"^CELERY_WORKER := env ((?:\w+=\S+ )+)", (ROOT / "Makefile").read_text(), re.M)
    assert found, "the Makefile starts its workers with CELERY_WORKER := env NAME=value ... celery"
    return dict(pair.split("=", 1) for pair in found.group(1).split())


@dataclass
class Workers:
    env: dict
    folder: Path
    started: list[Worker] = field(default_factory=list)

    def start(self, name: str) -> Worker:
        worker = start_worker(
            self.env, self.folder / f"{name}.log", name=name, queues="default,nlp", concurrency=2
        )
        self.started.append(worker)
        return worker

    def hold(self, on: bool) -> None:
        hold = self.folder / "fake" / "hold"
        if on:
            hold.touch()
        else:
            hold.unlink(missing_ok=True)

    def passed(self, point: str) -> list[tuple[str, int]]:
        return [mark for mark in marks(self.folder / "fake") if mark[0] == point]


@pytest.fixture
def workers(settings, tmp_path, alice):
    """Workers over a filesystem broker of their own, started as `make run` starts them."""
    from soapify.celery import app

    broker = tmp_path / "broker"
    for sub in ("queue", "processed", "control"):
        (broker / sub).mkdir(parents=True)
    (tmp_path / "fake").mkdir()
    options = {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),
        "polling_interval": 0.1,
        "store_processed": False,
    }
    env = worker_env(
        broker="filesystem://",
        JOB_TEST_BROKER_DIR=str(broker),
        JOB_FAKE_DIR=str(tmp_path / "fake"),
        JOB_HEARTBEAT_SECONDS=str(HEARTBEAT),
        JOB_STALE_SECONDS=str(STALE),
        CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT=str(SOFT_SHUTDOWN),
        **makefile_worker_env(),
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOB_HEARTBEAT_SECONDS, settings.JOB_STALE_SECONDS = HEARTBEAT, STALE
    use_broker(app, "filesystem://", eager=False, transport_options=options)
    started = Workers(env=env, folder=tmp_path)
    try:
        yield started
    finally:
        started.hold(False)
        for worker in started.started:
            if group(worker.pid):
                worker.kill()
        restore_broker(app, settings)


def group(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group."""
    alive = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc.pid)
        except (OSError, psutil.Error):
            continue
    return alive


def stop_group(worker: Worker, *, times: int, within: float, gap: float = 0.05) -> float:
    """TERM the worker's whole process group ``times`` times, ``gap`` seconds apart; the seconds
    until none of it is left. It stopped by itself: not re-executed by the pool watchdog, not ended
    by the last-resort deadline (soapify/celery.py)."""
    started = time.monotonic()
    for n in range(times):
        if n:
            time.sleep(gap)
        os.killpg(worker.pid, signal.SIGTERM)
    wait_for(lambda: not group(worker.pid), within, "every process of the worker's group to exit")
    worker.proc.wait(timeout=5)
    said = worker.output(1_000_000)
    assert "restarting the worker" not in said and "still running" not in said, worker.output()
    return time.monotonic() - started


def ignores_term(pid: int) -> bool:
    """Whether the process ignores SIGTERM (Linux: its SigIgn mask)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = int(re.search(r"^SigIgn:\s*([0-9a-f]+)", status, re.M).group(1), 16)
    return bool(mask & (1 << (signal.SIGTERM - 1)))


def test_a_term_to_the_whole_group_stops_an_idle_worker_and_its_pool(workers):
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the pool processes' signal masks from /proc (Linux)")
    worker = workers.start("idle")
    pool = set(worker.children())
    assert len(pool) == 2
    # each pool process ignores TERM once set up (a TERM in its first instants still ends it)
    wait_for(lambda: all(ignores_term(pid) for pid in pool), 30, "the pool processes to ignore TERM", worker)

    os.kill(min(pool), signal.SIGTERM)  # ignored: only its main process stops it
    time.sleep(1.0)
    assert set(worker.children()) == pool and "exited with" not in worker.output(100_000)

    # Ctrl-C or `kill -TERM -<pgid>`, then the Makefile's trap: twice
    took = stop_group(worker, times=2, within=STOPPED_WITHIN)

    assert took < STOPPED_WITHIN
    assert "exited with" not in worker.output(100_000), worker.output()  # no pool process was killed


def test_a_job_that_ends_within_the_soft_shutdown_completes(workers, alice, encounter):
    workers.hold(True)
    worker = workers.start("finishes")
    job = draft_generate_start(user=alice, encounter_id=encounter.pk, transcript=TYPED).job
    wait_for(lambda: workers.passed("draft"), 120, "the draft's slow point", worker)

    os.killpg(worker.pid, signal.SIGTERM)
    time.sleep(1.0)
    workers.hold(False)  # the job ends within the soft shutdown's seconds
    took = stop_group(worker, times=0, within=SOFT_SHUTDOWN + STOPPED_WITHIN)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 1, job.error
    assert DraftRevision.objects.filter(draft__encounter=encounter).count() == 1
    assert took < SOFT_SHUTDOWN + STOPPED_WITHIN


def test_a_job_still_running_after_the_soft_shutdown_is_cancelled_and_run_again(workers, alice, encounter):
    workers.hold(True)
    worker = workers.start("cancelled")
    job = draft_generate_start(user=alice, encounter_id=encounter.pk, transcript=TYPED).job
    wait_for(lambda: workers.passed("draft"), 120, "the draft's slow point", worker)

    # a second TERM during the soft shutdown (a trap's, late) cancels the job at once; its pool
    # process ends while Celery's flags are not set yet: the worker must stop, not restart
    took = stop_group(worker, times=2, gap=1.0, within=SOFT_SHUTDOWN + STOPPED_WITHIN)

    job.refresh_from_db()
    assert took < SOFT_SHUTDOWN + STOPPED_WITHIN
    assert job.status == Job.Status.RUNNING and not workers.passed("draft-done")  # cancelled inside

    workers.hold(False)
    again = workers.start("again")

    def finished() -> bool:
        jobs_reap()  # as beat would: the job's heartbeat stopped with the cancelled attempt
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, 120, "the job to run again", again)
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    assert DraftRevision.objects.filter(draft__encounter=encounter).count() == 1
    assert len(workers.passed("draft-done")) == 1

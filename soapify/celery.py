import faulthandler
import logging
import os
import signal
import sys
import threading
import time

import psutil
from billiard.common import REMAP_SIGTERM, TERM_SIGNAL
from celery import Celery, platforms
from celery.worker import state

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")

app = Celery("soapify")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# --- Logs and health (soapify/core/logs.py, soapify/core/health.py) ---------------------------------
# Workers log through settings.LOGGING (structured, redacted) instead of Celery's own set-up, with the
# task id and, for jobs, the job id on every line; each worker beats a heartbeat read by /readyz.
from celery.signals import (  # noqa: E402
    setup_logging,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)
from django_structlog.celery.signals import bind_extra_task_metadata  # noqa: E402
from django_structlog.celery.steps import DjangoStructLogInitStep  # noqa: E402

from soapify.core import health, logs  # noqa: E402

app.steps["worker"].add(DjangoStructLogInitStep)
setup_logging.connect(logs.configure_logging_from_settings)
bind_extra_task_metadata.connect(logs.bind_job_id)
worker_ready.connect(health.worker_heartbeat_start)
worker_shutdown.connect(health.worker_heartbeat_stop)

# --- A worker whose pool lost a process without its event loop restarts itself --------------------
# Without an event loop (the filesystem broker of `make run`) the prefork pool's processes share one
# task pipe and its lock: a process killed while it waited on the pipe (holding the lock) leaves the
# worker taking tasks that no process will ever read, and unable to shut down warmly. So when a pool
# process dies, the worker lets the jobs still running elsewhere in its pool finish, ends its other
# processes and re-executes itself with a fresh pool (what Celery's SIGHUP restart does). Messages
# it had fetched but not started are lost with that broker; their jobs are still queued and the
# reaper sends them again (core/jobs.py). Brokers with an event loop (Redis, RabbitMQ) give each
# process its own pipes and replace a lost one by themselves.


def _watch_pool(sender, **_kwargs) -> None:
    worker = sender.controller
    pool = getattr(getattr(worker, "pool", None), "_pool", None)
    if worker.use_eventloop or pool is None or not hasattr(pool, "_pool"):
        return
    if app.conf.worker_max_tasks_per_child or app.conf.worker_max_memory_per_child:
        return  # processes are recycled on purpose: a missing one is not a crash

    def restart(lost: list[int]) -> None:
        logging.getLogger("soapify.jobs").error(
            "pool process(es) %s died; restarting the worker once its running jobs finish", lost
        )
        deadline = time.monotonic() + float(app.conf.task_time_limit or 3600)
        while state.active_requests and time.monotonic() < deadline:
            time.sleep(0.5)
        for child in psutil.Process().children(recursive=True):
            child.kill()
        platforms.close_open_fds([sys.__stdin__, sys.__stdout__, sys.__stderr__])
        os.execv(sys.executable, [sys.executable, *sys.argv])  # noqa: S606 - re-executes this worker

    def stopping() -> bool:  # a shutdown asked for (its processes exit: not a crash)
        return _stop_signalled or state.should_stop is not None or state.should_terminate is not None

    def watch() -> None:
        known = {p.pid for p in list(pool._pool)}
        while not stopping():
            time.sleep(0.5)
            current = {p.pid for p in list(pool._pool)}
            if (lost := sorted(known - current)) and not stopping():
                restart(lost)
                return
            known |= current

    threading.Thread(target=watch, name="pool-watchdog", daemon=True).start()


worker_ready.connect(_watch_pool, weak=False)


# --- Stopping: one TERM or Ctrl-C to the whole process group (make run, README) ---------------------
# `make run` stops by signalling its process group, which holds the pool processes too. Without an
# event loop those processes share one task pipe and its lock: the idle one holds the lock while it
# waits on the pipe, the others wait for the lock. A TERM reaching them all at once can hand the lock
# to a waiter in the very instant its own TERM handler raises SystemExit, so it exits holding it
# (py-spy: MainThread in billiard Pool._help_stuff_finish, inqueue._rlock.acquire(), from the exit
# handler), and the main process waits for that lock forever after "Warm shutdown": no later TERM
# or QUIT gets it out. Celery's remedy for a TERM sent to every process is REMAP_SIGTERM=SIGQUIT
# (set by the Makefile; it must be in the environment before Celery starts): pool processes ignore
# TERM (and INT) and the main process alone stops them, through the pipe, or with QUIT. TERM is then
# Celery's cold shutdown with a soft stage: running tasks get CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT
# seconds to finish, then are cancelled (acks_late: their messages go back to the queue; their jobs
# are queued again by the reaper, core/jobs.py); an idle worker stops at once.
#
# A cancelled process (its first QUIT set QUIT back to the default action) reports its exit through
# the result pipe, under that pipe's lock, and its main process answers that report with another
# QUIT at once; billiard blocks it in the exiting thread only, so another thread of the process (a
# job's heartbeat, an engine's thread pool) could take it and end the process holding the lock: the
# main process then waited for it forever (py-spy: Pool._set_result_sentinel, outqueue._wlock). So a
# pool process ignores that signal from the moment it starts exiting (worker_process_shutdown, just
# before the report); it ends by itself a second later (billiard's os._exit).
#
# Last resort: a worker without an event loop still running WORKER_STOP_GRACE_SECONDS after its soft
# shutdown ended (a pool process died holding a pool lock some other way) logs its threads' stacks
# and exits (os._exit; pool processes still there are killed first). Nothing is lost: the jobs of
# the messages it held are sent again by the reaper.

#: a stop signal (TERM, INT, QUIT) has reached this worker; read by the pool watchdog, which must
#: not take a pool process ended by the shutdown (a task cancelled during the soft shutdown, before
#: Celery sets its own flags) for a crash and re-execute the worker
_stop_signalled = False
_deadline_armed = False


def _arm_stop_deadline() -> None:
    """Start the last-resort deadline once (cold shutdown of a worker without an event loop)."""
    global _deadline_armed
    if _deadline_armed:
        return
    _deadline_armed = True
    from django.conf import settings

    seconds = float(app.conf.worker_soft_shutdown_timeout or 0) + float(settings.WORKER_STOP_GRACE_SECONDS)

    def expire() -> None:
        time.sleep(seconds)
        logging.getLogger("soapify.jobs").error(
            "worker still running %.0f s after it was told to stop (a pool process probably ended "
            "holding a pool lock); exiting now, its jobs are sent again by the reaper",
            seconds,
        )
        if sys.__stderr__ is not None:
            faulthandler.dump_traceback(file=sys.__stderr__, all_threads=True)
        for child in psutil.Process().children(recursive=True):
            child.kill()
        os._exit(1)

    threading.Thread(target=expire, name="stop-deadline", daemon=True).start()


def _note_stop_signals(sender, **_kwargs) -> None:
    """``worker_ready`` (main process, main thread, Celery's handlers installed): note a stop signal
    before Celery's handler runs (its cold shutdown sets its flags only after the soft stage), and
    arm the deadline on a cold shutdown (QUIT, or TERM remapped to it) without an event loop."""
    synloop = not sender.controller.use_eventloop
    cold = {signal.SIGQUIT} | ({signal.SIGTERM} if REMAP_SIGTERM == "SIGQUIT" else set())

    def wrap(previous):
        def handler(signum, frame):
            global _stop_signalled
            _stop_signalled = True
            if synloop and signum in cold:
                _arm_stop_deadline()
            if callable(previous):
                previous(signum, frame)

        return handler

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        previous = signal.getsignal(signum)
        if callable(previous):
            signal.signal(signum, wrap(previous))


def _warn_group_signals(sender, **_kwargs) -> None:
    """A worker without an event loop whose pool processes would die from a TERM to the group."""
    if not sender.controller.use_eventloop and REMAP_SIGTERM != "SIGQUIT":
        logging.getLogger("soapify.jobs").warning(
            "this worker has no event loop (broker %s): a TERM to its whole process group can leave it "
            "hung; start it with REMAP_SIGTERM=SIGQUIT in the environment (make run does) or send TERM "
            "to its main process only",
            str(app.conf.broker_url or "").split(":", 1)[0],
        )


def _ignore_terminate_while_exiting(**_kwargs) -> None:
    """``worker_process_shutdown`` (a pool process, its main thread, before it reports its exit)."""
    signal.signal(TERM_SIGNAL, signal.SIG_IGN)


worker_ready.connect(_note_stop_signals, weak=False)
worker_ready.connect(_warn_group_signals, weak=False)
worker_process_shutdown.connect(_ignore_terminate_while_exiting, weak=False)

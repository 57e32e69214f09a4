import logging
import os
import sys
import threading
import time

import psutil
from celery import Celery, platforms
from celery.worker import state

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")

app = Celery("soapify")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# --- Logs and health (soapify/core/logs.py, soapify/core/health.py) ---------------------------------
# Workers log through settings.LOGGING (structured, redacted) instead of Celery's own set-up, with the
# task id and, for jobs, the job id on every line; each worker beats a heartbeat read by /readyz.
from celery.signals import setup_logging, worker_ready, worker_shutdown  # noqa: E402
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
        return state.should_stop is not None or state.should_terminate is not None

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

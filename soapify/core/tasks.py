"""Thin Celery tasks: take ids, call a service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone


@shared_task(bind=True, name="soapify.core.tasks.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(self, job_id: str) -> str:
    from soapify.core.jobs import job_run

    outcome = job_run(job_id)
    if outcome.retry_in is not None:
        from soapify.core.jobs import job_dispatch
        from soapify.core.models import Job

        job = Job.objects.get(pk=job_id)
        job_dispatch(job, countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="soapify.core.tasks.cleanup_expired")
def cleanup_expired() -> int:
    from soapify.core.models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=24)
    ).delete()
    return deleted


def _register_core_handlers() -> None:
    import os

    from soapify.core.jobs import job_handler

    @job_handler("core.ping", queue="default", max_attempts=1)
    def ping(job) -> dict:
        """A no-op job: proves a worker is consuming the queue (used by health checks and tests)."""
        return {"pong": True, "worker_pid": os.getpid(), "echo": job.params.get("echo")}


_register_core_handlers()

"""Thin Celery tasks: take ids, call a service."""

from __future__ import annotations

import os
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from soapify.core.jobs import RUN_JOB_TASK, job_execute, job_handler, jobs_reap
from soapify.core.models import IdempotencyRecord, Job


@shared_task(bind=True, name=RUN_JOB_TASK, acks_late=True, reject_on_worker_lost=True)
def run_job(self, job_id: str) -> str:
    return job_execute(job_id, task_id=self.request.id).status


@shared_task(name="soapify.core.tasks.reap_jobs")
def reap_jobs() -> dict[str, int]:
    return jobs_reap()


@shared_task(name="soapify.core.tasks.cleanup_expired")
def cleanup_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=24)
    ).delete()
    return deleted


@job_handler("core.ping", queue="default", max_attempts=1)
def ping(job: Job) -> dict:
    """A no-op job: proves a worker is consuming the queue (used by health checks and tests)."""
    return {"pong": True, "worker_pid": os.getpid(), "echo": job.params.get("echo")}

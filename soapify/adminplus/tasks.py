"""Thin job handlers and periodic tasks: take ids, call a service."""

from __future__ import annotations

from celery import shared_task

from soapify.adminplus import services
from soapify.core.jobs import job_handler
from soapify.core.models import Job


@job_handler(services.EXPORT_JOB, queue="default", max_attempts=2)
def export(job: Job) -> dict:
    return services.export_build(job)


@shared_task(name="soapify.adminplus.tasks.cleanup_exports")
def cleanup_exports() -> int:
    return services.exports_cleanup()

"""Thin Celery tasks for audio uploads."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from soapify.encounters.uploads.cleanup import uploads_cleanup


@shared_task(name="soapify.encounters.tasks.cleanup_upload_sessions")
def cleanup_upload_sessions() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE "upload-sessions-cleanup"): remove the bytes of expired
    sessions, of presigned chunks never committed, and stale temporary files."""
    return asdict(uploads_cleanup())

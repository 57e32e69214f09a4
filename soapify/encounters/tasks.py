"""Thin Celery tasks for audio uploads."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="soapify.encounters.tasks.cleanup_upload_sessions")
def cleanup_upload_sessions() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE "upload-sessions-cleanup"): expire open upload sessions past
    their time and delete their stored parts."""
    from soapify.encounters.services_uploads import sessions_cleanup

    return sessions_cleanup()

from __future__ import annotations

from celery import shared_task

from .services_sessions import session_windows_expire


@shared_task(name="soapify.integrations.tasks.session_windows_expire")
def session_windows_expire_task() -> int:
    """Revoke the logins of expired session windows (beat: every SESSION_WINDOW_REAP_SECONDS)."""
    return session_windows_expire()

"""Periodic clean-up of upload leftovers (CELERY_BEAT_SCHEDULE "upload-sessions-cleanup").

What a refused upload leaves is removed at once by the request that refused it; this job removes
what nobody comes back for:

* open sessions past ``expires_at`` (``UPLOAD_SESSION_TTL_SECONDS`` after creation, sooner after
  a failed commit: ``UPLOAD_FAILED_COMMIT_TTL_SECONDS``): their parts, a direct upload's object,
  and the part rows; the session is marked expired (later requests: 410);
* presigned chunks uploaded but never committed within ``UPLOAD_SESSION_TTL_SECONDS``: the
  object is deleted and the chunk rejected ("abandoned");
* files older than ``UPLOAD_SESSION_TTL_SECONDS`` in ``FILE_UPLOAD_TEMP_DIR`` (requests whose
  worker was killed before it could remove its temporary file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soapify.encounters.models import AudioChunk, UploadSession
from soapify.encounters.uploads import storage
from soapify.encounters.uploads.sessions import session_discard


@dataclass(frozen=True)
class CleanupResult:
    sessions: int
    chunks: int
    temp_files: int


def _expire_sessions(now: datetime, limit: int) -> int:
    done = 0
    ids = list(
        UploadSession.objects.filter(status=UploadSession.Status.OPEN, expires_at__lte=now).values_list(
            "pk", flat=True
        )[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            session = (
                UploadSession.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=UploadSession.Status.OPEN, expires_at__lte=now)
                .first()
            )
            if session is None:  # committed, or being handled by someone else, meanwhile
                continue
            session_discard(session)
            session.status = UploadSession.Status.EXPIRED
            session.save(update_fields=["status", "updated_at"])
            done += 1
    return done


def _abandon_uploaded_chunks(now: datetime, limit: int) -> int:
    cutoff = now - timedelta(seconds=settings.UPLOAD_SESSION_TTL_SECONDS)
    done = 0
    stale = AudioChunk.objects.filter(status=AudioChunk.Status.UPLOADED, updated_at__lte=cutoff)
    for chunk in stale.only("pk", "storage_key")[:limit]:
        matched = AudioChunk.objects.filter(
            pk=chunk.pk, status=AudioChunk.Status.UPLOADED, storage_key=chunk.storage_key
        ).update(
            status=AudioChunk.Status.REJECTED,
            storage_key="",
            rejection_reason="abandoned: uploaded but not committed in time",
            updated_at=now,
        )
        if matched:
            storage.delete_quietly(chunk.storage_key)
            done += 1
    return done


def uploads_cleanup(*, now: datetime | None = None, limit: int = 500) -> CleanupResult:
    """Remove expired sessions' bytes, abandoned presigned chunks and stale temporary files."""
    now = now or timezone.now()
    return CleanupResult(
        sessions=_expire_sessions(now, limit),
        chunks=_abandon_uploaded_chunks(now, limit),
        temp_files=storage.delete_stale_temp_files(older_than=settings.UPLOAD_SESSION_TTL_SECONDS),
    )

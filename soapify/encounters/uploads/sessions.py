"""Resumable upload sessions (tus-like) of one recording: open one, read where it stands.

* ``session_create`` opens a session (``chunk_size`` = ``UPLOAD_CHUNK_SIZE``, expires after
  ``UPLOAD_SESSION_TTL_SECONDS``); ``chunks.chunk_receive*`` append byte ranges, each stored as its
  own object under the session's ``key_prefix``; ``commit.session_commit`` assembles them into
  the encounter's :class:`AudioChunk`; ``direct`` uploads the whole file in one PUT instead.
* An expired session answers 410 ``upload_session_expired``; one whose bytes were refused at
  commit (not audio, corrupt, a damaged part) 410 ``upload_session_rejected``. ``cleanup``
  (periodic) removes the parts of expired sessions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soapify.core.errors import ApiError, Conflict, NotFound, UnsupportedMedia
from soapify.encounters.models import AudioChunk, UploadSession
from soapify.encounters.uploads import storage
from soapify.encounters.uploads.audio import check_size_limit, encounter_for_upload

_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


def is_expired(session: UploadSession) -> bool:
    return session.status == UploadSession.Status.EXPIRED or (
        session.status == UploadSession.Status.OPEN and session.expires_at <= timezone.now()
    )


def gone_error(session: UploadSession) -> ApiError:
    """410: the session can take nothing more (expired, or its bytes were refused)."""
    if session.status == UploadSession.Status.REJECTED:
        return ApiError(
            f"The upload was refused ({session.last_error}); start a new one.",
            code="upload_session_rejected",
            status_code=410,
            extra={"session_id": str(session.pk)},
        )
    return ApiError(
        "The upload session has expired; start a new one.",
        code="upload_session_expired",
        status_code=410,
        extra={"session_id": str(session.pk), "expired_at": session.expires_at.isoformat()},
    )


def is_gone(session: UploadSession) -> bool:
    return session.status == UploadSession.Status.REJECTED or is_expired(session)


def session_get(*, user, session_id: Any, lock: bool = False, allow_gone: bool = False) -> UploadSession:
    """The caller's session (404 otherwise; 410 once expired or rejected unless ``allow_gone``).
    ``lock`` row-locks it (inside the caller's transaction)."""
    qs = UploadSession.objects.for_user(user).select_related("encounter", "audio_chunk")
    if lock:
        qs = qs.select_for_update(of=("self",))
    session = qs.filter(pk=session_id).first()
    if session is None:
        raise NotFound("Upload session not found.", code="upload_session_not_found")
    if not allow_gone and is_gone(session):
        raise gone_error(session)
    return session


def refuse_committed(session: UploadSession) -> None:
    if session.status == UploadSession.Status.COMMITTED:
        raise Conflict("The upload session is already committed.", code="upload_session_committed")


def content_format(content_type: str) -> str | None:
    """The format a content type names; '' for generic types (the bytes decide); None: unknown."""
    ct = (content_type or "").split(";", 1)[0].strip().lower()
    if ct in _GENERIC_TYPES:
        return ""
    return storage.normalize_format(ct)


def session_create(
    *,
    user,
    encounter_id: int,
    filename: str = "",
    content_type: str = "",
    total_size: int | None = None,
    sha256: str = "",
    chunk_number: int | None = None,
) -> UploadSession:
    if content_format(content_type) is None:
        raise UnsupportedMedia(
            f"{content_type!r} is not an accepted audio type.", code="unsupported_media_type"
        )
    if total_size is not None:
        check_size_limit(total_size)
    encounter = encounter_for_upload(user=user, encounter_id=encounter_id)
    if (
        chunk_number is not None
        and AudioChunk.objects.filter(
            encounter=encounter, chunk_number=chunk_number, status=AudioChunk.Status.COMMITTED
        ).exists()
    ):
        raise Conflict(
            f"Chunk {chunk_number} of this encounter is already committed.", code="chunk_already_committed"
        )
    return UploadSession.objects.create(
        encounter=encounter,
        filename=(filename or "")[:255],
        content_type=(content_type or "")[:100],
        total_size=total_size,
        sha256=sha256 or "",
        chunk_number=chunk_number,
        chunk_size=settings.UPLOAD_CHUNK_SIZE,
        key_prefix=storage.new_session_prefix(),
        expires_at=timezone.now() + timedelta(seconds=settings.UPLOAD_SESSION_TTL_SECONDS),
    )


def session_final(*, user, session_id: Any) -> UploadSession:
    """The committed session; 409 ``not_committed`` (with ``received_bytes``) before commit, 410
    once it is gone."""
    session = session_get(user=user, session_id=session_id, allow_gone=True)
    if session.audio_chunk_id is None:
        if is_gone(session):
            raise gone_error(session)
        raise Conflict(
            "The upload has not been committed yet.",
            code="not_committed",
            extra={"received_bytes": session.received_bytes, "status": session.status},
        )
    return session


def session_discard(session: UploadSession) -> None:
    """Delete the session's stored bytes (parts, a direct upload) and their rows, after the
    caller's transaction commits (or at once outside one)."""
    session.parts.all().delete()
    prefix, direct = session.key_prefix, session.direct_key
    transaction.on_commit(lambda: storage.delete_prefix(prefix))
    if direct:
        transaction.on_commit(lambda: storage.delete_quietly(direct))

"""Direct upload of a session's whole file in one PUT: straight to S3 with a presigned URL, or
to this service's signed URL with local storage; then ``direct_confirm`` HEADs the object,
checks size and sha256, probes it and creates the audio chunk. Refused bytes are deleted at
once (the client asks for a new URL)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from soapify.core.errors import ApiError, Conflict, NotFound
from soapify.encounters.models import UploadSession
from soapify.encounters.signed_urls import UploadGrant
from soapify.encounters.uploads import storage
from soapify.encounters.uploads.audio import (
    UploadTarget,
    encounter_for_upload,
    is_rejection,
    upload_target,
    verify_stored_audio,
)
from soapify.encounters.uploads.commit import check_committed_sha, finish
from soapify.encounters.uploads.sessions import (
    content_format,
    gone_error,
    is_gone,
    refuse_committed,
    session_get,
)


def direct_presign(*, user, session_id: Any) -> tuple[UploadSession, UploadTarget]:
    with transaction.atomic():
        session = session_get(user=user, session_id=session_id, lock=True)
        refuse_committed(session)
        if session.total_size is None:
            raise ApiError(
                "Create the session with total_size to upload it directly.",
                code="validation_error",
                fields={"total_size": ["Required for a direct upload."]},
            )
        if session.received_bytes:
            raise Conflict("The session already holds chunks; commit it instead.", code="session_has_chunks")
        fmt = content_format(session.content_type) or ""
        ext = storage.FORMATS[fmt][1] if fmt else "bin"
        content_type = session.content_type or "application/octet-stream"
        old_key = session.direct_key
        session.direct_key = storage.new_audio_key(ext)
        session.save(update_fields=["direct_key", "updated_at"])
        if old_key:  # a new URL replaces an earlier, unconfirmed upload
            transaction.on_commit(lambda: storage.delete_quietly(old_key))
    target = upload_target(
        target="session",
        target_id=session.pk,
        key=session.direct_key,
        size=session.total_size,
        content_type=content_type,
    )
    return session, target


def direct_put_receive(*, grant: UploadGrant, tmp: Any, size: int, sha256: str) -> dict:
    """The local signed PUT of a direct-upload session (S3 receives it itself)."""
    with transaction.atomic():
        session = UploadSession.objects.select_for_update().filter(pk=grant.target_id).first()
        if session is None:
            raise NotFound("The upload session no longer exists.")
        if is_gone(session):
            raise gone_error(session)
        if session.direct_key != grant.key or session.status != UploadSession.Status.OPEN:
            raise Conflict("A newer upload URL was issued for this session.", code="upload_url_superseded")
        if storage.head(grant.key) is not None:
            raise Conflict("This file has already been uploaded.", code="already_uploaded")
        storage.save_temp_file(grant.key, tmp)
    return {"session_id": str(session.pk), "size": size, "sha256": sha256}


def _refuse_direct(session: UploadSession, exc: ApiError) -> None:
    """Record the reason; refused bytes are deleted and the session needs a new URL."""
    update: dict[str, Any] = {"last_error": f"{exc.code}: {exc.message}"[:500]}
    key = session.direct_key
    if is_rejection(exc) and key:
        update["direct_key"] = ""
    matched = UploadSession.objects.filter(
        pk=session.pk, status=UploadSession.Status.OPEN, direct_key=key
    ).update(**update)
    if matched and "direct_key" in update:
        storage.delete_quietly(key)


def direct_confirm(*, user, session_id: Any, sha256: str = "") -> tuple[UploadSession, bool]:
    """HEAD the directly uploaded object, check size and sha256, probe, create the audio chunk."""
    session = session_get(user=user, session_id=session_id, allow_gone=True)
    if session.status == UploadSession.Status.COMMITTED:
        check_committed_sha(session, sha256)
        return session, False
    try:
        with transaction.atomic():
            session = session_get(user=user, session_id=session_id, lock=True)
            if session.status == UploadSession.Status.COMMITTED:
                check_committed_sha(session, sha256)
                return session, False
            encounter_for_upload(user=user, encounter_id=session.encounter_id)
            if not session.direct_key:
                raise Conflict("No direct upload was started for this session.", code="not_uploaded")
            verified = verify_stored_audio(
                key=session.direct_key, expected_size=session.total_size, sha256=sha256 or session.sha256
            )
            return finish(session, key=session.direct_key, verified=verified), True
    except ApiError as exc:
        if exc.status_code != 410:
            _refuse_direct(session, exc)
        raise

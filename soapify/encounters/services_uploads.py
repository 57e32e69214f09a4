"""Resumable upload sessions (tus-like guarantees) and S3 direct uploads of one recording.

* ``session_create`` opens a session (``chunk_size`` = ``UPLOAD_CHUNK_SIZE``, expires after
  ``UPLOAD_SESSION_TTL_SECONDS``).
* ``chunk_receive`` appends one byte range at ``received_bytes`` (given as ``offset``, or as
  ``index`` = offset / chunk_size). A range already stored with the same bytes is accepted again
  (200, idempotent); any other offset is 409 ``offset_mismatch`` and changes nothing; a sha256
  that does not match is 422 ``checksum_mismatch`` and stores nothing; past the declared
  ``total_size`` or ``AUDIO_MAX_BYTES`` is 413.
* ``session_commit`` assembles the parts in order by streaming them into one temporary file,
  verifies total size and whole-file sha256, probes the audio, stores it under a fresh random key
  and creates the encounter's committed ``AudioChunk``. Committing again returns the same result.
* Expired sessions answer 410 ``upload_session_expired``; ``sessions_cleanup`` (periodic) removes
  their parts and marks them expired.
* ``direct_presign``/``direct_confirm``: one PUT of the whole file straight to S3 (or to this
  service's signed URL with local storage), then HEAD + size + sha256 + probe.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soapify.core.errors import ApiError, Conflict, NotFound, PayloadTooLarge, Unprocessable, UnsupportedMedia
from soapify.core.hashing import sha256_file
from soapify.encounters import storage
from soapify.encounters.audio_probe import AudioRejected, probe_audio
from soapify.encounters.models import AudioChunk, UploadPart, UploadSession
from soapify.encounters.services_audio import (
    UploadTarget,
    VerifiedAudio,
    audio_chunk_create_committed,
    check_size_limit,
    encounter_for_upload,
    reject_from_probe,
    upload_target,
    verify_stored_audio,
)
from soapify.encounters.signed_urls import UploadGrant

logger = logging.getLogger("soapify.uploads")

_COPY_PIECE = 1024 * 1024
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


def _expired_error(session: UploadSession) -> ApiError:
    return ApiError(
        "The upload session has expired; start a new one.",
        code="upload_session_expired",
        status_code=410,
        extra={"session_id": str(session.pk), "expired_at": session.expires_at.isoformat()},
    )


def _is_expired(session: UploadSession) -> bool:
    return session.status == UploadSession.Status.EXPIRED or (
        session.status == UploadSession.Status.OPEN and session.expires_at <= timezone.now()
    )


def session_get(*, user, session_id: Any, lock: bool = False, allow_expired: bool = False) -> UploadSession:
    qs = UploadSession.objects.for_user(user).select_related("encounter", "audio_chunk")
    if lock:
        qs = qs.select_for_update(of=("self",))
    session = qs.filter(pk=session_id).first()
    if session is None:
        raise NotFound("Upload session not found.", code="upload_session_not_found")
    if not allow_expired and _is_expired(session):
        raise _expired_error(session)
    return session


def _content_format(content_type: str) -> str | None:
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
    if _content_format(content_type) is None:
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


def _offset_conflict(session: UploadSession, offset: int) -> Conflict:
    return Conflict(
        f"Expected a chunk at offset {session.received_bytes}, got offset {offset}.",
        code="offset_mismatch",
        extra={"received_bytes": session.received_bytes},
    )


def chunk_receive(
    *,
    user,
    session_id: Any,
    file: Any,
    index: int | None = None,
    offset: int | None = None,
    sha256: str = "",
) -> tuple[UploadSession, UploadPart, bool]:
    """Store one byte range. Returns ``(session, part, created)``; ``created`` is False for an
    idempotent re-send of a range already stored with the same bytes."""
    session = session_get(user=user, session_id=session_id)
    if session.status == UploadSession.Status.COMMITTED:
        raise Conflict("The upload session is already committed.", code="upload_session_committed")
    if index is not None:
        by_index = index * session.chunk_size
        if offset is not None and offset != by_index:
            raise ApiError(
                "index and offset disagree.",
                code="validation_error",
                fields={"offset": ["Does not match index."]},
            )
        offset = by_index
    if offset is None:
        raise ApiError(
            "Give the chunk's index or offset.",
            code="validation_error",
            fields={"index": ["This field is required."]},
        )
    size = int(file.size or 0)
    if size <= 0:
        raise ApiError("The chunk is empty.", code="empty_chunk", fields={"file": ["The chunk is empty."]})
    if size > session.chunk_size:
        raise PayloadTooLarge(f"A chunk may be at most {session.chunk_size} bytes.", code="chunk_too_large")
    digest = getattr(file, "sha256", None)  # hashed while it was received (HashingUploadHandler)
    if digest is None:
        file.seek(0)
        digest = sha256_file(file)
    if sha256 and digest != sha256:
        raise Unprocessable("The chunk's sha256 does not match the bytes received.", code="checksum_mismatch")
    end = offset + size
    with transaction.atomic():
        session = session_get(user=user, session_id=session_id, lock=True)
        if session.status == UploadSession.Status.COMMITTED:
            raise Conflict("The upload session is already committed.", code="upload_session_committed")
        if offset < session.received_bytes:
            part = session.parts.filter(offset=offset).first()
            if part is not None and part.size == size and part.sha256 == digest:
                return session, part, False
            raise _offset_conflict(session, offset)
        if offset > session.received_bytes:
            raise _offset_conflict(session, offset)
        if session.total_size is not None and end > session.total_size:
            raise PayloadTooLarge(
                f"The upload would exceed its declared total_size of {session.total_size} bytes.",
                code="exceeds_declared_size",
            )
        check_size_limit(end)
        ordinal = session.parts.count()
        name = storage.save_uploaded(f"{session.key_prefix}part-{ordinal:06d}-{offset}", file)
        try:
            part = UploadPart.objects.create(
                session=session, index=ordinal, offset=offset, size=size, sha256=digest, storage_key=name
            )
            session.received_bytes = end
            session.save(update_fields=["received_bytes", "updated_at"])
        except Exception:
            storage.delete_quietly(name)
            raise
    return session, part, True


class _HashingWriter:
    def __init__(self, dst: Any) -> None:
        self.dst = dst
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.dst.write(data)


def _finish(session: UploadSession, *, key: str, verified: VerifiedAudio, content_type: str) -> UploadSession:
    chunk = audio_chunk_create_committed(
        encounter=session.encounter,
        chunk_number=session.chunk_number,
        key=key,
        filename=session.filename,
        content_type=content_type,
        verified=verified,
    )
    session.status = UploadSession.Status.COMMITTED
    session.audio_chunk = chunk
    session.committed_at = timezone.now()
    session.received_bytes = verified.size
    session.last_error = ""
    session.save(
        update_fields=["status", "audio_chunk", "committed_at", "received_bytes", "last_error", "updated_at"]
    )
    return session


def _remember_error(session: UploadSession, exc: ApiError) -> None:
    UploadSession.objects.filter(pk=session.pk).update(last_error=f"{exc.code}: {exc.message}"[:500])


def _check_committed_sha(session: UploadSession, sha256: str) -> None:
    chunk = session.audio_chunk
    if sha256 and chunk is not None and chunk.sha256 != sha256:
        raise Conflict("The upload was committed with a different sha256.", code="checksum_mismatch")


def session_commit(*, user, session_id: Any, sha256: str = "") -> tuple[UploadSession, bool]:
    """Assemble, verify and commit. Returns ``(session, newly_committed)``."""
    session = session_get(user=user, session_id=session_id, allow_expired=True)
    if session.status == UploadSession.Status.COMMITTED:
        _check_committed_sha(session, sha256)
        return session, False
    try:
        with transaction.atomic():
            session = session_get(user=user, session_id=session_id, lock=True, allow_expired=True)
            if session.status == UploadSession.Status.COMMITTED:
                _check_committed_sha(session, sha256)
                return session, False
            if _is_expired(session):
                raise _expired_error(session)
            encounter_for_upload(user=user, encounter_id=session.encounter_id)
            return _assemble_and_commit(session, sha256 or session.sha256), True
    except ApiError as exc:
        if exc.status_code != 410:
            _remember_error(session, exc)
        raise


def _assemble_and_commit(session: UploadSession, expected_sha: str) -> UploadSession:
    parts = list(session.parts.order_by("offset"))
    if not parts or (session.total_size is not None and session.received_bytes != session.total_size):
        raise Conflict(
            "The upload is incomplete.",
            code="incomplete_upload",
            extra={"received_bytes": session.received_bytes, "total_size": session.total_size},
        )
    with storage.temp_file() as tmp:
        writer = _HashingWriter(tmp)
        position = 0
        for part in parts:
            if part.offset != position:  # pragma: no cover - guaranteed by chunk_receive
                raise Conflict("The stored parts are not contiguous.", code="incomplete_upload")
            # with a whole-file sha256 to compare, that one hash covers every part; without
            # one, each part is re-checked against the sha256 taken when it was received
            part_digest = None if expected_sha else hashlib.sha256()
            size = 0
            with storage.open_stream(part.storage_key) as src:
                while piece := src.read(_COPY_PIECE):
                    size += len(piece)
                    if size > part.size:
                        break
                    writer.write(piece)
                    if part_digest is not None:
                        part_digest.update(piece)
            digest = part.sha256 if part_digest is None else part_digest.hexdigest()
            if size != part.size or digest != part.sha256:
                raise Unprocessable(
                    f"Stored part {part.index} no longer matches what was received; re-upload it.",
                    code="part_corrupted",
                )
            position += size
        total_sha = writer.digest.hexdigest()
        if expected_sha and total_sha != expected_sha:
            raise Unprocessable("The assembled file's sha256 does not match.", code="checksum_mismatch")
        tmp.flush()
        try:
            info = probe_audio(tmp.name, max_duration=settings.AUDIO_MAX_DURATION_SECONDS)
        except AudioRejected as exc:
            raise reject_from_probe(exc) from None
        verified = VerifiedAudio(size=position, sha256=total_sha, info=info)
        ext = storage.CONTAINER_EXT.get(info.container, info.container)
        key = storage.save_temp_file(storage.new_audio_key(ext), tmp)
    try:
        session = _finish(session, key=key, verified=verified, content_type=session.content_type)
        session.parts.all().delete()
    except BaseException:
        storage.delete_quietly(key)
        raise
    prefix = session.key_prefix
    transaction.on_commit(lambda: storage.delete_prefix(prefix))
    return session


# --- direct (S3) upload of a whole file ----------------------------------------------------------


def direct_presign(*, user, session_id: Any) -> tuple[UploadSession, UploadTarget]:
    with transaction.atomic():
        session = session_get(user=user, session_id=session_id, lock=True)
        if session.status == UploadSession.Status.COMMITTED:
            raise Conflict("The upload session is already committed.", code="upload_session_committed")
        if session.total_size is None:
            raise ApiError(
                "Create the session with total_size to upload it directly.",
                code="validation_error",
                fields={"total_size": ["Required for a direct upload."]},
            )
        if session.received_bytes:
            raise Conflict("The session already holds chunks; commit it instead.", code="session_has_chunks")
        fmt = _content_format(session.content_type) or ""
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
        if _is_expired(session):
            raise _expired_error(session)
        if session.direct_key != grant.key or session.status != UploadSession.Status.OPEN:
            raise Conflict("A newer upload URL was issued for this session.", code="upload_url_superseded")
        if storage.head(grant.key) is not None:
            raise Conflict("This file has already been uploaded.", code="already_uploaded")
        storage.save_temp_file(grant.key, tmp)
    return {"session_id": str(session.pk), "size": size, "sha256": sha256}


def direct_confirm(*, user, session_id: Any, sha256: str = "") -> tuple[UploadSession, bool]:
    """HEAD the directly uploaded object, check size and sha256, probe, create the audio chunk."""
    session = session_get(user=user, session_id=session_id, allow_expired=True)
    if session.status == UploadSession.Status.COMMITTED:
        _check_committed_sha(session, sha256)
        return session, False
    try:
        with transaction.atomic():
            session = session_get(user=user, session_id=session_id, lock=True)
            if session.status == UploadSession.Status.COMMITTED:
                _check_committed_sha(session, sha256)
                return session, False
            encounter_for_upload(user=user, encounter_id=session.encounter_id)
            if not session.direct_key:
                raise Conflict("No direct upload was started for this session.", code="not_uploaded")
            verified = verify_stored_audio(
                key=session.direct_key, expected_size=session.total_size, sha256=sha256 or session.sha256
            )
            return _finish(
                session, key=session.direct_key, verified=verified, content_type=session.content_type
            ), True
    except ApiError as exc:
        if exc.status_code != 410:
            _remember_error(session, exc)
        raise


# --- cleanup -------------------------------------------------------------------------------------


def sessions_cleanup(*, now=None, limit: int = 500) -> int:
    """Expire open sessions past their time and delete their parts (objects and rows)."""
    now = now or timezone.now()
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
            if session is None:
                continue
            session.parts.all().delete()
            session.status = UploadSession.Status.EXPIRED
            session.save(update_fields=["status", "updated_at"])
            prefix, direct = session.key_prefix, session.direct_key
            transaction.on_commit(lambda prefix=prefix: storage.delete_prefix(prefix))
            if direct:
                transaction.on_commit(lambda direct=direct: storage.delete_quietly(direct))
            done += 1
    return done

"""Commit a resumable session: assemble its parts in order into one file, verify it, store it
and create the encounter's :class:`AudioChunk`.

The parts are streamed into a temporary file while the whole file's sha256 is computed; it
must match the sha256 given at create or commit (422 ``checksum_mismatch``). Without one, each
part is also checked against the sha256 taken when it was received (a part damaged or lost
since, e.g. by a machine crash before it reached the disk, is 422 ``part_corrupted``); with one,
the whole file's match already proves every part intact. The file is then
probed as audio, stored under a fresh random key (fsynced on local storage before the row that
points at it is committed) and the session's parts are removed once the commit is durable.
Committing again returns the same result.

After a failed commit: bytes that can never make a recording (not audio, corrupt, too long, a
damaged part) are removed at once and the session is ``rejected``; after a whole-file checksum
mismatch the parts stay for ``UPLOAD_FAILED_COMMIT_TTL_SECONDS`` (a commit with the right
sha256 may still follow), then the periodic clean-up removes them.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soapify.core.errors import ApiError, Conflict, Unprocessable
from soapify.encounters.models import UploadPart, UploadSession
from soapify.encounters.uploads import storage
from soapify.encounters.uploads.audio import (
    VerifiedAudio,
    audio_chunk_create_committed,
    encounter_for_upload,
    is_rejection,
    probe_file,
)
from soapify.encounters.uploads.sessions import gone_error, is_gone, session_discard, session_get


def check_committed_sha(session: UploadSession, sha256: str) -> None:
    chunk = session.audio_chunk
    if sha256 and chunk is not None and chunk.sha256 != sha256:
        raise Conflict("The upload was committed with a different sha256.", code="checksum_mismatch")


def finish(session: UploadSession, *, key: str, verified: VerifiedAudio) -> UploadSession:
    """Create the committed audio chunk for ``key`` and mark the session committed."""
    chunk = audio_chunk_create_committed(
        encounter=session.encounter,
        chunk_number=session.chunk_number,
        key=key,
        filename=session.filename,
        content_type=session.content_type,
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


def remember_failure(session: UploadSession, exc: ApiError) -> None:
    """Record why a commit failed; refused bytes are discarded at once, the parts of a checksum
    mismatch kept only for ``UPLOAD_FAILED_COMMIT_TTL_SECONDS``."""
    reason = f"{exc.code}: {exc.message}"[:500]
    with transaction.atomic():
        locked = UploadSession.objects.select_for_update().filter(pk=session.pk).first()
        if locked is None or locked.status != UploadSession.Status.OPEN:
            return
        locked.last_error = reason
        if is_rejection(exc) and exc.code not in ("checksum_mismatch", "file_too_large"):
            locked.status = UploadSession.Status.REJECTED
            session_discard(locked)
        elif exc.code == "checksum_mismatch":
            soon = timezone.now() + timedelta(seconds=settings.UPLOAD_FAILED_COMMIT_TTL_SECONDS)
            locked.expires_at = min(locked.expires_at, soon)
        locked.save(update_fields=["last_error", "status", "expires_at", "updated_at"])


def session_commit(*, user, session_id: Any, sha256: str = "") -> tuple[UploadSession, bool]:
    """Assemble, verify and commit. Returns ``(session, newly_committed)``."""
    session = session_get(user=user, session_id=session_id, allow_gone=True)
    if session.status == UploadSession.Status.COMMITTED:
        check_committed_sha(session, sha256)
        return session, False
    try:
        with transaction.atomic():
            session = session_get(user=user, session_id=session_id, lock=True, allow_gone=True)
            if session.status == UploadSession.Status.COMMITTED:
                check_committed_sha(session, sha256)
                return session, False
            if is_gone(session):
                raise gone_error(session)
            encounter_for_upload(user=user, encounter_id=session.encounter_id)
            return _assemble_and_commit(session, sha256 or session.sha256), True
    except ApiError as exc:
        if exc.status_code != 410:
            remember_failure(session, exc)
        raise


def _part_corrupted(part: UploadPart) -> Unprocessable:
    return Unprocessable(
        f"Stored part {part.index} no longer matches what was received; start a new upload.",
        code="part_corrupted",
    )


def _assemble(parts: list[UploadPart], tmp: Any, *, check_parts: bool) -> tuple[int, str]:
    """Stream the parts in order into ``tmp``; returns (size, whole-file sha256). A part of the
    wrong size (or, with ``check_parts``, the wrong sha256) is 422 ``part_corrupted``."""
    whole = hashlib.sha256()
    position = 0
    for part in parts:
        if part.offset != position:  # pragma: no cover - guaranteed by chunk_receive
            raise Conflict("The stored parts are not contiguous.", code="incomplete_upload")
        own = hashlib.sha256() if check_parts else None
        size = 0
        try:
            with storage.open_stream(part.storage_key) as src:
                while size <= part.size and (piece := src.read(min(storage.PIECE, part.size + 1 - size))):
                    size += len(piece)
                    whole.update(piece)
                    if own is not None:
                        own.update(piece)
                    tmp.write(piece)
        except storage.ObjectMissing:
            raise _part_corrupted(part) from None
        if size != part.size or (own is not None and own.hexdigest() != part.sha256):
            raise _part_corrupted(part)
        position += size
    tmp.flush()
    return position, whole.hexdigest()


def _assemble_and_commit(session: UploadSession, expected_sha: str) -> UploadSession:
    parts = list(session.parts.order_by("offset"))
    if not parts or (session.total_size is not None and session.received_bytes != session.total_size):
        raise Conflict(
            "The upload is incomplete.",
            code="incomplete_upload",
            extra={"received_bytes": session.received_bytes, "total_size": session.total_size},
        )
    with storage.temp_file() as tmp:
        size, total_sha = _assemble(parts, tmp, check_parts=not expected_sha)
        if expected_sha and total_sha != expected_sha:
            raise Unprocessable("The assembled file's sha256 does not match.", code="checksum_mismatch")
        info = probe_file(tmp.name)
        ext = storage.CONTAINER_EXT.get(info.container, info.container)
        key = storage.save_temp_file(storage.new_audio_key(ext), tmp, durable=True)
    try:
        session = finish(session, key=key, verified=VerifiedAudio(size=size, sha256=total_sha, info=info))
        session_discard(session)
    except BaseException:
        storage.delete_quietly(key)
        raise
    return session

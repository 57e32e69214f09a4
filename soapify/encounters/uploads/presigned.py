"""One chunk in one PUT: ``chunk_presign`` reserves the chunk number and hands out an upload URL
(an S3 presigned PUT, or a signed URL on this service), ``chunk_put_receive`` takes the local
signed PUT, ``chunk_commit`` verifies the stored object and commits the chunk.

A commit that refuses the bytes (size, checksum, not audio, corrupt, too long) marks the chunk
rejected with the reason and deletes its object at once; the client asks for a new URL.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from soapify.core.errors import ApiError, Conflict, NotFound
from soapify.encounters.models import AudioChunk
from soapify.encounters.selectors import refuse_finalized
from soapify.encounters.signed_urls import UploadGrant
from soapify.encounters.uploads import storage
from soapify.encounters.uploads.audio import (
    NO_MORE_AUDIO,
    UploadTarget,
    after_commit,
    apply_audio,
    check_size_limit,
    encounter_for_upload,
    is_rejection,
    lock_encounter_for_audio,
    upload_target,
    verify_stored_audio,
)


def chunk_presign(
    *,
    user,
    encounter_id: int,
    chunk_number: int,
    format: str,  # noqa: A002 - the API's field name
    file_size: int,
    filename: str = "",
    content_type: str = "",
) -> tuple[AudioChunk, UploadTarget]:
    """Reserve chunk ``chunk_number`` of the encounter and hand out a URL for one PUT of it."""
    check_size_limit(file_size)
    fmt_ct, ext, _ = storage.FORMATS[format]
    if not content_type or storage.normalize_format(content_type) != format:
        content_type = fmt_ct
    key = storage.new_audio_key(ext)
    old_key = ""
    try:
        with transaction.atomic():
            encounter = encounter_for_upload(user=user, encounter_id=encounter_id, lock=True)
            chunk = (
                AudioChunk.objects.select_for_update()
                .filter(encounter=encounter, chunk_number=chunk_number)
                .first()
            )
            if chunk is not None and chunk.status == AudioChunk.Status.COMMITTED:
                raise Conflict(
                    f"Chunk {chunk_number} of this encounter is already committed.",
                    code="chunk_already_committed",
                )
            if chunk is None:
                chunk = AudioChunk(encounter=encounter, chunk_number=chunk_number)
            else:
                old_key = chunk.storage_key
            for name in ("size", "duration", "sample_rate", "channels", "committed_at"):
                setattr(chunk, name, None)
            chunk.sha256 = chunk.container = chunk.codec = chunk.rejection_reason = ""
            chunk.storage_key = key
            chunk.original_filename = (filename or "")[:255]
            chunk.content_type = content_type
            chunk.format = format
            chunk.expected_size = file_size
            chunk.status = AudioChunk.Status.PENDING
            chunk.save()
            if old_key and old_key != key:
                transaction.on_commit(lambda: storage.delete_quietly(old_key))
    except IntegrityError:
        raise Conflict(
            "Another request reserved this chunk number at the same time.", code="conflict"
        ) from None
    target = upload_target(
        target="chunk", target_id=chunk.pk, key=key, size=file_size, content_type=content_type
    )
    return chunk, target


def chunk_put_receive(*, grant: UploadGrant, tmp: Any, size: int, sha256: str) -> dict:
    """The local signed PUT of a chunk: ``tmp`` holds exactly the bytes the URL was signed for."""
    with transaction.atomic():
        chunk = AudioChunk.objects.select_for_update().filter(pk=int(grant.target_id)).first()
        if chunk is None:
            raise NotFound("The chunk no longer exists.")
        if chunk.storage_key != grant.key:
            raise Conflict("A newer upload URL was issued for this chunk.", code="upload_url_superseded")
        if chunk.status != AudioChunk.Status.PENDING:
            raise Conflict("This chunk has already been uploaded.", code="already_uploaded")
        # a pending chunk whose object exists: the leftover of an attempt whose transaction
        # rolled back after storing it; replaced
        storage.delete_quietly(grant.key)
        name = storage.save_temp_file(grant.key, tmp)
        try:
            if name != grant.key:  # pragma: no cover - keys are random; never expected
                raise Conflict("The storage key is taken.", code="already_uploaded")
            chunk.status = AudioChunk.Status.UPLOADED
            chunk.size = size
            chunk.sha256 = sha256
            chunk.save(update_fields=["status", "size", "sha256", "updated_at"])
        except BaseException:
            storage.delete_quietly(name)
            raise
    return {"chunk_id": chunk.pk, "size": size, "sha256": sha256, "status": chunk.status}


def _reject(chunk: AudioChunk, key: str, exc: ApiError) -> None:
    """Mark the chunk rejected with the reason and delete the refused object (unless a newer URL
    or another commit took the chunk meanwhile)."""
    rejected = (
        AudioChunk.objects.filter(pk=chunk.pk, storage_key=key)
        .exclude(status=AudioChunk.Status.COMMITTED)
        .update(
            status=AudioChunk.Status.REJECTED,
            rejection_reason=f"{exc.code}: {exc.message}"[:500],
            storage_key="",
            updated_at=timezone.now(),
        )
    )
    if rejected:
        storage.delete_quietly(key)


def chunk_commit(*, user, chunk_id: int, sha256: str = "") -> tuple[AudioChunk, bool]:
    """Verify the uploaded object (exists, size, sha256, decodable audio of the declared format)
    and commit the chunk. Returns ``(chunk, newly_committed)``; a committed chunk is returned as
    is. Refused bytes: the chunk is rejected (with the reason), its object deleted, and the
    error raised."""
    chunk = AudioChunk.objects.for_user(user).select_related("encounter").filter(pk=chunk_id).first()
    if chunk is None:
        raise NotFound("Audio chunk not found.", code="chunk_not_found")
    if chunk.status == AudioChunk.Status.COMMITTED:
        if sha256 and sha256 != chunk.sha256:
            raise Conflict("The chunk is committed with a different sha256.", code="checksum_mismatch")
        return chunk, False
    refuse_finalized(chunk.encounter, NO_MORE_AUDIO)
    key = chunk.storage_key
    try:
        verified = verify_stored_audio(
            key=key, expected_size=chunk.expected_size, sha256=sha256, declared_format=chunk.format
        )
    except ApiError as exc:
        if is_rejection(exc):
            _reject(chunk, key, exc)
        raise
    with transaction.atomic():
        encounter = lock_encounter_for_audio(chunk.encounter_id, refuse=False)
        locked = AudioChunk.objects.select_for_update(of=("self",)).get(pk=chunk.pk)
        locked.encounter = encounter
        if locked.status == AudioChunk.Status.COMMITTED:
            return locked, False
        # Finalized between the check above and this lock: nothing is committed, nothing queued.
        refuse_finalized(encounter, NO_MORE_AUDIO)
        if locked.storage_key != key:
            raise Conflict(
                "A newer upload URL was issued for this chunk meanwhile.", code="upload_url_superseded"
            )
        apply_audio(locked, verified)
        locked.save()
        after_commit(locked)
    return locked, True

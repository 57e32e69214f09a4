"""What both upload paths (presigned chunks and resumable sessions) share: the encounter check,
size limit, upload URLs, verifying a stored object as audio, and recording a committed
:class:`AudioChunk` on the encounter's timeline.

Error codes (HTTP status): encounter_finalized 409, chunk_already_committed 409, file_too_large
413, not_uploaded 409, size_mismatch 422, checksum_mismatch 422, format_mismatch 415, and
probe_audio's unsupported_media 415 / empty_audio, corrupt_audio, too_long 422.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from soapify.core.errors import ApiError, Conflict, PayloadTooLarge, Unprocessable, UnsupportedMedia
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.selectors import encounter_get_own, encounter_locked, refuse_finalized
from soapify.encounters.services import encounter_set_status
from soapify.encounters.signals import audio_chunk_committed
from soapify.encounters.signed_urls import UploadGrant, upload_url
from soapify.encounters.uploads import storage
from soapify.encounters.uploads.audio_probe import AudioInfo, AudioRejected, probe_audio

NO_MORE_AUDIO = "The encounter is finalized; it takes no more audio."


@dataclass(frozen=True)
class UploadTarget:
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class VerifiedAudio:
    size: int
    sha256: str
    info: AudioInfo


def encounter_for_upload(*, user, encounter_id: int, lock: bool = False) -> Encounter:
    """The caller's encounter (others': 404) that may still receive audio (finalized: 409)."""
    encounter = encounter_get_own(user=user, encounter_id=encounter_id, lock=lock)
    refuse_finalized(encounter, NO_MORE_AUDIO)
    return encounter


def check_size_limit(size: int) -> None:
    if size > settings.AUDIO_MAX_BYTES:
        raise PayloadTooLarge(
            f"The file is larger than the limit of {settings.AUDIO_MAX_BYTES} bytes.", code="file_too_large"
        )


def is_rejection(exc: ApiError) -> bool:
    """The bytes themselves were refused (too large, not audio, corrupt, wrong size or checksum):
    they can never be committed, so they are deleted at once."""
    return exc.status_code in (413, 415, 422)


def upload_target(*, target: str, target_id: Any, key: str, size: int, content_type: str) -> UploadTarget:
    """S3: a presigned PUT. Local storage: a signed, expiring URL on this service."""
    ttl = settings.SIGNED_URL_TTL_SECONDS
    expires = int(time.time()) + ttl
    url = storage.presign_put(key, content_type=content_type, size=size, expires_in=ttl)
    if url is None:
        grant = UploadGrant(
            target=target,
            target_id=str(target_id),
            key=key,
            size=size,
            content_type=content_type,
            expires=expires,
        )
        url = upload_url(grant)
    return UploadTarget(
        url=url,
        method="PUT",
        headers={"Content-Type": content_type},
        expires_at=datetime.fromtimestamp(expires, tz=UTC),
    )


def probe_file(path: str) -> AudioInfo:
    """Probe a local file as audio; refusals become API errors (415/422)."""
    try:
        return probe_audio(path, max_duration=settings.AUDIO_MAX_DURATION_SECONDS)
    except AudioRejected as exc:
        raise ApiError(exc.message, code=exc.code, status_code=exc.status) from None


def verify_stored_audio(
    *, key: str, expected_size: int | None, sha256: str, declared_format: str = ""
) -> VerifiedAudio:
    """HEAD the object, check its size, stream it once for its sha256, probe it. Raises ApiError."""
    meta = storage.head(key)
    if meta is None:
        raise Conflict("Nothing has been uploaded for this chunk yet.", code="not_uploaded")
    if expected_size is not None and meta.size != expected_size:
        raise Unprocessable(
            f"The uploaded object has {meta.size} bytes; {expected_size} were declared.",
            code="size_mismatch",
        )
    check_size_limit(meta.size)
    try:
        with storage.local_path(key, limit=settings.AUDIO_MAX_BYTES) as (path, size, digest):
            if sha256 and digest != sha256:
                raise Unprocessable(
                    "The sha256 of the uploaded bytes does not match the one given.",
                    code="checksum_mismatch",
                )
            info = probe_file(path)
    except storage.TooLarge:
        raise PayloadTooLarge("The uploaded object is over the size limit.", code="file_too_large") from None
    if declared_format and info.container not in storage.FORMATS[declared_format][2]:
        raise UnsupportedMedia(
            f"The file is {info.container.upper()} audio but was declared as {declared_format}.",
            code="format_mismatch",
        )
    return VerifiedAudio(size=size, sha256=digest, info=info)


def recompute_offsets(encounter_id: int) -> None:
    """start_offset of each committed chunk = sum of the durations of earlier committed chunks."""
    offset = 0.0
    changed = []
    for chunk in AudioChunk.objects.filter(
        encounter_id=encounter_id, status=AudioChunk.Status.COMMITTED
    ).order_by("chunk_number"):
        if abs(chunk.start_offset - offset) > 1e-9:
            chunk.start_offset = round(offset, 3)
            changed.append(chunk)
        offset += chunk.duration or 0.0
    if changed:
        AudioChunk.objects.bulk_update(changed, ["start_offset"])


def apply_audio(chunk: AudioChunk, verified: VerifiedAudio) -> None:
    """Mark ``chunk`` committed with what the verification found (the caller saves it)."""
    info = verified.info
    chunk.size = verified.size
    chunk.sha256 = verified.sha256
    chunk.container = info.container
    chunk.codec = info.codec
    chunk.duration = info.duration
    chunk.sample_rate = info.sample_rate
    chunk.channels = info.channels
    chunk.status = AudioChunk.Status.COMMITTED
    chunk.rejection_reason = ""
    chunk.committed_at = timezone.now()


def after_commit(chunk: AudioChunk) -> None:
    """Place a newly committed chunk on the timeline and announce it once the transaction commits."""
    recompute_offsets(chunk.encounter_id)
    chunk.refresh_from_db(fields=["start_offset"])
    encounter_set_status(encounter=chunk.encounter, status=Encounter.Status.RECORDING)
    transaction.on_commit(lambda: audio_chunk_committed.send(sender=AudioChunk, chunk=chunk))


def lock_encounter_for_audio(encounter_id: int, *, refuse: bool = True) -> Encounter:
    """Take the encounter's row lock (inside the caller's transaction) and re-read the row under
    it: finalization takes the same lock, so the status read here cannot change before the
    caller's transaction ends. Finalized: 409 ``encounter_finalized`` (unless told not to)."""
    locked = encounter_locked(encounter_id)
    if refuse:
        refuse_finalized(locked, NO_MORE_AUDIO)
    return locked


def audio_chunk_create_committed(
    *,
    encounter: Encounter,
    chunk_number: int | None,
    key: str,
    filename: str,
    content_type: str,
    verified: VerifiedAudio,
) -> AudioChunk:
    """Record an already stored, verified object as a committed chunk (resumable sessions, direct
    uploads). Must run inside a transaction; takes the encounter's row lock. A pending or
    rejected chunk with the same number is replaced (its old object deleted after commit). An
    encounter finalized meanwhile (re-read under the lock): 409 ``encounter_finalized``."""
    lock_encounter_for_audio(encounter.pk)
    if chunk_number is None:
        top = AudioChunk.objects.filter(encounter=encounter).aggregate(m=Max("chunk_number"))["m"]
        chunk_number = 1 if top is None else top + 1
    chunk = (
        AudioChunk.objects.select_for_update().filter(encounter=encounter, chunk_number=chunk_number).first()
    )
    if chunk is not None and chunk.status == AudioChunk.Status.COMMITTED:
        raise Conflict(
            f"Chunk {chunk_number} of this encounter is already committed.", code="chunk_already_committed"
        )
    old_key = chunk.storage_key if chunk is not None else ""
    if chunk is None:
        chunk = AudioChunk(encounter=encounter, chunk_number=chunk_number)
    chunk.encounter = encounter
    chunk.storage_key = key
    chunk.original_filename = filename[:255]
    chunk.content_type = content_type[:100]
    chunk.format = verified.info.container
    chunk.expected_size = verified.size
    apply_audio(chunk, verified)
    chunk.save()
    if old_key and old_key != key:
        transaction.on_commit(lambda: storage.delete_quietly(old_key))
    after_commit(chunk)
    return chunk

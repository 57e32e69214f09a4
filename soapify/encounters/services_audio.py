"""Audio chunks: presigned upload URLs, the local signed PUT, and commit (verify, probe, place on
the encounter's timeline). Shared by the resumable-session services in ``services_uploads``.

Error codes (HTTP status):
  encounter_finalized 409, chunk_already_committed 409, file_too_large 413, not_uploaded 409,
  size_mismatch 422, checksum_mismatch 422 (409 on re-commit with another sha256), format_mismatch
  415, and probe_audio's unsupported_media 415 / empty_audio, corrupt_audio, too_long 422.
  Signed PUT: invalid_signature 403, upload_url_expired 403, content_type_mismatch 403,
  payload_too_large 413, size_mismatch 400, already_uploaded 409, upload_url_superseded 409.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from soapify.core.errors import (
    ApiError,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMedia,
)
from soapify.core.hashing import TooLarge, copy_stream
from soapify.encounters import storage
from soapify.encounters.audio_probe import AudioInfo, AudioRejected, probe_audio
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.selectors import encounter_get_own, encounter_locked, refuse_finalized
from soapify.encounters.services import encounter_set_status
from soapify.encounters.signals import audio_chunk_committed
from soapify.encounters.signed_urls import (
    SignatureExpired,
    SignatureInvalid,
    UploadGrant,
    read_token,
    upload_url,
)


@dataclass(frozen=True)
class UploadTarget:
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


# --- shared helpers ------------------------------------------------------------------------------

_NO_MORE_AUDIO = "The encounter is finalized; it takes no more audio."


def encounter_for_upload(*, user, encounter_id: int, lock: bool = False) -> Encounter:
    """The caller's encounter (others': 404) that may still receive audio (finalized: 409)."""
    encounter = encounter_get_own(user=user, encounter_id=encounter_id, lock=lock)
    refuse_finalized(encounter, _NO_MORE_AUDIO)
    return encounter


def check_size_limit(size: int) -> None:
    if size > settings.AUDIO_MAX_BYTES:
        raise PayloadTooLarge(
            f"The file is larger than the limit of {settings.AUDIO_MAX_BYTES} bytes.", code="file_too_large"
        )


def upload_target(*, target: str, target_id: Any, key: str, size: int, content_type: str) -> UploadTarget:
    """S3: a presigned PUT. Local storage: a signed, expiring URL on this service."""
    ttl = settings.SIGNED_URL_TTL_SECONDS
    expires = int(time.time()) + ttl
    url = storage.presign_put(key, content_type=content_type, size=size, expires_in=ttl)
    if url is None:
        url = upload_url(
            UploadGrant(
                target=target,
                target_id=str(target_id),
                key=key,
                size=size,
                content_type=content_type,
                expires=expires,
            )
        )
    return UploadTarget(
        url=url,
        method="PUT",
        headers={"Content-Type": content_type},
        expires_at=datetime.fromtimestamp(expires, tz=UTC),
    )


def reject_from_probe(exc: AudioRejected) -> ApiError:
    return ApiError(exc.message, code=exc.code, status_code=exc.status)


@dataclass(frozen=True)
class VerifiedAudio:
    size: int
    sha256: str
    info: AudioInfo


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
            try:
                info = probe_audio(path, max_duration=settings.AUDIO_MAX_DURATION_SECONDS)
            except AudioRejected as exc:
                raise reject_from_probe(exc) from None
    except TooLarge:
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


def _apply_audio(chunk: AudioChunk, verified: VerifiedAudio) -> None:
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


def _after_commit(chunk: AudioChunk) -> None:
    recompute_offsets(chunk.encounter_id)
    chunk.refresh_from_db(fields=["start_offset"])
    encounter_set_status(encounter=chunk.encounter, status=Encounter.Status.RECORDING)
    transaction.on_commit(lambda: audio_chunk_committed.send(sender=AudioChunk, chunk=chunk))


def _lock_encounter_for_audio(encounter_id: int, *, refuse: bool = True) -> Encounter:
    """Take the encounter's row lock (inside the caller's transaction) and re-read the row under
    it: finalization takes the same lock, so the status read here cannot change before the
    caller's transaction ends. Finalized: 409 ``encounter_finalized`` (unless told not to)."""
    locked = encounter_locked(encounter_id)
    if refuse:
        refuse_finalized(locked, _NO_MORE_AUDIO)
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
    """Record an already stored, verified object as a committed chunk (resumable sessions, S3
    direct uploads). Must run inside a transaction; takes the encounter's row lock. A pending or
    rejected chunk with the same number is replaced (its old object deleted after commit). An
    encounter finalized meanwhile (re-read under the lock): 409 ``encounter_finalized``."""
    _lock_encounter_for_audio(encounter.pk)
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
    _apply_audio(chunk, verified)
    chunk.save()
    if old_key and old_key != key:
        transaction.on_commit(lambda: storage.delete_quietly(old_key))
    _after_commit(chunk)
    return chunk


# --- presigned-url -------------------------------------------------------------------------------


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


# --- the local signed PUT ------------------------------------------------------------------------


def signed_put_receive(*, token: str, body: BinaryIO, content_type: str, content_length: int | None) -> dict:
    """Accept one PUT of the bytes a signed URL was issued for. Nothing is stored on failure."""
    try:
        grant = read_token(token)
    except SignatureInvalid:
        raise Forbidden("The upload URL's signature is invalid.", code="invalid_signature") from None
    except SignatureExpired:
        raise Forbidden("The upload URL has expired; ask for a new one.", code="upload_url_expired") from None
    if (content_type or "").strip().lower() != grant.content_type.lower():
        raise Forbidden(
            f"The upload URL was signed for Content-Type {grant.content_type}.", code="content_type_mismatch"
        )
    if content_length is not None and content_length > grant.size:
        raise PayloadTooLarge(f"The upload URL accepts exactly {grant.size} bytes.")
    with storage.temp_file() as tmp:
        try:
            size, digest = copy_stream(body, tmp, limit=grant.size)
        except TooLarge:
            raise PayloadTooLarge(f"The upload URL accepts exactly {grant.size} bytes.") from None
        if size != grant.size:
            raise ApiError(
                f"Received {size} bytes; the upload URL is for exactly {grant.size}.", code="size_mismatch"
            )
        if grant.target == "chunk":
            return _put_chunk(grant, tmp, size, digest)
        from soapify.encounters.services_uploads import direct_put_receive

        return direct_put_receive(grant=grant, tmp=tmp, size=size, sha256=digest)


def _put_chunk(grant: UploadGrant, tmp, size: int, digest: str) -> dict:
    with transaction.atomic():
        chunk = AudioChunk.objects.select_for_update().filter(pk=int(grant.target_id)).first()
        if chunk is None:
            raise NotFound("The chunk no longer exists.")
        if chunk.storage_key != grant.key:
            raise Conflict("A newer upload URL was issued for this chunk.", code="upload_url_superseded")
        if chunk.status != AudioChunk.Status.PENDING or storage.head(grant.key) is not None:
            raise Conflict("This chunk has already been uploaded.", code="already_uploaded")
        name = storage.save_temp_file(grant.key, tmp)
        if name != grant.key:  # pragma: no cover - keys are random; never expected
            storage.delete_quietly(name)
            raise Conflict("The storage key is taken.", code="already_uploaded")
        chunk.status = AudioChunk.Status.UPLOADED
        chunk.size = size
        chunk.sha256 = digest
        chunk.save(update_fields=["status", "size", "sha256", "updated_at"])
    return {"chunk_id": chunk.pk, "size": size, "sha256": digest, "status": chunk.status}


# --- commit --------------------------------------------------------------------------------------


def chunk_commit(*, user, chunk_id: int, sha256: str = "") -> tuple[AudioChunk, bool]:
    """Verify the uploaded object (exists, size, sha256, decodable audio of the declared format)
    and commit the chunk. Returns ``(chunk, newly_committed)``; a committed chunk is returned
    as is. A failed verification marks the chunk rejected (with the reason) and raises."""
    chunk = AudioChunk.objects.for_user(user).select_related("encounter").filter(pk=chunk_id).first()
    if chunk is None:
        raise NotFound("Audio chunk not found.", code="chunk_not_found")
    if chunk.status == AudioChunk.Status.COMMITTED:
        if sha256 and sha256 != chunk.sha256:
            raise Conflict("The chunk is committed with a different sha256.", code="checksum_mismatch")
        return chunk, False
    refuse_finalized(chunk.encounter, _NO_MORE_AUDIO)
    key = chunk.storage_key
    try:
        verified = verify_stored_audio(
            key=key, expected_size=chunk.expected_size, sha256=sha256, declared_format=chunk.format
        )
    except ApiError as exc:
        if exc.code != "not_uploaded":
            AudioChunk.objects.filter(pk=chunk.pk, storage_key=key).exclude(
                status=AudioChunk.Status.COMMITTED
            ).update(
                status=AudioChunk.Status.REJECTED,
                rejection_reason=f"{exc.code}: {exc.message}"[:500],
                updated_at=timezone.now(),
            )
        raise
    with transaction.atomic():
        encounter = _lock_encounter_for_audio(chunk.encounter_id, refuse=False)
        locked = AudioChunk.objects.select_for_update(of=("self",)).get(pk=chunk.pk)
        locked.encounter = encounter
        if locked.status == AudioChunk.Status.COMMITTED:
            return locked, False
        # Finalized between the check above and this lock: nothing is committed, nothing queued.
        refuse_finalized(encounter, _NO_MORE_AUDIO)
        if locked.storage_key != key:
            raise Conflict(
                "A newer upload URL was issued for this chunk meanwhile.", code="upload_url_superseded"
            )
        _apply_audio(locked, verified)
        locked.save()
        _after_commit(locked)
    return locked, True

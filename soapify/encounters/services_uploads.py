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
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from soapify.core import sha256state
from soapify.core.errors import ApiError, Conflict, NotFound, PayloadTooLarge, Unprocessable, UnsupportedMedia
from soapify.core.hashing import (
    TooLarge,
    copy_stream,
    direct_descriptor,
    helper_pool,
    receive_at,
    sha256_file,
    sha256_range,
)
from soapify.encounters import storage
from soapify.encounters.audio_probe import AudioRejected, probe_audio
from soapify.encounters.models import AudioChunk, Encounter, UploadPart, UploadSession
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
_DATA_NAME = "data"  # local storage: <key_prefix>data holds the bytes received so far


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


def session_get(
    *, user, session_id: Any, lock: bool = False, allow_expired: bool = False, related: bool = True
) -> UploadSession:
    """The caller's session (404 otherwise; 410 once expired unless ``allow_expired``).

    ``related=False`` without ``lock`` is the hot path of every chunk: one precompiled query
    (building the ORM query costs more than running it)."""
    if related or lock:
        qs = UploadSession.objects.for_user(user)
        if related:
            qs = qs.select_related("encounter", "audio_chunk")
        if lock:
            qs = qs.select_for_update(of=("self",))
        session = qs.filter(pk=session_id).order_by().first()
    elif user is not None and user.is_authenticated:
        with connection.cursor() as cur:
            cur.execute(_SESSION_OF_DOCTOR_SQL, [session_id, user.pk])
            row = cur.fetchone()
        session = None if row is None else UploadSession.from_db("default", _SESSION_COLUMNS, list(row))
    else:
        session = None
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


def _resolve_offset(session: UploadSession, index: int | None, offset: int | None) -> int:
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
    return offset


def _open_session_for_chunk(*, user, session_id: Any) -> UploadSession:
    session = session_get(user=user, session_id=session_id, related=False)
    if session.status == UploadSession.Status.COMMITTED:
        raise Conflict("The upload session is already committed.", code="upload_session_committed")
    return session


def _check_chunk_size(session: UploadSession, size: int) -> None:
    if size <= 0:
        raise ApiError("The chunk is empty.", code="empty_chunk", fields={"file": ["The chunk is empty."]})
    if size > session.chunk_size:
        raise PayloadTooLarge(f"A chunk may be at most {session.chunk_size} bytes.", code="chunk_too_large")


def _check_room(session: UploadSession, end: int) -> None:
    if session.total_size is not None and end > session.total_size:
        raise PayloadTooLarge(
            f"The upload would exceed its declared total_size of {session.total_size} bytes.",
            code="exceeds_declared_size",
        )
    check_size_limit(end)


def _data_key(session: UploadSession) -> str:
    """Local storage: the one file the session's bytes are written into, in order."""
    return f"{session.key_prefix}{_DATA_NAME}"


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
    session = _open_session_for_chunk(user=user, session_id=session_id)
    offset = _resolve_offset(session, index, offset)
    size = int(file.size or 0)
    _check_chunk_size(session, size)
    digest = getattr(file, "sha256", None)  # hashed while it was received (HashingUploadHandler)
    if digest is None:
        file.seek(0)
        digest = sha256_file(file)
    if sha256 and digest != sha256:
        raise Unprocessable("The chunk's sha256 does not match the bytes received.", code="checksum_mismatch")
    path = storage.local_file(_data_key(session))
    if path is not None:
        _precheck_offset(session, offset, size)
        file.seek(0)
        return _write_local(
            user=user, session=session, path=path, offset=offset, length=size, stream=file, sha256=digest
        )
    return _store_part(
        user=user,
        session_id=session_id,
        offset=offset,
        size=size,
        digest=digest,
        save=lambda key: storage.save_uploaded(key, file),
    )


def chunk_receive_stream(
    *,
    user,
    session_id: Any,
    stream: Any,
    length: int | None,
    index: int | None = None,
    offset: int | None = None,
    sha256: str = "",
) -> tuple[UploadSession, UploadPart, bool]:
    """Like :func:`chunk_receive` for a raw request body (``stream``, ``length`` bytes from its
    Content-Length): checked before anything is read, then streamed to disk while it is hashed
    (one 1 MiB piece in memory at a time) and kept only when complete and matching."""
    session = _open_session_for_chunk(user=user, session_id=session_id)
    offset = _resolve_offset(session, index, offset)
    if length is None:
        raise ApiError("A raw chunk needs a Content-Length.", code="length_required", status_code=411)
    _check_chunk_size(session, length)
    _precheck_offset(session, offset, length)
    path = storage.local_file(_data_key(session))
    if path is not None:
        return _write_local(
            user=user, session=session, path=path, offset=offset, length=length, stream=stream, sha256=sha256
        )
    with storage.temp_file() as tmp:
        # a range below received_bytes can only be an idempotent re-send: hash it, keep nothing
        sink = tmp if offset >= session.received_bytes else storage.NullWriter()
        size, digest = _receive(stream, sink, length, sha256)
        return _store_part(
            user=user,
            session_id=session_id,
            offset=offset,
            size=size,
            digest=digest,
            save=lambda key: storage.save_temp_file(key, tmp),
        )


def _precheck_offset(session: UploadSession, offset: int, length: int) -> None:
    """Cheap checks before a body is read (the locked re-check decides)."""
    if offset > session.received_bytes:
        raise _offset_conflict(session, offset)
    if offset == session.received_bytes:
        _check_room(session, offset + length)


def _receive(stream: Any, sink: Any, length: int, sha256: str) -> tuple[int, str]:
    """Copy exactly ``length`` bytes of ``stream`` into ``sink`` while hashing them; 400 when the
    stream ends early, 422 when ``sha256`` is given and does not match."""
    try:
        size, digest = copy_stream(stream, sink, limit=length)
    except TooLarge:  # a file object is never read past length + 1 bytes
        raise PayloadTooLarge("The chunk is larger than announced.", code="chunk_too_large") from None
    return _check_received(size, digest, length, sha256)


def _check_received(size: int, digest: str, length: int, sha256: str) -> tuple[int, str]:
    """400 when fewer than ``length`` bytes came, 422 when ``sha256`` is given and does not match."""
    if size != length:
        raise ApiError(
            f"The chunk ended after {size} of its {length} bytes.",
            code="incomplete_chunk",
            fields={"file": ["The request body is shorter than its Content-Length."]},
        )
    if sha256 and digest != sha256:
        raise Unprocessable("The chunk's sha256 does not match the bytes received.", code="checksum_mismatch")
    return size, digest


def _write_local(
    *, user, session: UploadSession, path: str, offset: int, length: int, stream: Any, sha256: str
) -> tuple[UploadSession, UploadPart, bool]:
    """Local storage: write the range straight into the session's data file at ``offset`` (no
    temporary file, nothing to re-assemble at commit), under the session's file lock (a second
    writer at the same time is a 409 ``upload_in_progress``).

    ``session`` was read (without a lock) and pre-checked by the caller. The fast path costs one
    more database round trip: when the range is new (``offset == received_bytes``) and the data
    file ends exactly at ``offset``, the body is streamed into the file (hashed on the way, 1 MiB
    pieces, ``os.pwrite``, past the page cache where the filesystem allows:
    ``hashing.open_direct``) and one statement (:func:`_record_part`) records the part and moves
    ``received_bytes`` *only if* the session is still open, unexpired and at ``offset``. Bytes
    are only ever written at the end of the file, so a stale read can never overwrite a recorded
    range; when the statement matches nothing (another writer won, the session expired), the
    file is cut back to ``offset`` and the fresh state decides the answer. Anything else (an
    older offset = a re-send, leftovers of an interrupted attempt past ``received_bytes``) goes
    through the slower re-read below. No fsync per chunk."""
    if offset < session.received_bytes:  # only an identical re-send can be accepted; file untouched
        size, digest = _receive(stream, storage.NullWriter(), length, sha256)
        return _store_part(
            user=user, session_id=session.pk, offset=offset, size=size, digest=digest, save=None
        )
    try:
        with storage.file_lock(path, wait=False) as fd:
            stat = os.fstat(fd)
            if stat.st_nlink > 1:
                # a commit linked the data file as the recording (after our unlocked read): never
                # append to it, not even for a moment
                _open_session_for_chunk(user=user, session_id=session.pk)  # 409 committed
                raise Conflict("The upload is being committed.", code="upload_committing")
            damaged = False
            if stat.st_size != offset:
                # the file does not end where the session said: re-read under the lock
                session = _open_session_for_chunk(user=user, session_id=session.pk)
                _precheck_offset(session, offset, length)
                if offset < session.received_bytes:
                    size, digest = _receive(stream, storage.NullWriter(), length, sha256)
                    return _store_part(
                        user=user, session_id=session.pk, offset=offset, size=size, digest=digest, save=None
                    )
                # longer: leftovers of an interrupted attempt, cut off. Shorter: bytes already
                # acknowledged were lost (a machine crash before they reached the disk); the gap
                # reads as zeros, and the digest carried so far no longer describes the file, so
                # commit reads the file back and refuses it (422) instead of trusting the carry.
                damaged = stat.st_size < offset
                if damaged:
                    logger.warning("upload session %s: data file shorter than received_bytes", session.pk)
                os.ftruncate(fd, offset)
            # the whole file's digest so far (None: unknown; commit then reads the file back)
            running = None if damaged else sha256state.load(session.hash_state, count=offset)
            try:
                with direct_descriptor(fd) as direct_fd:
                    size, digest = _receive_at(
                        stream,
                        fd,
                        offset,
                        length,
                        sha256,
                        direct_fd=direct_fd,
                        also=None if running is None else running.update,
                    )
                part = _record_part(
                    session,
                    offset=offset,
                    size=size,
                    digest=digest,
                    hash_state=b"" if running is None else running.state(),
                )
            except BaseException:
                os.ftruncate(fd, offset)
                raise
            if part is None:
                os.ftruncate(fd, offset)
                session = _open_session_for_chunk(user=user, session_id=session.pk)  # 404/409/410
                _precheck_offset(session, offset, length)  # 409/413
                raise _offset_conflict(session, offset)
            return session, part, True
    except storage.Busy:
        raise Conflict(
            "Another chunk of this upload is being received; retry from received_bytes.",
            code="upload_in_progress",
            extra={"received_bytes": session.received_bytes},
        ) from None


def _receive_at(
    stream: Any,
    fd: int,
    offset: int,
    length: int,
    sha256: str,
    *,
    direct_fd: int | None = None,
    also: Callable[[bytes], object] | None = None,
) -> tuple[int, str]:
    """:func:`_receive` into the file descriptor ``fd`` at ``offset`` (see ``hashing.receive_at``)."""
    size, digest = receive_at(stream.read, fd, offset, length, direct_fd=direct_fd, also=also)
    if size == length and stream.read(1):  # a file object longer than announced
        raise PayloadTooLarge("The chunk is larger than announced.", code="chunk_too_large")
    return _check_received(size, digest, length, sha256)


def _record_part(
    session: UploadSession, *, offset: int, size: int, digest: str, hash_state: bytes = b""
) -> UploadPart | None:
    """Record a part of the local data file and advance ``received_bytes`` (and with it
    ``hash_state``, the whole-file digest state after the part) in one statement (one round trip,
    atomic on its own): the UPDATE matches only an open, unexpired session still at ``offset``
    (it row-locks it, so concurrent writers serialise and re-check); the part's index is the
    number of parts already recorded. None when nothing matched.

    Durability policy: a received chunk is not fsynced (neither its bytes nor, here, the WAL of
    its record: ``synchronous_commit`` off for this one transaction). A crash of the machine may
    thus forget the last acknowledged chunks; that is safe because bytes and records are checked
    against each other: a data file longer than ``received_bytes`` is cut back at the next chunk,
    a shorter or damaged one fails the part / whole-file sha256 at commit (422
    ``part_corrupted``/``checksum_mismatch``), and a client resumes from ``received_bytes``.
    The durable point is commit: the data file is fsynced (``_hash_local``), then linked (the
    folder fsynced) and the commit is a normal synchronous PostgreSQL commit (which also makes
    every earlier asynchronously committed record durable, the WAL being sequential)."""
    now = timezone.now()
    end = offset + size
    key = _data_key(session)
    if connection.vendor != "postgresql":  # pragma: no cover - the project runs on PostgreSQL
        try:
            return _store_part(
                user=session.encounter.doctor,
                session_id=session.pk,
                offset=offset,
                size=size,
                digest=digest,
                save=lambda _key: key,
            )[1]
        except (Conflict, ApiError):
            return None
    with connection.cursor() as cur:
        cur.execute(
            _RECORD_PART_SQL, [end, hash_state, now, session.pk, offset, now, offset, size, digest, key, now]
        )
        row = cur.fetchone()
    if row is None:
        return None
    session.received_bytes = end
    session.hash_state = hash_state
    session.updated_at = now
    part = UploadPart(
        pk=row[0], session=session, index=row[1], offset=offset, size=size, sha256=digest, storage_key=key
    )
    part.created_at = now
    part._state.adding = False
    return part


_S = UploadSession._meta.db_table
_P = UploadPart._meta.db_table
_E = Encounter._meta.db_table
# Built once from model metadata (no user input); the same rows as
# UploadSession.objects.for_user(user).filter(pk=...).
_SESSION_COLUMNS = [f.attname for f in UploadSession._meta.concrete_fields]
_SESSION_OF_DOCTOR_SQL = (
    f"SELECT {', '.join(f's.{connection.ops.quote_name(f.column)}' for f in UploadSession._meta.concrete_fields)} "  # noqa: S608
    f'FROM "{_S}" s JOIN "{_E}" e ON e."id" = s."encounter_id" WHERE s."id" = %s AND e."doctor_id" = %s'
)
# Built once from model metadata (no user input).
_RECORD_PART_SQL = (
    "WITH cfg AS (SELECT set_config('synchronous_commit', 'off', true)), "  # noqa: S608
    f's AS (UPDATE "{_S}" SET "received_bytes" = %s, "hash_state" = %s, "updated_at" = %s '
    f'WHERE "id" = %s AND "status" = \'{UploadSession.Status.OPEN.value}\' AND "received_bytes" = %s '
    f'AND "expires_at" > %s RETURNING "id") '
    f'INSERT INTO "{_P}" ("session_id", "index", "offset", "size", "sha256", "storage_key", "created_at") '
    f'SELECT s."id", (SELECT COUNT(*) FROM "{_P}" p WHERE p."session_id" = s."id"), %s, %s, %s, %s, %s FROM s, cfg '
    f'RETURNING "id", "index"'
)


def _store_part(
    *,
    user,
    session_id: Any,
    offset: int,
    size: int,
    digest: str,
    save: Callable[[str], str] | None,
) -> tuple[UploadSession, UploadPart, bool]:
    """One transaction: lock the session, re-check the offset (409) and limits (413), store the
    bytes with ``save(key)`` (None: only an idempotent re-send is possible) and record the part."""
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
        if offset > session.received_bytes or save is None:
            raise _offset_conflict(session, offset)
        _check_room(session, end)
        ordinal = session.parts.count()
        name = save(f"{session.key_prefix}part-{ordinal:06d}-{offset}")
        try:
            part = UploadPart.objects.create(
                session=session, index=ordinal, offset=offset, size=size, sha256=digest, storage_key=name
            )
            session.received_bytes = end
            session.hash_state = b""  # parts stored apart are hashed at commit
            session.save(update_fields=["received_bytes", "hash_state", "updated_at"])
        except Exception:
            if name != _data_key(session):  # the data file is cut back by its writer
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
        with _commit_lock(session), transaction.atomic():
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


def _part_corrupted(part: UploadPart) -> Unprocessable:
    return Unprocessable(
        f"Stored part {part.index} no longer matches what was received; re-upload it.",
        code="part_corrupted",
    )


def _commit_lock(session: UploadSession) -> AbstractContextManager:
    """Local storage: commit holds the session's file lock until its transaction ends, so no
    chunk can touch the data file (which becomes the committed object) meanwhile."""
    path = storage.local_file(_data_key(session))
    return nullcontext() if path is None else storage.file_lock(path, wait=True)


@contextmanager
def _open_part(session: UploadSession, part: UploadPart) -> Iterator[Any]:
    if part.storage_key == _data_key(session):  # a range of the local data file
        path = storage.local_file(part.storage_key)
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise _part_corrupted(part) from None
        with fh:
            fh.seek(part.offset)
            yield fh
        return
    with storage.open_stream(part.storage_key) as src:
        yield src


def _assemble_streamed(
    session: UploadSession, parts: list[UploadPart], tmp: Any, *, check_parts: bool
) -> tuple[str, int]:
    """Stream the parts (S3, or sessions stored part by part) into ``tmp`` in order, hashing the
    whole; returns (sha256, size).

    With a whole-file sha256 to compare, that one hash covers every part; without one, each part
    is re-checked against the sha256 taken when it was received."""
    writer = _HashingWriter(tmp)
    position = 0
    for part in parts:
        if part.offset != position:  # pragma: no cover - guaranteed by chunk_receive
            raise Conflict("The stored parts are not contiguous.", code="incomplete_upload")
        part_digest = hashlib.sha256() if check_parts else None
        size = 0
        with _open_part(session, part) as src:
            while piece := src.read(min(_COPY_PIECE, part.size + 1 - size)):
                size += len(piece)
                if size > part.size:
                    break
                writer.write(piece)
                if part_digest is not None:
                    part_digest.update(piece)
        digest = part.sha256 if part_digest is None else part_digest.hexdigest()
        if size != part.size or digest != part.sha256:
            raise _part_corrupted(part)
        position += size
    tmp.flush()
    return writer.digest.hexdigest(), position


def _hash_local(session: UploadSession, parts: list[UploadPart], path: str, *, check_parts: bool) -> str:
    """Local storage: the whole-file sha256 of the session's data file, which is fsynced (chunks
    are not fsynced one by one: once here, before the commit, on a helper thread meanwhile).
    Bytes past ``received_bytes`` (an interrupted attempt) are cut off.

    The digest is the running one the chunks carried (``hash_state``: the bytes were hashed as
    they were written, under the session's file lock, and nothing else writes the file) when
    there is one and no part needs re-checking; otherwise the file is read back once, past the
    page cache where possible (``hashing.sha256_range``), part by part with ``check_parts``."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        raise _part_corrupted(parts[0]) from None
    try:
        on_disk = os.fstat(fd).st_size
        if on_disk < session.received_bytes:
            raise _part_corrupted(next(p for p in parts if p.offset + p.size > on_disk))
        if on_disk > session.received_bytes:
            os.ftruncate(fd, session.received_bytes)
        synced = helper_pool().submit(os.fsync, fd)
        try:
            running = sha256state.load(session.hash_state, count=session.received_bytes)
            if running is not None and not check_parts:
                return running.hexdigest()
            with direct_descriptor(fd, os.O_RDONLY) as direct_fd:
                if not check_parts:
                    return sha256_range(fd, 0, session.received_bytes, direct_fd=direct_fd)
                total = hashlib.sha256()
                for part in parts:
                    digest = sha256_range(
                        fd, part.offset, part.size, direct_fd=direct_fd, on_piece=total.update
                    )
                    if digest != part.sha256:
                        raise _part_corrupted(part)
                return total.hexdigest()
        finally:
            synced.result()  # before the file is closed, and before anything is committed
    finally:
        os.close(fd)


def _probe(path: str) -> Any:
    try:
        return probe_audio(path, max_duration=settings.AUDIO_MAX_DURATION_SECONDS)
    except AudioRejected as exc:
        raise reject_from_probe(exc) from None


def _assemble_and_commit(session: UploadSession, expected_sha: str) -> UploadSession:
    parts = list(session.parts.order_by("offset"))
    if not parts or (session.total_size is not None and session.received_bytes != session.total_size):
        raise Conflict(
            "The upload is incomplete.",
            code="incomplete_upload",
            extra={"received_bytes": session.received_bytes, "total_size": session.total_size},
        )
    data_key = _data_key(session)
    path = storage.local_file(data_key)
    if path is not None and all(part.storage_key == data_key for part in parts):
        # local storage: the data file already holds the recording; hash it, probe it and link
        # it under its final key (no copy). _commit_lock keeps writers away until commit ends.
        total_sha = _hash_local(session, parts, path, check_parts=not expected_sha)
        if expected_sha and total_sha != expected_sha:
            raise Unprocessable("The assembled file's sha256 does not match.", code="checksum_mismatch")
        info = _probe(path)
        verified = VerifiedAudio(size=session.received_bytes, sha256=total_sha, info=info)
        ext = storage.CONTAINER_EXT.get(info.container, info.container)
        key = storage.link_local(path, storage.new_audio_key(ext))
    else:
        with storage.temp_file() as tmp:
            total_sha, position = _assemble_streamed(session, parts, tmp, check_parts=not expected_sha)
            if expected_sha and total_sha != expected_sha:
                raise Unprocessable("The assembled file's sha256 does not match.", code="checksum_mismatch")
            info = _probe(tmp.name)
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

"""One byte range of a resumable upload, as a multipart file or as a raw request body.

``offset`` is authoritative: a range is appended at ``received_bytes``, and parts may be of any
size from 1 byte to the session's ``chunk_size`` (a client picks its own part size, and may change
it from one part to the next). ``index`` is the part's ordinal (0, 1, 2 ... in the order the parts
were stored), not ``offset / chunk_size``: with ``offset`` it is not needed and is ignored (so a
client numbering its parts from 1 works too); alone, ``index`` = the number of parts stored means
"the next part" (at ``received_bytes``), a smaller one names the stored part of that ordinal (a
re-send), a larger one is a gap (409). A range is received into a temporary file while it is
hashed, checked (length, the client's sha256), and only then stored as its own object under the
session's prefix and recorded, under the session's row lock:

* a range already stored with the same bytes is accepted again (200, ``created`` False) and
  stores nothing; any other offset is 409 ``offset_mismatch`` and changes nothing;
* a sha256 that does not match is 422 ``checksum_mismatch``; past the declared ``total_size``
  or ``AUDIO_MAX_BYTES`` is 413; a refused chunk's temporary file is removed at once.

Two chunks for the same offset at the same time queue on the row lock: one is stored, the other
then finds it (200 when its bytes are the same, else 409). A chunk that waits while a commit
holds the lock finds the session committed (409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from soapify.core.errors import ApiError, Conflict, PayloadTooLarge, Unprocessable
from soapify.encounters.models import UploadPart, UploadSession
from soapify.encounters.uploads import storage
from soapify.encounters.uploads.audio import check_size_limit
from soapify.encounters.uploads.sessions import refuse_committed, session_get


@dataclass(frozen=True)
class ChunkResult:
    session: UploadSession
    part: UploadPart
    created: bool


def _offset_conflict(session: UploadSession, offset: int) -> Conflict:
    return Conflict(
        f"Expected a chunk at offset {session.received_bytes}, got offset {offset}.",
        code="offset_mismatch",
        extra={"received_bytes": session.received_bytes, "next_index": session.parts.count()},
    )


def _resolve_offset(session: UploadSession, index: int | None, offset: int | None) -> int:
    """The byte offset a part goes to: ``offset`` when given, else where part ``index`` is (or
    goes, when it is the next one)."""
    if offset is not None:
        return offset
    if index is None:
        raise ApiError(
            "Give the chunk's offset (or its index).",
            code="validation_error",
            fields={"offset": ["This field is required."]},
        )
    stored = session.parts.count()
    if index == stored:
        return session.received_bytes
    if index < stored:
        part = session.parts.filter(index=index).only("offset").first()
        if part is not None:
            return part.offset
    raise Conflict(
        f"Expected part {stored} (at offset {session.received_bytes}), got part {index}.",
        code="offset_mismatch",
        extra={"received_bytes": session.received_bytes, "next_index": stored},
    )


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


def _check_checksum(digest: str, sha256: str) -> None:
    if sha256 and digest != sha256:
        raise Unprocessable("The chunk's sha256 does not match the bytes received.", code="checksum_mismatch")


def _open_session(
    *, user, session_id: Any, index: int | None, offset: int | None
) -> tuple[UploadSession, int]:
    session = session_get(user=user, session_id=session_id)
    refuse_committed(session)
    return session, _resolve_offset(session, index, offset)


def _precheck(session: UploadSession, offset: int, size: int) -> None:
    """Cheap checks before a body is read (the locked re-check in :func:`_record` decides)."""
    _check_chunk_size(session, size)
    if offset > session.received_bytes:
        raise _offset_conflict(session, offset)
    if offset == session.received_bytes:
        _check_room(session, offset + size)


def _record(
    *, user, session_id: Any, offset: int, size: int, digest: str, save: Callable[[str], str]
) -> ChunkResult:
    """Under the session's row lock: re-check the offset (409) and limits (413), store the bytes
    with ``save(key)`` and record the part; an identical re-send stores nothing."""
    with transaction.atomic():
        session = session_get(user=user, session_id=session_id, lock=True)
        refuse_committed(session)
        if offset < session.received_bytes:
            part = session.parts.filter(offset=offset).first()
            if part is not None and part.size == size and part.sha256 == digest:
                return ChunkResult(session, part, created=False)
            raise _offset_conflict(session, offset)
        if offset > session.received_bytes:
            raise _offset_conflict(session, offset)
        _check_room(session, offset + size)
        name = save(f"{session.key_prefix}part-{offset:012d}")
        try:
            part = UploadPart.objects.create(
                session=session,
                index=session.parts.count(),
                offset=offset,
                size=size,
                sha256=digest,
                storage_key=name,
            )
            session.received_bytes = offset + size
            session.save(update_fields=["received_bytes", "updated_at"])
        except BaseException:
            storage.delete_quietly(name)
            raise
    return ChunkResult(session, part, created=True)


def chunk_receive(
    *, user, session_id: Any, file: Any, index: int | None = None, offset: int | None = None, sha256: str = ""
) -> ChunkResult:
    """Store one multipart file (already on disk: ``storage.HashingUploadHandler`` hashed it as it
    arrived) as the range at ``offset``."""
    try:
        session, offset = _open_session(user=user, session_id=session_id, index=index, offset=offset)
        size = int(file.size or 0)
        _precheck(session, offset, size)
        digest = getattr(file, "sha256", None) or storage.sha256_of(file)
        _check_checksum(digest, sha256)
        return _record(
            user=user,
            session_id=session.pk,
            offset=offset,
            size=size,
            digest=digest,
            save=lambda key: storage.save_uploaded(key, file),
        )
    finally:
        file.close()  # a refused chunk's temporary file goes now (a stored one was moved)


def chunk_receive_stream(
    *,
    user,
    session_id: Any,
    stream: Any,
    length: int | None,
    index: int | None = None,
    offset: int | None = None,
    sha256: str = "",
) -> ChunkResult:
    """Like :func:`chunk_receive` for a raw request body (``stream``, ``length`` bytes from its
    Content-Length): checked before anything is read, then streamed into a temporary file while
    it is hashed (one 1 MiB piece in memory at a time) and kept only when complete and matching."""
    session, offset = _open_session(user=user, session_id=session_id, index=index, offset=offset)
    if length is None:
        raise ApiError("A raw chunk needs a Content-Length.", code="length_required", status_code=411)
    _precheck(session, offset, length)
    with storage.temp_file() as tmp:
        try:
            size, digest = storage.copy_stream(stream, tmp, limit=length)
        except storage.TooLarge:
            raise PayloadTooLarge("The chunk is larger than announced.", code="chunk_too_large") from None
        if size != length:
            raise ApiError(
                f"The chunk ended after {size} of its {length} bytes.",
                code="incomplete_chunk",
                fields={"file": ["The request body is shorter than its Content-Length."]},
            )
        _check_checksum(digest, sha256)
        return _record(
            user=user,
            session_id=session.pk,
            offset=offset,
            size=size,
            digest=digest,
            save=lambda key: storage.save_temp_file(key, tmp),
        )

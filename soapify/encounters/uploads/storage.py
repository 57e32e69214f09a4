"""Audio storage helpers over ``STORAGES["audio"]``: random keys, streamed writes and reads, and
presigned PUTs — the same code for the local filesystem and any S3-compatible store.

Nothing here reads a whole object into memory: writes go through a temporary file on disk (moved
into place by ``FileSystemStorage``, streamed by boto3 to S3) and reads are streamed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.files.uploadhandler import TemporaryFileUploadHandler

logger = logging.getLogger("soapify.uploads")

#: declared upload format -> (content type, file extension, containers probe_audio may report)
FORMATS: dict[str, tuple[str, str, frozenset[str]]] = {
    "wav": ("audio/wav", "wav", frozenset({"wav"})),
    "flac": ("audio/flac", "flac", frozenset({"flac"})),
    "mp3": ("audio/mpeg", "mp3", frozenset({"mp3"})),
    "m4a": ("audio/mp4", "m4a", frozenset({"m4a"})),
    "aac": ("audio/aac", "aac", frozenset({"aac", "m4a"})),
    "ogg": ("audio/ogg", "ogg", frozenset({"ogg"})),
    "opus": ("audio/ogg", "opus", frozenset({"ogg", "webm", "matroska"})),
    "webm": ("audio/webm", "webm", frozenset({"webm", "matroska"})),
    "amr": ("audio/amr", "amr", frozenset({"amr"})),
}
#: MIME types clients send (MediaRecorder, iOS, ...) -> format name
MIME_FORMATS: dict[str, str] = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/m4a": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/webm": "webm",
    "video/webm": "webm",
    "audio/amr": "amr",
}
#: container reported by probe_audio -> file extension of the stored object
CONTAINER_EXT = {"matroska": "mka"}
#: bytes read or written at a time when streaming
PIECE = 1024 * 1024


def normalize_format(value: str) -> str | None:
    """``"webm"``, ``"WebM"``, ``"audio/webm;codecs=opus"`` -> ``"webm"``; unknown -> None."""
    value = (value or "").strip().lower()
    if "/" in value:
        return MIME_FORMATS.get(value.split(";", 1)[0].strip())
    return value if value in FORMATS else None


def audio_storage() -> Storage:
    return storages["audio"]


def new_audio_key(ext: str) -> str:
    """A random, unguessable key that carries no patient data."""
    return f"audio/{uuid.uuid4().hex}/{uuid.uuid4().hex}.{ext or 'bin'}"


def new_session_prefix() -> str:
    return f"uploads/{uuid.uuid4().hex}/"


def is_s3(storage: Storage) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def _s3_client(storage: Storage) -> Any:
    return storage.connection.meta.client  # type: ignore[attr-defined]


def _s3_key(storage: Storage, name: str) -> str:
    return storage._normalize_name(name)  # type: ignore[attr-defined]


def _s3_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


# --- streaming and hashing ---------------------------------------------------------------------------


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


class TooLarge(Exception):
    """The stream holds more than ``limit`` bytes (noticed as soon as byte ``limit + 1`` is read)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"stream is larger than the limit of {limit} bytes")
        self.limit = limit


class NullWriter:
    """A sink that drops what is written (hash a stream without keeping it)."""

    def write(self, data: bytes) -> int:
        return len(data)


def copy_stream(src: Any, dst: _Writable, *, limit: int | None) -> tuple[int, str]:
    """Copy the readable ``src`` into ``dst`` in pieces, hashing on the way; returns
    ``(bytes_written, sha256_hex)``. With ``limit``, ``src`` is never read past ``limit + 1``
    bytes and :class:`TooLarge` is raised when it holds more (at most ``limit`` bytes were then
    written; the caller discards ``dst``)."""
    digest = hashlib.sha256()
    written = 0
    while True:
        want = PIECE if limit is None else min(PIECE, limit + 1 - written)
        piece = src.read(want)
        if not piece:
            return written, digest.hexdigest()
        if limit is not None and written + len(piece) > limit:
            raise TooLarge(limit)
        dst.write(piece)
        digest.update(piece)
        written += len(piece)


def sha256_of(file: Any) -> str:
    """The sha256 of a Django ``File`` (read from the start, in chunks)."""
    file.seek(0)
    digest = hashlib.sha256()
    for piece in file.chunks(PIECE):
        digest.update(piece)
    return digest.hexdigest()


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Multipart file fields go straight to a temporary file on disk, hashed on the way in (so
    the bytes are not read again), in 1 MiB pieces. The file gets a ``sha256`` attribute."""

    chunk_size = PIECE

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._digest.update(raw_data)
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> Any:
        file: Any = super().file_complete(file_size)
        file.sha256 = self._digest.hexdigest()
        return file


# --- temporary files and writes ------------------------------------------------------------------------


@contextmanager
def temp_file() -> Iterator[Any]:
    """A named temporary file beside Django's upload temp files, removed on exit (unless it was
    moved into storage meanwhile)."""
    fd, name = tempfile.mkstemp(dir=settings.FILE_UPLOAD_TEMP_DIR, prefix="soapify-", suffix=".upload")
    os.close(fd)
    fh = open(name, "w+b")  # noqa: SIM115 - closed below; a file object that knows its name
    try:
        yield fh
    finally:
        fh.close()
        with suppress(FileNotFoundError):  # moved into storage
            os.unlink(name)


class _TempFile(File):
    """A temporary file that ``FileSystemStorage`` moves instead of copying."""

    def temporary_file_path(self) -> str:
        return str(getattr(self.file, "name", ""))


def save_temp_file(key: str, tmp: Any, *, durable: bool = False) -> str:
    """Store the temporary file ``tmp`` under ``key``; returns the name used. The local
    filesystem moves the file into place; S3 streams it (multipart when large).

    ``durable`` (local storage): the stored file and its folder entry are fsynced before this
    returns, so a database row written afterwards never points at bytes a crash could lose (S3
    acknowledges a PUT only once it is stored)."""
    storage = audio_storage()
    tmp.flush()
    tmp.seek(0)
    if is_s3(storage):
        return storage.save(key, File(tmp))
    name = storage.save(key, _TempFile(tmp))
    if durable:
        path = storage.path(name)
        fsync_path(path)
        fsync_path(os.path.dirname(path))
    return name


def save_uploaded(key: str, uploaded: Any) -> str:
    """Store a Django ``UploadedFile`` under ``key`` (moved when it is already a temp file)."""
    uploaded.seek(0)
    return audio_storage().save(key, uploaded)


def fsync_path(path: str) -> None:
    """Make a file's bytes, or a folder's entries (a new name), durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reads -------------------------------------------------------------------------------------------


class ObjectMissing(Exception):
    """The stored object does not exist (any more)."""


@contextmanager
def open_stream(key: str) -> Iterator[Any]:
    """A readable stream of the object (S3: boto3's streaming body, never spooled in memory).
    Raises :class:`ObjectMissing` when there is no such object."""
    storage = audio_storage()
    if is_s3(storage):
        try:
            response = _s3_client(storage).get_object(Bucket=storage.bucket_name, Key=_s3_key(storage, key))  # type: ignore[attr-defined]
        except ClientError as exc:
            if _s3_missing(exc):
                raise ObjectMissing(key) from None
            raise
        body = response["Body"]
        try:
            yield body
        finally:
            body.close()
        return
    try:
        fh = storage.open(key, "rb")
    except FileNotFoundError:
        raise ObjectMissing(key) from None
    with fh:
        yield fh


@contextmanager
def local_path(key: str, *, limit: int | None = None) -> Iterator[tuple[str, int, str]]:
    """Yield ``(path, size, sha256)`` of a local copy of the object: the file itself when the
    storage is on this disk, else a streamed temporary copy (raises TooLarge past ``limit``)."""
    path = local_file(key)
    if path is not None:
        with open(path, "rb") as fh:
            size, digest = copy_stream(fh, NullWriter(), limit=limit)
        yield path, size, digest
        return
    with temp_file() as tmp, open_stream(key) as src:
        size, digest = copy_stream(src, tmp, limit=limit)
        tmp.flush()
        yield tmp.name, size, digest


def local_file(key: str) -> str | None:
    """The filesystem path of ``key`` when the audio storage is on this disk, else None."""
    storage = audio_storage()
    if is_s3(storage):
        return None
    try:
        return storage.path(key)
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str


def head(key: str) -> ObjectInfo | None:
    """Size (and content type on S3) of a stored object, or None when it does not exist."""
    storage = audio_storage()
    if not key:
        return None
    if is_s3(storage):
        try:
            meta = _s3_client(storage).head_object(Bucket=storage.bucket_name, Key=_s3_key(storage, key))  # type: ignore[attr-defined]
        except ClientError as exc:
            if _s3_missing(exc):
                return None
            raise
        return ObjectInfo(size=int(meta["ContentLength"]), content_type=meta.get("ContentType", ""))
    if not storage.exists(key):
        return None
    return ObjectInfo(size=storage.size(key), content_type="")


# --- deletes -----------------------------------------------------------------------------------------


def delete_quietly(key: str) -> None:
    """Delete one object; a failure is logged (the periodic clean-up finds what is left)."""
    if not key:
        return
    storage = audio_storage()
    try:
        storage.delete(key)
        if not is_s3(storage):  # drop the key's now empty folder (audio/<random>/)
            with suppress(OSError):
                os.rmdir(os.path.dirname(storage.path(key)))
    except Exception:  # noqa: BLE001 - best effort; logged
        logger.warning("could not delete %s", key, exc_info=True)


def delete_prefix(prefix: str) -> int:
    """Delete every object under ``prefix`` (a session's parts). Returns how many were removed."""
    storage = audio_storage()
    if is_s3(storage):
        client = _s3_client(storage)
        bucket = storage.bucket_name  # type: ignore[attr-defined]
        removed = 0
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=_s3_key(storage, prefix)
        )
        for page in pages:
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                removed += len(keys)
        return removed
    root = local_file(prefix)
    if root is None or not os.path.isdir(root):
        return 0
    removed = sum(len(files) for _, _, files in os.walk(root))
    shutil.rmtree(root, ignore_errors=True)
    return removed


def delete_stale_temp_files(*, older_than: float) -> int:
    """Remove files left in ``FILE_UPLOAD_TEMP_DIR`` by requests that died (a killed worker never
    runs its clean-up) whose last change is more than ``older_than`` seconds ago."""
    cutoff = time.time() - older_than
    removed = 0
    if not os.path.isdir(settings.FILE_UPLOAD_TEMP_DIR):
        return 0
    with os.scandir(settings.FILE_UPLOAD_TEMP_DIR) as entries:
        for entry in entries:
            with suppress(FileNotFoundError):
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
    return removed


def presign_put(key: str, *, content_type: str, size: int, expires_in: int) -> str | None:
    """A presigned S3 PUT with content type and length bound into the signature; None when the
    audio storage is not S3 (the caller then issues a signed URL on this service)."""
    storage = audio_storage()
    if not is_s3(storage):
        return None
    return _s3_client(storage).generate_presigned_url(
        "put_object",
        Params={
            "Bucket": storage.bucket_name,  # type: ignore[attr-defined]
            "Key": _s3_key(storage, key),
            "ContentType": content_type,
            "ContentLength": size,
        },
        ExpiresIn=expires_in,
        HttpMethod="PUT",
    )

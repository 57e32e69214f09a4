"""Helpers of the resumable-upload tests (local storage, 16 KiB chunks)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from soapify.encounters.models import UploadSession

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
CHUNK = 16 * 1024
FLAC = (AUDIO / "clip.flac").read_bytes()  # ~50 KB: four chunks of 16 KiB


def create(client, encounter_id, **extra):
    payload = {"encounter_id": encounter_id, "filename": "visit.flac", "content_type": "audio/flac"}
    payload.update(extra)
    return client.post("/api/uploads/session/create/", payload, format="json")


def send(client, session_id, data: bytes, *, index=None, offset=None, sha=None):
    form = {"session_id": session_id, "file": SimpleUploadedFile("blob", data, "application/octet-stream")}
    if index is not None:
        form["index"] = index
    if offset is not None:
        form["offset"] = offset
    if sha is not None:
        form["sha256"] = sha
    return client.post("/api/uploads/chunk/", form, format="multipart")


def pieces(data: bytes, size: int = CHUNK) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def upload_all(client, encounter_id, data: bytes = FLAC, **extra) -> str:
    r = create(client, encounter_id, total_size=len(data), sha256=hashlib.sha256(data).hexdigest(), **extra)
    assert r.status_code == 201, r.json()
    sid = r.json()["session_id"]
    for i, piece in enumerate(pieces(data)):
        r = send(client, sid, piece, index=i, sha=hashlib.sha256(piece).hexdigest())
        assert r.status_code == 201, r.json()
    return sid


def prefix_files(session_id) -> list[Path]:
    prefix = UploadSession.objects.get(pk=session_id).key_prefix
    root = Path(storages["audio"].path(prefix))
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def send_raw(client, session_id, data: bytes, *, offset, sha=None, headers=False):
    params = {"session_id": session_id, "offset": offset, **({"sha256": sha} if sha else {})}
    if headers:
        extra = {"HTTP_X_SESSION_ID": str(session_id), "HTTP_UPLOAD_OFFSET": str(offset)}
        if sha:
            extra["HTTP_X_CHUNK_SHA256"] = sha
        return client.generic(
            "POST", "/api/uploads/chunk/", data=data, content_type="application/offset+octet-stream", **extra
        )
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.generic(
        "POST", f"/api/uploads/chunk/?{query}", data=data, content_type="application/octet-stream"
    )

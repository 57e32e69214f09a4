"""Presigned chunk uploads, resumable sessions and direct uploads against a real S3-compatible
HTTP server (moto) on loopback: boto3 presigns, ``requests`` PUTs, the API commits."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from soapify.encounters.models import AudioChunk, UploadSession
from soapify.encounters.uploads.cleanup import uploads_cleanup
from tests.s3server import S3Server, start_s3_server

pytestmark = pytest.mark.django_db

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
WAV = (AUDIO / "clip.wav").read_bytes()
CHUNK = 16 * 1024


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    server = start_s3_server()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _s3_audio_storage(_media_root, settings, s3):
    settings.STORAGES = {
        **settings.STORAGES,
        "audio": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": s3.bucket,
                "endpoint_url": s3.endpoint_url,
                "region_name": s3.region,
                "access_key": s3.access_key,
                "secret_key": s3.secret_key,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    settings.UPLOAD_CHUNK_SIZE = CHUNK
    storages._storages = {}
    storages._backends = None
    yield
    storages._storages = {}
    storages._backends = None


def keys(s3: S3Server, prefix: str = "") -> list[str]:
    listing = s3.client().list_objects_v2(Bucket=s3.bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def body_of(s3: S3Server, key: str) -> bytes:
    return s3.client().get_object(Bucket=s3.bucket, Key=key)["Body"].read()


def presign(client, encounter_id, data: bytes, *, number=1, fmt="wav"):
    payload = {"encounter_id": encounter_id, "chunk_number": number, "format": fmt, "file_size": len(data)}
    r = client.post("/api/audio/presigned-url/", payload, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


# --- presigned chunk uploads ---------------------------------------------------------------------------


def test_presigned_put_to_s3_then_commit(alice_client, encounter, s3):
    target = presign(alice_client, encounter.id, WAV)
    assert target["storage"] == "s3" and target["upload_url"].startswith(s3.endpoint_url)
    signed = parse_qs(urlsplit(target["upload_url"]).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-length", "content-type"} <= set(signed)
    r = requests.put(target["upload_url"], data=WAV, headers=target["headers"], timeout=10)
    assert r.status_code == 200
    sha = hashlib.sha256(WAV).hexdigest()
    r = alice_client.post(
        "/api/audio/commit/", {"chunk_id": target["chunk_id"], "sha256": sha}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["duration"] == pytest.approx(2.5, abs=0.05) and r.json()["sha256"] == sha
    chunk = AudioChunk.objects.get()
    assert chunk.status == "committed"
    assert body_of(s3, chunk.storage_key) == WAV
    acl = s3.client().get_object_acl(Bucket=s3.bucket, Key=chunk.storage_key)
    assert all("AllUsers" not in str(g.get("Grantee")) for g in acl["Grants"])


@pytest.mark.parametrize("name, fmt", [("clip.webm", "webm"), ("clip.m4a", "m4a"), ("clip.opus.ogg", "opus")])
def test_other_formats_commit_from_s3(alice_client, encounter, name, fmt):
    data = (AUDIO / name).read_bytes()
    target = presign(alice_client, encounter.id, data, fmt=fmt)
    requests.put(target["upload_url"], data=data, headers=target["headers"], timeout=10)
    r = alice_client.post("/api/audio/commit/", {"chunk_id": target["chunk_id"]}, format="json")
    assert r.status_code == 201, r.json()


def test_commit_checks_the_size_that_landed_in_s3(alice_client, encounter):
    """moto accepts a body longer than the signed Content-Length; the commit's HEAD catches it."""
    target = presign(alice_client, encounter.id, WAV)
    requests.put(target["upload_url"], data=WAV + b"tail", headers=target["headers"], timeout=10)
    r = alice_client.post("/api/audio/commit/", {"chunk_id": target["chunk_id"]}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "size_mismatch"
    assert AudioChunk.objects.get().status == "rejected"


def test_commit_before_the_put_is_409_and_checksum_mismatch_is_422(alice_client, encounter, s3):
    target = presign(alice_client, encounter.id, WAV)
    r = alice_client.post("/api/audio/commit/", {"chunk_id": target["chunk_id"]}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_uploaded"
    requests.put(target["upload_url"], data=WAV, headers=target["headers"], timeout=10)
    refused_key = AudioChunk.objects.get().storage_key
    assert refused_key in keys(s3)
    r = alice_client.post(
        "/api/audio/commit/", {"chunk_id": target["chunk_id"], "sha256": "1" * 64}, format="json"
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    # the refused object is deleted at once; a new URL and PUT then commit
    assert refused_key not in keys(s3) and AudioChunk.objects.get().status == "rejected"
    target = presign(alice_client, encounter.id, WAV)
    requests.put(target["upload_url"], data=WAV, headers=target["headers"], timeout=10)
    sha = hashlib.sha256(WAV).hexdigest()
    r = alice_client.post(
        "/api/audio/commit/", {"chunk_id": target["chunk_id"], "sha256": sha}, format="json"
    )
    assert r.status_code == 201


def test_text_named_wav_in_s3_is_415(alice_client, encounter):
    data = (AUDIO / "not_audio.wav").read_bytes()
    target = presign(alice_client, encounter.id, data)
    requests.put(target["upload_url"], data=data, headers=target["headers"], timeout=10)
    r = alice_client.post("/api/audio/commit/", {"chunk_id": target["chunk_id"]}, format="json")
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media"


def test_other_doctor_cannot_commit_an_s3_chunk(alice_client, bob_client, encounter):
    target = presign(alice_client, encounter.id, WAV)
    requests.put(target["upload_url"], data=WAV, headers=target["headers"], timeout=10)
    r = bob_client.post("/api/audio/commit/", {"chunk_id": target["chunk_id"]}, format="json")
    assert r.status_code == 404
    assert AudioChunk.objects.get().status == "pending"


# --- resumable sessions on S3 ----------------------------------------------------------------------------


def test_session_parts_live_under_the_session_prefix_and_assemble_in_s3(
    alice_client, encounter, s3, django_capture_on_commit_callbacks
):
    sha = hashlib.sha256(WAV).hexdigest()
    r = alice_client.post(
        "/api/uploads/session/create/",
        {
            "encounter_id": encounter.id,
            "filename": "a.wav",
            "content_type": "audio/wav",
            "total_size": len(WAV),
            "sha256": sha,
        },
        format="json",
    )
    sid = r.json()["session_id"]
    prefix = UploadSession.objects.get(pk=sid).key_prefix
    pieces = [WAV[i : i + CHUNK] for i in range(0, len(WAV), CHUNK)]
    for i, piece in enumerate(pieces):
        form = {"session_id": sid, "index": i, "file": SimpleUploadedFile("b", piece)}
        assert alice_client.post("/api/uploads/chunk/", form, format="multipart").status_code == 201
    # a re-sent chunk is idempotent on S3 too
    form = {"session_id": sid, "index": 0, "file": SimpleUploadedFile("b", pieces[0])}
    assert alice_client.post("/api/uploads/chunk/", form, format="multipart").status_code == 200
    assert len(keys(s3, prefix)) == len(pieces)
    with django_capture_on_commit_callbacks(execute=True):
        r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["sha256"] == sha
    assert keys(s3, prefix) == []
    assert body_of(s3, AudioChunk.objects.get().storage_key) == WAV


def test_cleanup_removes_expired_session_parts_from_s3(
    alice_client, encounter, s3, django_capture_on_commit_callbacks
):
    r = alice_client.post(
        "/api/uploads/session/create/",
        {"encounter_id": encounter.id, "filename": "a.wav", "content_type": "audio/wav"},
        format="json",
    )
    sid = r.json()["session_id"]
    form = {"session_id": sid, "index": 0, "file": SimpleUploadedFile("b", WAV[:CHUNK])}
    alice_client.post("/api/uploads/chunk/", form, format="multipart")
    prefix = UploadSession.objects.get(pk=sid).key_prefix
    assert len(keys(s3, prefix)) == 1
    UploadSession.objects.filter(pk=sid).update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert uploads_cleanup().sessions == 1
    assert keys(s3, prefix) == []


# --- direct upload: s3/presign + s3/confirm ------------------------------------------------------------


def _direct_session(client, encounter_id, size: int, content_type="audio/wav") -> str:
    r = client.post(
        "/api/uploads/session/create/",
        {"encounter_id": encounter_id, "filename": "a.wav", "content_type": content_type, "total_size": size},
        format="json",
    )
    return r.json()["session_id"]


def test_direct_s3_upload_then_confirm(alice_client, encounter, s3):
    sid = _direct_session(alice_client, encounter.id, len(WAV))
    r = alice_client.post("/api/uploads/s3/presign/", {"session_id": sid}, format="json")
    assert r.status_code == 201 and r.json()["storage"] == "s3"
    target = r.json()
    assert (
        requests.put(target["upload_url"], data=WAV, headers=target["headers"], timeout=10).status_code == 200
    )
    sha = hashlib.sha256(WAV).hexdigest()
    r = alice_client.post("/api/uploads/s3/confirm/", {"session_id": sid, "sha256": sha}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["size"] == len(WAV) and r.json()["format"] == "wav"
    final = alice_client.get(f"/api/uploads/final/{sid}/").json()
    assert final["audio_chunk_id"] == r.json()["audio_chunk_id"]
    assert body_of(s3, AudioChunk.objects.get().storage_key) == WAV


def test_direct_s3_upload_of_the_wrong_size_or_checksum_is_refused_and_deleted(alice_client, encounter, s3):
    sid = _direct_session(alice_client, encounter.id, len(WAV))
    target = alice_client.post("/api/uploads/s3/presign/", {"session_id": sid}, format="json").json()
    requests.put(target["upload_url"], data=WAV[:-10], headers=target["headers"], timeout=10)
    refused_key = UploadSession.objects.get(pk=sid).direct_key
    assert refused_key in keys(s3)
    r = alice_client.post("/api/uploads/s3/confirm/", {"session_id": sid}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "size_mismatch"
    assert refused_key not in keys(s3)  # deleted at once
    r = alice_client.post("/api/uploads/s3/confirm/", {"session_id": sid}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_uploaded"  # a new URL is needed
    target = alice_client.post("/api/uploads/s3/presign/", {"session_id": sid}, format="json").json()
    requests.put(target["upload_url"], data=WAV, headers=target["headers"], timeout=10)
    refused_key = UploadSession.objects.get(pk=sid).direct_key
    r = alice_client.post("/api/uploads/s3/confirm/", {"session_id": sid, "sha256": "2" * 64}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert refused_key not in keys(s3)
    assert not AudioChunk.objects.exists()
    session = UploadSession.objects.get(pk=sid)
    assert session.status == "open" and session.last_error.startswith("checksum_mismatch")

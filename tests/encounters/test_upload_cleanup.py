"""What refused and abandoned uploads leave behind: removed at once when the request refuses the
bytes, and by the periodic clean-up task (called directly here) for what nobody comes back for."""

from __future__ import annotations

import hashlib
import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from soapify.core.errors import ApiError
from soapify.encounters.models import AudioChunk, UploadPart, UploadSession
from soapify.encounters.tasks import cleanup_upload_sessions
from soapify.encounters.uploads.chunks import chunk_receive_stream
from tests.encounters.upload_helpers import AUDIO, CHUNK, FLAC, create, pieces, prefix_files, send, send_raw

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.UPLOAD_CHUNK_SIZE = CHUNK


@pytest.fixture
def temp_dir(settings, tmp_path) -> Path:
    """Django's and our upload temporary files go to a folder of this test's own."""
    path = tmp_path / "upload-tmp"
    path.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(path)
    return path


def stored_files() -> list[Path]:
    root = Path(storages["audio"].location)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- refused at once -------------------------------------------------------------------------------


def test_a_multipart_chunk_with_the_wrong_checksum_leaves_no_file_behind(alice_client, encounter, temp_dir):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = send(alice_client, sid, pieces(FLAC)[0], index=0, sha="0" * 64)
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert list(temp_dir.iterdir()) == [] and stored_files() == []


def test_a_raw_chunk_with_the_wrong_checksum_leaves_no_file_behind(alice_client, encounter, temp_dir):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = send_raw(alice_client, sid, pieces(FLAC)[0], offset=0, sha="0" * 64)
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert list(temp_dir.iterdir()) == [] and stored_files() == []


def test_a_raw_chunk_shorter_than_announced_leaves_no_file_behind(alice, alice_client, encounter, temp_dir):
    sid = create(alice_client, encounter.id).json()["session_id"]
    with pytest.raises(ApiError) as refused:  # the connection ended after 100 of 200 bytes
        chunk_receive_stream(user=alice, session_id=sid, stream=io.BytesIO(FLAC[:100]), length=200, offset=0)
    assert refused.value.status_code == 400 and refused.value.code == "incomplete_chunk"
    assert list(temp_dir.iterdir()) == [] and stored_files() == []
    assert UploadSession.objects.get(pk=sid).received_bytes == 0


def test_a_presigned_chunk_that_is_not_audio_is_deleted_at_commit(alice_client, anon, encounter):
    data = (AUDIO / "not_audio.wav").read_bytes()
    payload = {"encounter_id": encounter.id, "chunk_number": 1, "format": "wav", "file_size": len(data)}
    target = alice_client.post("/api/audio/presigned-url/", payload, format="json").json()
    path = "/" + target["upload_url"].split("/", 3)[3]
    assert anon.generic("PUT", path, data=data, content_type="audio/wav").status_code == 200
    assert len(stored_files()) == 1
    r = alice_client.post("/api/audio/commit/", {"chunk_id": target["chunk_id"]}, format="json")
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media"
    assert stored_files() == []
    chunk = AudioChunk.objects.get()
    assert chunk.status == "rejected" and chunk.storage_key == ""
    assert chunk.rejection_reason.startswith("unsupported_media")


# --- the periodic clean-up -------------------------------------------------------------------------------


def test_expired_sessions_answer_410_and_cleanup_removes_their_parts(
    alice_client, encounter, django_capture_on_commit_callbacks
):
    parts = pieces(FLAC)
    sid = create(alice_client, encounter.id).json()["session_id"]
    send(alice_client, sid, parts[0], index=0)
    assert len(prefix_files(sid)) == 1
    UploadSession.objects.filter(pk=sid).update(expires_at=timezone.now() - timedelta(seconds=1))
    for r in (
        send(alice_client, sid, parts[1], index=1),
        alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json"),
        alice_client.get(f"/api/uploads/session/{sid}/"),
        alice_client.get(f"/api/uploads/final/{sid}/"),
    ):
        assert r.status_code == 410 and r.json()["error"]["code"] == "upload_session_expired"
    with django_capture_on_commit_callbacks(execute=True):
        assert cleanup_upload_sessions() == {"sessions": 1, "chunks": 0, "temp_files": 0}
    assert prefix_files(sid) == [] and not UploadPart.objects.exists()
    assert UploadSession.objects.get(pk=sid).status == "expired"
    assert send(alice_client, sid, parts[1], index=1).status_code == 410
    assert cleanup_upload_sessions()["sessions"] == 0


def test_cleanup_leaves_open_and_committed_sessions_alone(alice_client, encounter):
    live = create(alice_client, encounter.id).json()["session_id"]
    send(alice_client, live, pieces(FLAC)[0], index=0)
    done = create(alice_client, encounter.id, total_size=len(FLAC)).json()["session_id"]
    for i, piece in enumerate(pieces(FLAC)):
        send(alice_client, done, piece, index=i)
    assert alice_client.post("/api/uploads/commit/", {"session_id": done}, format="json").status_code == 201
    UploadSession.objects.filter(pk=done).update(expires_at=timezone.now() - timedelta(days=2))
    assert cleanup_upload_sessions()["sessions"] == 0
    assert len(prefix_files(live)) == 1
    assert alice_client.get(f"/api/uploads/final/{done}/").status_code == 200


def test_a_failed_commits_parts_are_kept_briefly_then_cleaned_up(
    alice_client, encounter, settings, django_capture_on_commit_callbacks
):
    sid = create(alice_client, encounter.id, sha256="f" * 64).json()["session_id"]
    for i, piece in enumerate(pieces(FLAC)):
        send(alice_client, sid, piece, index=i)
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    session = UploadSession.objects.get(pk=sid)
    # kept for a retry with the right sha256, but no longer for the session's whole lifetime
    assert session.expires_at <= timezone.now() + timedelta(seconds=settings.UPLOAD_FAILED_COMMIT_TTL_SECONDS)
    assert len(prefix_files(sid)) == 4
    assert cleanup_upload_sessions()["sessions"] == 0
    UploadSession.objects.filter(pk=sid).update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert cleanup_upload_sessions()["sessions"] == 1
    assert prefix_files(sid) == []


def test_cleanup_removes_presigned_chunks_uploaded_but_never_committed(
    alice_client, anon, encounter, settings
):
    data = (AUDIO / "clip.wav").read_bytes()
    payload = {"encounter_id": encounter.id, "chunk_number": 1, "format": "wav", "file_size": len(data)}
    target = alice_client.post("/api/audio/presigned-url/", payload, format="json").json()
    path = "/" + target["upload_url"].split("/", 3)[3]
    assert anon.generic("PUT", path, data=data, content_type="audio/wav").status_code == 200
    assert cleanup_upload_sessions()["chunks"] == 0  # not old yet
    old = timezone.now() - timedelta(seconds=settings.UPLOAD_SESSION_TTL_SECONDS + 1)
    AudioChunk.objects.filter(pk=target["chunk_id"]).update(updated_at=old)
    assert cleanup_upload_sessions()["chunks"] == 1
    assert stored_files() == []
    chunk = AudioChunk.objects.get()
    assert chunk.status == "rejected" and chunk.rejection_reason.startswith("abandoned")
    r = alice_client.post(
        "/api/audio/commit/",
        {"chunk_id": chunk.pk, "sha256": hashlib.sha256(data).hexdigest()},
        format="json",
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_uploaded"


def test_cleanup_removes_stale_temporary_files_only(temp_dir, settings):
    stale, fresh = temp_dir / "soapify-dead.upload", temp_dir / "tmp-live.upload"
    stale.write_bytes(b"left by a killed worker")
    fresh.write_bytes(b"a request in progress")
    long_ago = time.time() - settings.UPLOAD_SESSION_TTL_SECONDS - 60
    os.utime(stale, (long_ago, long_ago))
    assert cleanup_upload_sessions() == {"sessions": 0, "chunks": 0, "temp_files": 1}
    assert list(temp_dir.iterdir()) == [fresh]

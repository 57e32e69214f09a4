"""Resumable upload sessions (/api/uploads/...) with local storage."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from soapify.encounters.models import AudioChunk, UploadPart, UploadSession
from tests.encounters.upload_helpers import (
    AUDIO,
    CHUNK,
    FLAC,
    create,
    pieces,
    prefix_files,
    send,
    send_raw,
    upload_all,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.UPLOAD_CHUNK_SIZE = CHUNK


# --- the whole flow ---------------------------------------------------------------------------------


def test_chunked_upload_commits_one_audio_chunk_with_the_original_bytes(
    alice_client, encounter, django_capture_on_commit_callbacks
):
    sid = upload_all(alice_client, encounter.id)
    # each part is its own object under the session's prefix, named by its offset
    files = prefix_files(sid)
    assert [f.name for f in files] == [f"part-{i * CHUNK:012d}" for i in range(4)]
    assert b"".join(f.read_bytes() for f in files) == FLAC
    assert UploadPart.objects.filter(session_id=sid).count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["size"] == len(FLAC) and body["sha256"] == hashlib.sha256(FLAC).hexdigest()
    assert body["format"] == "flac" and body["codec"] == "flac"
    assert body["duration"] == pytest.approx(2.5, abs=0.05)
    chunk = AudioChunk.objects.get(pk=body["audio_chunk_id"])
    assert chunk.status == "committed" and chunk.chunk_number == 1
    assert chunk.storage_key.startswith("audio/") and chunk.storage_key.endswith(".flac")
    assert storages["audio"].open(chunk.storage_key).read() == FLAC
    assert prefix_files(sid) == [] and not UploadPart.objects.exists()
    final = alice_client.get(f"/api/uploads/final/{sid}/")
    assert final.status_code == 200 and final.json() == body
    encounter.refresh_from_db()
    assert encounter.status != "created"  # "recording", or later when STT runs eagerly
    detail = alice_client.get(f"/api/encounters/{encounter.id}/").json()
    assert [(c["id"], c["status"]) for c in detail["chunks"]] == [(chunk.pk, "committed")]


def test_commit_is_idempotent(alice_client, encounter):
    sid = upload_all(alice_client, encounter.id)
    first = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    again = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert AudioChunk.objects.count() == 1


def test_session_reports_received_bytes_and_next_index(alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    parts = pieces(FLAC)
    r = send(alice_client, sid, parts[0], index=0)
    assert r.status_code == 201
    assert r.json()["received_bytes"] == CHUNK and r.json()["complete"] is False
    status = alice_client.get(f"/api/uploads/session/{sid}/").json()
    assert status["received_bytes"] == CHUNK and status["next_index"] == 1 and status["status"] == "open"
    assert status["chunk_size"] == CHUNK


def test_resume_after_the_client_disappears_mid_upload(alice_client, encounter):
    """A new client asks where the upload stands and sends the rest by byte offset."""
    parts = pieces(FLAC)
    sid = create(alice_client, encounter.id, total_size=len(FLAC)).json()["session_id"]
    send(alice_client, sid, parts[0], index=0)
    send(alice_client, sid, parts[1], index=1)
    # ... connection lost while part 2 was in flight; a fresh client resumes
    offset = alice_client.get(f"/api/uploads/session/{sid}/").json()["received_bytes"]
    assert offset == 2 * CHUNK
    rest = FLAC[offset:]
    for i in range(0, len(rest), 10_000):  # different piece sizes are fine with offsets
        r = send(alice_client, sid, rest[i : i + 10_000], offset=offset + i)
        assert r.status_code == 201, r.json()
    r = alice_client.post(
        "/api/uploads/commit/", {"session_id": sid, "sha256": hashlib.sha256(FLAC).hexdigest()}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["sha256"] == hashlib.sha256(FLAC).hexdigest()


def test_a_resent_chunk_is_accepted_idempotently(alice_client, encounter):
    parts = pieces(FLAC)
    sid = create(alice_client, encounter.id).json()["session_id"]
    send(alice_client, sid, parts[0], index=0)
    send(alice_client, sid, parts[1], index=1)
    r = send(alice_client, sid, parts[0], index=0)
    assert r.status_code == 200 and r.json()["duplicate"] is True
    assert r.json()["received_bytes"] == 2 * CHUNK
    assert UploadPart.objects.count() == 2


def test_different_bytes_at_an_old_offset_are_409(alice_client, encounter):
    parts = pieces(FLAC)
    sid = create(alice_client, encounter.id).json()["session_id"]
    send(alice_client, sid, parts[0], index=0)
    r = send(alice_client, sid, parts[1], index=0)
    assert r.status_code == 409 and r.json()["error"]["code"] == "offset_mismatch"
    assert UploadPart.objects.get().sha256 == hashlib.sha256(parts[0]).hexdigest()


@pytest.mark.parametrize("kw", [{"index": 2}, {"offset": CHUNK + 1}, {"offset": 5}])
def test_a_chunk_at_the_wrong_offset_is_409_and_changes_nothing(alice_client, encounter, kw):
    parts = pieces(FLAC)
    sid = create(alice_client, encounter.id).json()["session_id"]
    send(alice_client, sid, parts[0], index=0)
    before = prefix_files(sid)
    r = send(alice_client, sid, parts[2], **kw)
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "offset_mismatch" and err["received_bytes"] == CHUNK
    assert UploadSession.objects.get(pk=sid).received_bytes == CHUNK
    assert prefix_files(sid) == before


def test_a_chunk_checksum_mismatch_is_rejected_and_stores_nothing(alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = send(alice_client, sid, pieces(FLAC)[0], index=0, sha="0" * 64)
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert UploadSession.objects.get(pk=sid).received_bytes == 0
    assert prefix_files(sid) == [] and not UploadPart.objects.exists()


def test_whole_file_checksum_mismatch_creates_no_chunk(alice_client, encounter):
    parts = pieces(FLAC)
    sid = create(alice_client, encounter.id, sha256="f" * 64).json()["session_id"]
    for i, p in enumerate(parts):
        send(alice_client, sid, p, index=i)
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert not AudioChunk.objects.exists()
    session = UploadSession.objects.get(pk=sid)
    assert session.status == "open" and session.last_error.startswith("checksum_mismatch")
    # the parts are kept: the right checksum commits
    r = alice_client.post(
        "/api/uploads/commit/", {"session_id": sid, "sha256": hashlib.sha256(FLAC).hexdigest()}, format="json"
    )
    assert r.status_code == 201


def test_incomplete_upload_cannot_commit(alice_client, encounter):
    sid = create(alice_client, encounter.id, total_size=len(FLAC)).json()["session_id"]
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "incomplete_upload"
    send(alice_client, sid, pieces(FLAC)[0], index=0)
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 409 and r.json()["error"]["received_bytes"] == CHUNK
    final = alice_client.get(f"/api/uploads/final/{sid}/")
    assert final.status_code == 409 and final.json()["error"]["code"] == "not_committed"


@pytest.mark.parametrize(
    "name, status, code",
    [
        ("not_audio.wav", 415, "unsupported_media"),
        ("corrupt.mp3", 422, "corrupt_audio"),
        ("truncated.m4a", 422, "corrupt_audio"),
    ],
)
def test_undecodable_uploads_are_rejected_with_the_reason(
    alice_client, encounter, name, status, code, django_capture_on_commit_callbacks
):
    data = (AUDIO / name).read_bytes()
    sid = create(alice_client, encounter.id, content_type="application/octet-stream").json()["session_id"]
    for i, p in enumerate(pieces(data)):
        send(alice_client, sid, p, index=i)
    assert len(prefix_files(sid)) == len(pieces(data))
    with django_capture_on_commit_callbacks(execute=True):
        r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert not AudioChunk.objects.exists()
    # the refused bytes are removed at once and the session takes nothing more
    assert prefix_files(sid) == [] and not UploadPart.objects.filter(session_id=sid).exists()
    session = UploadSession.objects.get(pk=sid)
    assert session.status == "rejected" and session.last_error.startswith(code)
    again = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert again.status_code == 410 and again.json()["error"]["code"] == "upload_session_rejected"


def test_empty_chunk_is_400(alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = send(alice_client, sid, b"", index=0)
    assert r.status_code == 400 and r.json()["error"]["code"] == "empty_chunk"


# --- sizes --------------------------------------------------------------------------------------------


def test_past_the_declared_total_size_is_413(alice_client, encounter):
    sid = create(alice_client, encounter.id, total_size=CHUNK + 10).json()["session_id"]
    parts = pieces(FLAC)
    send(alice_client, sid, parts[0], index=0)
    r = send(alice_client, sid, parts[1], index=1)
    assert r.status_code == 413 and r.json()["error"]["code"] == "exceeds_declared_size"
    assert UploadSession.objects.get(pk=sid).received_bytes == CHUNK


def test_past_the_audio_size_limit_is_413(alice_client, encounter, settings):
    settings.AUDIO_MAX_BYTES = CHUNK + 10
    sid = create(alice_client, encounter.id).json()["session_id"]
    parts = pieces(FLAC)
    send(alice_client, sid, parts[0], index=0)
    r = send(alice_client, sid, parts[1], index=1)
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    r = create(alice_client, encounter.id, total_size=CHUNK + 11)
    assert r.status_code == 413


def test_a_chunk_larger_than_chunk_size_is_413(alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = send(alice_client, sid, FLAC[: CHUNK + 1], index=0)
    assert r.status_code == 413 and r.json()["error"]["code"] == "chunk_too_large"


def test_a_request_body_over_the_upload_limit_is_413(alice_client, encounter, settings):
    settings.UPLOAD_REQUEST_MAX_BYTES = 1000
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = send(alice_client, sid, FLAC[:CHUNK], index=0)
    assert r.status_code == 413
    assert not UploadPart.objects.exists()


# --- chunk numbers ----------------------------------------------------------------------------------------


def test_sessions_append_after_existing_chunks_or_take_the_number_given(alice_client, encounter):
    first = upload_all(alice_client, encounter.id)
    assert (
        alice_client.post("/api/uploads/commit/", {"session_id": first}, format="json").json()["chunk_number"]
        == 1
    )
    second = upload_all(alice_client, encounter.id, chunk_number=7)
    body = alice_client.post("/api/uploads/commit/", {"session_id": second}, format="json").json()
    assert body["chunk_number"] == 7 and body["start_offset"] == pytest.approx(2.5, abs=0.01)
    r = create(alice_client, encounter.id, chunk_number=7)
    assert r.status_code == 409 and r.json()["error"]["code"] == "chunk_already_committed"


# --- direct upload with local storage (signed URL) ------------------------------------------------------


def test_direct_upload_with_local_storage_uses_a_signed_url(alice_client, anon, encounter):
    data = (AUDIO / "clip.webm").read_bytes()
    sid = create(alice_client, encounter.id, content_type="audio/webm", total_size=len(data)).json()[
        "session_id"
    ]
    r = alice_client.post("/api/uploads/s3/presign/", {"session_id": sid}, format="json")
    assert r.status_code == 201 and r.json()["storage"] == "local"
    target = r.json()
    confirm = alice_client.post("/api/uploads/s3/confirm/", {"session_id": sid}, format="json")
    assert confirm.status_code == 409 and confirm.json()["error"]["code"] == "not_uploaded"
    put = anon.generic("PUT", urlsplit(target["upload_url"]).path, data=data, content_type="audio/webm")
    assert put.status_code == 200, put.json()
    again = anon.generic("PUT", urlsplit(target["upload_url"]).path, data=data, content_type="audio/webm")
    assert again.status_code == 409
    sha = hashlib.sha256(data).hexdigest()
    confirm = alice_client.post("/api/uploads/s3/confirm/", {"session_id": sid, "sha256": sha}, format="json")
    assert confirm.status_code == 201, confirm.json()
    assert confirm.json()["codec"] == "opus" and confirm.json()["sha256"] == sha
    repeat = alice_client.post("/api/uploads/s3/confirm/", {"session_id": sid}, format="json")
    assert repeat.status_code == 200 and repeat.json() == confirm.json()


def test_direct_upload_needs_total_size(alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = alice_client.post("/api/uploads/s3/presign/", {"session_id": sid}, format="json")
    assert r.status_code == 400 and "total_size" in r.json()["error"]["fields"]


# --- access matrix ----------------------------------------------------------------------------------------

MATRIX = [("owner", None), ("other", 404), ("admin", 404), ("anon", 401)]


@pytest.mark.parametrize("who, status", MATRIX)
def test_session_create_access_matrix(matrix, encounter, who, status):
    r = create(matrix[who], encounter.id)
    assert r.status_code == (status or 201)
    assert UploadSession.objects.count() == (0 if status else 1)


@pytest.mark.parametrize("who, status", MATRIX)
def test_chunk_access_matrix(matrix, alice_client, encounter, who, status):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = send(matrix[who], sid, pieces(FLAC)[0], index=0)
    assert r.status_code == (status or 201)
    assert UploadPart.objects.count() == (0 if status else 1)


@pytest.mark.parametrize("who, status", MATRIX)
@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/api/uploads/commit/", True),
        ("get", "/api/uploads/final/{sid}/", False),
        ("get", "/api/uploads/session/{sid}/", False),
        ("post", "/api/uploads/s3/confirm/", True),
    ],
)
def test_session_endpoints_access_matrix(matrix, alice_client, encounter, who, status, method, path, body):
    sid = upload_all(alice_client, encounter.id)
    if "s3" in path:
        alice_client.post("/api/uploads/s3/presign/", {"session_id": sid}, format="json")
    if "final" in path:
        alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    client = matrix[who]
    r = client.post(path, {"session_id": sid}, format="json") if body else client.get(path.format(sid=sid))
    owner_status = {"commit": 201, "final": 200, "session": 200, "s3": 409}  # s3: nothing was PUT
    assert r.status_code == (status or owner_status[path.split("/")[3]])
    if status:
        assert AudioChunk.objects.count() == (1 if "final" in path else 0)


@pytest.mark.parametrize("who, status", MATRIX)
def test_s3_presign_access_matrix(matrix, alice_client, encounter, who, status):
    sid = create(alice_client, encounter.id, total_size=100).json()["session_id"]
    r = matrix[who].post("/api/uploads/s3/presign/", {"session_id": sid}, format="json")
    assert r.status_code == (status or 201)


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"encounter_id": "x"}, "encounter_id"),
        ({"filename": ""}, "filename"),
        ({"total_size": 0}, "total_size"),
        ({"total_size": -1}, "total_size"),
        ({"total_size": "big"}, "total_size"),
        ({"sha256": "xyz"}, "sha256"),
        ({"chunk_number": -1}, "chunk_number"),
        ({"owner": 1}, "owner"),
    ],
)
def test_bad_session_create_input_is_400(alice_client, encounter, payload, field):
    r = create(alice_client, payload.pop("encounter_id", encounter.id), **payload)
    assert r.status_code == 400 and field in r.json()["error"]["fields"]
    assert not UploadSession.objects.exists()


def test_unknown_content_type_is_415_and_unknown_encounter_404(alice_client, encounter):
    r = create(alice_client, encounter.id, content_type="video/mp4")
    assert r.status_code == 415
    assert create(alice_client, 999999).status_code == 404
    assert not UploadSession.objects.exists()


@pytest.mark.parametrize(
    "path", ["/api/uploads/session/create/", "/api/uploads/commit/", "/api/uploads/s3/presign/"]
)
def test_malformed_json_is_400(alice_client, path):
    r = alice_client.post(path, data="{", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_request"


@pytest.mark.parametrize(
    "form, field",
    [
        ({"session_id": "nope", "index": 0}, "session_id"),
        ({"index": 0}, "session_id"),
        ({"session_id": "SID", "index": -1}, "index"),
        ({"session_id": "SID", "index": "a"}, "index"),
        ({"session_id": "SID"}, "index"),
        ({"session_id": "SID", "index": 0, "sha256": "12"}, "sha256"),
        ({"session_id": "SID", "index": 0, "extra": "1"}, "extra"),
    ],
)
def test_bad_chunk_input_is_400(alice_client, encounter, form, field):
    sid = create(alice_client, encounter.id).json()["session_id"]
    form = {k: (sid if v == "SID" else v) for k, v in form.items()}
    form["file"] = SimpleUploadedFile("b", b"abc")
    r = alice_client.post("/api/uploads/chunk/", form, format="multipart")
    assert r.status_code == 400 and field in r.json()["error"]["fields"]
    assert not UploadPart.objects.exists()


def test_chunk_without_a_file_or_as_json_is_4xx(alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = alice_client.post("/api/uploads/chunk/", {"session_id": sid, "index": 0}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()["error"]["fields"]
    r = alice_client.post("/api/uploads/chunk/", {"session_id": sid, "index": 0}, format="json")
    assert r.status_code == 415


def test_unknown_session_ids_are_404(alice_client, encounter):
    unknown = str(uuid.uuid4())
    assert (
        alice_client.post("/api/uploads/commit/", {"session_id": unknown}, format="json").status_code == 404
    )
    assert alice_client.get(f"/api/uploads/final/{unknown}/").status_code == 404
    assert alice_client.get("/api/uploads/final/not-a-uuid/").status_code == 404
    assert send(alice_client, unknown, b"abc", index=0).status_code == 404


# --- raw (tus-style) chunk bodies -------------------------------------------------------------------


def test_raw_chunks_upload_resume_and_commit(alice_client, encounter):
    sha = hashlib.sha256(FLAC).hexdigest()
    sid = create(alice_client, encounter.id, total_size=len(FLAC), sha256=sha).json()["session_id"]
    parts = pieces(FLAC)
    r = send_raw(alice_client, sid, parts[0], offset=0, sha=hashlib.sha256(parts[0]).hexdigest())
    assert r.status_code == 201 and r["Upload-Offset"] == str(CHUNK) and r.json()["received_bytes"] == CHUNK
    again = send_raw(alice_client, sid, parts[0], offset=0, headers=True)  # identical re-send
    assert again.status_code == 200 and again.json()["duplicate"] is True
    wrong = send_raw(alice_client, sid, parts[1], offset=CHUNK + 1)
    assert wrong.status_code == 409 and wrong.json()["error"]["received_bytes"] == CHUNK
    bad = send_raw(alice_client, sid, parts[1], offset=CHUNK, sha="0" * 64)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "checksum_mismatch"
    assert [f.stat().st_size for f in prefix_files(sid)] == [CHUNK]  # nothing of the bad chunk was kept
    for i, piece in enumerate(parts[1:], start=1):
        r = send_raw(alice_client, sid, piece, offset=i * CHUNK, headers=i % 2 == 0)
        assert r.status_code == 201, r.json()
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201 and r.json()["sha256"] == sha and r.json()["container"] == "flac"
    chunk = AudioChunk.objects.get(pk=r.json()["audio_chunk_id"])
    assert storages["audio"].open(chunk.storage_key).read() == FLAC


def test_raw_chunk_limits(alice_client, encounter, settings):
    sid = create(alice_client, encounter.id, total_size=CHUNK + 10).json()["session_id"]
    r = send_raw(alice_client, sid, FLAC[: CHUNK + 1], offset=0)
    assert r.status_code == 413 and r.json()["error"]["code"] == "chunk_too_large"
    r = send_raw(alice_client, sid, b"", offset=0)
    assert r.status_code == 400 and r.json()["error"]["code"] == "empty_chunk"
    assert send_raw(alice_client, sid, FLAC[:CHUNK], offset=0).status_code == 201
    r = send_raw(alice_client, sid, FLAC[CHUNK : 2 * CHUNK], offset=CHUNK)
    assert r.status_code == 413 and r.json()["error"]["code"] == "exceeds_declared_size"
    settings.UPLOAD_REQUEST_MAX_BYTES = 1000
    r = send_raw(alice_client, sid, FLAC[:CHUNK], offset=0)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = alice_client.generic("POST", "/api/uploads/chunk/", data=b"{" * 3000, content_type="application/json")
    assert r.status_code == 413  # other bodies keep the generic limits on this path
    assert UploadSession.objects.get(pk=sid).received_bytes == CHUNK


def test_raw_chunk_needs_a_session_and_offset(alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = alice_client.generic(
        "POST", f"/api/uploads/chunk/?session_id={sid}", data=b"x", content_type="application/octet-stream"
    )
    assert r.status_code == 400 and "offset" in r.json()["error"]["fields"]
    r = send_raw(alice_client, uuid.uuid4(), b"x", offset=0)
    assert r.status_code == 404


def test_every_chunk_post_is_audited(alice_client, encounter):
    from soapify.core.models import AuditLog

    sid = create(alice_client, encounter.id, total_size=len(FLAC)).json()["session_id"]
    parts = pieces(FLAC)
    assert send_raw(alice_client, sid, parts[0], offset=0).status_code == 201
    assert send_raw(alice_client, sid, parts[1], offset=5).status_code == 409
    rows = AuditLog.objects.filter(object_type="upload_session", path="/api/uploads/chunk/").order_by("id")
    assert [(r.action, r.outcome, r.status_code) for r in rows] == [
        ("create", "success", 201),
        ("create", "rejected", 409),
    ]

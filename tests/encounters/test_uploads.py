"""Resumable upload sessions (/api/uploads/...) with local storage."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from soapify.core import sha256state
from soapify.encounters.models import AudioChunk, UploadPart, UploadSession
from soapify.encounters.tasks import cleanup_upload_sessions

pytestmark = pytest.mark.django_db

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
CHUNK = 16 * 1024
FLAC = (AUDIO / "clip.flac").read_bytes()  # ~50 KB: four chunks of 16 KiB


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.UPLOAD_CHUNK_SIZE = CHUNK


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


# --- the whole flow ---------------------------------------------------------------------------------


def test_chunked_upload_commits_one_audio_chunk_with_the_original_bytes(
    alice_client, encounter, django_capture_on_commit_callbacks
):
    sid = upload_all(alice_client, encounter.id)
    # local storage: the four parts were written in order into the session's one data file
    files = prefix_files(sid)
    assert [f.name for f in files] == ["data"] and files[0].read_bytes() == FLAC
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
def test_undecodable_uploads_are_rejected_with_the_reason(alice_client, encounter, name, status, code):
    data = (AUDIO / name).read_bytes()
    sid = create(alice_client, encounter.id, content_type="application/octet-stream").json()["session_id"]
    for i, p in enumerate(pieces(data)):
        send(alice_client, sid, p, index=i)
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert not AudioChunk.objects.exists()


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


# --- expiry and cleanup ---------------------------------------------------------------------------------


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
        assert cleanup_upload_sessions() == 1
    assert prefix_files(sid) == [] and not UploadPart.objects.exists()
    assert UploadSession.objects.get(pk=sid).status == "expired"
    assert send(alice_client, sid, parts[1], index=1).status_code == 410
    assert cleanup_upload_sessions() == 0


def test_cleanup_leaves_open_and_committed_sessions_alone(alice_client, encounter):
    live = create(alice_client, encounter.id).json()["session_id"]
    send(alice_client, live, pieces(FLAC)[0], index=0)
    done = upload_all(alice_client, encounter.id)
    alice_client.post("/api/uploads/commit/", {"session_id": done}, format="json")
    UploadSession.objects.filter(pk=done).update(expires_at=timezone.now() - timedelta(days=2))
    assert cleanup_upload_sessions() == 0
    assert len(prefix_files(live)) == 1
    assert alice_client.get(f"/api/uploads/final/{done}/").status_code == 200


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
    if status:
        assert r.status_code == status
    else:
        assert r.status_code in (200, 201, 409)  # s3/confirm: nothing was PUT (409 not_uploaded)
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


# --- the benchmark's discard view ---------------------------------------------------------------------


def test_discard_view_is_off_by_default_and_admin_only(admin_client, alice_client, anon, settings):
    def post(client):
        return client.generic(
            "POST", "/api/uploads/_discard/", data=b"x" * 5000, content_type="application/octet-stream"
        )

    assert post(admin_client).status_code == 404
    settings.UPLOAD_DISCARD_VIEW = True
    assert post(anon).status_code == 401
    assert post(alice_client).status_code == 403
    r = post(admin_client)
    assert r.status_code == 200 and r.json()["size"] == 5000


# --- raw (tus-style) chunk bodies -------------------------------------------------------------------


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
    assert prefix_files(sid)[0].stat().st_size == CHUNK  # nothing of the bad chunk was kept
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


def test_raw_chunk_cuts_off_leftovers_of_an_interrupted_attempt(alice_client, encounter):
    """A worker that died mid-chunk leaves bytes past received_bytes in the data file: the next
    chunk at received_bytes replaces them and the committed file is exactly the recording."""
    sha = hashlib.sha256(FLAC).hexdigest()
    sid = create(alice_client, encounter.id, total_size=len(FLAC), sha256=sha).json()["session_id"]
    parts = pieces(FLAC)
    assert send_raw(alice_client, sid, parts[0], offset=0).status_code == 201
    (data_file,) = prefix_files(sid)
    with data_file.open("ab") as fh:
        fh.write(b"\0garbage of a dead attempt" * 100)
    for i, piece in enumerate(parts[1:], start=1):
        r = send_raw(alice_client, sid, piece, offset=i * CHUNK)
        assert r.status_code == 201, r.json()
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201 and r.json()["sha256"] == sha


def test_raw_chunk_that_loses_the_race_keeps_nothing(alice_client, encounter, monkeypatch):
    """The session read before the file lock is stale (another writer recorded the range, or the
    session expired, in between): the one recording statement matches nothing, the bytes written
    are cut off again and the fresh state answers (409 / 410)."""
    from soapify.encounters import services_uploads

    sid = create(alice_client, encounter.id, total_size=len(FLAC)).json()["session_id"]
    parts = pieces(FLAC)
    assert send_raw(alice_client, sid, parts[0], offset=0).status_code == 201
    real = services_uploads._record_part

    def other_writer_won(session, **kw):
        UploadSession.objects.filter(pk=session.pk).update(received_bytes=2 * CHUNK)
        return real(session, **kw)

    monkeypatch.setattr(services_uploads, "_record_part", other_writer_won)
    r = send_raw(alice_client, sid, parts[1], offset=CHUNK)
    assert r.status_code == 409 and r.json()["error"]["code"] == "offset_mismatch"
    assert prefix_files(sid)[0].stat().st_size == CHUNK
    assert UploadPart.objects.filter(session_id=sid).count() == 1

    UploadSession.objects.filter(pk=sid).update(received_bytes=CHUNK)

    def expired_meanwhile(session, **kw):
        UploadSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        return real(session, **kw)

    monkeypatch.setattr(services_uploads, "_record_part", expired_meanwhile)
    r = send_raw(alice_client, sid, parts[1], offset=CHUNK)
    assert r.status_code == 410 and r.json()["error"]["code"] == "upload_session_expired"
    assert prefix_files(sid)[0].stat().st_size == CHUNK
    assert UploadPart.objects.filter(session_id=sid).count() == 1


# --- the whole-file digest carried from chunk to chunk ----------------------------------------------


@pytest.mark.skipif(not sha256state.AVAILABLE, reason="no usable libcrypto")
@pytest.mark.parametrize("raw", [True, False])
def test_commit_uses_the_digest_the_chunks_carried_without_reading_the_file(
    alice_client, encounter, monkeypatch, raw
):
    from soapify.encounters import services_uploads

    sha = hashlib.sha256(FLAC).hexdigest()
    sid = create(alice_client, encounter.id, total_size=len(FLAC), sha256=sha).json()["session_id"]
    for i, piece in enumerate(pieces(FLAC)):
        r = (
            send_raw(alice_client, sid, piece, offset=i * CHUNK)
            if raw
            else send(alice_client, sid, piece, index=i)
        )
        assert r.status_code == 201, r.json()
    session = UploadSession.objects.get(pk=sid)
    assert sha256state.load(session.hash_state, count=len(FLAC)).hexdigest() == sha

    def must_not_read(*args, **kwargs):
        raise AssertionError("the data file was read back")

    monkeypatch.setattr(services_uploads, "sha256_range", must_not_read)
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201 and r.json()["sha256"] == sha


@pytest.mark.parametrize("state", [b"", b"garbage", b"sha256ctx1:x:" + bytes(264)])
def test_commit_without_a_usable_carried_digest_hashes_the_file_again(alice_client, encounter, state):
    sha = hashlib.sha256(FLAC).hexdigest()
    sid = create(alice_client, encounter.id, total_size=len(FLAC), sha256=sha).json()["session_id"]
    for i, piece in enumerate(pieces(FLAC)):
        assert send_raw(alice_client, sid, piece, offset=i * CHUNK).status_code == 201
    UploadSession.objects.filter(pk=sid).update(hash_state=state)
    (data_file,) = prefix_files(sid)
    data_file.write_bytes(FLAC[:-1] + b"\0")  # the read-back notices a damaged file
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    data_file.write_bytes(FLAC)
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201 and r.json()["sha256"] == sha


def test_a_chunk_after_a_gap_in_the_carried_digest_drops_it(alice_client, encounter):
    """A state that does not cover exactly the bytes before a chunk is never extended."""
    sid = create(alice_client, encounter.id, total_size=len(FLAC)).json()["session_id"]
    parts = pieces(FLAC)
    assert send_raw(alice_client, sid, parts[0], offset=0).status_code == 201
    UploadSession.objects.filter(pk=sid).update(hash_state=b"stale")
    assert send_raw(alice_client, sid, parts[1], offset=CHUNK).status_code == 201
    assert bytes(UploadSession.objects.get(pk=sid).hash_state) == b""


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


def test_a_chunk_racing_a_finished_commit_never_touches_the_recording(alice_client, encounter, monkeypatch):
    """The chunk read the session before the commit and takes the file lock after it: the data file
    is now also the committed recording (a second link), so nothing is appended to it."""
    from soapify.encounters import services_uploads

    sid = create(alice_client, encounter.id).json()["session_id"]
    parts = pieces(FLAC)
    for i, piece in enumerate(parts):
        assert send_raw(alice_client, sid, piece, offset=i * CHUNK).status_code == 201
    stale = UploadSession.objects.get(pk=sid)  # what the late chunk read, before the commit
    r = alice_client.post(
        "/api/uploads/commit/", {"session_id": sid, "sha256": hashlib.sha256(FLAC).hexdigest()}
    )
    assert r.status_code == 201
    chunk = AudioChunk.objects.get(pk=r.json()["audio_chunk_id"])
    real = services_uploads._open_session_for_chunk
    calls = []

    def stale_first(**kw):
        calls.append(kw)
        return stale if len(calls) == 1 else real(**kw)

    monkeypatch.setattr(services_uploads, "_open_session_for_chunk", stale_first)

    def must_not_write(*args, **kwargs):
        raise AssertionError("bytes were appended to the committed recording")

    monkeypatch.setattr(services_uploads, "receive_at", must_not_write)
    r = send_raw(alice_client, sid, b"late bytes", offset=len(FLAC))
    assert r.status_code == 409 and r.json()["error"]["code"] == "upload_session_committed"
    assert storages["audio"].open(chunk.storage_key).read() == FLAC


def test_acknowledged_bytes_lost_from_the_data_file_are_refused_at_commit(alice_client, encounter):
    """A machine crash can lose chunks that were acknowledged (they are not fsynced one by one):
    the file is then shorter than received_bytes. The carried digest no longer describes it, so the
    commit reads the file back and refuses it instead of recording a sha256 the bytes don't have."""
    sha = hashlib.sha256(FLAC).hexdigest()
    sid = create(alice_client, encounter.id, total_size=len(FLAC), sha256=sha).json()["session_id"]
    parts = pieces(FLAC)
    for i in range(2):
        assert send_raw(alice_client, sid, parts[i], offset=i * CHUNK).status_code == 201
    (data_file,) = prefix_files(sid)
    with data_file.open("r+b") as fh:
        fh.truncate(CHUNK + 100)  # the end of the second chunk never reached the disk
    for i, piece in enumerate(parts[2:], start=2):
        assert send_raw(alice_client, sid, piece, offset=i * CHUNK).status_code == 201
    assert bytes(UploadSession.objects.get(pk=sid).hash_state) == b""
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert not AudioChunk.objects.filter(encounter=encounter).exists()


def test_commit_copies_the_data_file_where_it_cannot_be_linked(alice_client, encounter, monkeypatch):
    import os as os_module

    from soapify.encounters import storage as storage_module

    def no_links(src, dst):
        raise OSError(18, "Invalid cross-device link")

    synced = []
    real_fsync = os_module.fsync
    monkeypatch.setattr(storage_module.os, "link", no_links)
    monkeypatch.setattr(
        storage_module.os,
        "fsync",
        lambda fd: (synced.append(os_module.readlink(f"/proc/self/fd/{fd}")), real_fsync(fd))[1],
    )
    sid = upload_all(alice_client, encounter.id)
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201
    chunk = AudioChunk.objects.get(pk=r.json()["audio_chunk_id"])
    assert storages["audio"].open(chunk.storage_key).read() == FLAC
    assert storages["audio"].path(chunk.storage_key) in synced  # the copy itself reached the disk

"""POST /api/audio/presigned-url/, PUT /api/audio/upload/<token>/, POST /api/audio/commit/ with
local storage (signed URLs served by this app)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import storages

from soapify.core.models import AuditLog
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.signals import audio_chunk_committed
from tests.jobstate import held_client

pytestmark = pytest.mark.django_db

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
FORMATS = {
    "clip.wav": ("wav", "wav", "pcm_s16le"),
    "clip.flac": ("flac", "flac", "flac"),
    "clip.mp3": ("mp3", "mp3", "mp3"),
    "clip.m4a": ("m4a", "m4a", "aac"),
    "clip.ogg": ("ogg", "ogg", "vorbis"),
    "clip.opus.ogg": ("opus", "ogg", "opus"),
    "clip.webm": ("webm", "webm", "opus"),
    "clip_nodur.webm": ("audio/webm;codecs=opus", "webm", "opus"),
}


def presign(client, encounter_id, *, number=1, fmt="wav", size=100, **extra):
    payload = {
        "encounter_id": encounter_id,
        "chunk_number": number,
        "format": fmt,
        "file_size": size,
        **extra,
    }
    return client.post("/api/audio/presigned-url/", payload, format="json")


def put(client, url: str, data: bytes, content_type: str):
    path = urlsplit(url).path
    return client.generic("PUT", path, data=data, content_type=content_type)


def upload(client, encounter_id, data: bytes, *, number=1, fmt="wav", commit=True, sha=None):
    r = presign(client, encounter_id, number=number, fmt=fmt, size=len(data))
    assert r.status_code == 201, r.json()
    body = r.json()
    r2 = put(client, body["upload_url"], data, body["headers"]["Content-Type"])
    assert r2.status_code == 200, r2.json()
    if not commit:
        return body
    payload = {"chunk_id": body["chunk_id"]}
    if sha is not False:
        payload["sha256"] = sha or hashlib.sha256(data).hexdigest()
    return client.post("/api/audio/commit/", payload, format="json")


def stored_files() -> list[str]:
    root = Path(storages["audio"].location)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- happy paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_browser_and_phone_format_commits_with_its_probe(alice, encounter, name):
    fmt, container, codec = FORMATS[name]
    data = (AUDIO / name).read_bytes()
    # the state the commit leaves (its live transcription job is sent only after the commit)
    r = upload(held_client(alice), encounter.id, data, fmt=fmt)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["status"] == "committed"
    assert body["container"] == container and body["codec"] == codec
    assert body["duration"] == pytest.approx(2.5, abs=0.1)
    assert body["size"] == len(data) and body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["sample_rate"] > 0 and body["channels"] == 1
    encounter.refresh_from_db()
    assert encounter.status == "recording"


def test_presigned_url_is_a_signed_url_on_this_service(alice_client, encounter, settings):
    settings.PUBLIC_BASE_URL = "https://api.example.org"
    r = presign(alice_client, encounter.id, size=1234, filename="visit.wav")
    assert r.status_code == 201
    body = r.json()
    assert body["upload_url"].startswith("https://api.example.org/api/audio/upload/")
    assert body["method"] == "PUT" and body["headers"] == {"Content-Type": "audio/wav"}
    assert body["storage"] == "local"
    chunk = AudioChunk.objects.get(pk=body["chunk_id"])
    assert chunk.status == "pending" and chunk.expected_size == 1234
    assert chunk.original_filename == "visit.wav"
    # key is random and carries no patient data
    assert chunk.storage_key.startswith("audio/") and "HS-12345" not in chunk.storage_key
    assert "visit" not in chunk.storage_key


def test_commit_without_sha256_still_records_the_servers_checksum(alice_client, encounter):
    data = (AUDIO / "clip.wav").read_bytes()
    r = upload(alice_client, encounter.id, data, sha=False)
    assert r.status_code == 201
    assert r.json()["sha256"] == hashlib.sha256(data).hexdigest()


def test_commit_is_idempotent(alice_client, encounter):
    data = (AUDIO / "clip.wav").read_bytes()
    first = upload(alice_client, encounter.id, data)
    again = alice_client.post("/api/audio/commit/", {"chunk_id": first.json()["chunk_id"]}, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()


def test_recommit_with_another_checksum_is_409(alice_client, encounter):
    data = (AUDIO / "clip.wav").read_bytes()
    first = upload(alice_client, encounter.id, data)
    r = alice_client.post(
        "/api/audio/commit/", {"chunk_id": first.json()["chunk_id"], "sha256": "0" * 64}, format="json"
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "checksum_mismatch"


def test_commit_sends_the_chunk_committed_event_after_the_transaction(
    alice, encounter, django_capture_on_commit_callbacks
):
    alice_client = held_client(alice)  # its on-commit callbacks are left to the test
    seen = []

    def receiver(sender, chunk, **kwargs):
        seen.append((chunk.pk, chunk.status))

    audio_chunk_committed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            r = upload(alice_client, encounter.id, (AUDIO / "clip.flac").read_bytes(), fmt="flac")
        assert seen == []  # not before the transaction commits
        for callback in callbacks:
            callback()
    finally:
        audio_chunk_committed.disconnect(receiver)
    assert seen == [(r.json()["chunk_id"], "committed")]


def test_start_offsets_follow_chunk_numbers_even_when_committed_out_of_order(alice_client, encounter):
    wav = (AUDIO / "clip.wav").read_bytes()
    flac = (AUDIO / "clip.flac").read_bytes()
    third = upload(alice_client, encounter.id, wav, number=3)
    assert third.json()["start_offset"] == 0.0
    first = upload(alice_client, encounter.id, flac, number=1, fmt="flac")
    assert first.json()["start_offset"] == 0.0
    assert AudioChunk.objects.get(pk=third.json()["chunk_id"]).start_offset == pytest.approx(2.5, abs=0.01)
    detail = alice_client.get(f"/api/encounters/{encounter.id}/").json()
    assert [c["chunk_number"] for c in detail["chunks"]] == [1, 3]
    assert [c["status"] for c in detail["chunks"]] == ["committed", "committed"]
    assert detail["total_duration"] == pytest.approx(5.0, abs=0.05)


def test_uploads_are_audited(alice_client, encounter):
    upload(alice_client, encounter.id, (AUDIO / "clip.wav").read_bytes())
    kinds = list(AuditLog.objects.filter(object_type="audio_chunk").values_list("action", "status_code"))
    assert ("create", 201) in kinds and ("update", 200) in kinds


# --- rejected audio ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, fmt, status, code",
    [
        ("not_audio.wav", "wav", 415, "unsupported_media"),
        ("image.png", "wav", 415, "unsupported_media"),
        ("video_only.webm", "webm", 415, "unsupported_media"),
        ("corrupt.mp3", "mp3", 422, "corrupt_audio"),
        ("truncated.m4a", "m4a", 422, "corrupt_audio"),
        ("clip.mp3", "wav", 415, "format_mismatch"),
    ],
)
def test_undecodable_or_mislabelled_audio_is_rejected_with_the_reason(
    alice_client, encounter, name, fmt, status, code
):
    data = (AUDIO / name).read_bytes()
    r = upload(alice_client, encounter.id, data, fmt=fmt)
    assert r.status_code == status, r.json()
    assert r.json()["error"]["code"] == code
    chunk = AudioChunk.objects.get(encounter=encounter)
    assert chunk.status == "rejected" and chunk.rejection_reason.startswith(code)
    assert stored_files() == []  # the refused object is deleted at once
    encounter.refresh_from_db()
    assert encounter.status == "created"


def test_too_long_audio_is_422(alice_client, encounter, settings):
    settings.AUDIO_MAX_DURATION_SECONDS = 1.0
    r = upload(alice_client, encounter.id, (AUDIO / "clip.wav").read_bytes())
    assert r.status_code == 422 and r.json()["error"]["code"] == "too_long"


def test_checksum_mismatch_commits_nothing(alice_client, encounter):
    r = upload(alice_client, encounter.id, (AUDIO / "clip.wav").read_bytes(), sha="a" * 64)
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert not AudioChunk.objects.filter(status="committed").exists()


def test_commit_before_upload_is_409_not_uploaded(alice_client, encounter):
    body = presign(alice_client, encounter.id).json()
    r = alice_client.post("/api/audio/commit/", {"chunk_id": body["chunk_id"]}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_uploaded"
    assert AudioChunk.objects.get().status == "pending"


def test_a_failed_upload_never_touches_a_committed_chunks_bytes(alice_client, encounter):
    wav = (AUDIO / "clip.wav").read_bytes()
    ok = upload(alice_client, encounter.id, wav, number=1).json()
    chunk = AudioChunk.objects.get(pk=ok["chunk_id"])
    before = storages["audio"].open(chunk.storage_key).read()
    # the same number again: refused before anything is stored
    r = presign(alice_client, encounter.id, number=1, size=10)
    assert r.status_code == 409 and r.json()["error"]["code"] == "chunk_already_committed"
    # a bad upload under another number fails without affecting chunk 1
    bad = upload(alice_client, encounter.id, (AUDIO / "corrupt.mp3").read_bytes(), number=2, fmt="mp3")
    assert bad.status_code == 422
    assert storages["audio"].open(chunk.storage_key).read() == before == wav
    chunk.refresh_from_db()
    assert chunk.status == "committed" and chunk.sha256 == hashlib.sha256(wav).hexdigest()


def test_a_rejected_chunk_number_can_be_uploaded_again(
    alice_client, encounter, django_capture_on_commit_callbacks
):
    bad = upload(alice_client, encounter.id, (AUDIO / "not_audio.wav").read_bytes())
    assert bad.status_code == 415
    old_key = AudioChunk.objects.get().storage_key
    with django_capture_on_commit_callbacks(execute=True):
        good = upload(alice_client, encounter.id, (AUDIO / "clip.wav").read_bytes())
    assert good.status_code == 201
    assert AudioChunk.objects.count() == 1
    assert old_key not in stored_files()


# --- the signed PUT ---------------------------------------------------------------------------------


def test_second_put_on_the_same_url_is_409(alice_client, anon, encounter):
    data = (AUDIO / "clip.wav").read_bytes()
    body = upload(alice_client, encounter.id, data, commit=False)
    r = put(anon, body["upload_url"], data, "audio/wav")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_uploaded"


def test_tampered_token_is_403_and_stores_nothing(alice_client, anon, encounter):
    data = (AUDIO / "clip.wav").read_bytes()
    url = presign(alice_client, encounter.id, size=len(data)).json()["upload_url"]
    path = urlsplit(url).path
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    r = anon.generic("PUT", path.replace(token, tampered), data=data, content_type="audio/wav")
    assert r.status_code == 403 and r.json()["error"]["code"] == "invalid_signature"
    assert stored_files() == []
    assert AudioChunk.objects.get().status == "pending"


def test_expired_url_is_403_and_stores_nothing(alice_client, anon, encounter, settings):
    settings.SIGNED_URL_TTL_SECONDS = -1
    data = (AUDIO / "clip.wav").read_bytes()
    url = presign(alice_client, encounter.id, size=len(data)).json()["upload_url"]
    r = put(anon, url, data, "audio/wav")
    assert r.status_code == 403 and r.json()["error"]["code"] == "upload_url_expired"
    assert stored_files() == []


def test_other_methods_are_405(alice_client, anon, encounter):
    url = presign(alice_client, encounter.id).json()["upload_url"]
    for method in ("GET", "POST", "DELETE"):
        r = anon.generic(method, urlsplit(url).path)
        assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
        assert r["Allow"] == "PUT, OPTIONS"


@pytest.mark.parametrize("delta", [1, -1])
def test_a_body_of_another_size_is_refused_and_stores_nothing(alice_client, anon, encounter, delta):
    data = (AUDIO / "clip.wav").read_bytes()
    url = presign(alice_client, encounter.id, size=len(data)).json()["upload_url"]
    r = put(anon, url, data + b"x" if delta > 0 else data[:-1], "audio/wav")
    assert r.status_code == (413 if delta > 0 else 400)
    assert stored_files() == []
    assert AudioChunk.objects.get().status == "pending"


def test_a_streamed_body_over_the_limit_is_413_even_with_a_lying_content_length(alice_client, encounter):
    from django.test import Client

    data = (AUDIO / "clip.wav").read_bytes()
    url = presign(alice_client, encounter.id, size=100).json()["upload_url"]
    r = Client().generic("PUT", urlsplit(url).path, data=data, content_type="audio/wav", CONTENT_LENGTH="100")
    # Django bounds the stream by CONTENT_LENGTH: 100 bytes arrive, exactly the signed size
    assert r.status_code == 200
    stored = storages["audio"].open(AudioChunk.objects.get().storage_key).read()
    assert stored == data[:100]


def test_wrong_content_type_is_403(alice_client, anon, encounter):
    data = (AUDIO / "clip.wav").read_bytes()
    url = presign(alice_client, encounter.id, size=len(data)).json()["upload_url"]
    r = put(anon, url, data, "text/plain")
    assert r.status_code == 403 and r.json()["error"]["code"] == "content_type_mismatch"
    assert stored_files() == []


def test_a_superseded_url_is_409(alice_client, anon, encounter):
    data = (AUDIO / "clip.wav").read_bytes()
    old = presign(alice_client, encounter.id, size=len(data)).json()["upload_url"]
    presign(alice_client, encounter.id, size=len(data))
    r = put(anon, old, data, "audio/wav")
    assert r.status_code == 409 and r.json()["error"]["code"] == "upload_url_superseded"


# --- access matrix and bad input --------------------------------------------------------------------


@pytest.mark.parametrize("who, status", [("owner", 201), ("other", 404), ("admin", 404), ("anon", 401)])
def test_presigned_url_access_matrix(matrix, encounter, who, status):
    r = presign(matrix[who], encounter.id)
    assert r.status_code == status
    assert AudioChunk.objects.count() == (1 if who == "owner" else 0)


@pytest.mark.parametrize("who, status", [("owner", 201), ("other", 404), ("admin", 404), ("anon", 401)])
def test_commit_access_matrix(matrix, alice_client, encounter, who, status):
    body = upload(alice_client, encounter.id, (AUDIO / "clip.wav").read_bytes(), commit=False)
    r = matrix[who].post("/api/audio/commit/", {"chunk_id": body["chunk_id"]}, format="json")
    assert r.status_code == status
    assert AudioChunk.objects.get().status == ("committed" if who == "owner" else "uploaded")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"chunk_number": 1, "format": "wav", "file_size": 10}, "encounter_id"),
        ({"encounter_id": "x", "chunk_number": 1, "format": "wav", "file_size": 10}, "encounter_id"),
        ({"chunk_number": -1, "format": "wav", "file_size": 10}, "chunk_number"),
        ({"chunk_number": "one", "format": "wav", "file_size": 10}, "chunk_number"),
        ({"chunk_number": [1], "format": "wav", "file_size": 10}, "chunk_number"),
        ({"chunk_number": 1.5, "format": "wav", "file_size": 10}, "chunk_number"),
        ({"chunk_number": 1, "format": "exe", "file_size": 10}, "format"),
        ({"chunk_number": 1, "format": "video/mp4", "file_size": 10}, "format"),
        ({"chunk_number": 1, "format": "wav", "file_size": 0}, "file_size"),
        ({"chunk_number": 1, "format": "wav", "file_size": -5}, "file_size"),
        ({"chunk_number": 1, "format": "wav", "file_size": "big"}, "file_size"),
        ({"chunk_number": 1, "format": "wav", "file_size": 10, "storage_key": "x"}, "storage_key"),
    ],
)
def test_bad_presign_input_is_400_and_changes_nothing(alice_client, encounter, payload, field):
    payload = {"encounter_id": encounter.id, **payload} if field != "encounter_id" else payload
    r = alice_client.post("/api/audio/presigned-url/", payload, format="json")
    assert r.status_code == 400, r.json()
    assert field in r.json()["error"]["fields"]
    assert AudioChunk.objects.count() == 0


def test_huge_file_size_is_413(alice_client, encounter, settings):
    r = presign(alice_client, encounter.id, size=settings.AUDIO_MAX_BYTES + 1)
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    r = presign(alice_client, encounter.id, size=10**30)
    assert r.status_code == 413
    assert AudioChunk.objects.count() == 0


def test_unknown_encounter_and_chunk_ids_are_404(alice_client, encounter):
    assert presign(alice_client, 999999).status_code == 404
    r = alice_client.post("/api/audio/commit/", {"chunk_id": 999999}, format="json")
    assert r.status_code == 404 and r.json()["error"]["code"] == "chunk_not_found"


@pytest.mark.parametrize("path", ["/api/audio/presigned-url/", "/api/audio/commit/"])
def test_malformed_json_is_400(alice_client, encounter, path):
    r = alice_client.post(path, data="{", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_request"
    r = alice_client.post(path, data="[1]", content_type="application/json")
    assert r.status_code == 400
    assert AudioChunk.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    [{}, {"chunk_id": "x"}, {"chunk_id": -1}, {"chunk_id": 1, "sha256": "nothex"}, {"chunk_id": 1, "x": 1}],
)
def test_bad_commit_input_is_400(alice_client, payload):
    r = alice_client.post("/api/audio/commit/", payload, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "validation_error"


def test_finalized_encounter_takes_no_audio(alice_client, encounter):
    Encounter.objects.filter(pk=encounter.pk).update(status="finalized")
    r = presign(alice_client, encounter.id)
    assert r.status_code == 409 and r.json()["error"]["code"] == "encounter_finalized"


def test_token_binds_expiry_not_only_the_signer_clock(alice_client, encounter, settings):
    settings.SIGNED_URL_TTL_SECONDS = 1
    data = (AUDIO / "clip.wav").read_bytes()
    body = presign(alice_client, encounter.id, size=len(data)).json()
    time.sleep(1.1)
    r = put(alice_client, body["upload_url"], data, "audio/wav")
    assert r.status_code == 403 and r.json()["error"]["code"] == "upload_url_expired"


def _no_transcription_queued(chunk_id: int) -> bool:
    from soapify.core.models import Job
    from soapify.stt.models import ChunkTranscription

    return (
        not Job.objects.filter(kind="stt.transcribe_chunk", params__chunk_id=chunk_id).exists()
        and not ChunkTranscription.objects.filter(chunk_id=chunk_id).exists()
    )


def test_finalized_between_upload_and_commit_commits_nothing(alice_client, encounter):
    data = (AUDIO / "clip.wav").read_bytes()
    body = upload(alice_client, encounter.id, data, commit=False)
    Encounter.objects.filter(pk=encounter.pk).update(status=Encounter.Status.FINALIZED)
    seen = []
    audio_chunk_committed.connect(receiver := lambda sender, chunk, **kw: seen.append(chunk.pk))
    try:
        r = alice_client.post(
            "/api/audio/commit/",
            {"chunk_id": body["chunk_id"], "sha256": hashlib.sha256(data).hexdigest()},
            format="json",
        )
    finally:
        audio_chunk_committed.disconnect(receiver)
    assert r.status_code == 409, r.json()
    assert r.json()["error"]["code"] == "encounter_finalized"
    chunk = AudioChunk.objects.get(pk=body["chunk_id"])
    assert chunk.status == AudioChunk.Status.UPLOADED and chunk.committed_at is None
    assert seen == [] and _no_transcription_queued(chunk.pk)
    assert Encounter.objects.get(pk=encounter.pk).status == Encounter.Status.FINALIZED


def test_finalized_while_the_commit_verifies_the_audio_commits_nothing(alice_client, encounter, monkeypatch):
    """The race: the encounter is finalized after the commit's first status check (during the
    slow verification of the stored object) and before its write transaction."""
    from soapify.encounters.uploads import presigned

    data = (AUDIO / "clip.wav").read_bytes()
    body = upload(alice_client, encounter.id, data, commit=False)
    real_verify = presigned.verify_stored_audio

    def verify_then_finalize(**kwargs):
        verified = real_verify(**kwargs)
        Encounter.objects.filter(pk=encounter.pk).update(status=Encounter.Status.FINALIZED)
        return verified

    monkeypatch.setattr(presigned, "verify_stored_audio", verify_then_finalize)
    seen = []
    audio_chunk_committed.connect(receiver := lambda sender, chunk, **kw: seen.append(chunk.pk))
    try:
        r = alice_client.post("/api/audio/commit/", {"chunk_id": body["chunk_id"]}, format="json")
    finally:
        audio_chunk_committed.disconnect(receiver)
    assert r.status_code == 409, r.json()
    assert r.json()["error"]["code"] == "encounter_finalized"
    chunk = AudioChunk.objects.get(pk=body["chunk_id"])
    assert chunk.status == AudioChunk.Status.UPLOADED and chunk.committed_at is None
    assert seen == [] and _no_transcription_queued(chunk.pk)


def test_create_committed_refuses_an_encounter_finalized_under_its_lock(encounter):
    from django.db import transaction

    from soapify.encounters.uploads.audio import audio_chunk_create_committed

    stale = Encounter.objects.get(pk=encounter.pk)  # read before finalization
    Encounter.objects.filter(pk=encounter.pk).update(status=Encounter.Status.FINALIZED)
    with pytest.raises(Exception) as exc, transaction.atomic():
        audio_chunk_create_committed(
            encounter=stale,
            chunk_number=None,
            key="never/stored.wav",
            filename="x.wav",
            content_type="audio/wav",
            verified=None,  # never reached
        )
    assert getattr(exc.value, "code", None) == "encounter_finalized"
    assert not AudioChunk.objects.filter(encounter=encounter).exists()

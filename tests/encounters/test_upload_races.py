"""Resumable uploads under concurrency and damage: the order and durability of the bytes, a
chunk sent twice at once, a chunk racing the commit, leftovers of dead attempts."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.db import connection, transaction

from soapify.core.errors import ApiError
from soapify.encounters.models import AudioChunk, UploadPart, UploadSession
from soapify.encounters.uploads import chunks
from soapify.encounters.uploads.commit import session_commit
from tests.encounters.upload_helpers import CHUNK, FLAC, create, pieces, prefix_files, send_raw

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.UPLOAD_CHUNK_SIZE = CHUNK


def _wait_for_lock_waiters(count: int) -> None:
    """Until ``count`` other connections of this database wait on a lock (fails after 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_stat_clear_snapshot()")  # else cached for the whole transaction
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cur.fetchone()[0] >= count:
                return
        time.sleep(0.01)
    raise AssertionError(f"{count} requests never queued on the session's lock")


class _Call(threading.Thread):
    """Run ``fn`` on its own database connection; keep its result or its ApiError."""

    def __init__(self, fn) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.result = None
        self.error: ApiError | None = None
        self.crash: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except ApiError as exc:
            self.error = exc
        except BaseException as exc:
            self.crash = exc
            raise
        finally:
            connection.close()


def _raw_chunk(user, sid, data: bytes, offset: int):
    return lambda: chunks.chunk_receive_stream(
        user=user, session_id=sid, stream=io.BytesIO(data), length=len(data), offset=offset
    )


@pytest.mark.django_db(transaction=True)
def test_the_same_chunk_sent_twice_at_once_is_stored_once(alice, alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    first = pieces(FLAC)[0]
    calls = [_Call(_raw_chunk(alice, sid, first, 0)) for _ in range(2)]
    with transaction.atomic():
        UploadSession.objects.select_for_update().get(pk=sid)  # both will queue behind this
        for call in calls:
            call.start()
        _wait_for_lock_waiters(2)
    for call in calls:
        call.join(30)
    assert [call.error for call in calls] == [None, None]
    assert sorted(call.result.created for call in calls) == [False, True]
    assert UploadPart.objects.filter(session_id=sid).count() == 1
    assert [f.read_bytes() for f in prefix_files(sid)] == [first]
    assert UploadSession.objects.get(pk=sid).received_bytes == CHUNK


@pytest.mark.django_db(transaction=True)
def test_a_chunk_waiting_while_the_commit_runs_is_refused_and_changes_nothing(alice, alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    for i, piece in enumerate(pieces(FLAC)):
        assert send_raw(alice_client, sid, piece, offset=i * CHUNK).status_code == 201
    late = _Call(_raw_chunk(alice, sid, b"late bytes", len(FLAC)))
    with transaction.atomic():
        UploadSession.objects.select_for_update().get(pk=sid)
        late.start()
        _wait_for_lock_waiters(1)  # the late chunk read the open session and waits
        session, created = session_commit(user=alice, session_id=sid)
    late.join(30)
    assert created and late.error is not None and late.error.code == "upload_session_committed"
    chunk = AudioChunk.objects.get(pk=session.audio_chunk_id)
    assert chunk.size == len(FLAC) and storages["audio"].open(chunk.storage_key).read() == FLAC
    assert prefix_files(sid) == []  # the parts went with the commit; nothing of the late chunk


def test_the_recording_is_the_parts_in_offset_order(alice_client, encounter):
    sha = hashlib.sha256(FLAC).hexdigest()
    sid = create(alice_client, encounter.id, total_size=len(FLAC), sha256=sha).json()["session_id"]
    cuts = [
        0,
        1,
        7000,
        CHUNK,
        CHUNK + 1,
        2 * CHUNK,
        3 * CHUNK,
        len(FLAC),
    ]  # ranges of any size up to chunk_size
    for start, end in zip(cuts, cuts[1:], strict=False):
        assert send_raw(alice_client, sid, FLAC[start:end], offset=start).status_code == 201
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201 and r.json()["sha256"] == sha
    chunk = AudioChunk.objects.get(pk=r.json()["audio_chunk_id"])
    assert storages["audio"].open(chunk.storage_key).read() == FLAC


def test_a_part_left_by_a_dead_attempt_never_reaches_the_recording(alice_client, encounter):
    """A worker that stored a part and died before recording it leaves a file under the prefix:
    the next chunk at that offset is stored beside it and only recorded parts are assembled."""
    sha = hashlib.sha256(FLAC).hexdigest()
    sid = create(alice_client, encounter.id, total_size=len(FLAC), sha256=sha).json()["session_id"]
    parts = pieces(FLAC)
    assert send_raw(alice_client, sid, parts[0], offset=0).status_code == 201
    prefix = UploadSession.objects.get(pk=sid).key_prefix
    leftover = Path(storages["audio"].path(f"{prefix}part-{CHUNK:012d}"))
    leftover.write_bytes(b"\0garbage of a dead attempt" * 100)
    for i, piece in enumerate(parts[1:], start=1):
        assert send_raw(alice_client, sid, piece, offset=i * CHUNK).status_code == 201
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201 and r.json()["sha256"] == sha


@pytest.mark.parametrize("damage", ["zeroed", "truncated", "deleted"])
def test_a_part_damaged_after_it_was_acknowledged_is_refused_at_commit(alice_client, encounter, damage):
    """Parts are not fsynced one by one: a machine crash may lose an acknowledged part. Commit
    checks every part against the sha256 taken when it arrived and refuses the upload."""
    sid = create(alice_client, encounter.id, total_size=len(FLAC)).json()["session_id"]
    for i, piece in enumerate(pieces(FLAC)):
        assert send_raw(alice_client, sid, piece, offset=i * CHUNK).status_code == 201
    victim = prefix_files(sid)[1]
    if damage == "zeroed":
        victim.write_bytes(bytes(CHUNK))
    elif damage == "truncated":
        victim.write_bytes(victim.read_bytes()[:100])
    else:
        victim.unlink()
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "part_corrupted"
    assert not AudioChunk.objects.exists()
    assert UploadSession.objects.get(pk=sid).status == "rejected"


def test_commit_makes_the_recording_durable_before_recording_it(alice_client, encounter, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    sid = create(alice_client, encounter.id).json()["session_id"]
    for i, piece in enumerate(pieces(FLAC)):
        assert send_raw(alice_client, sid, piece, offset=i * CHUNK).status_code == 201
    monkeypatch.setattr(os, "fsync", spy)
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 201
    path = storages["audio"].path(AudioChunk.objects.get().storage_key)
    assert synced == [path, os.path.dirname(path)]


def test_a_damaged_part_fails_the_whole_file_checksum_when_one_was_given(alice_client, encounter):
    sha = hashlib.sha256(FLAC).hexdigest()
    sid = create(alice_client, encounter.id, total_size=len(FLAC), sha256=sha).json()["session_id"]
    for i, piece in enumerate(pieces(FLAC)):
        assert send_raw(alice_client, sid, piece, offset=i * CHUNK).status_code == 201
    prefix_files(sid)[1].write_bytes(bytes(CHUNK))  # same size, other bytes
    r = alice_client.post("/api/uploads/commit/", {"session_id": sid}, format="json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert not AudioChunk.objects.exists()

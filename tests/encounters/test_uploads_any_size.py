"""Resumable uploads with parts of the client's own size (issue 17, item 2): ``offset`` is
authoritative, ``index`` is the part's ordinal (not ``offset / chunk_size``), parts may be any
size up to ``chunk_size``. Resends, gaps, overlaps and the declared size behave as before."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import storages

from soapify.encounters.models import AudioChunk, UploadPart, UploadSession
from tests.encounters.upload_helpers import CHUNK, FLAC, create, pieces, prefix_files, send, send_raw

pytestmark = pytest.mark.django_db

CLIENT_PART = 5_000  # an ordinary client's own part size: smaller than chunk_size, not a divisor


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.UPLOAD_CHUNK_SIZE = CHUNK


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def status_of(client, sid) -> dict:
    r = client.get(f"/api/uploads/session/{sid}/")
    assert r.status_code == 200, r.json()
    return r.json()


def commit(client, sid, **extra):
    return client.post("/api/uploads/commit/", {"session_id": sid, **extra}, format="json")


class ResumableClient:
    """An ordinary resumable-upload client: it cuts the file in parts of its own size, numbers
    them 0, 1, 2 ... and sends both ``index`` and ``offset`` with each part's sha256; after a
    lost connection it asks where the upload stands and goes on from there."""

    def __init__(self, http, data: bytes, part_size: int) -> None:
        self.http, self.data, self.part_size = http, data, part_size

    def start(self, encounter_id) -> str:
        r = create(self.http, encounter_id, total_size=len(self.data), sha256=sha(self.data))
        assert r.status_code == 201, r.json()
        return r.json()["session_id"]

    def send_part(self, sid, index: int, offset: int):
        piece = self.data[offset : offset + self.part_size]
        return send(self.http, sid, piece, index=index, offset=offset, sha=sha(piece))

    def upload(self, sid, *, stop_after: int | None = None) -> None:
        state = status_of(self.http, sid)
        index, offset = state["next_index"], state["received_bytes"]
        while offset < len(self.data):
            if stop_after is not None and index == stop_after:
                return
            r = self.send_part(sid, index, offset)
            assert r.status_code == 201, r.json()
            assert r.json()["index"] == index and r.json()["offset"] == offset
            offset, index = r.json()["received_bytes"], index + 1


def test_an_ordinary_resumable_client_uploads_in_parts_of_its_own_size(alice_client, encounter):
    client = ResumableClient(alice_client, FLAC, CLIENT_PART)
    sid = client.start(encounter.id)
    client.upload(sid)
    n_parts = -(-len(FLAC) // CLIENT_PART)
    sizes = list(UploadPart.objects.filter(session_id=sid).order_by("offset").values_list("size", flat=True))
    assert sizes == [CLIENT_PART] * (n_parts - 1) + [len(FLAC) - (n_parts - 1) * CLIENT_PART]
    assert status_of(alice_client, sid)["next_index"] == n_parts
    r = commit(alice_client, sid)
    assert r.status_code == 201, r.json()
    assert r.json()["size"] == len(FLAC) and r.json()["sha256"] == sha(FLAC)
    chunk = AudioChunk.objects.get(pk=r.json()["audio_chunk_id"])
    assert storages["audio"].open(chunk.storage_key).read() == FLAC


def test_the_client_resumes_after_a_lost_connection_and_a_lost_answer(alice_client, encounter):
    client = ResumableClient(alice_client, FLAC, CLIENT_PART)
    sid = client.start(encounter.id)
    client.upload(sid, stop_after=3)
    # part 2's answer was lost: the client sends it again, identical -> 200, nothing stored twice
    r = client.send_part(sid, 2, 2 * CLIENT_PART)
    assert r.status_code == 200 and r.json()["duplicate"] is True and r.json()["index"] == 2
    assert r.json()["received_bytes"] == 3 * CLIENT_PART
    state = status_of(alice_client, sid)
    assert (state["received_bytes"], state["next_index"]) == (3 * CLIENT_PART, 3)
    client.upload(sid)  # a fresh start from the session's state
    assert commit(alice_client, sid).status_code == 201
    assert UploadPart.objects.filter(session_id=sid).count() == 0  # removed after the commit


def test_parts_may_change_size_from_one_to_the_next(alice_client, encounter):
    sid = create(alice_client, encounter.id, total_size=len(FLAC)).json()["session_id"]
    sizes, offset, index = [1, CHUNK, 777, 4096, CHUNK - 1], 0, 0
    while offset < len(FLAC):
        piece = FLAC[offset : offset + sizes[index % len(sizes)]]
        r = send(alice_client, sid, piece, index=index, offset=offset)
        assert r.status_code == 201, r.json()
        offset, index = offset + len(piece), index + 1
    r = commit(alice_client, sid)  # no sha256 anywhere: each part is checked against its own
    assert r.status_code == 201 and r.json()["sha256"] == sha(FLAC)


def test_index_alone_is_the_parts_ordinal(alice_client, encounter):
    parts = pieces(FLAC, CLIENT_PART)
    sid = create(alice_client, encounter.id).json()["session_id"]
    for i in range(3):
        r = send(alice_client, sid, parts[i], index=i)
        assert r.status_code == 201 and r.json()["offset"] == i * CLIENT_PART
    again = send(alice_client, sid, parts[1], index=1)  # a re-send of a stored part
    assert again.status_code == 200 and again.json()["duplicate"] is True
    other = send(alice_client, sid, parts[2], index=1)  # other bytes as part 1
    assert other.status_code == 409 and other.json()["error"]["code"] == "offset_mismatch"
    gap = send(alice_client, sid, parts[4], index=4)
    assert gap.status_code == 409
    assert gap.json()["error"]["received_bytes"] == 3 * CLIENT_PART
    assert gap.json()["error"]["next_index"] == 3
    assert UploadSession.objects.get(pk=sid).received_bytes == 3 * CLIENT_PART
    assert UploadPart.objects.filter(session_id=sid).count() == 3


def test_with_an_offset_the_index_is_not_checked(alice_client, encounter):
    """A client numbering its parts from 1 (or not at all consistently) uploads by offset."""
    parts = pieces(FLAC, CLIENT_PART)
    sid = create(alice_client, encounter.id).json()["session_id"]
    offset = 0
    for number, piece in enumerate(parts, start=1):
        r = send(alice_client, sid, piece, index=number, offset=offset)
        assert r.status_code == 201, r.json()
        assert r.json()["index"] == number - 1  # the server's ordinal
        offset += len(piece)
    assert commit(alice_client, sid, sha256=sha(FLAC)).status_code == 201


@pytest.mark.parametrize(
    ("offset", "data"),
    [
        (2 * CLIENT_PART + 1, FLAC[2 * CLIENT_PART + 1 : 3 * CLIENT_PART]),  # a gap
        (CLIENT_PART // 2, FLAC[CLIENT_PART // 2 : 2 * CLIENT_PART]),  # overlaps stored bytes
        (CLIENT_PART, FLAC[CLIENT_PART : 3 * CLIENT_PART]),  # a stored offset, other boundaries
        (0, FLAC[1 : CLIENT_PART + 1]),  # a stored offset and size, other bytes
    ],
)
def test_a_gap_or_an_overlap_is_409_and_changes_nothing(alice_client, encounter, offset, data):
    parts = pieces(FLAC, CLIENT_PART)
    sid = create(alice_client, encounter.id).json()["session_id"]
    send(alice_client, sid, parts[0], index=0, offset=0)
    send(alice_client, sid, parts[1], index=1, offset=CLIENT_PART)
    before = [(f.name, f.read_bytes()) for f in prefix_files(sid)]
    r = send(alice_client, sid, data, index=2, offset=offset)
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "offset_mismatch"
    assert (err["received_bytes"], err["next_index"]) == (2 * CLIENT_PART, 2)
    assert UploadSession.objects.get(pk=sid).received_bytes == 2 * CLIENT_PART
    assert [(f.name, f.read_bytes()) for f in prefix_files(sid)] == before


def test_a_part_past_the_declared_size_is_413_and_a_short_last_part_is_fine(alice_client, encounter):
    total = 3 * CLIENT_PART + 123
    data = FLAC[:total]
    sid = create(alice_client, encounter.id, total_size=total).json()["session_id"]
    for i in range(3):
        assert (
            send(
                alice_client,
                sid,
                data[i * CLIENT_PART : (i + 1) * CLIENT_PART],
                index=i,
                offset=i * CLIENT_PART,
            ).status_code
            == 201
        )
    r = send(alice_client, sid, FLAC[3 * CLIENT_PART : 4 * CLIENT_PART], index=3, offset=3 * CLIENT_PART)
    assert r.status_code == 413 and r.json()["error"]["code"] == "exceeds_declared_size"
    r = send(alice_client, sid, data[3 * CLIENT_PART :], index=3, offset=3 * CLIENT_PART)
    assert r.status_code == 201 and r.json()["complete"] is True and r.json()["size"] == 123


def test_a_part_over_chunk_size_is_still_413(alice_client, encounter):
    sid = create(alice_client, encounter.id).json()["session_id"]
    r = send(alice_client, sid, FLAC[: CHUNK + 1], index=0, offset=0)
    assert r.status_code == 413 and r.json()["error"]["code"] == "chunk_too_large"
    assert not UploadPart.objects.exists()


def test_the_whole_file_checksum_is_still_verified_at_commit(alice_client, encounter):
    client = ResumableClient(alice_client, FLAC, CLIENT_PART)
    r = create(alice_client, encounter.id, total_size=len(FLAC), sha256="0" * 64)
    sid = r.json()["session_id"]
    client.upload(sid)
    r = commit(alice_client, sid)
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert not AudioChunk.objects.exists()
    r = commit(alice_client, sid, sha256=sha(FLAC))  # the parts were kept: the right digest commits
    assert r.status_code == 201


def test_raw_parts_of_the_clients_own_size_with_index_headers(alice_client, encounter):
    sid = create(alice_client, encounter.id, total_size=len(FLAC)).json()["session_id"]
    offset, index = 0, 0
    while offset < len(FLAC):
        piece = FLAC[offset : offset + CLIENT_PART]
        r = alice_client.generic(
            "POST",
            "/api/uploads/chunk/",
            data=piece,
            content_type="application/offset+octet-stream",
            HTTP_X_SESSION_ID=sid,
            HTTP_UPLOAD_OFFSET=str(offset),
            HTTP_X_CHUNK_INDEX=str(index),
            HTTP_X_CHUNK_SHA256=sha(piece),
        )
        assert r.status_code == 201, r.json()
        assert r["Upload-Offset"] == str(offset + len(piece))
        offset, index = offset + len(piece), index + 1
    again = send_raw(alice_client, sid, FLAC[:CLIENT_PART], offset=0)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert commit(alice_client, sid, sha256=sha(FLAC)).status_code == 201

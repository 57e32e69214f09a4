"""Read audit rows written in batches by a background thread (core.audit.ReadAuditBuffer), the
production default for web reads."""

from __future__ import annotations

import time

import pytest

from soapify.core import audit
from soapify.core.models import AuditLog
from soapify.encounters.models import Encounter


@pytest.fixture
def buffered(settings):
    settings.AUDIT_READ_FLUSH_MS = 50
    yield audit.read_buffer
    audit.read_buffer.stop()  # writes what waits and closes the writer's database connection
    settings.AUDIT_READ_FLUSH_MS = 0


def _connection_lost(rows):
    from django.db import OperationalError

    raise OperationalError("server closed the connection unexpectedly")


def _wait_for(count: int, **filters) -> list[AuditLog]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = list(AuditLog.objects.filter(**filters).order_by("id"))
        if len(rows) >= count:
            return rows
        time.sleep(0.05)
    return list(AuditLog.objects.filter(**filters).order_by("id"))


@pytest.mark.django_db(transaction=True)
def test_reads_are_audited_by_the_background_writer_with_their_own_time(buffered, alice_client, alice):
    Encounter.objects.create(doctor=alice, patient_ref="HS-1", context="OPD")
    before = time.time()
    for _ in range(3):
        assert alice_client.get("/api/encounters/").status_code == 200
    assert alice_client.get("/api/encounters/?page=9").status_code == 404
    rows = _wait_for(4, path="/api/encounters/")
    assert [(r.action, r.outcome, r.status_code) for r in rows] == [
        ("list", "success", 200),
        ("list", "success", 200),
        ("list", "success", 200),
        ("list", "denied", 404),
    ]
    assert all(r.actor_id == alice.pk and r.ip == "127.0.0.1" and r.method == "GET" for r in rows)
    assert all(before - 1 <= r.created_at.timestamp() <= time.time() for r in rows)
    assert rows == sorted(rows, key=lambda r: r.created_at)


@pytest.mark.django_db(transaction=True)
def test_stopping_writes_what_waits(settings, buffered, alice_client):
    settings.AUDIT_READ_FLUSH_MS = 600_000  # the writer would not wake up by itself
    settings.AUDIT_READ_FLUSH_ROWS = 1000
    assert alice_client.get("/api/encounters/").status_code == 200
    assert buffered.pending() == 1
    buffered.stop()
    assert AuditLog.objects.filter(path="/api/encounters/").count() == 1 and buffered.pending() == 0


@pytest.mark.django_db(transaction=True)
def test_writes_are_never_buffered(buffered, alice_client):
    r = alice_client.post("/api/encounters/create/", {"patient_ref": "HS-2", "context": "OPD"}, format="json")
    assert r.status_code == 201
    row = AuditLog.objects.get(path="/api/encounters/create/")  # there when the response is
    assert (row.action, row.object_id) == ("create", str(r.json()["id"]))
    assert buffered.pending() == 0


@pytest.mark.django_db(transaction=True)
def test_a_batch_the_database_refuses_is_kept_and_retried(settings, buffered, alice_client, monkeypatch):
    settings.AUDIT_READ_FLUSH_MS = 600_000
    settings.AUDIT_READ_FLUSH_ROWS = 1000
    for _ in range(2):
        assert alice_client.get("/api/encounters/").status_code == 200
    real = audit._write_rows
    monkeypatch.setattr(audit, "_write_rows", _connection_lost)
    assert buffered.flush() == 0 and buffered.pending() == 2  # the database was unreachable: kept
    monkeypatch.setattr(audit, "_write_rows", real)
    assert buffered.flush() == 2 and buffered.pending() == 0
    assert AuditLog.objects.filter(path="/api/encounters/").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_buffer_is_bounded_when_the_database_keeps_refusing(settings, buffered, alice, monkeypatch):
    settings.AUDIT_READ_FLUSH_MS = 600_000
    settings.AUDIT_READ_FLUSH_ROWS = 1000
    settings.AUDIT_READ_BUFFER_MAX = 3
    for i in range(5):
        audit.audit_record(action="read", object_type="encounter", object_id=i, actor=alice, buffered=True)
    monkeypatch.setattr(audit, "_write_rows", _connection_lost)
    assert buffered.flush() == 0 and buffered.pending() == 3  # the two oldest were dropped (logged)
    monkeypatch.undo()
    settings.AUDIT_READ_FLUSH_MS = 600_000
    assert buffered.flush() == 3
    assert sorted(AuditLog.objects.values_list("object_id", flat=True)) == ["2", "3", "4"]


@pytest.mark.django_db(transaction=True)
def test_a_row_the_database_refuses_does_not_hold_up_the_others(settings, buffered, alice, bob_client):
    settings.AUDIT_READ_FLUSH_MS = 600_000
    settings.AUDIT_READ_FLUSH_ROWS = 1000
    audit.audit_record(action="read", object_type="encounter", object_id=1, actor=alice, buffered=True)
    buffered.add(
        (None, "", "read", "encounter", "2", "not an address", "GET", "/x", 200, "success", "{}", None)
    )
    audit.audit_record(action="read", object_type="encounter", object_id=3, actor=alice, buffered=True)
    assert bob_client.get("/api/uploads/session/%00/").status_code in (401, 404)  # a NUL in the path
    assert buffered.flush() == 3  # the refused row alone is dropped (logged)
    rows = list(AuditLog.objects.order_by("id"))
    assert [(r.object_id, r.actor_username) for r in rows[:2]] == [("1", "alice"), ("3", "alice")]
    assert "\x00" not in rows[2].path and rows[2].path.startswith("/api/uploads/session/")


@pytest.mark.django_db(transaction=True)
def test_chunk_uploads_are_written_to_the_audit_at_once_even_with_buffering(
    buffered, alice_client, encounter
):
    r = alice_client.post(
        "/api/uploads/session/create/",
        {"encounter_id": encounter.id, "filename": "a.wav", "content_type": "audio/wav"},
        format="json",
    )
    sid = r.json()["session_id"]
    r = alice_client.generic(
        "POST",
        f"/api/uploads/chunk/?session_id={sid}&offset=0",
        data=b"RIFF",
        content_type="application/octet-stream",
    )
    assert r.status_code == 201
    assert AuditLog.objects.filter(path="/api/uploads/chunk/", action="create").count() == 1
    assert buffered.pending() == 0

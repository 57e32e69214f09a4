from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soapify.core.models import AuditLog
from soapify.encounters.models import Encounter

pytestmark = pytest.mark.django_db


def test_create_encounter_as_in_the_seed(alice_client, alice):
    r = alice_client.post(
        "/api/encounters/create/", {"patient_ref": "HS-12345", "context": "OPD"}, format="json"
    )
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "created" and body["chunks"] == []
    assert Encounter.objects.get(pk=body["id"]).doctor == alice


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "patient_ref"),
        ({"patient_ref": ""}, "patient_ref"),
        ({"patient_ref": "x" * 65}, "patient_ref"),
        ({"patient_ref": "John Smith"}, "patient_ref"),
        ({"patient_ref": ["HS-1"]}, "patient_ref"),
        ({"patient_ref": "HS-1", "context": "c" * 501}, "context"),
        ({"patient_ref": "HS-1", "status": "finalized"}, "status"),
        ({"patient_ref": "HS-1", "doctor": 99}, "doctor"),
        ({"patient_ref": "HS-1", "language": "de"}, "language"),
    ],
)
def test_bad_create_input_is_400_and_creates_nothing(alice_client, payload, field):
    r = alice_client.post("/api/encounters/create/", payload, format="json")
    assert r.status_code == 400
    assert field in r.json()["error"]["fields"]
    assert Encounter.objects.count() == 0


def test_malformed_json_and_non_object_body_are_400(alice_client):
    r = alice_client.post("/api/encounters/create/", data="{", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_request"
    r = alice_client.post("/api/encounters/create/", data="[1,2]", content_type="application/json")
    assert r.status_code == 400
    assert Encounter.objects.count() == 0


def test_huge_body_is_413(alice_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    r = alice_client.post(
        "/api/encounters/create/", {"patient_ref": "HS-1", "context": "x" * 5000}, format="json"
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    assert Encounter.objects.count() == 0


def test_list_is_own_newest_first_and_paginated(alice, bob, alice_client):
    for i in range(25):
        Encounter.objects.create(doctor=alice, patient_ref=f"A-{i}")
    Encounter.objects.create(doctor=bob, patient_ref="B-1")
    r = alice_client.get("/api/encounters/")
    body = r.json()
    assert r.status_code == 200 and body["count"] == 25 and len(body["results"]) == 20
    assert body["results"][0]["patient_ref"] == "A-24" and body["next"]
    assert len(alice_client.get("/api/encounters/?page=2").json()["results"]) == 5
    assert len(alice_client.get("/api/encounters/?page_size=1000").json()["results"]) == 25


@pytest.mark.parametrize(
    "page, status", [("0", 400), ("-1", 400), ("abc", 400), ("99999999999", 400), ("3", 404)]
)
def test_bad_page_numbers_are_4xx(alice, alice_client, page, status):
    Encounter.objects.create(doctor=alice, patient_ref="A-1")
    r = alice_client.get(f"/api/encounters/?page={page}")
    assert r.status_code == status and "error" in r.json()


def test_bad_page_size_is_400(alice_client):
    assert alice_client.get("/api/encounters/?page_size=-5").status_code == 400


def test_access_matrix_on_detail(matrix, encounter):
    url = f"/api/encounters/{encounter.id}/"
    assert matrix["owner"].get(url).status_code == 200
    assert matrix["other"].get(url).status_code == 404
    assert matrix["admin"].get(url).status_code == 404
    assert matrix["anon"].get(url).status_code == 401
    assert matrix["owner"].get("/api/encounters/999999/").status_code == 404


def test_access_matrix_on_list_and_create(matrix, encounter):
    assert matrix["owner"].get("/api/encounters/").json()["count"] == 1
    assert matrix["other"].get("/api/encounters/").json()["count"] == 0
    assert matrix["admin"].get("/api/encounters/").json()["count"] == 0
    assert matrix["anon"].get("/api/encounters/").status_code == 401
    assert (
        matrix["anon"].post("/api/encounters/create/", {"patient_ref": "X"}, format="json").status_code == 401
    )


@pytest.mark.parametrize("encounters", [1, 50])
def test_list_issues_six_queries_whatever_the_page_holds(
    alice, alice_client, django_assert_num_queries, encounters
):
    """The request's transaction (a savepoint inside the test's), the savepoint a failure would
    roll back to, the count, the page, the audit row, the release (commit outside tests)."""
    Encounter.objects.bulk_create([Encounter(doctor=alice, patient_ref=f"A-{i}") for i in range(encounters)])
    with django_assert_num_queries(6):
        r = alice_client.get("/api/encounters/?page_size=100")
    assert len(r.json()["results"]) == encounters


def test_detail_issues_constant_queries_whatever_the_chunks(alice_client, encounter):
    from soapify.encounters.models import AudioChunk

    AudioChunk.objects.create(encounter=encounter, chunk_number=0, status="committed", duration=1.5)
    with CaptureQueriesContext(connection) as one:
        alice_client.get(f"/api/encounters/{encounter.id}/")
    for n in range(1, 10):
        AudioChunk.objects.create(encounter=encounter, chunk_number=n, status="committed", duration=1.5)
    with CaptureQueriesContext(connection) as ten:
        r = alice_client.get(f"/api/encounters/{encounter.id}/")
    assert len(r.json()["chunks"]) == 10 and r.json()["total_duration"] == 15.0
    assert len(one.captured_queries) == len(ten.captured_queries)


def test_reads_and_writes_are_audited(alice_client, bob_client, encounter):
    alice_client.get(f"/api/encounters/{encounter.id}/")
    bob_client.get(f"/api/encounters/{encounter.id}/")
    rows = list(AuditLog.objects.filter(object_type="encounter", object_id=str(encounter.id)).order_by("id"))
    assert [(r.actor_username, r.action, r.outcome, r.status_code) for r in rows] == [
        ("alice", "read", "success", 200),
        ("bob", "read", "denied", 404),
    ]
    assert rows[0].ip == "127.0.0.1"


def test_api_responses_are_not_cacheable(alice_client, encounter):
    r = alice_client.get(f"/api/encounters/{encounter.id}/")
    assert r["Cache-Control"] == "no-store"


def test_list_reflects_creations_status_changes_and_deletions_at_once(alice, alice_client):
    from soapify.encounters.services import encounter_create, encounter_set_status

    first = encounter_create(doctor=alice, patient_ref="A-1")
    assert alice_client.get("/api/encounters/").json()["count"] == 1
    encounter_create(doctor=alice, patient_ref="A-2")
    body = alice_client.get("/api/encounters/").json()
    assert body["count"] == 2 and body["results"][0]["patient_ref"] == "A-2"
    encounter_set_status(encounter=first, status="recording")
    rows = alice_client.get("/api/encounters/").json()["results"]
    assert {r["patient_ref"]: r["status"] for r in rows} == {"A-1": "recording", "A-2": "created"}
    Encounter.objects.filter(pk=first.pk).update(status="transcribing")  # e.g. another process's write
    assert alice_client.get("/api/encounters/").json()["results"][1]["status"] == "transcribing"
    Encounter.objects.filter(pk=first.pk).delete()
    assert alice_client.get("/api/encounters/").json()["count"] == 1


def test_pagination_links_match_drf(alice, alice_client):
    for i in range(45):
        Encounter.objects.create(doctor=alice, patient_ref=f"A-{i}")
    body = alice_client.get("/api/encounters/?page=2").json()
    assert body["next"].endswith("/api/encounters/?page=3")
    assert body["previous"].endswith("/api/encounters/")
    last = alice_client.get("/api/encounters/?page=3&page_size=20").json()
    assert last["next"] is None and len(last["results"]) == 5
    assert last["previous"].endswith("page=2&page_size=20")


def test_list_rows_carry_the_serializer_fields_in_utc(alice, alice_client):
    e = Encounter.objects.create(doctor=alice, patient_ref="A-1", context="OPD", language="fa")
    row = alice_client.get("/api/encounters/").json()["results"][0]
    assert set(row) == {
        "id",
        "patient_ref",
        "context",
        "language",
        "status",
        "status_detail",
        "created_at",
        "updated_at",
    }
    assert (row["id"], row["patient_ref"], row["context"], row["language"]) == (e.id, "A-1", "OPD", "fa")
    assert row["created_at"].endswith("Z") and row["updated_at"].endswith("Z")


def test_the_last_page_and_other_query_parameters_are_answered_like_drf(alice, alice_client):
    for i in range(3):
        Encounter.objects.create(doctor=alice, patient_ref=f"A-{i}")
    plain = alice_client.get("/api/encounters/?page_size=2").json()
    for query in ("page_size=2&x=1", "page_size=02", "page_size=2&page_size=2", "page_size=2&page=01"):
        body = alice_client.get(f"/api/encounters/?{query}").json()
        assert body["count"] == 3 and body["results"] == plain["results"]
    last = alice_client.get("/api/encounters/?page_size=2&page=last").json()
    assert [r["patient_ref"] for r in last["results"]] == ["A-0"] and last["next"] is None
    indented = alice_client.get("/api/encounters/", HTTP_ACCEPT="application/json; indent=4")
    assert indented.status_code == 200 and b'\n    "count": 3' in indented.content

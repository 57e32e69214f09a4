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


def test_list_issues_the_same_number_of_queries_for_1_and_50(alice, alice_client, settings):
    settings.ENCOUNTER_LIST_CACHE = False  # the database path; the cache path makes no query at all
    Encounter.objects.create(doctor=alice, patient_ref="A-0")
    alice_client.get("/api/encounters/")
    with CaptureQueriesContext(connection) as one:
        alice_client.get("/api/encounters/?page_size=100")
    for i in range(49):
        Encounter.objects.create(doctor=alice, patient_ref=f"A-{i + 1}")
    with CaptureQueriesContext(connection) as fifty:
        r = alice_client.get("/api/encounters/?page_size=100")
    assert len(r.json()["results"]) == 50
    assert len(one.captured_queries) == len(fifty.captured_queries)


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


def test_cached_list_reflects_creations_and_status_changes_at_once(alice, alice_client):
    from soapify.encounters.services import encounter_create, encounter_set_status

    first = encounter_create(doctor=alice, patient_ref="A-1")
    assert alice_client.get("/api/encounters/").json()["count"] == 1
    with CaptureQueriesContext(connection) as cached:
        alice_client.get("/api/encounters/")
    assert not [q for q in cached.captured_queries if "encounters_encounter" in q["sql"]]
    encounter_create(doctor=alice, patient_ref="A-2")
    body = alice_client.get("/api/encounters/").json()
    assert body["count"] == 2 and body["results"][0]["patient_ref"] == "A-2"
    encounter_set_status(encounter=first, status="recording")
    rows = alice_client.get("/api/encounters/").json()["results"]
    assert {r["patient_ref"]: r["status"] for r in rows} == {"A-1": "recording", "A-2": "created"}
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


def test_a_warm_list_request_reads_the_cache_once_with_the_login_check(alice, anon, monkeypatch):
    """With a real token: the list version comes with the session check (one cache call, one
    round trip with Redis), the page from this process's memory, and the response is the same."""
    from django.core.cache import cache

    from tests.conftest import PASSWORD

    for i in range(3):
        Encounter.objects.create(doctor=alice, patient_ref=f"A-{i}")
    access = anon.post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {access.json()['access']}")
    first = anon.get("/api/encounters/")
    calls, depth = [], [0]

    def counting(name, real):
        def call(*args, **kwargs):
            if not depth[0]:
                calls.append(name)  # not the per-key gets some backends make inside get_many
            depth[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "set", "add"):
        monkeypatch.setattr(cache, name, counting(name, getattr(cache, name)))
    second = anon.get("/api/encounters/")
    assert second.status_code == 200 and second.content == first.content
    assert calls == ["get_many"]
    assert second.json()["count"] == 3 and second["Content-Type"] == "application/json"


def test_list_pages_of_other_urls_are_answered_alike_without_a_cache_entry(alice, alice_client):
    from django.core.cache import cache

    for i in range(3):
        Encounter.objects.create(doctor=alice, patient_ref=f"A-{i}")
    plain = alice_client.get("/api/encounters/?page_size=2").json()
    keys_before = set(cache._cache)
    for query in ("page_size=2&x=1", "page_size=02", "page_size=2&page_size=2", "page_size=2&page=01"):
        body = alice_client.get(f"/api/encounters/?{query}").json()
        assert body["count"] == 3 and body["results"] == plain["results"]
    assert not {k for k in set(cache._cache) - keys_before if ":json:" in k}
    indented = alice_client.get("/api/encounters/", HTTP_ACCEPT="application/json; indent=4")
    assert indented.status_code == 200 and b'\n    "count": 3' in indented.content


def test_a_change_made_by_another_process_is_seen_through_this_process_memory(alice, alice_client):
    """Pages kept in this process's memory are keyed by the list version in the shared cache: a
    bump made elsewhere (simulated: a raw update, then the new version another process would set)
    is served at once."""
    import uuid

    from django.core.cache import cache

    from soapify.encounters import listcache

    e = Encounter.objects.create(doctor=alice, patient_ref="A-1")
    assert alice_client.get("/api/encounters/").json()["results"][0]["status"] == "created"
    Encounter.objects.filter(pk=e.pk).update(status="recording")  # no signal: like another process's write
    assert alice_client.get("/api/encounters/").json()["results"][0]["status"] == "created"  # memory
    cache.set(listcache.version_key(alice.pk), uuid.uuid4().hex, timeout=None)  # that process's bump
    assert alice_client.get("/api/encounters/").json()["results"][0]["status"] == "recording"

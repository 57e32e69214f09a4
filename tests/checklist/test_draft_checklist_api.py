"""The draft's dynamic checklist: the same ChecklistEval rows, with manual overrides by catalog item id."""

from __future__ import annotations

import pytest

from soapify.checklist.models import ChecklistEval
from soapify.encounters.models import Encounter
from tests.checklist.conftest import new_item

pytestmark = pytest.mark.django_db

EVALUATE = "/api/checklist/evaluations/evaluate_encounter/"


def draft_url(encounter, item_id=None) -> str:
    base = f"/api/nlp/drafts/{encounter.id}/checklist/"
    return base if item_id is None else f"{base}{item_id}/"


def test_the_draft_checklist_shows_the_evaluations_with_the_summary(alice_client, transcribed):
    alice_client.post(EVALUATE, {"encounter": transcribed.id}, format="json")
    resp = alice_client.get(draft_url(transcribed))
    assert resp.status_code == 200
    body = resp.json()
    rows = ChecklistEval.objects.filter(encounter=transcribed).order_by("position", "id")
    assert [i["id"] for i in body["items"]] == [r.id for r in rows]
    assert body["encounter"] == transcribed.id and body["total"] == rows.count()
    assert body["counts"]["covered"] == rows.filter(status="covered").count()
    api = alice_client.get(
        "/api/checklist/evaluations/", {"encounter": transcribed.id, "page_size": 100}
    ).json()
    assert {r["id"]: r["status"] for r in api["results"]} == {i["id"]: i["status"] for i in body["items"]}


def test_an_unevaluated_encounter_has_an_empty_checklist(alice_client, encounter):
    body = alice_client.get(draft_url(encounter)).json()
    assert body["items"] == [] and body["evaluated"] is False


def test_a_manual_override_is_marked_and_survives_re_evaluation(alice_client, transcribed):
    alice_client.post(EVALUATE, {"encounter": transcribed.id}, format="json")
    alcohol = ChecklistEval.objects.get(encounter=transcribed, catalog_item__key="alcohol")
    assert alcohol.status == "missing"
    resp = alice_client.put(
        draft_url(transcribed, alcohol.catalog_item_id),
        {"status": "covered", "notes": "drinks socially"},
        format="json",
    )
    assert resp.status_code == 200, resp.json()
    body = resp.json()
    assert body["id"] == alcohol.id and body["status"] == "covered" and body["is_manual"] is True
    assert body["notes"] == "drinks socially"

    alice_client.post(EVALUATE, {"encounter": transcribed.id}, format="json")
    item = next(i for i in alice_client.get(draft_url(transcribed)).json()["items"] if i["id"] == alcohol.id)
    assert item["status"] == "covered" and item["is_manual"] is True and item["auto_status"] == "missing"
    assert item["notes"] == "drinks socially"
    # the same row is what the evaluations API shows
    assert alice_client.get(f"/api/checklist/evaluations/{alcohol.id}/").json()["status"] == "covered"


def test_overriding_an_item_not_yet_evaluated_creates_a_manual_row(alice, alice_client, encounter):
    mine = new_item(owner=alice)
    resp = alice_client.put(draft_url(encounter, mine.id), {"status": "missing"}, format="json")
    assert resp.status_code == 200
    row = ChecklistEval.objects.get(encounter=encounter, catalog_item=mine)
    assert row.is_manual and row.manual_status == "missing" and row.generated_question


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "done"},
        {"status": 1},
        {"status": "covered", "notes": 5},
        {"status": "covered", "colour": "red"},
    ],
)
def test_bad_override_bodies_are_400_and_change_nothing(alice_client, encounter, global_item, body):
    ev = ChecklistEval.objects.create(encounter=encounter, catalog_item=global_item, status="missing")
    resp = alice_client.put(draft_url(encounter, global_item.id), body, format="json")
    assert resp.status_code == 400
    ev.refresh_from_db()
    assert ev.status == "missing" and not ev.is_manual


def test_malformed_json_override_is_400(alice_client, encounter, global_item):
    resp = alice_client.generic(
        "PUT", draft_url(encounter, global_item.id), "{", content_type="application/json"
    )
    assert resp.status_code == 400
    assert not ChecklistEval.objects.exists()


def test_unknown_or_foreign_items_and_encounters_are_404(bob, alice_client, encounter):
    bob_item = new_item(owner=bob)
    bob_enc = Encounter.objects.create(doctor=bob, patient_ref="B")
    assert (
        alice_client.put(draft_url(encounter, 999999), {"status": "covered"}, format="json").status_code
        == 404
    )
    assert (
        alice_client.put(draft_url(encounter, bob_item.id), {"status": "covered"}, format="json").status_code
        == 404
    )
    assert alice_client.get(draft_url(bob_enc)).status_code == 404
    assert not ChecklistEval.objects.exists()


def test_access_matrix_on_the_draft_checklist(matrix, encounter, global_item):
    ev = ChecklistEval.objects.create(encounter=encounter, catalog_item=global_item, status="missing")
    for who, expected_get, expected_put in (
        ("anon", 401, 401),
        ("other", 404, 404),
        ("admin", 404, 404),
        ("owner", 200, 200),
    ):
        client = matrix[who]
        assert client.get(draft_url(encounter)).status_code == expected_get, who
        resp = client.put(draft_url(encounter, global_item.id), {"status": "covered"}, format="json")
        assert resp.status_code == expected_put, who
        ev.refresh_from_db()
        assert ev.is_manual is (who == "owner")

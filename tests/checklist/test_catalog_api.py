"""Catalog and templates: global content for admins, private content for doctors, filters, deletes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soapify.checklist.models import ChecklistCatalog, ChecklistEval, ChecklistTemplate
from tests.checklist.conftest import new_item

pytestmark = pytest.mark.django_db

CATALOG = "/api/checklist/catalog/"
TEMPLATES = "/api/checklist/templates/"

ITEM = {
    "title": "Travel history",
    "description": "Recent travel abroad.",
    "category": "subjective",
    "priority": "high",
    "keywords": {"any": ["travel*", "abroad", "سفر"], "synonyms": ["travel history"]},
    "question_template": {"en": "Have you travelled recently?", "fa": "اخیراً سفر کرده‌اید؟"},
}


def ids(resp) -> set[int]:
    return {row["id"] for row in resp.json()["results"]}


# --- who sees what -------------------------------------------------------------------------------


def test_a_doctor_sees_global_items_and_its_own_private_ones_only(alice, bob, alice_client, bob_client):
    mine = new_item(owner=alice)
    theirs = new_item(owner=bob)
    resp = alice_client.get(CATALOG, {"page_size": 100, "search": "travel"})
    assert resp.status_code == 200
    assert ids(resp) == {mine.id}
    assert alice_client.get(f"{CATALOG}{theirs.id}/").status_code == 404
    assert bob_client.get(f"{CATALOG}{mine.id}/").status_code == 404
    assert (
        alice_client.get(CATALOG).json()["count"] == ChecklistCatalog.objects.filter(owner=None).count() + 1
    )


def test_anonymous_gets_401_on_every_catalog_and_template_route(anon, global_item, default_template):
    for method, url in [
        ("get", CATALOG),
        ("post", CATALOG),
        ("get", f"{CATALOG}{global_item.id}/"),
        ("put", f"{CATALOG}{global_item.id}/"),
        ("patch", f"{CATALOG}{global_item.id}/"),
        ("delete", f"{CATALOG}{global_item.id}/"),
        ("get", TEMPLATES),
        ("post", TEMPLATES),
        ("get", f"{TEMPLATES}{default_template.id}/"),
        ("put", f"{TEMPLATES}{default_template.id}/"),
        ("patch", f"{TEMPLATES}{default_template.id}/"),
        ("delete", f"{TEMPLATES}{default_template.id}/"),
        ("get", f"{TEMPLATES}{default_template.id}/catalog_items/"),
    ]:
        resp = getattr(anon, method)(url, {}, format="json")
        assert resp.status_code == 401, (method, url)
        assert resp.json()["error"]["code"] == "not_authenticated"
    assert ChecklistCatalog.objects.filter(pk=global_item.pk, is_active=True).exists()


def test_admin_does_not_see_a_doctors_private_item(alice, admin_client):
    mine = new_item(owner=alice)
    assert admin_client.get(f"{CATALOG}{mine.id}/").status_code == 404
    assert admin_client.patch(f"{CATALOG}{mine.id}/", {"title": "x"}, format="json").status_code == 404


# --- writes --------------------------------------------------------------------------------------


def test_admin_creates_a_global_item(admin_client, bob_client):
    resp = admin_client.post(CATALOG, ITEM, format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["is_global"] is True and body["is_active"] is True
    assert ChecklistCatalog.objects.get(pk=body["id"]).owner is None
    assert bob_client.get(f"{CATALOG}{body['id']}/").status_code == 200


def test_a_doctor_creates_a_private_item(alice, alice_client, bob_client):
    resp = alice_client.post(CATALOG, ITEM, format="json")
    assert resp.status_code == 201
    assert resp.json()["is_global"] is False
    assert ChecklistCatalog.objects.get(pk=resp.json()["id"]).owner == alice
    assert bob_client.get(f"{CATALOG}{resp.json()['id']}/").status_code == 404


def test_a_doctor_gets_403_changing_or_deleting_a_global_item(alice_client, global_item):
    url = f"{CATALOG}{global_item.id}/"
    assert alice_client.put(url, ITEM, format="json").status_code == 403
    assert alice_client.patch(url, {"title": "Mine now"}, format="json").status_code == 403
    resp = alice_client.delete(url)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "forbidden"
    global_item.refresh_from_db()
    assert global_item.title == "Allergies" and global_item.is_active


def test_a_doctor_edits_and_deletes_its_own_item(alice, alice_client):
    mine = new_item(owner=alice)
    resp = alice_client.patch(f"{CATALOG}{mine.id}/", {"priority": "critical"}, format="json")
    assert resp.status_code == 200 and resp.json()["priority"] == "critical"
    resp = alice_client.put(f"{CATALOG}{mine.id}/", {**ITEM, "title": "Travel"}, format="json")
    assert resp.status_code == 200 and resp.json()["title"] == "Travel"
    assert alice_client.delete(f"{CATALOG}{mine.id}/").status_code == 204
    assert not ChecklistCatalog.objects.filter(pk=mine.pk).exists()


def test_other_doctor_gets_404_on_a_private_item(alice, bob_client):
    mine = new_item(owner=alice)
    url = f"{CATALOG}{mine.id}/"
    assert bob_client.get(url).status_code == 404
    assert bob_client.put(url, ITEM, format="json").status_code == 404
    assert bob_client.patch(url, {"title": "x"}, format="json").status_code == 404
    assert bob_client.delete(url).status_code == 404
    assert ChecklistCatalog.objects.get(pk=mine.pk).title == "Travel history"


def test_admin_edits_a_global_item(admin_client, global_item):
    resp = admin_client.patch(f"{CATALOG}{global_item.id}/", {"priority": "critical"}, format="json")
    assert resp.status_code == 200
    global_item.refresh_from_db()
    assert global_item.priority == "critical"


def test_deleting_an_item_used_by_evaluations_deactivates_it_and_answers_409(alice_client, alice, encounter):
    mine = new_item(owner=alice)
    ChecklistEval.objects.create(encounter=encounter, catalog_item=mine, status="covered")
    resp = alice_client.delete(f"{CATALOG}{mine.id}/")
    assert resp.status_code == 409
    err = resp.json()["error"]
    assert err["code"] == "item_in_use" and err["deactivated"] is True and err["evaluations"] == 1
    mine.refresh_from_db()
    assert mine.is_active is False
    assert ChecklistEval.objects.filter(catalog_item=mine).count() == 1


def test_deleting_an_unused_global_item_removes_it_from_templates(admin_client):
    item = new_item()
    tmpl = ChecklistTemplate.objects.create(name="t", description="d")
    tmpl.entries.create(catalog_item=item, position=0)
    assert admin_client.delete(f"{CATALOG}{item.id}/").status_code == 204
    assert tmpl.entries.count() == 0


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"category": "history"}, "category"),
        ({"priority": "urgent"}, "priority"),
        ({"priority": 3}, "priority"),
        ({"keywords": {"some": ["x"]}}, "keywords"),
        ({"keywords": {"any": "allergy"}}, "keywords"),
        ({"keywords": {"any": []}}, "keywords"),
        ({"keywords": {"all": ["ok", 5]}}, "keywords"),
        ({"keywords": {"any": ["a||b"]}}, "keywords"),
        ({"keywords": {}}, "keywords"),
        ({"keywords": ["allergy"]}, "keywords"),
        ({"question_template": ""}, "question_template"),
        ({"question_template": {"de": "Allergien?"}}, "question_template"),
        ({"question_template": {"en": ""}}, "question_template"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": 12}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"is_active": "yes"}, "is_active"),
        ({"owner": 1}, "owner"),
        ({"is_global": True}, "is_global"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_items_are_rejected_and_nothing_is_stored(admin_client, patch, field):
    before = ChecklistCatalog.objects.count()
    resp = admin_client.post(CATALOG, {**ITEM, **patch}, format="json")
    assert resp.status_code == 400, resp.json()
    err = resp.json()["error"]
    assert err["code"] == "validation_error"
    assert field in err["fields"]
    assert ChecklistCatalog.objects.count() == before


def test_missing_required_fields_are_named(alice_client):
    resp = alice_client.post(CATALOG, {}, format="json")
    assert resp.status_code == 400
    assert {"title", "description", "category", "question_template"} <= set(resp.json()["error"]["fields"])


def test_malformed_json_is_a_400_and_stores_nothing(alice_client):
    before = ChecklistCatalog.objects.count()
    resp = alice_client.generic("POST", CATALOG, '{"title": ', content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "malformed_request"
    assert ChecklistCatalog.objects.count() == before


def test_a_plain_string_question_template_is_accepted(alice_client):
    resp = alice_client.post(CATALOG, {**ITEM, "question_template": "Any {title}?"}, format="json")
    assert resp.status_code == 201
    assert resp.json()["question_template"] == "Any {title}?"


# --- filters, search, pagination -----------------------------------------------------------------


def test_filters_by_category_priority_active_and_specialty(alice, alice_client):
    new_item(owner=alice, title="Inactive thing", is_active=False, category="plan", priority="low")
    body = alice_client.get(CATALOG, {"category": "objective", "page_size": 100}).json()
    assert body["count"] > 0 and {r["category"] for r in body["results"]} == {"objective"}
    body = alice_client.get(CATALOG, {"priority": "critical", "page_size": 100}).json()
    assert {r["priority"] for r in body["results"]} == {"critical"}
    body = alice_client.get(CATALOG, {"is_active": "false"}).json()
    assert [r["title"] for r in body["results"]] == ["Inactive thing"]
    body = alice_client.get(CATALOG, {"specialty": "cardiology", "page_size": 100}).json()
    keys = set(
        ChecklistCatalog.objects.filter(id__in=[r["id"] for r in body["results"]]).values_list(
            "key", flat=True
        )
    )
    assert "chest_pain_radiation" in keys and "allergies" not in keys


def test_search_matches_the_title_case_insensitively(alice_client):
    body = alice_client.get(CATALOG, {"search": "ALLERG"}).json()
    assert body["count"] >= 1 and all("allerg" in r["title"].lower() for r in body["results"])


@pytest.mark.parametrize(
    "params",
    [{"category": "x"}, {"priority": "urgent"}, {"is_active": "maybe"}, {"page": "0"}, {"page_size": "x"}],
)
def test_bad_filter_values_are_400(alice_client, params):
    resp = alice_client.get(CATALOG, params)
    assert resp.status_code == 400


def test_pagination_uses_page_and_page_size(alice_client):
    body = alice_client.get(CATALOG, {"page_size": 5, "page": 2}).json()
    assert len(body["results"]) == 5 and body["previous"] and body["next"]
    assert alice_client.get(CATALOG, {"page": 999}).status_code == 404


def test_catalog_list_query_count_does_not_grow_with_rows(alice, alice_client):
    ChecklistCatalog.objects.all().delete()
    new_item(owner=alice)
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get(CATALOG).status_code == 200
    for i in range(15):
        new_item(owner=alice, title=f"item {i}")
    with CaptureQueriesContext(connection) as many:
        assert len(alice_client.get(CATALOG).json()["results"]) == 16
    assert len(one) == len(many)


# --- templates -----------------------------------------------------------------------------------


def test_template_list_shows_counts_and_global_plus_own(alice, bob, alice_client, default_template):
    ChecklistTemplate.objects.create(owner=bob, name="bob's", description="d")
    mine = ChecklistTemplate.objects.create(owner=alice, name="mine", description="d")
    body = alice_client.get(TEMPLATES, {"page_size": 100}).json()
    by_id = {r["id"]: r for r in body["results"]}
    assert set(by_id) == set(ChecklistTemplate.objects.filter(owner=None).values_list("id", flat=True)) | {
        mine.id
    }
    assert by_id[default_template.id]["catalog_items_count"] >= 30
    assert by_id[default_template.id]["is_default"] is True


def test_template_catalog_items_come_in_template_order(alice_client, default_template):
    resp = alice_client.get(f"{TEMPLATES}{default_template.id}/catalog_items/")
    assert resp.status_code == 200
    expected = list(default_template.entries.order_by("position").values_list("catalog_item_id", flat=True))
    assert [r["id"] for r in resp.json()] == expected


def test_a_doctor_creates_a_private_template_from_global_and_own_items(
    alice, alice_client, bob_client, global_item
):
    mine = new_item(owner=alice)
    resp = alice_client.post(
        TEMPLATES,
        {
            "name": "Travel clinic",
            "description": "d",
            "specialty": "travel",
            "catalog_item_ids": [mine.id, global_item.id],
        },
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["catalog_items_count"] == 2 and body["catalog_item_ids"] == [mine.id, global_item.id]
    assert body["is_global"] is False
    items = alice_client.get(f"{TEMPLATES}{body['id']}/catalog_items/").json()
    assert [i["id"] for i in items] == [mine.id, global_item.id]
    assert bob_client.get(f"{TEMPLATES}{body['id']}/").status_code == 404
    assert bob_client.get(f"{TEMPLATES}{body['id']}/catalog_items/").status_code == 404


def test_a_template_cannot_use_someone_elses_private_item(bob, alice_client):
    theirs = new_item(owner=bob)
    before = ChecklistTemplate.objects.count()
    resp = alice_client.post(
        TEMPLATES, {"name": "x", "description": "d", "catalog_item_ids": [theirs.id]}, format="json"
    )
    assert resp.status_code == 400
    assert "catalog_item_ids" in resp.json()["error"]["fields"]
    assert ChecklistTemplate.objects.count() == before


def test_a_global_template_takes_global_items_only(alice, admin_user, admin_client):
    # an admin cannot see a doctor's item at all, so the id is unknown to it: 400
    theirs = new_item(owner=alice)
    resp = admin_client.post(
        TEMPLATES, {"name": "x", "description": "d", "catalog_item_ids": [theirs.id]}, format="json"
    )
    assert resp.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "description": "d", "catalog_item_ids": [1, 1]},
        {"name": "x", "description": "d", "catalog_item_ids": ["1"]},
        {"name": "x", "description": "d", "catalog_item_ids": "1,2"},
        {"name": "x", "description": "d", "is_default": "true"},
        {"name": "", "description": "d"},
        {"name": "x", "description": "d", "catalog_items_count": 3},
        {"description": "d"},
    ],
)
def test_invalid_templates_are_400_and_store_nothing(alice_client, body):
    before = ChecklistTemplate.objects.count()
    assert alice_client.post(TEMPLATES, body, format="json").status_code == 400
    assert ChecklistTemplate.objects.count() == before


def test_a_doctor_gets_403_on_a_global_template_and_404_on_anothers(
    alice, bob_client, alice_client, default_template
):
    url = f"{TEMPLATES}{default_template.id}/"
    assert alice_client.patch(url, {"name": "mine"}, format="json").status_code == 403
    assert alice_client.put(url, {"name": "mine", "description": "d"}, format="json").status_code == 403
    assert alice_client.delete(url).status_code == 403
    mine = ChecklistTemplate.objects.create(owner=alice, name="mine", description="d")
    for method in ("put", "patch", "delete", "get"):
        assert (
            getattr(bob_client, method)(
                f"{TEMPLATES}{mine.id}/", {"name": "x", "description": "d"}, format="json"
            ).status_code
            == 404
        )
    assert ChecklistTemplate.objects.filter(pk=default_template.pk, name="General Internal Medicine").exists()


def test_a_doctors_default_template_does_not_touch_the_global_default(
    alice, alice_client, default_template, global_item
):
    resp = alice_client.post(
        TEMPLATES,
        {"name": "mine", "description": "d", "is_default": True, "catalog_item_ids": [global_item.id]},
        format="json",
    )
    assert resp.status_code == 201
    default_template.refresh_from_db()
    assert default_template.is_default
    resp2 = alice_client.post(
        TEMPLATES, {"name": "mine2", "description": "d", "is_default": True}, format="json"
    )
    assert resp2.status_code == 201
    assert ChecklistTemplate.objects.filter(owner=alice, is_default=True).get().id == resp2.json()["id"]


def test_admin_updates_a_global_template_items_and_default(admin_client, default_template, global_item):
    other = ChecklistTemplate.objects.filter(owner=None, is_default=False).first()
    resp = admin_client.patch(
        f"{TEMPLATES}{other.id}/", {"is_default": True, "catalog_item_ids": [global_item.id]}, format="json"
    )
    assert resp.status_code == 200, resp.json()
    assert resp.json()["catalog_item_ids"] == [global_item.id] and resp.json()["catalog_items_count"] == 1
    default_template.refresh_from_db()
    assert not default_template.is_default


def test_deleting_a_template_keeps_its_evaluations(alice, alice_client, encounter, global_item):
    mine = ChecklistTemplate.objects.create(owner=alice, name="mine", description="d")
    ev = ChecklistEval.objects.create(
        encounter=encounter, catalog_item=global_item, template=mine, status="covered"
    )
    assert alice_client.delete(f"{TEMPLATES}{mine.id}/").status_code == 204
    ev.refresh_from_db()
    assert ev.template is None


def test_template_list_query_count_does_not_grow_with_rows(alice, alice_client, global_item):
    ChecklistTemplate.objects.all().delete()
    ChecklistTemplate.objects.create(owner=alice, name="t0", description="d").entries.create(
        catalog_item=global_item
    )
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get(TEMPLATES).status_code == 200
    for i in range(10):
        t = ChecklistTemplate.objects.create(owner=alice, name=f"t{i + 1}", description="d")
        t.entries.create(catalog_item=global_item)
    with CaptureQueriesContext(connection) as many:
        assert len(alice_client.get(TEMPLATES).json()["results"]) == 11
    assert len(one) == len(many)

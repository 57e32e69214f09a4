"""Two API questions from a client's smoke test: which id the draft checklist's override takes (and
whether the draft checklist lists its items), and whether a finalized note can be amended.

The checklist tests sit here because the fix is in the outputs engineer's part of the checklist views;
they use the checklist app's own helpers."""

from __future__ import annotations

import pytest

from soapify.checklist.models import ChecklistCatalog, ChecklistEval
from soapify.outputs.models import FinalizedNote
from tests.checklist.conftest import KEYWORDS_ONLY, add_transcript
from tests.jobstate import job_state
from tests.outputs.conftest import finalize

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(alice_client, encounter, settings):
    settings.CHECKLIST_ENGINES = KEYWORDS_ONLY
    add_transcript(encounter)
    response = alice_client.post(
        "/api/checklist/evaluations/evaluate_encounter/", {"encounter": encounter.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert job_state(alice_client, response)["status"] == "succeeded"
    return encounter


# ----------------------------------------------------------------------------- draft checklist ids


def test_the_draft_checklist_lists_every_item_with_both_ids(alice_client, evaluated):
    """The client read only a summary; the body has the summary figures *and* ``items``."""
    body = alice_client.get(f"/api/nlp/drafts/{evaluated.pk}/checklist/").json()
    rows = ChecklistEval.objects.filter(encounter=evaluated)
    assert body["total"] == rows.count() > 0
    assert len(body["items"]) == body["total"]
    assert {(i["id"], i["catalog_item_id"]) for i in body["items"]} == {
        (r.pk, r.catalog_item_id) for r in rows
    }


def test_an_override_with_a_wrong_item_id_says_which_id_it_wants(alice_client, evaluated):
    row_ids = set(ChecklistEval.objects.filter(encounter=evaluated).values_list("pk", flat=True))
    catalog_ids = set(ChecklistCatalog.objects.values_list("pk", flat=True))
    # a row's id, as the client sent; an id beyond every catalog item if all row ids are catalog ids
    wrong = min(row_ids - catalog_ids, default=max(catalog_ids | row_ids) + 1000)
    response = alice_client.put(
        f"/api/nlp/drafts/{evaluated.pk}/checklist/{wrong}/", {"status": "covered"}, format="json"
    )
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "catalog_item_not_found"
    assert error["message"].startswith(f"No checklist catalog item {wrong}: item_id is the catalog_item_id")


def test_an_override_by_catalog_item_id_works(alice_client, evaluated):
    row = ChecklistEval.objects.filter(encounter=evaluated).first()
    response = alice_client.put(
        f"/api/nlp/drafts/{evaluated.pk}/checklist/{row.catalog_item_id}/",
        {"status": "covered"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["id"] == row.pk and response.json()["is_manual"] is True


# ------------------------------------------------------------------------------------- amendments


def test_a_finalized_note_cannot_change_through_the_api(alice_client, encounter, finalized):
    """What the README now says: finalization is final; there is no amendment through the API."""
    edit = alice_client.put(
        f"/api/nlp/drafts/{encounter.pk}/update-section/",
        {"section": "plan", "content": "Paracetamol stopped.", "version": 1},
        format="json",
    )
    assert edit.status_code == 409 and edit.json()["error"]["code"] == "encounter_finalized"
    regenerate = alice_client.post(f"/api/nlp/generate/{encounter.pk}/", format="json")
    assert regenerate.status_code == 409 and regenerate.json()["error"]["code"] == "encounter_finalized"
    again = job_state(alice_client, finalize(alice_client, encounter.pk))
    assert again["job"]["result"]["version"] == 1 and again["job"]["result"]["created"] is False
    assert FinalizedNote.objects.filter(encounter=encounter).count() == 1

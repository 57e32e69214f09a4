"""A finalized encounter's checklist is read-only (409 ``encounter_finalized``), and one evaluation
job runs at a time per encounter."""

from __future__ import annotations

import pytest

from soapify.checklist import services
from soapify.checklist.models import ChecklistEval
from soapify.core.errors import Conflict
from soapify.core.jobs import job_start
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from tests.jobstate import held_client, job_state

pytestmark = pytest.mark.django_db

EVALS = "/api/checklist/evaluations/"
EVALUATE = f"{EVALS}evaluate_encounter/"


def finalize(encounter: Encounter) -> None:
    Encounter.objects.filter(pk=encounter.pk).update(status=Encounter.Status.FINALIZED)


def snapshot(encounter: Encounter) -> list[tuple]:
    return list(
        ChecklistEval.objects.filter(encounter=encounter)
        .order_by("id")
        .values_list("id", "catalog_item_id", "status", "is_manual", "manual_status", "notes", "updated_at")
    )


def assert_finalized_409(resp) -> None:
    assert resp.status_code == 409, resp.content
    assert resp.json()["error"]["code"] == "encounter_finalized"


@pytest.fixture
def evaluated(alice_client, transcribed) -> Encounter:
    resp = alice_client.post(EVALUATE, {"encounter": transcribed.id}, format="json")
    assert job_state(alice_client, resp)["status"] == "succeeded", resp.json()
    return transcribed


@pytest.fixture
def finalized(evaluated) -> Encounter:
    finalize(evaluated)
    return evaluated


def a_row(encounter: Encounter) -> ChecklistEval:
    return ChecklistEval.objects.filter(encounter=encounter).order_by("position").first()


# --- a finalized encounter refuses every checklist write ----------------------------------------


def test_creating_an_evaluation_on_a_finalized_encounter_is_409(alice_client, finalized, global_item):
    ChecklistEval.objects.filter(encounter=finalized, catalog_item=global_item).delete()
    before = snapshot(finalized)
    resp = alice_client.post(
        EVALS,
        {"encounter": finalized.id, "catalog_item_id": global_item.id, "status": "covered"},
        format="json",
    )
    assert_finalized_409(resp)
    assert snapshot(finalized) == before


@pytest.mark.parametrize("method", ["put", "patch"])
def test_updating_an_evaluation_of_a_finalized_encounter_is_409(alice_client, finalized, method):
    row = a_row(finalized)
    before = snapshot(finalized)
    body = {"status": "partial", "notes": "changed after the fact"}
    if method == "put":
        body |= {"encounter": finalized.id, "catalog_item_id": row.catalog_item_id}
    resp = getattr(alice_client, method)(f"{EVALS}{row.id}/", body, format="json")
    assert_finalized_409(resp)
    assert snapshot(finalized) == before


def test_deleting_an_evaluation_of_a_finalized_encounter_is_409(alice_client, finalized):
    row = a_row(finalized)
    before = snapshot(finalized)
    assert_finalized_409(alice_client.delete(f"{EVALS}{row.id}/"))
    assert snapshot(finalized) == before and ChecklistEval.objects.filter(pk=row.id).exists()


def test_evaluating_a_finalized_encounter_is_409_and_starts_no_job(alice_client, finalized):
    before, jobs = snapshot(finalized), Job.objects.count()
    assert_finalized_409(alice_client.post(EVALUATE, {"encounter": finalized.id}, format="json"))
    assert snapshot(finalized) == before and Job.objects.count() == jobs


def test_the_draft_checklist_override_of_a_finalized_encounter_is_409(alice_client, finalized, global_item):
    before = snapshot(finalized)
    resp = alice_client.put(
        f"/api/nlp/drafts/{finalized.id}/checklist/{global_item.id}/",
        {"status": "missing", "notes": "too late"},
        format="json",
    )
    assert_finalized_409(resp)
    assert snapshot(finalized) == before


def test_an_evaluation_job_finishing_after_finalization_changes_nothing(alice, evaluated, default_template):
    """The job checks again under the encounter lock: finalized meanwhile → the job fails, rows kept."""
    finalize(evaluated)
    before = snapshot(evaluated)
    with pytest.raises(Conflict) as exc:
        services.checklist_evaluate_encounter(encounter=evaluated, template=default_template)
    assert exc.value.code == "encounter_finalized"
    assert snapshot(evaluated) == before


def test_a_finalized_encounters_checklist_can_still_be_read(alice_client, finalized):
    assert alice_client.get(EVALS, {"encounter": finalized.id}).status_code == 200
    assert alice_client.get(f"{EVALS}summary/", {"encounter": finalized.id}).status_code == 200
    assert alice_client.get(f"{EVALS}{a_row(finalized).id}/").status_code == 200
    assert alice_client.get(f"/api/nlp/drafts/{finalized.id}/checklist/").status_code == 200


# --- one evaluation at a time -------------------------------------------------------------------


def test_a_second_evaluation_while_the_first_is_queued_returns_the_same_job(alice, transcribed):
    """The job is sent on commit, which never comes inside the test's transaction for this client,
    so the first job stays queued."""
    client = held_client(alice)
    first = client.post(EVALUATE, {"encounter": transcribed.id}, format="json")
    second = client.post(EVALUATE, {"encounter": transcribed.id}, format="json")
    assert first.status_code == second.status_code == 201, (first.json(), second.json())
    assert first.json()["status"] == "queued"
    assert second.json()["job_id"] == first.json()["job_id"]
    assert Job.objects.filter(kind=services.EVALUATE_JOB_KIND).count() == 1


def test_a_queued_job_is_reused_and_a_finished_one_is_not(alice, alice_client, transcribed, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = job_start(
        kind=services.EVALUATE_JOB_KIND,
        owner=alice,
        target=transcribed,
        params={"encounter_id": transcribed.id, "template_id": None},
    )
    resp = alice_client.post(EVALUATE, {"encounter": transcribed.id}, format="json")
    assert resp.status_code == 201 and resp.json()["job_id"] == str(queued.id)
    Job.objects.filter(pk=queued.pk).update(status=Job.Status.SUCCEEDED)
    again = alice_client.post(EVALUATE, {"encounter": transcribed.id}, format="json")
    assert again.status_code == 201 and again.json()["job_id"] != str(queued.id)

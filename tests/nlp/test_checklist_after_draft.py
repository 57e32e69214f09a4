"""A generated draft starts the checklist evaluation (the seed flow never asks for one), once."""

from __future__ import annotations

import pytest

from soapify.checklist.models import ChecklistEval, ChecklistTemplate
from soapify.checklist.services import EVALUATE_JOB_KIND
from soapify.core.jobs import job_run, job_start
from soapify.core.models import Job
from soapify.nlp.services import GENERATE_JOB
from tests.jobstate import job_state
from tests.nlp.conftest import generate_url

pytestmark = pytest.mark.django_db


def generate(client, encounter_id: int) -> None:
    resp = client.post(generate_url(encounter_id), format="json")
    assert resp.status_code == 201, resp.json()
    assert job_state(client, resp)["status"] == "succeeded", resp.json()


def test_a_draft_comes_with_its_checklist(alice_client, transcribed):
    generate(alice_client, transcribed.pk)
    body = alice_client.get(f"/api/nlp/drafts/{transcribed.pk}/checklist/").json()
    assert body["items"] and body["total"] == len(body["items"])
    assert {row["status"] for row in body["items"]} <= {"covered", "missing", "partial", "unclear"}
    # finalize right after (step 6 of the seed flow): the note carries the checklist, no warning about it
    resp = alice_client.post("/api/outputs/finalize/", {"encounter_id": transcribed.pk}, format="json")
    assert resp.status_code == 201, resp.json()
    assert "checklist_not_evaluated" not in [w["code"] for w in resp.json()["warnings"]]


def test_a_checklist_evaluated_since_the_request_is_not_run_again(alice, alice_client, transcribed, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the draft job is created, then run by hand below
    draft_job = job_start(
        kind=GENERATE_JOB,
        owner=alice,
        target=transcribed,
        params={"encounter_id": transcribed.pk, "engine": "default", "language": None},
    )
    settings.CELERY_TASK_ALWAYS_EAGER = True
    resp = alice_client.post(
        "/api/checklist/evaluations/evaluate_encounter/", {"encounter": transcribed.pk}, format="json"
    )
    assert resp.status_code == 201 and job_state(alice_client, resp)["status"] == "succeeded"
    job_run(str(draft_job.pk))
    assert Job.objects.get(pk=draft_job.pk).status == "succeeded"
    assert (
        Job.objects.filter(kind=EVALUATE_JOB_KIND).count() == 1
    )  # the client's, evaluated after the request
    generate(alice_client, transcribed.pk)  # a new draft re-evaluates (the transcript may have changed)
    assert Job.objects.filter(kind=EVALUATE_JOB_KIND).count() == 2


def test_it_can_be_switched_off(alice_client, transcribed, settings):
    settings.CHECKLIST_AFTER_DRAFT = False
    generate(alice_client, transcribed.pk)
    assert not ChecklistEval.objects.filter(encounter=transcribed).exists()


def test_a_draft_without_a_default_template_is_still_a_draft(alice_client, transcribed):
    ChecklistTemplate.objects.update(is_default=False)
    generate(alice_client, transcribed.pk)
    assert not ChecklistEval.objects.filter(encounter=transcribed).exists()

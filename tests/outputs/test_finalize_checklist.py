"""Finalization reads the real checklist: missing critical items are frozen into the note, a failing
checklist fails the finalization (never a note silently without its warnings), and a finalize job
whose encounter is gone fails with ``encounter_gone``."""

from __future__ import annotations

import pytest

import soapify.outputs.services as services
from soapify.checklist.models import ChecklistCatalog, ChecklistEval
from soapify.core.jobs import job_run, job_start
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.outputs.models import FinalizedNote, OutputFile
from soapify.outputs.tasks import FINALIZE
from tests.jobstate import job_state
from tests.outputs.conftest import finalize

pytestmark = pytest.mark.django_db


def critical_item() -> ChecklistCatalog:
    return (
        ChecklistCatalog.objects.filter(owner=None, priority="critical", is_active=True)
        .order_by("id")
        .first()
    )


def test_missing_critical_items_of_the_real_checklist_are_frozen_into_the_note(
    alice_client, encounter, draft
):
    item = critical_item()
    ChecklistEval.objects.create(encounter=encounter, catalog_item=item, status="missing")
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 201, response.content
    assert response.data["missing_critical"] == [item.title]
    assert response.data["warnings"][0]["code"] == "missing_critical"
    assert job_state(alice_client, response)["status"] == "succeeded"
    note = FinalizedNote.objects.get(encounter=encounter)
    assert note.missing_critical_items == [item.title]
    assert note.checklist_summary["counts"]["missing"] == 1


def test_a_failing_checklist_refuses_to_finalize(alice_client, encounter, draft, monkeypatch):
    def broken(*, encounter):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "checklist_summary", broken)
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "checklist_unavailable"
    assert not FinalizedNote.objects.exists() and not OutputFile.objects.exists()
    assert Encounter.objects.get(pk=encounter.pk).status != Encounter.Status.FINALIZED


def queued_finalize(user, encounter_id: int, settings) -> Job:
    settings.CELERY_TASK_ALWAYS_EAGER = False  # created, never sent: run it by hand below
    return job_start(
        kind=FINALIZE, owner=user, target=("encounter", encounter_id), params={"encounter_id": encounter_id}
    )


def test_a_checklist_failing_during_the_job_fails_the_job_clearly(
    alice, encounter, draft, settings, monkeypatch
):
    job = queued_finalize(alice, encounter.pk, settings)

    def broken(*, encounter):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "checklist_summary", broken)
    job_run(str(job.id))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error["code"] == "checklist_unavailable"
    assert not FinalizedNote.objects.exists() and not OutputFile.objects.exists()
    assert Encounter.objects.get(pk=encounter.pk).status != Encounter.Status.FINALIZED


def test_a_finalize_job_whose_encounter_is_gone_fails_with_encounter_gone(alice, encounter, draft, settings):
    job = queued_finalize(alice, encounter.pk, settings)
    encounter.delete()
    job_run(str(job.id))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error["code"] == "encounter_gone"


def queued_evaluation(user, encounter_id: int) -> Job:
    """A checklist evaluation job created and never run (``CELERY_TASK_ALWAYS_EAGER`` off)."""
    from soapify.checklist.services import EVALUATE_JOB_KIND

    return job_start(
        kind=EVALUATE_JOB_KIND,
        owner=user,
        target=("encounter", encounter_id),
        params={"encounter_id": encounter_id},
    )


def test_a_finalization_waits_for_the_checklist_evaluation_under_way(alice, encounter, draft, settings):
    """Generate, evaluate and finalize sent back to back: the note freezes the checklist's result,
    and the evaluation is not failed by a finalization that overtook it."""
    from soapify.core.jobs import job_release

    settings.CELERY_TASK_ALWAYS_EAGER = False  # created, never sent: run them by hand below
    item = critical_item()
    evaluation = queued_evaluation(alice, encounter.pk)
    job = queued_finalize(alice, encounter.pk, settings)
    job.refresh_from_db()
    assert job.waits_for_id == evaluation.pk  # held behind the evaluation, not sent
    # the evaluation's outcome (its handler is not run here: the rows it would write)
    ChecklistEval.objects.create(encounter=encounter, catalog_item=item, status="missing")
    Job.objects.filter(pk=evaluation.pk).update(status=Job.Status.SUCCEEDED)
    assert job_release(str(job.pk)) == "sent"
    job_run(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    note = FinalizedNote.objects.get(encounter=encounter)
    assert note.missing_critical_items == [item.title] and note.checklist_summary["evaluated"] is True


def test_a_failed_checklist_evaluation_does_not_fail_the_finalization_waiting_for_it(
    alice, encounter, draft, settings
):
    from soapify.core.jobs import job_release

    settings.CELERY_TASK_ALWAYS_EAGER = False
    evaluation = queued_evaluation(alice, encounter.pk)
    job = queued_finalize(alice, encounter.pk, settings)
    Job.objects.filter(pk=evaluation.pk).update(status=Job.Status.FAILED, error={"code": "engine_error"})
    assert job_release(str(job.pk)) == "sent"
    job_run(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert FinalizedNote.objects.get(encounter=encounter).checklist_summary["evaluated"] is False


def test_a_finalize_request_says_a_checklist_is_under_way(alice, alice_client, encounter, draft, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued_evaluation(alice, encounter.pk)
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 201
    assert [w["code"] for w in response.data["warnings"]] == ["checklist_pending"]

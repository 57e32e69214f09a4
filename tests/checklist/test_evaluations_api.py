"""Evaluating an encounter, the evaluations CRUD, the summary, and manual overrides."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soapify.checklist import services
from soapify.checklist.models import ChecklistCatalog, ChecklistEval, ChecklistTemplate
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.stt.selectors import encounter_transcript
from tests.checklist.conftest import add_transcript, new_item
from tests.jobstate import job_state

pytestmark = pytest.mark.django_db

EVALS = "/api/checklist/evaluations/"
EVALUATE = f"{EVALS}evaluate_encounter/"
SUMMARY = f"{EVALS}summary/"


def evaluate(client, encounter, **extra):
    return client.post(EVALUATE, {"encounter": encounter.id, **extra}, format="json")


def row(encounter, key) -> ChecklistEval:
    return ChecklistEval.objects.get(encounter=encounter, catalog_item__key=key, catalog_item__owner=None)


# --- evaluate_encounter --------------------------------------------------------------------------


def test_evaluating_an_encounter_returns_a_job_and_stores_one_row_per_template_item(
    alice_client, transcribed, default_template
):
    resp = evaluate(alice_client, transcribed)
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["status_url"] == f"/api/jobs/{body['job_id']}/"
    assert job_state(alice_client, resp)["status"] == "succeeded"
    assert body["encounter"] == transcribed.id and body["template"] == default_template.id
    job = Job.objects.get(pk=body["job_id"])
    assert (
        job.kind == "checklist.evaluate_encounter" and job.result["items"] == default_template.entries.count()
    )
    assert ChecklistEval.objects.filter(encounter=transcribed).count() == default_template.entries.count()
    assert alice_client.get(body["status_url"]).json()["status"] == "succeeded"
    first = ChecklistEval.objects.filter(encounter=transcribed).order_by("position").first()
    assert first.engine == "rules" and first.engine_version and first.template_id == default_template.id


def test_negated_answers_cover_the_question_end_to_end(alice_client, transcribed):
    evaluate(alice_client, transcribed)
    allergies, smoking = row(transcribed, "allergies"), row(transcribed, "smoking")
    assert allergies.status == "covered" and "no known allergies" in allergies.evidence_text
    assert allergies.details["polarity"] == "negated"
    assert smoking.status == "covered" and smoking.generated_question == ""
    assert row(transcribed, "alcohol").status == "missing"
    assert row(transcribed, "alcohol").generated_question


def test_every_evidence_span_equals_the_transcript_text(alice_client, transcribed):
    evaluate(alice_client, transcribed)
    text = encounter_transcript(encounter=transcribed).text
    rows = list(ChecklistEval.objects.filter(encounter=transcribed))
    assert any(r.evidence_text for r in rows)
    for r in rows:
        if r.evidence_text:
            a = r.anchor_positions
            assert set(a) == {"start", "end"}
            assert text[a["start"] : a["end"]] == r.evidence_text
        else:
            assert r.anchor_positions == {}


def test_a_persian_visit_gets_persian_questions(alice, alice_client):
    enc = Encounter.objects.create(doctor=alice, patient_ref="HS-1", language="fa")
    add_transcript(enc, "پزشک: حساسیت دارید؟\nبیمار: نه، هیچ حساسیتی ندارم.\n")
    assert evaluate(alice_client, enc).status_code == 201
    assert row(enc, "allergies").status == "covered"
    smoking = row(enc, "smoking")
    assert smoking.status == "missing" and any("\u0600" <= c <= "\u06ff" for c in smoking.generated_question)


def test_evaluating_with_a_given_template(alice_client, transcribed):
    cardio = ChecklistTemplate.objects.get(owner=None, key="cardiology_chest_pain")
    resp = evaluate(alice_client, transcribed, template=cardio.id)
    assert resp.status_code == 201
    assert ChecklistEval.objects.filter(encounter=transcribed).count() == cardio.entries.count()


def test_a_doctors_own_default_template_is_used_when_none_is_given(
    alice, alice_client, transcribed, global_item
):
    mine = ChecklistTemplate.objects.create(owner=alice, name="mine", description="d", is_default=True)
    mine.entries.create(catalog_item=global_item, position=0)
    assert evaluate(alice_client, transcribed).json()["template"] == mine.id
    assert list(
        ChecklistEval.objects.filter(encounter=transcribed).values_list("catalog_item_id", flat=True)
    ) == [global_item.id]


def test_inactive_items_are_not_evaluated(alice_client, transcribed, default_template):
    ChecklistCatalog.objects.filter(key="alcohol", owner=None).update(is_active=False)
    evaluate(alice_client, transcribed)
    assert not ChecklistEval.objects.filter(encounter=transcribed, catalog_item__key="alcohol").exists()


def test_re_evaluation_keeps_manual_overrides_and_refreshes_the_rest(alice_client, transcribed):
    evaluate(alice_client, transcribed)
    alcohol = row(transcribed, "alcohol")
    smoking = row(transcribed, "smoking")
    resp = alice_client.patch(
        f"{EVALS}{alcohol.id}/", {"status": "covered", "notes": "asked before recording"}, format="json"
    )
    assert resp.status_code == 200 and resp.json()["is_manual"] is True
    ChecklistEval.objects.filter(pk=smoking.pk).update(status="missing", evidence_text="stale")
    ids_before = set(ChecklistEval.objects.filter(encounter=transcribed).values_list("id", flat=True))

    assert evaluate(alice_client, transcribed).status_code == 201
    alcohol.refresh_from_db()
    smoking.refresh_from_db()
    assert alcohol.status == "covered" and alcohol.is_manual and alcohol.auto_status == "missing"
    assert alcohol.notes == "asked before recording" and alcohol.generated_question == ""
    assert smoking.status == "covered" and smoking.evidence_text != "stale"
    assert set(ChecklistEval.objects.filter(encounter=transcribed).values_list("id", flat=True)) == ids_before
    job = Job.objects.filter(kind="checklist.evaluate_encounter").first()
    assert job.result["manual_kept"] == 1


def test_switching_template_drops_engine_rows_but_keeps_manual_ones(alice_client, transcribed):
    evaluate(alice_client, transcribed)
    alcohol = row(transcribed, "alcohol")
    alice_client.patch(f"{EVALS}{alcohol.id}/", {"status": "covered"}, format="json")
    diabetes = ChecklistTemplate.objects.get(owner=None, key="diabetes_follow_up")
    evaluate(alice_client, transcribed, template=diabetes.id)
    keys = set(
        ChecklistEval.objects.filter(encounter=transcribed).values_list("catalog_item__key", flat=True)
    )
    assert keys == set(diabetes.catalog_items.values_list("key", flat=True)) | {"alcohol"}


def test_idempotency_key_replays_the_first_job(alice_client, transcribed):
    r1 = alice_client.post(EVALUATE, {"encounter": transcribed.id}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    r2 = alice_client.post(EVALUATE, {"encounter": transcribed.id}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["job_id"] == r2.json()["job_id"]
    assert Job.objects.filter(kind="checklist.evaluate_encounter").count() == 1


def test_an_encounter_with_no_transcript_is_a_409_and_starts_nothing(alice_client, encounter):
    resp = evaluate(alice_client, encounter)
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "no_transcript"
    assert not Job.objects.exists() and not ChecklistEval.objects.exists()


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"encounter": 999999}, 404, "encounter_not_found"),
        ({}, 400, "validation_error"),
        ({"encounter": "abc"}, 400, "validation_error"),
        ({"encounter": "1"}, 400, "validation_error"),
        ({"encounter": 1.5}, 400, "validation_error"),
        ({"encounter": -1}, 400, "validation_error"),
        ({"encounter": None}, 400, "validation_error"),
        ({"encounter": "ENC", "template": "x"}, 400, "validation_error"),
        ({"template": 999999}, 404, "template_not_found"),
        ({"colour": "red"}, 400, "validation_error"),
    ],
)
def test_bad_evaluate_requests_change_nothing(alice_client, transcribed, body, status, code):
    if "encounter" not in body and status != 400:
        body = {"encounter": transcribed.id, **body}
    resp = alice_client.post(EVALUATE, body, format="json")
    assert resp.status_code == status, resp.json()
    assert resp.json()["error"]["code"] == code
    assert not Job.objects.exists() and not ChecklistEval.objects.exists()


def test_another_doctors_private_template_is_404(bob, alice_client, transcribed, global_item):
    theirs = ChecklistTemplate.objects.create(owner=bob, name="bob", description="d")
    theirs.entries.create(catalog_item=global_item)
    resp = evaluate(alice_client, transcribed, template=theirs.id)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "template_not_found"
    assert not Job.objects.exists()


def test_a_template_with_no_active_items_is_a_409(alice, alice_client, transcribed):
    empty = ChecklistTemplate.objects.create(owner=alice, name="empty", description="d")
    resp = evaluate(alice_client, transcribed, template=empty.id)
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "empty_template"


def test_malformed_json_to_evaluate_is_400(alice_client, transcribed):
    resp = alice_client.generic("POST", EVALUATE, "{encounter:", content_type="application/json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "malformed_request"
    assert not Job.objects.exists()


# --- evaluations CRUD ----------------------------------------------------------------------------


def test_list_filters_by_encounter_and_status(alice, alice_client, transcribed):
    other = Encounter.objects.create(doctor=alice, patient_ref="HS-2")
    add_transcript(other)
    evaluate(alice_client, transcribed)
    evaluate(alice_client, other)
    body = alice_client.get(EVALS, {"encounter": transcribed.id, "page_size": 100}).json()
    assert body["count"] == ChecklistEval.objects.filter(encounter=transcribed).count()
    assert {r["encounter"] for r in body["results"]} == {transcribed.id}
    r0 = body["results"][0]
    assert set(r0["catalog_item"]) >= {"id", "title", "category", "priority", "question_template"}
    assert r0["catalog_item_id"] == r0["catalog_item"]["id"]
    body = alice_client.get(EVALS, {"encounter": transcribed.id, "status": "missing"}).json()
    assert body["count"] > 0 and {r["status"] for r in body["results"]} == {"missing"}
    assert alice_client.get(EVALS, {"encounter": "x"}).status_code == 400
    assert alice_client.get(EVALS, {"status": "done"}).status_code == 400


def test_evaluations_list_query_count_does_not_grow_with_rows(alice_client, transcribed, global_item):
    ChecklistEval.objects.create(encounter=transcribed, catalog_item=global_item, status="covered")
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get(EVALS).json()["count"] == 1
    evaluate(alice_client, transcribed)
    with CaptureQueriesContext(connection) as many:
        assert len(alice_client.get(EVALS).json()["results"]) == 20
    assert len(one) == len(many)


def test_a_doctor_records_an_item_by_hand(alice, alice_client, encounter):
    mine = new_item(owner=alice)
    resp = alice_client.post(
        EVALS,
        {
            "encounter": encounter.id,
            "catalog_item_id": mine.id,
            "status": "missing",
            "notes": "ask next time",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["is_manual"] is True and body["generated_question"] == "Have you travelled recently?"
    again = alice_client.post(
        EVALS, {"encounter": encounter.id, "catalog_item_id": mine.id, "status": "covered"}, format="json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_evaluated"


@pytest.mark.parametrize(
    "body, status",
    [
        ({"status": "covered"}, 400),
        ({"catalog_item_id": "{item}", "status": "covered"}, 400),
        ({"encounter": "{enc}", "catalog_item_id": "{item}", "status": "done"}, 400),
        (
            {"encounter": "{enc}", "catalog_item_id": "{item}", "status": "covered", "confidence_score": 1},
            400,
        ),
        ({"encounter": "{enc}", "catalog_item_id": "{item}", "status": "covered", "is_manual": False}, 400),
        ({"encounter": 999999, "catalog_item_id": "{item}", "status": "covered"}, 404),
        ({"encounter": "{enc}", "catalog_item_id": 999999, "status": "covered"}, 404),
        ({"encounter": "{bob_enc}", "catalog_item_id": "{item}", "status": "covered"}, 404),
        ({"encounter": "{enc}", "catalog_item_id": "{bob_item}", "status": "covered"}, 404),
    ],
)
def test_bad_manual_evaluations_store_nothing(alice_client, bob, encounter, global_item, body, status):
    bob_enc = Encounter.objects.create(doctor=bob, patient_ref="B")
    bob_item = new_item(owner=bob)
    subs = {
        "{enc}": encounter.id,
        "{item}": global_item.id,
        "{bob_enc}": bob_enc.id,
        "{bob_item}": bob_item.id,
    }
    body = {k: subs.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    resp = alice_client.post(EVALS, body, format="json")
    assert resp.status_code == status, resp.json()
    assert not ChecklistEval.objects.exists()


def test_update_cannot_move_an_evaluation(alice, alice_client, transcribed, global_item):
    ev = ChecklistEval.objects.create(encounter=transcribed, catalog_item=global_item, status="missing")
    other = Encounter.objects.create(doctor=alice, patient_ref="X")
    resp = alice_client.patch(f"{EVALS}{ev.id}/", {"encounter": other.id}, format="json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "immutable_field"
    resp = alice_client.put(
        f"{EVALS}{ev.id}/",
        {"encounter": transcribed.id, "catalog_item_id": global_item.id, "status": "partial"},
        format="json",
    )
    assert resp.status_code == 200 and resp.json()["status"] == "partial"
    notes_only = alice_client.patch(f"{EVALS}{ev.id}/", {"notes": "n"}, format="json").json()
    assert notes_only["notes"] == "n" and notes_only["status"] == "partial"


def test_delete_removes_an_evaluation(alice_client, transcribed, global_item):
    ev = ChecklistEval.objects.create(encounter=transcribed, catalog_item=global_item, status="missing")
    assert alice_client.delete(f"{EVALS}{ev.id}/").status_code == 204
    assert not ChecklistEval.objects.filter(pk=ev.pk).exists()


# --- summary -------------------------------------------------------------------------------------


def test_summary_counts_coverage_missing_by_priority_and_questions_critical_first(alice_client, transcribed):
    evaluate(alice_client, transcribed)
    resp = alice_client.get(SUMMARY, {"encounter": transcribed.id})
    assert resp.status_code == 200
    s = resp.json()
    rows = list(ChecklistEval.objects.filter(encounter=transcribed))
    assert s["total"] == len(rows) and sum(s["counts"].values()) == len(rows)
    covered, partial = s["counts"]["covered"], s["counts"]["partial"]
    assert s["coverage_percent"] == round(100 * (covered + 0.5 * partial) / len(rows), 1)
    missing_titles = {m["title"] for ms in s["missing_by_priority"].values() for m in ms}
    assert missing_titles == {r.catalog_item.title for r in rows if r.status == "missing"}
    assert s["missing_critical"] == [m["title"] for m in s["missing_by_priority"]["critical"]]
    ranks = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    order = [ranks[q["priority"]] for q in s["questions"]]
    assert order == sorted(order) and s["questions"]
    assert all(q["status"] != "covered" and q["question"] for q in s["questions"])
    assert s == services.checklist_summary(encounter=transcribed) | {
        "last_evaluated_at": s["last_evaluated_at"]
    }


def test_summary_of_an_unevaluated_encounter_is_empty(alice_client, encounter):
    s = alice_client.get(SUMMARY, {"encounter": encounter.id}).json()
    assert s["total"] == 0 and s["evaluated"] is False and s["coverage_percent"] == 0.0


@pytest.mark.parametrize(
    "params, status", [({}, 400), ({"encounter": "x"}, 400), ({"encounter": 999999}, 404)]
)
def test_summary_bad_parameters(alice_client, params, status):
    assert alice_client.get(SUMMARY, params).status_code == status


def test_checklist_summary_service_reports_missing_critical_titles(alice_client, alice):
    enc = Encounter.objects.create(doctor=alice, patient_ref="HS-9")
    add_transcript(enc, "[doctor] hello .\n[patient] hi .\n")
    evaluate(alice_client, enc)
    s = services.checklist_summary(encounter=enc)
    critical = set(
        ChecklistEval.objects.filter(
            encounter=enc, status="missing", catalog_item__priority="critical"
        ).values_list("catalog_item__title", flat=True)
    )
    assert set(s["missing_critical"]) == critical and critical
    assert s["coverage_percent"] < 50


# --- the access matrix on every evaluation route ---------------------------------------------------


def test_access_matrix_on_every_evaluation_route(matrix, transcribed, global_item):
    ev = ChecklistEval.objects.create(encounter=transcribed, catalog_item=global_item, status="missing")
    routes = [
        ("get", EVALS, None, 200),
        ("get", f"{EVALS}{ev.id}/", None, 200),
        ("patch", f"{EVALS}{ev.id}/", {"notes": "x"}, 200),
        (
            "put",
            f"{EVALS}{ev.id}/",
            {"encounter": transcribed.id, "catalog_item_id": global_item.id, "status": "partial"},
            200,
        ),
        ("get", SUMMARY + f"?encounter={transcribed.id}", None, 200),
        ("post", EVALUATE, {"encounter": transcribed.id}, 201),
        (
            "post",
            EVALS,
            {"encounter": transcribed.id, "catalog_item_id": new_item().id, "status": "covered"},
            201,
        ),
        ("delete", f"{EVALS}{ev.id}/", None, 204),
    ]
    for who, denied in (("anon", 401), ("other", 404), ("admin", 404), ("owner", None)):
        client = matrix[who]
        for method, url, body, ok in routes:
            resp = (
                getattr(client, method)(url, body, format="json")
                if body is not None
                else getattr(client, method)(url)
            )
            if denied is None:
                assert resp.status_code == ok, (who, method, url, resp.content)
            elif method == "get" and url == EVALS and who != "anon":
                assert resp.status_code == 200 and resp.json()["count"] == 0, (who, url)
            else:
                assert resp.status_code == denied, (who, method, url, resp.status_code)
        if denied is not None:
            ev.refresh_from_db()
            assert ev.notes == "" and ev.status == "missing"
            assert not Job.objects.exists()

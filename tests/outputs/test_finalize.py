"""Finalization: job, immutable versions, amendments, history, missing critical items, the four files."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from django.core.files.storage import storages
from django.db import IntegrityError, connection, transaction
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from soapify.core.models import AuditLog, Job
from soapify.encounters.models import Encounter
from soapify.outputs import services
from soapify.outputs.models import FinalizedNote, OutputFile
from tests.jobstate import job_state
from tests.outputs.conftest import edit_draft, finalize, make_draft

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def stored(file: OutputFile) -> bytes:
    with storages["outputs"].open(file.storage_key, "rb") as fh:
        return fh.read()


# ---------------------------------------------------------------------------------------- finalize


def test_finalize_returns_a_job_ref_and_freezes_the_draft(alice_client, encounter, draft):
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 201
    body = response.data
    assert set(body) >= {"job_id", "status", "status_url", "encounter_id", "missing_critical", "warnings"}
    done = job_state(alice_client, response)
    assert done["status"] == "succeeded"
    assert done["job"]["result"]["version"] == 1
    assert done["job"]["result"]["created"] is True
    note = FinalizedNote.objects.get(encounter=encounter)
    assert note.version == 1
    assert note.content["draft"] == draft.content
    assert note.content["meta"]["draft_version"] == draft.version
    assert note.content["meta"]["engine"] == "rules"
    assert note.finalized_by_id == encounter.doctor_id
    encounter.refresh_from_db()
    assert encounter.status == Encounter.Status.FINALIZED
    job = Job.objects.get(pk=body["job_id"])
    assert job.kind == "outputs.finalize" and job.owner_id == encounter.doctor_id


def test_finalize_without_a_draft_is_a_409_and_starts_nothing(alice_client, encounter):
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 409
    assert response.data["error"]["code"] == "no_draft"
    assert not Job.objects.exists()
    assert not FinalizedNote.objects.exists()


def test_finalize_an_empty_draft_is_a_409(alice_client, encounter):
    make_draft(encounter, content={"language": "en", "sections": {}})
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 409
    assert response.data["error"]["code"] == "empty_draft"


@pytest.mark.parametrize(
    "body",
    [{}, {"encounter_id": "abc"}, {"encounter_id": -1}, {"encounter_id": 1, "extra": 1}, [1], "x"],
)
def test_finalize_rejects_bad_input(alice_client, encounter, draft, body):
    response = alice_client.post("/api/outputs/finalize/", body, format="json")
    assert response.status_code == 400
    assert "error" in response.data
    assert not FinalizedNote.objects.exists()


def test_finalize_rejects_malformed_json(alice_client, encounter, draft):
    response = alice_client.post(
        "/api/outputs/finalize/", '{"encounter_id": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_finalize_an_unknown_encounter_is_a_404(alice_client):
    response = finalize(alice_client, 999999)
    assert response.status_code == 404


def test_finalize_with_nothing_changed_returns_the_existing_version(alice_client, encounter, finalized):
    again = finalize(alice_client, encounter.pk)
    assert again.status_code == 201
    done = job_state(alice_client, again)
    assert done["job"]["result"]["version"] == 1
    assert done["job"]["result"]["created"] is False
    assert FinalizedNote.objects.filter(encounter=encounter).count() == 1
    assert OutputFile.objects.count() == 4


def test_replayed_idempotency_key_replays_the_first_response(alice_client, encounter, draft):
    first = finalize(alice_client, encounter.pk, HTTP_IDEMPOTENCY_KEY="k-1")
    again = finalize(alice_client, encounter.pk, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.data["job_id"] == first.data["job_id"]
    assert Job.objects.filter(kind="outputs.finalize").count() == 1  # (the index job runs after it)


def test_idempotency_key_reused_with_another_body_is_a_422(alice_client, alice, encounter, draft):
    other = Encounter.objects.create(doctor=alice, patient_ref="HS-2")
    make_draft(other)
    finalize(alice_client, encounter.pk, HTTP_IDEMPOTENCY_KEY="k-2")
    response = finalize(alice_client, other.pk, HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert not FinalizedNote.objects.filter(encounter=other).exists()


# ------------------------------------------------------------------------------- amendments/history


def test_finalizing_after_an_edit_makes_an_amendment_and_keeps_history(
    alice_client, encounter, draft, finalized
):
    edit_draft(draft, " Review in clinic if vomiting.")
    response = finalize(alice_client, encounter.pk)
    assert job_state(alice_client, response)["job"]["result"]["version"] == 2
    v1, v2 = FinalizedNote.objects.filter(encounter=encounter).order_by("version")
    assert v2.amends_id == v1.pk
    assert "vomiting" in v2.content["draft"]["sections"]["plan"]["text"]
    assert "vomiting" not in v1.content["draft"]["sections"]["plan"]["text"]
    assert OutputFile.objects.filter(note=v1).count() == 4
    assert OutputFile.objects.filter(note=v2).count() == 4

    latest = alice_client.get(f"/api/outputs/finalized/{encounter.pk}/")
    assert latest.status_code == 200
    assert latest.data["version"] == 2
    assert latest.data["amends_version"] == 1
    assert latest.data["is_latest"] is True
    assert [v["version"] for v in latest.data["versions"]] == [2, 1]
    assert {f["kind"] for f in latest.data["files"]} == {"markdown", "pdf_doctor", "pdf_patient", "fhir"}

    old = alice_client.get(f"/api/outputs/finalized/{encounter.pk}/?version=1")
    assert old.status_code == 200
    assert old.data["version"] == 1
    assert old.data["is_latest"] is False
    assert "vomiting" not in old.data["soap"]["sections"]["plan"]["text"]


def test_unknown_version_is_a_404_and_a_bad_one_a_400(alice_client, encounter, finalized):
    assert alice_client.get(f"/api/outputs/finalized/{encounter.pk}/?version=7").status_code == 404
    assert alice_client.get(f"/api/outputs/finalized/{encounter.pk}/?version=x").status_code == 400
    assert alice_client.get(f"/api/outputs/finalized/{encounter.pk}/?version=0").status_code == 400


def test_an_encounter_not_finalized_yet_is_a_404(alice_client, encounter, draft):
    response = alice_client.get(f"/api/outputs/finalized/{encounter.pk}/")
    assert response.status_code == 404
    assert response.data["error"]["code"] == "not_finalized"


def test_finalized_note_read_is_audited(alice_client, alice, encounter, finalized):
    alice_client.get(f"/api/outputs/finalized/{encounter.pk}/")
    row = AuditLog.objects.filter(object_type="finalized_note", action="read").latest("created_at")
    assert row.actor_id == alice.pk and row.object_id == str(encounter.pk) and row.outcome == "success"


def test_finalized_note_query_count_is_constant(
    alice_client, encounter, draft, finalized, django_assert_max_num_queries
):
    for n in range(3):
        edit_draft(draft, f" Step {n}.")
        finalize(alice_client, encounter.pk)
    with django_assert_max_num_queries(12):
        response = alice_client.get(f"/api/outputs/finalized/{encounter.pk}/")
    assert len(response.data["versions"]) == 4


# ----------------------------------------------------------------------------------- immutability


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_writing_a_finalized_note_is_refused(alice_client, encounter, finalized, method):
    response = getattr(alice_client, method)(
        f"/api/outputs/finalized/{encounter.pk}/", {"soap": {}}, format="json"
    )
    assert response.status_code == 405
    assert FinalizedNote.objects.get(encounter=encounter).version == 1


def test_the_orm_refuses_to_update_or_delete_a_finalized_note(encounter, finalized):
    note = FinalizedNote.objects.get(encounter=encounter)
    note.content = {"draft": {}}
    with pytest.raises(PermissionError):
        note.save()
    with pytest.raises(PermissionError):
        note.delete()
    with pytest.raises(PermissionError):
        FinalizedNote.objects.filter(pk=note.pk).update(content={})
    with pytest.raises(PermissionError):
        FinalizedNote.objects.filter(pk=note.pk).delete()
    with pytest.raises(PermissionError):
        OutputFile.objects.filter(note=note).update(size=1)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE outputs_finalizednote SET content = '{}'::jsonb",
        "DELETE FROM outputs_finalizednote",
        "UPDATE outputs_outputfile SET size = 1",
        "DELETE FROM outputs_outputfile",
    ],
)
def test_the_database_refuses_to_update_or_delete_finalized_rows(encounter, finalized, sql):
    with pytest.raises(Exception, match="immutable"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    assert FinalizedNote.objects.get(encounter=encounter).content["draft"]


def test_two_notes_cannot_share_a_version(alice, encounter, finalized):
    note = FinalizedNote.objects.get(encounter=encounter)
    with pytest.raises(IntegrityError), transaction.atomic():
        FinalizedNote.objects.create(
            encounter=encounter, version=1, content={}, content_sha256="x", finalized_by=alice
        )
    assert note.version == 1


# --------------------------------------------------------------------------------- missing critical


def test_missing_critical_items_are_allowed_but_flagged(alice_client, encounter, draft, monkeypatch):
    summary = {
        "total": 5,
        "evaluated": True,
        "counts": {"covered": 3, "partial": 0, "missing": 2, "unclear": 0},
        "coverage_percent": 60.0,
        "missing_critical": ["Drug allergies", "Red-flag symptoms"],
    }
    monkeypatch.setattr(services, "checklist_summary_of", lambda encounter: summary)
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 201
    assert response.data["missing_critical"] == ["Drug allergies", "Red-flag symptoms"]
    assert response.data["warnings"][0]["code"] == "missing_critical"
    note = alice_client.get(f"/api/outputs/finalized/{encounter.pk}/").data
    assert note["missing_critical"] == ["Drug allergies", "Red-flag symptoms"]
    assert note["warnings"][0]["items"] == ["Drug allergies", "Red-flag symptoms"]
    assert note["checklist_summary"]["coverage_percent"] == 60.0
    md = stored(OutputFile.objects.get(kind="markdown"))
    assert b"Drug allergies" in md
    assert "Drug allergies" in pdf_text(stored(OutputFile.objects.get(kind="pdf_doctor")))


def test_a_note_without_any_checklist_is_finalized_with_a_warning(alice_client, encounter, draft):
    """An encounter never evaluated: the real summary has zero counts and no missing item, and the
    response says the note carries no checklist."""
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 201
    assert response.data["missing_critical"] == []
    assert [w["code"] for w in response.data["warnings"]] == ["checklist_not_evaluated"]
    note = FinalizedNote.objects.get(encounter=encounter)
    assert note.checklist_summary["total"] == 0 and note.checklist_summary["evaluated"] is False


def test_the_real_checklist_summary_is_used(encounter):
    summary = services.checklist_summary_of(encounter)
    assert summary is not None and "coverage_percent" in summary and summary["missing_critical"] == []
    json.dumps(summary)  # frozen into a JSONField: must be plain JSON


# ---------------------------------------------------------------------------------------- the files


def test_finalize_stores_four_files_with_their_size_and_sha256(alice_client, encounter, finalized):
    files = {f.kind: f for f in OutputFile.objects.all()}
    assert set(files) == {"markdown", "pdf_doctor", "pdf_patient", "fhir"}
    for f in files.values():
        data = stored(f)
        assert len(data) == f.size
        assert hashlib.sha256(data).hexdigest() == f.sha256
        assert re.fullmatch(r"outputs/[0-9a-f]{32}\.(md|pdf|json)", f.storage_key)  # no patient data
    assert files["pdf_doctor"].content_type == "application/pdf"
    assert files["fhir"].content_type == "application/fhir+json"
    assert files["markdown"].content_type.startswith("text/markdown")


def test_the_markdown_has_the_four_sections(alice_client, encounter, finalized):
    md = stored(OutputFile.objects.get(kind="markdown")).decode()
    for heading in ("Subjective", "Objective", "Assessment", "Plan"):
        assert heading in md
    assert "Paracetamol" in md and "HS-12345" in md


def test_the_fhir_bundle_validates_and_embeds_the_doctor_pdf(alice_client, encounter, finalized):
    raw = stored(OutputFile.objects.get(kind="fhir"))
    bundle = (
        Bundle.model_validate_json(raw) if hasattr(Bundle, "model_validate_json") else Bundle.parse_raw(raw)
    )
    assert bundle.type == "document"
    types = [e.resource.get_resource_type() for e in bundle.entry]
    assert types[0] == "Composition"
    assert {"Patient", "Encounter", "Observation", "MedicationStatement", "DocumentReference"} <= set(types)
    data = json.loads(raw)
    composition = data["entry"][0]["resource"]
    assert {s["code"]["coding"][0]["code"] for s in composition["section"]} >= {"61150-9", "51848-0"}


def test_the_doctor_pdf_reads_back_in_english(alice_client, encounter, finalized):
    text = pdf_text(stored(OutputFile.objects.get(kind="pdf_doctor")))
    for expected in ("Subjective", "Objective", "Assessment", "Plan", "HS-12345", "Paracetamol", "142/90"):
        assert expected in text


def test_the_patient_pdf_is_plain_language(alice_client, encounter, finalized):
    text = pdf_text(stored(OutputFile.objects.get(kind="pdf_patient")))
    assert "Paracetamol" in text
    assert "Subjective" not in text


def test_persian_notes_render_shaped_right_to_left_pdfs(alice_client, alice):
    encounter = Encounter.objects.create(doctor=alice, patient_ref="HS-777", language="fa")
    make_draft(encounter, language="fa")
    response = finalize(alice_client, encounter.pk)
    assert job_state(alice_client, response)["status"] == "succeeded", response.data
    note = FinalizedNote.objects.get(encounter=encounter)
    assert note.language == "fa"
    doctor = pdf_text(stored(OutputFile.objects.get(note=note, kind="pdf_doctor")))
    patient = pdf_text(stored(OutputFile.objects.get(note=note, kind="pdf_patient")))
    # pypdf gives the logical order back for shaped Arabic-script text only approximately; the
    # renderer tests compare exact strings, here we check the words and digits survive.
    for text in (doctor, patient):
        assert "Paracetamol" in text
        assert any("\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" for ch in text)
    assert "HS-777" in doctor


def test_a_failed_render_leaves_no_note_and_no_files(alice_client, encounter, draft, monkeypatch):
    def boom(note):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(services, "render_patient_pdf", boom)
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 201
    assert job_state(alice_client, response)["status"] == "failed"
    assert not FinalizedNote.objects.exists()
    assert not OutputFile.objects.exists()
    encounter.refresh_from_db()
    assert encounter.status != Encounter.Status.FINALIZED

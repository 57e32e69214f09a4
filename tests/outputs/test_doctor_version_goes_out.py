"""What the doctor wrote is what goes out: a section edited as text, and history medicines the patient
does not take, in the patient's page, FHIR and the medication tables (a client's smoke test)."""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import storages
from fhir.resources.R4B.bundle import Bundle

from soapify.outputs.models import FinalizedNote, OutputFile
from soapify.outputs.renderers import patient_view, render_fhir, render_markdown
from soapify.outputs.renderers.base import medications
from tests.jobstate import job_state
from tests.outputs.conftest import finalize, item, make_draft
from tests.outputs.test_renderers import make_note

pytestmark = pytest.mark.django_db

EDITED_PLAN = "Propranolol stopped: one tablet a day for a week, then stop.\nTopiramate 25 mg at night.\nFollow-up in 6 weeks."


def migraine_draft(language: str = "en") -> dict:
    """The client's migraine visit as the machine drafted it: propranolol taken now, prescribed again."""
    return {
        "language": language,
        "sections": {
            "subjective": {
                "text": "Medications: propranolol 20 mg twice a day; paracetamol.",
                "items": [
                    item(
                        "medication",
                        "propranolol 20 mg twice a day",
                        name="propranolol",
                        dose="20",
                        unit="mg",
                    ),
                    item("medication", "paracetamol", name="paracetamol"),
                ],
            },
            "objective": {
                "text": "HR 58",
                "items": [item("vital", "HR 58", name="hr", value=58, unit="/min")],
            },
            "assessment": {
                "text": "Migraine without aura.",
                "items": [item("problem", "Migraine", name="Migraine")],
            },
            "plan": {
                "text": "Medications: propranolol.",
                "items": [
                    item("medication", "propranolol", name="propranolol"),
                    item("referral", "Referral to neurology."),
                ],
            },
        },
    }


def stored(note: FinalizedNote, kind: str) -> bytes:
    file = OutputFile.objects.get(note=note, kind=kind)
    with storages["outputs"].open(file.storage_key, "rb") as fh:
        return fh.read()


def statements(bundle: dict) -> dict[str, dict]:
    return {
        e["resource"]["medicationCodeableConcept"]["text"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationStatement"
    }


def finalized_after_plan_edit(client, encounter, content) -> FinalizedNote:
    make_draft(encounter, content=migraine_draft())
    response = client.put(
        f"/api/nlp/drafts/{encounter.pk}/update-section/",
        {"section": "plan", "content": content, "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    done = finalize(client, encounter.pk)
    assert job_state(client, done)["status"] == "succeeded"
    return FinalizedNote.objects.get(encounter=encounter)


# ------------------------------------------------------------------------ a section edited as text


def test_a_plan_edited_as_text_is_what_the_patient_page_shows(alice_client, encounter):
    note = finalized_after_plan_edit(alice_client, encounter, EDITED_PLAN)
    assert note.draft_version == 2 and note.draft["sections"]["plan"]["items"] == []
    link = alice_client.post("/api/outputs/link-patient/", {"encounter_id": encounter.pk}, format="json")
    page = alice_client.get(f"/api/outputs/access/{link.data['link_id']}/", HTTP_ACCEPT="application/json")
    assert page.status_code == 200
    sections = {s["key"]: s for s in page.json()["sections"]}
    assert sections["plan"]["title"] == "Your treatment plan"
    assert sections["plan"]["items"] == [
        "Propranolol stopped: one tablet a day for a week, then stop.",
        "Topiramate 25 mg at night.",
        "Follow-up in 6 weeks.",
    ]
    # nothing from the machine's plan: no propranolol to take, no referral the doctor removed
    assert "medicines" not in sections and "referrals" not in sections
    assert page.json()["medicines"] == []


def test_a_plan_edited_as_text_reaches_fhir_as_narrative_and_no_stale_medication(alice_client, encounter):
    note = finalized_after_plan_edit(alice_client, encounter, EDITED_PLAN)
    bundle = json.loads(stored(note, "fhir"))
    Bundle.parse_obj(bundle)
    composition = bundle["entry"][0]["resource"]
    plan = next(s for s in composition["section"] if s["code"]["coding"][0]["code"] == "18776-5")
    assert "Topiramate 25 mg at night." in plan["text"]["div"] and "<br/>" in plan["text"]["div"]
    assert plan["text"]["status"] == "additional"  # the doctor's words, not generated from entries
    meds = statements(bundle)
    assert "intended" not in {m["status"] for m in meds.values()}  # the machine's plan propranolol is gone
    # propranolol was taken at the visit and the doctor's free-text plan names it: not "active"
    assert meds["propranolol"]["status"] == "unknown"
    assert "see the plan" in meds["propranolol"]["note"][-1]["text"]
    assert meds["paracetamol"]["status"] == "active"  # not named by the plan: as reported


def test_the_medication_table_sends_the_reader_to_a_free_text_plan():
    note = make_note()
    note.draft["sections"]["subjective"]["items"][2]["name"] = "Losartan"
    note.draft["sections"]["plan"] = {"text": "Stop losartan. Amlodipine 5 mg daily.", "items": []}
    statuses = {m.get("name"): status for status, m in medications(note)}
    assert statuses == {"Losartan": "see_plan"}
    assert "| Losartan | 50 mg | PO | daily | — | current; see plan |" in render_markdown(note)


def test_machine_items_kept_beside_an_edited_section_never_reach_the_files(alice_client, encounter):
    content = migraine_draft()
    content["sections"]["plan"] = {"text": EDITED_PLAN, "items": []}
    machine = [item("medication", "amitriptyline 10 mg", name="amitriptyline", dose="10", unit="mg")]
    make_draft(
        encounter,
        content=content,
        section_meta={
            "plan": {"edited": True, "machine_text": "Amitriptyline 10 mg.", "machine_items": machine}
        },
    )
    assert job_state(alice_client, finalize(alice_client, encounter.pk))["status"] == "succeeded"
    note = FinalizedNote.objects.get(encounter=encounter)
    for kind in ("fhir", "markdown"):
        assert b"amitriptyline" not in stored(note, kind).lower(), kind


def test_an_objective_edited_as_text_is_shown_as_the_examination():
    note = make_note()
    note.draft["sections"]["objective"] = {"text": "BP 128/80, chest clear.\nAbdomen soft.", "items": []}
    sections = {s["key"]: s for s in patient_view(note)["sections"]}
    assert sections["examination"]["items"] == ["BP 128/80, chest clear.", "Abdomen soft."]
    assert "measurements" not in sections


def test_a_persian_plan_edited_as_text_is_shown_with_latin_digits():
    note = make_note("fa")
    note.draft["sections"]["plan"] = {
        "text": "داروها: پروپرانولول قطع؛ توپیرامات ۲۵ میلی‌گرم شب‌ها\nپیگیری: ۶ هفته",
        "items": [],
    }
    view = patient_view(note)
    plan = next(s for s in view["sections"] if s["key"] == "plan")
    assert plan["title"] == "برنامه درمان شما"
    assert plan["items"] == ["داروها: پروپرانولول قطع؛ توپیرامات 25 میلی‌گرم شب‌ها", "پیگیری: 6 هفته"]


def test_return_advice_in_a_free_text_plan_goes_to_the_safety_net():
    note = make_note()
    note.draft["sections"]["plan"] = {
        "text": "Topiramate 25 mg at night.\nIf the headache is sudden and severe, go to the emergency department at once.",
        "items": [],
    }
    view = patient_view(note)
    assert view["safety_net"]["items"][0].startswith("If the headache is sudden and severe")
    plan = next(s for s in view["sections"] if s["key"] == "plan")
    assert plan["items"] == ["Topiramate 25 mg at night."]


# ---------------------------------------------------------------- history medicines not taken now


def history_med(**flags) -> dict:
    return item("medication", "beclomethasone", name="beclomethasone", **flags)


def test_a_history_medicine_the_patient_stopped_is_not_shown_as_current():
    note = make_note()
    note.draft["sections"]["subjective"]["items"].append(history_med(negated=True))
    statuses = {m.get("name"): status for status, m in medications(note)}
    assert statuses["beclomethasone"] == "not_taken" and statuses["Losartan"] == "current"
    assert "| beclomethasone | — | — | — | — | not taken |" in render_markdown(note)
    bundle = json.loads(render_fhir(note, b"%PDF"))
    Bundle.parse_obj(bundle)
    assert statements(bundle)["beclomethasone"]["status"] == "not-taken"
    assert statements(bundle)["Losartan"]["status"] == "active"


def test_a_history_medicine_marked_stopped_is_stopped_in_fhir():
    note = make_note()
    note.draft["sections"]["subjective"]["items"].append(history_med(stopped=True))
    assert statements(json.loads(render_fhir(note, b"%PDF")))["beclomethasone"]["status"] == "stopped"


def test_a_persian_history_medicine_not_taken_has_a_persian_status():
    note = make_note("fa")
    note.draft["sections"]["subjective"]["items"].append(history_med(negated=True))
    assert "| beclomethasone | — | — | — | — | مصرف نمی‌کند |" in render_markdown(note)

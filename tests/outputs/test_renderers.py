"""Renderers of a finalized note: Markdown, doctor and patient PDFs, FHIR, the patient's view."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import unicodedata
from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from soapify.outputs.renderers import (
    NoteDocument,
    patient_html,
    patient_view,
    render_doctor_pdf,
    render_fhir,
    render_markdown,
    render_patient_pdf,
)


def item(kind: str, text: str, **extra) -> dict:
    return {
        "kind": kind,
        "text": text,
        "negated": False,
        "uncertain": False,
        "confidence": 0.9,
        "evidence": [],
    } | extra


def make_note(language: str = "en", **overrides) -> NoteDocument:
    fa = language == "fa"
    draft = {
        "language": language,
        "sections": {
            "subjective": {
                "text": "سردرد از ۳ روز پیش، سابقه HTN از 2019."
                if fa
                else "Headache for 3 days, HTN since 2019.",
                "items": [
                    item("chief_complaint", "سردرد" if fa else "headache"),
                    item("ros", "درد قفسه سینه" if fa else "chest pain", negated=True),
                    item(
                        "medication",
                        "Losartan 50 mg daily",
                        name="Losartan",
                        dose="50",
                        unit="mg",
                        route="PO",
                        frequency="daily",
                    ),
                    item("allergy", "Penicillin <script>alert(1)</script>"),
                ],
            },
            "objective": {
                "text": "",
                "items": [
                    item(
                        "vital",
                        "BP 142/90",
                        name="bp",
                        value="142/90",
                        unit="mm[Hg]",
                        systolic=142,
                        diastolic=90,
                    ),
                    item("vital", "HR 88", name="hr", value=88, unit="/min"),
                    item("vital", "T 37.8", name="temperature", value=37.8, unit="Cel"),
                    item("vital", "SpO2 97%", name="spo2", value=97, unit="%"),
                    item("vital", "weight 82 kg", name="weight", value=82, unit="kg"),
                    item("exam", "معاینه عصبی طبیعی" if fa else "Neurological exam normal"),
                ],
            },
            "assessment": {
                "text": "",
                "items": [
                    item(
                        "problem",
                        "فشار خون بالا کنترل‌نشده" if fa else "Uncontrolled hypertension",
                        name="فشار خون بالا" if fa else "Hypertension",
                        differentials=["Migraine"],
                    )
                ],
            },
            "plan": {
                "text": "",
                "items": [
                    item(
                        "medication",
                        "Amlodipine 5 mg PO BID for 30 days",
                        name="Amlodipine",
                        dose="5",
                        unit="mg",
                        route="PO",
                        frequency="BID",
                        duration="30 days",
                    ),
                    item("test", "آزمایش چربی خون (Lipid panel)" if fa else "Lipid panel"),
                    item("follow_up", "", interval="2 هفته" if fa else "2 weeks"),
                    item("instruction", "کاهش مصرف نمک" if fa else "Reduce salt intake"),
                ],
            },
        },
    }
    fields = {
        "note_id": 12,
        "version": 1,
        "encounter_id": 34,
        "patient_ref": "P-0042",
        "doctor_name": "دکتر سارا احمدی" if fa else "Dr. Sara Ahmadi",
        "doctor_id": 7,
        "language": language,
        "created_at": datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
        "finalized_at": datetime(2024, 5, 1, 10, 30, tzinfo=UTC),
        "draft": draft,
        "checklist_summary": {"coverage_percent": 82.5, "covered": 14, "partial": 2, "missing": 3},
        "missing_critical": ["سابقه حساسیت دارویی" if fa else "Drug allergies"],
        "letterhead": {
            "clinic_name": "کلینیک سلامت" if fa else "Salamat Clinic",
            "address": "تهران، خیابان ولیعصر" if fa else "Valiasr St, Tehran",
            "phone": "+98 21 1234 5678",
        },
    }
    return NoteDocument(**(fields | overrides))


def normalize(text: str) -> str:
    """NFKC (presentation forms -> letters), no format controls, no ZWNJ, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    """Both pypdf extraction modes: ``plain`` (logical order, sometimes cut at bidi runs) and
    ``layout`` (visual order, so Persian words come out reversed), normalized."""
    reader = PdfReader(io.BytesIO(data))
    parts = []
    for page in reader.pages:
        parts.append(page.extract_text())
        parts.append(page.extract_text(extraction_mode="layout"))
    return normalize("\n".join(parts))


def contains_word(text: str, word: str) -> bool:
    word = normalize(word)
    return word in text or word[::-1] in text


# ------------------------------------------------------------------------------------------ markdown


def test_markdown_has_the_four_sections_tables_and_warning():
    md = render_markdown(make_note())
    for heading in ("## Subjective", "## Objective", "## Assessment", "## Plan"):
        assert heading in md
    assert "| Blood pressure | 142/90 mmHg |" in md
    assert "| Amlodipine | 5 mg | PO | BID | 30 days | prescribed |" in md
    assert "| Losartan | 50 mg | PO | daily | — | current |" in md
    assert "Missing critical items" in md and "Drug allergies" in md
    assert "chest pain \\[negative\\]" in md
    assert "Checklist coverage: 82.5%" in md


def test_markdown_escapes_html_in_the_note():
    md = render_markdown(make_note())
    assert "<script>" not in md
    assert "\\<script\\>" in md


def test_markdown_has_no_warning_when_nothing_critical_is_missing():
    md = render_markdown(make_note(missing_critical=[], checklist_summary=None))
    assert "Missing critical" not in md
    assert "coverage" not in md


def test_markdown_in_persian_uses_persian_labels():
    md = render_markdown(make_note("fa"))
    assert "## شرح حال (S)" in md
    assert "| فشار خون | 142/90 mmHg |" in md


def test_renderers_accept_an_empty_draft():
    note = make_note(draft={"language": "en", "sections": {}}, missing_critical=[])
    assert "None recorded." in render_markdown(note)
    assert render_doctor_pdf(note).startswith(b"%PDF")
    assert render_patient_pdf(note).startswith(b"%PDF")
    json.loads(render_fhir(note, b"%PDF-1.4"))


# ------------------------------------------------------------------------------------------------ pdf


def test_doctor_pdf_in_english_has_letterhead_sections_tables_and_signature():
    text = pdf_text(render_doctor_pdf(make_note()))
    for expected in (
        "Salamat Clinic",
        "P-0042",
        "2024-05-01",
        "Subjective",
        "Objective",
        "Assessment",
        "Plan",
        "142/90 mmHg",
        "Amlodipine",
        "30 days",
        "Drug allergies",
        "Signature: Dr. Sara Ahmadi",
        "<script>alert(1)</script>",
    ):
        assert expected in text, expected


def test_doctor_pdf_in_persian_contains_the_persian_words():
    data = render_doctor_pdf(make_note("fa"))
    text = pdf_text(data)
    for word in ("کلینیک", "سلامت", "سردرد", "فشار", "خون", "احمدی", "ارزیابی", "داروها", "امضا"):
        assert contains_word(text, word), word
    # mixed Persian, English and digits on one line
    assert "HTN" in text and "2019" in text and "Losartan" in text and "142/90" in text


def test_doctor_pdf_shapes_persian_with_the_bundled_font():
    data = render_doctor_pdf(make_note("fa"))
    reader = PdfReader(io.BytesIO(data))
    fonts = {f["/BaseFont"] for f in _fonts(reader)}
    assert any("Vazirmatn" in str(name) for name in fonts)


def _fonts(reader: PdfReader) -> list:
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.append(font.get_object())
    return fonts


def test_patient_pdf_is_plain_language_in_english():
    text = pdf_text(render_patient_pdf(make_note()))
    for expected in (
        "Your visit summary",
        "What the doctor diagnosed",
        "Hypertension",
        "Your medicines",
        "twice a day",
        "by mouth",
    ):
        assert expected in text, expected
    assert "When to come back sooner" in text
    assert "Come back in 2 weeks." in text
    assert "negative" not in text  # negated findings are not news to the patient


def test_patient_pdf_in_persian_contains_the_persian_phrases():
    text = pdf_text(render_patient_pdf(make_note("fa")))
    for word in ("خلاصه", "ویزیت", "داروهای", "خوراکی", "زودتر", "مراجعه", "اورژانس"):
        assert contains_word(text, word), word
    assert "Amlodipine" in text


# ---------------------------------------------------------------------------------- patient view/html


def test_patient_view_lists_medicines_with_how_to_take_them():
    view = patient_view(make_note())
    assert view["dir"] == "ltr" and view["language"] == "en"
    assert view["medicines"][0]["name"] == "Amlodipine"
    assert view["medicines"][0]["how_to_take"] == "5 mg, by mouth, twice a day, 30 days"
    keys = [s["key"] for s in view["sections"]]
    assert keys == ["diagnosis", "measurements", "medicines", "tests", "instructions", "follow_up"]
    assert view["safety_net"]["items"]
    json.dumps(view)


def test_patient_view_in_persian_uses_persian_phrases():
    view = patient_view(make_note("fa"))
    assert view["dir"] == "rtl"
    assert view["title"] == "خلاصه ویزیت شما"
    assert view["medicines"][0]["frequency"] == "روزی دو بار"


def test_patient_html_escapes_the_note_text():
    allergy_problem = item("problem", "x", name="<script>alert('x')</script>")
    note = make_note()
    note.draft["sections"]["assessment"]["items"].append(allergy_problem)
    page = patient_html(note)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert '<html dir="ltr" lang="en">' in page


def test_patient_html_is_right_to_left_for_persian():
    page = patient_html(make_note("fa"))
    assert '<html dir="rtl" lang="fa">' in page
    assert "خلاصه ویزیت شما" in page
    assert not re.search(r"(src|href)=", page)  # no external resources


# ----------------------------------------------------------------------------------------------- fhir


@pytest.fixture(scope="module")
def bundle() -> dict:
    return json.loads(render_fhir(make_note(), b"%PDF-1.4 fake pdf"))


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_fhir_bundle_is_a_document_that_validates(bundle):
    Bundle.parse_obj(bundle)
    assert bundle["type"] == "document"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])
    assert bundle["timestamp"] == "2024-05-01T10:30:00+00:00"


def test_fhir_composition_has_loinc_soap_sections(bundle):
    comp = bundle["entry"][0]["resource"]
    assert comp["status"] == "final"
    assert comp["type"]["coding"][0]["code"] == "11506-3"
    codes = [s["code"]["coding"][0]["code"] for s in comp["section"]]
    assert codes == ["61150-9", "61149-1", "51848-0", "18776-5"]
    assert all(
        s["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml"') for s in comp["section"]
    )
    assert "&lt;script&gt;" in comp["section"][0]["text"]["div"]
    assert comp["subject"]["identifier"]["value"] == "P-0042"
    refs = {e["fullUrl"] for e in bundle["entry"]}
    assert comp["subject"]["reference"] in refs and comp["encounter"]["reference"] in refs
    assert comp["author"][0]["reference"] in refs


def test_fhir_vitals_are_observations_with_loinc_and_ucum(bundle):
    obs = {o["code"]["coding"][0]["code"]: o for o in resources(bundle, "Observation")}
    assert set(obs) == {"85354-9", "8867-4", "8310-5", "59408-5", "29463-7"}
    bp = obs["85354-9"]
    assert [c["code"]["coding"][0]["code"] for c in bp["component"]] == ["8480-6", "8462-4"]
    assert bp["component"][0]["valueQuantity"] == {
        "value": 142,
        "unit": "mm[Hg]",
        "system": "http://unitsofmeasure.org",
        "code": "mm[Hg]",
    }
    assert obs["8867-4"]["valueQuantity"]["code"] == "/min"
    assert obs["8310-5"]["valueQuantity"]["code"] == "Cel"
    assert obs["59408-5"]["valueQuantity"]["code"] == "%"
    assert obs["29463-7"]["valueQuantity"]["code"] == "kg"


def test_fhir_medications_carry_dosage_and_route(bundle):
    meds = {m["medicationCodeableConcept"]["text"]: m for m in resources(bundle, "MedicationStatement")}
    assert meds["Amlodipine"]["dosage"][0]["text"] == "5 mg, PO, BID, 30 days"
    assert meds["Amlodipine"]["dosage"][0]["route"]["coding"][0]["code"] == "26643006"
    assert meds["Losartan"]["status"] == "active"


def test_fhir_document_reference_attaches_the_pdf_with_its_hash(bundle):
    pdf = b"%PDF-1.4 fake pdf"
    (doc,) = resources(bundle, "DocumentReference")
    att = doc["content"][0]["attachment"]
    assert att["contentType"] == "application/pdf"
    assert base64.b64decode(att["data"]) == pdf
    assert att["size"] == len(pdf)
    assert att["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()


def test_fhir_rendering_is_deterministic_and_keeps_persian_text():
    note = make_note("fa")
    first, second = render_fhir(note, b"%PDF"), render_fhir(note, b"%PDF")
    assert first == second
    assert "فشار خون" in first.decode("utf-8")
    assert 'dir=\\"rtl\\"' in first.decode("utf-8")


def test_fhir_problems_are_conditions_and_reported_allergies_allergy_intolerances():
    note = make_note()
    note.draft["sections"]["subjective"]["items"][3]["name"] = "penicillin"
    note.draft["sections"]["assessment"]["items"].append(
        item("problem", "Likely appendicitis.", name="appendicitis", uncertain=True)
    )
    data = json.loads(render_fhir(note, b"%PDF"))
    Bundle.parse_obj(data)
    conditions = {c["code"]["text"]: c for c in resources(data, "Condition")}
    assert set(conditions) == {"Hypertension", "appendicitis"}
    status = {k: c["verificationStatus"]["coding"][0]["code"] for k, c in conditions.items()}
    assert status == {"Hypertension": "confirmed", "appendicitis": "provisional"}
    (allergy,) = resources(data, "AllergyIntolerance")
    assert allergy["code"]["text"] == "penicillin"
    assert allergy["verificationStatus"]["coding"][0]["code"] == "unconfirmed"
    comp = data["entry"][0]["resource"]
    by_title = {
        s["code"]["coding"][0]["code"]: {e["reference"] for e in s.get("entry", [])} for s in comp["section"]
    }
    urls = {e["resource"]["id"]: e["fullUrl"] for e in data["entry"][1:]}
    assert urls[allergy["id"]] in by_title["61150-9"]  # subjective
    assert {urls[c["id"]] for c in conditions.values()} <= by_title["51848-0"]  # assessment


@pytest.mark.parametrize(
    ("said", "name", "code"),
    [
        ("No known drug allergies.", None, "409137002"),  # no known drug allergy
        ("No allergies.", None, "716186003"),  # no known allergy
        ("Not allergic to penicillin.", "penicillin", None),  # one substance denied says nothing of others
    ],
)
def test_fhir_denied_allergies(said, name, code):
    note = make_note()
    note.draft["sections"]["subjective"]["items"][3] = item("allergy", said, negated=True, name=name)
    data = json.loads(render_fhir(note, b"%PDF"))
    Bundle.parse_obj(data)
    allergies = resources(data, "AllergyIntolerance")
    assert [a["code"]["coding"][0]["code"] for a in allergies] == ([code] if code else [])


def test_dose_units_read_as_words_not_ucum_codes():
    from soapify.outputs.renderers.base import dosage_text, dose_text

    tablets = item("medication", "", name="ibuprofen", dose="2", unit="{tbl}", frequency="twice a day")
    assert dose_text(tablets) == "2 tablets"
    assert dosage_text(tablets) == "2 tablets, twice a day"
    assert dose_text(item("medication", "", dose="500", unit="mg"), "fa") == "500 میلی‌گرم"
    assert dose_text(item("medication", "", dose="10", unit="[iU]")) == "10 units"


def test_stopped_and_declined_medicines_are_not_prescriptions():
    from soapify.outputs.renderers.base import medications
    from soapify.outputs.renderers.patient import patient_view

    note = make_note()
    plan = note.draft["sections"]["plan"]["items"]
    plan.append(item("medication", "Stop ibuprofen", name="ibuprofen", stopped=True))
    plan.append(
        item(
            "medication",
            "Declined: atorvastatin 40 mg",
            name="atorvastatin",
            dose="40",
            unit="mg",
            negated=True,
        )
    )
    statuses = {m["name"]: status for status, m in medications(note)}
    assert statuses["ibuprofen"] == "stopped" and statuses["atorvastatin"] == "declined"
    assert statuses["Amlodipine"] == "prescribed"
    data = json.loads(render_fhir(note, b"%PDF"))
    Bundle.parse_obj(data)
    fhir = {
        m["medicationCodeableConcept"]["text"]: m["status"] for m in resources(data, "MedicationStatement")
    }
    assert fhir["ibuprofen"] == "stopped" and fhir["atorvastatin"] == "not-taken"
    view = patient_view(note)
    assert [m["name"] for m in view["medicines"]] == ["Amlodipine"]
    instructions = next(s["items"] for s in view["sections"] if s["key"] == "instructions")
    assert instructions[0] == "Stop ibuprofen"

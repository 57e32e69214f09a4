"""The patient's page speaks to the patient, and Persian documents keep numbers, brackets and lists in
reading order (a client's smoke test, four typed visits)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from soapify.outputs.renderers import patient_html, patient_view, render_doctor_pdf, render_markdown
from soapify.outputs.renderers.base import coverage_line, isolate_ltr_runs
from soapify.outputs.renderers.patient import second_person

from .test_persian_pdf import visible
from .test_renderers import item, make_note

LRI, PDI = "\u2066", "\u2069"
PERSIAN_DIGITS = re.compile("[\u06f0-\u06f9\u0660-\u0669]")


def sections(view: dict) -> dict[str, dict]:
    return {s["key"]: s for s in view["sections"]}


# ------------------------------------------------------------------------------- addressed to you


@pytest.mark.parametrize(
    ("note_text", "page_text"),
    [
        (
            "If the patient gets a fever over 38, pain in the patient's back, or vomiting, come back the same day.",
            "If you get a fever over 38, pain in your back, or vomiting, come back the same day.",
        ),
        (
            "The patient can keep taking ibuprofen for the pain.",
            "You can keep taking ibuprofen for the pain.",
        ),
        ("If the patient doesn't improve, return.", "If you don't improve, return."),
        ("Call if the patient still has chest pain.", "Call if you still have chest pain."),
        ("When the patient goes home, the patient is to rest.", "When you go home, you are to rest."),
        ("We will see the patient again in one week.", "We will see you again in one week."),
        ("If he needs the inhaler more often, call 911.", "If he needs the inhaler more often, call 911."),
    ],
)
def test_note_wording_about_the_patient_addresses_the_patient(note_text, page_text):
    assert second_person(note_text) == page_text


def test_the_english_safety_net_says_you():
    note = make_note()
    note.draft["sections"]["plan"]["items"].append(
        item(
            "follow_up",
            "If the patient gets a fever over 38, pain in the patient's back, or vomiting, come back the "
            "same day or go to the emergency department.",
        )
    )
    own = patient_view(note)["safety_net"]["items"][0]
    assert own.startswith("If you get a fever over 38, pain in your back, or vomiting")
    assert "patient" not in own


def test_bare_lowercase_findings_are_capitalised():
    note = make_note()
    note.draft["sections"]["assessment"]["items"] = [
        item("problem", "The patient can keep taking ibuprofen for the pain.", name="pain"),
        item("problem", "He is due for his flu shot.", name="flu shot"),
        item("problem", "eGFR is low.", name="eGFR 52"),
    ]
    diagnosis = sections(patient_view(note))["diagnosis"]["items"]
    assert diagnosis == ["Pain", "Flu shot", "eGFR 52"]


def test_medicines_and_instructions_start_with_a_capital():
    note = make_note()
    note.draft["sections"]["plan"]["items"] = [
        item("medication", "nitrofurantoin 100 mg", name="nitrofurantoin", dose="100", unit="mg"),
        item("instruction", "drink plenty of water."),
    ]
    view = sections(patient_view(note))
    assert view["medicines"]["items"] == ["Nitrofurantoin: 100 mg"]
    assert view["instructions"]["items"] == ["Drink plenty of water."]


def test_a_persian_diagnosis_is_not_under_the_examination_heading():
    view = sections(patient_view(make_note("fa")))
    assert view["diagnosis"]["title"] == "تشخیص پزشک"
    assert view["diagnosis"]["items"] == ["فشار خون بالا"]
    assert all(s["title"] != "آنچه در معاینه پیدا شد" for s in view.values())


# --------------------------------------------------------------------------- right-to-left, digits


def test_brackets_around_a_number_stay_outside_its_isolate():
    assert isolate_ltr_runs("یادداشت: 4 (نسخه 1)") == f"یادداشت: {LRI}4{PDI} (نسخه {LRI}1{PDI})"
    assert isolate_ltr_runs("پوشش: 50% (پوشش‌داده‌شده 16، ناقص 1)") == (
        f"پوشش: {LRI}50%{PDI} (پوشش‌داده‌شده {LRI}16{PDI}، ناقص {LRI}1{PDI})"
    )
    # a bracket the run opens and closes itself is part of it
    assert isolate_ltr_runs("دما (38 °C)") == f"دما {LRI}(38 °C){PDI}"


def visual_lines(data: bytes) -> list[str]:
    """The first page's lines in visual order, left to right (pypdf's layout mode: a right-to-left
    word comes out reversed), without format controls."""
    page = PdfReader(io.BytesIO(data)).pages[0]
    return [visible(line) for line in page.extract_text(extraction_mode="layout").splitlines()]


def test_the_persian_doctor_pdf_shows_the_version_in_its_parentheses():
    """ "یادداشت: 12 (نسخه 1)" read right to left; drawn left to right that is ")1 هخسن( 12 :تشاددای"
    (the parentheses are mirrored when drawn). Before, "1)" and "12 (" were isolated whole, and the
    page showed "یادداشت: ) 12نسخه (1"."""
    data = render_doctor_pdf(make_note("fa"))
    meta = next(line for line in visual_lines(data) if "هخسن" in line)
    assert meta.endswith(")1 هخسن( 12 :تشاددای 34 :تیزیو")
    coverage = next(line for line in visual_lines(data) if "82.5%" in line)
    assert coverage.endswith(")3 هدشنتبث ،2 صقان ،14 هدشهدادششوپ( 82.5% :تسیلکچ ششوپ")


def test_persian_lists_use_the_persian_comma():
    note = make_note("fa", missing_critical=["سابقه حساسیت دارویی", "علائم هشدار"])
    assert coverage_line(note) == "پوشش چک‌لیست: 82.5% (پوشش‌داده‌شده 14، ناقص 2، ثبت‌نشده 3)"
    md = render_markdown(note)
    assert "سابقه حساسیت دارویی، علائم هشدار" in md
    assert "82.5% (پوشش‌داده‌شده 14، ناقص 2، ثبت‌نشده 3)" in md
    assert coverage_line(make_note()) == "Checklist coverage: 82.5% (covered 14, partial 2, missing 3)"


def test_the_persian_patient_page_isolates_numbers_with_units():
    page = patient_html(make_note("fa"))
    assert '<bdi dir="ltr">88 /min</bdi>' in page
    assert '<bdi dir="ltr">142/90 mmHg</bdi>' in page
    assert '<bdi dir="ltr">+98 21 1234 5678</bdi>' in page  # a Latin-only line, whole
    assert "<bdi" not in patient_html(make_note())  # left-to-right pages need none


def test_the_patient_page_has_one_kind_of_digits():
    note = make_note("fa")
    note.draft["sections"]["plan"]["items"].append(item("instruction", "روزی ۲ لیوان آب بیشتر بنوشید"))
    view = patient_view(note)
    lines = [line for s in view["sections"] for line in s["items"]] + view["safety_net"]["items"]
    assert not [line for line in lines if PERSIAN_DIGITS.search(line)]
    assert "روزی 2 لیوان آب بیشتر بنوشید" in lines
    assert any("115" in line for line in view["safety_net"]["items"])
    assert not PERSIAN_DIGITS.search(patient_html(note))


def test_an_engines_interval_and_course_are_persian_on_a_persian_page():
    note = make_note("fa")
    plan = note.draft["sections"]["plan"]["items"]
    plan.append(item("follow_up", "", interval="3 months"))
    plan.append(item("medication", "پنتوپرازول", name="پنتوپرازول", duration="8 weeks"))
    text = " ".join(str(line) for s in patient_view(note)["sections"] for line in s["items"])
    assert "3 ماه دیگر مراجعه کنید." in text and "months" not in text
    assert "weeks" not in render_markdown(note)


def test_their_and_them_in_a_line_about_the_patient_become_your_and_you():
    assert second_person("The patient should rest their ankle and call if it bothers them.") == (
        "You should rest your ankle and call if it bothers you."
    )
    assert second_person("Their mother has diabetes.") == "Their mother has diabetes."  # no patient named


def test_a_persian_line_about_the_patient_addresses_the_patient():
    note = make_note("fa")
    note.draft["sections"]["plan"]["items"] = [item("instruction", "اگر بیمار تب دارد، فوراً مراجعه کند.")]
    page = str(patient_view(note))
    assert "اگر شما تب دارید، فوراً مراجعه کند." in page and "بیمار" not in page

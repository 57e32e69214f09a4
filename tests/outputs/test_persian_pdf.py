"""Persian PDFs a patient can read: ZWNJ shaped, numbers with units in reading order, urgency kept.

Checked on the PDF itself: its text as pypdf extracts it (logical order of each directional run)
and the glyphs of the font subset embedded in it.
"""

from __future__ import annotations

import io
import unicodedata

from fontTools.ttLib import TTFont
from pypdf import PdfReader

from soapify.outputs.renderers import patient_view, render_doctor_pdf, render_patient_pdf
from soapify.outputs.renderers.pdf import DocumentPDF, isolate_ltr_runs

from .test_renderers import item, make_note

LRI, PDI = "\u2066", "\u2069"


def raw_text(data: bytes) -> str:
    """pypdf's plain extraction, format controls (ZWNJ, isolates) kept."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def visible(text: str) -> str:
    """The text without format controls (the isolates are invisible), NFKC, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Cf").split())


def embedded_glyph_names(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    names: set[str] = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            for descendant in font.get_object()["/DescendantFonts"]:
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                blob = descriptor["/FontFile2"].get_object().get_data()
                names |= set(TTFont(io.BytesIO(blob)).getGlyphOrder())
    return names


def fa_note(plan_items: list[dict], objective_items: list[dict] | None = None):
    note = make_note("fa")
    sections = note.draft["sections"]
    sections["plan"]["items"] = plan_items
    if objective_items is not None:
        sections["objective"]["items"] = objective_items
    return note


# ------------------------------------------------------------------------------------------ bidi


def test_numbers_with_units_are_isolated_in_persian_text():
    assert isolate_ltr_runs("دمای بدن 38 °C بود.") == f"دمای بدن {LRI}38 °C{PDI} بود."
    assert isolate_ltr_runs("اگر تب 3 days دیگر ادامه داشت") == f"اگر تب {LRI}3 days{PDI} دیگر ادامه داشت"
    assert isolate_ltr_runs("دمای ۳۸٫۵ °C") == f"دمای {LRI}۳۸٫۵ °C{PDI}"
    assert isolate_ltr_runs("تلفن: +98 21 1234 5678") == f"تلفن: {LRI}+98 21 1234 5678{PDI}"


def test_isolation_leaves_words_without_numbers_and_final_punctuation_alone():
    assert isolate_ltr_runs("آزمایش چربی خون (Lipid panel)") == "آزمایش چربی خون (Lipid panel)"
    assert isolate_ltr_runs("سابقه HTN از 2019.") == f"سابقه HTN از {LRI}2019{PDI}."
    already = f"دما {LRI}38 °C{PDI}"
    assert isolate_ltr_runs(already) == already


def test_persian_pdf_shows_temperature_with_its_unit_in_reading_order():
    note = fa_note(
        [item("instruction", "استراحت کنید")],
        [item("exam", "دمای بدن 38 °C و گلودرد")],
    )
    text = visible(raw_text(render_doctor_pdf(note)))
    assert "38 °C" in text
    assert "C° 38" not in text and "°C 38" not in text


def test_persian_pdf_keeps_number_and_english_unit_together():
    note = fa_note([item("instruction", "اگر تب 3 days دیگر ادامه داشت فوراً مراجعه کنید")])
    text = visible(raw_text(render_patient_pdf(note)))
    assert "3 days" in text
    assert "days 3" not in text


def test_persian_pdf_vital_table_keeps_values_whole():
    text = visible(raw_text(render_doctor_pdf(make_note("fa"))))
    assert "142/90 mmHg" in text
    assert "+98 21 1234 5678" in text


def test_english_pdf_has_no_isolate_controls():
    assert LRI not in raw_text(render_doctor_pdf(make_note("en")))


# ------------------------------------------------------------------------------------------ ZWNJ


def test_zwnj_reaches_the_pdf_text():
    note = fa_note([item("instruction", "داروها را مرتب مصرف نمی‌کنید")])
    assert "نمی\u200cکنید" in raw_text(render_patient_pdf(note))


def test_zwnj_gives_final_yeh_and_initial_form_after_it():
    """ "نمی‌شود" with ZWNJ: yeh in its final form (U+FBFD), sheen in its initial form (U+FEB7); joined
    ("نمیشود") the yeh would be medial (U+FBFF) and the sheen medial (U+FEB8)."""
    with_zwnj, joined = embedded_glyph_names(one_line("نمی‌شود")), embedded_glyph_names(one_line("نمیشود"))
    assert {"uniFBFD", "uniFEB7"} <= with_zwnj
    assert not {"uniFBFF", "uniFEB8"} & with_zwnj
    assert {"uniFBFF", "uniFEB8"} <= joined


def one_line(text: str) -> bytes:
    """A Persian page holding only ``text`` (the renderers' paragraph), footer left empty."""
    pdf = DocumentPDF(rtl=True, title="t", footer_text="", page_word="")
    pdf.add_page()
    pdf.para(text)
    return bytes(pdf.output())


# ------------------------------------------------------------------------------------------ urgency


def test_conditional_return_is_safety_net_advice_not_a_routine_revisit():
    text = "اگر تب ۳ روز دیگر ادامه داشت فوراً مراجعه کنید"
    view = patient_view(fa_note([item("follow_up", text, interval="۳ روز")]))
    # the doctor's words, with Latin digits as everywhere on the patient's page
    assert view["safety_net"]["items"][0] == text.replace("۳", "3")
    follow = [s for s in view["sections"] if s["key"] == "follow_up"]
    assert not follow  # no "۳ روز دیگر مراجعه کنید" as if it were a routine visit


def test_urgent_english_instruction_moves_to_the_safety_net_word_for_word():
    note = make_note()
    note.draft["sections"]["plan"]["items"] = [
        item("instruction", "Come at once if the fever lasts 3 more days."),
        item("instruction", "Take paracetamol if the pain bothers you."),
        item("follow_up", "", interval="2 weeks"),
    ]
    view = patient_view(note)
    assert view["safety_net"]["items"][0] == "Come at once if the fever lasts 3 more days."
    sections = {s["key"]: s["items"] for s in view["sections"]}
    assert sections["instructions"] == ["Take paracetamol if the pain bothers you."]
    assert sections["follow_up"] == ["Come back in 2 weeks."]


def test_persian_patient_pdf_prints_the_urgent_advice():
    note = fa_note([item("follow_up", "اگر تب بالا رفت فوراً مراجعه کنید")])
    text = visible(raw_text(render_patient_pdf(note)))
    for word in ("اگر", "فوراً", "مراجعه"):
        assert word in text, word

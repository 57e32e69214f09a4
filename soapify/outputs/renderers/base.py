"""What every renderer shares: the finalized note as renderers see it, labels, and formatting helpers.

Renderers are pure functions of a :class:`NoteDocument`; they know nothing of the ORM, DRF or HTTP.
The draft inside follows ``soapify.core.draft_schema``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from soapify.core.draft_schema import DOSE_UNIT_LABELS, DURATION_UNITS_FA, SECTIONS, VITAL_LABELS

Language = Literal["en", "fa"]


@dataclass(frozen=True, slots=True)
class NoteDocument:
    """A finalized note, frozen: everything a renderer may print."""

    note_id: str | int
    version: int
    encounter_id: str | int
    patient_ref: str
    doctor_name: str
    doctor_id: str | int
    language: Language
    created_at: datetime
    finalized_at: datetime | None
    draft: dict[str, Any]
    checklist_summary: dict[str, Any] | None = None
    """e.g. ``{"total": 20, "covered": 15, "partial": 2, "missing": 3, "coverage_percent": 80.0,
    "missing_critical": ["Allergies"]}``; only ``coverage_percent`` and the counts are printed."""
    missing_critical: list[str] = field(default_factory=list)
    letterhead: dict[str, str] = field(default_factory=dict)
    """``clinic_name``, ``address``, ``phone`` (any may be missing)."""
    patient_name: str = ""

    @property
    def rtl(self) -> bool:
        return self.language == "fa"

    @property
    def date(self) -> datetime:
        """The note's clinical date: finalization time, else creation time, always timezone-aware."""
        return aware(self.finalized_at or self.created_at)


def aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------------- labels

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Clinical note",
        "subjective": "Subjective",
        "objective": "Objective",
        "assessment": "Assessment",
        "plan": "Plan",
        "patient": "Patient",
        "doctor": "Doctor",
        "date": "Date",
        "encounter": "Encounter",
        "note": "Note",
        "version": "version",
        "vitals": "Vital signs",
        "medications": "Medications",
        "vital": "Measurement",
        "value": "Value",
        "medication": "Medication",
        "dose": "Dose",
        "route": "Route",
        "frequency": "Frequency",
        "duration": "Duration",
        "status": "Status",
        "current": "current",
        "prescribed": "prescribed",
        "stopped": "stopped",
        "declined": "declined",
        "not_taken": "not taken",
        "see_plan": "current; see plan",
        "see_plan_note": (
            "The doctor wrote the plan as free text and it names this medicine: see the plan section "
            "for what was decided."
        ),
        "missing_critical": "Missing critical items",
        "missing_critical_help": "These were not covered in the visit; the note was finalized without them.",
        "coverage": "Checklist coverage",
        "covered": "covered",
        "partial": "partial",
        "missing": "missing",
        "negated": "negative",
        "uncertain": "uncertain",
        "differentials": "differentials",
        "signature": "Signature",
        "signed_by": "Electronically signed by",
        "page": "Page",
        "none": "None recorded.",
        "phone": "Phone",
        "address": "Address",
    },
    "fa": {
        "title": "یادداشت بالینی",
        "subjective": "شرح حال (S)",
        "objective": "یافته‌های عینی (O)",
        "assessment": "ارزیابی (A)",
        "plan": "برنامه درمان (P)",
        "patient": "بیمار",
        "doctor": "پزشک",
        "date": "تاریخ",
        "encounter": "ویزیت",
        "note": "یادداشت",
        "version": "نسخه",
        "vitals": "علائم حیاتی",
        "medications": "داروها",
        "vital": "شاخص",
        "value": "مقدار",
        "medication": "دارو",
        "dose": "مقدار مصرف",
        "route": "روش مصرف",
        "frequency": "دفعات",
        "duration": "مدت",
        "status": "وضعیت",
        "current": "فعلی",
        "prescribed": "تجویز شده",
        "stopped": "قطع شده",
        "declined": "نپذیرفت",
        "not_taken": "مصرف نمی‌کند",
        "see_plan": "فعلی؛ برنامه درمان را ببینید",
        "see_plan_note": (
            "پزشک برنامه درمان را به صورت متن آزاد نوشته و این دارو در آن آمده است؛ "
            "تصمیم درباره آن را در بخش برنامه درمان ببینید."
        ),
        "missing_critical": "موارد حیاتی ثبت‌نشده",
        "missing_critical_help": "این موارد در ویزیت پوشش داده نشد و یادداشت بدون آن‌ها نهایی شد.",
        "coverage": "پوشش چک‌لیست",
        "covered": "پوشش‌داده‌شده",
        "partial": "ناقص",
        "missing": "ثبت‌نشده",
        "negated": "منفی",
        "uncertain": "نامطمئن",
        "differentials": "تشخیص‌های افتراقی",
        "signature": "امضا",
        "signed_by": "امضای الکترونیک",
        "page": "صفحه",
        "none": "موردی ثبت نشده است.",
        "phone": "تلفن",
        "address": "نشانی",
    },
}

KIND_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "chief_complaint": "Chief complaint",
        "hpi": "History of present illness",
        "ros": "Review of systems",
        "past_history": "Past history",
        "medication": "Medication",
        "allergy": "Allergy",
        "family_history": "Family history",
        "social_history": "Social history",
        "vital": "Vital sign",
        "exam": "Examination",
        "result": "Result",
        "problem": "Problem",
        "test": "Test",
        "referral": "Referral",
        "follow_up": "Follow-up",
        "instruction": "Instruction",
    },
    "fa": {
        "chief_complaint": "شکایت اصلی",
        "hpi": "شرح بیماری فعلی",
        "ros": "مرور سیستم‌ها",
        "past_history": "سابقه پزشکی",
        "medication": "دارو",
        "allergy": "حساسیت",
        "family_history": "سابقه خانوادگی",
        "social_history": "سابقه اجتماعی",
        "vital": "علامت حیاتی",
        "exam": "معاینه",
        "result": "نتیجه",
        "problem": "مشکل",
        "test": "آزمایش",
        "referral": "ارجاع",
        "follow_up": "پیگیری",
        "instruction": "توصیه",
    },
}


# UCUM code -> what a reader expects to see
DISPLAY_UNITS: dict[str, str] = {
    "mm[Hg]": "mmHg",
    "/min": "/min",
    "Cel": "°C",
    "[degF]": "°F",
    "kg/m2": "kg/m²",
    "[lb_av]": "lb",
    "[in_i]": "in",
    "{score}": "/10",
}


def lang_of(note: NoteDocument) -> Language:
    return "fa" if note.language == "fa" else "en"


def label(note: NoteDocument, key: str) -> str:
    return LABELS[lang_of(note)].get(key, LABELS["en"].get(key, key))


def kind_label(note: NoteDocument, kind: str) -> str:
    return KIND_LABELS[lang_of(note)].get(kind, kind.replace("_", " ").capitalize())


def vital_label(note: NoteDocument, name: str) -> str:
    return VITAL_LABELS[lang_of(note)].get(name, name)


# ------------------------------------------------------------------------------------------ the draft


def section(note: NoteDocument, name: str) -> dict[str, Any]:
    sec = (note.draft.get("sections") or {}).get(name) or {}
    return {"text": str(sec.get("text") or "").strip(), "items": list(sec.get("items") or [])}


def items(note: NoteDocument, section_name: str | None = None, kind: str | None = None) -> Iterator[dict]:
    for name in (section_name,) if section_name else SECTIONS:
        for item in section(note, name)["items"]:
            if kind is None or item.get("kind") == kind:
                yield item


def vitals(note: NoteDocument) -> list[dict]:
    return list(items(note, "objective", "vital"))


def text_only(note: NoteDocument, name: str) -> bool:
    """Whether a section is free text with no structured items: what ``PUT update-section`` with a
    string leaves (the doctor's text is authoritative; the machine's items are cleared and never come
    back: ``section_meta[...]["machine_items"]`` is an offer beside the note, never part of it). Every
    output then shows that text as the section's content and derives nothing from stale items."""
    sec = section(note, name)
    return bool(sec["text"]) and not sec["items"]


def text_lines(note: NoteDocument, name: str) -> list[str]:
    """A section's text, one entry per non-empty line."""
    return [line for line in (clean(p) for p in section(note, name)["text"].split("\n")) if line]


def list_sep(note: NoteDocument | str) -> str:
    """The separator of a run-in list: the Persian comma in Persian text."""
    language = note if isinstance(note, str) else note.language
    return "، " if language == "fa" else ", "


def _names(text: str, name: str) -> bool:
    """Whether ``text`` names the medicine ``name`` (a word starting with it: Persian attaches
    suffixes, "پروپرانولولتون"), case-insensitive, Arabic yeh/kaf read as Persian."""
    fold = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9", "\u200c": " "})
    name = clean(name).translate(fold).casefold()
    if len(name) < 3:
        return False
    return re.search(rf"(?<!\w){re.escape(name)}", clean(text).translate(fold).casefold()) is not None


def medications(note: NoteDocument) -> list[tuple[str, dict]]:
    """``(status, item)`` pairs. From the history: ``current``; ``not_taken`` when ``negated`` ("we
    stopped the beclomethasone in the summer", "I don't take it any more"); ``stopped`` when marked
    ``stopped``; ``see_plan`` when the plan is free text only (edited by the doctor as text) and
    names the medicine, since that text may stop or change it. From the plan: ``prescribed``,
    ``stopped`` ("stop the ibuprofen") or ``declined`` (the patient said no)."""
    plan_text = section(note, "plan")["text"] if text_only(note, "plan") else ""

    def history(m: dict) -> str:
        if m.get("stopped"):
            return "stopped"
        if m.get("negated"):
            return "not_taken"
        if plan_text and _names(plan_text, str(m.get("name") or "")):
            return "see_plan"
        return "current"

    current = [(history(m), m) for m in items(note, "subjective", "medication")]
    planned = [
        ("stopped" if m.get("stopped") else "declined" if m.get("negated") else "prescribed", m)
        for m in items(note, "plan", "medication")
    ]
    return current + planned


def clean(value: Any) -> str:
    """One line of text, whatever came in (``None`` -> ``""``)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value)
    return " ".join(str(value).split())


def format_number(value: float) -> str:
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:g}"


def display_unit(unit: str | None) -> str:
    unit = clean(unit)
    return DISPLAY_UNITS.get(unit, unit)


def vital_value(item: dict) -> str:
    """``"142/90 mmHg"``, ``"37.8 °C"``, ``"98 %"``; ``""`` when the item carries no value."""
    sys_, dia = item.get("systolic"), item.get("diastolic")
    if item.get("name") == "bp" and sys_ is not None and dia is not None:
        value = f"{clean(sys_)}/{clean(dia)}"
    else:
        value = clean(item.get("value"))
    if not value:
        return ""
    unit = display_unit(item.get("unit") or default_unit(item))
    return f"{value} {unit}".strip() if unit != "%" else f"{value}%"


def default_unit(item: dict) -> str:
    return {
        "bp": "mm[Hg]",
        "hr": "/min",
        "rr": "/min",
        "spo2": "%",
        "bmi": "kg/m2",
    }.get(str(item.get("name")), "")


def dose_text(item: dict, language: str = "en") -> str:
    """``"500 mg"``, ``"2 tablets"`` (``DOSE_UNIT_LABELS``: never a UCUM code such as ``{tbl}``)."""
    dose, unit = clean(item.get("dose")), clean(item.get("unit"))
    shown = DOSE_UNIT_LABELS["fa" if language == "fa" else "en"].get(unit, unit)
    if dose and shown and not dose.endswith(shown):
        return f"{dose} {shown}"
    return dose


def time_span(text: str, language: str) -> str:
    """An engine's duration or interval ("3 months", "1 week") in the note's language ("3 ماه")."""
    qty, _, unit = text.partition(" ")
    if not language.startswith("fa") or not unit:
        return text
    return f"{qty} {DURATION_UNITS_FA.get(unit.rstrip('s'), unit)}"


def medication_row(note: NoteDocument, status: str, item: dict) -> list[str]:
    """Name, dose, route, frequency, duration, status: the columns of every medication table."""
    return [
        clean(item.get("name")) or clean(item.get("text")),
        dose_text(item, note.language),
        clean(item.get("route")),
        clean(item.get("frequency")),
        time_span(clean(item.get("duration")), note.language),
        label(note, status),
    ]


def medication_headers(note: NoteDocument) -> list[str]:
    return [label(note, k) for k in ("medication", "dose", "route", "frequency", "duration", "status")]


def dosage_text(item: dict, language: str = "en") -> str:
    """``"500 mg, oral, twice daily, for 7 days"`` -- free text, as FHIR ``Dosage.text`` wants it."""
    parts = [
        dose_text(item, language),
        clean(item.get("route")),
        clean(item.get("frequency")),
        time_span(clean(item.get("duration")), language),
    ]
    return list_sep(language).join(p for p in parts if p)


def vital_rows(note: NoteDocument) -> list[list[str]]:
    rows = []
    for v in vitals(note):
        value = vital_value(v) or clean(v.get("text"))
        rows.append([vital_label(note, str(v.get("name") or "")) or clean(v.get("text")), value])
    return rows


def item_line(note: NoteDocument, item: dict) -> str:
    """The statement as a clinician reads it, flags included: ``"chest pain [negative]"``."""
    text = clean(item.get("text"))
    kind = item.get("kind")
    if kind == "problem":
        text = text or clean(item.get("name"))
        diffs = [clean(d) for d in item.get("differentials") or [] if clean(d)]
        if diffs:
            text += f" ({label(note, 'differentials')}: {list_sep(note).join(diffs)})"
    elif kind == "medication" and not text:
        text = " ".join(p for p in (clean(item.get("name")), dosage_text(item, note.language)) if p)
    elif kind == "follow_up" and not text:
        text = time_span(clean(item.get("interval")), note.language)
    flags = [label(note, f) for f in ("negated", "uncertain") if item.get(f)]
    if flags:
        text += f" [{list_sep(note).join(flags)}]"
    return text


def format_date(dt: datetime) -> str:
    dt = aware(dt)
    return dt.strftime("%Y-%m-%d %H:%M ") + ("UTC" if not dt.utcoffset() else dt.strftime("%z"))


def coverage_line(note: NoteDocument) -> str:
    summary = note.checklist_summary or {}
    pct = summary.get("coverage_percent")
    if pct is None:
        return ""
    counts = [
        f"{label(note, k)} {summary[k]}"
        for k in ("covered", "partial", "missing")
        if summary.get(k) is not None
    ]
    tail = f" ({list_sep(note).join(counts)})" if counts else ""
    return f"{label(note, 'coverage')}: {clean(float(pct))}%{tail}"


def missing_critical(note: NoteDocument) -> list[str]:
    titles = list(note.missing_critical)
    for t in (note.checklist_summary or {}).get("missing_critical") or []:
        if t not in titles:
            titles.append(t)
    return [clean(t) for t in titles if clean(t)]


# ------------------------------------------------------------------------------------ bidirectional text

_RTL_LETTERS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# Right-to-left letters (Hebrew, Arabic script), not the Arabic-Indic/Persian digits and their
# percent, decimal and thousands signs (U+066A..U+066D).
_RTL_LETTER = "\u0590-\u065f\u066e-\u06ef\u06fa-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_ISOLATES = "\u2066-\u2069"
# A whitespace-separated token with no right-to-left letter and no isolate control.
_LTR_TOKEN = f"[^\\s{_RTL_LETTER}{_ISOLATES}]+"
_LTR_RUN = re.compile(f"{_LTR_TOKEN}(?:[ \u00a0\u202f]+{_LTR_TOKEN})*")
_DIGIT = re.compile("[0-9\u0660-\u0669\u06f0-\u06f9]")
_RUN_EDGE_PUNCT = ".,;:!?\u060c\u061b\u061f \u00a0\u202f"
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _BRACKETS.items()}
LRI, PDI = "\u2066", "\u2069"


def has_rtl(text: str) -> bool:
    return bool(_RTL_LETTERS.search(text))


def _run_core(run: str) -> tuple[int, int]:
    """Where the isolated part of a left-to-right run starts and ends: sentence punctuation and
    brackets opened or closed outside the run ("(نسخه 1)" gives the run "1)") stay outside it."""
    start, end = 0, len(run)

    def unmatched(core: str, char: str) -> bool:
        if char in _BRACKETS:
            return core.count(char) > core.count(_BRACKETS[char])
        return char in _CLOSERS and core.count(char) > core.count(_CLOSERS[char])

    while start < end:
        core, first, last = run[start:end], run[start], run[end - 1]
        if first in _RUN_EDGE_PUNCT or first in _CLOSERS or unmatched(core, first):
            start += 1
        elif last in _RUN_EDGE_PUNCT or last in _BRACKETS or unmatched(core, last):
            end -= 1
        else:
            break
    return start, end


def ltr_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each left-to-right run of ``text`` that holds a digit and must be
    isolated in right-to-left text; none when the text already holds isolate controls (the author
    placed them)."""
    if LRI in text or "\u2067" in text or "\u2068" in text:
        return []
    spans = []
    for match in _LTR_RUN.finditer(text):
        start, end = _run_core(match.group(0))
        if start < end and _DIGIT.search(match.group(0)[start:end]):
            spans.append((match.start() + start, match.start() + end))
    return spans


def isolate_ltr_runs(text: str) -> str:
    """``text`` with each left-to-right run that holds a digit wrapped in LRI ... PDI.

    A run is a sequence of space-separated tokens without right-to-left letters ("38 °C",
    "3 days", "Amlodipine 5 mg PO BID"); sentence punctuation at its ends stays outside, so a
    Persian sentence's final period is still placed by the paragraph's direction, and so does a
    bracket the run does not close or open ("یادداشت: 4 (نسخه 1)": only "1" is isolated, and the
    parentheses mirror as the Persian around them). Text already holding isolate controls is left
    alone (the author placed them).
    """
    out, last = [], 0
    for start, end in ltr_spans(text):
        out += [text[last:start], LRI, text[start:end], PDI]
        last = end
    return "".join(out) + text[last:]

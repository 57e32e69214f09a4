"""The shape of a SOAP draft, shared by the NLP engines, the checklist, the outputs and the API.

A draft is plain JSON (stored in a JSONField), so engines, renderers and clients agree on it:

    {
      "language": "en" | "fa",
      "sections": {
        "subjective": {"text": "...", "items": [Item, ...]},
        "objective":  {...}, "assessment": {...}, "plan": {...}
      }
    }

Every ``Item`` carries the evidence that supports it: character spans into the encounter
transcript's plain text (``TranscriptView.text``), where ``text == transcript[start:end]``.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

SECTIONS: tuple[str, ...] = ("subjective", "objective", "assessment", "plan")

ITEM_KINDS: dict[str, tuple[str, ...]] = {
    "subjective": (
        "chief_complaint",
        "hpi",
        "ros",
        "past_history",
        "medication",
        "allergy",
        "family_history",
        "social_history",
    ),
    "objective": ("vital", "exam", "result"),
    "assessment": ("problem",),
    "plan": ("medication", "test", "referral", "follow_up", "instruction"),
}

VITAL_NAMES: tuple[str, ...] = (
    "bp",
    "hr",
    "rr",
    "temperature",
    "spo2",
    "weight",
    "height",
    "glucose",
    "bmi",
    "pain",
)

#: Persian names of the time units of durations and intervals ("3 months" → "3 ماه")
DURATION_UNITS_FA: dict[str, str] = {
    "day": "روز",
    "week": "هفته",
    "month": "ماه",
    "year": "سال",
    "hour": "ساعت",
}

#: How a dose unit (a UCUM code in the item's ``unit``) reads in a note, per language: the engines'
#: item text and the renderers' medication tables use the same. A unit not listed reads as its code.
DOSE_UNIT_LABELS: dict[str, dict[str, str]] = {
    "en": {"{tbl}": "tablets", "{puff}": "puffs", "[iU]": "units", "ug": "mcg", "mg/kg/d": "mg/kg/day"},
    "fa": {
        "mg": "میلی‌گرم", "ug": "میکروگرم", "g": "گرم", "mL": "میلی‌لیتر", "[iU]": "واحد", "{tbl}": "قرص",
        "{puff}": "پاف", "mg/kg": "میلی‌گرم به ازای هر کیلو", "mg/kg/d": "میلی‌گرم به ازای هر کیلو در روز",
    },
}  # fmt: skip

#: Display names of the vitals, per note language (engines, renderers and clients use the same).
VITAL_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "bp": "Blood pressure",
        "hr": "Heart rate",
        "rr": "Respiratory rate",
        "temperature": "Temperature",
        "spo2": "Oxygen saturation",
        "weight": "Weight",
        "height": "Height",
        "glucose": "Blood glucose",
        "bmi": "Body mass index",
        "pain": "Pain score",
    },
    "fa": {
        "bp": "فشار خون",
        "hr": "ضربان قلب",
        "rr": "تعداد تنفس",
        "temperature": "دمای بدن",
        "spo2": "اشباع اکسیژن",
        "weight": "وزن",
        "height": "قد",
        "glucose": "قند خون",
        "bmi": "شاخص توده بدنی",
        "pain": "شدت درد",
    },
}


class Evidence(TypedDict):
    start: int
    end: int
    text: str
    segment_id: NotRequired[int | None]


class Item(TypedDict):
    kind: str
    text: str
    negated: bool
    uncertain: bool
    confidence: float
    evidence: list[Evidence]
    # vital: name (one of VITAL_NAMES), value (number, or "142/90" for bp), unit (UCUM), systolic, diastolic
    name: NotRequired[str]
    value: NotRequired[float | str]
    unit: NotRequired[str]
    systolic: NotRequired[float]
    diastolic: NotRequired[float]
    # medication: name, dose, unit, route, frequency, duration; stopped: the plan stops it ("stop the
    # ibuprofen"); a plan medication that is ``negated`` was declined by the patient
    stopped: NotRequired[bool]
    dose: NotRequired[str]
    route: NotRequired[str]
    frequency: NotRequired[str]
    duration: NotRequired[str]
    # problem: name, differentials
    differentials: NotRequired[list[str]]
    # follow_up: interval
    interval: NotRequired[str]
    # assessment and plan items: the problem they belong to (the ``name`` its diagnosis statement links
    # by, e.g. "hypertension"); items of one problem share it, the note groups the plan by it
    problem: NotRequired[str]


class Section(TypedDict):
    text: str
    items: list[Item]


class Draft(TypedDict):
    language: Literal["en", "fa"]
    sections: dict[str, Section]


def empty_draft(language: str = "en") -> Draft:
    return {"language": language, "sections": {s: {"text": "", "items": []} for s in SECTIONS}}  # type: ignore[typeddict-item]


def check_evidence(draft: Draft, transcript_text: str) -> list[str]:
    """Problems with the draft's evidence: spans out of range or not equal to their text."""
    problems: list[str] = []
    for section in SECTIONS:
        sec = draft["sections"].get(section)
        for i, item in enumerate(sec["items"] if sec else []):
            for ev in item.get("evidence", []):
                s, e = ev.get("start"), ev.get("end")
                if not (isinstance(s, int) and isinstance(e, int) and 0 <= s <= e <= len(transcript_text)):
                    problems.append(f"{section}[{i}]: span {s}..{e} out of range")
                elif transcript_text[s:e] != ev.get("text"):
                    problems.append(f"{section}[{i}]: span {s}..{e} is not its text")
    return problems

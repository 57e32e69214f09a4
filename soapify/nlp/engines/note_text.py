"""A draft rendered as a full clinical note in the ACI-BENCH section layout (plain text).

CHIEF COMPLAINT, HISTORY OF PRESENT ILLNESS, REVIEW OF SYSTEMS, PHYSICAL EXAMINATION, VITALS REVIEWED,
RESULTS, ASSESSMENT AND PLAN — the headings clinicians in the ACI-BENCH notes use. Used by the notes
benchmark and available to renderers that want a classic note rather than SOAP sections.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from soapify.core.draft_schema import Draft, Item

from . import lexicons as lx

AGREEMENT = (
    "Patient Agreements: The patient understands and agrees with the recommended medical treatment plan."
)
_PLAN_HEADS = OrderedDict(
    (
        ("test", "Additional Testing"),
        ("medication", "Medical Treatment"),
        ("referral", "Specialist Referrals"),
        ("instruction", "Patient Education and Counseling"),
        ("follow_up", "Follow-up"),
    )
)


def _items(draft: Draft, section: str, *kinds: str) -> list[Item]:
    sec = draft["sections"].get(section)
    items = sec["items"] if sec else []
    return [it for it in items if not kinds or it["kind"] in kinds]


def _join(texts: list[str], limit: int | None = None) -> str:
    seen: list[str] = []
    for t in texts:
        t = t.strip()
        if t and t not in seen:
            seen.append(t)
    return " ".join(seen[:limit] if limit else seen)


def _ros(draft: Draft) -> list[str]:
    systems: dict[str, dict[bool, list[str]]] = OrderedDict()
    for it in _items(draft, "subjective", "ros"):
        term = (it.get("name") or re.sub(r"^(?:Denies|Reports)\s+", "", it["text"]).rstrip(".")).lower()
        bucket = systems.setdefault(lx.symptom_system(term), {True: [], False: []})
        if term not in bucket[it["negated"]]:
            bucket[it["negated"]].append(term)
    lines = []
    for system, b in systems.items():
        parts = []
        if b[False]:
            parts.append("Endorses " + ", ".join(b[False]) + ".")
        if b[True]:
            parts.append("Denies " + ", ".join(b[True]) + ".")
        lines.append(f"• {system}: {' '.join(parts)}")
    return lines


def _exam(draft: Draft) -> list[str]:
    groups: dict[str, list[str]] = OrderedDict()
    for it in _items(draft, "objective", "exam"):
        groups.setdefault(lx.exam_system(it["text"]), []).append(it["text"])
    return [f"• {name}: {_join(texts)}" for name, texts in groups.items()]


def render_note(draft: Draft, *, hpi_limit: int | None = None, ap_limit: int | None = None) -> str:
    """The draft as an ACI-style note. ``*_limit`` cap the number of statements per block."""
    out: list[tuple[str, str]] = []
    cc = _items(draft, "subjective", "chief_complaint")
    if cc:
        out.append(("CHIEF COMPLAINT", cc[0]["text"]))
    hpi_kinds = ("hpi", "past_history", "allergy", "family_history", "social_history")
    hpi_texts = [it["text"] for it in _items(draft, "subjective", *hpi_kinds)]
    intro = [t for t in hpi_texts if lx.DEMOGRAPHIC.search(t)][:1]
    hpi = _join(intro + hpi_texts, hpi_limit)
    if hpi:
        out.append(("HISTORY OF PRESENT ILLNESS", hpi))
    meds = _med_lines(_items(draft, "subjective", "medication"))
    if meds:
        out.append(("CURRENT MEDICATIONS", "\n".join(f"• {m}" for m in meds)))
    ros = _ros(draft)
    if ros:
        out.append(("REVIEW OF SYSTEMS", "\n".join(ros)))
    vitals = [it["text"] for it in _items(draft, "objective", "vital")]
    if vitals:
        out.append(("VITALS", "\n".join(f"• {v}" for v in dict.fromkeys(vitals))))
    exam = _exam(draft)
    if exam:
        out.append(("PHYSICAL EXAMINATION", "\n".join(exam)))
    results = _join([it["text"] for it in _items(draft, "objective", "result")])
    if results:
        out.append(("RESULTS", results))
    out.append(("ASSESSMENT AND PLAN", _assessment_plan(draft, ap_limit, intro)))
    return "\n\n".join(f"{head}\n\n{body}" for head, body in out).strip() + "\n"


def _med_lines(items: list[Item]) -> list[str]:
    """One line per medication (name, dose), the most detailed mention first."""
    best: dict[str, Item] = {}
    for it in items:
        if "name" not in it:
            continue
        key = it["name"].lower()
        score = sum(1 for f in ("dose", "route", "frequency", "duration") if it.get(f))
        if key not in best or score > sum(
            1 for f in ("dose", "route", "frequency", "duration") if best[key].get(f)
        ):
            best[key] = it
    return [it["text"][:1].upper() + it["text"][1:] + "." for it in best.values()]


def _assessment_plan(draft: Draft, limit: int | None, intro: list[str] | None = None) -> str:
    lines: list[str] = list(intro or [])
    problems = _join([it["text"] for it in _items(draft, "assessment")], limit)
    if problems:
        lines.append(problems)
    plan = _items(draft, "plan")
    for kind, head in _PLAN_HEADS.items():
        kind_items = [it for it in plan if it["kind"] == kind]
        texts = _med_lines(kind_items) if kind == "medication" else [it["text"] for it in kind_items]
        if texts:
            lines.append(f"• {head}: {_join(texts, limit)}")
    lines.append(AGREEMENT)
    return "\n".join(lines)

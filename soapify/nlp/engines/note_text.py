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


# A classic note is read, not searched: about one page. Narrative statements (history, exam, results,
# assessment, plan text) beyond this many words are left out, the least informative first; structured
# items (chief complaint, medications, review of systems, vitals) always stay. The draft keeps them all.
NOTE_WORDS = 450
_NARRATIVE = {
    "subjective": ("hpi", "past_history", "allergy", "family_history", "social_history"),
    "objective": ("exam", "result"),
    "assessment": ("problem",),
    "plan": ("test", "referral", "instruction", "follow_up"),
}
_STOP = frozenset(
    """a an the and or but so if then that this these those it its it's is are was were be been being am
    i you he she we they me him her us them my your his our their the patient patient's to of in on at for
    with from by as about into over just like really kind sort thing things stuff okay ok alright yeah yes
    um uh well now there here what which who how when where why do does did have has had will would can could
    should going go get got know think want see let me also too very some any all more lot little bit""".split()
)
_CLINICAL = re.compile(
    r"\d|mg\b|" + lx.SYMPTOM_RE.pattern + "|" + lx.DIAGNOSIS.pattern + r"|exam|normal|tender|x-?ray|mri|"
    r"blood|pressure|follow|refer|prescri|medication|history|pain|swelling|left|right",
    re.IGNORECASE,
)


def _informative(item: Item) -> float:
    words = re.findall(r"[\w']+", item["text"].lower())
    if not words:
        return 0.0
    content = sum(1 for w in words if w not in _STOP) / len(words)
    clinical = min(len(_CLINICAL.findall(item["text"])), 4) / 4
    long = max(0, len(words) - 60) / 60  # run-on speech is rarely all note-worthy
    return content + 0.6 * clinical + 0.3 * item.get("confidence", 0.5) - 0.2 * long


def concise(draft: Draft, max_words: int = NOTE_WORDS) -> Draft:
    """The draft with its least informative narrative statements left out, to about ``max_words``."""
    narrative = [
        (sec, i, it)
        for sec, kinds in _NARRATIVE.items()
        for i, it in enumerate(_items(draft, sec))
        if it["kind"] in kinds and not (sec == "plan" and it.get("negated"))  # a declined plan stays
    ]
    fixed = sum(len(it["text"].split()) for sec in draft["sections"] for it in _items(draft, sec)) - sum(
        len(it["text"].split()) for _, _, it in narrative
    )
    total = fixed + sum(len(it["text"].split()) for _, _, it in narrative)
    drop: set[tuple[str, int]] = set()
    for sec, i, it in sorted(narrative, key=lambda x: _informative(x[2])):
        if total <= max_words:
            break
        drop.add((sec, i))
        total -= len(it["text"].split())
    if not drop:
        return draft
    out: Draft = {"language": draft["language"], "sections": {}}
    for sec, body in draft["sections"].items():
        kept = [it for i, it in enumerate(body["items"]) if (sec, i) not in drop]
        out["sections"][sec] = {"text": body["text"], "items": kept}
    return out


def render_note(
    draft: Draft,
    *,
    hpi_limit: int | None = None,
    ap_limit: int | None = None,
    max_words: int | None = NOTE_WORDS,
) -> str:
    """The draft as an ACI-style note. ``*_limit`` cap the number of statements per block; ``max_words``
    (None: no limit) the length of its narrative (see ``NOTE_WORDS``)."""
    if max_words:
        draft = concise(draft, max_words)
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


def _start(item: Item) -> int:
    return min((ev["start"] for ev in item["evidence"]), default=0)


def _plan_lines(plan: list[Item], limit: int | None) -> list[str]:
    lines = []
    for kind, head in _PLAN_HEADS.items():
        kind_items = [it for it in plan if it["kind"] == kind]
        texts = _med_lines(kind_items) if kind == "medication" else [it["text"] for it in kind_items]
        if texts:
            lines.append(f"• {head}: {_join(texts, limit)}")
    return lines


def problem_groups(draft: Draft) -> tuple[list[Item], list[Item], list[tuple[str, list[Item], list[Item]]]]:
    """The assessment and plan by the items' ``problem`` link: ``(assessment items of no problem, plan
    items of no problem, [(problem, its assessment items, its plan items), ...])``, problems in the order
    they come up in the visit, items in transcript order."""
    assessment = sorted(_items(draft, "assessment"), key=_start)
    plan = sorted(_items(draft, "plan"), key=_start)
    first: dict[str, int] = {}
    for it in assessment + plan:
        if it.get("problem"):
            first[it["problem"]] = min(first.get(it["problem"], 10**12), _start(it))
    groups = [
        (
            name,
            [it for it in assessment if it.get("problem") == name],
            [it for it in plan if it.get("problem") == name],
        )
        for name in sorted(first, key=first.__getitem__)
    ]
    return (
        [it for it in assessment if not it.get("problem")],
        [it for it in plan if not it.get("problem")],
        groups,
    )


def _assessment_plan(draft: Draft, limit: int | None, intro: list[str] | None = None) -> str:
    """Assessment and plan by problem: each problem's diagnosis statements, then its plan items (by the
    items' ``problem`` link); statements of no problem come first. A draft without links (an LLM's,
    an older one) groups by transcript order instead."""
    if not any(it.get("problem") for sec in ("assessment", "plan") for it in _items(draft, sec)):
        return _assessment_plan_by_order(draft, limit, intro)
    lines: list[str] = list(intro or [])
    general, loose, groups = problem_groups(draft)
    lines.extend(it["text"].strip() for it in general[:limit] if it["text"].strip())
    lines.extend(_plan_lines(loose, limit))
    for _name, statements, plan in groups[:limit] if limit else groups:
        lines.extend(it["text"].strip() for it in statements if it["text"].strip())
        lines.extend(_plan_lines(plan, limit))
    lines.append(AGREEMENT)
    return "\n".join(lines)


def _assessment_plan_by_order(draft: Draft, limit: int | None, intro: list[str] | None = None) -> str:
    """Each diagnosis statement, then the plan items said after it and before the next one (plan items
    said before the first diagnosis go with it)."""
    lines: list[str] = list(intro or [])
    problems = (
        sorted(_items(draft, "assessment"), key=_start)[:limit]
        if limit
        else sorted(_items(draft, "assessment"), key=_start)
    )
    plan = _items(draft, "plan")
    if not problems:
        lines.extend(_plan_lines(plan, limit))
    starts = [_start(p) for p in problems] + [10**12]
    for k, problem in enumerate(problems):
        lo = -1 if k == 0 else starts[k]
        mine = [it for it in plan if lo <= _start(it) < starts[k + 1]]
        lines.append(problem["text"].strip())
        lines.extend(_plan_lines(mine, limit))
    lines.append(AGREEMENT)
    return "\n".join(lines)

"""The patient's summary in plain language: one content builder, served as a dict, HTML or PDF.

``patient_view(note)`` is the single source of what the patient sees; ``patient_html`` and the
patient PDF (``pdf.render_patient_pdf``) only lay it out. Fixed phrases exist in English and
Persian; clinical statements are shown as the doctor wrote them, in the visit's language, with three
touches: English note wording about "the patient" addresses the reader ("If the patient gets a
fever" -> "If you get a fever"), a line starting with a lowercase word is capitalised, and digits
are Latin throughout (as in the measurements and dates), whatever digits the transcript used.

A section the doctor rewrote as free text (text, no structured items: ``PUT update-section`` with a
string) is shown as that text, line by line, under its own heading; nothing is derived from the
machine's earlier items.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .base import (
    NoteDocument,
    clean,
    dose_text,
    format_date,
    has_rtl,
    items,
    lang_of,
    list_sep,
    ltr_spans,
    text_lines,
    text_only,
    time_span,
    vital_label,
    vital_value,
    vitals,
)

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your visit summary",
        "intro": "This is a summary of your visit with {doctor} on {date}. Keep it for your records.",
        "diagnosis": "What the doctor diagnosed",
        "examination": "What the doctor found on examination",
        "measurements": "Your measurements",
        "medicines": "Your medicines",
        "tests": "Tests",
        "referrals": "Referrals",
        "instructions": "What to do at home",
        "follow_up": "Your next visit",
        "plan": "Your treatment plan",
        "safety_net": "When to come back sooner",
        "possible": "Possibly: {text}",
        "how_to_take": "how to take it",
        "none": "Nothing was recorded.",
        "follow_up_in": "Come back in {interval}.",
        "safety_net_text": (
            "Come back sooner, or get medical help, if your symptoms get worse or do not improve as "
            "expected, or if new symptoms appear."
        ),
        "emergency_text": (
            "Get emergency care at once for chest pain, trouble breathing, fainting, confusion, "
            "severe bleeding, or a high fever that does not come down: call your local emergency number."
        ),
        "disclaimer": "This summary does not replace your doctor's advice. If anything is unclear, ask your clinic.",
        "contact": "Clinic",
        "doctor": "Doctor",
        "date": "Date",
    },
    "fa": {
        "title": "خلاصه ویزیت شما",
        "intro": "این خلاصه ویزیت شما با {doctor} در تاریخ {date} است. آن را نزد خود نگه دارید.",
        "diagnosis": "تشخیص پزشک",
        "examination": "آنچه در معاینه پیدا شد",
        "measurements": "اندازه‌گیری‌های شما",
        "medicines": "داروهای شما",
        "tests": "آزمایش‌ها",
        "referrals": "ارجاع‌ها",
        "instructions": "کارهایی که در خانه انجام دهید",
        "follow_up": "ویزیت بعدی شما",
        "plan": "برنامه درمان شما",
        "safety_net": "چه زمانی زودتر مراجعه کنید",
        "possible": "احتمالاً: {text}",
        "how_to_take": "نحوه مصرف",
        "none": "موردی ثبت نشده است.",
        "follow_up_in": "{interval} دیگر مراجعه کنید.",
        "safety_net_text": (
            "اگر علائم شما بدتر شد، طبق انتظار بهتر نشد یا علامت تازه‌ای پیدا کردید، زودتر مراجعه کنید "
            "یا از پزشک کمک بگیرید."
        ),
        "emergency_text": (
            "در صورت درد قفسه سینه، تنگی نفس، غش کردن، گیجی، خونریزی شدید یا تب بالایی که پایین نمی‌آید، "
            "فوراً با اورژانس 115 تماس بگیرید یا به نزدیک‌ترین اورژانس بروید."
        ),
        "disclaimer": "این خلاصه جایگزین توصیه پزشک شما نیست. اگر نکته‌ای روشن نیست از مطب بپرسید.",
        "contact": "مطب",
        "doctor": "پزشک",
        "date": "تاریخ",
    },
}

# abbreviation (lower case, dots removed) -> plain words
ROUTES: dict[str, dict[str, str]] = {
    "en": {
        "po": "by mouth",
        "oral": "by mouth",
        "orally": "by mouth",
        "iv": "into a vein",
        "im": "as an injection into a muscle",
        "sc": "as an injection under the skin",
        "sq": "as an injection under the skin",
        "subcutaneous": "as an injection under the skin",
        "topical": "on the skin",
        "inhaled": "breathed in (inhaler)",
        "inh": "breathed in (inhaler)",
        "sl": "under the tongue",
        "pr": "in the back passage",
    },
    "fa": {
        "po": "خوراکی",
        "oral": "خوراکی",
        "orally": "خوراکی",
        "iv": "تزریق داخل رگ",
        "im": "تزریق عضلانی",
        "sc": "تزریق زیر پوست",
        "sq": "تزریق زیر پوست",
        "subcutaneous": "تزریق زیر پوست",
        "topical": "روی پوست",
        "inhaled": "استنشاقی (اسپری)",
        "inh": "استنشاقی (اسپری)",
        "sl": "زیر زبان",
        "pr": "شیاف",
    },
}

FREQUENCIES: dict[str, dict[str, str]] = {
    "en": {
        "qd": "once a day",
        "od": "once a day",
        "daily": "once a day",
        "bid": "twice a day",
        "tid": "three times a day",
        "qid": "four times a day",
        "qhs": "at bedtime",
        "hs": "at bedtime",
        "prn": "only when needed",
        "q4h": "every 4 hours",
        "q6h": "every 6 hours",
        "q8h": "every 8 hours",
        "q12h": "every 12 hours",
        "qw": "once a week",
    },
    "fa": {
        "qd": "روزی یک بار",
        "od": "روزی یک بار",
        "daily": "روزی یک بار",
        "bid": "روزی دو بار",
        "tid": "روزی سه بار",
        "qid": "روزی چهار بار",
        "qhs": "شب‌ها قبل از خواب",
        "hs": "شب‌ها قبل از خواب",
        "prn": "فقط در صورت نیاز",
        "q4h": "هر 4 ساعت",
        "q6h": "هر 6 ساعت",
        "q8h": "هر 8 ساعت",
        "q12h": "هر 12 ساعت",
        "qw": "هفته‌ای یک بار",
    },
}


def _plain(table: dict[str, dict[str, str]], lang: str, value: str) -> str:
    key = re.sub(r"[.\s]", "", value.lower())
    return table[lang].get(key, value)


def _texts(note: NoteDocument, section: str, kind: str) -> list[str]:
    lines = []
    for item in items(note, section, kind):
        if item.get("negated"):
            continue
        text = clean(item.get("text")) or clean(item.get("name"))
        if text:
            lines.append(text)
    return lines


def _diagnosis(note: NoteDocument, p: dict[str, str]) -> list[str]:
    lines = []
    for item in items(note, "assessment", "problem"):
        if item.get("negated"):
            continue
        text = clean(item.get("name")) or clean(item.get("text"))
        if text:
            lines.append(p["possible"].format(text=text) if item.get("uncertain") else text)
    return lines or text_lines(note, "assessment")


def _medicine(note: NoteDocument, item: dict) -> dict[str, str]:
    lang = lang_of(note)
    name = clean(item.get("name")) or clean(item.get("text"))
    parts = {
        "dose": dose_text(item, lang),
        "route": _plain(ROUTES, lang, clean(item.get("route"))),
        "frequency": _plain(FREQUENCIES, lang, clean(item.get("frequency"))),
        "duration": clean(item.get("duration")),
    }
    how = list_sep(lang).join(v for v in parts.values() if v)
    if not how and clean(item.get("text")) != name:
        how = clean(item.get("text"))
    return {"name": name, **parts, "how_to_take": how, "text": f"{name}: {how}" if how else name}


# A return that depends on a condition ("if the fever lasts 3 more days", "اگر ...", "در صورت ...").
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|in case|whenever|as soon as)\b|(?:^|\s)(?:اگر|اگه|در صورت|درصورت|چنانچه|هر وقت)(?:\s|$)",
    re.IGNORECASE,
)
# Words of urgency or of coming back / getting help.
_URGENT = re.compile(
    r"\b(?:at once|immediately|right away|straight away|urgent(?:ly)?|emergency|er|a&e|911|115|sooner|"
    r"come back|return|call|seek|go to)\b|فورا|فوراً|بلافاصله|سریعا|سریعاً|اورژانس|زودتر|مراجعه|تماس",
    re.IGNORECASE,
)


def is_safety_net(item: dict) -> bool:
    """Whether a plan statement is return advice the patient must act on when something happens:
    a follow-up that depends on a condition ("come at once if the fever lasts 3 more days"), or an
    instruction that is both conditional and about getting help. Such a line is shown as the doctor
    wrote it under the safety-net heading, never turned into a routine "come back in ..."."""
    text = clean(item.get("text"))
    if not text or item.get("negated"):
        return False
    if item.get("kind") == "follow_up":
        return bool(_CONDITIONAL.search(text))
    return bool(_CONDITIONAL.search(text) and _URGENT.search(text))


def _follow_up(note: NoteDocument, p: dict[str, str]) -> list[str]:
    lines = []
    for item in items(note, "plan", "follow_up"):
        if is_safety_net(item):
            continue
        interval = time_span(clean(item.get("interval")), lang_of(note))
        lines.append(p["follow_up_in"].format(interval=interval) if interval else clean(item.get("text")))
    return [line for line in lines if line]


def _instructions(note: NoteDocument) -> list[str]:
    return [
        clean(i.get("text"))
        for i in items(note, "plan", "instruction")
        if not i.get("negated") and clean(i.get("text")) and not is_safety_net(i)
    ]


def _plan_text(note: NoteDocument) -> tuple[list[str], list[str]]:
    """A free-text plan's lines: ``(plan, safety_net)``, return advice going to the safety net as
    it does for items."""
    if not text_only(note, "plan"):
        return [], []
    lines = text_lines(note, "plan")
    urgent = [line for line in lines if is_safety_net({"kind": "instruction", "text": line})]
    return [line for line in lines if line not in urgent], urgent


def _safety_net(note: NoteDocument, p: dict[str, str], own_text: list[str]) -> list[str]:
    """The doctor's own return advice first, word for word, then the standing advice."""
    own = [clean(i.get("text")) for i in items(note, "plan") if is_safety_net(i)]
    return [*own, *own_text, p["safety_net_text"], p["emergency_text"]]


_LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_PATIENT_POSSESSIVE = re.compile(r"\b(the patient)['\u2019]s\b", re.IGNORECASE)
# "the patient" as the subject of a clause: at the start, after punctuation or a conjunction
_PATIENT_SUBJECT = re.compile(
    r"(^|[.!?;:,]\s*|\b(?:if|when|whenever|unless|until|once|because|since|and|or|but|so|that|while|"
    r"before|after|as soon as)\s+)(the patient)\b(\s+(?:also|still|now|only|just|really|always|never|"
    r"usually|often|sometimes|already|ever|then)\b)?(\s+([a-z]+n['\u2019]t|[a-z]+))?",
    re.IGNORECASE,
)
_PATIENT = re.compile(r"\b(the patient)\b", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_DIGITS = re.compile(r"\d")
_SECOND_PERSON_VERBS = {
    "is": "are", "was": "were", "has": "have", "does": "do", "goes": "go", "isn't": "aren't",
    "wasn't": "weren't", "hasn't": "haven't", "doesn't": "don't",
}  # fmt: skip
_NOT_VERBS = {"always", "sometimes", "perhaps", "thus", "less", "unless", "plus", "as", "its", "this", "us"}


def _second_person_verb(word: str) -> str:
    low = word.lower().replace("\u2019", "'")
    if low in _SECOND_PERSON_VERBS:
        return _SECOND_PERSON_VERBS[low]
    if not low.endswith("s") or low.endswith("ss") or low in _NOT_VERBS or len(low) < 3:
        return word
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return word[:-2]
    return word[:-1]


_FA_PATIENT = re.compile(r"(?<![^\W\d_])بیمار(?![^\W\d_])")
_FA_HAS = re.compile(r"(?<![^\W\d_])دارد(?![^\W\d_])")


def _you(matched: str, word: str) -> str:
    return word.capitalize() if matched[:1].isupper() else word


def second_person(text: str) -> str:
    """An English note line about "the patient" addressed to the patient reading it: "If the patient
    gets a fever over 38, pain in the patient's back" -> "If you get a fever over 38, pain in your
    back". Other third-person wording ("he", "she": maybe someone else) is left as written."""
    if _PATIENT.search(text):  # the notes say "their"/"them" once a sentence has named the patient
        text = re.sub(r"\btheir\b", "your", text)
        text = re.sub(r"\bthem\b", "you", text)
    text = _PATIENT_POSSESSIVE.sub(lambda m: _you(m.group(1), "your"), text)

    def subject(m: re.Match[str]) -> str:
        verb = (
            f"{m.group(4)[: len(m.group(4)) - len(m.group(5))]}{_second_person_verb(m.group(5))}"
            if m.group(5)
            else ""
        )
        return f"{m.group(1)}{_you(m.group(2), 'you')}{m.group(3) or ''}{verb}"

    text = _PATIENT_SUBJECT.sub(subject, text)
    text = _PATIENT.sub(lambda m: _you(m.group(1), "you"), text)
    return re.sub(r"\bthemselves\b", "yourself", text)


def _for_patient(note: NoteDocument, line: str) -> str:
    """A note line as the patient reads it: Latin digits; in English, "you" for "the patient" and a
    capital first letter when the line starts with a lowercase word ("pain" -> "Pain"; "eGFR" stays)."""
    line = line.translate(_LATIN_DIGITS)
    if lang_of(note) == "fa" and _FA_PATIENT.search(line):  # "بیمار … دارد" → "شما … دارید"
        return _FA_HAS.sub("دارید", _FA_PATIENT.sub("شما", line))
    if lang_of(note) != "en" or not line:
        return line
    line = second_person(line)
    first = _FIRST_WORD.match(line)
    return line[0].upper() + line[1:] if first and first.group(0).islower() else line


def patient_view(note: NoteDocument) -> dict[str, Any]:
    """Everything the patient sees, as JSON-ready data (the share link's API body)."""
    lang = lang_of(note)
    p = PHRASES[lang]
    plan_meds = list(items(note, "plan", "medication"))
    meds = [
        {k: v.translate(_LATIN_DIGITS) for k, v in _medicine(note, m).items()}
        for m in plan_meds
        if not m.get("negated") and not m.get("stopped")
    ]
    for med in meds:
        med["text"] = _for_patient(note, med["text"])
    stop = [clean(m.get("text")) for m in plan_meds if m.get("stopped") and clean(m.get("text"))]
    measurements = [
        f"{vital_label(note, str(v.get('name') or ''))}: {vital_value(v)}"
        if vital_value(v)
        else clean(v.get("text"))
        for v in vitals(note)
    ]
    plan_text, plan_urgent = _plan_text(note)
    sections = [
        ("diagnosis", _diagnosis(note, p)),
        ("examination", text_lines(note, "objective") if text_only(note, "objective") else []),
        ("measurements", [m for m in measurements if m]),
        ("medicines", [m["text"] for m in meds]),
        ("tests", _texts(note, "plan", "test")),
        ("referrals", _texts(note, "plan", "referral")),
        ("instructions", [*stop, *_instructions(note)]),  # "Stop ibuprofen" first
        ("follow_up", _follow_up(note, p)),
        ("plan", plan_text),
    ]
    lh = note.letterhead or {}
    return {
        "language": lang,
        "dir": "rtl" if note.rtl else "ltr",
        "title": p["title"],
        "intro": p["intro"].format(doctor=clean(note.doctor_name), date=format_date(note.date)[:10]),
        "clinic": {k: clean(lh.get(k)) for k in ("clinic_name", "address", "phone")},
        "doctor": clean(note.doctor_name),
        "date": note.date.isoformat(),
        "sections": [
            {"key": k, "title": p[k], "items": [_for_patient(note, line) for line in v]}
            for k, v in sections
            if v
        ],
        "medicines": meds,
        "safety_net": {
            "title": p["safety_net"],
            "items": [_for_patient(note, line) for line in _safety_net(note, p, plan_urgent)],
        },
        "disclaimer": p["disclaimer"],
    }


_CSS = (
    "body{font-family:Vazirmatn,Tahoma,'Segoe UI',Arial,sans-serif;max-width:40rem;margin:1.5rem auto;"
    "padding:0 1rem;line-height:1.6;color:#1b1b1b}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.5rem;"
    "border-bottom:1px solid #ddd}.clinic{color:#555}.safety{background:#fff4e5;border:1px solid #f0b25a;"
    "padding:.5rem 1rem;border-radius:.5rem}.small{color:#666;font-size:.85rem}"
)


def _bidi(text: str, rtl: bool) -> str:
    """``text`` escaped; in a right-to-left page each left-to-right run with a digit ("58 /min",
    "10 mg") in ``<bdi dir="ltr">`` so that it keeps its reading order ("min/ 58" otherwise), as is a
    whole line with digits and no right-to-left letter (the PDF lays such a line out left to right)."""
    if not rtl:
        return html.escape(text)
    if not has_rtl(text):  # a Latin-only line ("+98 21 1234 5678") is laid out left to right whole
        return f'<bdi dir="ltr">{html.escape(text)}</bdi>' if _DIGITS.search(text) else html.escape(text)
    out, last = [], 0
    for start, end in ltr_spans(text):
        out += [html.escape(text[last:start]), '<bdi dir="ltr">', html.escape(text[start:end]), "</bdi>"]
        last = end
    return "".join(out) + html.escape(text[last:])


def _ul(lines: list[str], rtl: bool = False) -> str:
    return "<ul>" + "".join(f"<li>{_bidi(line, rtl)}</li>" for line in lines) + "</ul>"


def patient_html(note: NoteDocument) -> str:
    """A self-contained HTML page (no scripts, no external resources), every text escaped."""
    view = patient_view(note)
    esc = html.escape
    rtl = view["dir"] == "rtl"
    clinic = view["clinic"]
    head_lines = [_bidi(v, rtl) for v in (clinic["clinic_name"], clinic["address"], clinic["phone"]) if v]
    body = [f'<p class="clinic">{"<br>".join(head_lines)}</p>'] if head_lines else []
    body += [f"<h1>{esc(view['title'])}</h1>", f"<p>{_bidi(view['intro'], rtl)}</p>"]
    for sec in view["sections"]:
        body += [f"<h2>{esc(sec['title'])}</h2>", _ul(sec["items"], rtl)]
    safety = view["safety_net"]
    body += [f'<section class="safety"><h2>{esc(safety["title"])}</h2>{_ul(safety["items"], rtl)}</section>']
    body += [f'<p class="small">{esc(view["disclaimer"])}</p>']
    return (
        "<!DOCTYPE html>\n"
        f'<html dir="{view["dir"]}" lang="{view["language"]}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{esc(view['title'])}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )

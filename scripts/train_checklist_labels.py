"""Weak labels for the checklist from data, not from hand labelling (shared by training and bench).

Two sources, both public and both written by clinicians for other purposes:

* **MTS-Dialog** snippets carry the note section they became (``section_header``). A snippet is a
  short visit about one section: the items of that section are *covered*; the probe items of other
  sections are *missing* unless the section's own text mentions their topic (then unlabelled).
  FAM/SOCHX is split by what its section text says (family, smoking, alcohol, drugs, occupation).
* **ACI-BENCH** reference notes: an item is *covered* when the note has its section (ALLERGIES,
  FAMILY HISTORY, PHYSICAL EXAM, RESULTS, VITALS ...) or, for history topics, mentions the topic;
  *missing* when the note has neither. The chief complaint and the assessment are only ever labelled
  covered (every note has them; their absence says nothing).

``split_of(key)`` keeps one fifth of each training split apart (``holdout``): never used to fit or
tune, read once for the figures. Test sets are never read.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    return Path(os.environ.get("SOAPIFY_SHARED_DATA", ROOT.parent / "shared" / "data"))


def read_csv(path: Path) -> list[dict]:
    csv.field_size_limit(10_000_000)
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def split_of(key: str) -> str:
    """``"holdout"`` for a fixed fifth of the keys (by hash), else ``"tune"``."""
    return (
        "holdout"
        if int(hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest(), 16) % 5 == 0
        else "tune"
    )


# Topic regexes over clinicians' text (section text or reference note), lower-cased.
TOPIC_TEXT = {
    "allergies": r"allerg|nkda|\bnka\b",
    "family_history": r"family|mother|father|\bmom\b|\bdad\b|brother|sister|sibling|parent|grand|aunt|uncle|cousin|son\b|daughter",
    "smoking": r"smok|tobacco|cigar|nicotine|vap(?:e|ing)|pack[- ]year|chew",
    "alcohol": r"alcohol|etoh|drink|beer|wine|liquor",
    "drug_use": r"illicit|recreational|marijuana|cannabis|cocaine|heroin|drug use|substance",
    "surgical_history": r"surg|-ectomy|ectomy|-otomy|otomy|-plasty|plasty|repair|operation|procedure",
    "current_medications": r"medication|mg\b|takes|taking|daily|tablet",
    "physical_exam": r"exam|auscult|palpat|tender|clear to|murmur|edema",
    "review_of_systems": r"denies|review of systems|positive for|negative for",
    "past_medical_history": r"history of|hypertension|diabetes|asthma|copd|medical history",
}

# MTS-Dialog: header -> items covered by the snippet (FAM/SOCHX decided by its text, below).
MTS_COVERS = {
    "ALLERGY": ("allergies",),
    "PASTSURGICAL": ("surgical_history",),
    "MEDICATIONS": ("current_medications",),
    "EXAM": ("physical_exam",),
    "ROS": ("review_of_systems",),
    "PASTMEDICALHX": ("past_medical_history",),
    "CC": ("chief_complaint",),
    "ASSESSMENT": ("diagnosis_stated",),
    "DIAGNOSIS": ("diagnosis_stated",),
}
FAMSOC_ITEMS = ("family_history", "smoking", "alcohol", "drug_use")
# Items labelled missing in a snippet of another section, when nothing in it names them.
MTS_PROBES = (
    "allergies",
    "surgical_history",
    "family_history",
    "smoking",
    "alcohol",
    "physical_exam",
    "current_medications",
)


def mts_labels(row: dict) -> dict[str, str]:
    header = row["section_header"]
    section_text = row["section_text"].lower()
    dialogue = row["dialogue"].lower()
    labels: dict[str, str] = {}
    if header == "FAM/SOCHX":
        for item in FAMSOC_ITEMS:
            if re.search(TOPIC_TEXT[item], section_text):
                labels[item] = "covered"
    for item in MTS_COVERS.get(header, ()):
        labels[item] = "covered"
    for item in MTS_PROBES:
        if item in labels or header == "FAM/SOCHX" and item in FAMSOC_ITEMS:
            continue
        covered_by_header = item in MTS_COVERS.get(header, ())
        mentioned = re.search(TOPIC_TEXT[item], section_text) or re.search(TOPIC_TEXT[item], dialogue)
        if not covered_by_header and not mentioned:
            labels[item] = "missing"
    return labels


_HEADING = re.compile(r"^([A-Z][A-Z /&]{2,})$", re.M)


def note_sections(note: str) -> dict[str, str]:
    """Headings (upper-case lines) of an ACI-BENCH note and the text under each."""
    marks = list(_HEADING.finditer(note))
    out: dict[str, str] = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(note)
        out[m.group(1).strip()] = note[m.end() : end].strip()
    return out


def aci_labels(row: dict) -> dict[str, str]:
    secs = note_sections(row["note"])
    names = set(secs)
    history = " ".join(
        v.lower()
        for k, v in secs.items()
        if k
        in {
            "HISTORY OF PRESENT ILLNESS",
            "SOCIAL HISTORY",
            "FAMILY HISTORY",
            "PAST HISTORY",
            "MEDICAL HISTORY",
            "SURGICAL HISTORY",
            "ALLERGIES",
        }
    )
    labels: dict[str, str] = {}

    def has(*section_names: str) -> bool:
        return any(n in names for n in section_names)

    if has("CHIEF COMPLAINT"):
        labels["chief_complaint"] = "covered"
    if has("ASSESSMENT AND PLAN", "ASSESSMENT", "IMPRESSION"):
        labels["diagnosis_stated"] = "covered"
    labels["allergies"] = (
        "covered" if has("ALLERGIES") or re.search(TOPIC_TEXT["allergies"], history) else "missing"
    )
    labels["family_history"] = (
        "covered" if has("FAMILY HISTORY") or re.search(r"family history", history) else "missing"
    )
    labels["surgical_history"] = (
        "covered" if has("SURGICAL HISTORY") or "surgical history" in history else "missing"
    )
    labels["smoking"] = "covered" if re.search(TOPIC_TEXT["smoking"], history) else "missing"
    labels["alcohol"] = "covered" if re.search(r"alcohol|etoh|beer|wine|liquor", history) else "missing"
    labels["physical_exam"] = "covered" if has("PHYSICAL EXAM", "PHYSICAL EXAMINATION", "EXAM") else "missing"
    labels["review_of_systems"] = "covered" if has("REVIEW OF SYSTEMS") else "missing"
    labels["results_reviewed"] = "covered" if has("RESULTS") else "missing"
    exam = " ".join(v.lower() for k, v in secs.items() if "EXAM" in k or "VITALS" in k)
    vitals_named = re.search(r"vital|blood pressure|heart rate|pulse|temperature|oxygen|\bbp\b", exam)
    labels["vital_signs"] = "covered" if has("VITALS", "VITALS REVIEWED") or vitals_named else "missing"
    return labels


def mts_cases(split_file: str) -> list[dict]:
    """``[{"key", "dialogue", "labels", "split"}]`` for an MTS-Dialog file."""
    rows = read_csv(data_dir() / "mts-dialog" / split_file)
    return [
        {
            "key": f"mts-{row['ID']}",
            "source": "mts",
            "dialogue": row["dialogue"],
            "header": row["section_header"],
            "labels": mts_labels(row),
            "split": split_of(f"mts-{row['ID']}"),
        }
        for row in rows
    ]


def aci_cases(split_file: str) -> list[dict]:
    rows = read_csv(data_dir() / "aci-bench" / split_file)
    return [
        {
            "key": row["encounter_id"],
            "source": "aci",
            "dataset": row["dataset"],
            "dialogue": row["dialogue"],
            "labels": aci_labels(row),
            "split": split_of(row["encounter_id"]),
        }
        for row in rows
    ]

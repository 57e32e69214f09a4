"""The note as a FHIR R4 document ``Bundle``: Composition first, then the resources it cites.

Built as plain JSON, validated with the ``fhir.resources.R4B`` models (R4B shares R4's shape for every
resource used here) and returned as UTF-8 JSON bytes. Ids are UUIDv5 of the note id and version, so
rendering the same note twice gives the same bytes.

A section the doctor rewrote as free text (``PUT update-section`` with a string: text, no items) is
carried by its Composition section's narrative alone (the doctor's words, narrative status
``additional``); no resource is derived from it, and the machine's earlier items (kept aside in
``section_meta``) are never used. A current medicine that such a free-text plan names is a
``MedicationStatement`` with status ``unknown`` and a note sending the reader to the plan, since the
text may stop, change or keep it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from soapify.core.draft_schema import SECTIONS
from soapify.core.engines import EngineError

from .base import (
    NoteDocument,
    aware,
    clean,
    dosage_text,
    item_line,
    items,
    kind_label,
    label,
    medications,
    section,
    text_lines,
    text_only,
    vital_label,
    vitals,
)

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ID_SYSTEM = "urn:soapify"
_NS = uuid.UUID("5d0c8a0e-6f1b-4f57-9a55-1f6f2d9f0c41")

NOTE_TYPE = {"system": LOINC, "code": "11506-3", "display": "Progress note"}
SECTION_CODES = {
    "subjective": ("61150-9", "Subjective Narrative"),
    "objective": ("61149-1", "Objective Narrative"),
    "assessment": ("51848-0", "Evaluation note"),
    "plan": ("18776-5", "Plan of care note"),
}
# vital name -> (LOINC code, display, default UCUM unit)
VITAL_CODES: dict[str, tuple[str, str, str]] = {
    "bp": ("85354-9", "Blood pressure panel with all children optional", "mm[Hg]"),
    "hr": ("8867-4", "Heart rate", "/min"),
    "rr": ("9279-1", "Respiratory rate", "/min"),
    "temperature": ("8310-5", "Body temperature", "Cel"),
    "spo2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    "weight": ("29463-7", "Body weight", "kg"),
    "height": ("8302-2", "Body height", "cm"),
    "glucose": ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL"),
    "bmi": ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2"),
    "pain": ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", "{score}"),
}
BP_COMPONENTS = {
    "systolic": ("8480-6", "Systolic blood pressure"),
    "diastolic": ("8462-4", "Diastolic blood pressure"),
}
# what people write -> UCUM
UCUM_UNITS = {
    "mmhg": "mm[Hg]",
    "mm[hg]": "mm[Hg]",
    "bpm": "/min",
    "/min": "/min",
    "beats/min": "/min",
    "breaths/min": "/min",
    "c": "Cel",
    "°c": "Cel",
    "cel": "Cel",
    "f": "[degF]",
    "°f": "[degF]",
    "[degf]": "[degF]",
    "%": "%",
    "kg": "kg",
    "g": "g",
    "lb": "[lb_av]",
    "lbs": "[lb_av]",
    "[lb_av]": "[lb_av]",
    "cm": "cm",
    "m": "m",
    "in": "[in_i]",
    "[in_i]": "[in_i]",
    "mg/dl": "mg/dL",
    "mmol/l": "mmol/L",
    "kg/m2": "kg/m2",
    "kg/m²": "kg/m2",
    "{score}": "{score}",
}
ROUTE_CODES = {
    "po": ("26643006", "Oral route"),
    "oral": ("26643006", "Oral route"),
    "iv": ("47625008", "Intravenous route"),
    "im": ("78421000", "Intramuscular route"),
    "sc": ("34206005", "Subcutaneous route"),
    "subcutaneous": ("34206005", "Subcutaneous route"),
    "topical": ("6064005", "Topical route"),
    "sl": ("37839007", "Sublingual route"),
}
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


class FhirBuilder:
    """Collects entries with stable ``urn:uuid`` full URLs and common references."""

    def __init__(self, note: NoteDocument) -> None:
        self.note = note
        self.date = note.date.isoformat()
        self.entries: list[dict[str, Any]] = []

    def urn(self, kind: str, index: int | str = 0) -> str:
        return f"urn:uuid:{self.uuid(kind, index)}"

    def uuid(self, kind: str, index: int | str = 0) -> str:
        return str(uuid.uuid5(_NS, f"{self.note.note_id}:{self.note.version}:{kind}:{index}"))

    def add(self, kind: str, resource: dict[str, Any], index: int | str = 0) -> dict[str, str]:
        resource = {"resourceType": resource.pop("resourceType"), "id": self.uuid(kind, index), **resource}
        self.entries.append({"fullUrl": self.urn(kind, index), "resource": resource})
        return {"reference": self.urn(kind, index)}

    @property
    def patient(self) -> dict[str, Any]:
        return {"reference": self.urn("patient"), "identifier": _identifier("patient", self.note.patient_ref)}

    @property
    def encounter(self) -> dict[str, str]:
        return {"reference": self.urn("encounter")}

    @property
    def author(self) -> dict[str, str]:
        return {"reference": self.urn("practitioner"), "display": clean(self.note.doctor_name)}


def _identifier(kind: str, value: Any) -> dict[str, str]:
    return {"system": f"{ID_SYSTEM}:{kind}", "value": str(value)}


def _narrative(note: NoteDocument, body: str, status: str = "generated") -> dict[str, str]:
    lang = "fa" if note.rtl else "en"
    direction = ' dir="rtl"' if note.rtl else ""
    div = f'<div xmlns="http://www.w3.org/1999/xhtml" lang="{lang}" xml:lang="{lang}"{direction}>{body}</div>'
    return {"status": status, "div": div}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = clean(value)
    return float(text) if _NUMBER.match(text) else None


def _quantity(value: float, unit: str) -> dict[str, Any]:
    ucum = UCUM_UNITS.get(unit.lower(), "") if unit else ""
    q: dict[str, Any] = {"value": int(value) if value == int(value) else value, "unit": unit or ucum}
    if ucum:
        q.update(system=UCUM, code=ucum)
    return q


def _vital_unit(item: dict, default: str) -> str:
    unit = clean(item.get("unit"))
    if not unit and item.get("name") == "temperature" and (_number(item.get("value")) or 0) > 50:
        return "[degF]"
    return unit or default


def _observation(b: FhirBuilder, index: int, item: dict) -> dict[str, str] | None:
    name = str(item.get("name") or "")
    if name not in VITAL_CODES:
        return None
    code, display, default_unit = VITAL_CODES[name]
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                        "display": "Vital Signs",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": LOINC, "code": code, "display": display}],
            "text": vital_label(b.note, name),
        },
        "subject": b.patient,
        "encounter": b.encounter,
        "effectiveDateTime": b.date,
    }
    if name == "spo2":
        obs["code"]["coding"].append(
            {"system": LOINC, "code": "2708-6", "display": "Oxygen saturation in Arterial blood"}
        )
    unit = _vital_unit(item, default_unit)
    if name == "bp":
        parts = _bp_parts(item)
        if parts is None:
            obs["valueString"] = clean(item.get("value")) or clean(item.get("text"))
        else:
            obs["component"] = [
                {
                    "code": {"coding": [{"system": LOINC, "code": c, "display": d}]},
                    "valueQuantity": _quantity(value, unit),
                }
                for (c, d), value in zip(BP_COMPONENTS.values(), parts, strict=True)
            ]
    else:
        value = _number(item.get("value"))
        if value is None:
            obs["valueString"] = clean(item.get("value")) or clean(item.get("text"))
        else:
            obs["valueQuantity"] = _quantity(value, unit)
    if not obs.get("valueString", True):
        return None
    return b.add("observation", obs, index)


def _bp_parts(item: dict) -> tuple[float, float] | None:
    sys_, dia = _number(item.get("systolic")), _number(item.get("diastolic"))
    if sys_ is None or dia is None:
        match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)", clean(item.get("value")))
        if not match:
            return None
        sys_, dia = float(match.group(1)), float(match.group(2))
    return sys_, dia


_MEDICATION_STATUS = {
    "current": "active",
    "not_taken": "not-taken",
    "see_plan": "unknown",  # the doctor's free-text plan names it: stopped, changed or kept is in the text
    "prescribed": "intended",
    "stopped": "stopped",
    "declined": "not-taken",
}


def _medication(b: FhirBuilder, index: int, status: str, item: dict) -> dict[str, str]:
    dosage: dict[str, Any] = {}
    if text := dosage_text(item, b.note.language):
        dosage["text"] = text
    if route := clean(item.get("route")):
        dosage["route"] = {"text": route}
        if coded := ROUTE_CODES.get(route.lower().replace(".", "")):
            dosage["route"]["coding"] = [{"system": SNOMED, "code": coded[0], "display": coded[1]}]
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "status": _MEDICATION_STATUS[status],
        "medicationCodeableConcept": {"text": clean(item.get("name")) or clean(item.get("text"))},
        "subject": b.patient,
        "context": b.encounter,
        "dateAsserted": b.date,
        "informationSource": b.author,
    }
    if dosage:
        resource["dosage"] = [dosage]
    notes = [clean(item.get("text"))] if clean(item.get("text")) else []
    if status == "see_plan":
        notes.append(label(b.note, "see_plan_note"))
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return b.add("medication", resource, index)


_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
NO_KNOWN_ALLERGY = {"system": SNOMED, "code": "716186003", "display": "No known allergy"}
NO_KNOWN_DRUG_ALLERGY = {"system": SNOMED, "code": "409137002", "display": "No known drug allergy"}
_DRUG_WORDS = re.compile(r"\b(?:drugs?|medications?|medicines?)\b|دارو", re.IGNORECASE)


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _conditions(b: FhirBuilder) -> list[dict[str, str]]:
    """One ``Condition`` per problem the assessment names (an encounter diagnosis; ``provisional``
    when the doctor said it with doubt, "likely appendicitis")."""
    refs = []
    for index, problem in enumerate(items(b.note, "assessment", "problem")):
        name = clean(problem.get("name"))
        if not name or problem.get("negated"):
            continue
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            "clinicalStatus": _coded(_CLINICAL, "active"),
            "verificationStatus": _coded(
                _VERIFICATION, "provisional" if problem.get("uncertain") else "confirmed"
            ),
            "category": [_coded(_CATEGORY, "encounter-diagnosis")],
            "code": {"text": name},
            "subject": b.patient,
            "encounter": b.encounter,
            "recordedDate": b.date,
            "recorder": b.author,
        }
        if clean(problem.get("text")):
            resource["note"] = [{"text": clean(problem.get("text"))}]
        refs.append(b.add("condition", resource, index))
    return refs


def _allergies(b: FhirBuilder) -> list[dict[str, str]]:
    """An ``AllergyIntolerance`` per substance the patient reported (``unconfirmed``: said, not
    tested), or one "no known (drug) allergy" when the visit recorded only denials that name no
    substance ("not allergic to penicillin" says nothing of other allergies)."""
    found = list(items(b.note, "subjective", "allergy"))
    named = [a for a in found if clean(a.get("name")) and not a.get("negated")]
    refs = []
    for index, allergy in enumerate(named):
        refs.append(
            b.add(
                "allergy",
                {
                    "resourceType": "AllergyIntolerance",
                    "clinicalStatus": _coded(_ALLERGY_CLINICAL, "active"),
                    "verificationStatus": _coded(_ALLERGY_VERIFICATION, "unconfirmed"),
                    "code": {"text": clean(allergy.get("name"))},
                    "patient": b.patient,
                    "encounter": b.encounter,
                    "recordedDate": b.date,
                    "recorder": b.author,
                    "note": [{"text": clean(allergy.get("text"))}],
                },
                index,
            )
        )
    if not refs and found and all(a.get("negated") and not clean(a.get("name")) for a in found):
        drugs = all(_DRUG_WORDS.search(clean(a.get("text"))) for a in found)
        none_known = NO_KNOWN_DRUG_ALLERGY if drugs else NO_KNOWN_ALLERGY
        refs.append(
            b.add(
                "allergy",
                {
                    "resourceType": "AllergyIntolerance",
                    "clinicalStatus": _coded(_ALLERGY_CLINICAL, "active"),
                    "verificationStatus": _coded(_ALLERGY_VERIFICATION, "confirmed"),
                    "code": {"coding": [none_known], "text": none_known["display"]},
                    "patient": b.patient,
                    "encounter": b.encounter,
                    "recordedDate": b.date,
                    "recorder": b.author,
                },
                "none",
            )
        )
    return refs


def _section_html(note: NoteDocument, name: str) -> str:
    sec = section(note, name)
    lines = [html.escape(line) for line in text_lines(note, name)]
    parts = [f"<p>{'<br/>'.join(lines)}</p>"] if lines else []
    bullets = [
        f"<li>{html.escape(kind_label(note, str(i.get('kind'))))}: {html.escape(item_line(note, i))}</li>"
        for i in sec["items"]
    ]
    if bullets:
        parts.append("<ul>" + "".join(bullets) + "</ul>")
    return "".join(parts) or f"<p>{html.escape(label(note, 'none'))}</p>"


def _context_resources(b: FhirBuilder) -> None:
    note = b.note
    b.add(
        "patient",
        {"resourceType": "Patient", "identifier": [_identifier("patient", note.patient_ref)]}
        | ({"name": [{"text": clean(note.patient_name)}]} if clean(note.patient_name) else {}),
    )
    b.add(
        "practitioner",
        {
            "resourceType": "Practitioner",
            "identifier": [_identifier("practitioner", note.doctor_id)],
            "name": [{"text": clean(note.doctor_name)}],
        },
    )
    b.add(
        "encounter",
        {
            "resourceType": "Encounter",
            "identifier": [_identifier("encounter", note.encounter_id)],
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
                "display": "ambulatory",
            },
            "subject": b.patient,
            "participant": [{"individual": b.author}],
            "period": {"start": aware(note.created_at).isoformat()},
        },
    )


def _document_reference(b: FhirBuilder, pdf: bytes) -> dict[str, str]:
    note = b.note
    return b.add(
        "document",
        {
            "resourceType": "DocumentReference",
            "masterIdentifier": _identifier("note", f"{note.note_id}-v{note.version}"),
            "status": "current",
            "docStatus": "final",
            "type": {"coding": [NOTE_TYPE]},
            "subject": b.patient,
            "date": b.date,
            "author": [b.author],
            "description": label(note, "title"),
            "content": [
                {
                    "attachment": {
                        "contentType": "application/pdf",
                        "language": note.language,
                        "data": base64.b64encode(pdf).decode("ascii"),
                        "size": len(pdf),
                        "hash": base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest()).decode(
                            "ascii"
                        ),
                        "title": f"{label(note, 'title')} {note.patient_ref}.pdf",
                        "creation": b.date,
                    }
                }
            ],
            "context": {"encounter": [b.encounter]},
        },
    )


def _composition(b: FhirBuilder, entries_by_section: dict[str, list]) -> dict[str, Any]:
    note = b.note
    sections = []
    for name in SECTIONS:
        code, display = SECTION_CODES[name]
        sec: dict[str, Any] = {
            "title": label(note, name),
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            # a free-text section's narrative is the doctor's own words, not generated from entries
            "text": _narrative(
                note, _section_html(note, name), "additional" if text_only(note, name) else "generated"
            ),
        }
        if entries_by_section.get(name):
            sec["entry"] = entries_by_section[name]
        sections.append(sec)
    return {
        "resourceType": "Composition",
        "id": b.uuid("composition"),
        "language": note.language,
        "identifier": _identifier("note", f"{note.note_id}-v{note.version}"),
        "status": "final",
        "type": {"coding": [NOTE_TYPE]},
        "subject": b.patient,
        "encounter": b.encounter,
        "date": b.date,
        "author": [b.author],
        "title": label(note, "title"),
        "section": sections,
    }


def build_bundle(note: NoteDocument, doctor_pdf: bytes) -> dict[str, Any]:
    b = FhirBuilder(note)
    _context_resources(b)
    vital_refs = [r for i, v in enumerate(vitals(note)) if (r := _observation(b, i, v))]
    med_refs = [_medication(b, i, s, m) for i, (s, m) in enumerate(medications(note))]
    section_entries = {
        "subjective": _allergies(b),
        "objective": vital_refs,
        "assessment": _conditions(b),
        "plan": med_refs,
    }
    _document_reference(b, doctor_pdf)
    composition = _composition(b, section_entries)
    entries = [{"fullUrl": b.urn("composition"), "resource": composition}, *b.entries]
    return {
        "resourceType": "Bundle",
        "id": b.uuid("bundle"),
        "identifier": {"system": "urn:ietf:rfc:3986", "value": b.urn("bundle")},
        "type": "document",
        "timestamp": b.date,
        "entry": entries,
    }


def render_fhir(note: NoteDocument, doctor_pdf: bytes) -> bytes:
    """A FHIR R4 document Bundle as UTF-8 JSON, validated before it is returned."""
    data = build_bundle(note, doctor_pdf)
    try:
        Bundle.parse_obj(data)
    except Exception as exc:  # pydantic's ValidationError, or a model's own ValueError
        raise EngineError(f"FHIR bundle does not validate: {exc}", code="fhir_invalid") from exc
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

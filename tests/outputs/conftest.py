"""Fixtures for the outputs API: drafts written straight to the NLP app's table, a finalize helper."""

from __future__ import annotations

import pytest

from soapify.nlp.models import Draft
from tests.jobstate import job_state


def item(kind: str, text: str, **extra) -> dict:
    return {
        "kind": kind,
        "text": text,
        "negated": False,
        "uncertain": False,
        "confidence": 0.9,
        "evidence": [],
    } | extra


def draft_content(language: str = "en", plan_extra: str = "") -> dict:
    fa = language == "fa"
    return {
        "language": language,
        "sections": {
            "subjective": {
                "text": "سردرد از سه روز پیش" if fa else "Headache for three days.",
                "items": [item("chief_complaint", "سردرد" if fa else "headache")],
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
                    item("vital", "HR 78", name="hr", value=78, unit="/min"),
                ],
            },
            "assessment": {
                "text": "میگرن" if fa else "Migraine without aura.",
                "items": [item("problem", "Migraine", name="Migraine")],
            },
            "plan": {
                "text": ("استامینوفن در صورت نیاز" if fa else "Paracetamol as needed.") + plan_extra,
                "items": [
                    item(
                        "medication",
                        "Paracetamol 500 mg PO q6h PRN",
                        name="Paracetamol",
                        dose="500",
                        unit="mg",
                        route="PO",
                        frequency="q6h PRN",
                    ),
                    item("follow_up", "", interval="2 weeks"),
                ],
            },
        },
    }


def make_draft(encounter, language: str = "en", version: int = 1, **kwargs) -> Draft:
    return Draft.objects.create(
        encounter=encounter,
        version=version,
        content=kwargs.pop("content", None) or draft_content(language),
        language=language,
        engine="rules",
        model="test",
        engine_version="1",
        **kwargs,
    )


def edit_draft(draft: Draft, plan_extra: str) -> Draft:
    draft.content = draft_content(draft.language, plan_extra=plan_extra)
    draft.version += 1
    draft.save()
    return draft


@pytest.fixture
def draft(encounter) -> Draft:
    return make_draft(encounter)


def finalize(client, encounter_id, **headers):
    return client.post("/api/outputs/finalize/", {"encounter_id": encounter_id}, format="json", **headers)


@pytest.fixture
def finalized(alice_client, encounter, draft):
    """Alice's encounter finalized once (version 1, four files)."""
    response = finalize(alice_client, encounter.pk)
    assert response.status_code == 201, response.content
    assert job_state(alice_client, response)["status"] == "succeeded", response.data
    return response

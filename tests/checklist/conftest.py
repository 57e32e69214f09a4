"""Checklist fixtures: a transcribed encounter of alice's, a keywords-only engine by default."""

from __future__ import annotations

import pytest

from soapify.checklist.models import ChecklistCatalog, ChecklistTemplate
from soapify.core.transcript import parse_dialogue
from soapify.encounters.models import Encounter
from soapify.stt.models import TranscriptSegment
from soapify.stt.selectors import encounter_transcript

VISIT = (
    "[doctor] hello , what brings you in today ?\n"
    "[patient] i have had a cough for about two weeks .\n"
    "[doctor] any allergies to medications ?\n"
    "[patient] no known allergies .\n"
    "[doctor] do you smoke ?\n"
    "[patient] no , i don't smoke .\n"
    "[doctor] any chest pain or shortness of breath ?\n"
    "[patient] no .\n"
    "[doctor] okay , come back in two weeks for a follow-up .\n"
)

KEYWORDS_ONLY = {
    "default": {"BACKEND": "soapify.checklist.engines.rules.RulesEvaluator", "OPTIONS": {"semantic": False}},
}


@pytest.fixture(scope="module")
def evaluator():
    """The rules evaluator with the real MiniLM and artifacts, once per test module."""
    from soapify.checklist.engines.rules import RulesEvaluator

    return RulesEvaluator()


@pytest.fixture(autouse=True)
def _keywords_only_engine(settings):
    """API tests use the keyword rules (no model load); engine tests build their own evaluators."""
    settings.CHECKLIST_ENGINES = KEYWORDS_ONLY


def add_transcript(encounter: Encounter, dialogue: str = VISIT) -> str:
    """Type the dialogue in as segments; returns the transcript text the API anchors into."""
    view = parse_dialogue(dialogue)
    TranscriptSegment.objects.bulk_create(
        [
            TranscriptSegment(
                encounter=encounter, source="typed", index=i, text=seg.text, speaker=seg.speaker
            )
            for i, seg in enumerate(view.segments)
        ]
    )
    return encounter_transcript(encounter=encounter).text


@pytest.fixture
def transcribed(encounter) -> Encounter:
    add_transcript(encounter)
    return encounter


@pytest.fixture
def default_template(db) -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(owner=None, is_default=True)


@pytest.fixture
def global_item(db) -> ChecklistCatalog:
    return ChecklistCatalog.objects.get(owner=None, key="allergies")


def new_item(owner=None, **kw) -> ChecklistCatalog:
    values = {
        "title": "Travel history",
        "description": "Recent travel abroad.",
        "category": "subjective",
        "priority": "medium",
        "keywords": {"any": ["travel*", "abroad", "سفر"]},
        "question_template": {"en": "Have you travelled recently?", "fa": "اخیراً سفر کرده‌اید؟"},
    }
    values.update(kw)
    return ChecklistCatalog.objects.create(owner=owner, **values)

"""NLP API fixtures: encounters with a typed transcript, a draft generated through the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from soapify.core.transcript import parse_dialogue
from soapify.encounters.models import Encounter
from soapify.stt.models import TranscriptSegment
from tests.jobstate import job_state

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dialogues"
HEADACHE = (FIXTURES / "headache_visit.txt").read_text(encoding="utf-8")
PERSIAN = (FIXTURES / "persian_headache.txt").read_text(encoding="utf-8")


def add_typed_transcript(encounter: Encounter, dialogue: str) -> list[TranscriptSegment]:
    view = parse_dialogue(dialogue)
    return TranscriptSegment.objects.bulk_create(
        [
            TranscriptSegment(encounter=encounter, source="typed", index=i, text=s.text, speaker=s.speaker)
            for i, s in enumerate(view.segments)
        ]
    )


def generate_url(encounter_id) -> str:
    return f"/api/nlp/generate/{encounter_id}/"


def draft_url(encounter_id) -> str:
    return f"/api/nlp/drafts/{encounter_id}/"


def update_url(encounter_id) -> str:
    return f"/api/nlp/drafts/{encounter_id}/update-section/"


@pytest.fixture
def transcribed(encounter) -> Encounter:
    """Alice's encounter with the headache visit as a typed transcript."""
    add_typed_transcript(encounter, HEADACHE)
    Encounter.objects.filter(pk=encounter.pk).update(status=Encounter.Status.TRANSCRIBED)
    encounter.refresh_from_db()
    return encounter


@pytest.fixture
def drafted(alice_client, transcribed) -> Encounter:
    """The headache visit with a generated draft (version 1)."""
    resp = alice_client.post(generate_url(transcribed.id), format="json")
    assert resp.status_code == 201, resp.json()
    assert job_state(alice_client, resp)["status"] == "succeeded", resp.json()
    transcribed.refresh_from_db()
    return transcribed


@pytest.fixture(scope="module")
def engine():
    """The rules engine, one per test module (a module may define its own ``engine``)."""
    from soapify.nlp.engines.rules import RulesEngine

    return RulesEngine()

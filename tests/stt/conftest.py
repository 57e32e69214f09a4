"""STT fixtures: committed chunks stored straight into STORAGES["audio"] (no upload API), and the
scripted fake engine as the default engine unless a test asks for a real one."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from soapify.encounters.models import AudioChunk, Encounter
from tests.stt.fakes import SCRIPT

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "stt" / "vitals_7s.wav"
FAKE_ENGINES = {"default": {"BACKEND": "tests.stt.fakes.FakeEngine", "OPTIONS": {}}}


@pytest.fixture(autouse=True)
def _fake_engine(settings):
    settings.STT_ENGINES = FAKE_ENGINES
    SCRIPT.reset()
    yield SCRIPT
    if SCRIPT.release is not None:
        SCRIPT.release.set()
    SCRIPT.reset()


@pytest.fixture
def script():
    return SCRIPT


def store_audio(data: bytes, ext: str = "wav") -> str:
    return storages["audio"].save(f"test/{uuid.uuid4().hex}.{ext}", ContentFile(data))


def committed_chunk(
    encounter: Encounter,
    number: int = 1,
    *,
    data: bytes | None = None,
    duration: float = 7.0,
    start_offset: float | None = None,
) -> AudioChunk:
    key = store_audio(FIXTURE.read_bytes() if data is None else data)
    if start_offset is None:
        start_offset = (number - 1) * duration
    return AudioChunk.objects.create(
        encounter=encounter,
        chunk_number=number,
        storage_key=key,
        format="wav",
        content_type="audio/wav",
        status=AudioChunk.Status.COMMITTED,
        duration=duration,
        start_offset=start_offset,
        size=len(data) if data is not None else FIXTURE.stat().st_size,
    )


@pytest.fixture
def chunk(encounter) -> AudioChunk:
    return committed_chunk(encounter)

"""A cancelled transcription stops between Whisper's segments, not after the whole recording: the
engine calls the job fence (soapify/core/jobs.py ``job_fence``) after each decoded segment."""

from __future__ import annotations

from pathlib import Path

import pytest

from soapify import settings as project_settings
from soapify.core import jobs
from soapify.core.models import Job
from soapify.stt.engines.faster_whisper import FasterWhisperEngine

CLIP = Path(__file__).resolve().parents[1] / "fixtures" / "stt" / "vitals_7s.wav"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def whisper() -> FasterWhisperEngine:
    """The default engine as configured (tests/stt/conftest.py puts fakes in the settings)."""
    return FasterWhisperEngine(**project_settings.STT_ENGINES["faster_whisper"]["OPTIONS"])


def _running_as(monkeypatch, job: Job) -> None:
    """As in a worker whose current Celery task runs ``job`` under its message ``m1``."""
    monkeypatch.setattr(jobs, "_current_attempt", lambda: (str(job.pk), "m1"))


def test_whisper_stops_at_the_first_segment_of_a_cancelled_job(monkeypatch, alice, whisper):
    job = Job.objects.create(
        kind="stt.process", owner=alice, status=Job.Status.CANCELLED, celery_task_id="m1"
    )
    _running_as(monkeypatch, job)
    with pytest.raises(jobs.JobCancelled):
        whisper.transcribe(str(CLIP), language="en")


def test_whisper_runs_to_the_end_for_a_job_still_running(monkeypatch, alice, whisper):
    job = Job.objects.create(kind="stt.process", owner=alice, status=Job.Status.RUNNING, celery_task_id="m1")
    _running_as(monkeypatch, job)
    result = whisper.transcribe(str(CLIP), language="en")
    assert result.segments and "blood pressure" in " ".join(s.text.lower() for s in result.segments)

"""Slow stand-ins for a real worker subprocess (selected by tests/core/job_worker_settings.py): each
stops at a *slow point* so a test can kill the worker while a job is inside it.

At a slow point the fake appends ``<name> <pid>`` to ``$JOB_FAKE_DIR/marks``, then waits while the
file ``$JOB_FAKE_DIR/hold`` exists, then appends ``<name>-done <pid>``. A test creates ``hold``,
starts the job, waits for the mark, kills the worker, removes ``hold`` and starts another worker.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.files.storage import FileSystemStorage

from soapify.nlp.engines.rules import RulesEngine
from tests.stt.fakes import FakeEngine

HOLD_LIMIT_SECONDS = 300.0


def slow_point(name: str) -> None:
    folder = os.environ.get("JOB_FAKE_DIR")
    if not folder:
        return
    marks = Path(folder) / "marks"
    with marks.open("a") as fh:
        fh.write(f"{name} {os.getpid()}\n")
    deadline = time.monotonic() + HOLD_LIMIT_SECONDS
    while (Path(folder) / "hold").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    with marks.open("a") as fh:
        fh.write(f"{name}-done {os.getpid()}\n")


def marks(folder: Path) -> list[tuple[str, int]]:
    """The slow points passed so far, as (name, pid)."""
    path = Path(folder) / "marks"
    if not path.exists():
        return []
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [(name, int(pid)) for name, pid in rows]


class SlowSTTEngine(FakeEngine):
    def transcribe(self, audio, *, language=None, offset=0.0):
        slow_point("stt")
        return super().transcribe(audio, language=language, offset=offset)


class SlowNoteEngine(RulesEngine):
    def __init__(self, **options) -> None:
        super().__init__(use_embeddings=False)

    def generate(self, transcript, *, language=None):
        slow_point("draft")
        return super().generate(transcript, language=language)


class SlowStorage(FileSystemStorage):
    """The outputs storage: finalization stops while it stores the note's files."""

    def _save(self, name, content):
        slow_point("finalize")
        return super()._save(name, content)

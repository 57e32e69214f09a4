"""Race-freedom against a real PostgreSQL, with threads (each its own connection) and a worker
process killed mid-run: a chunk is never transcribed twice at once, segments are never duplicated,
an edit made during a re-transcription is not lost, and a dead worker's run is taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from soapify.core.errors import Conflict
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.stt import services
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from tests.conftest import client_for
from tests.stt.conftest import committed_chunk

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def run_in_thread(fn, results: list, key: str) -> threading.Thread:
    def target():
        try:
            results.append((key, fn()))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results.append((key, exc))
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.fixture
def gate(script):
    script.release = threading.Event()
    return script


def test_two_concurrent_process_runs_transcribe_each_chunk_once(settings, encounter, gate):
    settings.STT_BUSY_WAIT_SECONDS = 20
    chunks = [committed_chunk(encounter, n) for n in (1, 2, 3)]
    results: list = []
    a = run_in_thread(lambda: services.encounter_process(encounter=encounter), results, "a")
    assert gate.started.wait(10)
    b = run_in_thread(lambda: services.encounter_process(encounter=encounter), results, "b")
    time.sleep(0.5)  # b is now waiting for the chunk a holds
    gate.release.set()
    a.join(30)
    b.join(30)
    outcomes = dict(results)
    assert not isinstance(outcomes["a"], Exception), outcomes["a"]
    assert not isinstance(outcomes["b"], Exception), outcomes["b"]
    assert len(gate.calls) == 3  # one engine run per chunk
    for chunk in chunks:
        assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2
    transcribed = outcomes["a"]["transcribed"] + outcomes["b"]["transcribed"]
    assert sorted(transcribed) == [1, 2, 3]
    assert Encounter.objects.get(pk=encounter.pk).status == "transcribed"


def test_concurrent_process_requests_do_not_duplicate_segments(settings, alice, encounter, gate):
    settings.STT_BUSY_WAIT_SECONDS = 20
    chunks = [committed_chunk(encounter, n) for n in (1, 2)]
    gate.release.set()  # no blocking: just two requests racing
    results: list = []
    url = f"/api/stt/encounter/{encounter.pk}/process/"
    threads = [
        run_in_thread(lambda: client_for(alice).post(url).status_code, results, f"r{i}") for i in range(4)
    ]
    for t in threads:
        t.join(60)
    assert [status for _, status in results] == [201] * 4
    for chunk in chunks:
        assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2
        assert ChunkTranscription.objects.get(chunk=chunk).status == "done"
    assert len(gate.calls) == 2


def test_the_live_job_leaves_a_chunk_being_transcribed_to_that_run(encounter, gate):
    chunk = committed_chunk(encounter, 1)
    results: list = []
    a = run_in_thread(lambda: services.chunk_transcribe(chunk_id=chunk.pk, rerun=True), results, "a")
    assert gate.started.wait(10)
    live = services.chunk_transcribe(chunk_id=chunk.pk)  # what the live job does (wait=0)
    assert live.status == "busy"
    gate.release.set()
    a.join(30)
    assert dict(results)["a"].status == "done"
    assert gate.max_active == 1
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2


def test_an_edit_made_during_a_retranscription_is_not_lost(alice, encounter, script):
    chunk = committed_chunk(encounter, 1)
    services.chunk_transcribe(chunk_id=chunk.pk)
    segment = TranscriptSegment.objects.filter(chunk=chunk).order_by("index").first()
    script.release = threading.Event()
    script.started.clear()
    script.texts = ["machine text of the re-run"]
    results: list = []
    rerun = run_in_thread(lambda: services.chunk_transcribe(chunk_id=chunk.pk, rerun=True), results, "rerun")
    assert script.started.wait(10)
    response = client_for(alice).put(
        f"/api/stt/transcript/{segment.pk}/", {"text": "doctor's fix"}, format="json"
    )
    assert response.status_code == 200
    script.release.set()
    rerun.join(30)
    outcome = dict(results)["rerun"]
    assert isinstance(outcome, Conflict) and outcome.code == "chunk_has_edits"
    segment.refresh_from_db()
    assert (segment.text, segment.edited) == ("doctor's fix", True)
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2
    ct = ChunkTranscription.objects.get(chunk=chunk)
    assert ct.status == "done"  # the previous (edited) transcript stands
    assert Encounter.objects.get(pk=encounter.pk).status == "transcribed"


def test_an_explicit_rerun_waits_for_the_running_one(settings, alice, encounter, gate):
    settings.STT_BUSY_WAIT_SECONDS = 20
    chunk = committed_chunk(encounter, 1)
    results: list = []
    a = run_in_thread(lambda: services.chunk_transcribe(chunk_id=chunk.pk), results, "a")
    assert gate.started.wait(10)
    b = run_in_thread(
        lambda: client_for(alice).post("/api/stt/transcribe/", {"chunk_id": chunk.pk}, format="json").json(),
        results,
        "b",
    )
    time.sleep(0.5)
    gate.release.set()
    a.join(30)
    b.join(30)
    job = Job.objects.get(pk=dict(results)["b"]["job_id"])
    assert job.status == "succeeded"
    assert gate.max_active == 1 and len(gate.calls) == 2
    assert ChunkTranscription.objects.get(chunk=chunk).runs == 2
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2


KILLED_WORKER = """
import os, sys, time
import django
django.setup()
from soapify.stt import services
from soapify.stt.models import ChunkTranscription
chunk_id = int(sys.argv[1])
with services.chunk_lock(chunk_id) as got:
    assert got
    ChunkTranscription.objects.filter(chunk_id=chunk_id).update(status="running", runs=1)
    print("running", flush=True)
    time.sleep(120)
"""


def test_a_worker_killed_mid_run_leaves_no_segments_and_is_taken_over(settings, encounter, script):
    chunk = committed_chunk(encounter, 1)
    ChunkTranscription.objects.create(chunk=chunk, status="pending")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "soapify.settings",
        "SOAPIFY_DB_NAME": connection.settings_dict["NAME"],
        "SOAPIFY_DATA_DIR": str(settings.DATA_DIR),
    }
    if settings.DATABASE_URL:
        env["DATABASE_URL"] = settings.DATABASE_URL.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, str(chunk.pk)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = worker.stdout.readline()
        assert line.strip() == "running", worker.stderr.read()
        # while the worker lives, its run holds the chunk
        assert services.chunk_transcribe(chunk_id=chunk.pk).status == "busy"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    assert ChunkTranscription.objects.get(chunk=chunk).status == "running"
    assert not TranscriptSegment.objects.filter(chunk=chunk).exists()
    deadline = time.monotonic() + 10
    outcome = services.chunk_transcribe(chunk_id=chunk.pk, wait=10)  # PostgreSQL drops the dead lock
    assert time.monotonic() < deadline
    assert outcome.status == "done"
    ct = ChunkTranscription.objects.get(chunk=chunk)
    assert (ct.status, ct.runs) == ("done", 2)
    assert TranscriptSegment.objects.filter(chunk=chunk).count() == 2

"""Seconds from cancelling a running transcription to the moment it stopped, with the real engine.

A fresh data folder (its own embedded PostgreSQL and the filesystem broker, as `make run` has) and
one worker on the ``stt`` queue with the project's settings: faster-whisper with the pinned Whisper
base model (``WHISPER_MODEL_PATH``, default ``var/models/whisper-base``), on real speech
(../shared/data/audio-real/dagon.wav, 34 s). A first transcription runs to the end (it loads the
model; its time is the reference). Then each try starts a transcription, waits ``--delay`` seconds
after the job is running, cancels it (``core.jobs.job_cancel``, as ``/adminplus/api/tasks/cancel/``
does) and measures until the chunk's transcription is no longer ``running`` (the handler reached
its fence, rolled its write back and put the chunk back). Diarization is off (its job would share
the worker). An engine call cannot be interrupted, so
the figure is the rest of the engine run plus the fence; each try also checks that no segment was
stored and that the job ended ``cancelled``.

    .venv/bin/python bench/cancel.py [--tries 3] [--delay 1.0]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._service import bench_env, manage, whisper_model  # noqa: E402

AUDIO = ROOT.parent / "shared" / "data" / "audio-real" / "dagon.wav"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--delay", type=float, default=1.0)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="soapify-cancel-"))
    os.environ["XDG_RUNTIME_DIR"] = str(data / "run")
    model = whisper_model()
    env = bench_env(
        data,
        STT_ENGINE="faster_whisper",
        WHISPER_MODEL_PATH=model,
        STT_LIVE_TRANSCRIPTION="0",
        DIARIZATION_ENGINE="none",
    )
    manage(env, "migrate", "--noinput", "-v0")
    os.environ.update(
        {k: v for k, v in env.items() if k.startswith(("SOAPIFY_", "DJANGO_", "STT_", "WHISPER_"))}
    )

    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from soapify.accounts.models import User
    from soapify.core.jobs import job_cancel
    from soapify.core.models import Job
    from soapify.encounters.models import AudioChunk, Encounter
    from soapify.stt.models import ChunkTranscription, TranscriptSegment
    from soapify.stt.services import chunk_transcribe_start
    from tests.core.workers import start_worker, wait_for

    audio = AUDIO.read_bytes()
    seconds_of_audio = (len(audio) - 44) / 32000
    doctor = User.objects.create_user("bench-doctor", password="Bench-cancel-9", role="doctor")

    def new_chunk(n: int) -> AudioChunk:
        encounter = Encounter.objects.create(doctor=doctor, patient_ref=f"BENCH-{n}", context="OPD")
        key = storages["audio"].save(f"bench/{n}.wav", ContentFile(audio))
        return AudioChunk.objects.create(
            encounter=encounter, chunk_number=1, storage_key=key, format="wav", content_type="audio/wav",
            status=AudioChunk.Status.COMMITTED, duration=seconds_of_audio, start_offset=0.0, size=len(audio),
        )  # fmt: skip

    def ct_status(chunk: AudioChunk) -> str | None:
        return ChunkTranscription.objects.filter(chunk=chunk).values_list("status", flat=True).first()

    worker_env = {**env, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO"}
    worker = None
    tries: list[dict] = []
    try:
        worker = start_worker(
            worker_env, data / "worker.log", name="bench-cancel", queues="stt", concurrency=1
        )
        chunk = new_chunk(0)
        started = time.monotonic()
        job = chunk_transcribe_start(user=doctor, chunk_id=chunk.pk)
        wait_for(lambda: Job.objects.get(pk=job.pk).is_finished, 900, "the reference run", worker)
        reference = time.monotonic() - started
        assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED, Job.objects.get(pk=job.pk).error
        started = time.monotonic()
        chunk = new_chunk(1)
        job = chunk_transcribe_start(user=doctor, chunk_id=chunk.pk)
        wait_for(lambda: Job.objects.get(pk=job.pk).is_finished, 900, "the warm run", worker)
        warm = time.monotonic() - started

        for n in range(2, args.tries + 2):
            chunk = new_chunk(n)
            job = chunk_transcribe_start(user=doctor, chunk_id=chunk.pk)
            wait_for(
                lambda c=chunk: ct_status(c) == ChunkTranscription.Status.RUNNING, 120, "the run", worker
            )
            time.sleep(args.delay)
            cancelled_at = time.monotonic()
            job_cancel(job=Job.objects.get(pk=job.pk), reason="bench")
            wait_for(
                lambda c=chunk: ct_status(c) != ChunkTranscription.Status.RUNNING,
                900,
                "the run to stop",
                worker,
            )
            stopped = time.monotonic() - cancelled_at
            job.refresh_from_db()
            tries.append(
                {
                    "seconds_to_stop": round(stopped, 2),
                    "job_status": job.status,
                    "segments_stored": TranscriptSegment.objects.filter(chunk=chunk).count(),
                    "chunk_status": ct_status(chunk),
                }
            )
        fenced = worker.output(1_000_000).count("stopped at its fence")
    finally:
        if worker is not None:
            worker.kill()
        import pgserver
        from django.db import connections
        from pgserver._commands import pg_ctl

        connections.close_all()
        server = pgserver.get_server(data / "pg", cleanup_mode=None)
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
        shutil.rmtree(data, ignore_errors=True)

    stops = [t["seconds_to_stop"] for t in tries]
    print(
        json.dumps(
            {
                "bench": "cancel",
                "engine": "faster_whisper (Whisper base, CPU)",
                "audio": f"{AUDIO.name}, {seconds_of_audio:.1f} s of real speech",
                "cancel_after_running_seconds": args.delay,
                "first_run_seconds_with_model_load": round(reference, 2),
                "uncancelled_run_seconds": round(warm, 2),
                "tries": tries,
                "seconds_to_stop": {
                    "median": round(statistics.median(stops), 2),
                    "min": min(stops),
                    "max": max(stops),
                },
                "stopped_at_fence_log_lines": fenced,
                "nothing_written": all(
                    t["segments_stored"] == 0 and t["job_status"] == "cancelled" for t in tries
                ),
            }
        )
    )


if __name__ == "__main__":
    main()

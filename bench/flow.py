"""The seed's seven steps sent back to back, with no waiting: seconds from step 3 to a finalized note.

A fresh data folder (its own embedded PostgreSQL and the filesystem broker, as ``make run`` has),
gunicorn (2 workers) and the Celery workers as ``make run`` starts them (``-Q stt,stt_bulk
--concurrency 2`` with beat inside, ``-Q nlp,default --concurrency 2`` and ``-Q background
--concurrency 1`` at nice 19), with the default engines (faster-whisper ``base`` for speech, the
rules note engine, resemblyzer speakers). Each run: sign in (1), create an encounter (2) and upload
one real recording (presigned URL, PUT, commit), then send 3 ``process``, 4 ``generate``,
5 ``GET drafts``, 6 ``finalize``, 7 ``GET finalized`` one right after the other, as a client written
against the seed does. Steps 5 and 7 answer 202 with the job while the work is under way; the
client then polls step 7 every 0.1 s. The figure is the time from sending step 3 to the 200 of
step 7 (the note finalized from the draft of the transcript).

    .venv/bin/python bench/flow.py [--runs 3] [--audio ../shared/data/audio-real/harvard_spk1_snt1.wav]

The default recording is a real voice from ``../shared/data/audio-real`` (falls back to
``tests/fixtures/stt/vitals_7s.wav``). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _service import Gunicorn, bench_env, manage, request, stop_embedded_postgres, token  # noqa: E402

USER = "bench-flow"
PASSWORD = "Bench-flow-9-password"  # noqa: S105 - a throw-away user in a throw-away database
DEFAULT_AUDIO = ROOT.parent / "shared" / "data" / "audio-real" / "harvard_spk1_snt1.wav"
FALLBACK_AUDIO = ROOT / "tests" / "fixtures" / "stt" / "vitals_7s.wav"


def _json(port: int, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
    status, data = request(method, port, path, body, headers=headers)
    try:
        return status, json.loads(data or b"{}")
    except ValueError:
        return status, {"raw": data[:200].decode(errors="replace")}


def _expect(what: str, got: tuple[int, dict], *statuses: int) -> dict:
    status, body = got
    if status not in statuses:
        raise RuntimeError(f"{what}: {status} {body}")
    return body


def _recorded_encounter(port: int, auth: dict, audio: bytes, n: int) -> int:
    """Step 2 and the recording: create, presigned URL, PUT, commit."""
    created = _expect(
        "create",
        _json(port, "POST", "/api/encounters/create/", {"patient_ref": f"HS-{n}", "context": "OPD"}, auth),
        201,
    )
    encounter_id = created["id"]
    target = _expect(
        "presigned-url",
        _json(
            port,
            "POST",
            "/api/audio/presigned-url/",
            {"encounter_id": encounter_id, "chunk_number": 1, "format": "wav", "file_size": len(audio)},
            auth,
        ),
        201,
    )
    status, body = request(
        "PUT",
        port,
        urlsplit(target["upload_url"]).path,
        audio,
        headers={**auth, "Content-Type": target["headers"]["Content-Type"]},
    )
    if status != 200:
        raise RuntimeError(f"PUT: {status} {body[:200]!r}")
    _expect(
        "commit",
        _json(
            port,
            "POST",
            "/api/audio/commit/",
            {"chunk_id": target["chunk_id"], "sha256": hashlib.sha256(audio).hexdigest()},
            auth,
        ),
        200,
        201,
    )
    return encounter_id


def one_run(port: int, auth: dict, audio: bytes, n: int, timeout: float) -> dict:
    encounter_id = _recorded_encounter(port, auth, audio, n)
    started = time.perf_counter()
    _expect("3 process", _json(port, "POST", f"/api/stt/encounter/{encounter_id}/process/", None, auth), 201)
    _expect("4 generate", _json(port, "POST", f"/api/nlp/generate/{encounter_id}/", None, auth), 201)
    draft_status, _ = _json(port, "GET", f"/api/nlp/drafts/{encounter_id}/", None, auth)
    finalize = _expect(
        "6 finalize",
        _json(port, "POST", "/api/outputs/finalize/", {"encounter_id": encounter_id}, auth),
        201,
    )
    first_read = None
    polls = 0
    while True:
        status, body = _json(port, "GET", f"/api/outputs/finalized/{encounter_id}/", None, auth)
        first_read = first_read or status
        polls += 1
        if status == 200:
            break
        if status != 202:
            job = _json(port, "GET", finalize["status_url"], None, auth)[1]
            raise RuntimeError(f"7 finalized: {status} {body}; the finalize job: {job}")
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"no finalized note after {timeout} s")
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "step5_status": draft_status,
        "step7_first_status": first_read,
        "polls": polls,
        "note_version": body.get("version"),
        "vitals_or_items": sum(
            len(s.get("items") or []) for s in (body.get("soap") or {}).get("sections", {}).values()
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--audio", type=Path, default=DEFAULT_AUDIO if DEFAULT_AUDIO.is_file() else FALLBACK_AUDIO
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    audio = args.audio.read_bytes()
    with wave.open(str(args.audio), "rb") as w:
        audio_seconds = w.getnframes() / w.getframerate()

    data = Path(tempfile.mkdtemp(prefix="soapify-bench-flow-", dir="/tmp"))
    env = bench_env(data, CELERY_TASK_ALWAYS_EAGER="0", LOG_LEVEL="WARNING")
    server = None
    workers: list[subprocess.Popen] = []
    runs: list[dict] = []
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(
            env,
            "shell",
            "-c",
            "from soapify.accounts.models import User\n"
            f"u = User(username={USER!r}, role='doctor')\nu.set_password({PASSWORD!r})\nu.save()",
        )
        server = Gunicorn(env, workers=2)
        celery = [sys.executable, str(Path(sys.executable).parent / "celery"), "-A", "soapify", "worker"]
        workers = [  # as make run starts them: speech-to-text, drafts and the rest, the background queue at nice 19
            subprocess.Popen(
                [*prefix, *celery, *args, "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
                cwd=ROOT, env=env, stdout=(data / "worker.log").open("ab"), stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for prefix, args in (
                ([], ["-B", "-s", str(data / "celerybeat-schedule"), "-Q", "stt,stt_bulk",
                      "--concurrency", "2", "-n", "main@%h"]),
                ([], ["-Q", "nlp,default", "--concurrency", "2", "-n", "nlp@%h"]),
                (["nice", "-n", "19"], ["-Q", "background", "--concurrency", "1", "-n", "background@%h"]),
            )
        ]  # fmt: skip
        auth = {"Authorization": f"Bearer {token(server.port, USER, PASSWORD)}"}
        # a first run warms the worker (models loaded once per process), not counted
        warm = one_run(server.port, auth, audio, 0, args.timeout)
        for n in range(1, args.runs + 1):
            runs.append(one_run(server.port, auth, audio, n, args.timeout))
    finally:
        for worker in workers:
            try:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(worker.pid, signal.SIGKILL)
        if server is not None:
            server.stop()
        stop_embedded_postgres(data / "pg")
        shutil.rmtree(data, ignore_errors=True)

    seconds = [r["seconds"] for r in runs]
    print(
        json.dumps(
            {
                "bench": "flow",
                "what": "seed steps 3-7 sent back to back; seconds from step 3 to the 200 of step 7",
                "audio": str(
                    args.audio.relative_to(ROOT.parent)
                    if args.audio.is_relative_to(ROOT.parent)
                    else args.audio
                ),
                "audio_seconds": round(audio_seconds, 2),
                "engines": "defaults (faster-whisper base, rules notes, resemblyzer speakers)",
                "worker": "as make run: -Q stt,stt_bulk --concurrency 2, -Q nlp,default --concurrency 2, and -Q background --concurrency 1 at nice 19; filesystem broker",
                "warm_up_run": warm,
                "runs": runs,
                "seconds": {
                    "median": round(statistics.median(seconds), 2),
                    "min": min(seconds),
                    "max": max(seconds),
                },
            }
        )
    )


if __name__ == "__main__":
    main()

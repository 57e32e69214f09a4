"""Long recordings in parallel windows and fair queues, with the default engine (faster-whisper base).

    .venv/bin/python bench/stt_windows.py [--layout nlp|split|one] [--pace 4] [--skip-whole]
        [--skip-live] [--skip-four] [--four-runs 1] [--trace]

A fresh data folder (its own embedded PostgreSQL), the default broker (filesystem) and the Celery
workers of ``--layout`` (``LAYOUTS``):

* ``nlp`` (default; ``make run`` since 2026-12-06 night): as ``split``, but the speech-to-text
  queues (``stt,stt_bulk``) have the first worker's two processes to themselves and a second
  worker (``-Q nlp,default --concurrency 2``) runs drafts, checklists and the rest;
* ``split`` (``make run`` from 2026-12-06 afternoon): one worker for the queues people
  wait on (``-Q default,stt,stt_bulk,nlp --concurrency 2``) and one process at the lowest CPU
  priority (``nice -n 19 ... -Q background --concurrency 1``) for the work nobody waits for at the
  end of a visit, routed there by the settings' ``JOB_QUEUES``: speaker diarization and the search
  index;
* ``one``: the single worker for every queue, every job on its handler's queue
  (``JOB_BACKGROUND_QUEUE=""``; ``make run`` before that change).

Chunks are
stored and committed through the services the upload commit calls (``chunk_transcription_queue``,
the live path), not through HTTP: the figures are transcription and draft times, not upload times.

The visit: every clip of ``../shared/data/audio-real`` (real read speech, several speakers) and
``../shared/data/audio/dev_visit_headache.wav`` (a synthetic doctor/patient dialogue), decoded to
16 kHz mono and joined with 0.6 s of silence, repeated until it lasts 15 minutes (900 s). A
5-minute visit is its first 300 s.

Scenarios (times from the commit that ends the visit):
* ``whole_file``: the 15-minute visit as one chunk committed at the end: transcript complete, then
  draft (note engine) ready; windows, how many ran at once (from the window jobs' start/finish
  times), per-core real-time factor (engine seconds of all windows / audio seconds).
* ``fairness``: 5 s after the whole file was committed, another doctor commits a 30 s live chunk:
  its transcript latency, beside the same chunk on an idle worker.
* ``live``: the 15-minute visit in 30 s chunks at ``--pace`` x real time; transcript complete and
  draft + checklist ready after the last commit.
* ``four_doctors``: four 5-minute visits uploaded live (their first 9 chunks committed at once and
  transcribed before; their diarization and indexing may still be under way), the four last chunks
  committed at the same moment; each draft's time (all jobs watched at once), beside one doctor
  alone. Each round starts once no job is left from the one before (``--four-runs N``: N rounds of
  single then four; ``--trace``: every job that ran after each round's last commit, with its queue
  and its created/started/finished seconds).
Worker memory: RSS of each worker's processes once the models are loaded (after a warm-up of two
visits, transcript, draft and checklist, twice). The machine's load
average is printed with every figure (2 cores shared with other work). The last line printed is
one JSON object: ``{"bench": "stt_windows", ...}``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from _service import bench_env, manage, stop_embedded_postgres, whisper_model  # noqa: E402

RATE = 16000
VISIT_SECONDS = 900.0
SHORT_VISIT_SECONDS = 300.0
LIVE_CHUNK_SECONDS = 30.0
MAIN_QUEUES = "default,stt,stt_bulk,nlp"
#: Worker layouts: (name, queues, concurrency, command prefix) of each worker, and the settings'
#: JOB_BACKGROUND_QUEUE (the queue diarization and the search index are routed to; "": none).
LAYOUTS: dict[str, dict] = {
    # one worker for every queue, every job on its handler's queue (make run before 2026-12-06 13:00)
    "one": {"workers": [("main", MAIN_QUEUES, 2, [])], "background_queue": ""},
    # the same worker, plus one process at the lowest CPU priority for the background queue (make run)
    "split": {
        "workers": [("main", MAIN_QUEUES, 2, []), ("background", "background", 1, ["nice", "-n", "19"])],
        "background_queue": "background",
    },
    # make run since 2026-12-06 night: speech-to-text on its own two processes, two more for the
    # short work at the end of a visit (drafts, checklists: the nlp queue; and default), so a draft
    # never waits for another doctor's transcription
    "nlp": {
        "workers": [
            ("main", "stt,stt_bulk", 2, []),
            ("nlp", "nlp,default", 2, []),
            ("background", "background", 1, ["nice", "-n", "19"]),
        ],
        "background_queue": "background",
    },
}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def build_visit(seconds: float) -> np.ndarray:
    from soapify.stt.audio import decode_audio

    clips = sorted((DATA / "audio-real").glob("*.wav")) + [DATA / "audio" / "dev_visit_headache.wav"]
    gap = np.zeros(int(0.6 * RATE), dtype=np.int16)
    parts = []
    for clip in clips:
        parts += [decode_audio(clip, dtype="int16"), gap]
    one = np.concatenate(parts)
    reps = int(np.ceil(seconds * RATE / len(one)))
    return np.tile(one, reps)[: int(seconds * RATE)]


def wav_bytes(samples: np.ndarray) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.astype(np.int16).tobytes())
    return buf.getvalue()


class Visit:
    """One doctor's encounter, fed through the live path."""

    def __init__(self, user, ref: str) -> None:
        from soapify.encounters.models import Encounter

        self.user = user
        self.encounter = Encounter.objects.create(doctor=user, patient_ref=ref, context="OPD", language="en")
        self.number = 0
        self.offset = 0.0

    def commit(self, samples: np.ndarray) -> float:
        from django.core.files.base import ContentFile
        from django.core.files.storage import storages

        from soapify.encounters.models import AudioChunk
        from soapify.stt.services.live import chunk_transcription_queue

        self.number += 1
        data = wav_bytes(samples)
        key = storages["audio"].save(f"bench/{self.encounter.pk}-{self.number}.wav", ContentFile(data))
        seconds = len(samples) / RATE
        chunk = AudioChunk.objects.create(
            encounter=self.encounter,
            chunk_number=self.number,
            storage_key=key,
            format="wav",
            content_type="audio/wav",
            status=AudioChunk.Status.COMMITTED,
            duration=seconds,
            start_offset=self.offset,
            size=len(data),
        )
        self.offset += seconds
        chunk_transcription_queue(chunk=chunk)
        return time.perf_counter()

    def complete(self) -> bool:
        from soapify.stt.services.status import encounter_progress

        p = encounter_progress(encounter_id=self.encounter.pk)
        if p.failed:
            raise RuntimeError(f"transcription failed: {p}")
        return p.complete

    def wait_transcript(self, timeout: float = 900.0) -> float:
        deadline = time.perf_counter() + timeout
        while not self.complete():
            if time.perf_counter() > deadline:
                raise RuntimeError("transcript not complete in time")
            time.sleep(0.05)
        return time.perf_counter()

    def start_after(self) -> dict:
        """Start the draft and the checklist evaluation, as the client does once the transcript is
        complete. Returns the jobs (a checklist that cannot start is noted instead)."""
        from soapify.checklist.services.evaluation import checklist_evaluate_start
        from soapify.nlp.services import draft_generate_start

        jobs: dict = {"draft": draft_generate_start(user=self.user, encounter_id=self.encounter.pk).job}
        try:
            jobs["checklist"] = checklist_evaluate_start(user=self.user, encounter_id=self.encounter.pk)
        except Exception as exc:  # noqa: BLE001 - e.g. no checklist template: reported
            jobs["note"] = f"checklist not started: {type(exc).__name__}: {exc}"
        return jobs

    def draft_and_checklist(self, timeout: float = 300.0) -> dict:
        return wait_jobs(self.start_after(), timeout)


def wait_jobs(jobs: dict, timeout: float = 300.0) -> dict:
    """{name: (status, when it ended)} of each job (and the note, if any)."""
    from soapify.core.models import Job

    done: dict = {"note": jobs["note"]} if "note" in jobs else {}
    pending = {k: j for k, j in jobs.items() if k != "note"}
    deadline = time.perf_counter() + timeout
    while pending:
        for name, job in list(pending.items()):
            status = Job.objects.values_list("status", flat=True).get(pk=job.pk)
            if status in ("succeeded", "failed", "cancelled"):
                done[name] = (status, time.perf_counter())
                del pending[name]
        if time.perf_counter() > deadline:
            raise RuntimeError(f"jobs not done in time: {pending}")
        time.sleep(0.05)
    return done


def window_parallelism(encounter_id: int) -> tuple[int, int, float]:
    """(windows, most window jobs running at once, per-core RTF) of the encounter's windowed chunk."""
    from soapify.core.models import Job
    from soapify.stt.models import ChunkWindow
    from soapify.stt.services.windows import WINDOW_JOB

    rows = list(ChunkWindow.objects.filter(transcription__chunk__encounter_id=encounter_id))
    ids = {str(r.pk) for r in rows}
    jobs = [
        j
        for j in Job.objects.filter(kind=WINDOW_JOB, target_id__in=ids, status="succeeded")
        if j.started_at and j.finished_at
    ]
    events = sorted([(j.started_at, 1) for j in jobs] + [(j.finished_at, -1) for j in jobs])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    audio = max((r.end for r in rows), default=0.0)
    rtf = sum(r.elapsed for r in rows) / audio if audio else 0.0
    return len(rows), peak, rtf


def job_trace(since, committed: float) -> list[dict]:
    """Every job created since ``since`` (a datetime) or still running then: kind, queue, target and
    its created, started and finished seconds relative to ``committed`` (a ``time.time()`` reading)."""
    from django.db.models import Q

    from soapify.core.models import Job

    def rel(when) -> float | None:
        return None if when is None else round(when.timestamp() - committed, 2)

    rows = Job.objects.filter(
        Q(created_at__gte=since) | Q(finished_at__gte=since) | Q(finished_at__isnull=True)
    ).order_by("created_at")
    return [
        {
            "kind": j.kind,
            "queue": j.queue,
            "target": f"{j.target_type}:{j.target_id}",
            "status": j.status,
            "created": rel(j.created_at),
            "started": rel(j.started_at),
            "finished": rel(j.finished_at),
        }
        for j in rows
    ]


def print_trace(rows: list[dict]) -> None:
    for r in rows:
        print(
            f"  {r['kind']:<26} {r['queue']:<9} {r['target']:<18} {r['status']:<9} "
            f"created {r['created']!s:>7} started {r['started']!s:>7} finished {r['finished']!s:>7}"
        )


def wait_idle(timeout: float = 900.0) -> None:
    """Until no job is queued or running (held jobs included)."""
    from soapify.core.models import Job

    deadline = time.perf_counter() + timeout
    while Job.objects.exclude(status__in=Job.FINISHED).exists():
        if time.perf_counter() > deadline:
            raise RuntimeError("jobs still unfinished")
        time.sleep(0.2)


def worker_rss_mb(worker: subprocess.Popen) -> list[float]:
    out = subprocess.run(["ps", "-o", "pid=,ppid=,rss=", "-A"], capture_output=True, text=True).stdout
    rows = [line.split() for line in out.splitlines()]
    children = [int(rss) / 1024 for pid, ppid, rss in rows if int(ppid) == worker.pid]
    own = [int(rss) / 1024 for pid, ppid, rss in rows if int(pid) == worker.pid]
    return [round(x, 1) for x in own + children]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pace", type=float, default=4.0, help="live upload pace (x real time)")
    parser.add_argument(
        "--layout",
        choices=sorted(LAYOUTS),
        default="nlp",
        help="worker layout and job routing (see LAYOUTS)",
    )
    parser.add_argument("--skip-whole", action="store_true", help="skip whole_file and fairness")
    parser.add_argument("--skip-live", action="store_true")
    parser.add_argument("--skip-four", action="store_true")
    parser.add_argument("--four-runs", type=int, default=1, help="rounds of four_doctors (single, then four)")
    parser.add_argument("--trace", action="store_true", help="print the jobs run after each last commit")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="soapify-bench-windows-", dir="/tmp"))
    model = whisper_model()
    env = bench_env(
        data_dir,
        CELERY_TASK_ALWAYS_EAGER="0",
        STT_ENGINE="faster_whisper",
        WHISPER_MODEL_PATH=model,
        JOB_BACKGROUND_QUEUE=LAYOUTS[args.layout]["background_queue"],
    )
    os.environ.update(env)
    figures: dict = {"bench": "stt_windows", "layout": args.layout, "load_at_start": load()}
    workers: list[subprocess.Popen] = []
    try:
        manage(env, "migrate", "--noinput", "-v0")
        import django

        django.setup()
        from soapify.accounts.models import User

        visit = build_visit(VISIT_SECONDS)
        workers = [
            subprocess.Popen(
                [*nice, sys.executable, "-m", "celery", "-A", "soapify", "worker", "-Q", queues,
                 "--concurrency", str(concurrency), "-n", f"{name}@%h", "--loglevel", "WARNING",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(data_dir / f"{name}.log").open("w"),  # noqa: SIM115 - lives as long as the worker
            )
            for name, queues, concurrency, nice in LAYOUTS[args.layout]["workers"]
        ]  # fmt: skip
        doctors = [User.objects.create(username=f"bench-dr-{i}", role="doctor") for i in range(5)]

        # warm-up: every pool process loads its models (two visits at once, transcript, draft and
        # checklist, twice), then nothing is left running
        for n in range(2):
            warm = [Visit(doctors[i], f"HS-WARM-{n}-{i}") for i in range(2)]
            for v in warm:
                v.commit(visit[: int(20 * RATE)])
            for v in warm:
                v.wait_transcript()
            after = [(i, k, j) for i, v in enumerate(warm) for k, j in v.start_after().items() if k != "note"]
            wait_jobs({f"{i}-{k}": j for i, k, j in after})
            wait_idle()
        figures["worker_rss_mb"] = [worker_rss_mb(w) for w in workers]
        print(f"worker RSS (MB, per worker: main then pool processes): {figures['worker_rss_mb']}")

        if not args.skip_whole:
            # fairness baseline: a 30 s live chunk on an idle worker
            idle = Visit(doctors[1], "HS-IDLE")
            t = idle.commit(visit[: int(LIVE_CHUNK_SECONDS * RATE)])
            baseline = idle.wait_transcript() - t

            # whole file at the end, and another doctor's live chunk 5 s later
            whole = Visit(doctors[0], "HS-WHOLE")
            committed = whole.commit(visit)
            time.sleep(5)
            other = Visit(doctors[1], "HS-LIVE-OTHER")
            t = other.commit(visit[int(60 * RATE) : int((60 + LIVE_CHUNK_SECONDS) * RATE)])
            fair = other.wait_transcript() - t
            transcript_at = whole.wait_transcript()
            after = whole.draft_and_checklist()
            windows, peak, rtf = window_parallelism(whole.encounter.pk)
            figures["whole_file"] = {
                "audio_s": VISIT_SECONDS,
                "transcript_s": round(transcript_at - committed, 2),
                "draft_s": round(after["draft"][1] - committed, 2),
                "draft_status": after["draft"][0],
                "windows": windows,
                "windows_at_once": peak,
                "rtf_per_core": round(rtf, 3),
                "load": load(),
            }
            figures["fairness"] = {
                "live_chunk_s_during_whole_file": round(fair, 2),
                "live_chunk_s_idle": round(baseline, 2),
                "load": load(),
            }
            print(f"whole file: {figures['whole_file']}")
            print(f"fairness: {figures['fairness']}")

        if not args.skip_live:
            live = Visit(doctors[2], "HS-LIVE")
            step = int(LIVE_CHUNK_SECONDS * RATE)
            started = time.perf_counter()
            for i, begin in enumerate(range(0, len(visit), step)):
                delay = started + (i + 1) * LIVE_CHUNK_SECONDS / args.pace - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                last = live.commit(visit[begin : begin + step])
            transcript_at = live.wait_transcript()
            after = live.draft_and_checklist()
            figures["live"] = {
                "pace": args.pace,
                "chunks": live.number,
                "transcript_s": round(transcript_at - last, 2),
                "draft_s": round(after["draft"][1] - last, 2),
                "checklist_s": round(after["checklist"][1] - last, 2) if "checklist" in after else None,
                "note": after.get("note", ""),
                "load": load(),
            }
            print(f"live: {figures['live']}")

        if not args.skip_four:
            short = visit[: int(SHORT_VISIT_SECONDS * RATE)]
            step = int(LIVE_CHUNK_SECONDS * RATE)
            pieces = [short[b : b + step] for b in range(0, len(short), step)]

            def ended(visits: list[Visit]) -> list[float]:
                from django.utils import timezone

                from soapify.core.models import Job

                wait_idle()  # each round starts with nothing left running from the round before
                for v in visits:  # the visit so far, transcribed live
                    for piece in pieces[:-1]:
                        v.commit(piece)
                for v in visits:
                    v.wait_transcript()
                since = timezone.now()
                ends = []  # wall-clock time of each last commit
                for v in visits:
                    v.commit(pieces[-1])
                    ends.append(time.time())
                started: dict[int, dict] = {}
                while len(started) < len(visits):  # each draft starts once its transcript is complete
                    for i, v in enumerate(visits):
                        if i not in started and v.complete():
                            started[i] = v.start_after()
                    time.sleep(0.05)
                # every visit's jobs watched at once (a draft that ends while another visit's jobs are
                # still running is timed when it ends)
                wait_jobs(
                    {f"{i}-{k}": j for i, jobs in started.items() for k, j in jobs.items() if k != "note"}
                )
                # each draft's time from its job row: a draft that ended while this loop still waited
                # for another visit's transcript is not timed late (until 2026-12-06 16:00 it was)
                finished = [Job.objects.get(pk=started[i]["draft"].pk) for i in range(len(visits))]
                failed = [j for j in finished if j.status != "succeeded"]
                if failed:
                    raise RuntimeError(f"draft jobs did not succeed: {[(j.pk, j.status) for j in failed]}")
                drafts = [j.finished_at.timestamp() - end for j, end in zip(finished, ends, strict=True)]
                if args.trace:
                    time.sleep(3)  # let the work that follows the drafts show up too
                    print(
                        f"jobs after the last commit of {[v.encounter.pk for v in visits]} (load {load()}):"
                    )
                    print_trace(job_trace(since, ends[0]))
                return drafts

            rounds = []
            for n in range(args.four_runs):
                (single,) = ended([Visit(doctors[3], f"HS-ONE-{n}")])
                four = ended([Visit(doctors[i], f"HS-FOUR-{n}-{i}") for i in range(4)])
                rounds.append(
                    {
                        "single_draft_s": round(single, 2),
                        "four_draft_s": [round(x, 2) for x in four],
                        "worst_ratio": round(max(four) / single, 2),
                        "load": load(),
                    }
                )
                print(f"four doctors, round {n + 1}: {rounds[-1]}")
            figures["four_doctors"] = rounds[0] if len(rounds) == 1 else rounds
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        stop_embedded_postgres(data_dir / "pg")
        if sys.exc_info()[0] is not None:
            for log in sorted(data_dir.glob("*.log")):
                print(f"--- {log.name}\n{log.read_text()[-3000:]}")
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

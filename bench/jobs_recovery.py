"""Time to recovery of a job whose worker was killed, with the default settings.

A fresh data folder (its own embedded PostgreSQL and filesystem broker, as `make run` has), a worker
started as `make run` starts it (prefork, concurrency 2, beat inside with `-B`) but with the slow
note engine of tests/core/job_fakes.py, so that the bench can SIGKILL the worker (its whole process
group) while a draft job is inside the engine. A new worker is started at once, as a supervisor
would, and the figure is the time from the kill to the job's ``succeeded``: the stale heartbeat
(``JOB_STALE_SECONDS``), the reaper's period (``JOB_REAP_SECONDS``, beat in the new worker), the
worker's start-up and the new attempt. Each try also checks the job ran to completion once
(2 attempts, 1 draft revision).

    .venv/bin/python bench/jobs_recovery.py [--tries 3]

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

from bench._service import bench_env, manage  # noqa: E402

TYPED = "Patient reports a headache for three days. Blood pressure 142/90. Plan: paracetamol 500 mg."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tries", type=int, default=3)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="soapify-jobs-recovery-"))
    fake = data / "fake"
    fake.mkdir()
    os.environ["XDG_RUNTIME_DIR"] = str(data / "run")  # as settings.py sets it: same socket dir
    env = bench_env(data)
    manage(env, "migrate", "--noinput", "-v0")
    os.environ.update({k: v for k, v in env.items() if k.startswith(("SOAPIFY_", "DJANGO_"))})

    import django

    django.setup()
    from django.conf import settings

    from soapify.accounts.models import User
    from soapify.core.models import Job
    from soapify.encounters.models import Encounter
    from soapify.nlp.models import DraftRevision
    from soapify.nlp.services import draft_generate_start
    from tests.core.job_fakes import marks
    from tests.core.workers import start_worker, wait_for

    worker_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "tests.core.job_worker_settings",
        "PYTHONPATH": str(ROOT),
        "JOB_FAKE_DIR": str(fake),
        "LOG_LEVEL": "INFO",
    }
    doctor = User.objects.create_user("bench-doctor", password="Bench-recovery-9", role="doctor")
    tries: list[dict] = []
    worker = None
    try:
        worker = start_worker(worker_env, data / "worker-0.log", name="bench-0", concurrency=2, beat=True)
        for n in range(1, args.tries + 1):
            encounter = Encounter.objects.create(doctor=doctor, patient_ref=f"BENCH-{n}", context="OPD")
            (fake / "hold").touch()
            seen = len(marks(fake))
            job = draft_generate_start(user=doctor, encounter_id=encounter.pk, transcript=TYPED).job
            wait_for(
                lambda seen=seen: [m for m in marks(fake)[seen:] if m[0] == "draft"],
                120,
                "the engine",
                worker,
            )
            killed_at = time.monotonic()
            worker.kill()
            (fake / "hold").unlink()
            worker = start_worker(
                worker_env, data / f"worker-{n}.log", name=f"bench-{n}", concurrency=2, beat=True
            )

            def succeeded(job: Job = job) -> bool:
                job.refresh_from_db()
                return job.status == Job.Status.SUCCEEDED

            wait_for(succeeded, 600, "the job to succeed", worker)
            seconds = time.monotonic() - killed_at
            revisions = DraftRevision.objects.filter(draft__encounter=encounter).count()
            tries.append(
                {"seconds": round(seconds, 2), "attempts": job.attempts, "draft_revisions": revisions}
            )
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

    seconds = [t["seconds"] for t in tries]
    print(
        json.dumps(
            {
                "bench": "jobs_recovery",
                "broker": "filesystem (make run's default)",
                "job": "nlp.generate_draft, worker SIGKILLed inside the note engine",
                "settings": {
                    "JOB_HEARTBEAT_SECONDS": settings.JOB_HEARTBEAT_SECONDS,
                    "JOB_STALE_SECONDS": settings.JOB_STALE_SECONDS,
                    "JOB_REAP_SECONDS": settings.JOB_REAP_SECONDS,
                },
                "tries": tries,
                "recovery_seconds": {
                    "median": round(statistics.median(seconds), 2),
                    "min": min(seconds),
                    "max": max(seconds),
                },
                "completed_exactly_once": all(
                    t["attempts"] == 2 and t["draft_revisions"] == 1 for t in tries
                ),
            }
        )
    )


if __name__ == "__main__":
    main()

"""Webhook delivery latency: seconds from the commit of the event to the receiver's having the
signed request, with a real Celery worker.

A fresh data folder (its own embedded PostgreSQL and the filesystem broker, as `make run` has), a
worker started as `make run` starts it (prefork, concurrency 2, beat inside with `-B`; queues
default and nlp) and a receiver: a small HTTP server in this process that checks each request's
signature with the `standardwebhooks` package and notes the time it arrived. Two figures:

* ``signal``: this process finishes a job row and sends ``job_finished`` in a transaction; the
  clock starts when that transaction commits (an ``on_commit`` hook registered first). The delivery
  task goes through the broker to the worker, which makes the request.
* ``with_hanging``: as ``signal``, but each event also goes to a second webhook whose receiver
  never answers in time (it sleeps 30 s): the figure is the healthy receiver's latency while the
  hanging deliveries each hold a worker process until ``WEBHOOKS_READ_TIMEOUT`` (10 s).
* ``draft``: a real draft job (``nlp.generate_draft`` on a typed transcript) runs on the worker;
  the clock starts at the job's ``finished_at`` (its final UPDATE, committed at once). The event is
  emitted in the worker and its delivery goes through the broker again.

    .venv/bin/python bench/webhooks.py [--events 40] [--drafts 10]

Prints one JSON line (wall-clock seconds; web, worker and receiver on this machine).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from standardwebhooks import Webhook  # noqa: E402

from bench._service import bench_env, manage  # noqa: E402

TYPED = "Patient reports a headache for three days. Blood pressure 142/90. Plan: paracetamol 500 mg."


class Receiver:
    """Answers 204 to every POST and notes ``webhook-id`` → (arrival time, signature ok)."""

    def __init__(self, hang: float = 0.0) -> None:
        self.secret = ""
        self.seen: dict[str, tuple[float, bool]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                arrived = time.time()
                if hang:
                    time.sleep(hang)  # a receiver that hangs: the sender's read time-out ends it
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                    ok = True
                except Exception:  # noqa: BLE001 - counted as a bad signature
                    ok = False
                with receiver.lock:
                    receiver.seen.setdefault(self.headers["webhook-id"], (arrived, ok))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, event_id: str, timeout: float = 120.0) -> tuple[float, bool]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if event_id in self.seen:
                    return self.seen[event_id]
            time.sleep(0.005)
        raise TimeoutError(f"no delivery of {event_id} within {timeout} s")


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p95": round(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], 3),
        "min": round(ordered[0], 3),
        "max": round(ordered[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--drafts", type=int, default=10)
    parser.add_argument("--hanging", type=int, default=6, help="events with a hanging receiver too")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="soapify-webhooks-"))
    os.environ["XDG_RUNTIME_DIR"] = str(data / "run")  # as settings.py sets it: same socket dir
    env = bench_env(data, WEBHOOKS_ALLOW_PRIVATE="1", CELERY_TASK_ALWAYS_EAGER="0")
    manage(env, "migrate", "--noinput", "-v0")
    os.environ.update({k: v for k, v in env.items() if k.startswith(("SOAPIFY_", "DJANGO_", "WEBHOOKS_"))})
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"

    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from soapify.accounts.models import User
    from soapify.core.models import Job
    from soapify.core.signals import job_finished
    from soapify.encounters.models import Encounter
    from soapify.nlp.services import draft_generate_start
    from soapify.webhooks import events, services
    from soapify.webhooks.models import WebhookAttempt, WebhookDelivery
    from tests.core.workers import start_worker, wait_for

    receiver = Receiver()
    doctor = User.objects.create_user("bench-doctor", password="Bench-webhooks-9", role="doctor")
    endpoint = services.webhook_create(
        user=doctor, url=f"http://127.0.0.1:{receiver.port}/hook", events=list(events.EVENTS)
    )
    receiver.secret = endpoint.secret
    worker = None
    hung: list[tuple[str, int]] = []
    signal_latency: list[float] = []
    hanging_latency: list[float] = []
    draft_latency: list[float] = []
    signatures_ok = True
    try:
        worker_env = {**env, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO"}
        worker = start_worker(
            worker_env,
            data / "worker.log",
            name="bench-webhooks",
            concurrency=2,
            beat=True,
            queues="default,nlp",
        )

        def signal_event(n: int) -> tuple[float, bool]:
            job = Job.objects.create(kind="outputs.finalize", owner=doctor, params={"encounter_id": n + 1})
            committed: list[float] = []
            with transaction.atomic():
                transaction.on_commit(lambda: committed.append(time.time()))
                Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, finished_at=timezone.now())
                job.refresh_from_db()
                job_finished.send(sender=job.kind, job=job, status=job.status)
            arrived, ok = receiver.wait(events.event_id_for(job, events.FINALIZE_COMPLETED))
            return arrived - committed[0], ok

        # 1. events sent from this process (e.g. a job cancelled by a request)
        for n in range(args.events):
            seconds, ok = signal_event(n)
            signal_latency.append(seconds)
            signatures_ok &= ok
            time.sleep(0.05)
        # 2. real draft jobs finishing on the worker
        for n in range(args.drafts):
            encounter = Encounter.objects.create(doctor=doctor, patient_ref=f"BENCH-{n}", context="OPD")
            job = draft_generate_start(user=doctor, encounter_id=encounter.pk, transcript=TYPED).job

            def finished(job: Job = job) -> bool:
                job.refresh_from_db()
                return job.status in Job.FINISHED

            wait_for(finished, 600, "the draft job", worker)
            assert job.status == Job.Status.SUCCEEDED, job.error
            arrived, ok = receiver.wait(events.event_id_for(job, events.DRAFT_READY))
            draft_latency.append(arrived - job.finished_at.timestamp())
            signatures_ok &= ok
        attempts = list(WebhookDelivery.objects.values_list("attempts", flat=True))
        # 3. a second webhook whose receiver hangs, subscribed to the same events
        if args.hanging:
            hanging = Receiver(hang=30.0)
            stuck = services.webhook_create(
                user=doctor, url=f"http://127.0.0.1:{hanging.port}/hook", events=list(events.EVENTS)
            )
            for n in range(args.hanging):
                seconds, ok = signal_event(1000 + n)
                hanging_latency.append(seconds)
                signatures_ok &= ok
            wait_for(
                lambda: (
                    not WebhookDelivery.objects.filter(endpoint=stuck, attempts=0).exists()
                    and not WebhookDelivery.objects.filter(endpoint=stuck, status="sending").exists()
                ),
                300,
                "the hanging receiver's attempts",
                worker,
            )
            hung = list(
                WebhookAttempt.objects.filter(delivery__endpoint=stuck).values_list("error", "duration_ms")
            )
            hanging.server.shutdown()
    finally:
        if worker is not None:
            worker.kill()
        receiver.server.shutdown()
        import pgserver
        from django.db import connections
        from pgserver._commands import pg_ctl

        connections.close_all()
        server = pgserver.get_server(data / "pg", cleanup_mode=None)
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
        shutil.rmtree(data, ignore_errors=True)

    print(
        json.dumps(
            {
                "bench": "webhooks",
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "broker": "filesystem (make run's default)",
                "worker": "prefork, concurrency 2, -B, queues default,nlp",
                "load_average": [round(x, 1) for x in os.getloadavg()],
                "signal_to_receiver_seconds": summary(signal_latency),
                "draft_job_to_receiver_seconds": summary(draft_latency) if draft_latency else None,
                "with_hanging_receiver_seconds": summary(hanging_latency) if hanging_latency else None,
                "hanging_attempts": {
                    "n": len(hung),
                    "errors": sorted({error for error, _ in hung}),
                    "held_worker_seconds_max": round(max((ms for _, ms in hung), default=0) / 1000, 2),
                },
                "signatures_verified": signatures_ok,
                "one_attempt_each": all(a == 1 for a in attempts),
            }
        )
    )


if __name__ == "__main__":
    main()

"""A PostgreSQL outage under gunicorn: how fast readiness notices, and what the API answers.

The bench gets its own PostgreSQL (the embedded pgserver in a fresh data folder, started by the
app's settings as `make run` does), runs gunicorn on it, and while two clients poll `/readyz` and an
authenticated API route (`GET /api/encounters/`) it stops the database (`pg_ctl stop -m fast`),
keeps it down for `--down` seconds and starts it again, `--cycles` times. Figures:

* seconds from the stop to the first `/readyz` 503, and from the restart to the first 200 again;
* what the API answered during the outage (every status seen, by count): 503 with
  `database_unavailable`, never 500; seconds until the API answers 200 again.

The worker heartbeat is left out of readiness here (`READY_CHECKS=database,cache,broker`): no
Celery worker runs, and the database is what is measured.

    .venv/bin/python bench/db_outage.py [--cycles 3] [--down 10]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._service import Gunicorn, bench_env, manage, token  # noqa: E402

PASSWORD = "Outage-bench-9-password"
SEED = f"""
from soapify.accounts.models import User
u = User(username="outage", role="doctor", email="outage@example.org")
u.set_password("{PASSWORD}")
u.save()
"""


class Poller(threading.Thread):
    """GETs ``path`` in a loop on one keep-alive connection; records (time, status, error code)."""

    def __init__(self, port: int, path: str, headers: dict | None = None, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.port, self.path, self.headers, self.interval = port, path, headers or {}, interval
        self.samples: list[tuple[float, int, str]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            t = time.monotonic()
            try:
                conn.request("GET", self.path, headers=self.headers)
                response = conn.getresponse()
                body = response.read()
                code = ""
                if response.status >= 400:
                    try:
                        data = json.loads(body)
                        checks = data.get("checks", {})  # /readyz: the checks that failed
                        code = (
                            data["error"]["code"]
                            if "error" in data
                            else "down:"
                            + ",".join(name for name, c in checks.items() if c["status"] == "down")
                        )
                    except (ValueError, KeyError, TypeError, AttributeError):
                        code = "?"
                self.samples.append((t, response.status, code))
            except (OSError, http.client.HTTPException):
                self.samples.append((t, 0, "connection_error"))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.stop.wait(self.interval)
        conn.close()

    def first(self, after: float, status: int) -> float | None:
        return next((t for t, s, _ in self.samples if t >= after and s == status), None)

    def between(self, start: float, end: float) -> Counter:
        return Counter(f"{s} {c}".strip() for t, s, c in self.samples if start <= t < end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--down", type=float, default=10.0, help="seconds the database stays down")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="soapify-outage-"))
    # removed after pgserver's own exit handler (registered later, so run earlier), which locks a file there
    atexit.register(shutil.rmtree, data_dir, True)
    os.environ["XDG_RUNTIME_DIR"] = str(data_dir / "run")  # as settings.py sets it: same socket dir
    env = bench_env(data_dir, READY_CHECKS="database,cache,broker", READY_CHECK_TIMEOUT="2")
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v0")  # starts the embedded PostgreSQL in data_dir/pg
        manage(env, "shell", "-c", SEED)
        import pgserver
        from pgserver._commands import pg_ctl

        server = pgserver.get_server(data_dir / "pg", cleanup_mode=None)
        web = Gunicorn(env, workers=2)
        try:
            bearer = {"Authorization": f"Bearer {token(web.port, 'outage', PASSWORD)}"}
            ready = Poller(web.port, "/readyz")
            api = Poller(web.port, "/api/encounters/", bearer)
            ready.start()
            api.start()
            cycles = []
            for _ in range(args.cycles):
                time.sleep(3)
                stop_at = time.monotonic()
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
                stopped_at = time.monotonic()
                time.sleep(args.down)
                start_at = time.monotonic()
                with server._lock:
                    server.ensure_postgres_running()
                started_at = time.monotonic()
                time.sleep(5)
                ready_down = ready.first(stop_at, 503)
                ready_up = ready.first(started_at, 200)
                api_up = api.first(started_at, 200)
                cycles.append(
                    {
                        "stop_seconds": round(stopped_at - stop_at, 2),
                        "start_seconds": round(started_at - start_at, 2),
                        "readyz_503_after_stop_s": round(ready_down - stop_at, 2) if ready_down else None,
                        "readyz_200_after_start_s": round(ready_up - started_at, 2) if ready_up else None,
                        "api_200_after_start_s": round(api_up - started_at, 2) if api_up else None,
                        "readyz_during_outage": dict(ready.between(stopped_at, start_at)),
                        "api_during_outage": dict(api.between(stop_at, started_at)),
                    }
                )
            ready.stop.set()
            api.stop.set()
            ready.join()
            api.join()
        finally:
            web.stop()
        api_seen = Counter()
        for c in cycles:
            api_seen.update(c["api_during_outage"])

        def med(key: str) -> float | None:
            values = [c[key] for c in cycles if c[key] is not None]
            return round(statistics.median(values), 2) if values else None

        print(
            json.dumps(
                {
                    "bench": "db_outage",
                    "cycles": args.cycles,
                    "down_seconds": args.down,
                    "readyz_503_after_stop_s_median": med("readyz_503_after_stop_s"),
                    "readyz_200_after_start_s_median": med("readyz_200_after_start_s"),
                    "api_200_after_start_s_median": med("api_200_after_start_s"),
                    "api_responses_during_outage": dict(api_seen),
                    "api_500s_during_outage": sum(n for k, n in api_seen.items() if k.startswith("500")),
                    "per_cycle": cycles,
                }
            )
        )
    finally:
        if server is not None:
            try:
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
            except Exception as exc:  # already stopped
                print(f"stopping the bench database: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()

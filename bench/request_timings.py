"""Overhead of the request-timing middleware: bench/api.py's set-up (10,000 encounters, gunicorn,
2 workers, 8 clients), two servers on one database and one Redis cache, one with the middleware
and one without (ANALYTICS_REQUEST_TIMINGS=false), alternating in short phases (ABBA) so that the
noise of a shared machine falls on both alike. Prints per-round ratios (with / without) for the
encounter list and the ping view, median and range. Needs Redis on 127.0.0.1:6379 (db 7): without it
the middleware records nothing.

    .venv/bin/python bench/request_timings.py [--rounds 10] [--phase 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._service import Gunicorn, bench_env, load, manage, token  # noqa: E402
from bench.api import SEED  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--rounds", type=int, default=10)
parser.add_argument("--phase", type=float, default=3.0, help="seconds of each phase")
args = parser.parse_args()
ROUNDS, PHASE, CLIENTS = args.rounds, args.phase, 8
data_dir = Path(tempfile.mkdtemp(prefix="soapify-bench-timings-"))
env = bench_env(data_dir, REDIS_URL="redis://127.0.0.1:6379/7", CELERY_BROKER_URL="filesystem://")
env["ANALYTICS_REQUEST_TIMINGS"] = "true"
env["RATE_LIMITS_ENABLED"] = "false"  # the same for both servers: no 429 in the way
servers = {}
try:
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "shell", "-c", SEED.replace("{n}", "10000"))
    servers["on"] = Gunicorn(env, workers=2)
    servers["off"] = Gunicorn({**env, "ANALYTICS_REQUEST_TIMINGS": "false"}, workers=2)
    auth = {"Authorization": f"Bearer {token(servers['on'].port, 'benchdoc', 'Bench-Pass-123')}"}
    for s in servers.values():
        load(s.port, "/api/ping/", clients=CLIENTS, seconds=1)
        load(s.port, "/api/encounters/", clients=CLIENTS, seconds=2, headers=auth)
    results = {(v, p): [] for v in ("on", "off") for p in ("list", "ping")}
    for i in range(ROUNDS):
        order = [("on", "list"), ("off", "list"), ("on", "ping"), ("off", "ping")]
        for variant, page in order if i % 2 == 0 else reversed(order):
            path, headers = ("/api/encounters/", auth) if page == "list" else ("/api/ping/", None)
            r = load(servers[variant].port, path, clients=CLIENTS, seconds=PHASE, headers=headers)
            assert not r.errors, r.summary()
            results[(variant, page)].append(r.rps)
finally:
    for s in servers.values():
        s.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
out = {}
for page in ("list", "ping"):
    ratios = [a / b for a, b in zip(results[("on", page)], results[("off", page)], strict=True)]
    out[page] = {
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "rps_with_median": round(statistics.median(results[("on", page)]), 1),
        "rps_without_median": round(statistics.median(results[("off", page)]), 1),
        "rounds": len(ratios),
    }
print(json.dumps({"bench": "request_timings_overhead", **out}))

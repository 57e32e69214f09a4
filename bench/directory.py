"""Patient directory benchmark (issue 15): search with the ``local`` engine at 100,000 patients.

A fresh data folder (embedded PostgreSQL), 100,000 synthetic patients (Persian and English names
drawn from two small name lists, seeded random; references ``HB-000001``..., 10-digit national ids)
imported with ``manage.py import_directory`` (timed). Queries, a fixed mix: a reference prefix, a
full reference, a national id, one name word, a first+last name, a two-letter name prefix (the
broadest), Persian and English alike. Figures:

* engine: ``LocalDirectory.search`` run in-process, every query of the mix in turn (one thread);
* API: ``GET /api/integrations/patients/search/?q=`` through gunicorn (2 workers, JWT, audited),
  4 clients cycling through the mix;
each for ``--seconds`` per run, 3 runs: p50/p95/p99 per run, median and range over runs; the median
per query (engine); the plans of a name and a reference-prefix query. One JSON line on stdout. The
per-user rate limit is off (``RATE_LIMITS_ENABLED=false``): it is not what is measured.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._service import Gunicorn, bench_env, manage, request, stop_embedded_postgres, token  # noqa: E402

FIRST = [
    "علی",
    "محمد",
    "حسین",
    "رضا",
    "مهدی",
    "سارا",
    "مریم",
    "زهرا",
    "فاطمه",
    "نرگس",
    "امیر",
    "لیلا",
    "John",
    "Mary",
    "David",
    "Sara",
    "Ali",
    "Maryam",
    "Reza",
    "Leila",
    "Nima",
    "Emma",
    "Omid",
    "Hana",
]
LAST = ["احمدی", "رضایی", "کریمی", "محمدی", "حسینی", "موسوی", "جعفری", "نوری", "صادقی", "کاظمی", "قاسمی",
        "Smith", "Brown", "Carter", "Ahmadi", "Rezaei", "Karimi", "Moradi", "Sadeghi", "Nouri", "Jones"]  # fmt: skip
QUERIES = [
    "HB-0421",
    "HB-042133",
    "{nid}",
    "کریمی",
    "سارا احمدی",
    "Carter",
    "Nima Sadeghi",
    "مح",
    "Jo",
    "HB-09",
]

ENGINE_SCRIPT = r"""
import json, time
from soapify.integrations.directory.local import LocalDirectory
queries = json.loads(QUERIES_JSON)
engine = LocalDirectory()
for q in queries:
    engine.search(q, limit=20)
runs, per_query = [], {q: [] for q in queries}
for _ in range(3):
    lat, stop = [], time.perf_counter() + SECONDS
    while time.perf_counter() < stop:
        for q in queries:
            t0 = time.perf_counter()
            engine.search(q, limit=20)
            lat.append((time.perf_counter() - t0) * 1000)
            per_query[q].append(lat[-1])
    runs.append(lat)
from django.contrib.postgres.search import SearchQuery
from soapify.integrations.models import DirectoryPatient
names = SearchQuery("'کریمی':*", search_type="raw", config="simple")
name_query = DirectoryPatient.objects.filter(search=names).order_by("name_search", "ref")[:20]
ref_query = DirectoryPatient.objects.filter(ref__gte="HB-09", ref__lt="HB-09\U0010ffff").order_by("ref")[:20]
plan = " | ".join([name_query.explain(), ref_query.explain()]).replace("\n", " | ")
medians = {q: round(sorted(v)[len(v) // 2], 2) for q, v in per_query.items()}
print("RESULT" + json.dumps({"runs": runs, "plan": plan, "per_query_p50_ms": medians, "counts": [len(engine.search(q, limit=20)) for q in queries]}))
"""


def pct(values: list[float], p: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))] if data else 0.0


def summary(runs: list[list[float]]) -> dict:
    out: dict = {"requests_per_run": [len(r) for r in runs]}
    for p in (50, 95, 99):
        per_run = [round(pct(r, p), 2) for r in runs]
        out[f"p{p}_ms"] = {
            "median": round(statistics.median(per_run), 2),
            "range": [min(per_run), max(per_run)],
        }
    return out


def make_csv(path: Path, n: int) -> str:
    rng = random.Random(15)
    first_nid = ""
    with path.open("w", encoding="utf-8") as fh:
        fh.write("ref,full_name,national_id,birth_date,sex\n")
        for i in range(1, n + 1):
            nid = f"{rng.randrange(10**9, 10**10):010d}"
            first_nid = first_nid or nid
            year, month, day = rng.randrange(1930, 2025), rng.randrange(1, 13), rng.randrange(1, 29)
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            fh.write(
                f"HB-{i:06d},{name},{nid},{year}-{month:02d}-{day:02d},{rng.choice(['female', 'male'])}\n"
            )
    return first_nid


def api_load(
    port: int, access: str, queries: list[str], seconds: float, clients: int = 4
) -> tuple[list[float], int]:
    stop = time.perf_counter() + seconds
    lat: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    headers = {"Authorization": f"Bearer {access}"}

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        k = i
        while time.perf_counter() < stop:
            path = "/api/integrations/patients/search/?q=" + urllib.parse.quote(queries[k % len(queries)])
            k += 1
            t0 = time.perf_counter()
            status, _ = request("GET", port, path, headers=headers, conn=conn)
            lat[i].append((time.perf_counter() - t0) * 1000)
            errors[i] += status != 200
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for per in lat for x in per], sum(errors)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per run (3 runs each)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and its server")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="soapify-bench-directory-"))
    # the per-user rate limit (600 reads/min by default) is not what is measured here
    env = bench_env(
        data_dir,
        DEMO_DOCTOR_PASSWORD="Bench-Pass-123",
        PATIENT_DIRECTORY_ENGINE="local",
        RATE_LIMITS_ENABLED="false",
    )
    server = None
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        csv_path = data_dir / "patients.csv"
        nid = make_csv(csv_path, args.patients)
        queries = [q.format(nid=nid) for q in QUERIES]
        t0 = time.perf_counter()
        manage(env, "import_directory", str(csv_path))
        import_s = time.perf_counter() - t0
        manage(env, "shell", "-c", "from django.db import connection; connection.cursor().execute('ANALYZE')")
        script = ENGINE_SCRIPT.replace("QUERIES_JSON", repr(json.dumps(queries))).replace(
            "SECONDS", str(args.seconds)
        )
        out = manage(env, "shell", "-c", script)
        engine = json.loads(out.split("RESULT", 1)[1])
        server = Gunicorn(env, workers=2)
        access = token(server.port, "doctor01", "Bench-Pass-123")
        api_load(server.port, access, queries, 2.0)  # warm-up
        api_runs, api_errors = [], 0
        for _ in range(3):
            lat, errs = api_load(server.port, access, queries, args.seconds)
            api_runs.append(lat)
            api_errors += errs
        print(
            json.dumps(
                {
                    "bench": "directory",
                    "patients": args.patients,
                    "import_seconds": round(import_s, 1),
                    "queries": queries,
                    "results_per_query": engine["counts"],
                    "engine": summary(engine["runs"]),
                    "engine_p50_ms_per_query": engine["per_query_p50_ms"],
                    "api_4_clients": {**summary(api_runs), "errors": api_errors},
                    "plans_name_and_reference": engine["plan"],
                },
                ensure_ascii=False,
            )
        )
    finally:
        if server:
            server.stop()
        if args.keep:
            print(f"kept {data_dir}", file=sys.stderr)
        else:
            stop_embedded_postgres(data_dir / "pg")
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

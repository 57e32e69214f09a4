"""API benchmark: the encounter list (authenticated, page of 20, 10,000 encounters) against a trivial
unauthenticated JSON view (the framework's ceiling), under gunicorn with 2 workers, 8 clients each.

Each list request authenticates its token (one query), reads the count and the page, and writes its
audit row in its own transaction, synchronously committed. Target: list p99 < 100 ms, and every
list request served has its audit row; the ratio of the list's req/s to the ceiling's is reported.
The two loads alternate in short phases (``--rounds``), so that the noise of a shared machine
falls on both alike.

Rate limits (docs/RATE-LIMITS.md): ``--rate-limits on`` (default) counts every request at a rate no
load here reaches; ``off`` turns them off (``RATE_LIMITS_ENABLED=false``); ``compare`` serves the list
from a second server without them as well, alternating with the first in the same rounds, and
reports the overhead of the limits (1 - req/s with / req/s without) per round: median and range.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._service import Gunicorn, LoadResult, bench_env, load, manage, token  # noqa: E402

SEED = """
from soapify.accounts.models import User
from soapify.encounters.models import Encounter
u = User(username="benchdoc", role="doctor"); u.set_password("Bench-Pass-123"); u.save()
Encounter.objects.bulk_create([Encounter(doctor=u, patient_ref=f"HS-{i:05d}", context="OPD") for i in range({n})],
                              batch_size=2000)
from django.db import connection
with connection.cursor() as cur:
    cur.execute("VACUUM ANALYZE encounters_encounter")  # what autovacuum does shortly after a bulk load
print(Encounter.objects.count())
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encounters", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=10.0, help="per view, split over --rounds")
    ap.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="alternate the two views this many times (ABBA order), so that a slow spell of a shared "
        "machine hits both alike",
    )
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument(
        "--redis", default="", help="REDIS_URL for the shared cache (production set-up); default: file cache"
    )
    ap.add_argument("--rate-limits", choices=["on", "off", "compare"], default="on")
    args = ap.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="soapify-bench-api-"))
    env = bench_env(
        data_dir, **({"REDIS_URL": args.redis, "CELERY_BROKER_URL": "filesystem://"} if args.redis else {})
    )
    unreachable = ",".join(f"{scope}=1000000000/min" for scope in ("read", "write", "upload", "heavy"))
    env["RATE_LIMIT_PROFILE_DEFAULT"] = unreachable
    env["RATE_LIMITS_ENABLED"] = "false" if args.rate_limits == "off" else "true"
    server = unlimited = None
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "shell", "-c", SEED.replace("{n}", str(args.encounters)))
        server = Gunicorn(env, workers=2)
        if args.rate_limits == "compare":
            unlimited = Gunicorn({**env, "RATE_LIMITS_ENABLED": "false"}, workers=2)
        auth = {"Authorization": f"Bearer {token(server.port, 'benchdoc', 'Bench-Pass-123')}"}
        load(server.port, "/api/ping/", clients=args.clients, seconds=2)  # warm-up
        warm = load(server.port, "/api/encounters/", clients=args.clients, seconds=2, headers=auth)
        if unlimited:
            warm_off = load(unlimited.port, "/api/encounters/", clients=args.clients, seconds=2, headers=auth)
        phase = args.seconds / args.rounds
        ceilings, listings, unlimited_listings = [], [], []
        for i in range(args.rounds):
            order = ["ping", "list", *(["list_off"] if unlimited else [])]
            for which in order if i % 2 == 0 else reversed(order):
                if which == "ping":
                    ceilings.append(load(server.port, "/api/ping/", clients=args.clients, seconds=phase))
                else:
                    port = server.port if which == "list" else unlimited.port  # type: ignore[union-attr]
                    runs = listings if which == "list" else unlimited_listings
                    runs.append(
                        load(port, "/api/encounters/", clients=args.clients, seconds=phase, headers=auth)
                    )
        ceiling, listing = LoadResult.merge(ceilings), LoadResult.merge(listings)
        server.stop()
        server = None
        if unlimited:
            unlimited.stop()
            unlimited = None
        audited = int(
            manage(
                env,
                "shell",
                "-c",
                "from soapify.core.models import AuditLog; "
                "print(AuditLog.objects.filter(path='/api/encounters/', action='list').count())",
            ).split()[-1]
        )
    finally:
        for running in (server, unlimited):
            if running:
                running.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    served = warm.requests + listing.requests
    rate_limits: dict = {"mode": args.rate_limits}
    if unlimited_listings:
        served += warm_off.requests + sum(r.requests for r in unlimited_listings)
        overheads = [
            1 - on.rps / off.rps for on, off in zip(listings, unlimited_listings, strict=True) if off.rps
        ]
        without = LoadResult.merge(unlimited_listings)
        rate_limits.update(
            overhead_median=round(statistics.median(overheads), 4),
            overhead_min=round(min(overheads), 4),
            overhead_max=round(max(overheads), 4),
            overhead_merged=round(1 - listing.rps / without.rps, 4) if without.rps else None,
            list_without_rate_limits=without.summary(),
        )

    ratio = listing.rps / ceiling.rps if ceiling.rps else 0
    print(f"ceiling  GET /api/ping/        {ceiling.summary()}")
    print(f"list     GET /api/encounters/  {listing.summary()}")
    print(f"ratio list/ceiling req/s: {ratio:.2f}; list p99 {listing.pct(99):.1f} ms (target < 100)")
    print(f"audit rows of the list requests: {audited} of {served} served (every one must be there)")
    if unlimited_listings:
        print(
            f"rate-limit overhead on the list req/s: median {rate_limits['overhead_median']:.1%} "
            f"(range {rate_limits['overhead_min']:.1%} .. {rate_limits['overhead_max']:.1%}, "
            f"{len(unlimited_listings)} rounds; target <= 5%)"
        )
    print(
        json.dumps(
            {
                "bench": "api",
                "encounters": args.encounters,
                "clients": args.clients,
                "ceiling": ceiling.summary(),
                "encounter_list": listing.summary(),
                "ratio": round(ratio, 3),
                "rate_limits": rate_limits,
                "audit_rows": audited,
                "list_requests_served": served,
                "targets_met": listing.pct(99) < 100 and audited == served and not listing.errors,
            }
        )
    )


if __name__ == "__main__":
    main()

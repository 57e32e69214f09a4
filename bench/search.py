"""Search benchmark (issue 14): 100,000 transcript segments of 50 doctors in a fresh database.

Data: the utterances of the ACI-BENCH and MTS-Dialog TRAIN dialogues (one dialogue = one encounter,
one utterance = one typed segment), dealt to 50 doctors (~2,000 segments each); the 20 ACI-BENCH
VALID dialogues are encounters of doctor 0 besides its train ones. No test set is read.

Figures:
* build: bulk insert of the segments, MiniLM vectors of the distinct texts in batches, every
  encounter indexed with ``services.encounter_reindex`` (GIN and HNSW built after the load), index
  size (``pg_total_relation_size`` of the search tables), and reindex throughput of 100 encounters
  with the index in place, with the vectors computed and with them already cached (no embedding);
* latency: ``GET /api/search/`` (hybrid) and ``GET /api/search/suggestions/`` through gunicorn (2
  workers, JWT), 8 clients each a different doctor, queries and prefixes from the ACI-BENCH VALID
  notes; the same ranking SQL run directly (8 threads, query vectors cached); 3 runs, median and range;
* quality: recall@10 (the source encounter among the top 10 hits) of queries written from the VALID
  reference-note sentences, full text only, vector only and hybrid, searched as doctor 0; the
  queries are split in two by a hash: ``tune`` (used to pick settings) and ``held-out`` (reported);
* freshness: seconds from a PUT of a segment's text to that text being found by the API, with a
  real Celery worker running;
* the plan of the vector list (HNSW or an exact scan of the doctor's rows) and that it is exact.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: E402

from bench._service import PY, Gunicorn, bench_env, manage, request, stop_embedded_postgres, token  # noqa: E402

DATA = Path("/work/shared/data")
ACI_TRAIN = DATA / "aci-bench" / "train.csv"
ACI_VALID = DATA / "aci-bench" / "valid.csv"
MTS_TRAIN = DATA / "mts-dialog" / "MTS-Dialog-TrainingSet.csv"
PASSWORD = "Bench-Pass-123"
_LABEL = re.compile(
    r"^\s*\[?(doctor|patient|guest_family|guest_clinician|patient_guest|[A-Za-z_]+)\]?\s*:?\s*", re.I
)
_WORDS = re.compile(r"[a-z][a-z'-]+")


def pct(values: list[float], p: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))] if data else 0.0


# --- data -------------------------------------------------------------------------------------------
def _rows(path: Path) -> list[dict]:
    csv.field_size_limit(10**9)
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def utterances(dialogue: str) -> list[tuple[str, str]]:
    """``(speaker, text)`` of each non-empty line of a dialogue (``[doctor] ...`` or ``Doctor: ...``)."""
    out = []
    for line in dialogue.splitlines():
        m = _LABEL.match(line)
        speaker, text = (m.group(1).lower(), line[m.end() :]) if m else ("", line)
        text = " ".join(text.split())
        if text:
            out.append((speaker[:32], text))
    return out


def note_sentences(note: str) -> list[str]:
    """Sentences of a reference note (headings and short lines dropped)."""
    out = []
    for para in note.splitlines():
        for sent in re.split(r"(?<=[.!?])\s+", para.strip()):
            if len(sent.split()) >= 6 and not sent.isupper():
                out.append(sent)
    return out


def content_words(sentence: str) -> list[str]:
    return [w for w in _WORDS.findall(sentence.lower()) if w not in ENGLISH_STOP_WORDS and len(w) > 2]


def sentence_query(sentence: str) -> str:
    """What a doctor would type to find the visit a note sentence came from: its first five
    content words (no stop words), in order."""
    return " ".join(content_words(sentence)[:5])


def latency_queries(valid: list[dict]) -> list[str]:
    """Words and 2-3 word phrases of content words from the VALID notes, shuffled, distinct."""
    seen: dict[str, None] = {}
    for row in valid:
        for sent in note_sentences(row["note"]):
            words = content_words(sent)
            for n in (1, 2, 3):
                for i in range(0, len(words) - n + 1, n):
                    seen[" ".join(words[i : i + n])] = None
    out = list(seen)
    random.Random(7).shuffle(out)
    return out


def split_of(text: str) -> str:
    return "tune" if int(hashlib.sha256(text.encode()).hexdigest(), 16) % 2 == 0 else "held-out"


# --- build ------------------------------------------------------------------------------------------
def build(args, doctors: int, segments: int) -> dict:
    """Users, encounters and segments in bulk, then the index; returns the build figures."""
    from django.db import connection, transaction

    from soapify.accounts.models import User
    from soapify.encounters.models import Encounter
    from soapify.search import services
    from soapify.search.models import SearchUnit
    from soapify.search.selectors import index_embedder
    from soapify.stt.models import TranscriptSegment

    train = [utterances(r["dialogue"]) for r in _rows(ACI_TRAIN)] + [
        utterances(r["dialogue"]) for r in _rows(MTS_TRAIN)
    ]
    train = [d for d in train if d]
    valid = _rows(ACI_VALID)
    users = []
    for i in range(doctors):
        u = User(username=f"doc{i:02d}", role="doctor")
        u.set_unusable_password()
        users.append(u)
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="doc").order_by("username"))
    for u in users[: args.clients]:
        u.set_password(PASSWORD)
        u.save(update_fields=["password"])

    rng = random.Random(42)
    plan: list[tuple[User, str, list[tuple[str, str]]]] = []
    per_doctor = segments // doctors
    for u in users:
        n = 0
        while n < per_doctor:
            dialogue = rng.choice(train)
            plan.append((u, f"TR-{len(plan):06d}", dialogue))
            n += len(dialogue)
    valid_refs = {}
    for row in valid:
        valid_refs[f"VA-{row['encounter_id']}"] = row
        plan.append((users[0], f"VA-{row['encounter_id']}", utterances(row["dialogue"])))

    t0 = time.perf_counter()
    with transaction.atomic():
        encounters = Encounter.objects.bulk_create(
            [Encounter(doctor=u, patient_ref=ref, context="OPD", language="en") for u, ref, _ in plan],
            batch_size=2000,
        )
        segs = []
        for enc, (_, _, lines) in zip(encounters, plan, strict=True):
            for i, (speaker, text) in enumerate(lines):
                segs.append(
                    TranscriptSegment(
                        encounter=enc, source="typed", index=i, start=i * 5.0, end=i * 5.0 + 5, text=text,
                        speaker=speaker,
                    )
                )  # fmt: skip
        TranscriptSegment.objects.bulk_create(segs, batch_size=5000)
    insert_s = time.perf_counter() - t0
    n_segments = len(segs)
    print(
        f"build: {len(users)} doctors, {len(encounters)} encounters, {n_segments} segments inserted in {insert_s:.1f} s"
    )

    # Vectors of the distinct texts in batches (they fill the embedder's cache, which the reindex
    # below then reads: the engine computes each distinct text once, as a long-running worker would).
    embedder = index_embedder()
    distinct = list(dict.fromkeys(s.text for s in segs))
    if len(distinct) > embedder._cache.maxsize:  # the cache must hold every distinct text
        from cachetools import LRUCache

        embedder._cache = LRUCache(maxsize=len(distinct) + 1000)
    t0 = time.perf_counter()
    for i in range(0, len(distinct), 1024):
        embedder.encode(distinct[i : i + 1024], batch_size=64)
    embed_s = time.perf_counter() - t0
    print(
        f"build: {len(distinct)} distinct texts embedded in {embed_s:.1f} s ({len(distinct) / embed_s:.0f} texts/s)"
    )

    # Bulk load with the GIN and HNSW indexes dropped, then built once.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_searchunit' "
            "AND indexname IN ('search_unit_tsv', 'search_unit_embedding')"
        )
        defs = cur.fetchall()
        for name, _ in defs:
            cur.execute(f'DROP INDEX "{name}"')
    t0 = time.perf_counter()
    for n, enc in enumerate(encounters, 1):
        services.encounter_reindex(encounter=enc)
        if n % 1000 == 0:
            print(
                f"build: {n}/{len(encounters)} encounters indexed ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
    reindex_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for _, sql in defs:
            cur.execute(sql)
        cur.execute("VACUUM ANALYZE search_searchunit")
        cur.execute("VACUUM ANALYZE search_searchterm")
    index_s = time.perf_counter() - t0
    units = SearchUnit.objects.count()
    print(
        f"build: {units} units indexed by encounter_reindex in {reindex_s:.1f} s ({units / reindex_s:.0f} segments/s, "
        f"vectors cached), GIN + HNSW built in {index_s:.1f} s"
    )
    return {
        "doctors": len(users),
        "encounters": len(encounters),
        "segments": n_segments,
        "units": units,
        "insert_s": round(insert_s, 1),
        "embed_distinct_texts": len(distinct),
        "embed_texts_per_s": round(len(distinct) / embed_s, 1),
        "bulk_reindex_segments_per_s_vectors_cached": round(units / reindex_s, 1),
        "index_build_s": round(index_s, 1),
        "valid_refs": list(valid_refs),
    }


def index_size() -> dict:
    """Sizes of the search tables and their indexes, and the total per 100,000 indexed units."""
    from django.db import connection

    from soapify.search.models import SearchUnit

    units = SearchUnit.objects.count()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_total_relation_size('search_searchunit'), pg_relation_size('search_searchunit'), "
            "pg_total_relation_size('search_searchterm'), pg_relation_size('search_unit_embedding'), "
            "pg_relation_size('search_unit_tsv')"
        )
        unit_total, unit_heap, term_total, hnsw, gin = cur.fetchone()
    size = {
        "units": units,
        "search_searchunit_total_mb": round(unit_total / 2**20, 1),
        "search_searchunit_heap_mb": round(unit_heap / 2**20, 1),
        "hnsw_mb": round(hnsw / 2**20, 1),
        "gin_mb": round(gin / 2**20, 1),
        "search_searchterm_total_mb": round(term_total / 2**20, 1),
        "total_mb": round((unit_total + term_total) / 2**20, 1),
    }
    size["total_mb_per_100k_segments"] = round(size["total_mb"] * 100_000 / max(units, 1), 1)
    print(f"index size: {size}")
    return size


def reindex_throughput(user) -> dict:
    """The reindex job's own work (``services.encounter_reindex``) on 100 encounters of ``user``
    with every index in place: with the vectors computed (embedder cache emptied) and cached."""
    from soapify.encounters.models import Encounter
    from soapify.search import services
    from soapify.search.selectors import index_embedder

    sample = list(Encounter.objects.filter(doctor=user).order_by("id")[:100])
    embedder = index_embedder()
    with embedder._lock:
        embedder._cache.clear()
    throughput = {}
    for label in ("with_embeddings", "vectors_cached"):
        t0 = time.perf_counter()
        n = sum(services.encounter_reindex(encounter=e) for e in sample)
        throughput[label] = round(n / (time.perf_counter() - t0), 1)
    print(f"reindex throughput (100 encounters, {n} segments, indexes in place): {throughput} segments/s")
    return throughput


# --- plan -------------------------------------------------------------------------------------------
def vector_plan(user, query: str) -> dict:
    """EXPLAIN of the vector list as the selector runs it, and whether it returned every row an
    exact scan of the doctor's rows within the distance bound gives."""
    from django.conf import settings
    from django.db import connection

    from soapify.search import selectors

    vector = selectors._query_vector(query)
    params = {
        "owner": user.pk,
        "v": vector,
        "max_distance": settings.SEARCH_VECTOR_MAX_DISTANCE,
        "k": selectors.CANDIDATES,
    }
    sql = """SELECT id, d FROM (SELECT u.id, u.embedding <=> %(v)s::vector AS d FROM search_searchunit u
             WHERE u.owner_id = %(owner)s AND u.embedding IS NOT NULL
             ORDER BY d, u.id LIMIT %(k)s) vec WHERE d < %(max_distance)s"""
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
        plan = [r[0] for r in cur.fetchall()]
        cur.execute(sql, params)
        got = [r[0] for r in cur.fetchall()]
        cur.execute("SET enable_indexscan = off")
        cur.execute(
            """SELECT u.id FROM search_searchunit u WHERE u.owner_id = %(owner)s AND u.embedding IS NOT NULL
               AND u.embedding <=> %(v)s::vector < %(max_distance)s ORDER BY u.embedding <=> %(v)s::vector, u.id
               LIMIT %(k)s""",
            params,
        )
        exact = [r[0] for r in cur.fetchall()]
        cur.execute("RESET enable_indexscan")
    uses_hnsw = any("search_unit_embedding" in line for line in plan)
    print("vector list plan:\n  " + "\n  ".join(plan))
    print(f"vector list: HNSW used: {uses_hnsw}; {len(got)} rows, same as the exact scan: {got == exact}")
    return {"uses_hnsw": uses_hnsw, "rows": len(got), "same_as_exact": got == exact, "plan": plan}


# --- quality ----------------------------------------------------------------------------------------
def recall(user, queries: list[tuple[str, int]], modes: frozenset[str]) -> float:
    from soapify.search import selectors
    from soapify.search.models import SearchUnit

    found = 0
    for q, encounter_id in queries:
        top = [
            i
            for i, _ in selectors.search_ranked(user=user, query=q, filters=selectors.Filters(), modes=modes)[
                :10
            ]
        ]
        encs = set(SearchUnit.objects.filter(pk__in=top).values_list("encounter_id", flat=True))
        found += encounter_id in encs
    return round(found / len(queries), 3) if queries else 0.0


def quality(user, valid_refs: list[str], tune: bool) -> dict:
    from django.conf import settings

    from soapify.encounters.models import Encounter
    from soapify.search import selectors

    ids = dict(
        Encounter.objects.filter(doctor=user, patient_ref__in=valid_refs).values_list("patient_ref", "id")
    )
    queries: dict[str, list[tuple[str, int]]] = {"tune": [], "held-out": []}
    for row in _rows(ACI_VALID):
        for sent in note_sentences(row["note"]):
            q = sentence_query(sent)
            if len(q.split()) >= 3:
                queries[split_of(sent)].append((q, ids[f"VA-{row['encounter_id']}"]))
    text, vector, both = frozenset({"text"}), frozenset({"vector"}), selectors.MODES
    out: dict = {"queries": {k: len(v) for k, v in queries.items()}}
    default = {"rrf_k": selectors.RRF_K, "max_distance": settings.SEARCH_VECTOR_MAX_DISTANCE}
    held = queries["held-out"]

    def held_out() -> dict:
        return {
            "full_text": recall(user, held, text),
            "vector": recall(user, held, vector),
            "hybrid": recall(user, held, both),
        }

    out["recall_at_10_held_out_default"] = {**default, **held_out()}
    print(f"recall@10, held-out half ({len(held)} queries), {out['recall_at_10_held_out_default']}")
    best = default
    if tune:
        grid = []
        for rrf_k in (60,):  # 10, 30 and 60 gave the same recall on a 4,000-segment trial
            for distance in (0.6, 0.7, 0.8, 1.0):
                selectors.RRF_K, settings.SEARCH_VECTOR_MAX_DISTANCE = rrf_k, distance
                grid.append(
                    {"rrf_k": rrf_k, "max_distance": distance, "hybrid": recall(user, queries["tune"], both)}
                )
                print(f"tune half: {grid[-1]}")
        out["tune_grid"] = grid
        top = max(grid, key=lambda g: g["hybrid"])
        best = {"rrf_k": top["rrf_k"], "max_distance": top["max_distance"]}
        selectors.RRF_K, settings.SEARCH_VECTOR_MAX_DISTANCE = best["rrf_k"], best["max_distance"]
        out["recall_at_10_held_out_tuned"] = {**best, **held_out()}
        print(f"recall@10, held-out half, tuned on the other: {out['recall_at_10_held_out_tuned']}")
    out["chosen"] = best
    return out


# --- latency ----------------------------------------------------------------------------------------
def mixed(items: list[str], repeat_share: float, seed: int) -> list[tuple[str, bool]]:
    """A client's request sequence: each of ``items`` once (first-time: nobody asked it before, no
    cache holds its vector), and between them, with probability ``repeat_share`` per request, a
    repeat of one of this client's earlier items (what a cache can answer). ``(item, first_time)``."""
    rng = random.Random(seed)
    out: list[tuple[str, bool]] = []
    for n, item in enumerate(items):
        out.append((item, True))
        while n and rng.random() < repeat_share:
            out.append((items[rng.randrange(n + 1)], False))
    return out


def http_load(
    port: int, paths: list[list[tuple[str, bool]]], seconds: float, headers: list[dict]
) -> tuple[dict[str, list[float]], int]:
    """One keep-alive client per sequence of ``(path, first_time)`` (each with its own headers),
    sent in order (a sequence used up starts again: every request after that is a repeat).
    Latencies split by ``first`` and ``repeat``."""
    stop = time.perf_counter() + seconds
    lat: list[dict[str, list[float]]] = [{"first": [], "repeat": []} for _ in paths]
    errs = [0] * len(paths)

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        j = 0
        while time.perf_counter() < stop:
            path, first = paths[i][j % len(paths[i])]
            first = first and j < len(paths[i])
            j += 1
            t0 = time.perf_counter()
            try:
                status, _ = request("GET", port, path, headers=headers[i], conn=conn)
            except (OSError, http.client.HTTPException):
                errs[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            lat[i]["first" if first else "repeat"].append((time.perf_counter() - t0) * 1000)
            errs[i] += status != 200
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(paths))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {k: [x for per in lat for x in per[k]] for k in ("first", "repeat")}, sum(errs)


def direct_load(users, queries: list[list[str]], seconds: float) -> list[float]:
    """The view's two statements (ranking, then the page's rows and snippets) run in-process, the
    query vectors already computed (this measures the SQL, not the model)."""
    from django.db import connection

    from soapify.search import selectors

    stop = time.perf_counter() + seconds
    lat: list[list[float]] = [[] for _ in queries]

    def worker(i: int) -> None:
        j = 0
        while time.perf_counter() < stop:
            q = queries[i][j % len(queries[i])]
            j += 1
            t0 = time.perf_counter()
            ranked = selectors.search_ranked(user=users[i], query=q, filters=selectors.Filters())
            selectors.search_hits(ids=[u for u, _ in ranked[:20]], query=q)
            lat[i].append((time.perf_counter() - t0) * 1000)
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(queries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for per in lat for x in per]


def direct_suggest(users, prefixes: list[list[str]], seconds: float) -> list[float]:
    """The suggestions selector run in-process, one thread per client."""
    from django.db import connection

    from soapify.search import selectors

    stop = time.perf_counter() + seconds
    lat: list[list[float]] = [[] for _ in prefixes]

    def worker(i: int) -> None:
        j = 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            selectors.search_suggestions(user=users[i], prefix=prefixes[i][j % len(prefixes[i])], limit=10)
            j += 1
            lat[i].append((time.perf_counter() - t0) * 1000)
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(prefixes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for per in lat for x in per]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(pct(values, 50), 1), "p95_ms": round(pct(values, 95), 1)}


def spread(runs: list[dict], key: str) -> dict:
    vals = [r[key] for r in runs]
    return {
        "median": round(statistics.median(vals), 1),
        "min": round(min(vals), 1),
        "max": round(max(vals), 1),
    }


# --- freshness --------------------------------------------------------------------------------------
def freshness(port: int, auth: dict, user, edits: int) -> list[float]:
    from soapify.stt.models import TranscriptSegment

    segs = list(TranscriptSegment.objects.filter(encounter__doctor=user).order_by("id")[: edits + 1])
    out = []
    for n, seg in enumerate(segs):
        word = f"zyxquark{n}{random.Random(n).randrange(10**6)}"
        body = {"text": f"{seg.text} {word}"}
        t0 = time.perf_counter()
        status, data = request("PUT", port, f"/api/stt/transcript/segment/{seg.pk}/", body, auth)
        if status != 200:
            raise RuntimeError(f"segment edit: {status} {data[:300]!r}")
        while True:
            status, data = request("GET", port, f"/api/search/?q={word}", headers=auth)
            if status == 200 and json.loads(data)["count"]:
                break
            if time.perf_counter() - t0 > 120:
                raise RuntimeError("the edit was not searchable within 120 s")
            time.sleep(0.02)
        if n:  # the first edit warms the worker (engine loaded), as a production worker is
            out.append(time.perf_counter() - t0)
    return out


# --- profile ----------------------------------------------------------------------------------------
#: where a request's time goes: (label, module file suffix, function name) read from cProfile's
#: cumulative times (a function's own time plus what it calls)
_STAGES = [
    ("whole request (Django handler)", "core/handlers/base.py", "get_response"),
    ("middleware before/after the view", "", ""),
    ("authentication (JWT + session query)", "accounts/authentication.py", "get_user"),
    ("throttle (shared-cache counter)", "accounts/throttles.py", "allow_request"),
    ("query vector (cache or model)", "search/selectors.py", "_query_vector"),
    ("  of it: the model", "core/embeddings.py", "_embed"),
    ("ranking SQL (search_ranked)", "search/selectors.py", "search_ranked"),
    ("page rows + ts_headline (search_hits)", "search/selectors.py", "search_hits"),
    ("ranking + page rows in one (search_page)", "search/selectors.py", "search_page"),
    ("analytics log write (search_log)", "search/services.py", "search_log"),
    ("suggestions SQL (search_suggestions)", "search/selectors.py", "search_suggestions"),
    ("audit row write (audit_record)", "core/audit.py", "audit_record"),
    ("transaction commit", "django/db/backends/base/base.py", "commit"),
    ("JSON rendering", "rest_framework/renderers.py", "render"),
    ("serializers (params + hits)", "rest_framework/serializers.py", "data"),
]


def profile_requests(user, token_value: str, n: int) -> dict:
    """cProfile of ``n`` hybrid searches (first-time queries), ``n`` repeated ones and ``n``
    suggestion requests through Django's full request path (middleware, DRF, view), in process;
    milliseconds per request spent in each stage."""
    import cProfile
    import pstats

    from django.test import Client

    from soapify.search.selectors import index_embedder

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_value}")
    queries = [q for q in latency_queries(_rows(ACI_VALID)) if len(q) > 8][-n * 3 :]
    prefixes = list(dict.fromkeys(q.split()[0][:4] for q in queries))[:n]
    client.get("/api/search/", {"q": "warm up the model"})
    client.get("/api/search/suggestions/", {"q": "wa"})
    with index_embedder()._lock:
        index_embedder()._cache.clear()
    out = {}
    kinds = {
        "search_first_time": [("/api/search/", {"q": q}) for q in queries[:n]],
        "search_repeated": [("/api/search/", {"q": q}) for q in queries[:n]],
        "suggestions": [("/api/search/suggestions/", {"q": p}) for p in prefixes],
    }
    for kind, requests in kinds.items():
        prof = cProfile.Profile()
        walls = []
        for path, params in requests:
            t0 = time.perf_counter()
            prof.enable()
            response = client.get(path, params)
            prof.disable()
            walls.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content[:300]
        stats = pstats.Stats(prof).stats  # {(file, line, func): (cc, nc, tt, ct, callers)}
        per: dict[str, float] = {}
        for label, suffix, func in _STAGES:
            if not suffix:
                continue
            ct = sum(v[3] for (f, _, fn), v in stats.items() if f.endswith(suffix) and fn == func)
            per[label] = round(ct * 1000 / len(requests), 2)
        view = sum(
            v[3]
            for (f, _, fn), v in stats.items()
            if f.endswith("rest_framework/views.py") and fn == "dispatch"
        )
        per["middleware before/after the view"] = round(
            per["whole request (Django handler)"] - view * 1000 / len(requests), 2
        )
        per["wall ms per request (profiled, median)"] = round(statistics.median(walls), 2)
        out[kind] = per
        print(f"profile, {kind} ({len(requests)} requests), ms per request:")
        for label, ms in per.items():
            print(f"  {label:45s} {ms:8.2f}")
        top = pstats.Stats(prof)
        top.sort_stats("tottime").print_stats(12)
    # without the profiler, on other queries: the web process's own CPU per request (PostgreSQL's
    # is spent in its backend process and not counted here)
    unprofiled = {
        "search_first_time": [("/api/search/", {"q": q}) for q in queries[n : 2 * n]],
        "search_repeated": [("/api/search/", {"q": q}) for q in queries[n : 2 * n]],
        "suggestions": [("/api/search/suggestions/", {"q": p[:3]}) for p in prefixes],
    }
    for kind, requests in unprofiled.items():
        cpu, wall = [], []
        for path, params in requests:
            c0, t0 = time.process_time(), time.perf_counter()
            client.get(path, params)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)
        out[kind]["unprofiled web CPU ms (median)"] = round(statistics.median(cpu), 2)
        out[kind]["unprofiled wall ms (median)"] = round(statistics.median(wall), 2)
        print(
            f"unprofiled, {kind}: web process CPU {statistics.median(cpu):.2f} ms, wall {statistics.median(wall):.2f} ms"
        )
    return out


def explain(user, queries: list[str]) -> None:
    """EXPLAIN ANALYZE of the ranking statement for ``queries`` as ``user`` (vectors computed first)."""
    from django.db import connection

    from soapify.search import selectors

    for q in queries:
        sql, params = selectors._ranking(
            user=user, query=q, filters=selectors.Filters(), modes=selectors.MODES
        )
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            lines = [r[0] for r in cur.fetchall()]
        print(f"--- EXPLAIN ANALYZE, query {q!r}:\n  " + "\n  ".join(lines))


BUILD_VERSION = 2  # bump when what build() writes changes: an older snapshot is then not reused


def forget_queries(redis_url: str) -> None:
    """A reused snapshot starts as a fresh one would: no past queries (suggestions, analytics), no
    cached query vectors (every query of this run is first-time until it repeats)."""
    from soapify.search.models import SearchQueryLog

    SearchQueryLog.objects.all().delete()
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match="*search:qvec:*", count=1000))
        if keys:
            client.delete(*keys)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--doctors", type=int, default=50)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10.0, help="per run and load")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--tune", action="store_true", help="also search RRF k and distance on the tune half")
    ap.add_argument(
        "--data-dir",
        type=Path,
        help="the bench's data folder (database), kept: a finished build of the same size there is "
        "reused (default: var/bench/search-<segments>x<doctors>)",
    )
    ap.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/11",
        help="REDIS_URL of the shared cache (throttle counters, query vectors) as in production; '' = file cache",
    )
    ap.add_argument(
        "--repeat-share", type=float, default=0.5, help="chance of a repeated query between new ones"
    )
    ap.add_argument(
        "--web-workers", type=int, default=2, help="gunicorn worker processes (make run: GUNICORN_WORKERS, 2)"
    )
    ap.add_argument("--no-quality", action="store_true", help="skip recall@10 (latency only)")
    ap.add_argument("--no-freshness", action="store_true")
    ap.add_argument("--no-reindex", action="store_true", help="skip the reindex throughput figure")
    ap.add_argument("--explain", nargs="*", help="only EXPLAIN ANALYZE the ranking of these queries")
    ap.add_argument(
        "--profile", type=int, default=0, help="only profile this many requests of each kind, in process"
    )
    args = ap.parse_args()

    started = time.time()
    load_before = os.getloadavg()
    data_dir = (args.data_dir or ROOT / "var" / "bench" / f"search-{args.segments}x{args.doctors}").resolve()
    marker = data_dir / "bench-build.json"
    key = {
        "segments": args.segments,
        "doctors": args.doctors,
        "clients": args.clients,
        "version": BUILD_VERSION,
    }
    snapshot = json.loads(marker.read_text()) if marker.exists() else None
    if snapshot is not None and snapshot["key"] != key:
        raise SystemExit(f"{data_dir} holds another build ({snapshot['key']}): pass another --data-dir")
    if snapshot is None and data_dir.exists() and any(data_dir.iterdir()):
        raise SystemExit(f"{data_dir} holds no finished build: stop its database and delete it first")
    data_dir.mkdir(parents=True, exist_ok=True)
    extra = {"CELERY_TASK_ALWAYS_EAGER": "0"}
    if args.redis:
        extra.update(REDIS_URL=args.redis, CELERY_BROKER_URL="filesystem://")
    env = bench_env(data_dir, **extra)
    # the throttle runs (its cost is part of every request) but never refuses the bench's clients
    env["RATE_LIMIT_PROFILE_DEFAULT"] = ",".join(
        f"{s}=1000000000/min" for s in ("read", "write", "upload", "heavy")
    )
    server = worker = None
    fresh_fig: dict = {}
    qual: dict = {}
    try:
        manage(env, "migrate", "--noinput", "-v0")
        os.environ.update(env)
        os.environ["SOAPIFY_TORCH_THREADS"] = "2"  # the bulk load's own embedder (servers keep the default)
        import django

        django.setup()
        from soapify.accounts.models import User
        from soapify.search.selectors import index_embedder

        if snapshot is None:
            figures = build(args, args.doctors, args.segments)
            marker.write_text(json.dumps({"key": key, "figures": figures}))
        else:
            figures = {**snapshot["figures"], "reused_snapshot": str(data_dir)}
            print(f"build: reusing the snapshot in {data_dir} (built with {figures})")
        valid_refs = figures.pop("valid_refs")
        users = list(User.objects.filter(username__startswith="doc").order_by("username"))
        forget_queries(args.redis)
        if args.explain:
            explain(users[0], args.explain)
            return
        if args.profile:
            from soapify.accounts.tokens import session_start, tokens_for

            _, refresh = session_start(user=users[0])
            print(json.dumps(profile_requests(users[0], tokens_for(refresh)["access"], args.profile)))
            return
        figures["size"] = index_size()
        if not args.no_reindex:
            figures["reindex_segments_per_s"] = reindex_throughput(users[1])
        plan = vector_plan(users[0], "shortness of breath when climbing stairs")
        if not args.no_quality:
            qual = quality(users[0], valid_refs, args.tune)
        forget_queries(args.redis)  # the quality queries are not in the latency mix, but be sure

        valid = _rows(ACI_VALID)
        recall_queries = {sentence_query(s) for row in valid for s in note_sentences(row["note"])}
        queries = [q for q in latency_queries(valid) if q not in recall_queries]
        prefixes = list(
            dict.fromkeys(w[:n] for q in queries for w in q.split()[:1] for n in (2, 3, 4, 5) if len(w) > n)
        )
        random.Random(3).shuffle(prefixes)
        index_embedder().encode(queries, batch_size=64)  # the direct runs measure SQL, not the model
        clients = args.clients
        if qual:
            env["SEARCH_VECTOR_MAX_DISTANCE"] = str(qual["chosen"]["max_distance"])
        server = Gunicorn(env, workers=args.web_workers)
        auths = [
            {"Authorization": f"Bearer {token(server.port, u.username, PASSWORD)}"} for u in users[:clients]
        ]

        def slices(items: list[str], run: int) -> list[list[str]]:
            per = len(items) // (clients * (args.runs + 1))  # a slice per run and one for the warm-up
            return [items[(run * clients + i) * per : (run * clients + i + 1) * per] for i in range(clients)]

        def paths(items: list[str], base: str, run: int, repeat_share: float) -> list[list[tuple[str, bool]]]:
            return [
                [
                    (f"{base}?{urllib.parse.urlencode({'q': q})}", first)
                    for q, first in mixed(sl, repeat_share, i)
                ]
                for i, sl in enumerate(slices(items, run))
            ]

        http_load(
            server.port, paths(queries, "/api/search/", args.runs, 0.5), 3, auths
        )  # warm-up (models loaded)
        http_load(server.port, paths(prefixes, "/api/search/suggestions/", args.runs, 0.0), 2, auths)
        runs = []
        for run in range(args.runs):
            search_lat, search_err = http_load(
                server.port, paths(queries, "/api/search/", run, args.repeat_share), args.seconds, auths
            )
            direct_lat = direct_load(users[:clients], slices(queries, run), args.seconds)
            sugg_lat, sugg_err = http_load(
                server.port, paths(prefixes, "/api/search/suggestions/", run, 0.0), args.seconds, auths
            )
            sugg_direct = direct_suggest(users[:clients], slices(prefixes, run), args.seconds / 2)
            both = search_lat["first"] + search_lat["repeat"]
            s, d = summary(both), summary(direct_lat)
            sf, sr = summary(search_lat["first"]), summary(search_lat["repeat"])
            g, gd = summary(sugg_lat["first"] + sugg_lat["repeat"]), summary(sugg_direct)
            runs.append(
                {
                    "search_p50_ms": s["p50_ms"], "search_p95_ms": s["p95_ms"], "search_requests": s["n"],
                    "search_first_p50_ms": sf["p50_ms"], "search_first_p95_ms": sf["p95_ms"],
                    "search_repeat_p50_ms": sr["p50_ms"], "search_repeat_p95_ms": sr["p95_ms"],
                    "search_first_share": round(sf["n"] / max(s["n"], 1), 2),
                    "search_errors": search_err, "direct_p50_ms": d["p50_ms"], "direct_p95_ms": d["p95_ms"],
                    "direct_runs": d["n"], "suggest_p50_ms": g["p50_ms"], "suggest_p95_ms": g["p95_ms"],
                    "suggest_requests": g["n"], "suggest_errors": sugg_err,
                    "suggest_direct_p50_ms": gd["p50_ms"], "suggest_direct_p95_ms": gd["p95_ms"],
                    # first-time queries: what a doctor typing a new question waits for
                    "p95_ratio_api_to_sql": round(sf["p95_ms"] / d["p95_ms"], 2) if d["p95_ms"] else None,
                    "suggest_p95_ratio_api_to_sql": round(g["p95_ms"] / gd["p95_ms"], 2) if gd["p95_ms"] else None,
                    "load_avg_1m": round(os.getloadavg()[0], 1),
                }
            )  # fmt: skip
            print(f"latency run {run + 1}: {runs[-1]}", flush=True)
        latency = {
            key: spread(runs, key)
            for key in runs[0]
            if key.endswith(("_ms", "ratio_api_to_sql", "_share", "load_avg_1m"))
        }
        latency["errors"] = sum(r["search_errors"] + r["suggest_errors"] for r in runs)
        print(f"latency over {args.runs} runs (median, min, max): {latency}")

        if not args.no_freshness:
            # the search index's jobs run on the background queue (settings.JOB_QUEUES), served as
            # make run serves it: a process of its own at the lowest CPU priority
            from django.conf import settings

            queue = settings.JOB_BACKGROUND_QUEUE or "default"
            worker = subprocess.Popen(
                ["nice", "-n", "19", PY, "-m", "celery", "-A", "soapify", "worker", "-Q", queue,
                 "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
                 "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            fresh = freshness(server.port, auths[1], users[1], args.edits)
            fresh_fig = {
                "edits": len(fresh),
                "median_s": round(statistics.median(fresh), 2),
                "max_s": round(max(fresh), 2),
            }
            print(f"freshness (PUT segment -> found by /api/search/, worker running): {fresh_fig}")
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
        if server:
            server.stop()
        from django.db import connections

        connections.close_all()
        stop_embedded_postgres(data_dir / "pg")
    load_after = os.getloadavg()
    reported = qual.get("recall_at_10_held_out_tuned") or qual.get("recall_at_10_held_out_default") or {}
    result = {
        "bench": "search",
        **figures,
        "vector_plan": {k: v for k, v in plan.items() if k != "plan"},
        "quality": qual,
        "latency": latency,
        "freshness": fresh_fig,
        "load_avg_1m": [round(load_before[0], 1), round(load_after[0], 1)],
        "seconds": round(time.time() - started),
        "targets_met": {
            "search_p95_le_50ms": latency["search_first_p95_ms"]["median"] <= 50,  # first-time queries
            "suggest_p95_le_20ms": latency["suggest_p95_ms"]["median"] <= 20,
            "freshness_le_2s": fresh_fig.get("max_s", 99) <= 2 if fresh_fig else None,
            "hybrid_beats_both": reported["hybrid"] > max(reported["full_text"], reported["vector"])
            if reported
            else None,
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

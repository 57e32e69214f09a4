"""MiniLM embedder speed, runtime against runtime in one process: a single short query (what search
embeds per request) and a batch of 100 real sentences (what a visit's checklist embeds).

    .venv/bin/python bench/embedder_speed.py [--repeat 30]

Runtimes: ``before`` (sentence-transformers on torch in batches of 64, the embedder as it was up to
2026-12-06), ``torch`` (the same model now: inference mode, small length-sorted batches) and
``onnx`` (onnxruntime on the verified export, ``soapify.core.embeddings``, float32) and
``onnx-int8`` (its int8 copy, one text per run: the default since 2026-12-06). One thread each
(``SOAPIFY_TORCH_THREADS``); the per-text cache is bypassed, so every figure is a real forward pass.
Times are CPU seconds of this process (fairer than wall time on a shared machine) and wall time;
each row gives median, min and max, with the load average before and after. The 100 sentences are
ACI-BENCH *train* turns' sentences chosen by hash; rows of every runtime are compared with
``before`` (minimum cosine). Last line: ``{"bench": "embedder_speed", ...}``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")
os.environ.setdefault("SOAPIFY_TORCH_THREADS", "1")

QUERIES = [
    "chest pain",
    "shortness of breath",
    "metformin dose",
    "knee injury",
    "allergic to penicillin",
    "blood pressure follow up",
    "headache for three days",
    "diabetic foot exam",
    "ear infection in a child",
    "lower back pain",
    "smoking history",
    "thyroid results",
]


def sentences(n: int) -> list[str]:
    data = Path(os.environ.get("SOAPIFY_SHARED_DATA", ROOT.parent / "shared" / "data"))
    csv.field_size_limit(10_000_000)
    with (data / "aci-bench" / "train.csv").open(newline="", encoding="utf-8") as fh:
        turns = [
            re.sub(r"^\[\w+\]\s*", "", line)
            for row in csv.DictReader(fh)
            for line in row["dialogue"].splitlines()
        ]
    pool = {s.strip() for t in turns for s in re.split(r"(?<=[.?!])\s+", t) if len(s.split()) >= 2}
    return sorted(pool, key=lambda s: hashlib.sha1(s.encode()).hexdigest())[:n]


def clock(fn) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000


def summary(rows: list[tuple[float, float]]) -> dict:
    out = {}
    for k, name in ((1, "cpu_ms"), (0, "wall_ms")):
        vals = [r[k] for r in rows]
        out[name] = [round(statistics.median(vals), 2), round(min(vals), 2), round(max(vals), 2)]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="single-query runs per runtime")
    parser.add_argument("--batches", type=int, default=5, help="100-sentence batch runs per runtime")
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np
    import torch

    from soapify.core.embeddings import SentenceTransformerEmbedder
    from tests.embedding_reference import ReferenceEmbedder

    torch.set_num_threads(1)
    batch = sentences(100)
    before_embedder = ReferenceEmbedder()

    def before(texts: list[str]) -> np.ndarray:  # the code as it was: encode(..., batch_size=64), no cache
        return before_embedder._embed(texts, 64)

    runtimes = {"before": before}
    for name, runtime, quantized in (
        ("torch", "torch", False),
        ("onnx", "onnx", False),
        ("onnx-int8", "onnx", True),
    ):
        try:
            emb = SentenceTransformerEmbedder(runtime=runtime, quantized=quantized)
        except Exception as exc:  # noqa: BLE001 - a runtime that is not available here is reported
            print(f"{name}: unavailable ({exc})")
            continue
        runtimes[name] = lambda texts, e=emb: e._embed(texts, e.batch_size)

    load_before = os.getloadavg()
    reference = before(batch)
    figures: dict = {"bench": "embedder_speed", "sentences": len(batch), "load_before": load_before}
    for name, embed in runtimes.items():
        embed(["warm up"])
        single = [
            clock(lambda q=q, embed=embed: embed([q]))
            for _ in range(max(1, args.repeat // len(QUERIES)))
            for q in QUERIES
        ]
        many = [clock(lambda embed=embed: embed(batch)) for _ in range(args.batches)]
        cosine = float((np.asarray(embed(batch)) * reference).sum(axis=1).min())
        figures[name] = {
            "single_query": summary(single),
            "batch_100": summary(many),
            "min_cosine_vs_before": round(cosine, 7),
        }
        s, b = figures[name]["single_query"], figures[name]["batch_100"]
        print(
            f"{name:<9} single query CPU {s['cpu_ms'][0]} ms ({s['cpu_ms'][1]}-{s['cpu_ms'][2]}), wall {s['wall_ms'][0]} ms; "
            f"100 sentences CPU {b['cpu_ms'][0]} ms ({b['cpu_ms'][1]}-{b['cpu_ms'][2]}), wall {b['wall_ms'][0]} ms; "
            f"min cosine vs before {cosine:.7f}"
        )
    figures["load_after"] = os.getloadavg()
    print(f"load average before {load_before}, after {figures['load_after']}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

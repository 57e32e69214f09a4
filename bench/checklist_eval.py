"""Checklist evaluator bench: accuracy on weak labels derived from data, on hand labels, and speed.

    .venv/bin/python bench/checklist_eval.py [--calibrate] [--verbose] [--keywords-only] [--no-timing]
    .venv/bin/python bench/checklist_eval.py --compare   # timing only: the embedder before/after

Two label sets:

* **derived** (the headline figures): MTS-Dialog *valid* snippets labelled by their section
  headers and ACI-BENCH *valid* visits labelled by the sections of their reference notes
  (``scripts/train_checklist_labels.py``; derivation in ``docs/CHECKLIST-QUALITY.md``). Labels are
  covered/missing only; a ``partial`` or ``unclear`` prediction counts as wrong in ``accuracy`` and
  as "not missing" in ``binary_accuracy``.
* **hand**: ``bench/data/checklist_labels.jsonl`` (ACI-BENCH train, one unblinded labeller; see
  ``CHECKLIST_LABELS.md``).

``--calibrate`` fits the classifier's thresholds on the derived labels of the *training* splits'
tuning parts (never the valid sets, never the held-out fifth) and prints the grid. Dialogues come
from ``../shared/data`` (override with ``SOAPIFY_SHARED_DATA``). Prints accuracy, per-status
precision/recall, the confusion matrix, the time to evaluate 50 items against a ~1,500-word
transcript on one core, and a final ``{"bench": "checklist", ...}`` line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")

LABELS = ROOT / "bench" / "data" / "checklist_labels.jsonl"
STATUSES = ("covered", "partial", "missing", "unclear")


def data_dir() -> Path:
    return Path(os.environ.get("SOAPIFY_SHARED_DATA", ROOT.parent / "shared" / "data"))


def load_dialogues(path: Path) -> dict[str, str]:
    csv.field_size_limit(10_000_000)
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["encounter_id"]: row["dialogue"] for row in csv.DictReader(fh)}


def load_cases() -> list[dict]:
    with LABELS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def predict(evaluator, dialogues: dict[str, str], cases: list[dict]) -> list[dict]:
    """Evaluate each dialogue once with every item it is labelled for; return cases + predictions."""
    from soapify.checklist.starter import catalog_by_key, item_spec
    from soapify.core.transcript import parse_dialogue

    catalog = catalog_by_key()
    by_encounter: dict[str, list[dict]] = defaultdict(list)
    for case in cases:
        by_encounter[case["encounter_id"]].append(case)
    out = []
    for enc, enc_cases in by_encounter.items():
        transcript = parse_dialogue(dialogues[enc])
        items = [item_spec(catalog[c["item"]]) for c in enc_cases]
        for case, result in zip(enc_cases, evaluator.evaluate(transcript, items), strict=True):
            out.append({**case, "predicted": result.status, "result": result})
    return out


def predict_derived(evaluator, cases: list[dict]) -> list[dict]:
    """Evaluate each case's dialogue with the starter items it has weak labels for."""
    from soapify.checklist.starter import catalog_by_key, item_spec
    from soapify.core.transcript import parse_dialogue

    catalog = catalog_by_key()
    out = []
    for case in cases:
        keys = sorted(case["labels"])
        if not keys:
            continue
        results = evaluator.evaluate(parse_dialogue(case["dialogue"]), [item_spec(catalog[k]) for k in keys])
        for key, result in zip(keys, results, strict=True):
            out.append(
                {
                    "encounter_id": case["key"],
                    "source": case["source"],
                    "item": key,
                    "expected": case["labels"][key],
                    "predicted": result.status,
                    "result": result,
                }
            )
    return out


def derived_cases(split: str) -> list[dict]:
    """``valid``: MTS-Dialog valid + ACI-BENCH valid; ``train``: the tuning parts of both train files."""
    from train_checklist_labels import aci_cases, mts_cases

    if split == "valid":
        return mts_cases("MTS-Dialog-ValidationSet.csv") + aci_cases("valid.csv")
    cases = mts_cases("MTS-Dialog-TrainingSet.csv") + aci_cases("train.csv")
    return [c for c in cases if c["split"] == "tune"]


def binary_accuracy(rows: list[dict]) -> float:
    """Missing versus anything else (partial/unclear count as "the visit touched it")."""
    if not rows:
        return 0.0
    ok = sum((r["predicted"] == "missing") == (r["expected"] == "missing") for r in rows)
    return round(ok / len(rows), 3)


def metrics(rows: list[dict]) -> dict:
    n = len(rows)
    correct = sum(r["predicted"] == r["expected"] for r in rows)
    per_status = {}
    for s in STATUSES:
        tp = sum(r["predicted"] == s and r["expected"] == s for r in rows)
        pred = sum(r["predicted"] == s for r in rows)
        gold = sum(r["expected"] == s for r in rows)
        per_status[s] = {
            "precision": round(tp / pred, 3) if pred else None,
            "recall": round(tp / gold, 3) if gold else None,
            "support": gold,
            "predicted": pred,
        }
    missed_as_covered = sum(r["expected"] == "missing" and r["predicted"] == "covered" for r in rows)
    return {
        "n": n,
        "accuracy": round(correct / n, 3) if n else 0.0,
        "per_status": per_status,
        "missing_reported_covered": missed_as_covered,
        "confusion": dict(Counter(f"{r['expected']}->{r['predicted']}" for r in rows)),
    }


def print_metrics(title: str, m: dict) -> None:
    print(f"\n{title}: n={m['n']} accuracy={m['accuracy']}")
    print(f"  {'status':<9} {'prec':>6} {'recall':>6} {'gold':>5} {'pred':>5}")
    for s, v in m["per_status"].items():
        p = "-" if v["precision"] is None else f"{v['precision']:.3f}"
        r = "-" if v["recall"] is None else f"{v['recall']:.3f}"
        print(f"  {s:<9} {p:>6} {r:>6} {v['support']:>5} {v['predicted']:>5}")
    print(f"  missing reported as covered: {m['missing_reported_covered']}")
    print(f"  confusion (expected->predicted): {m['confusion']}")


def _clock(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``fn()``; on a shared machine the CPU time is
    the fairer figure for "one core"."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def timing(evaluator, dialogues: dict[str, str]) -> dict:
    """Seconds to evaluate 50 items against a ~1,500-word transcript (one thread).

    * cold caches: the item prototypes and the transcript embedded from scratch (median of 3);
    * new transcript: items already seen (prototype embeddings cached, as in a running server),
      a transcript never seen before (median over 3 transcripts);
    * repeat: the same transcript again (every embedding cached).
    """
    from soapify.checklist.starter import CATALOG_ITEMS, item_spec
    from soapify.core.transcript import parse_dialogue

    specs = [item_spec(i) for i in CATALOG_ITEMS]
    while len(specs) < 50:  # pad with re-titled copies so the item cache cannot help them
        base = specs[len(specs) % len(CATALOG_ITEMS)]
        specs.append(
            replace(base, id=f"{base.id}_copy{len(specs)}", title=f"{base.title} (copy {len(specs)})")
        )
    specs = specs[:50]
    words = {enc: len(d.split()) for enc, d in dialogues.items()}
    encs = sorted(words, key=lambda e: abs(words[e] - 1500))[:4]
    texts = [parse_dialogue(dialogues[e]) for e in encs]
    embedder = getattr(evaluator, "_get_embedder", lambda: None)() if evaluator.semantic else None
    warmup = parse_dialogue("[doctor] hello , how are you today ?\n[patient] fine , thank you .")
    evaluator.evaluate(warmup, specs[:1])  # load the model outside the timing

    def clear() -> None:
        if embedder is not None and hasattr(embedder, "_cache"):
            embedder._cache.clear()
        if hasattr(evaluator, "_compiled"):
            evaluator._compiled.clear()

    cold = []
    for _ in range(3):
        clear()
        cold.append(_clock(lambda: evaluator.evaluate(texts[0], specs)))
    new = [_clock(lambda t=t: evaluator.evaluate(t, specs)) for t in texts[1:4]]
    repeat = _clock(lambda: evaluator.evaluate(texts[1], specs))

    def med(rows: list[tuple[float, float]], k: int) -> float:
        return round(statistics.median(r[k] for r in rows), 3)

    return {
        "timing_items": len(specs),
        "timing_words": [words[e] for e in encs],
        "seconds_cold_caches": med(cold, 0),
        "seconds_new_transcript": med(new, 0),
        "seconds_repeat": round(repeat[0], 3),
        "cpu_seconds_cold_caches": med(cold, 1),
        "cpu_seconds_new_transcript": med(new, 1),
    }


def before_embedder():
    """The MiniLM embedder as it was before 2026-12-06 (sentence-transformers on torch, batches of
    64, per-text cache): the "before" of ``--compare``."""
    from tests.embedding_reference import ReferenceEmbedder

    return ReferenceEmbedder()


def compare_timing(dialogues: dict[str, str], rounds: int = 2) -> dict:
    """``timing`` of the evaluator with the embedder as it was, as it is (``after``: onnxruntime
    where the export exists) and on torch (``after_torch``: without onnxruntime), alternated
    ``rounds`` times in this process; medians and ranges of the per-round medians."""
    from soapify.checklist.engines.rules import RulesEvaluator
    from soapify.core.embeddings import SentenceTransformerEmbedder

    evaluators = {
        "before": RulesEvaluator(embedder=before_embedder()),
        "after": RulesEvaluator(),
        "after_torch": RulesEvaluator(embedder=SentenceTransformerEmbedder(runtime="torch")),
    }
    after = evaluators["after"]
    runs: dict[str, list[dict]] = {name: [] for name in evaluators}
    for _ in range(rounds):
        for name, evaluator in evaluators.items():
            runs[name].append(timing(evaluator, dialogues))
    out = {"load": os.getloadavg(), "runtime_after": getattr(after._get_embedder(), "runtime", "")}
    for name, rows in runs.items():
        for key in ("cpu_seconds_new_transcript", "seconds_new_transcript", "cpu_seconds_cold_caches"):
            vals = [r[key] for r in rows]
            out[f"{name}_{key}"] = [round(statistics.median(vals), 3), min(vals), max(vals)]
    return out


def calibrate(dialogues: dict[str, str], cases: list[dict]) -> None:
    """The classifier's thresholds on the training splits' derived labels (tuning parts only)."""
    from soapify.checklist.engines.rules import RulesEvaluator

    train = derived_cases("train")
    mts = [c for c in train if c["source"] == "mts"]
    train = [c for c in train if c["source"] == "aci"] + mts[::3]  # a third of the snippets: time
    print(
        f"\ncalibration on {len(train)} training visits/snippets "
        "(cover, partial -> accuracy, missing recall, binary accuracy):"
    )
    for cover in (0.45, 0.5, 0.55, 0.6):
        for part in (0.3, 0.35, 0.4, 0.45, 0.5):
            if part > cover:
                continue
            ev = RulesEvaluator(topic_cover_threshold=cover, topic_partial_threshold=part)
            rows = predict_derived(ev, train)
            m = metrics(rows)
            print(
                f"  {cover:.2f} {part:.2f}: accuracy={m['accuracy']} "
                f"missing_recall={m['per_status']['missing']['recall']} binary={binary_accuracy(rows)}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print every wrong case")
    parser.add_argument("--keywords-only", action="store_true", help="RulesEvaluator(semantic=False)")
    parser.add_argument("--no-topics", action="store_true", help="RulesEvaluator(topics=False): rules 1.1")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument(
        "--compare", action="store_true", help="only the timing, embedder before 2026-12-06 against now"
    )
    parser.add_argument(
        "--before-embedder",
        action="store_true",
        help="accuracy with the embedder as it was before 2026-12-06",
    )
    args = parser.parse_args()

    train = data_dir() / "aci-bench" / "train.csv"
    if not train.exists():
        print(f"checklist bench: {train} not found; skipping.")
        print(json.dumps({"bench": "checklist", "skipped": True, "reason": "data absent"}))
        return 0

    import django
    import torch

    django.setup()
    torch.set_num_threads(1)
    from soapify.checklist.engines.rules import RulesEvaluator

    dialogues = load_dialogues(train)
    if args.compare:
        print(f"load average {os.getloadavg()}")
        figures = {"bench": "checklist_timing_compare", **compare_timing(dialogues)}
        for k, v in figures.items():
            print(f"  {k}: {v}")
        print(json.dumps(figures))
        return 0
    cases = load_cases()
    evaluator = RulesEvaluator(
        semantic=not args.keywords_only,
        topics=not args.no_topics,
        embedder=before_embedder() if args.before_embedder else None,
    )
    derived_rows = predict_derived(evaluator, derived_cases("valid"))
    dm = metrics(derived_rows)
    print_metrics("derived labels, MTS-Dialog valid + ACI-BENCH valid", dm)
    print(f"  binary accuracy (missing vs not): {binary_accuracy(derived_rows)}")
    parts = {}
    for name, sel in (
        ("mts", lambda r: r["source"] == "mts"),
        ("aci", lambda r: r["source"] == "aci"),
    ):
        sub = [r for r in derived_rows if sel(r)]
        sm = metrics(sub)
        parts[name] = {
            "n": sm["n"],
            "accuracy": sm["accuracy"],
            "missing_recall": sm["per_status"]["missing"]["recall"],
        }
        print(f"  {name}: {parts[name]}")
    per_item: dict[str, list[dict]] = defaultdict(list)
    for r in derived_rows:
        per_item[r["item"]].append(r)
    print(
        "  per item (n, accuracy):",
        {k: (len(v), metrics(v)["accuracy"]) for k, v in sorted(per_item.items())},
    )
    rows = predict(evaluator, dialogues, cases)
    m = metrics(rows)
    print_metrics("hand labels (ACI-BENCH train, bench/data/checklist_labels.jsonl)", m)
    if args.verbose:
        print("\nwrong derived cases:")
        for r in derived_rows:
            if r["predicted"] != r["expected"]:
                res = r["result"]
                ev = res.evidence_text.replace("\n", " / ")[:120]
                print(
                    f"  {r['encounter_id']} {r['item']:<20} expected={r['expected']:<8} got={r['predicted']:<8}"
                    f" {res.details.get('topic_score')} {res.details.get('reason')} | {ev}"
                )
        print("\nwrong cases:")
        for r in rows:
            if r["predicted"] != r["expected"]:
                res = r["result"]
                ev = res.evidence_text.replace("\n", " / ")[:140]
                print(
                    f"  {r['encounter_id']} {r['item']:<15} expected={r['expected']:<8} got={r['predicted']:<8}"
                    f" sim={res.details.get('similarity')} terms={res.details.get('matched_terms')} | {ev}"
                )
    if args.calibrate:
        calibrate(dialogues, cases)
    t = {} if args.no_timing else timing(evaluator, dialogues)
    if t:
        print(
            f"\ntiming: {t['timing_items']} items, {t['timing_words']} words, one thread: "
            f"cold caches {t['seconds_cold_caches']} s, new transcript {t['seconds_new_transcript']} s, "
            f"repeat {t['seconds_repeat']} s (CPU: cold {t['cpu_seconds_cold_caches']} s, "
            f"new transcript {t['cpu_seconds_new_transcript']} s)"
        )
    figures = {
        "bench": "checklist",
        "engine": f"{evaluator.name}-{evaluator.version}",
        "embedder_runtime": getattr(evaluator._get_embedder(), "runtime", "") if evaluator.semantic else "",
        "semantic": evaluator.semantic,
        "topics": evaluator.topics,
        "derived_cases": dm["n"],
        "derived_accuracy": dm["accuracy"],
        "derived_binary_accuracy": binary_accuracy(derived_rows),
        "derived_missing_recall": dm["per_status"]["missing"]["recall"],
        "derived_parts": parts,
        "cases": m["n"],
        "accuracy": m["accuracy"],
        "missing_recall": m["per_status"]["missing"]["recall"],
        "missing_reported_covered": m["missing_reported_covered"],
        "per_status": {
            s: {k: v[k] for k in ("precision", "recall", "support")} for s, v in m["per_status"].items()
        },
        **t,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

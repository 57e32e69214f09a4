"""Train the checklist's section classifier (``soapify/checklist/data/checklist_sections.npz``).

    .venv/bin/python scripts/train_checklist.py [--folds 5]

Training signal: MTS-Dialog's *training* file. Every snippet is labelled by its section header
(folded into ``topics.SECTIONS``); the snippet is cut into question→answer units and statements
exactly as the evaluator cuts a visit (``topics.segments``), each segment becomes one example with
the snippet's section (weight 1/segments, so each snippet weighs 1), and the whole snippet one more.
Features: all-MiniLM-L6-v2 vectors (mean of the segment's sentences). Model: multinomial logistic
regression, balanced class weights, ``C`` chosen by k-fold cross-validation on the tuning part.

A fifth of the snippets (``train_checklist_labels.split_of``) is held out: not used to fit or to
choose ``C``; its accuracy is printed once at the end and stored in the artifact's metadata.
Retrain after changing ``topics.segments``, the section list or the embedder; then run
``bench/checklist_eval.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")


def build_examples(cases: list[dict], encode) -> tuple:
    import numpy as np

    from soapify.checklist.engines.topics import HEADER_TO_SECTION, SECTIONS, segment_vectors, segments
    from soapify.core.transcript import parse_dialogue

    xs, ys, ws, groups = [], [], [], []
    for g, case in enumerate(cases):
        section = HEADER_TO_SECTION[case["header"]]
        segs = segments(parse_dialogue(case["dialogue"]))
        if not segs:
            continue
        vecs = segment_vectors(encode, segs)
        whole = vecs.mean(axis=0)
        whole /= max(float(np.linalg.norm(whole)), 1e-9)
        for v in [*vecs, whole]:
            xs.append(v)
            ys.append(SECTIONS.index(section))
            groups.append(g)
        ws.extend([1.0 / len(segs)] * len(segs) + [1.0])
    return np.array(xs), np.array(ys), np.array(ws), np.array(groups)


def fit(x, y, w, c: float):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    model.fit(x, y, sample_weight=w)
    return model


def snippet_accuracy(model, x, y, groups) -> float:
    """Accuracy of the whole-snippet example of each snippet (the last row of each group)."""
    import numpy as np

    last = np.r_[groups[1:] != groups[:-1], True]
    return float((model.predict(x[last]) == y[last]).mean())


def segment_accuracy(model, x, y, groups) -> float:
    import numpy as np

    seg = np.r_[groups[1:] == groups[:-1], False]
    return float((model.predict(x[seg]) == y[seg]).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=None, help="keep the embedded examples in this .npz")
    parser.add_argument("--c", type=float, nargs="*", default=[1.0, 2.0, 4.0, 8.0, 16.0])
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np
    import torch
    from sklearn.model_selection import GroupKFold
    from train_checklist_labels import mts_cases

    from soapify.checklist.engines.topics import ARTIFACT, SECTIONS, SectionClassifier
    from soapify.core.embeddings import get_embedder

    os.environ.setdefault("SOAPIFY_TORCH_THREADS", "2")  # the embedder's threads (onnxruntime or torch)
    torch.set_num_threads(max(1, int(os.environ["SOAPIFY_TORCH_THREADS"])))
    embedder = get_embedder("minilm")
    cases = mts_cases("MTS-Dialog-TrainingSet.csv")
    tune = [c for c in cases if c["split"] == "tune"]
    hold = [c for c in cases if c["split"] == "holdout"]
    print(f"MTS-Dialog train: {len(tune)} snippets to fit and tune, {len(hold)} held out")
    print("sections:", dict(Counter(c["header"] for c in tune)))

    if args.cache and args.cache.exists():
        with np.load(args.cache) as cached:
            x, y, w, groups = (cached[k] for k in ("x", "y", "w", "groups"))
            hx, hy, hg = (cached[k] for k in ("hx", "hy", "hg"))
    else:
        x, y, w, groups = build_examples(tune, embedder.encode)
        hx, hy, _, hg = build_examples(hold, embedder.encode)
        if args.cache:
            np.savez(args.cache, x=x, y=y, w=w, groups=groups, hx=hx, hy=hy, hg=hg)
    best = None
    for c in args.c:
        accs = []
        for tr, te in GroupKFold(n_splits=args.folds).split(x, y, groups):
            model = fit(x[tr], y[tr], w[tr], c)
            accs.append(snippet_accuracy(model, x[te], y[te], groups[te]))
        mean = float(np.mean(accs))
        print(f"  C={c}: {args.folds}-fold snippet accuracy {mean:.3f}")
        if best is None or mean > best[1]:
            best = (c, mean)
    assert best is not None
    model = fit(x, y, w, best[0])
    hold_snip = snippet_accuracy(model, hx, hy, hg)
    hold_seg = segment_accuracy(model, hx, hy, hg)
    print(f"held-out fifth: snippet accuracy {hold_snip:.3f}, segment accuracy {hold_seg:.3f}")

    weights = np.zeros((len(SECTIONS), x.shape[1]), dtype=np.float32)
    bias = np.full(len(SECTIONS), -30.0, dtype=np.float32)  # a section never seen is never chosen
    for row, cls in enumerate(model.classes_):
        weights[cls] = model.coef_[row]
        bias[cls] = model.intercept_[row]
    meta = {
        "trained": dt.date.today().isoformat(),
        "data": "MTS-Dialog-TrainingSet.csv (tuning part; a fifth held out by hash)",
        "embedder": getattr(embedder, "model", "all-MiniLM-L6-v2"),
        "C": best[0],
        "cv_snippet_accuracy": round(best[1], 3),
        "holdout_snippet_accuracy": round(hold_snip, 3),
        "holdout_segment_accuracy": round(hold_seg, 3),
        "snippets": len(tune),
    }
    clf = SectionClassifier(weights=weights, bias=bias, sections=SECTIONS, meta=meta)
    out = args.out or ARTIFACT
    clf.save(out)
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    print(json.dumps(meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train the rules engine's two small classifiers over MiniLM embeddings and save them as one .npz.

Vectors come from the shared sentence-transformers embedder (``core.embeddings``), as at run time.

* ``sent``: the note section a transcript sentence feeds (other, hpi, ros, exam, result, assessment,
  plan). Labels come from ACI-BENCH train: each dialogue sentence is aligned to the section of the
  reference note whose words it shares most (weak supervision).
* ``mts``: MTS-Dialog's 20 section headers for a whole dialogue snippet (training split only): the
  mean of two logistic regressions' probabilities (balanced class weights, C=16), one over the
  snippet's word and word-pair TF-IDF, one over its MiniLM embedding beside the same TF-IDF
  (vocabulary and idf stored with the weights). ``--cv`` prints 5-fold cross-validation accuracy on
  train (stratified and contiguous folds); the validation split is for reporting only
  (bench/notes_eval.py).

    .venv/bin/python scripts/train_section_classifier.py [--data ../shared/data] [--out PATH] [--keep-sent] [--cv]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from soapify.nlp.engines.classifier import (  # noqa: E402
    ARTIFACT,
    SENT_LABELS,
    mts_features,
    sentence_features,
)

STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "me",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
        "this",
        "that",
        "these",
        "those",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "not",
        "no",
        "so",
        "just",
        "um",
        "uh",
        "okay",
        "yeah",
        "like",
        "um-hmm",
        "mm-hmm",
        "know",
        "right",
        "well",
        "really",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "should",
        "there",
        "here",
        "what",
        "how",
        "when",
        "where",
        "which",
        "who",
        "any",
        "some",
        "about",
        "up",
        "out",
        "going",
        "get",
        "got",
        "go",
        "all",
        "very",
        "also",
        "too",
        "as",
        "than",
        "then",
        "them",
        "him",
        "us",
        "let's",
        "i'm",
        "i've",
        "you're",
        "it's",
        "that's",
        "don't",
    ]
)
_HEAD = re.compile(r"^[A-Z][A-Z ,&/]+$")


def _tokens(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower()) if w not in STOP and len(w) > 1}


def note_sections(note: str) -> dict[str, str]:
    """Split an ACI note into our sentence labels' text."""
    out: dict[str, list[str]] = {k: [] for k in SENT_LABELS if k != "other"}
    current = "hpi"
    for raw in note.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _HEAD.match(line):
            h = line.upper()
            if "REVIEW OF SYSTEMS" in h:
                current = "ros"
            elif "EXAM" in h or "VITALS" in h:
                current = "exam"
            elif "RESULTS" in h:
                current = "result"
            elif "ASSESSMENT" in h or "PLAN" in h or "INSTRUCTIONS" in h:
                current = "ap"
            else:
                current = "hpi"
            continue
        if current == "ap":
            is_plan = re.match(
                r"•?\s*(additional testing|medical treatment|patient education|"
                r"specialist referrals?|patient agreements|follow[- ]up)",
                line,
                re.I,
            )
            out["plan" if is_plan else "assessment"].append(line)
        else:
            out[current].append(line)
    return {k: " ".join(v) for k, v in out.items()}


def aci_examples(path: Path) -> tuple[list[str], list[str], list[str]]:
    from soapify.core.transcript import parse_dialogue
    from soapify.nlp.engines.text import split_sentences

    texts, speakers, labels = [], [], []
    for row in csv.DictReader(path.open(encoding="utf-8")):
        sections = {k: _tokens(v) for k, v in note_sections(row["note"]).items()}
        for s in split_sentences(parse_dialogue(row["dialogue"])):
            toks = _tokens(s.text)
            label = "other"
            if len(toks) >= 2:
                scores = {k: len(toks & v) / len(toks) for k, v in sections.items() if v}
                best = max(scores, key=scores.get) if scores else None
                if best and scores[best] >= 0.5:
                    label = best
            texts.append(s.text)
            speakers.append(s.speaker or "")
            labels.append(label)
    return texts, speakers, labels


def fit(
    x: np.ndarray, y: list[str], labels: tuple[str, ...], c: float, *, balanced: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None).fit(x, y)
    order = [list(clf.classes_).index(lab) for lab in labels]
    return clf.coef_[order].astype(np.float32), clf.intercept_[order].astype(np.float32)


MTS_C = 16.0  # chosen by 5-fold cross-validation on MTS-Dialog train (see --cv), not on valid


def mts_fit(
    dialogues: list[str], emb: np.ndarray, y: list[str], labels: tuple[str, ...], c: float
) -> dict[str, np.ndarray]:
    """The MTS-Dialog heads (logistic regression, balanced classes): one over the snippet's word and
    word-pair TF-IDF, one over [MiniLM embedding, the same TF-IDF]; the run time averages their
    probabilities. Returns the artifact's ``mts_*`` arrays (without the labels)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)
    tf = vec.fit_transform(dialogues).toarray()
    w_words, b_words = fit(tf, y, labels, c, balanced=True)
    w, b = fit(np.hstack([emb, tf]), y, labels, c, balanced=True)
    vocab = np.array(sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__))
    return {
        "mts_w": w,
        "mts_b": b,
        "mts_words_w": w_words,
        "mts_words_b": b_words,
        "mts_vocab": vocab,
        "mts_idf": vec.idf_.astype(np.float32),
    }


def mts_cv(
    dialogues: list[str], emb: np.ndarray, y: list[str], c: float, folds: int = 5, *, contiguous: bool = False
) -> list[float]:
    """Accuracy of each of ``folds`` folds (stratified and shuffled, or contiguous blocks of the file;
    features and weights fitted on the others), predicted by the run-time classifier's code."""
    from sklearn.model_selection import KFold, StratifiedKFold

    from soapify.nlp.engines.classifier import MtsHead

    split = KFold(folds) if contiguous else StratifiedKFold(folds, shuffle=True, random_state=0)
    out = []
    ya = np.array(y)
    for a, b in split.split(emb, ya):
        labels = tuple(sorted(set(ya[a])))
        head = MtsHead(labels=labels, **mts_fit([dialogues[i] for i in a], emb[a], list(ya[a]), labels, c))
        pred = np.array(head.predict(emb[b], [dialogues[i] for i in b]))
        out.append(float((pred == ya[b]).mean()))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(ARTIFACT))
    ap.add_argument("--c-sent", type=float, default=2.0)
    ap.add_argument("--c-mts", type=float, default=MTS_C)
    ap.add_argument(
        "--keep-sent", action="store_true", help="keep the sentence head of --out (retrain the MTS head only)"
    )
    ap.add_argument(
        "--cv", action="store_true", help="also print 5-fold cross-validation on MTS-Dialog train"
    )
    args = ap.parse_args()
    data = Path(args.data)

    if args.keep_sent:
        with np.load(args.out) as old:
            w_sent, b_sent = old["sent_w"], old["sent_b"]
    else:
        texts, speakers, y_sent = aci_examples(data / "aci-bench" / "train.csv")
        print("sentence labels:", Counter(y_sent))
        w_sent, b_sent = fit(sentence_features(texts, speakers), y_sent, SENT_LABELS, args.c_sent)

    rows = list(csv.DictReader((data / "mts-dialog" / "MTS-Dialog-TrainingSet.csv").open(encoding="utf-8")))
    dialogues = [r["dialogue"] for r in rows]
    y_mts = [r["section_header"] for r in rows]
    mts_labels = tuple(sorted(set(y_mts)))
    emb = mts_features(dialogues)
    if args.cv:
        for name, contiguous in (("stratified", False), ("contiguous", True)):
            accs = mts_cv(dialogues, emb, y_mts, args.c_mts, contiguous=contiguous)
            folds = ", ".join(f"{a:.3f}" for a in accs)
            print(f"MTS-Dialog train 5-fold CV accuracy ({name}): {np.mean(accs):.3f} (folds {folds})")
    mts = mts_fit(dialogues, emb, y_mts, mts_labels, args.c_mts)

    np.savez_compressed(
        args.out,
        sent_labels=np.array(SENT_LABELS),
        sent_w=w_sent,
        sent_b=b_sent,
        mts_labels=np.array(mts_labels),
        # float16 weights keep the artifact small; accuracy is unchanged
        **{k: v.astype(np.float16) if k in ("mts_w", "mts_words_w") else v for k, v in mts.items()},
    )
    print(f"wrote {args.out} ({Path(args.out).stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

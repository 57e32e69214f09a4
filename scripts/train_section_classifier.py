"""Train the rules engine's two small classifiers over MiniLM embeddings and save them as one .npz.

Vectors come from the shared sentence-transformers embedder (``core.embeddings``), as at run time.

* ``sent``: the note section a transcript sentence feeds (other, hpi, ros, exam, result, assessment,
  plan). Labels come from ACI-BENCH train: each dialogue sentence is aligned to the section of the
  reference note whose words it shares most (weak supervision).
* ``mts``: MTS-Dialog's 20 section headers for a whole dialogue snippet (training split only): the
  mean of two logistic regressions' probabilities (balanced class weights, C=16), one over the
  snippet's word and word-pair TF-IDF, one over its MiniLM embedding and its first doctor turn's
  embedding (x0.5) beside the same TF-IDF (vocabulary and idf stored with the weights), times a prior
  from the snippet embedding's cosine to a written description of each header (``MTS_DESCRIPTIONS``,
  standardised over train, weight ``MTS_PRIOR``). ``--cv`` prints 5-fold cross-validation accuracy
  on train (stratified and contiguous folds, and on the 11 rare headers alone); the validation split
  is for reporting only (bench/notes_eval.py).

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
    _embed,
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
MTS_FIRST_TURN_SCALE = (
    0.5  # the first doctor turn's embedding beside the snippet's (CV on train: 0.25 / 0.5 / 1)
)
MTS_PRIOR = 0.3  # weight of the header-description prior (CV on train: 0.1-0.6; 0.2-0.4 about equal)
# Each header's medical meaning (MTS-Dialog's header list: sections of a clinical note), written from the
# header names, not from any snippet. The prior uses the normalised mean of each header's two phrasings.
MTS_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "CC": ("chief complaint, the main reason for the visit today", "the main symptom or problem that brought the patient in"),
    "GENHX": ("history of present illness, how the current problem started and developed", "onset, duration, course and character of the current symptoms"),
    "ROS": ("review of systems, asking about symptoms in each body system", "any fever, chills, chest pain, shortness of breath, nausea, headache"),
    "PASTMEDICALHX": ("past medical history, chronic illnesses and previous diagnoses", "medical conditions the patient has had before, like diabetes or hypertension"),
    "PASTSURGICAL": ("past surgical history, previous operations and surgeries", "surgeries the patient has had in the past"),
    "OTHER_HISTORY": ("other history, additional background history of the patient", "other relevant history not covered elsewhere"),
    "GYNHX": ("gynecologic and obstetric history, menstrual periods, pregnancies and deliveries", "last menstrual period, pregnancies, miscarriages, menopause, pap smear"),
    "IMMUNIZATIONS": ("immunizations, vaccination history", "vaccines and shots received, flu shot, tetanus, childhood vaccinations"),
    "FAM/SOCHX": ("family history and social history, diseases in relatives, smoking, alcohol, occupation", "family members' illnesses, living situation, work, tobacco, drinking, drug use"),
    "MEDICATIONS": ("current medications the patient takes, drugs and doses", "medicines, pills, prescriptions and over the counter drugs being taken"),
    "ALLERGY": ("allergies to medications or foods and the reactions", "drug allergies, allergic reaction, rash from penicillin"),
    "EXAM": ("physical examination findings", "examining the patient, listening to heart and lungs, checking tenderness, reflexes"),
    "IMAGING": ("imaging results, x-ray, CT scan, MRI, ultrasound findings", "radiology studies and what the scans showed"),
    "LABS": ("laboratory test results, blood work values", "blood test results, lab values like hemoglobin, glucose, cholesterol, urine test"),
    "PROCEDURES": ("procedures performed on the patient", "a medical procedure done, such as a biopsy, injection, endoscopy or catheter"),
    "EDCOURSE": ("emergency department course, what was done and given in the emergency room", "treatment and events during the stay in the emergency department"),
    "ASSESSMENT": ("assessment, the doctor's clinical impression of the patient's condition", "the doctor's evaluation and interpretation of the problem"),
    "DIAGNOSIS": ("diagnosis, the name of the disease or condition identified", "the doctor tells the patient what condition they have"),
    "PLAN": ("treatment plan, next steps, tests to order, medications to start, follow up", "the plan of care going forward"),
    "DISPOSITION": ("disposition, where the patient goes after the visit, discharge home or admission", "patient discharged in stable condition, sent home, transferred or admitted"),
}  # fmt: skip


def mts_descriptions(labels: tuple[str, ...]) -> np.ndarray:
    """(len(labels), 384): each header's description embedding (mean of its phrasings, L2-normalised)."""
    rows = []
    for lab in labels:
        v = _embed(list(MTS_DESCRIPTIONS[lab])).mean(axis=0)
        rows.append(v / np.linalg.norm(v))
    return np.stack(rows).astype(np.float32)


def mts_fit(
    dialogues: list[str],
    feats: np.ndarray,
    y: list[str],
    labels: tuple[str, ...],
    c: float,
    *,
    first_turn_scale: float = MTS_FIRST_TURN_SCALE,
    prior: float = MTS_PRIOR,
) -> dict[str, np.ndarray]:
    """The MTS-Dialog heads (logistic regression, balanced classes): one over the snippet's word and
    word-pair TF-IDF, one over [snippet embedding, first doctor turn's embedding x ``first_turn_scale``,
    the same TF-IDF]; the run time averages their probabilities and multiplies in the description prior.
    ``feats`` is ``mts_features`` (snippet and first-turn embeddings). Returns the artifact's ``mts_*``
    arrays (without the labels); the first-turn scale is folded into the stored weights."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    dim = feats.shape[1] // 2
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32)
    tf = vec.fit_transform(dialogues).toarray()
    w_words, b_words = fit(tf, y, labels, c, balanced=True)
    x = np.hstack([feats[:, :dim], feats[:, dim:] * first_turn_scale, tf])
    w, b = fit(x, y, labels, c, balanced=True)
    w[:, dim : 2 * dim] *= first_turn_scale
    vocab = np.array(sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__))
    desc = mts_descriptions(labels)
    cos = feats[:, :dim] @ desc.T
    return {
        "mts_w": w,
        "mts_b": b,
        "mts_words_w": w_words,
        "mts_words_b": b_words,
        "mts_vocab": vocab,
        "mts_idf": vec.idf_.astype(np.float32),
        "mts_desc": desc,
        "mts_desc_mean": cos.mean(axis=0).astype(np.float32),
        "mts_desc_std": (cos.std(axis=0) + 1e-6).astype(np.float32),
        "mts_prior": np.float32(prior),
    }


RARE_MAX = 23  # headers with at most this many train snippets count as rare (11 of the 20)


def mts_cv(
    dialogues: list[str],
    feats: np.ndarray,
    y: list[str],
    c: float,
    folds: int = 5,
    *,
    contiguous: bool = False,
) -> tuple[list[float], float]:
    """Accuracy of each of ``folds`` folds (stratified and shuffled, or contiguous blocks of the file;
    features and weights fitted on the others), predicted by the run-time classifier's code, and the
    out-of-fold accuracy on the rare headers' snippets alone."""
    from sklearn.model_selection import KFold, StratifiedKFold

    from soapify.nlp.engines.classifier import MtsHead

    split = KFold(folds) if contiguous else StratifiedKFold(folds, shuffle=True, random_state=0)
    out = []
    ya = np.array(y)
    counts = Counter(y)
    rare = np.array([counts[v] <= RARE_MAX for v in y])
    right = np.zeros(len(y), dtype=bool)
    for a, b in split.split(feats, ya):
        labels = tuple(sorted(set(ya[a])))
        head = MtsHead(labels=labels, **mts_fit([dialogues[i] for i in a], feats[a], list(ya[a]), labels, c))
        pred = np.array(head.predict(feats[b], [dialogues[i] for i in b]))
        right[b] = pred == ya[b]
        out.append(float(right[b].mean()))
    return out, float(right[rare].mean())


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
    feats = mts_features(dialogues)
    if args.cv:
        for name, contiguous in (("stratified", False), ("contiguous", True)):
            accs, rare = mts_cv(dialogues, feats, y_mts, args.c_mts, contiguous=contiguous)
            folds = ", ".join(f"{a:.3f}" for a in accs)
            print(
                f"MTS-Dialog train 5-fold CV accuracy ({name}): {np.mean(accs):.3f} (folds {folds}); "
                f"rare headers (<= {RARE_MAX} train snippets) {rare:.3f}"
            )
    mts = mts_fit(dialogues, feats, y_mts, mts_labels, args.c_mts)

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

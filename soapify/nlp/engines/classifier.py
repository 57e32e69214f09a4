"""Small logistic-regression heads over all-MiniLM-L6-v2 embeddings (weights in ``artifacts/section_clf.npz``).

Vectors come from the shared embedder (``core.embeddings``, alias ``"minilm"``, sentence-transformers).
Trained by ``scripts/train_section_classifier.py``; numpy only at run time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "section_clf.npz"
SENT_LABELS: tuple[str, ...] = ("other", "hpi", "ros", "exam", "result", "assessment", "plan")
MTS_MAP: dict[str, str] = {
    "CC": "chief_complaint",
    "GENHX": "hpi",
    "ROS": "ros",
    "PASTMEDICALHX": "past_history",
    "PASTSURGICAL": "past_history",
    "OTHER_HISTORY": "past_history",
    "GYNHX": "past_history",
    "IMMUNIZATIONS": "past_history",
    "FAM/SOCHX": "family_history",
    "MEDICATIONS": "medication",
    "ALLERGY": "allergy",
    "EXAM": "exam",
    "IMAGING": "result",
    "LABS": "result",
    "PROCEDURES": "result",
    "EDCOURSE": "result",
    "ASSESSMENT": "problem",
    "DIAGNOSIS": "problem",
    "PLAN": "instruction",
    "DISPOSITION": "follow_up",
}


MAX_WORDS = 20  # sentences are cut to their first words before embedding: speed; the cue is early


def _embed(texts: list[str]) -> np.ndarray:
    from soapify.core.embeddings import MINILM_DIMENSIONS, get_embedder

    if not texts:
        return np.zeros((0, MINILM_DIMENSIONS), dtype=np.float32)
    return get_embedder("minilm").encode(texts, batch_size=16)


def warmup() -> None:
    """Load the classifier and its embedder now (a server does this at start, a benchmark before timing)."""
    get_classifier()
    embed_sentences(["the patient reports a headache for two days"])


def embed_sentences(texts: list[str]) -> np.ndarray:
    """Sentence embeddings for the section head (each sentence cut to its first ``MAX_WORDS`` words)."""
    return _embed([" ".join(t.split()[:MAX_WORDS]) for t in texts])


def sentence_features(texts: list[str], speakers: list[str | None]) -> np.ndarray:
    emb = embed_sentences(texts)
    extra = np.array(
        [
            [s == "doctor", s == "patient", t.rstrip().endswith("?")]
            for t, s in zip(texts, speakers, strict=True)
        ],
        dtype=np.float32,
    ).reshape(len(texts), 3)
    return np.hstack([emb, extra])


_SPEAKER = re.compile(r"^(Doctor|Patient|Guest_family|Guest_clinician)[^:]*:\s*(.*)$", re.I)


def first_doctor_turn(dialogue: str) -> str | None:
    """The text of the snippet's first ``Doctor:`` line (MTS-Dialog's speaker labels), or None.

    Not ``core.transcript.parse_dialogue``: that one counts ``Guest_clinician`` as the doctor, which
    gives another first turn in 26 of MTS-Dialog's 1,301 train and valid snippets; the head was
    trained and measured on the ``Doctor`` line."""
    for line in dialogue.splitlines():
        m = _SPEAKER.match(line.strip())
        if m and m.group(1).lower() == "doctor" and m.group(2):
            return m.group(2)
    return None


def mts_features(dialogues: list[str]) -> np.ndarray:
    """(n, 2 * 384): a snippet's whole-text embedding beside its first doctor turn's embedding (zeros when
    there is none); the words are weighed by ``TfIdf``, beside them."""
    firsts = [first_doctor_turn(d) for d in dialogues]
    asked = [f for f in firsts if f is not None]
    vectors = _embed(list(dialogues) + asked)
    whole, turns = vectors[: len(dialogues)], vectors[len(dialogues) :]
    first = np.zeros_like(whole)
    rows = [i for i, f in enumerate(firsts) if f is not None]
    first[rows] = turns
    return np.hstack([whole, first])


_TOKEN = re.compile(r"(?u)\b\w\w+\b")


class TfIdf:
    """Word and word-pair TF-IDF of a text, as scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2),
    sublinear_tf=True)`` computes it (lower case, tokens of two or more word characters, 1 + log tf,
    L2 norm), from a stored vocabulary and idf: numpy only at run time."""

    def __init__(self, vocabulary: np.ndarray, idf: np.ndarray) -> None:
        self.index = {str(w): i for i, w in enumerate(vocabulary)}
        self.idf = idf.astype(np.float32)

    def transform(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self.idf)), dtype=np.float32)
        for row, text in enumerate(texts):
            tokens = _TOKEN.findall(text.lower())
            grams = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
            counts: dict[int, int] = {}
            for g in grams:
                if (k := self.index.get(g)) is not None:
                    counts[k] = counts.get(k, 0) + 1
            for k, c in counts.items():
                out[row, k] = (1.0 + np.log(c)) * self.idf[k]
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class MtsHead:
    """MTS-Dialog's section header of a snippet: a logistic regression over [MiniLM embeddings
    (``mts_features``), word and word-pair TF-IDF], averaged (probabilities) with one over the TF-IDF
    alone when the artifact has it, then multiplied by a prior from the snippet embedding's cosine to a
    short written description of each header (``mts_desc``; ``exp(mts_prior * standardised cosine)``,
    renormalised) when the artifact has one. Older artifacts: the joint head only, or the embedding
    alone when there is no vocabulary; the joint head takes as many embedding columns as its weights
    have beside the vocabulary."""

    def __init__(
        self,
        labels: tuple[str, ...],
        mts_w: np.ndarray,
        mts_b: np.ndarray,
        mts_vocab: np.ndarray | None = None,
        mts_idf: np.ndarray | None = None,
        mts_words_w: np.ndarray | None = None,
        mts_words_b: np.ndarray | None = None,
        mts_desc: np.ndarray | None = None,
        mts_desc_mean: np.ndarray | None = None,
        mts_desc_std: np.ndarray | None = None,
        mts_prior: np.ndarray | float | None = None,
    ) -> None:
        self.labels = labels
        self.w, self.b = mts_w.astype(np.float32), mts_b.astype(np.float32)
        self.tfidf = TfIdf(mts_vocab, mts_idf) if mts_vocab is not None and mts_idf is not None else None
        self.words: tuple[np.ndarray, np.ndarray] | None = None
        if mts_words_w is not None and mts_words_b is not None:
            self.words = (mts_words_w.astype(np.float32), mts_words_b.astype(np.float32))
        self.desc: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None = None
        if (
            mts_desc is not None
            and mts_desc_mean is not None
            and mts_desc_std is not None
            and mts_prior is not None
        ):
            self.desc = (
                mts_desc.astype(np.float32),
                mts_desc_mean.astype(np.float32),
                mts_desc_std.astype(np.float32),
                float(mts_prior),
            )

    def probs(self, emb: np.ndarray, dialogues: list[str]) -> np.ndarray:
        """(n, len(labels)) probabilities from the snippets' embeddings (``mts_features``) and texts."""
        if self.tfidf is None:
            return _softmax(emb[:, : self.w.shape[1]] @ self.w.T + self.b)
        tf = self.tfidf.transform(dialogues)
        n_emb = self.w.shape[1] - tf.shape[1]
        p = _softmax(np.hstack([emb[:, :n_emb], tf]) @ self.w.T + self.b)
        if self.words is not None:
            w, b = self.words
            p = (p + _softmax(tf @ w.T + b)) / 2
        if self.desc is not None:
            desc, mean, std, beta = self.desc
            cos = emb[:, : desc.shape[1]] @ desc.T
            p = _softmax(np.log(np.maximum(p, 1e-30)) + beta * (cos - mean) / std)
        return p

    def predict(self, emb: np.ndarray, dialogues: list[str]) -> list[str]:
        return [self.labels[i] for i in self.probs(emb, dialogues).argmax(axis=1)]


class SectionClassifier:
    def __init__(self, path: Path = ARTIFACT) -> None:
        with np.load(path) as d:
            self.sent_labels = tuple(str(x) for x in d["sent_labels"])
            self.sent_w, self.sent_b = d["sent_w"], d["sent_b"]
            mts = {k: d[k] for k in d.files if k.startswith("mts_") and k != "mts_labels"}
            self.mts = MtsHead(tuple(str(x) for x in d["mts_labels"]), **mts)

    def sentence_probs(self, texts: list[str], speakers: list[str | None]) -> np.ndarray:
        """(n, len(sent_labels)) probabilities, one batch of embeddings for all sentences."""
        if not texts:
            return np.zeros((0, len(self.sent_labels)), dtype=np.float32)
        return _softmax(sentence_features(texts, speakers) @ self.sent_w.T + self.sent_b)

    def mts_predict(self, dialogues: list[str]) -> list[str]:
        """MTS-Dialog's section header of each snippet."""
        return self.mts.predict(mts_features(dialogues), dialogues)


@lru_cache(maxsize=1)
def get_classifier() -> SectionClassifier:
    return SectionClassifier()

"""Small logistic-regression heads over all-MiniLM-L6-v2 embeddings (weights in ``artifacts/section_clf.npz``).

Vectors come from the shared embedder (``core.embeddings``, alias ``"minilm"``, sentence-transformers).
Trained by ``scripts/train_section_classifier.py``; numpy only at run time.
"""

from __future__ import annotations

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


def mts_features(dialogues: list[str]) -> np.ndarray:
    """A snippet: its whole-text embedding."""
    return _embed(dialogues)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class SectionClassifier:
    def __init__(self, path: Path = ARTIFACT) -> None:
        with np.load(path) as d:
            self.sent_labels = tuple(str(x) for x in d["sent_labels"])
            self.sent_w, self.sent_b = d["sent_w"], d["sent_b"]
            self.mts_labels = tuple(str(x) for x in d["mts_labels"])
            self.mts_w, self.mts_b = d["mts_w"], d["mts_b"]

    def sentence_probs(self, texts: list[str], speakers: list[str | None]) -> np.ndarray:
        """(n, len(sent_labels)) probabilities, one batch of embeddings for all sentences."""
        if not texts:
            return np.zeros((0, len(self.sent_labels)), dtype=np.float32)
        return _softmax(sentence_features(texts, speakers) @ self.sent_w.T + self.sent_b)

    def mts_predict(self, dialogues: list[str]) -> list[str]:
        x = mts_features(dialogues)
        idx = (x @ self.mts_w.T + self.mts_b).argmax(axis=1)
        return [self.mts_labels[i] for i in idx]


@lru_cache(maxsize=1)
def get_classifier() -> SectionClassifier:
    return SectionClassifier()

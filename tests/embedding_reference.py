"""MiniLM exactly as it was computed when the trained heads were fitted (sentence-transformers on
torch, batches of 64): the reference the faster runtimes are checked against, in tests and in the
benchmarks' before/after figures."""

from __future__ import annotations

import numpy as np

from soapify.core.embeddings import CachedEmbedder, SentenceTransformerEmbedder


class ReferenceEmbedder(CachedEmbedder):
    """MiniLM the way it was computed when the heads were trained."""

    name, model, dimensions, runtime = "sentence-transformers", "all-MiniLM-L6-v2", 384, "torch-before"

    def __init__(self) -> None:
        super().__init__()
        self._model = SentenceTransformerEmbedder(runtime="torch")._runner._model  # type: ignore[union-attr]

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self._model.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )

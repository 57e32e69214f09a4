"""Embedders behind the EMBEDDING_ENGINES registry: the offline sentence-transformers MiniLM and an
OpenAI-compatible /v1/embeddings API (against pytest-httpserver)."""

from __future__ import annotations

import numpy as np
import pytest

from soapify.core.embeddings import (
    MINILM_DIMENSIONS,
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    embedding_engines,
    get_embedder,
)
from soapify.core.engines import EngineError
from tests.httpfakes import base_url

EMBEDDINGS = "/v1/embeddings"


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

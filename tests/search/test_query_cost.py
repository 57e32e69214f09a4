"""Less work per query: query vectors shared through the Django cache, no vector leg for one or two
characters, suggestions from indexes; the answers stay the same and stay scoped to the caller."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soapify.encounters.models import Encounter
from soapify.search import selectors, services
from soapify.stt.models import TranscriptSegment

URL = "/api/search/"
SUGGEST = "/api/search/suggestions/"


@pytest.fixture
def visit(encounter) -> Encounter:
    for n, (speaker, text) in enumerate(
        [
            ("doctor", "Are you still taking the metformin twice a day?"),
            ("patient", "No, I stopped the metformin last month because of stomach upset."),
            ("patient", "I get breathless when I climb the stairs."),
        ]
    ):
        TranscriptSegment.objects.create(
            encounter=encounter, source="typed", start=n * 5.0, end=n * 5.0 + 5, text=text, speaker=speaker
        )
    services.encounter_reindex(encounter=encounter)
    return encounter


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _vector_statements(queries) -> list[str]:
    return [q["sql"] for q in queries if "<=>" in q["sql"]]


def _key(text: str) -> str:
    return selectors.query_vector_key(selectors.index_embedder(), text)


def test_a_query_vector_is_cached_under_a_hash_and_reused(visit, settings):
    settings.SEARCH_QUERY_VECTOR_CACHE_SECONDS = 60
    first = selectors._query_vector("shortness of breath")
    assert first is not None and first.startswith("[")
    key = _key("shortness of breath")
    assert "breath" not in key  # the key never holds the query's words
    assert cache.get(key) == first
    # a vector in the shared cache is what the query uses (another process embedded it)
    cache.set(key, "[1,0,0]", 60)
    assert selectors._query_vector("shortness of breath") == "[1,0,0]"


def test_the_cache_can_be_turned_off(visit, settings):
    settings.SEARCH_QUERY_VECTOR_CACHE_SECONDS = 0
    assert selectors._query_vector("shortness of breath") is not None
    assert cache.get(_key("shortness of breath")) is None


def test_one_or_two_characters_skip_the_vector_leg_but_still_find_by_prefix(alice_client, visit):
    with CaptureQueriesContext(connection) as queries:
        body = alice_client.get(URL, {"q": "me"}).json()
    assert not _vector_statements(queries)
    assert any("metformin" in hit["snippet"] for hit in body["results"])
    with CaptureQueriesContext(connection) as queries:
        alice_client.get(URL, {"q": "breath"})
    assert _vector_statements(queries)


def test_a_cached_vector_gives_the_same_ranking(alice_client, visit):
    first = alice_client.get(URL, {"q": "shortness of breath"}).json()
    again = alice_client.get(URL, {"q": "  Shortness   of breath "}).json()  # same normalised query
    assert [h["source_id"] for h in first["results"]] == [h["source_id"] for h in again["results"]]
    assert first["results"] and "breathless" in first["results"][0]["snippet"]


def test_a_cached_vector_never_crosses_doctors(alice_client, bob_client, visit):
    assert alice_client.get(URL, {"q": "shortness of breath"}).json()["count"] >= 1
    assert bob_client.get(URL, {"q": "shortness of breath"}).json()["count"] == 0


def test_suggestions_come_from_the_callers_words_and_past_queries(alice_client, bob_client, visit):
    alice_client.get(URL, {"q": "metformin dose"})
    found = alice_client.get(SUGGEST, {"q": "met"}).json()["suggestions"]
    assert found[:2] == ["metformin dose", "metformin"]
    assert bob_client.get(SUGGEST, {"q": "met"}).json()["suggestions"] == []


def test_suggestion_prefixes_with_like_wildcards_are_literal(alice_client, visit):
    assert alice_client.get(SUGGEST, {"q": "%"}).json()["suggestions"] == []
    assert alice_client.get(SUGGEST, {"q": "m_t"}).json()["suggestions"] == []

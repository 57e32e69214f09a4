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


# --- one statement per request part: the page's rows with the ranking, suggestions in one query ---


@pytest.fixture
def long_visit(encounter) -> Encounter:
    """45 segments that all mention chest pain, in different words around it."""
    for n in range(45):
        TranscriptSegment.objects.create(
            encounter=encounter,
            source="typed",
            start=n * 5.0,
            end=n * 5.0 + 5,
            text=f"Visit note {n}: the chest pain came back {n % 7 + 1} times after walking {n} metres.",
            speaker="patient",
        )
    services.encounter_reindex(encounter=encounter)
    return encounter


def _hit_statements(queries) -> list[str]:
    return [q["sql"] for q in queries if "ts_headline" in q["sql"]]


@pytest.mark.parametrize("page", [1, 2, 3, "last"])
def test_a_page_is_read_with_its_ranking_in_one_statement(alice, long_visit, page):
    ranked = selectors.search_ranked(user=alice, query="chest pain", filters=selectors.Filters())
    assert len(ranked) == 45
    with CaptureQueriesContext(connection) as queries:
        got, hits = selectors.search_page(
            user=alice, query="chest pain", filters=selectors.Filters(), page=page, page_size=20
        )
    assert len(_hit_statements(queries)) == 1  # ranking, rows and snippets together
    assert got == ranked  # the same ranking as the ranking alone
    first = 40 if page == "last" else (page - 1) * 20
    assert set(hits) == {unit_id for unit_id, _ in ranked[first : first + 20]}  # snippets of the page only
    reference = selectors.search_hits(ids=list(hits), query="chest pain")
    assert hits == reference  # the same hit columns and snippets as the rows read alone


def test_a_page_out_of_range_gets_no_rows(alice, long_visit):
    ranked, hits = selectors.search_page(
        user=alice, query="chest pain", filters=selectors.Filters(), page=4, page_size=20
    )
    assert len(ranked) == 45 and hits == {}


def test_the_api_pages_through_the_ranking_without_gaps_or_repeats(alice_client, long_visit):
    seen = []
    for page in (1, 2, 3):
        body = alice_client.get(URL, {"q": "chest pain", "page": page}).json()
        assert body["count"] == 45
        assert all("<mark>" in hit["snippet"] for hit in body["results"])
        seen += [hit["id"] for hit in body["results"]]
    assert len(seen) == len(set(seen)) == 45
    last = alice_client.get(URL, {"q": "chest pain", "page": "last"}).json()
    assert [hit["id"] for hit in last["results"]] == seen[40:]
    assert alice_client.get(URL, {"q": "chest pain", "page": 4}).status_code == 404


def test_another_doctors_rows_never_reach_a_page(alice, bob, long_visit):
    other = Encounter.objects.create(doctor=bob, patient_ref="HS-998", context="OPD")
    TranscriptSegment.objects.create(
        encounter=other, source="typed", start=0, end=5, text="chest pain again", speaker="patient"
    )
    services.encounter_reindex(encounter=other)
    ranked, hits = selectors.search_page(
        user=bob, query="chest pain", filters=selectors.Filters(), page=1, page_size=20
    )
    assert [hit["encounter_id"] for hit in hits.values()] == [other.pk]
    assert len(ranked) == 1


def test_suggestions_are_one_statement_and_never_embed(alice, visit, monkeypatch):
    services.search_log(user=alice, query="metformin dose", results=1, took_ms=1.0)
    monkeypatch.setattr(selectors, "_query_vector", lambda *_: pytest.fail("suggestions embedded a query"))
    with CaptureQueriesContext(connection) as queries:
        found = selectors.search_suggestions(user=alice, prefix="Met", limit=10)
    assert len(queries) == 1
    assert found[:2] == ["metformin dose", "metformin"]
    assert selectors.search_suggestions(user=alice, prefix="metformin d", limit=1) == ["metformin dose"]
    assert selectors.search_suggestions(user=alice, prefix="stopped the me", limit=10) == [
        "stopped the metformin"
    ]
    assert selectors.search_suggestions(user=alice, prefix="\\", limit=10) == []  # a literal backslash

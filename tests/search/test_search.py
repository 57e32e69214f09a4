"""Hybrid search over a doctor's own content: ranking, scoping, filters, Persian, bad input."""

from __future__ import annotations

import pytest

from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.search import selectors, services
from soapify.search.models import SearchUnit
from soapify.search.text import normalise
from soapify.stt.models import TranscriptSegment

URL = "/api/search/"


def _segments(encounter: Encounter, *lines: tuple[str, str]) -> None:
    t = 0.0
    for speaker, text in lines:
        TranscriptSegment.objects.create(
            encounter=encounter, source="typed", start=t, end=t + 5, text=text, speaker=speaker
        )
        t += 5


@pytest.fixture
def visit(encounter) -> Encounter:
    _segments(
        encounter,
        ("doctor", "Are you still taking the metformin twice a day?"),
        ("patient", "No, I stopped the metformin last month because of stomach upset."),
        ("patient", "I get breathless when I climb the stairs."),
        ("doctor", "Let us check your blood pressure today."),
    )
    services.encounter_reindex(encounter=encounter)
    return encounter


@pytest.fixture
def bobs_visit(bob) -> Encounter:
    other = Encounter.objects.create(doctor=bob, patient_ref="HS-999", context="OPD")
    _segments(other, ("patient", "I take metformin every morning."))
    services.encounter_reindex(encounter=other)
    return other


def test_a_keyword_finds_the_segments_that_say_it_with_highlights(alice_client, visit):
    resp = alice_client.get(URL, {"q": "metformin"})
    assert resp.status_code == 200
    body = resp.json()
    texts = [hit["snippet"] for hit in body["results"]]
    assert body["count"] >= 2
    assert all("<mark>" in s for s in texts[:2])
    first = body["results"][0]
    assert first["content_type"] == "transcript"
    assert first["encounter_id"] == visit.pk
    span = first["evidence"][0]
    assert span["end"] > span["start"] >= 0
    assert first["score"] > 0


def test_a_hit_has_exactly_the_documented_fields_and_types(alice_client, visit):
    """The view sends the selector's dicts as they are: they must match SearchHitSerializer."""
    from soapify.search.serializers import SearchHitSerializer

    hit = alice_client.get(URL, {"q": "metformin"}).json()["results"][0]
    assert set(hit) == set(SearchHitSerializer().fields)
    assert hit == SearchHitSerializer(hit).data
    assert isinstance(hit["id"], int) and isinstance(hit["source_id"], str)
    assert hit["date"] == SearchUnit.objects.get(pk=hit["id"]).date.isoformat()
    assert all(set(span) == {"start", "end"} for span in hit["evidence"])


def test_stemming_matches_other_forms_of_a_word(alice_client, visit):
    body = alice_client.get(URL, {"q": "stopping metformin"}).json()
    assert "stopped" in body["results"][0]["snippet"]


def test_a_question_in_other_words_finds_the_answer_by_meaning(alice_client, visit):
    body = alice_client.get(URL, {"q": "shortness of breath"}).json()
    assert body["results"], body
    assert "breathless" in body["results"][0]["snippet"]


def test_partial_words_match_by_prefix(alice_client, visit):
    body = alice_client.get(URL, {"q": "metform"}).json()
    assert any("metformin" in hit["snippet"] for hit in body["results"])


def test_another_doctors_content_is_never_found(alice_client, bob_client, visit, bobs_visit):
    alice_hits = alice_client.get(URL, {"q": "metformin"}).json()["results"]
    assert {hit["encounter_id"] for hit in alice_hits} == {visit.pk}
    bob_hits = bob_client.get(URL, {"q": "metformin"}).json()["results"]
    assert {hit["encounter_id"] for hit in bob_hits} == {bobs_visit.pk}
    # another doctor's encounter id: an empty result, not an error that reveals it exists
    resp = alice_client.get(URL, {"q": "metformin", "encounter_id": bobs_visit.pk})
    assert (resp.status_code, resp.json()["count"]) == (200, 0)


def test_admins_see_no_doctors_content(admin_client, visit):
    resp = admin_client.get(URL, {"q": "metformin"})
    assert (resp.status_code, resp.json()["count"]) == (200, 0)


def test_anonymous_callers_are_refused(anon, visit):
    assert anon.get(URL, {"q": "metformin"}).status_code == 401


def test_filters_by_content_type_and_date(alice_client, visit):
    day = visit.created_at.date().isoformat()
    assert alice_client.get(URL, {"q": "metformin", "content_type": "soap"}).json()["count"] == 0
    assert alice_client.get(URL, {"q": "metformin", "date_from": day, "date_to": day}).json()["count"] >= 2
    assert alice_client.get(URL, {"q": "metformin", "date_to": "2000-01-01"}).json()["count"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "x" * 2000},
        {"q": "metformin", "content_type": "emails"},
        {"q": "metformin", "date_from": "06/12/2026"},
        {"q": "metformin", "date_from": "2026-13-01"},
        {"q": "metformin", "date_from": "2026-02-01", "date_to": "2026-01-01"},
        {"q": "metformin", "encounter_id": "abc"},
        {"q": "metformin", "page": "0"},
    ],
)
def test_bad_parameters_are_a_400(alice_client, visit, params):
    resp = alice_client.get(URL, params)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"]


@pytest.mark.parametrize("q", ["!:*&|", "metformin & | !", "'", '"unterminated', "(((", "<script>"])
def test_query_syntax_is_never_an_error(alice_client, visit, q):
    assert alice_client.get(URL, {"q": q}).status_code == 200


def test_a_page_beyond_the_end_is_a_404(alice_client, visit):
    assert alice_client.get(URL, {"q": "metformin", "page": 50}).status_code == 404


def test_snippets_are_html_escaped(alice_client, encounter):
    _segments(encounter, ("patient", "my <b>chest</b> hurts & burns"))
    services.encounter_reindex(encounter=encounter)
    snippet = alice_client.get(URL, {"q": "chest"}).json()["results"][0]["snippet"]
    assert snippet.endswith("<mark>chest</mark> hurts &amp; burns")  # tags dropped, the rest escaped
    assert "<b>" not in snippet


# --- Persian ------------------------------------------------------------------------------------


def test_persian_text_is_normalised_for_indexing_and_queries():
    assert normalise("كيك") == normalise("کیک") == "کیک"
    assert normalise("۳۸٫۵ و ٣٨") == normalise("38٫5 و 38")
    assert normalise("سرفه\u200cها") == "سرفه ها"
    assert normalise("دَرد") == "درد"


def test_persian_is_found_whichever_yeh_and_kaf_were_typed(alice_client, encounter):
    _segments(encounter, ("patient", "از دیروز سرفه‌ی خشک دارم و کمی تب"))
    services.encounter_reindex(encounter=encounter)
    unit = SearchUnit.objects.get(encounter=encounter)
    assert unit.language == "fa"
    hits = alice_client.get(URL, {"q": "سرفه"}).json()["results"]
    assert hits and "<mark>" in hits[0]["snippet"]
    # Arabic yeh and kaf in the query
    assert alice_client.get(URL, {"q": "كمي تب"}).json()["count"] == 1


def test_a_persian_query_finds_only_the_rows_that_say_it(alice_client, encounter):
    """The offline embedder reads English only: every Persian text gets nearly the same vector, so
    a vector leg would return all of a doctor's Persian rows for any Persian query."""
    _segments(
        encounter,
        ("patient", "از سه روز پیش تب و گلودرد دارم."),
        ("patient", "به پنی‌سیلین حساسیت دارم."),
        ("doctor", "آزیترومایسین روزی یک بار به مدت سه روز مصرف کنید."),
        ("patient", "I also have a cough."),
    )
    services.encounter_reindex(encounter=encounter)
    persian = SearchUnit.objects.filter(encounter=encounter, language="fa", source_type="segment")
    assert persian.count() == 3 and not persian.filter(embedding__isnull=False).exists()
    assert SearchUnit.objects.filter(encounter=encounter, language="en", embedding__isnull=False).exists()
    hits = alice_client.get(URL, {"q": "گلودرد", "content_type": "transcript"}).json()["results"]
    assert [h["snippet"].count("<mark>") > 0 for h in hits] == [True]


def test_an_english_row_naming_a_persian_patient_keeps_its_vector(encounter):
    from soapify.search.text import mostly_persian

    assert not mostly_persian("Mr. رضایی has had chest pain on exertion for two weeks.")
    assert not mostly_persian("metformin متفورمین")
    assert mostly_persian("از سه روز پیش تب و گلودرد دارم")
    _segments(encounter, ("patient", "Mr. رضایی has had chest pain on exertion for two weeks."))
    services.encounter_reindex(encounter=encounter)
    assert SearchUnit.objects.filter(encounter=encounter, embedding__isnull=False).exists()


# --- suggestions, analytics, reindex --------------------------------------------------------------


def test_suggestions_complete_from_own_words_and_past_queries(alice_client, bob_client, visit, bobs_visit):
    alice_client.get(URL, {"q": "metformin side effects"})
    body = alice_client.get("/api/search/suggestions/", {"q": "metf"}).json()
    assert "metformin" in body["suggestions"]
    assert "metformin side effects" in body["suggestions"]
    assert bob_client.get("/api/search/suggestions/", {"q": "metformin s"}).json()["suggestions"] == []
    assert alice_client.get("/api/search/suggestions/", {"q": "me", "limit": 0}).status_code == 400


def test_analytics_show_a_doctor_their_own_queries_and_admins_only_aggregates(
    alice_client, admin_client, visit
):
    alice_client.get(URL, {"q": "metformin"})
    alice_client.get(URL, {"q": "zebra crossing"})
    mine = alice_client.get("/api/search/analytics/").json()
    assert mine["total_queries"] == 2
    assert {q["query"] for q in mine["zero_result_queries"]} == {"zebra crossing"}
    assert mine["latency"]["p50_ms"] > 0
    everyone = admin_client.get("/api/search/analytics/", {"days": 7}).json()
    assert (everyone["total_queries"], everyone["users"]) == (2, 1)
    assert "top_queries" not in everyone and "zebra" not in str(everyone)
    assert alice_client.get("/api/search/analytics/", {"days": "x"}).status_code == 400


def test_reindex_starts_a_job_for_an_own_encounter_only(alice_client, bob_client, visit):
    SearchUnit.objects.filter(encounter=visit).delete()
    resp = alice_client.post("/api/search/reindex/", {"encounter_id": visit.pk}, format="json")
    assert resp.status_code == 201
    job = Job.objects.get(pk=resp.json()["job_id"])
    assert (job.kind, job.status) == ("search.reindex", "succeeded")
    assert SearchUnit.objects.filter(encounter=visit).count() == 4
    assert (
        bob_client.post("/api/search/reindex/", {"encounter_id": visit.pk}, format="json").status_code == 404
    )
    assert alice_client.post("/api/search/reindex/", {}, format="json").status_code == 400


def test_a_changed_transcript_is_reindexed_once_it_commits(encounter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _segments(encounter, ("patient", "my left knee is swollen"))
    assert SearchUnit.objects.filter(encounter=encounter, content_type="transcript").count() == 1
    assert Job.objects.filter(kind="search.reindex", status="succeeded").count() == 1


def test_rows_go_with_their_encounter(visit):
    assert SearchUnit.objects.filter(encounter=visit).exists()
    TranscriptSegment.objects.filter(encounter=visit).delete()
    visit.delete()
    assert not SearchUnit.objects.exists()


def test_a_typed_transcript_is_indexed_once_it_commits(
    alice_client, encounter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resp = alice_client.post(
            f"/api/encounters/{encounter.pk}/transcript/",
            {"text": "Doctor: Any chest pain?\nPatient: Yes, a tight chest pain when I walk uphill."},
            format="json",
        )
    assert resp.status_code == 201
    hits = alice_client.get(URL, {"q": "chest pain uphill"}).json()["results"]
    assert hits and hits[0]["content_type"] == "transcript" and "uphill" in hits[0]["snippet"]


# --- the ranking's candidate lists ----------------------------------------------------------------


def _ranked_texts(user, query: str, modes: frozenset[str]) -> list[str]:
    ranked = selectors.search_ranked(user=user, query=query, filters=selectors.Filters(), modes=modes)
    texts = dict(SearchUnit.objects.filter(pk__in=[i for i, _ in ranked]).values_list("id", "text"))
    return [texts[i] for i, _ in ranked]


def test_full_text_alone_finds_only_the_words_typed(alice, visit):
    assert _ranked_texts(alice, "shortness of breath", frozenset({"text"})) == []
    assert all("metformin" in t for t in _ranked_texts(alice, "metformin", frozenset({"text"})))


def test_vector_alone_finds_by_meaning(alice, visit):
    assert _ranked_texts(alice, "shortness of breath", frozenset({"vector"}))[0] == (
        "I get breathless when I climb the stairs."
    )


def test_no_candidate_list_ranks_nothing(alice, visit):
    assert _ranked_texts(alice, "metformin", frozenset()) == []

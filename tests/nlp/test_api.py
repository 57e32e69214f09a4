"""NLP API: generate (a job), the draft, section edits; access matrix and bad input on every endpoint."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soapify.core.draft_schema import SECTIONS, check_evidence
from soapify.core.models import AuditLog
from soapify.encounters.models import Encounter
from soapify.nlp.models import Draft, DraftRevision
from soapify.stt.models import TranscriptSegment
from tests.jobstate import job_state
from tests.nlp.conftest import PERSIAN, add_typed_transcript, draft_url, generate_url, update_url

pytestmark = pytest.mark.django_db


def snapshot(encounter: Encounter) -> tuple:
    encounter.refresh_from_db()
    draft = Draft.objects.filter(encounter=encounter).first()
    return (
        encounter.status,
        draft and (draft.version, draft.content, draft.section_meta),
        DraftRevision.objects.filter(draft__encounter=encounter).count(),
        TranscriptSegment.objects.filter(encounter=encounter).count(),
    )


# ------------------------------------------------------------------------------------------ generate


def test_generate_builds_a_draft_with_evidence_and_moves_the_encounter_to_ready(alice_client, transcribed):
    resp = alice_client.post(generate_url(transcribed.id), format="json")
    assert resp.status_code == 201
    body = resp.json()
    assert set(body) >= {"job_id", "status", "status_url"}
    done = job_state(alice_client, resp)
    assert done["status"] == "succeeded"
    assert done["job"]["result"]["version"] == 1

    transcribed.refresh_from_db()
    assert transcribed.status == Encounter.Status.READY
    draft = Draft.objects.get(encounter=transcribed)
    assert draft.version == 1 and draft.engine == "rules" and draft.model and draft.engine_version
    assert check_evidence(draft.content, draft.transcript_text) == []
    rev = DraftRevision.objects.get(draft=draft)
    assert rev.version == 1 and rev.reason == "generated" and rev.transcript_text == draft.transcript_text

    job = alice_client.get(body["status_url"]).json()
    assert job["status"] == "succeeded"


def test_the_draft_has_four_sections_with_items_anchored_in_the_transcript(alice_client, drafted):
    resp = alice_client.get(draft_url(drafted.id))
    assert resp.status_code == 200
    body = resp.json()
    assert body["encounter_id"] == drafted.id and body["version"] == 1 and body["language"] == "en"
    assert body["engine"] == "rules" and body["model"] and body["engine_version"]
    assert body["status"] == "ready"
    assert list(body["sections"]) == list(SECTIONS)
    text = body["transcript_text"]
    assert "headache" in text
    n_items = 0
    for name in SECTIONS:
        sec = body["sections"][name]
        assert set(sec) >= {"text", "items", "edited", "edited_by", "edited_at", "machine_text"}
        assert sec["edited"] is False and sec["machine_text"] is None
        for item in sec["items"]:
            n_items += 1
            assert item["evidence"]
            for ev in item["evidence"]:
                assert text[ev["start"] : ev["end"]] == ev["text"]
    assert n_items >= 5
    # negation survives: "No fever" is a pertinent negative, never a positive fever
    fevers = [i for s in SECTIONS for i in body["sections"][s]["items"] if "fever" in i["text"].lower()]
    assert fevers and all(i["negated"] for i in fevers)
    assert body["history"] == [
        {"version": 1, "reason": "generated", "section": None, "engine": "rules", "author": None,
         "created_at": body["history"][0]["created_at"]}
    ]  # fmt: skip


def test_generate_without_any_transcript_is_409_and_starts_nothing(alice_client, encounter):
    before = snapshot(encounter)
    resp = alice_client.post(generate_url(encounter.id), format="json")
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "no_transcript"
    assert snapshot(encounter) == before
    from soapify.core.models import Job

    assert not Job.objects.filter(kind="nlp.generate_draft").exists()


def test_generate_with_a_typed_transcript_stores_it_and_drafts_from_it(alice_client, encounter):
    dialogue = "Doctor: What brings you in?\nPatient: I have had a cough for two weeks.\nPatient: No fever."
    resp = alice_client.post(generate_url(encounter.id), {"transcript": dialogue}, format="json")
    assert resp.status_code == 201, resp.json()
    segments = TranscriptSegment.objects.filter(encounter=encounter, source="typed").order_by("index")
    assert [s.text for s in segments] == [
        "What brings you in?",
        "I have had a cough for two weeks.",
        "No fever.",
    ]
    assert [s.speaker for s in segments] == ["doctor", "patient", "patient"]
    body = alice_client.get(draft_url(encounter.id)).json()
    assert "cough for two weeks" in body["transcript_text"]
    assert any("cough" in i["text"].lower() for i in body["sections"]["subjective"]["items"])


def test_a_persian_typed_transcript_gives_a_persian_draft(alice_client, encounter):
    resp = alice_client.post(generate_url(encounter.id), {"transcript": PERSIAN}, format="json")
    assert resp.status_code == 201, resp.json()
    assert job_state(alice_client, resp)["status"] == "succeeded"
    body = alice_client.get(draft_url(encounter.id)).json()
    assert body["language"] == "fa"
    items = [i for s in SECTIONS for i in body["sections"][s]["items"]]
    assert items
    for item in items:
        for ev in item["evidence"]:
            assert body["transcript_text"][ev["start"] : ev["end"]] == ev["text"]
    assert "سردرد" in body["transcript_text"]
    assert any(body["sections"][s]["text"] for s in SECTIONS)


def test_generate_on_a_finalized_encounter_is_409(alice_client, drafted):
    Encounter.objects.filter(pk=drafted.pk).update(status=Encounter.Status.FINALIZED)
    before = snapshot(drafted)
    resp = alice_client.post(generate_url(drafted.id), format="json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "encounter_finalized"
    assert snapshot(drafted) == before


def test_generate_with_an_idempotency_key_replays_the_first_job(alice_client, transcribed):
    headers = {"HTTP_IDEMPOTENCY_KEY": "gen-1"}
    first = alice_client.post(generate_url(transcribed.id), format="json", **headers)
    second = alice_client.post(generate_url(transcribed.id), format="json", **headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["job_id"] == second.json()["job_id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Draft.objects.get(encounter=transcribed).version == 1


def test_generate_with_an_unconfigured_engine_is_422(alice_client, transcribed, settings):
    settings.NOTE_ENGINES = {"default": settings.NOTE_ENGINES["rules"]}
    resp = alice_client.post(generate_url(transcribed.id), {"engine": "llm"}, format="json")
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "engine_unavailable"


def test_a_failing_engine_fails_the_job_and_marks_the_encounter_failed(alice_client, transcribed, settings):
    settings.NOTE_ENGINES = {"default": {"BACKEND": "tests.nlp.fakes.BrokenEngine"}}
    resp = alice_client.post(generate_url(transcribed.id), format="json")
    assert resp.status_code == 201
    job = job_state(alice_client, resp)
    assert job["status"] == "failed" and job["job"]["error"]["code"] == "engine_broken"
    transcribed.refresh_from_db()
    assert transcribed.status == Encounter.Status.FAILED
    assert "engine_broken" in transcribed.status_detail
    assert not Draft.objects.filter(encounter=transcribed).exists()
    # a later successful run recovers
    settings.NOTE_ENGINES = {"default": {"BACKEND": "soapify.nlp.engines.rules.RulesEngine"}}
    again = alice_client.post(generate_url(transcribed.id), format="json")
    assert job_state(alice_client, again)["status"] == "succeeded"
    transcribed.refresh_from_db()
    assert transcribed.status == Encounter.Status.READY


def test_items_whose_evidence_does_not_match_are_never_stored(alice_client, transcribed, settings):
    settings.NOTE_ENGINES = {"default": {"BACKEND": "tests.nlp.fakes.BadAnchorEngine"}}
    resp = alice_client.post(generate_url(transcribed.id), format="json")
    assert job_state(alice_client, resp)["job"]["result"]["dropped_items"] == 2
    draft = Draft.objects.get(encounter=transcribed)
    items = draft.content["sections"]["subjective"]["items"]
    assert [i["text"] for i in items] == ["Headache."]
    assert items[0]["evidence"][0]["segment_id"] is not None  # filled from the transcript
    assert draft.meta["dropped_items"] == 2
    assert check_evidence(draft.content, draft.transcript_text) == []


# ------------------------------------------------------------------------------------------ the draft


def test_no_draft_yet_is_404_no_draft(alice_client, transcribed):
    resp = alice_client.get(draft_url(transcribed.id))
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "no_draft"


def test_a_past_version_is_served_with_the_transcript_it_refers_to(alice_client, drafted):
    v1 = alice_client.get(draft_url(drafted.id)).json()
    alice_client.put(
        update_url(drafted.id), {"section": "plan", "content": "Rest.", "version": 1}, format="json"
    )
    current = alice_client.get(draft_url(drafted.id)).json()
    assert current["version"] == 2 and current["sections"]["plan"]["text"] == "Rest."
    old = alice_client.get(draft_url(drafted.id), {"version": 1}).json()
    assert old["version"] == 1 and old["current_version"] == 2
    assert old["sections"] == v1["sections"]
    assert old["transcript_text"] == v1["transcript_text"]
    v2 = alice_client.get(draft_url(drafted.id), {"version": 2}).json()
    assert v2["sections"]["plan"]["text"] == "Rest." and v2["transcript_text"] == v1["transcript_text"]
    assert (
        alice_client.get(draft_url(drafted.id), {"version": 9}).json()["error"]["code"] == "version_not_found"
    )
    assert alice_client.get(draft_url(drafted.id), {"version": "x"}).status_code == 400
    assert "transcript_text" not in alice_client.get(draft_url(drafted.id), {"transcript": "false"}).json()


def test_the_draft_read_costs_the_same_queries_whatever_the_history(alice_client, drafted):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert alice_client.get(draft_url(drafted.id)).status_code == 200
        return len(ctx.captured_queries)

    short = count()
    for v in range(1, 21):
        resp = alice_client.put(
            update_url(drafted.id),
            {"section": SECTIONS[v % 4], "content": f"edit {v}", "version": v},
            format="json",
        )
        assert resp.status_code == 200, resp.json()
    long = count()
    assert long == short
    assert len(alice_client.get(draft_url(drafted.id)).json()["history"]) == 21


def test_reads_and_writes_of_the_draft_are_audited(alice_client, drafted):
    alice_client.get(draft_url(drafted.id))
    alice_client.put(update_url(drafted.id), {"section": "plan", "content": "Rest."}, format="json")
    actions = list(
        AuditLog.objects.filter(object_type="draft", object_id=str(drafted.id)).values_list(
            "action", flat=True
        )
    )
    assert {"create", "read", "update"} <= set(actions)


# ------------------------------------------------------------------------------------------ section edits


def test_a_section_edit_bumps_the_version_keeps_history_and_marks_the_section(alice_client, alice, drafted):
    before = Draft.objects.get(encounter=drafted)
    resp = alice_client.put(
        update_url(drafted.id),
        {"section": "assessment", "content": "Migraine without aura.", "version": 1},
        format="json",
    )
    assert resp.status_code == 200, resp.json()
    body = resp.json()
    assert body["version"] == 2
    sec = body["sections"]["assessment"]
    assert sec["text"] == "Migraine without aura." and sec["items"] == []
    assert sec["edited"] is True and sec["edited_by"] == alice.id and sec["edited_at"]
    for other in ("subjective", "objective", "plan"):
        assert body["sections"][other]["text"] == before.content["sections"][other]["text"]
        assert body["sections"][other]["edited"] is False
    assert body["history"][-1]["reason"] == "section_edit" and body["history"][-1]["section"] == "assessment"
    assert body["history"][-1]["author"] == {"id": alice.id, "username": "alice"}
    revs = list(DraftRevision.objects.filter(draft=before).order_by("version"))
    assert [r.version for r in revs] == [1, 2]
    assert revs[0].content == before.content  # history is never rewritten


def test_a_section_edit_with_items_keeps_verified_evidence(alice_client, drafted):
    draft = Draft.objects.get(encounter=drafted)
    text = draft.transcript_text
    i = text.index("penicillin")
    item = {"kind": "allergy", "text": "Penicillin allergy.", "name": "penicillin",
            "evidence": [{"start": i, "end": i + 10, "text": "penicillin"}]}  # fmt: skip
    resp = alice_client.put(
        update_url(drafted.id),
        {
            "section": "subjective",
            "content": {"text": "Allergic to penicillin.", "items": [item]},
            "version": 1,
        },
        format="json",
    )
    assert resp.status_code == 200, resp.json()
    stored = Draft.objects.get(encounter=drafted).content["sections"]["subjective"]["items"]
    seg = TranscriptSegment.objects.get(encounter=drafted, text__contains="penicillin")
    assert stored[0]["evidence"][0] == {"start": i, "end": i + 10, "text": "penicillin", "segment_id": seg.id}
    assert stored[0]["negated"] is False and stored[0]["confidence"] == 1.0


def test_a_stale_version_is_409_with_the_current_version(alice_client, drafted):
    ok = alice_client.put(
        update_url(drafted.id), {"section": "plan", "content": "A", "version": 1}, format="json"
    )
    assert ok.status_code == 200
    before = snapshot(drafted)
    stale = alice_client.put(
        update_url(drafted.id), {"section": "plan", "content": "B", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    err = stale.json()["error"]
    assert err["code"] == "version_conflict" and err["current_version"] == 2
    assert snapshot(drafted) == before


def test_an_edit_without_version_is_accepted_last_writer_wins(alice_client, drafted):
    resp = alice_client.put(update_url(drafted.id), {"section": "plan", "content": "Rest."}, format="json")
    assert resp.status_code == 200 and resp.json()["version"] == 2


def test_editing_a_finalized_encounter_is_409(alice_client, drafted):
    Encounter.objects.filter(pk=drafted.pk).update(status=Encounter.Status.FINALIZED)
    before = snapshot(drafted)
    resp = alice_client.put(
        update_url(drafted.id), {"section": "plan", "content": "x", "version": 1}, format="json"
    )
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "encounter_finalized"
    assert snapshot(drafted) == before


def test_editing_before_any_draft_is_404_no_draft(alice_client, transcribed):
    resp = alice_client.put(update_url(transcribed.id), {"section": "plan", "content": "x"}, format="json")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "no_draft"


# ------------------------------------------------------------------------------------------ regeneration


def test_regeneration_keeps_the_doctors_edit_and_offers_the_machine_text_beside_it(alice_client, drafted):
    v1 = alice_client.get(draft_url(drafted.id)).json()
    alice_client.put(
        update_url(drafted.id),
        {"section": "plan", "content": "Doctor's own plan.", "version": 1},
        format="json",
    )
    resp = alice_client.post(generate_url(drafted.id), format="json")
    assert job_state(alice_client, resp)["status"] == "succeeded"
    body = alice_client.get(draft_url(drafted.id)).json()
    assert body["version"] == 3
    plan = body["sections"]["plan"]
    assert plan["text"] == "Doctor's own plan." and plan["edited"] is True
    assert plan["machine_text"] == v1["sections"]["plan"]["text"]
    assert plan["machine_items"] == v1["sections"]["plan"]["items"]
    for other in ("subjective", "objective", "assessment"):
        assert body["sections"][other]["machine_text"] is None
        assert body["sections"][other]["text"] == v1["sections"][other]["text"]
    assert [h["reason"] for h in body["history"]] == ["generated", "section_edit", "regenerated"]
    drafted.refresh_from_db()
    assert drafted.status == Encounter.Status.READY

    # editing the section again clears the offer
    resp = alice_client.put(update_url(drafted.id), {"section": "plan", "content": "Final plan.", "version": 3},
                            format="json")  # fmt: skip
    plan = resp.json()["sections"]["plan"]
    assert plan["machine_text"] is None and "machine_items" not in plan and plan["edited"] is True


def test_regeneration_on_a_new_transcript_re_anchors_the_doctors_evidence(alice_client, drafted):
    draft = Draft.objects.get(encounter=drafted)
    i = draft.transcript_text.index("penicillin")
    item = {
        "kind": "allergy",
        "text": "Penicillin allergy.",
        "evidence": [{"start": i, "end": i + 10, "text": "penicillin"}],
    }
    alice_client.put(update_url(drafted.id), {"section": "subjective", "content": {"text": "PCN allergy.", "items": [item]}},
                     format="json")  # fmt: skip
    new = "Doctor: Hello there, good morning.\nPatient: I am allergic to penicillin and I have a headache."
    resp = alice_client.post(generate_url(drafted.id), {"transcript": new}, format="json")
    assert job_state(alice_client, resp)["status"] == "succeeded", resp.json()
    draft.refresh_from_db()
    assert draft.transcript_text.startswith("Hello there")
    kept = draft.content["sections"]["subjective"]
    assert kept["text"] == "PCN allergy."
    ev = kept["items"][0]["evidence"][0]
    assert draft.transcript_text[ev["start"] : ev["end"]] == "penicillin" and ev["start"] != i
    assert check_evidence(draft.content, draft.transcript_text) == []


# ------------------------------------------------------------------------------------------ access matrix


ENDPOINTS = [
    ("post", generate_url, {}),
    ("get", draft_url, None),
    ("put", update_url, {"section": "plan", "content": "x"}),
]
OWNER_STATUS = {"post": 201, "get": 200, "put": 200}


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    ("who", "expected"), [("owner", None), ("other", 404), ("admin", 404), ("anon", 401)]
)
def test_access_matrix(matrix, drafted, method, url, body, who, expected):
    before = snapshot(drafted)
    resp = getattr(matrix[who], method)(url(drafted.id), body, format="json")
    if expected is None:
        assert resp.status_code == OWNER_STATUS[method], resp.json()
        return
    assert resp.status_code == expected
    if expected == 404:
        assert resp.json()["error"]["code"] == "encounter_not_found"
    assert snapshot(drafted) == before


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
def test_an_unknown_encounter_is_404(alice_client, method, url, body):
    resp = getattr(alice_client, method)(url(987654), body, format="json")
    assert resp.status_code == 404


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "body",
    [
        {"engine": "gpt"},
        {"language": "de"},
        {"transcript": 12},
        {"transcript": ""},
        {"transcript": "   \n  "},
        {"surprise": True},
        ["transcript"],
    ],
)
def test_bad_generate_bodies_are_400_and_change_nothing(alice_client, drafted, body):
    before = snapshot(drafted)
    resp = alice_client.post(generate_url(drafted.id), body, format="json")
    assert resp.status_code == 400, resp.json()
    assert resp.json()["error"]["code"] == "validation_error"
    assert snapshot(drafted) == before


def test_malformed_json_is_400_and_changes_nothing(alice_client, drafted):
    before = snapshot(drafted)
    for method, url in (("post", generate_url), ("put", update_url)):
        resp = getattr(alice_client, method)(
            url(drafted.id), data='{"section": ', content_type="application/json"
        )
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "malformed_request"
    assert snapshot(drafted) == before


def test_a_too_long_transcript_is_413(alice_client, encounter):
    before = snapshot(encounter)
    resp = alice_client.post(
        generate_url(encounter.id), {"transcript": "Patient: ok. " * 17_000}, format="json"
    )
    assert resp.status_code == 413
    assert snapshot(encounter) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"section": "foo", "content": "x"}, 400),
        ({"section": "plan"}, 400),
        ({"content": "x"}, 400),
        ({"section": "plan", "content": None}, 400),
        ({"section": "plan", "content": 5}, 400),
        ({"section": "plan", "content": ["x"]}, 400),
        ({"section": "plan", "content": {"text": 1}}, 400),
        ({"section": "plan", "content": {"text": "x", "extra": 1}}, 400),
        ({"section": "plan", "content": {"text": "x", "items": "no"}}, 400),
        ({"section": "plan", "content": {"text": "x", "items": [{"kind": "vital", "text": "BP"}]}}, 400),
        ({"section": "plan", "content": {"text": "x", "items": [{"kind": "test", "text": "CBC", "colour": 1}]}}, 400),
        ({"section": "plan", "content": {"text": "x", "items": [{"kind": "test", "text": "CBC", "confidence": 3}]}}, 400),
        ({"section": "plan", "content": {"text": "x", "items": [
            {"kind": "test", "text": "CBC", "evidence": [{"start": 0, "end": 5, "text": "nope!"}]}]}}, 400),
        ({"section": "plan", "content": "x", "version": "two"}, 400),
        ({"section": "plan", "content": "x", "version": 0}, 400),
        ({"section": "plan", "content": "x", "extra": 1}, 400),
        ({"section": "plan", "content": "x" * 50_001}, 413),
        ({"section": "plan", "content": {"text": "x" * 50_001}}, 413),
    ],
)  # fmt: skip
def test_bad_section_edits_are_rejected_and_change_nothing(alice_client, drafted, body, status):
    before = snapshot(drafted)
    resp = alice_client.put(update_url(drafted.id), body, format="json")
    assert resp.status_code == status, resp.json()
    assert snapshot(drafted) == before


def test_a_section_of_exactly_the_limit_is_accepted(alice_client, drafted):
    resp = alice_client.put(
        update_url(drafted.id), {"section": "plan", "content": "x" * 50_000}, format="json"
    )
    assert resp.status_code == 200


def test_a_typed_transcript_is_refused_when_an_audio_transcript_exists(alice_client, drafted):
    from soapify.encounters.models import AudioChunk

    chunk = AudioChunk.objects.create(encounter=drafted, chunk_number=1, status=AudioChunk.Status.COMMITTED)
    TranscriptSegment.objects.create(encounter=drafted, chunk=chunk, source="stt", text="hello from audio")
    before = snapshot(drafted)
    resp = alice_client.post(generate_url(drafted.id), {"transcript": "Patient: typed."}, format="json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "audio_transcript_exists"
    assert snapshot(drafted) == before


def test_the_persian_fixture_helper_and_the_api_agree(alice_client, encounter):
    add_typed_transcript(encounter, PERSIAN)
    resp = alice_client.post(generate_url(encounter.id), {"language": "fa"}, format="json")
    assert job_state(alice_client, resp)["status"] == "succeeded"
    assert Draft.objects.get(encounter=encounter).language == "fa"

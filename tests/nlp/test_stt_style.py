"""The rules engine on speech-recognition output: no speaker labels, no punctuation, no capitals."""

from __future__ import annotations

from pathlib import Path

import pytest

from soapify.core.draft_schema import SECTIONS, check_evidence
from soapify.core.transcript import SPEAKER_DOCTOR, SPEAKER_PATIENT, build_transcript, parse_dialogue
from soapify.nlp.engines.rules import RulesEngine
from soapify.nlp.engines.stt import classify, infer_speakers, split_clauses, unlabelled
from soapify.nlp.engines.text import split_sentences

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dialogues"


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine()


@pytest.fixture(scope="module")
def stt_draft(engine):
    # PocketSphinx output of ../shared/data/audio/dev_visit_headache.wav: one line per speech region
    tv = parse_dialogue((FIXTURES / "stt_headache.txt").read_text(encoding="utf-8"))
    assert all(seg.speaker is None for seg in tv.segments)
    return tv, engine.generate(tv).draft


def items(draft, section, kind=None):
    return [it for it in draft["sections"][section]["items"] if kind is None or it["kind"] == kind]


def all_text(draft) -> str:
    return "\n".join(draft["sections"][s]["text"] for s in SECTIONS)


def test_stt_evidence_is_transcript_text(stt_draft):
    tv, draft = stt_draft
    assert check_evidence(draft, tv.text) == []
    for s in SECTIONS:
        for it in draft["sections"][s]["items"]:
            for ev in it["evidence"]:
                assert ev["text"] == tv.text[ev["start"] : ev["end"]]


def test_stt_subjective(stt_draft):
    _, draft = stt_draft
    (cc,) = items(draft, "subjective", "chief_complaint")
    assert cc["name"] == "headache" and cc["duration"] == "3 days"
    hpi = " ".join(it["text"] for it in items(draft, "subjective", "hpi")).lower()
    for doctor_words in ("what brings", "blood pressure", "exam", "come back", "migraine", "any fever"):
        assert doctor_words not in hpi
    ros = items(draft, "subjective", "ros")
    reported = {it["name"] for it in ros if not it["negated"]}
    denied = {it["name"] for it in ros if it["negated"]}
    assert {"fever", "weakness"} <= denied  # "no fever and no weakness"
    assert not reported & {"fever", "weakness"}  # the doctor's question is not a report
    (allergy,) = items(draft, "subjective", "allergy")
    assert allergy["name"] == "penicillin" and not allergy["negated"]
    meds = items(draft, "subjective", "medication")
    assert [(m["name"], m.get("frequency")) for m in meds] == [("ibuprofen", "as needed")]


def test_stt_objective(stt_draft):
    _, draft = stt_draft
    (bp,) = items(draft, "objective", "vital")
    assert (bp["name"], bp["value"], bp["unit"]) == ("bp", "128/82", "mm[Hg]")
    exam = " ".join(it["text"] for it in items(draft, "objective", "exam")).lower()
    assert "temperature is normal" in exam
    assert "neurological exam is normal" in exam


def test_stt_assessment_and_plan(stt_draft):
    _, draft = stt_draft
    problems = items(draft, "assessment", "problem")
    assert [p["name"] for p in problems] == ["migraine"]
    (med,) = items(draft, "plan", "medication")
    assert med["name"] == "too much written"  # the drug name as heard (sumatriptan)
    assert (med["dose"], med["unit"], med["frequency"]) == ("50", "mg", "as needed")
    instructions = " ".join(it["text"] for it in items(draft, "plan", "instruction")).lower()
    assert "headache diary" in instructions
    (fu,) = items(draft, "plan", "follow_up")
    assert fu["interval"] == "2 weeks" and "sooner if the pain gets worse" in fu["text"]
    # the doctor's first person is never rewritten as the patient's
    assert "the patient will start" not in all_text(draft).lower()
    assert "medications: this looks like" not in all_text(draft).lower()


def test_speaker_heuristics():
    assert classify("what brings you in today") == (SPEAKER_DOCTOR, True)
    assert classify("any fever weakness or trouble speak of") == (SPEAKER_DOCTOR, True)
    assert classify("do you take any medications") == (SPEAKER_DOCTOR, True)
    assert classify("your blood pressure is one twenty eight over eighty two")[0] == SPEAKER_DOCTOR
    assert classify("i will start too much written fifty milligrams")[0] == SPEAKER_DOCTOR
    assert classify("come back in two weeks")[0] == SPEAKER_DOCTOR
    assert classify("i have had a headache for about three days") == (SPEAKER_PATIENT, False)
    assert classify("i'm allergic to penicillin") == (SPEAKER_PATIENT, False)
    assert classify("no fever and no weakness") == (SPEAKER_PATIENT, False)


def test_clause_cuts_keep_offsets():
    line = (
        "this looks like a migraine i will start too much written fifty milligrams as needed "
        "and i want you to keep a headache diary"
    )
    tv = build_transcript([{"text": line}])
    clauses = split_clauses(split_sentences(tv))
    assert [c.text for c in clauses] == [
        "this looks like a migraine",
        "i will start too much written fifty milligrams as needed",
        "i want you to keep a headache diary",
    ]
    assert all(tv.text[c.start : c.end] == c.text for c in clauses)


def test_labelled_transcripts_are_left_alone():
    tv = parse_dialogue((FIXTURES / "headache_visit.txt").read_text(encoding="utf-8"))
    sents = split_sentences(tv)
    assert not unlabelled(sents)
    # a labelled segment keeps its speaker even when inference runs
    assert [s.speaker for s in infer_speakers(sents)] == [s.speaker for s in split_clauses(sents)]


def test_persian_unlabelled(engine):
    lines = [
        "سلام چه مشکلی دارید",
        "سه روز است سردرد دارم و دیشب تب داشتم",
        "حالت تهوع یا استفراغ دارید",
        "نه ندارم",
        "فشار خون ۱۳۰ روی ۸۵ است",
        "احتمالا سرماخوردگی است استامینوفن ۵۰۰ میلی‌گرم هر ۸ ساعت ادامه دهید و اگر بهتر نشدید یک هفته دیگر مراجعه کنید",
    ]
    tv = build_transcript([{"text": t} for t in lines])
    draft = engine.generate(tv).draft
    assert draft["language"] == "fa"
    assert check_evidence(draft, tv.text) == []
    ros = items(draft, "subjective", "ros")
    assert {it["name"] for it in ros if it["negated"]} >= {"nausea", "vomiting"}
    assert not any(
        "دارید" in it["text"] for it in items(draft, "subjective", "hpi")
    )  # questions are not history
    assert items(draft, "objective", "vital")[0]["value"] == "130/85"
    assert items(draft, "assessment", "problem")
    assert items(draft, "plan", "medication")[0]["name"] == "استامینوفن"
    assert items(draft, "plan", "follow_up")

"""Assessment and plan by problem: the ``problem`` link on draft items, and the note grouped by it."""

from __future__ import annotations

import pytest

from soapify.core.draft_schema import check_evidence
from soapify.core.transcript import parse_dialogue
from soapify.nlp.engines.note_text import problem_groups, render_note
from soapify.nlp.engines.rules import RulesEngine

TWO_PROBLEMS = """[doctor] What brings you in today?
[patient] I need a refill of my blood pressure pills and my knee has been hurting for a month.
[doctor] Okay. Let me take a look. Your blood pressure today is one fifty over ninety.
[doctor] There is tenderness over the medial joint line of the right knee.
[doctor] So for your first problem, your hypertension, it is not well controlled.
[doctor] I will increase your lisinopril to 20 mg once a day.
[doctor] I want you to check your blood pressure at home every day.
[doctor] For your second problem, your right knee osteoarthritis, I will order an x-ray of the knee.
[doctor] I would also like to refer you to physical therapy.
[doctor] Come back in four weeks, sooner if the knee swells up or you can't walk on it.
[patient] Okay, thank you."""

EAR = """[doctor] What seems to be the problem with your son?
[patient] He has had a fever for two days.
[doctor] The right ear drum is red and bulging.
[doctor] He has an ear infection. I will prescribe amoxicillin 400 mg twice a day for ten days.
[doctor] Bring him back if the fever lasts more than three more days."""

FA = """پزشک: سلام، چه مشکلی دارید؟
بیمار: دو روز است تب دارم.
پزشک: عفونت ویروسی است. استامینوفن ۵۰۰ میلی‌گرم هر ۸ ساعت تجویز می‌کنم."""


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(use_embeddings=False)


def items(draft, section, kind=None):
    return [it for it in draft["sections"][section]["items"] if kind is None or it["kind"] == kind]


def test_plan_items_link_to_the_problem_they_follow(engine):
    tv = parse_dialogue(TWO_PROBLEMS)
    draft = engine.generate(tv).draft
    assert check_evidence(draft, tv.text) == []
    problems = {it.get("problem") for it in items(draft, "assessment")}
    assert {"hypertension", "right knee osteoarthritis"} <= problems
    by_kind = {
        (it["kind"], it.get("name") or it["text"][:20]): it.get("problem") for it in items(draft, "plan")
    }
    assert by_kind[("medication", "lisinopril")] == "hypertension"
    med = next(it for it in items(draft, "plan", "medication") if it["name"] == "lisinopril")
    assert (med["dose"], med["unit"]) == ("20", "mg")
    knee = [it for it in items(draft, "plan") if it.get("problem") == "right knee osteoarthritis"]
    assert {"test", "referral", "follow_up"} <= {it["kind"] for it in knee}
    home = [it for it in items(draft, "plan") if "at home" in it["text"]]
    assert home and home[0]["problem"] == "hypertension"


def test_note_groups_the_plan_under_each_problem(engine):
    draft = engine.generate(parse_dialogue(TWO_PROBLEMS)).draft
    _, _, groups = problem_groups(draft)
    assert [name for name, _, _ in groups][:2] == ["hypertension", "right knee osteoarthritis"]
    ap = render_note(draft, max_words=None).split("ASSESSMENT AND PLAN", 1)[1]
    htn, knee = ap.index("hypertension"), ap.lower().index("right knee osteoarthritis")
    assert htn < ap.index("Lisinopril 20 mg") < knee < ap.index("x-ray")


def test_told_diagnosis_is_a_problem_with_its_prescription(engine):
    tv = parse_dialogue(EAR)
    draft = engine.generate(tv).draft
    problem = [it for it in items(draft, "assessment") if "ear infection" in it["text"].lower()][0]
    assert problem["problem"] == "ear infection" and problem["name"] == "ear infection"
    med = items(draft, "plan", "medication")[0]
    assert med["name"] == "amoxicillin" and med["problem"] == "ear infection"


def test_problem_named_only_in_a_plan_sentence_gets_a_diagnosis_statement(engine):
    tv = parse_dialogue(
        "[doctor] For your next problem, your reflux, we will continue the omeprazole 20 mg daily.\n"
        "[patient] Okay."
    )
    draft = engine.generate(tv).draft
    assert check_evidence(draft, tv.text) == []
    stated = [it for it in items(draft, "assessment") if it.get("problem") == "reflux"]
    assert stated and stated[0]["text"] == "Reflux." and stated[0]["evidence"][0]["text"] == "reflux"
    assert all(it.get("problem") == "reflux" for it in items(draft, "plan"))


def test_no_problem_no_link(engine):
    draft = engine.generate(parse_dialogue("[doctor] Come back in two weeks.\n[patient] Okay.")).draft
    assert items(draft, "plan") and not any("problem" in it for it in items(draft, "plan"))
    assert "Follow-up" in render_note(draft)


def test_persian_problem_link(engine):
    tv = parse_dialogue(FA)
    draft = engine.generate(tv, language="fa").draft
    assert check_evidence(draft, tv.text) == []
    med = items(draft, "plan", "medication")[0]
    assert med.get("problem") and med["problem"] in {it.get("problem") for it in items(draft, "assessment")}

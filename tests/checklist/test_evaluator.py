"""The checklist evaluator engines and starter content: pure Python, no database."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from soapify.checklist.engines.base import (
    CATEGORIES,
    PRIORITIES,
    ItemSpec,
    normalize_text,
    render_question,
    validate_keywords,
    validate_question_template,
)
from soapify.checklist.engines.llm import LLMEvaluator, locate_quote
from soapify.checklist.engines.rules import RulesEvaluator
from soapify.checklist.starter import CATALOG_ITEMS, TEMPLATES, catalog_by_key, item_spec, template_items
from soapify.core.engines import EngineError
from soapify.core.transcript import parse_dialogue

DATA = Path(
    os.environ.get("SOAPIFY_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data")
)
_PERSIAN = re.compile(r"[\u0600-\u06FF]")
_LATIN = re.compile(r"[A-Za-z]")


def item(keywords: dict, **kw) -> ItemSpec:
    return ItemSpec(
        id=kw.pop("id", "x"),
        title=kw.pop("title", "Smoking"),
        keywords=keywords,
        question_template=kw.pop("question_template", {"en": "Do you smoke?", "fa": "آیا سیگار می‌کشید؟"}),
        **kw,
    )


@pytest.fixture(scope="module")
def keywords_only() -> RulesEvaluator:
    return RulesEvaluator(semantic=False)


def run(evaluator: RulesEvaluator, dialogue: str, spec: ItemSpec, **kw):
    transcript = parse_dialogue(dialogue)
    (result,) = evaluator.evaluate(transcript, [spec], **kw)
    return transcript, result


def assert_anchored(transcript, result) -> None:
    if result.anchor_positions:
        (span,) = result.anchor_positions
        assert transcript.text[span["start"] : span["end"]] == result.evidence_text
        assert result.evidence_text
    else:
        assert result.evidence_text == ""


# --- keyword modes ---------------------------------------------------------------------------------


def test_any_term_covers_the_item(keywords_only):
    t, r = run(
        keywords_only,
        "[doctor] do you use tobacco ?\n[patient] yes , a pack a day .",
        item({"any": ["smoke", "tobacco"]}),
    )
    assert r.status == "covered"
    assert "tobacco" in r.evidence_text
    assert r.generated_question is None
    assert_anchored(t, r)


def test_all_terms_present_cover_the_item_and_some_terms_give_partial(keywords_only):
    spec = item({"all": ["blood pressure", "heart rate|pulse", "temperature"]}, title="Vital signs")
    _, full = run(keywords_only, "D: your blood pressure is fine , pulse 70 , temperature normal .", spec)
    assert full.status == "covered"
    t, some = run(keywords_only, "D: your blood pressure is a little high today .", spec)
    assert some.status == "partial"
    assert some.details["all_terms_found"] == "1/3"
    assert some.generated_question == "Do you smoke?"
    assert_anchored(t, some)


def test_a_synonym_alone_covers_the_item(keywords_only):
    spec = item({"synonyms": ["vital signs"], "all": ["blood pressure", "heart rate"]}, title="Vital signs")
    _, r = run(keywords_only, "D: your vital signs look good today .", spec)
    assert r.status == "covered"


def test_any_and_all_combine_with_and(keywords_only):
    spec = item({"any": ["chest"], "all": ["pain"]})
    assert run(keywords_only, "P: i have chest pain .", spec)[1].status == "covered"
    assert run(keywords_only, "P: i have knee pain .", spec)[1].status == "partial"


def test_terms_match_whole_words_with_english_plurals_only(keywords_only):
    spec = item({"any": ["smoke"]})
    assert run(keywords_only, "P: the kitchen smelled smokey .", spec)[1].status == "missing"
    assert run(keywords_only, "P: i am a smoker .", spec)[1].status == "missing"
    assert run(keywords_only, "P: he smokes at home .", spec)[1].status == "covered"
    assert run(keywords_only, "P: I SMOKE sometimes .", spec)[1].status == "covered"


def test_a_trailing_star_matches_a_prefix(keywords_only):
    assert run(keywords_only, "P: i am a smoker .", item({"any": ["smok*"]}))[1].status == "covered"


def test_multiword_terms_match_across_hyphens_and_spaces(keywords_only):
    spec = item({"any": ["follow up"]}, title="Follow-up")
    assert run(keywords_only, "D: we will book a follow-up .", spec)[1].status == "covered"
    assert run(keywords_only, "D: we will  follow   up next week .", spec)[1].status == "covered"


# --- negation and uncertainty ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialogue", "keywords"),
    [
        ("[doctor] any allergies ?\n[patient] no known allergies .", {"any": ["allerg*"]}),
        ("[doctor] do you smoke ?\n[patient] no , i do n't smoke .", {"any": ["smok*"]}),
        ("[patient] I don't smoke and never have.", {"any": ["smok*"]}),
        ("[doctor] she denies any tobacco use .", {"any": ["tobacco"]}),
    ],
)
def test_a_negative_answer_covers_the_question(keywords_only, dialogue, keywords):
    t, r = run(keywords_only, dialogue, item(keywords))
    assert r.status == "covered"
    assert r.details["polarity"] == "negated"
    assert r.generated_question is None
    assert_anchored(t, r)


def test_the_evidence_of_a_question_includes_its_answer(keywords_only):
    t, r = run(
        keywords_only,
        "[doctor] any allergies ?\n[patient] no known allergies .\n[doctor] ok .",
        item({"any": ["nkda", "allergies"]}),
    )
    assert r.evidence_text == "any allergies ?\nno known allergies ."
    assert_anchored(t, r)


def test_an_uncertain_answer_is_unclear(keywords_only):
    t, r = run(
        keywords_only,
        "[doctor] any allergies to medicines ?\n[patient] i'm not sure , i do n't remember .",
        item({"any": ["allerg*"]}),
    )
    assert r.status == "unclear"
    assert r.generated_question == "Do you smoke?"
    assert_anchored(t, r)


def test_a_topic_never_mentioned_is_missing_with_the_question(keywords_only):
    t, r = run(keywords_only, "[doctor] how is your knee ?\n[patient] it hurts .", item({"any": ["smok*"]}))
    assert r.status == "missing"
    assert r.evidence_text == "" and r.anchor_positions == []
    assert r.generated_question == "Do you smoke?"
    assert r.engine == "rules" and r.engine_version


# --- Persian ---------------------------------------------------------------------------------------


def test_persian_transcript_with_arabic_letters_is_matched_and_asked_in_persian(keywords_only):
    spec = item({"any": ["سیگار*", "smok*"]})
    # Arabic yeh (ي) and kaf (ك) in the transcript, Persian letters in the keyword.
    t, r = run(keywords_only, "پزشک: آيا سيگار مي\u200cكشيد؟\nبیمار: نه، اصلا.", spec)
    assert t.language == "fa"
    assert r.status == "covered"
    assert r.details["polarity"] == "negated"
    assert_anchored(t, r)
    other = item(
        {"any": ["حساسیت", "allerg*"]},
        title="Allergies",
        question_template={"en": "Any allergies?", "fa": "آیا حساسیت دارید؟"},
    )
    _, missing = run(keywords_only, "پزشک: آيا سيگار مي\u200cكشيد؟\nبیمار: نه.", other)
    assert missing.status == "missing"
    assert missing.generated_question == "آیا حساسیت دارید؟"


def test_persian_terms_find_attached_suffixes_and_zwnj_variants(keywords_only):
    spec = item({"any": ["دارو", "می کشید"]})
    assert run(keywords_only, "بیمار: داروهام رو مرتب می‌خورم.", spec)[1].status == "covered"
    assert run(keywords_only, "پزشک: سیگار میکشید؟", spec)[1].status == "covered"


def test_the_language_argument_chooses_the_question_language(keywords_only):
    _, r = run(keywords_only, "D: hello .", item({"any": ["smok*"]}), language="fa")
    assert r.generated_question == "آیا سیگار می‌کشید؟"


def test_normalisation_keeps_offsets():
    text = "فشار خون ۱۲۰ روي ۸۰ و ضربان ٧٢\u200cتا İstanbul"
    norm = normalize_text(text)
    assert len(norm) == len(text)
    assert "120" in norm and "72" in norm and "روی" in norm


def test_render_question_falls_back_between_languages_and_to_the_title():
    assert (
        render_question(item({}, question_template={"en": "Asked about {title}?"}), "fa")
        == "Asked about Smoking?"
    )
    assert render_question(item({}, question_template="Plain?"), "fa") == "Plain?"
    assert render_question(item({}, question_template=""), "en") == "Smoking?"


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        "smoke",
        {},
        {"some": ["x"]},
        {"any": "smoke"},
        {"any": []},
        {"any": ["ok", 3]},
        {"any": ["  "]},
        {"all": ["a||b"]},
        {"synonyms": [None]},
        {"any": ["x" * 500]},
    ],
)
def test_validate_keywords_rejects_bad_objects(bad):
    assert validate_keywords(bad)


def test_validate_keywords_accepts_good_objects():
    assert (
        validate_keywords({"any": ["smok*", "سیگار"], "all": ["heart rate|pulse"], "synonyms": ["tobacco"]})
        == []
    )


def test_validate_question_template():
    assert validate_question_template("Ask?") == []
    assert validate_question_template({"en": "Ask?", "fa": "بپرسید؟"}) == []
    assert validate_question_template({"de": "Frage?"})
    assert validate_question_template({"en": ""})
    assert validate_question_template(3)


# --- starter content -------------------------------------------------------------------------------


def test_starter_default_template_has_at_least_30_items_across_soap():
    defaults = [t for t in TEMPLATES if t["is_default"]]
    assert len(defaults) == 1
    specs = template_items(defaults[0]["key"])
    assert len(specs) >= 30
    assert {"subjective", "objective", "assessment", "plan"} <= {s.category for s in specs}
    assert len([t for t in TEMPLATES if not t["is_default"]]) >= 2


def test_starter_items_are_complete_and_bilingual():
    keys = [i["key"] for i in CATALOG_ITEMS]
    assert len(keys) == len(set(keys))
    for it in CATALOG_ITEMS:
        assert re.fullmatch(r"[a-z0-9_]+", it["key"]), it["key"]
        assert it["category"] in CATEGORIES and it["priority"] in PRIORITIES, it["key"]
        assert it["title"] and it["description"], it["key"]
        assert validate_keywords(it["keywords"]) == [], it["key"]
        terms = " ".join(t for terms in it["keywords"].values() for t in terms)
        assert _LATIN.search(terms) and _PERSIAN.search(terms), f"{it['key']} needs en and fa keywords"
        q = it["question_template"]
        assert validate_question_template(q) == [], it["key"]
        assert _LATIN.search(q["en"]) and _PERSIAN.search(q["fa"]), it["key"]


def test_starter_templates_reference_existing_items_once():
    by_key = catalog_by_key()
    template_keys = [t["key"] for t in TEMPLATES]
    assert len(template_keys) == len(set(template_keys))
    for t in TEMPLATES:
        assert t["items"] and len(t["items"]) == len(set(t["items"])), t["key"]
        assert all(k in by_key for k in t["items"]), t["key"]


def test_starter_items_evaluate_without_errors(keywords_only):
    transcript = parse_dialogue(
        "[doctor] any allergies ?\n[patient] no .\n[doctor] your vital signs look good ."
    )
    results = keywords_only.evaluate(transcript, [item_spec(i) for i in CATALOG_ITEMS])
    assert len(results) == len(CATALOG_ITEMS)
    by_id = {r.item_id: r for r in results}
    assert by_id["allergies"].status == "covered"
    assert by_id["vital_signs"].status == "covered"
    assert by_id["smoking"].status == "missing"
    for r in results:
        assert_anchored(transcript, r)


# --- the real MiniLM on real ACI-BENCH training dialogues ------------------------------------------


@pytest.fixture(scope="module")
def aci() -> dict[str, str]:
    path = DATA / "aci-bench" / "train.csv"
    if not path.exists():
        pytest.skip("ACI-BENCH data absent")
    csv.field_size_limit(10_000_000)
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["encounter_id"]: row["dialogue"] for row in csv.DictReader(fh)}


def test_semantic_evaluator_on_a_real_visit(aci):
    transcript = parse_dialogue(aci["D2N018"])
    specs = template_items("general_internal_medicine")
    results = RulesEvaluator().evaluate(transcript, specs)
    by_id = {r.item_id: r for r in results}
    assert by_id["allergies"].status == "covered"  # "any allergies to medicines?" - "no ..."
    assert by_id["allergies"].details["polarity"] == "negated"
    assert by_id["smoking"].status == "missing"
    assert by_id["smoking"].generated_question
    for r in results:
        assert 0.0 <= r.confidence_score <= 1.0
        assert r.model == "all-MiniLM-L6-v2"
        assert_anchored(transcript, r)


# --- LLM evaluator with a fake JSON chat client ----------------------------------------------------


class FakeClient:
    def __init__(self, reply: dict) -> None:
        self.reply = reply
        self.calls: list[list[dict]] = []

    def complete_json(self, messages: list[dict], schema: dict) -> dict:
        self.calls.append(messages)
        return self.reply


def test_llm_evaluator_locates_quotes_and_drops_invented_ones():
    transcript = parse_dialogue(
        "[doctor] Any allergies?\n[patient] No known allergies.\n[doctor] Do you smoke?"
    )
    reply = {
        "items": [
            {"id": "a", "status": "covered", "confidence": 0.9, "quote": "no known  allergies"},
            {"id": "s", "status": "partial", "confidence": 0.6, "quote": "I smoke ten a day"},
            {"id": "f", "status": "missing", "confidence": 0.8},
        ]
    }
    client = FakeClient(reply)
    specs = [
        item({}, id="a", title="Allergies"),
        item({}, id="s"),
        item({}, id="f", title="Family"),
        item({}, id="z"),
    ]
    results = LLMEvaluator(model="test-model", client=client).evaluate(transcript, specs)
    a, s, f, z = results
    assert a.status == "covered" and a.evidence_text == "No known allergies" and a.generated_question is None
    assert_anchored(transcript, a)
    assert s.status == "partial" and s.evidence_text == "" and "quote_dropped" in s.details
    assert f.status == "missing" and f.generated_question == "Do you smoke?"
    assert z.status == "unclear"
    assert a.engine == "llm" and a.model == "test-model"
    assert len(client.calls) == 1


def test_llm_evaluator_rejects_a_malformed_answer():
    transcript = parse_dialogue("D: hello")
    with pytest.raises(EngineError):
        LLMEvaluator(client=FakeClient({"nope": 1})).evaluate(transcript, [item({})])


def test_locate_quote():
    assert locate_quote("Hello  World", "hello world") == (0, 12)
    assert locate_quote("abc", "xyz") is None

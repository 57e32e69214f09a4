"""A keyword group compiles to one pattern with one pair of word boundaries around all its
alternatives; it must find exactly what one bounded pattern per alternative finds."""

from __future__ import annotations

import re

from soapify.checklist.engines.base import normalize_text
from soapify.checklist.engines.keywords import _compile_alternative, compile_group, compile_term
from soapify.checklist.starter import CATALOG_ITEMS, item_spec
from soapify.core.transcript import parse_dialogue
from tests.checklist.test_embedder_equivalence import VISITS


def one_pattern_per_alternative(terms: list[str]) -> re.Pattern | None:
    """The group as it was compiled before: every alternative bounded on its own."""
    sources = [
        rf"(?<!\w)(?:{_compile_alternative(alt)})(?!\w)"
        for t in terms
        if isinstance(t, str)
        for alt in t.split("|")
        if alt.strip(" *")
    ]
    return re.compile("|".join(sources)) if sources else None


def test_every_starter_group_finds_the_same_spans_on_the_fixture_visits():
    texts = [normalize_text(parse_dialogue(d).text) for d in VISITS.values()]
    texts.append("allergies, allergic; no-allergy. seasonal allergy? smokes smoker's ex-smoker داروهام را")
    compared = matched = 0
    for item in CATALOG_ITEMS:
        kw = item_spec(item).keywords or {}
        groups = [list(kw.get(g) or []) for g in ("synonyms", "any", "partial", "limited")]
        groups += [[t] for t in kw.get("all") or []]
        for terms in filter(None, groups):
            new, old = compile_group(terms), one_pattern_per_alternative(terms)
            assert new is not None and old is not None
            for text in texts:
                spans = [m.span() for m in old.finditer(text)]
                assert [m.span() for m in new.finditer(text)] == spans, terms
                matched += len(spans)
            compared += 1
    assert compared > 40 and matched > 50


def test_a_term_of_one_alternative_and_an_empty_term():
    assert re.search(compile_term("allerg*"), "any allergies ?")
    assert not re.search(compile_term("allerg*"), "nonallergic")
    assert compile_term(" | * ") == "" and compile_group(["", " * "]) is None

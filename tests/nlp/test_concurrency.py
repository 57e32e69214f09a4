"""Two doctors' tabs saving the same section at once: select_for_update makes exactly one win."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from soapify.nlp.models import Draft, DraftRevision
from tests.conftest import client_for
from tests.nlp.conftest import update_url

pytestmark = pytest.mark.django_db(transaction=True)


def race(user, encounter_id: int, bodies: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    codes: list[int] = [0] * len(bodies)

    def put(i: int, body: dict) -> None:
        try:
            client = client_for(user)
            barrier.wait()
            codes[i] = client.put(update_url(encounter_id), body, format="json").status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=put, args=(i, b)) for i, b in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return codes


def test_two_edits_based_on_the_same_version_give_one_200_and_one_409(alice, drafted):
    for round_ in range(5):
        version = Draft.objects.get(encounter=drafted).version
        bodies = [{"section": "plan", "content": f"plan {round_}.{i}", "version": version} for i in range(4)]
        codes = race(alice, drafted.id, bodies)
        assert sorted(codes) == [200, 409, 409, 409], codes
        draft = Draft.objects.get(encounter=drafted)
        assert draft.version == version + 1
        assert draft.content["sections"]["plan"]["text"] in {b["content"] for b in bodies}
    versions = list(DraftRevision.objects.filter(draft__encounter=drafted).values_list("version", flat=True))
    assert versions == list(range(1, 7))


def test_edits_without_a_version_all_land_one_after_the_other(alice, drafted):
    bodies = [
        {"section": s, "content": f"{s} text"} for s in ("subjective", "objective", "assessment", "plan")
    ]
    codes = race(alice, drafted.id, bodies)
    assert codes == [200, 200, 200, 200]
    draft = Draft.objects.get(encounter=drafted)
    assert draft.version == 5
    assert all(draft.content["sections"][b["section"]]["text"] == b["content"] for b in bodies)
    assert all(draft.section_meta[b["section"]]["edited"] for b in bodies)
    assert DraftRevision.objects.filter(draft=draft).count() == 5

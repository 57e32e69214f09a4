"""A visit made through the API shows in the doctor's figures and in the request timings."""

from __future__ import annotations

import time

import pytest

from soapify.analytics import timings
from tests.analytics.conftest import needs_redis
from tests.conftest import client_for
from tests.test_access_matrix import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _offline_engines(settings):
    settings.STT_ENGINES = {"default": {"BACKEND": "tests.stt.fakes.FakeEngine", "OPTIONS": {}}}
    settings.STT_LIVE_TRANSCRIPTION = False


@needs_redis
def test_a_visit_through_the_api_shows_in_the_figures(alice, bob_client, admin_client):
    world = World(alice, client_for(alice))
    encounter = world.finalized
    figures = world.owner.get("/api/analytics/overview/").json()
    assert (figures["encounters"], figures["drafts"], figures["finalized_notes"]) == (1, 1, 1)
    assert bob_client.get("/api/analytics/overview/").json()["encounters"] == 0

    timings.rollups_flush(now=time.time() + 200)
    routes = {e["route"]: e for e in admin_client.get("/api/analytics/performance/").json()["endpoints"]}
    assert routes["/api/outputs/finalize/"]["requests"] == 1
    assert routes["/api/nlp/generate/<int:encounter_id>/"]["requests"] == 1
    assert not [r for r in routes if str(encounter) in r]

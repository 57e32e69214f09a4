"""overview/, users/ and business-metrics/: a doctor's own figures, the clinic's for an admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.analytics.factories import visit
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(alice, bob):
    now = timezone.now()
    visit(alice, at=now - timedelta(days=1), audio_seconds=120, draft_after=30, edits=2)
    visit(alice, at=now - timedelta(days=2), audio_seconds=180, draft_after=50, edits=0)
    visit(alice, at=now - timedelta(days=60), audio_seconds=600, draft_after=10)  # outside 30 days
    visit(bob, at=now - timedelta(days=3), audio_seconds=60, draft_after=90, edits=12, finalized=False)
    return now


def test_a_doctor_sees_their_own_figures(alice_client, clinic):
    body = alice_client.get("/api/analytics/overview/").json()
    assert body["scope"] == "own"
    assert body["days"] == 30
    assert body["encounters"] == 2
    assert body["audio_minutes"] == 5.0
    assert body["drafts"] == 2
    assert body["finalized_notes"] == 2
    assert body["end_of_visit_to_draft"] == {"median_seconds": 40.0, "encounters": 2}
    assert body["checklist"]["evaluations"] == 8
    assert body["checklist"]["by_status"] == {"covered": 4, "partial": 2, "missing": 2, "unclear": 0}
    assert body["checklist"]["coverage_percent"] == 62.5
    assert body["active_doctors"] == 1


def test_an_admin_sees_the_clinic(admin_client, clinic):
    body = admin_client.get("/api/analytics/overview/?days=90").json()
    assert body["scope"] == "clinic"
    assert body["encounters"] == 4
    assert body["finalized_notes"] == 3
    assert body["drafts"] == 4
    assert body["end_of_visit_to_draft"] == {"median_seconds": 40.0, "encounters": 4}
    assert body["active_doctors"] == 2


@pytest.mark.parametrize("days", ["0", "366", "x", "-1", "99999999999999999999"])
def test_bad_days_are_a_400(alice_client, days):
    response = alice_client.get(f"/api/analytics/overview/?days={days}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_doctor_reads_their_own_user_figures_by_default(alice_client, alice, clinic):
    body = alice_client.get("/api/analytics/users/").json()
    assert body["user_id"] == alice.pk
    assert body["encounters"] == 2
    assert body["draft_section_edits"] == 2
    assert body["jobs"]["succeeded"] == 4


def test_a_doctor_asking_for_another_user_gets_404(alice_client, bob, clinic):
    response = alice_client.get(f"/api/analytics/users/?user_id={bob.pk}")
    assert response.status_code == 404
    assert "encounters" not in response.json()


def test_an_admin_reads_any_user_and_unknown_ids_are_404(admin_client, bob, clinic):
    body = admin_client.get(f"/api/analytics/users/?user_id={bob.pk}&days=7").json()
    assert (body["username"], body["encounters"], body["draft_section_edits"]) == ("bob", 1, 12)
    assert admin_client.get("/api/analytics/users/?user_id=987654").status_code == 404
    assert admin_client.get("/api/analytics/users/?user_id=abc").status_code == 400


def test_user_figures_include_recorded_activity(alice_client):
    for action in ("draft.viewed", "draft.viewed", "note.shared"):
        assert (
            alice_client.post("/api/analytics/activity/", {"action": action}, format="json").status_code
            == 201
        )
    activity = alice_client.get("/api/analytics/users/").json()["activity"]
    assert [(a["action"], a["count"]) for a in activity] == [("draft.viewed", 2), ("note.shared", 1)]


def _business(client, date_from, date_to):
    return client.post(
        "/api/analytics/business-metrics/", {"date_from": date_from, "date_to": date_to}, format="json"
    )


def test_business_metrics_for_the_clinic(admin_client, alice, bob, clinic):
    today = clinic.date()
    body = _business(admin_client, str(today - timedelta(days=10)), str(today)).json()
    assert body["scope"] == "clinic"
    assert body["finalized_notes"] == 2  # alice's two recent notes; bob finalized nothing
    assert body["doctor_days"] == 2
    assert body["notes_per_doctor_day"] == 1.0
    assert (body["drafts"], body["drafts_finalized"], body["drafts_finalized_percent"]) == (3, 2, 66.67)
    assert body["median_edits_per_note"] == 1.0
    saved = body["documentation_time_saved"]
    assert saved["minutes"] == (10 - 2) + 10  # defaults: 10 min a note, 1 min an edit
    assert "ANALYTICS_MANUAL_NOTE_MINUTES" in saved["method"]
    assert body["per_doctor"] == [
        {
            "doctor_id": alice.pk,
            "username": "alice",
            "notes": 2,
            "doctor_days": 2,
            "notes_per_doctor_day": 1.0,
        }
    ]


def test_business_metrics_of_a_doctor_are_their_own(bob_client, clinic, settings):
    settings.ANALYTICS_MANUAL_NOTE_MINUTES = 15
    today = clinic.date()
    body = _business(bob_client, str(today - timedelta(days=10)), str(today)).json()
    assert body["scope"] == "own"
    assert (body["finalized_notes"], body["drafts"], body["drafts_finalized_percent"]) == (0, 1, 0.0)
    assert body["notes_per_doctor_day"] is None
    assert "per_doctor" not in body


def test_a_doctor_with_nothing_gets_zeros_not_errors(db):
    carol = make_user("carol")
    body = client_for(carol).get("/api/analytics/overview/").json()
    assert body["encounters"] == 0
    assert body["end_of_visit_to_draft"] == {"median_seconds": None, "encounters": 0}
    assert body["checklist"]["coverage_percent"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {"date_from": "2026-13-01", "date_to": "2026-12-31"},
        {"date_from": "06/12/2026", "date_to": "2026-12-31"},
        {"date_from": "2026-12-31", "date_to": "2026-01-01"},
        {"date_from": "2020-01-01", "date_to": "2026-01-01"},
        {"date_from": "2026-01-01"},
        {"date_from": "2026-01-01", "date_to": "2026-01-02", "doctor": 1},
        {"date_from": 20260101, "date_to": "2026-01-02"},
    ],
)
def test_bad_business_metric_ranges_are_a_400(alice_client, payload):
    response = alice_client.post("/api/analytics/business-metrics/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"


def test_malformed_json_is_a_400(alice_client):
    response = alice_client.generic(
        "POST", "/api/analytics/business-metrics/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"

"""A HEAD on a share link (a link preview, a crawler) answers like GET but is not a view."""

from __future__ import annotations

import pytest

from soapify.core.models import AuditLog
from soapify.outputs.models import ShareLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_view_link(alice_client, encounter, finalized):
    response = alice_client.post(
        "/api/outputs/link-patient/", {"encounter_id": encounter.pk, "max_views": 1}, format="json"
    )
    assert response.status_code == 201, response.data
    return response.data["link_id"]


def test_a_head_on_a_share_link_answers_200_and_counts_no_view(anon, one_view_link):
    for _ in range(3):
        response = anon.head(f"/api/outputs/access/{one_view_link}/")
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
    assert ShareLink.objects.get().view_count == 0
    assert anon.get(f"/api/outputs/access/{one_view_link}/").status_code == 200
    assert ShareLink.objects.get().view_count == 1


def test_a_head_on_a_used_up_link_is_a_404_like_get(anon, one_view_link):
    assert anon.get(f"/api/outputs/access/{one_view_link}/").status_code == 200
    assert anon.head(f"/api/outputs/access/{one_view_link}/").status_code == 404
    assert anon.head("/api/outputs/access/not-a-token/").status_code == 404


def test_a_head_is_audited_as_an_access_that_was_not_counted(anon, one_view_link):
    anon.head(f"/api/outputs/access/{one_view_link}/")
    row = AuditLog.objects.filter(object_type="share_link").latest("id")
    assert row.extra["reason"] == "ok" and row.extra["counted"] is False


def test_the_audit_log_never_stores_the_token_of_a_get_or_a_head(anon, one_view_link):
    anon.head(f"/api/outputs/access/{one_view_link}/")
    anon.get(f"/api/outputs/access/{one_view_link}/")
    rows = AuditLog.objects.filter(object_type="share_link", action="access")
    assert rows.count() == 2
    assert all(row.path == "/api/outputs/access/[redacted]/" for row in rows)
    assert not any(one_view_link in row.path + str(row.extra) + row.object_id for row in rows)

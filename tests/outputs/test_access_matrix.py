"""Every authenticated outputs endpoint against the access matrix: owner doctor, another doctor,
admin (doctors' encounters are not theirs: 404) and anonymous (401). Nothing changes on a refusal."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from soapify.outputs.models import FinalizedNote, OutputFile, ShareLink

pytestmark = pytest.mark.django_db

EXPECTED = {"other": 404, "admin": 404, "anon": 401}


@pytest.fixture
def targets(alice_client, encounter, finalized):
    link = alice_client.post("/api/outputs/link-patient/", {"encounter_id": encounter.pk}, format="json").data
    file = OutputFile.objects.get(kind="pdf_doctor")
    return {"encounter": encounter.pk, "file": file.pk, "link": link["id"]}


ENDPOINTS = [
    ("post", "/api/outputs/finalize/", lambda t: {"encounter_id": t["encounter"]}, 201),
    ("get", "/api/outputs/finalized/{encounter}/", None, 200),
    ("get", "/api/outputs/files/{encounter}/", None, 200),
    ("post", "/api/outputs/download/{file}/", None, 201),
    ("post", "/api/outputs/link-patient/", lambda t: {"encounter_id": t["encounter"]}, 201),
    ("get", "/api/outputs/links/?encounter_id={encounter}", None, 200),
    ("post", "/api/outputs/links/{link}/revoke/", None, 200),
]


def _call(client, method, path, body, targets):
    url = path.format(**targets)
    data = body(targets) if body else None
    return getattr(client, method)(url, data, format="json") if data else getattr(client, method)(url)


def _state():
    return (
        FinalizedNote.objects.count(),
        OutputFile.objects.count(),
        ShareLink.objects.count(),
        list(ShareLink.objects.values_list("revoked_at", flat=True)),
    )


@pytest.mark.parametrize("method,path,body,ok", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
@pytest.mark.parametrize("who", ["other", "admin", "anon"])
def test_non_owners_are_refused_and_nothing_changes(matrix, targets, method, path, body, ok, who):
    before = _state()
    response = _call(matrix[who], method, path, body, targets)
    assert response.status_code == EXPECTED[who], response.content
    assert "error" in response.json()
    assert _state() == before


@pytest.mark.parametrize("method,path,body,ok", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_the_owner_is_served(matrix, targets, method, path, body, ok):
    response = _call(matrix["owner"], method, path, body, targets)
    assert response.status_code == ok, response.content


def test_the_other_doctors_404_is_the_same_as_for_a_missing_encounter(bob_client, targets):
    mine = bob_client.get(f"/api/outputs/finalized/{targets['encounter']}/")
    missing = bob_client.get("/api/outputs/finalized/99999999/")
    assert mine.status_code == missing.status_code == 404
    assert mine.json()["error"]["message"] == missing.json()["error"]["message"]


def test_the_public_pages_need_no_login(anon, targets, alice_client):
    # The share-link page and a signed download URL are the only routes without authentication.
    url = alice_client.post(f"/api/outputs/download/{targets['file']}/").data["url"]
    assert anon.get(urlparse(url).path).status_code == 200

"""The seed's seven-step flow, end to end through the real API with a real recording:

1. POST /api/auth/token/  2. POST /api/encounters/create/  (+ upload the audio: presigned URL, PUT,
commit)  3. POST /api/stt/encounter/{id}/process/  4. POST /api/nlp/generate/{id}/
5. GET /api/nlp/drafts/{id}/  6. POST /api/outputs/finalize/  7. GET /api/outputs/finalized/{id}/

Each job runs when the request that started it commits (Celery's eager mode in tests; a real
worker in tests/core/test_flow_worker.py). The flow also works sent back to back, with no waiting:
the draft waits for the transcription, the finalization for the draft. A route of the flow that is
missing is a failure, never a skip.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, CommittingAPIClient
from tests.jobstate import deliver, send_flow

# every route the seed's flow and this test call, as the seed writes them (1 stands for an id)
SEED_FLOW_ROUTES = (
    ("POST", "/api/auth/token/"),
    ("POST", "/api/encounters/create/"),
    ("POST", "/api/audio/presigned-url/"),
    ("POST", "/api/audio/commit/"),
    ("POST", "/api/stt/encounter/1/process/"),
    ("GET", "/api/stt/encounter/1/transcript/"),
    ("POST", "/api/nlp/generate/1/"),
    ("GET", "/api/nlp/drafts/1/"),
    ("POST", "/api/outputs/finalize/"),
    ("GET", "/api/outputs/finalized/1/"),
    ("GET", "/api/encounters/1/"),
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("method", "path"), SEED_FLOW_ROUTES)
def test_every_route_of_the_seed_flow_is_routed(method, path):
    try:
        match = resolve(path)
    except Resolver404:
        pytest.fail(f"{method} {path}: the seed's flow needs this route and the URLconf has none")
    view = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    assert view is not None and hasattr(view, method.lower()), f"{path} does not answer {method}"


FIXTURES = Path(__file__).resolve().parent / "fixtures"
AUDIO = next(p for p in (FIXTURES / "stt" / "vitals_7s.wav", FIXTURES / "audio" / "clip.wav") if p.exists())


def _job_done(client: APIClient, response) -> dict:
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"job_id", "status", "status_url"} <= set(body)
    job = client.get(body["status_url"]).json()
    assert job["status"] == "succeeded", job
    return body


def _signed_in(client: APIClient, user) -> APIClient:
    """1. the token, as the seed's client gets it"""
    token = client.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    return client


def _encounter_with_recording(client: APIClient) -> int:
    """2. the encounter, then its recording: presigned URL, upload, commit"""
    created = client.post(
        "/api/encounters/create/", {"patient_ref": "HS-12345", "context": "OPD"}, format="json"
    )
    assert created.status_code == 201, created.content
    encounter_id = created.json()["id"]
    data = AUDIO.read_bytes()
    presigned = client.post(
        "/api/audio/presigned-url/",
        {"encounter_id": encounter_id, "chunk_number": 1, "format": "wav", "file_size": len(data)},
        format="json",
    )
    assert presigned.status_code == 201, presigned.content
    target = presigned.json()
    headers = {k: v for k, v in (target.get("headers") or {}).items() if k.lower() != "content-type"}
    content_type = (target.get("headers") or {}).get("Content-Type", "audio/wav")
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    uploaded = APIClient().generic(
        target.get("method", "PUT"),
        urlparse(target["upload_url"]).path,
        data,
        content_type=content_type,
        **meta,
    )
    assert uploaded.status_code == 200, uploaded.content
    committed = client.post(
        "/api/audio/commit/",
        {"chunk_id": target["chunk_id"], "sha256": hashlib.sha256(data).hexdigest()},
        format="json",
    )
    assert committed.status_code == 201, committed.content
    return encounter_id


def test_the_seed_flow_runs_end_to_end_with_a_real_recording(alice):
    client = _signed_in(CommittingAPIClient(), alice)
    encounter_id = _encounter_with_recording(client)

    # 3. speech to text (the real PocketSphinx engine hears the clip)
    _job_done(client, client.post(f"/api/stt/encounter/{encounter_id}/process/"))
    transcript = client.get(f"/api/stt/encounter/{encounter_id}/transcript/").json()
    assert "heart rate" in transcript["text"].lower() and "pressure" in transcript["text"].lower()
    # 4. SOAP draft
    _job_done(client, client.post(f"/api/nlp/generate/{encounter_id}/"))
    # 5. the draft, its objective section with the vitals heard, every item anchored in the transcript
    draft = client.get(f"/api/nlp/drafts/{encounter_id}/")
    assert draft.status_code == 200, draft.content
    sections = draft.json()["sections"]
    vitals = [i for i in sections["objective"]["items"] if i["kind"] == "vital"]
    assert {v["name"] for v in vitals} & {"hr", "bp"}, sections["objective"]
    for section in sections.values():
        for item in section["items"]:
            for ev in item["evidence"]:
                assert transcript["text"][ev["start"] : ev["end"]] == ev["text"]

    # 6. finalize
    finalized = _job_done(
        client, client.post("/api/outputs/finalize/", {"encounter_id": encounter_id}, format="json")
    )
    assert finalized["encounter_id"] == encounter_id

    # 7. the finalized note
    note = client.get(f"/api/outputs/finalized/{encounter_id}/")
    assert note.status_code == 200, note.content
    body = note.json()
    assert body["version"] == 1 and body["status"] == "finalized"
    assert set(body["soap"]["sections"]) == {"subjective", "objective", "assessment", "plan"}
    assert {f["kind"] for f in body["files"]} == {"markdown", "pdf_doctor", "pdf_patient", "fhir"}
    assert client.get(f"/api/encounters/{encounter_id}/").json()["status"] == "finalized"


def test_the_seed_flow_sent_back_to_back_with_no_waiting_ends_with_the_finalized_note(
    alice, django_capture_on_commit_callbacks
):
    """Steps 1 to 7 as a client written against the seed sends them, without polling: the draft is
    queued behind the transcription, the finalization behind the draft; the two reads answer 202
    with the job to follow. The messages the requests sent are then delivered (as a broker would,
    after all of them), and the finalized note is there."""
    client = _signed_in(APIClient(), alice)  # its requests' jobs wait for the delivery below
    with django_capture_on_commit_callbacks() as sent:
        encounter_id = _encounter_with_recording(client)
        r = send_flow(client, encounter_id)
    process, generate, draft, finalize, finalized = r.values()
    assert [r.status_code for r in (process, generate, draft, finalize, finalized)] == [
        201,
        201,
        202,
        201,
        202,
    ]
    assert draft.json()["job_id"] == generate.json()["job_id"]
    assert finalized.json()["job_id"] == finalize.json()["job_id"]

    deliver(django_capture_on_commit_callbacks, sent)

    for started in (process, generate, finalize):
        job = client.get(started.json()["status_url"]).json()
        assert job["status"] == "succeeded", job
    sections = client.get(f"/api/nlp/drafts/{encounter_id}/").json()["sections"]
    assert {v["name"] for v in sections["objective"]["items"] if v["kind"] == "vital"} & {"hr", "bp"}
    note = client.get(f"/api/outputs/finalized/{encounter_id}/")
    assert note.status_code == 200, note.content
    assert note.json()["version"] == 1 and note.json()["status"] == "finalized"
    assert {f["kind"] for f in note.json()["files"]} == {"markdown", "pdf_doctor", "pdf_patient", "fhir"}

"""Reading what a job did, the way a client does: after the POST that started it, GET its
``status_url``. The POST's 201 body only says what the request did (the job is queued, or
waiting); the job runs after the request's transaction commits."""

from __future__ import annotations

from typing import Any


def job_state(client: Any, response: Any) -> dict:
    """The 201 body of a POST that started (or reused) a job, with ``status`` and ``job`` as its
    ``status_url`` reports them now."""
    body = response.json()
    assert response.status_code == 201 and "status_url" in body, (response.status_code, body)
    job = client.get(body["status_url"]).json()
    return {**body, "status": job["status"], "job": job}


def held_client(user: Any) -> Any:
    """A client for ``user`` whose requests' jobs are never sent: the request's on-commit
    callbacks wait for a commit the test's transaction never makes (to look at a job while it is
    still queued). ``tests.conftest.client_for`` gives the usual client, which sends them."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def deliver(capture, sent) -> None:
    """What a worker does with the messages the requests sent (and those the jobs send)."""
    with capture(execute=True):
        for callback in sent:
            callback()


def send_flow(client, encounter_id: int) -> dict:
    """Steps 3 to 7 of the seed's flow, back to back, no waiting."""
    return {
        "process": client.post(f"/api/stt/encounter/{encounter_id}/process/"),
        "generate": client.post(f"/api/nlp/generate/{encounter_id}/"),
        "draft": client.get(f"/api/nlp/drafts/{encounter_id}/"),
        "finalize": client.post("/api/outputs/finalize/", {"encounter_id": encounter_id}, format="json"),
        "finalized": client.get(f"/api/outputs/finalized/{encounter_id}/"),
    }

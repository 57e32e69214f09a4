"""Deliveries: signed (Standard Webhooks), ids and links only, retried on a schedule until one
succeeds, time-limited, never redirected, refused to private addresses at delivery too, and the
endpoint disabled after sustained failure with a note in its delivery log."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from soapify.core.jobs import get_handler
from soapify.core.models import Job
from soapify.core.signals import job_finished
from soapify.webhooks import events, services, tasks
from soapify.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.httpfakes import slow, statuses
from tests.webhooks.conftest import create_webhook, time_passes

pytestmark = pytest.mark.django_db

DIALOGUE = (Path(__file__).resolve().parents[1] / "fixtures" / "dialogues" / "headache_visit.txt").read_text(
    encoding="utf-8"
)


def received(httpserver) -> list:
    return [request for request, _response in httpserver.log if request.path == "/hook"]


def send_test(client, pk: int, capture) -> dict:
    with capture(execute=True):
        response = client.post(f"/api/webhooks/{pk}/test/")
    assert response.status_code == 201, response.content
    return response.json()


def delivery(pk: int) -> WebhookDelivery:
    return WebhookDelivery.objects.get(pk=pk)


def test_a_delivery_is_signed_by_standard_webhooks(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    hook = create_webhook(alice_client, receiver)
    sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    [request] = received(httpserver)
    payload = Webhook(hook["secret"]).verify(request.get_data(), dict(request.headers))
    assert payload["type"] == "webhook.test" and payload["data"]["webhook_id"] == hook["id"]
    assert request.headers["webhook-id"] == sent["event_id"]
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    with pytest.raises(WebhookVerificationError):
        Webhook(create_webhook(alice_client, receiver)["secret"]).verify(
            request.get_data(), dict(request.headers)
        )
    assert delivery(sent["id"]).status == "succeeded"
    listed = alice_client.get(f"/api/webhooks/{hook['id']}/deliveries/").json()
    assert listed["count"] == 1
    [row] = listed["results"]
    assert row["status"] == "succeeded" and row["attempt_log"][0]["status_code"] == 200


def test_a_generated_draft_is_delivered_as_draft_ready_with_ids_and_links_only(
    alice_client, encounter, receiver, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    hook = create_webhook(alice_client, receiver, ["draft.ready"])
    typed = alice_client.post(
        f"/api/encounters/{encounter.pk}/transcript/", {"text": DIALOGUE}, format="json"
    )
    assert typed.status_code == 201, typed.content
    with django_capture_on_commit_callbacks(execute=True):
        started = alice_client.post(f"/api/nlp/generate/{encounter.pk}/", format="json")
    assert started.status_code == 201, started.content
    job = alice_client.get(started.json()["status_url"]).json()
    assert job["status"] == "succeeded", job
    [request] = received(httpserver)
    payload = Webhook(hook["secret"]).verify(request.get_data(), dict(request.headers))
    assert payload["type"] == "draft.ready"
    data = payload["data"]
    assert data["encounter_id"] == encounter.pk and data["job_id"] == job["id"]
    assert data["links"]["draft"].endswith(f"/api/nlp/drafts/{encounter.pk}/")
    assert data["links"]["job"].endswith(f"/api/jobs/{job['id']}/")
    # ids and links only: no word of the visit, no patient reference
    text = request.get_data(as_text=True)
    assert encounter.patient_ref not in text
    words = {w for w in DIALOGUE.split() if len(w) > 6 and w.isalpha()}
    assert words and not [w for w in words if w in text]


def _finished_job(user, kind: str, status: str, **fields) -> Job:
    job = Job.objects.create(
        kind=kind,
        owner=user,
        status=status,
        params={"encounter_id": 42},
        finished_at=timezone.now(),
        **fields,
    )
    return job


def test_a_failed_job_is_delivered_as_job_failed_with_its_error_code_only(
    alice, alice_client, receiver, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    hook = create_webhook(alice_client, receiver, ["job.failed"])
    job = _finished_job(
        alice, "outputs.finalize", "failed", error={"code": "no_draft", "message": "Patient said: chest pain"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        job_finished.send(sender=job.kind, job=job, status=job.status)
        job_finished.send(sender=job.kind, job=job, status=job.status)  # told twice: sent once
    [request] = received(httpserver)
    payload = Webhook(hook["secret"]).verify(request.get_data(), dict(request.headers))
    assert payload["type"] == "job.failed"
    assert payload["data"]["error_code"] == "no_draft" and payload["data"]["job_kind"] == "outputs.finalize"
    assert "chest pain" not in request.get_data(as_text=True)
    assert WebhookDelivery.objects.filter(endpoint_id=hook["id"]).count() == 1


def test_only_subscribed_events_of_the_owner_are_delivered(
    alice, bob, alice_client, bob_client, receiver, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    create_webhook(alice_client, receiver, ["finalize.completed"])
    create_webhook(bob_client, receiver, ["draft.ready", "job.failed"])
    with django_capture_on_commit_callbacks(execute=True):
        for kind in ("nlp.generate_draft", "search.reindex", "core.ping"):
            job = _finished_job(alice, kind, "succeeded")
            job_finished.send(sender=kind, job=job, status="succeeded")
        job = _finished_job(alice, "nlp.generate_draft", "cancelled")
        job_finished.send(sender=job.kind, job=job, status="cancelled")
    assert received(httpserver) == []
    assert not WebhookDelivery.objects.exists()


def test_every_mapped_job_kind_is_a_registered_job():
    for kind in events.SUCCESS_EVENTS:
        assert get_handler(kind).kind == kind


@pytest.mark.parametrize(
    ("kind", "event", "link"),
    [
        ("stt.process_encounter", "transcription.completed", "/api/stt/encounter/42/transcript/"),
        ("nlp.generate_draft", "draft.ready", "/api/nlp/drafts/42/"),
        ("checklist.evaluate_encounter", "checklist.evaluated", "/api/nlp/drafts/42/checklist/"),
        ("outputs.finalize", "finalize.completed", "/api/outputs/finalized/42/"),
    ],
)
def test_each_job_kind_maps_to_its_event(alice, kind, event, link):
    job = _finished_job(alice, kind, "succeeded", result={"note_id": 7, "version": 1})
    assert events.event_for(job, "succeeded") == event
    assert events.event_for(job, "failed") == "job.failed"
    data = events.job_data(job, event)
    assert data["encounter_id"] == 42
    assert any(url.endswith(link) for url in data["links"].values())


def test_a_receiver_that_fails_five_times_then_succeeds_gets_exactly_one_success(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks, settings
):
    for _ in range(5):
        httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("busy", status=503)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    hook = create_webhook(alice_client, receiver)
    sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    for _ in range(8):
        time_passes()
    assert statuses(httpserver) == [503, 503, 503, 503, 503, 200]
    ids = {request.headers["webhook-id"] for request in received(httpserver)}
    assert ids == {sent["event_id"]}  # the same message id on every attempt
    row = delivery(sent["id"])
    assert (row.status, row.attempts, row.last_status_code) == ("succeeded", 6, 200)
    assert [a.status_code for a in row.attempt_log.all()] == [503, 503, 503, 503, 503, 200]
    assert WebhookEndpoint.objects.get(pk=hook["id"]).failing_since is None


def test_retries_follow_the_schedule_for_more_than_a_day_then_give_up(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks, settings
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("no", status=500)
    schedule = settings.WEBHOOKS_RETRY_SCHEDULE
    assert sum(schedule) >= 24 * 3600
    hook = create_webhook(alice_client, receiver)
    sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    delays = []
    for _ in range(len(schedule)):
        row = delivery(sent["id"])
        last = row.attempt_log.order_by("-number").first()
        delays.append((row.next_attempt_at - last.started_at).total_seconds())
        time_passes()
    assert [round(d) for d in delays] == [round(s) for s in schedule] or all(
        s <= d <= s + 5 for d, s in zip(delays, schedule, strict=True)
    )
    row = delivery(sent["id"])
    assert row.status == "failed" and row.attempts == len(schedule) + 1
    assert "Gave up" in row.note
    assert time_passes() == 0


def test_a_hanging_receiver_times_out_and_is_retried_later(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOKS_READ_TIMEOUT = 0.3
    httpserver.expect_request("/hook", method="POST").respond_with_handler(slow(2.0))
    hook = create_webhook(alice_client, receiver)
    sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    row = delivery(sent["id"])
    assert row.status == "pending" and row.attempts == 1
    assert row.attempt_log.get().error == "timeout"


def test_a_large_answer_is_not_read_past_the_cap(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOKS_MAX_RESPONSE_BYTES = 1024
    httpserver.expect_request("/hook", method="POST").respond_with_data(b"x" * (20 * 1024 * 1024))
    hook = create_webhook(alice_client, receiver)
    sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    assert delivery(sent["id"]).status == "succeeded"


def test_a_redirect_is_not_followed(alice_client, receiver, httpserver, django_capture_on_commit_callbacks):
    httpserver.expect_request("/hook", method="POST").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    hook = create_webhook(alice_client, receiver)
    sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    assert len(httpserver.log) == 1
    row = delivery(sent["id"])
    assert row.status == "pending" and row.attempt_log.get().error == "redirect_refused"


def test_the_address_is_checked_again_at_delivery(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks, settings
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    hooks = [
        create_webhook(alice_client, receiver),
        create_webhook(alice_client, receiver.replace("127.0.0.1", "localhost")),
    ]
    settings.WEBHOOKS_ALLOW_PRIVATE = False  # e.g. the DNS answer changed to a private address
    for hook in hooks:
        sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
        assert delivery(sent["id"]).attempt_log.get().error == "address_refused"
    assert httpserver.log == []


def test_the_connection_goes_to_the_address_checked_with_the_host_name_kept(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    hook = create_webhook(alice_client, receiver.replace("127.0.0.1", "localhost"))
    send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    [request] = received(httpserver)
    assert request.headers["Host"] == f"localhost:{httpserver.port}"


def test_sustained_failure_disables_the_endpoint_with_a_note(
    alice, alice_client, receiver, httpserver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOKS_DISABLE_AFTER_SECONDS = 3600
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=500)
    hook = create_webhook(alice_client, receiver)
    first = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    second = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    WebhookEndpoint.objects.filter(pk=hook["id"]).update(failing_since=timezone.now() - timedelta(hours=2))
    time_passes()
    endpoint = WebhookEndpoint.objects.get(pk=hook["id"])
    assert not endpoint.is_active and "Disabled" in endpoint.disabled_reason
    assert {delivery(first["id"]).status, delivery(second["id"]).status} == {"failed"}
    log = alice_client.get(f"/api/webhooks/{hook['id']}/deliveries/").json()["results"]
    assert all("Disabled" in row["note"] for row in log)
    detail = alice_client.get(f"/api/webhooks/{hook['id']}/").json()
    assert detail["is_active"] is False and detail["disabled_reason"]
    # nothing more is sent to it, events included, until its owner enables it again
    attempts = len(httpserver.log)
    job = _finished_job(alice, "outputs.finalize", "failed", error={"code": "x"})
    with django_capture_on_commit_callbacks(execute=True):
        job_finished.send(sender=job.kind, job=job, status="failed")
    assert time_passes() == 0 and len(httpserver.log) == attempts
    assert alice_client.post(f"/api/webhooks/{hook['id']}/test/").status_code == 409
    assert alice_client.post(f"/api/webhooks/deliveries/{first['id']}/redeliver/").status_code == 409

    httpserver.clear_all_handlers()
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    assert (
        alice_client.patch(f"/api/webhooks/{hook['id']}/", {"is_active": True}, format="json").status_code
        == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/api/webhooks/deliveries/{first['id']}/redeliver/")
    assert response.status_code == 202, response.content
    assert delivery(first["id"]).status == "succeeded"


def test_redelivery_sends_the_same_message_id_again(
    alice_client, bob_client, receiver, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    hook = create_webhook(alice_client, receiver)
    sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    assert bob_client.post(f"/api/webhooks/deliveries/{sent['id']}/redeliver/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/api/webhooks/deliveries/{sent['id']}/redeliver/")
    assert response.status_code == 202
    first, again = received(httpserver)
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == sent["event_id"]
    assert delivery(sent["id"]).attempts == 2


def test_redelivering_a_delivery_under_way_is_a_409(alice_client, receiver, httpserver):
    hook = create_webhook(alice_client, receiver)
    response = alice_client.post(f"/api/webhooks/{hook['id']}/test/")  # its attempt not made yet
    again = alice_client.post(f"/api/webhooks/deliveries/{response.json()['id']}/redeliver/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "delivery_in_progress"


def test_during_a_rotation_both_secrets_verify_then_only_the_new_one(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    hook = create_webhook(alice_client, receiver)
    rotated = alice_client.post(f"/api/webhooks/{hook['id']}/rotate-secret/").json()
    send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    [request] = received(httpserver)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (hook["secret"], rotated["secret"]):
        Webhook(secret).verify(request.get_data(), dict(request.headers))

    WebhookEndpoint.objects.filter(pk=hook["id"]).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    later = received(httpserver)[-1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    Webhook(rotated["secret"]).verify(later.get_data(), dict(later.headers))
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(later.get_data(), dict(later.headers))


def test_a_claimed_delivery_is_not_sent_twice(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    hook = create_webhook(alice_client, receiver)
    sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    assert tasks.deliver(sent["id"]) == "skipped"  # a duplicate message
    assert time_passes() == 0
    assert len(received(httpserver)) == 1


def test_deliveries_list_makes_a_constant_number_of_queries(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=500)
    hook = create_webhook(alice_client, receiver)
    send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as one:
        alice_client.get(f"/api/webhooks/{hook['id']}/deliveries/")
    for _ in range(3):
        send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    time_passes()
    with CaptureQueriesContext(connection) as four:
        body = alice_client.get(f"/api/webhooks/{hook['id']}/deliveries/").json()
    assert body["count"] == 4
    assert len(four) == len(one)
    assert json.dumps(body)  # serialisable as it is


def test_processing_that_left_long_chunks_to_windows_is_not_yet_transcription_completed(alice):
    job = _finished_job(alice, "stt.process_encounter", "succeeded", result={"transcribing_in_windows": [1]})
    assert events.event_for(job, "succeeded") is None
    done = _finished_job(alice, "stt.process_encounter", "succeeded", result={"transcribing_in_windows": []})
    assert events.event_for(done, "succeeded") == "transcription.completed"


def test_a_live_chunk_is_no_event_but_a_failed_window_is_job_failed(alice):
    live = Job.objects.create(kind="stt.transcribe_chunk", owner=alice, params={"chunk_id": 1, "live": True})
    assert events.event_for(live, "succeeded") is None
    window = Job.objects.create(kind="stt.transcribe_window", owner=alice, params={"window_id": 1})
    assert events.event_for(window, "failed") == "job.failed"
    assert events.event_for(window, "succeeded") is None  # no stitched chunk, no complete transcript


def test_a_receiver_dripping_its_answer_is_cut_off(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks, settings
):
    """Headers at once, then a byte now and then for ever: the attempt stops reading after
    WEBHOOKS_TOTAL_TIMEOUT and hangs up (the receiver sees the connection closed long before its end)."""
    import time as _time

    from werkzeug import Response

    settings.WEBHOOKS_TOTAL_TIMEOUT = 0.3
    sent_bytes: list[int] = []

    def drip():
        try:
            for _ in range(400):
                yield b"x"
                sent_bytes.append(1)
                _time.sleep(0.05)
        except GeneratorExit:
            return

    httpserver.expect_request("/hook", method="POST").respond_with_handler(
        lambda request: Response(drip(), status=200, direct_passthrough=True)
    )
    hook = create_webhook(alice_client, receiver)
    sent = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    assert delivery(sent["id"]).status == "succeeded"  # a 2xx: the body does not matter
    from tests.httpfakes import drain

    drain(httpserver)
    assert len(sent_bytes) < 400


def test_the_window_that_completes_the_transcript_is_transcription_completed(alice, encounter):
    from soapify.encounters.models import AudioChunk
    from soapify.stt.models import ChunkTranscription, ChunkWindow

    chunks = [
        AudioChunk.objects.create(encounter=encounter, chunk_number=n, status=AudioChunk.Status.COMMITTED)
        for n in (1, 2)
    ]
    cts = [
        ChunkTranscription.objects.create(chunk=c, status=ChunkTranscription.Status.RUNNING) for c in chunks
    ]
    window = ChunkWindow.objects.create(
        transcription=cts[0], generation=1, index=0, start=0, end=30, keep_from=0
    )
    job = Job.objects.create(
        kind="stt.transcribe_window", owner=alice, params={"window_id": window.pk}, result={"stitched": True}
    )
    ChunkTranscription.objects.filter(pk=cts[0].pk).update(status=ChunkTranscription.Status.DONE)
    assert events.event_for(job, "succeeded") is None  # chunk 2 still running
    ChunkTranscription.objects.filter(pk=cts[1].pk).update(status=ChunkTranscription.Status.DONE)
    assert events.event_for(job, "succeeded") == "transcription.completed"
    data = events.job_data(job, "transcription.completed")
    assert data["encounter_id"] == encounter.pk
    assert data["links"]["transcript"].endswith(f"/api/stt/encounter/{encounter.pk}/transcript/")


def test_a_webhook_has_one_attempt_under_way_at_a_time_and_the_next_follows_it(
    alice_client, receiver, httpserver, settings
):
    """WEBHOOKS_MAX_IN_FLIGHT=1: while an attempt to a webhook is under way (a hanging receiver),
    another delivery to it waits instead of holding a second worker process; when the attempt
    ends, the waiting one is sent at once."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    hook = create_webhook(alice_client, receiver)
    endpoint = WebhookEndpoint.objects.get(pk=hook["id"])
    first, second = (services.webhook_test(endpoint=endpoint) for _ in range(2))
    # another worker holds the first one's attempt
    WebhookDelivery.objects.filter(pk=first.pk).update(
        status="sending", claim=uuid.uuid4(), claimed_until=timezone.now() + timedelta(minutes=1), attempts=1
    )
    assert tasks.deliver(second.pk) == "deferred"
    assert received(httpserver) == []
    # that worker died: its lease runs out, the sweep takes the attempt back, and the second follows
    WebhookDelivery.objects.filter(pk=first.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert tasks.deliver(first.pk) == "succeeded"
    assert [r.headers["webhook-id"] for r in received(httpserver)] == [first.event_id, second.event_id]
    assert {delivery(first.pk).status, delivery(second.pk).status} == {"succeeded"}


def test_deliveries_can_be_listed_by_status(
    alice_client, receiver, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("", status=500)
    httpserver.expect_request("/hook", method="POST").respond_with_data("")
    hook = create_webhook(alice_client, receiver)
    failed = send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    send_test(alice_client, hook["id"], django_capture_on_commit_callbacks)
    url = f"/api/webhooks/{hook['id']}/deliveries/"
    assert [d["id"] for d in alice_client.get(url, {"status": "pending"}).json()["results"]] == [failed["id"]]
    assert alice_client.get(url, {"status": "succeeded"}).json()["count"] == 1
    bad = alice_client.get(url, {"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_finished_deliveries_are_pruned_after_the_keep_period(alice_client, receiver, httpserver, settings):
    from soapify.webhooks.models import WebhookAttempt

    settings.WEBHOOKS_KEEP_DAYS = 30
    endpoint = WebhookEndpoint.objects.get(pk=create_webhook(alice_client, receiver)["id"])
    old, recent, waiting = (services.webhook_test(endpoint=endpoint) for _ in range(3))
    WebhookDelivery.objects.filter(pk__in=[old.pk, recent.pk]).update(status="succeeded")
    WebhookAttempt.objects.create(delivery=old, number=1, started_at=timezone.now(), status_code=200)
    WebhookDelivery.objects.filter(pk__in=[old.pk, waiting.pk]).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert tasks.prune() == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not WebhookAttempt.objects.exists()

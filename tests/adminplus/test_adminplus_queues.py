"""Queue depth as the broker reports it: Redis (the length of the queue's lists) and the filesystem
broker (message files of that queue), with a message sent to a queue nobody consumes."""

from __future__ import annotations

import os
import uuid

import pytest
from celery import current_app

from soapify.adminplus.selectors import queue_depths
from tests.core.workers import broker_url, drop_broker_keys, redis_up, restore_broker, use_broker

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["redis", "filesystem"])
def broker(request, settings, tmp_path):
    if request.param == "redis" and not redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    if request.param == "redis":
        url = broker_url()
        prefix = f"soapify-test-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
        options: dict = {"global_keyprefix": prefix}
    else:
        url, prefix = "filesystem://", ""
        folder = tmp_path / "broker"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True)
        options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    use_broker(current_app, url, eager=False, transport_options=options)
    try:
        yield
    finally:
        if request.param == "redis":
            drop_broker_keys(url, prefix)
        restore_broker(current_app, settings)


def test_queue_depth_counts_the_messages_waiting_in_the_broker(broker):
    queue = f"adminplus-test-{uuid.uuid4().hex[:8]}"
    assert queue_depths([queue]) == {queue: {"broker": 0, "queued_jobs": 0}}
    for _ in range(3):
        current_app.send_task("soapify.adminplus.tests.nothing", queue=queue)
    assert queue_depths([queue])[queue]["broker"] == 3

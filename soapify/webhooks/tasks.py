"""Thin Celery tasks: one delivery attempt, and the periodic sweep of due deliveries."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.db import transaction

from soapify.webhooks import services

logger = logging.getLogger("soapify.webhooks")


@shared_task(name="soapify.webhooks.tasks.deliver", acks_late=True, ignore_result=True)
def deliver(delivery_id: int) -> str:
    outcome = services.delivery_attempt(delivery_id=delivery_id)
    if outcome not in ("skipped", "deferred"):  # an attempt ended: the webhook's next one may go
        following = services.delivery_next(delivery_id=delivery_id)
        if following is not None:
            _send([following])
    return outcome


@shared_task(name="soapify.webhooks.tasks.send_due", ignore_result=True)
def send_due() -> int:
    """Celery beat, every ``WEBHOOKS_SWEEP_SECONDS``: send the attempts that came due."""
    ids = services.deliveries_due()
    _send(ids)
    return len(ids)


@shared_task(name="soapify.webhooks.tasks.prune", ignore_result=True)
def prune() -> int:
    """Celery beat, hourly: finished deliveries older than ``WEBHOOKS_KEEP_DAYS`` are deleted."""
    return services.deliveries_prune()


def _send(ids: Iterable[int]) -> None:
    for pk in ids:
        try:
            deliver.apply_async(args=[pk], queue=settings.WEBHOOKS_QUEUE)
        except Exception:  # noqa: BLE001 - the broker is away: the sweep sends it later
            logger.warning("webhook delivery %s not sent to the broker; the sweep will", pk, exc_info=True)


def deliveries_dispatch(ids: list[int]) -> None:
    """Send the deliveries' first attempts once the surrounding transaction commits."""
    if ids:
        transaction.on_commit(lambda: _send(ids))

"""Finished jobs become webhook events (``core.signals.job_finished``)."""

from __future__ import annotations

from django.db import transaction

from soapify.core.models import Job
from soapify.webhooks import events, services
from soapify.webhooks.tasks import deliveries_dispatch


def on_job_finished(sender, *, job: Job, status: str, **kwargs) -> None:
    event = events.event_for(job, status)
    if event is None or job.owner_id is None:
        return
    if not services.subscribed(owner_id=job.owner_id, event_type=event):
        return
    with transaction.atomic():  # a failure here is rolled back alone, never the job's
        ids = services.event_emit(
            owner_id=job.owner_id,
            event_type=event,
            event_id=events.event_id_for(job, event),
            data=events.job_data(job, event),
        )
        deliveries_dispatch(ids)

"""The figures alert rules watch. Each takes the rule's window and returns a ``Reading``: the value
(None when there is nothing to measure) and how many observations it rests on."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, Now

from soapify.analytics.aggregates import PercentileCont, bucket_sums, buckets_of
from soapify.analytics.models import RequestRollup
from soapify.analytics.timings import quantile_ms
from soapify.core.models import Job

STT_QUEUES = ("stt", "stt_bulk")


@dataclass(frozen=True)
class Reading:
    value: float | None
    samples: int = 0


MetricFn = Callable[[datetime, datetime], Reading]
METRICS: dict[str, tuple[str, MetricFn]] = {}


def metric(name: str, description: str) -> Callable[[MetricFn], MetricFn]:
    def register(fn: MetricFn) -> MetricFn:
        METRICS[name] = (description, fn)
        return fn

    return register


def metric_read(name: str, *, window_minutes: int, now: datetime) -> Reading:
    _, fn = METRICS[name]
    return fn(now - timedelta(minutes=window_minutes), now)


@metric("stt_queue_wait_p95_seconds", "95th percentile of the time STT jobs created in the window "
        "waited in their queue (still queued: waiting until now), seconds")  # fmt: skip
def stt_queue_wait_p95(since: datetime, now: datetime) -> Reading:
    wait = ExpressionWrapper(Coalesce(F("started_at"), Now()) - F("created_at"), output_field=DurationField())
    row = Job.objects.filter(queue__in=STT_QUEUES, created_at__gte=since).aggregate(
        p95=PercentileCont(wait, 0.95), n=Count("id")
    )
    return Reading(row["p95"].total_seconds() if row["p95"] is not None else None, row["n"])


@metric("job_failure_rate_percent", "Share of the jobs finished in the window that failed, percent "
        "(cancelled jobs not counted)")  # fmt: skip
def job_failure_rate(since: datetime, now: datetime) -> Reading:
    row = Job.objects.filter(
        finished_at__gte=since, status__in=(Job.Status.SUCCEEDED, Job.Status.FAILED)
    ).aggregate(n=Count("id"), failed=Count("id", filter=Q(status=Job.Status.FAILED)))
    if not row["n"]:
        return Reading(None, 0)
    return Reading(round(100.0 * row["failed"] / row["n"], 2), row["n"])


@metric("job_queue_depth", "Jobs queued now, all queues (the window is not used)")
def job_queue_depth(since: datetime, now: datetime) -> Reading:
    n = Job.objects.filter(status=Job.Status.QUEUED).count()
    return Reading(float(n), n)


def _http(since: datetime) -> dict:
    return RequestRollup.objects.filter(minute__gte=since).aggregate(
        n=Coalesce(Sum("count"), 0),
        errors=Coalesce(Sum("count", filter=Q(status_class="5xx")), 0),
        **bucket_sums(),
    )


@metric("http_error_rate_percent", "Share of the requests in the window answered with a 5xx, percent")
def http_error_rate(since: datetime, now: datetime) -> Reading:
    row = _http(since)
    if not row["n"]:
        return Reading(None, 0)
    return Reading(round(100.0 * row["errors"] / row["n"], 2), row["n"])


@metric("http_p95_ms", "95th percentile of request latency in the window, all routes, ms")
def http_p95(since: datetime, now: datetime) -> Reading:
    row = _http(since)
    return Reading(quantile_ms(buckets_of(row), 0.95), row["n"])


@metric("storage_errors", "1 when a small probe file cannot be written, read back and deleted in "
        "the default storage, else 0 (the window is not used)")  # fmt: skip
def storage_errors(since: datetime, now: datetime) -> Reading:
    storage = storages["default"]
    payload = uuid.uuid4().hex.encode()
    try:
        name = storage.save(f"analytics-probe/{uuid.uuid4().hex}.txt", ContentFile(payload))
        try:
            with storage.open(name, "rb") as f:
                ok = f.read() == payload
        finally:
            storage.delete(name)
    except Exception:  # noqa: BLE001 - any failure of the store is what this measures
        ok = False
    return Reading(0.0 if ok else 1.0, 1)


@metric("disk_free_percent", "Free space on the disk holding the data folder (SOAPIFY_DATA_DIR), "
        "percent (the window is not used)")  # fmt: skip
def disk_free_percent(since: datetime, now: datetime) -> Reading:
    usage = shutil.disk_usage(settings.DATA_DIR)
    return Reading(round(100.0 * usage.free / usage.total, 2) if usage.total else None, 1)

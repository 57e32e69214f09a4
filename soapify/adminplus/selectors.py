"""AdminPlus reads: the audit log, jobs and their statistics, queue depths, health. Staff only (the
views check it); nothing here reads clinical content: audit rows are ids and actions, jobs are
shown without their parameters and results."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db.models import Aggregate, Count, F, FloatField, Func, QuerySet
from django.utils import timezone
from kombu.exceptions import ChannelError, OperationalError

from soapify.core import health
from soapify.core import jobs as core_jobs
from soapify.core.models import AuditLog, Job

# ------------------------------------------------------------------------------------------ health


def health_report() -> dict[str, Any]:
    """The checks of ``ADMINPLUS_HEALTH_CHECKS`` (the registry ``/readyz`` runs), each with status
    and latency, plus every worker's queues and last heartbeat and the depth of each queue.
    ``status``: ``down`` when a check of ``ADMINPLUS_HEALTH_CRITICAL`` fails, ``degraded`` when
    another one does, else ``ok``."""
    report = health.run_checks(settings.ADMINPLUS_HEALTH_CHECKS)
    checks = report["checks"]
    critical = set(settings.ADMINPLUS_HEALTH_CRITICAL)
    failed = [name for name, result in checks.items() if result["status"] != "up"]
    if any(name in critical for name in failed):
        status = "down"
    elif failed:
        status = "degraded"
    else:
        status = "ok"
    workers = health.worker_heartbeats()
    if "worker" in checks:
        checks["worker"]["workers"] = workers
    if "broker" in checks and checks["broker"]["status"] == "up":
        checks["broker"]["queues"] = queue_depths()
    if "engines" in checks:
        checks["engines"]["engines"] = engine_summary()
    return {"status": status, "checks": checks, "checked_at": timezone.now().isoformat()}


def engine_summary() -> dict[str, str]:
    """Each registry's default engine backend (class path only; no options, which may hold keys)."""
    summary = {}
    for setting in health.engine_settings():
        default = (getattr(settings, setting) or {}).get("default") or {}
        summary[setting] = str(default.get("BACKEND") or "")
    return summary


def known_queues() -> list[str]:
    """The queues jobs are sent to: every registered handler's, and any a job row names."""
    queues = {handler.queue for handler in core_jobs._HANDLERS.values()}
    queues |= set(Job.objects.exclude(status__in=Job.FINISHED).values_list("queue", flat=True).distinct())
    return sorted(queues)


def queue_depths(queues: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per queue: messages waiting in the broker (``broker``) and jobs ``queued`` in the database
    (``queued_jobs``, which includes jobs held behind another or waiting for a retry's delay).

    The broker's count is the transport's own measure (kombu's channel size): on Redis the length
    of the queue's lists (each priority step), on the filesystem broker the number of message files
    for that queue in its folder, on AMQP the count of a passive ``queue_declare``. Messages a
    worker has taken but not acknowledged are not in it. ``None`` when the broker cannot be
    asked."""
    queues = known_queues() if queues is None else queues
    in_db = dict(
        Job.objects.filter(status=Job.Status.QUEUED, queue__in=queues)
        .values_list("queue")
        .annotate(n=Count("id"))
        .values_list("queue", "n")
    )
    broker: dict[str, int | None] = {q: None for q in queues}
    try:
        timeout = float(settings.READY_CHECK_TIMEOUT)
        with current_app.connection_for_read(connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
            channel = conn.default_channel
            size = getattr(channel, "_size", None)  # kombu's virtual transports (Redis, filesystem)
            for queue in queues:
                if callable(size):
                    # not a passive queue_declare: kombu's Redis transport checks the queue's
                    # existence without the global key prefix and would call every queue missing
                    broker[queue] = int(size(queue))
                    continue
                try:  # AMQP: the broker's own count
                    broker[queue] = int(channel.queue_declare(queue=queue, passive=True).message_count)
                except ChannelError:  # never declared
                    broker[queue] = 0
    except (OperationalError, OSError, ChannelError, TimeoutError):
        pass
    return {q: {"broker": broker[q], "queued_jobs": int(in_db.get(q, 0))} for q in queues}


def _filtered(
    rows: QuerySet, *, date_from: datetime | None, date_to: datetime | None, **equal: Any
) -> QuerySet:
    """``rows`` with each given field equal to its value (None or "" means no filter) and created
    in ``[date_from, date_to)``."""
    rows = rows.filter(**{field: value for field, value in equal.items() if value not in (None, "")})
    if date_from is not None:
        rows = rows.filter(created_at__gte=date_from)
    if date_to is not None:
        rows = rows.filter(created_at__lt=date_to)
    return rows


# ------------------------------------------------------------------------------------------- logs


def audit_log_list(
    *,
    user: int | None = None,
    action: str | None = None,
    outcome: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> QuerySet[AuditLog]:
    """Audit rows, newest first, filtered; ``date_to`` is exclusive."""
    rows = _filtered(
        AuditLog.objects.all(),
        date_from=date_from,
        date_to=date_to,
        actor_id=user,
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=object_id,
    )
    return rows.order_by("-created_at", "-id")


# ------------------------------------------------------------------------------------------- jobs


def job_list(
    *,
    kind: str | None = None,
    status: str | None = None,
    queue: str | None = None,
    owner: int | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> QuerySet[Job]:
    """Jobs, newest first, filtered by their fields and creation time (``date_to`` exclusive)."""
    rows = _filtered(
        Job.objects.select_related("owner"),
        date_from=date_from,
        date_to=date_to,
        kind=kind,
        status=status,
        queue=queue,
        owner_id=owner,
        target_type=target_type,
        target_id=target_id,
    )
    return rows.order_by("-created_at", "-id")


def job_get(*, task_id: str) -> Job | None:
    """A job by its id (a UUID) or by the Celery task id of its current message."""
    jobs = Job.objects.select_related("owner")
    try:
        job_id = uuid.UUID(task_id)
    except ValueError:
        job_id = None
    job = jobs.filter(pk=job_id).first() if job_id is not None else None
    return job or jobs.filter(celery_task_id=task_id).first()


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``."""

    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, percentile: float, **extra: Any) -> None:
        super().__init__(expression, percentile=float(percentile), **extra)


def job_stats(*, hours: int, now: datetime | None = None) -> dict[str, Any]:
    """Jobs created in the last ``hours``: counts by kind and status; per kind the p50/p95 of the
    run time (started → finished, finished jobs) and of the queue wait (created → started, jobs
    that started); the depth of each queue now. Two queries and one broker round trip."""
    now = now or timezone.now()
    since = now - timedelta(hours=hours)
    window = Job.objects.filter(created_at__gte=since)
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in window.values_list("kind", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(kind, {})[status] = n
    epoch_run = _epoch(F("finished_at")) - _epoch(F("started_at"))
    epoch_wait = _epoch(F("started_at")) - _epoch(F("created_at"))
    timing_rows = (
        window.filter(started_at__isnull=False)
        .values("kind")
        .annotate(
            run_p50=Percentile(epoch_run, 0.5),
            run_p95=Percentile(epoch_run, 0.95),
            wait_p50=Percentile(epoch_wait, 0.5),
            wait_p95=Percentile(epoch_wait, 0.95),
            started=Count("id"),
        )
        .order_by()
    )
    timings = {
        row["kind"]: {
            "duration_p50_seconds": _round(row["run_p50"]),
            "duration_p95_seconds": _round(row["run_p95"]),
            "queue_wait_p50_seconds": _round(row["wait_p50"]),
            "queue_wait_p95_seconds": _round(row["wait_p95"]),
            "started": row["started"],
        }
        for row in timing_rows
    }
    kinds = sorted(set(counts) | set(timings))
    by_kind = [
        {
            "kind": kind,
            "counts": counts.get(kind, {}),
            "total": sum(counts.get(kind, {}).values()),
            **timings.get(
                kind,
                {
                    "duration_p50_seconds": None,
                    "duration_p95_seconds": None,
                    "queue_wait_p50_seconds": None,
                    "queue_wait_p95_seconds": None,
                    "started": 0,
                },
            ),
        }
        for kind in kinds
    ]
    by_status: dict[str, int] = {}
    for per_kind in counts.values():
        for status, n in per_kind.items():
            by_status[status] = by_status.get(status, 0) + n
    started = time.perf_counter()
    queues = queue_depths()
    return {
        "window_hours": hours,
        "since": since.isoformat(),
        "until": now.isoformat(),
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_kind": by_kind,
        "queues": queues,
        "queues_measured_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _epoch(expression: Any) -> Any:
    return Func(expression, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField())


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)

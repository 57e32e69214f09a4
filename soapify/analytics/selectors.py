"""Analytics reads. Doctors get figures about their own work; admins the clinic's. Every figure is
a count, a duration or a rate: no clinical text, no patient reference."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from soapify.accounts.models import User
from soapify.analytics.aggregates import PercentileCont, bucket_sums, buckets_of
from soapify.analytics.models import ActivityEvent, Alert, MetricEvent, RequestRollup
from soapify.analytics.timings import quantile_ms, recording_available
from soapify.checklist.models import ChecklistEval
from soapify.core.errors import NotFound
from soapify.core.models import AuditLog, Job
from soapify.core.permissions import is_admin
from soapify.encounters.models import AudioChunk, Encounter
from soapify.nlp.models import Draft, DraftRevision
from soapify.nlp.services import GENERATE_JOB
from soapify.outputs.models import FinalizedNote
from soapify.stt.models import TranscriptSegment
from soapify.stt.services.jobs import PROCESS_JOB


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _seconds(value: timedelta | None) -> float | None:
    return round(value.total_seconds(), 3) if value is not None else None


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


# --- what the visits produced ----------------------------------------------------------------------------


def end_of_visit_to_draft_seconds(*, since: datetime, owner: Any | None) -> list[float]:
    """Per encounter: from the end of the visit (its first ``process`` request, i.e. the
    ``stt.process_encounter`` job created in the window) to its first draft finished after it
    (the first ``nlp.generate_draft`` job that succeeded). ``owner`` None: every doctor's."""
    jobs = Job.objects.filter(target_type="encounter")
    if owner is not None:
        jobs = jobs.filter(owner=owner)
    starts: dict[str, datetime] = {}
    for target, created in (
        jobs.filter(kind=PROCESS_JOB, created_at__gte=since)
        .order_by("created_at")
        .values_list("target_id", "created_at")
    ):
        starts.setdefault(target, created)
    if not starts:
        return []
    drafted: dict[str, float] = {}
    for target, finished in (
        jobs.filter(
            kind=GENERATE_JOB,
            status=Job.Status.SUCCEEDED,
            target_id__in=list(starts),
            finished_at__isnull=False,
        )
        .order_by("finished_at")
        .values_list("target_id", "finished_at")
    ):
        if target not in drafted and finished >= starts[target]:
            drafted[target] = (finished - starts[target]).total_seconds()
    return list(drafted.values())


def _checklist(encounters: QuerySet[Encounter]) -> dict[str, Any]:
    counts = dict(
        ChecklistEval.objects.filter(encounter__in=encounters)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    total = sum(counts.values())
    covered, partial = counts.get("covered", 0), counts.get("partial", 0)
    return {
        "evaluations": total,
        "by_status": {s: counts.get(s, 0) for s in ("covered", "partial", "missing", "unclear")},
        # as the checklist summary computes it: covered = 1, partial = 0.5
        "coverage_percent": round(100.0 * (covered + 0.5 * partial) / total, 1) if total else None,
    }


def _figures(encounters: QuerySet[Encounter], *, since: datetime, job_owner: Any | None) -> dict[str, Any]:
    recent = encounters.filter(created_at__gte=since)
    audio = AudioChunk.objects.filter(
        encounter__in=encounters, status=AudioChunk.Status.COMMITTED, created_at__gte=since
    ).aggregate(seconds=Sum("duration"))["seconds"]
    durations = end_of_visit_to_draft_seconds(since=since, owner=job_owner)
    return {
        "encounters": recent.count(),
        "audio_minutes": round((audio or 0.0) / 60.0, 2),
        "drafts": Draft.objects.filter(encounter__in=encounters, created_at__gte=since).count(),
        "finalized_notes": FinalizedNote.objects.filter(
            encounter__in=encounters, finalized_at__gte=since, amends__isnull=True
        ).count(),
        "end_of_visit_to_draft": {"median_seconds": _median(durations), "encounters": len(durations)},
        "checklist": _checklist(recent),
    }


def analytics_overview(*, user: Any, days: int, now: datetime | None = None) -> dict[str, Any]:
    """Key figures of the last ``days``: the caller's own, or the clinic's for an admin."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    clinic = is_admin(user)
    encounters = Encounter.objects.all() if clinic else Encounter.objects.for_user(user)
    figures = _figures(encounters, since=since, job_owner=None if clinic else user)
    active = encounters.filter(created_at__gte=since).values("doctor").distinct().count()
    return {"scope": "clinic" if clinic else "own", "days": days, "since": since, "until": now,
            **figures, "active_doctors": active}  # fmt: skip


def analytics_user_target(*, user: Any, user_id: int | None) -> User:
    """The user whose figures ``user`` may read: themselves; an admin anyone. Otherwise 404."""
    if user_id is None or user_id == user.pk:
        return user
    target = User.objects.filter(pk=user_id).first() if is_admin(user) else None
    if target is None:
        raise NotFound("No such user.", code="user_not_found")
    return target


def analytics_user(*, target: User, days: int, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    figures = _figures(Encounter.objects.filter(doctor=target), since=since, job_owner=target)
    jobs = dict(
        Job.objects.filter(owner=target, created_at__gte=since)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    activity = list(
        ActivityEvent.objects.filter(user=target, created_at__gte=since)
        .values("action")
        .annotate(count=Count("id"), last_at=Max("created_at"))
        .order_by("-count", "action")[:50]
    )
    return {
        "user_id": target.pk,
        "username": target.username,
        "role": target.role,
        "days": days,
        "since": since,
        "until": now,
        **figures,
        "draft_section_edits": DraftRevision.objects.filter(
            author=target, reason=DraftRevision.Reason.SECTION_EDIT, created_at__gte=since
        ).count(),
        "transcript_edits": TranscriptSegment.objects.filter(edited_by=target, edited_at__gte=since).count(),
        "jobs": {s: jobs.get(s, 0) for s in Job.Status.values},
        "activity": activity,
        "metrics_recorded": MetricEvent.objects.filter(user=target, created_at__gte=since).count(),
        "last_seen_at": AuditLog.objects.filter(actor=target, created_at__gte=since).aggregate(
            at=Max("created_at")
        )["at"],
    }


# --- how the service performs ----------------------------------------------------------------------------


def _latency(row: dict) -> dict[str, float | None]:
    buckets = buckets_of(row)
    return {
        "mean_ms": round(row["total_ms"] / row["requests"], 2) if row["requests"] else None,
        "p50_ms": quantile_ms(buckets, 0.50),
        "p95_ms": quantile_ms(buckets, 0.95),
        "p99_ms": quantile_ms(buckets, 0.99),
    }


def analytics_performance(*, days: int, now: datetime | None = None, limit: int = 200) -> dict[str, Any]:
    """Request rate, error rates and latency percentiles per endpoint (from the per-minute
    rollups; percentiles interpolated within the latency buckets), and job durations per kind
    (exact, from the job rows)."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    minutes = days * 24 * 60
    sums = {
        "requests": Coalesce(Sum("count"), 0),
        "server_errors": Coalesce(Sum("count", filter=Q(status_class="5xx")), 0),
        "client_errors": Coalesce(Sum("count", filter=Q(status_class="4xx")), 0),
        "total_ms": Coalesce(Sum("total_ms"), 0.0),
        **bucket_sums(),
    }
    rollups = RequestRollup.objects.filter(minute__gte=since)
    overall = rollups.aggregate(**sums)
    endpoints = [
        {
            "method": row["method"],
            "route": row["route"],
            "requests": row["requests"],
            "requests_per_minute": round(row["requests"] / minutes, 4),
            "error_rate_percent": _pct(row["server_errors"], row["requests"]),
            "client_error_rate_percent": _pct(row["client_errors"], row["requests"]),
            **_latency(row),
        }
        for row in rollups.values("method", "route")
        .annotate(**sums)
        .order_by("-requests", "route", "method")[:limit]
    ]
    return {
        "days": days,
        "since": since,
        "until": now,
        "request_timings_recorded": recording_available(),
        "requests": {
            "total": overall["requests"],
            "requests_per_minute": round(overall["requests"] / minutes, 4),
            "error_rate_percent": _pct(overall["server_errors"], overall["requests"]),
            "client_error_rate_percent": _pct(overall["client_errors"], overall["requests"]),
            **_latency(overall),
        },
        "endpoints": endpoints,
        "jobs": job_durations(since=since),
        "client_metrics": list(
            MetricEvent.objects.filter(created_at__gte=since)
            .values("name", "metric_type")
            .annotate(
                count=Count("id"),
                mean=Avg("value"),
                min=Min("value"),
                max=Max("value"),
                last_at=Max("created_at"),
            )
            .order_by("-count", "name")[:100]
        ),
    }


def job_durations(*, since: datetime) -> list[dict[str, Any]]:
    """Per kind, the jobs finished since ``since``: counts by outcome, run time (first start to
    end) and queue wait (creation to first start) percentiles of those that ran to an end."""
    ran = Q(status__in=(Job.Status.SUCCEEDED, Job.Status.FAILED), started_at__isnull=False)
    run = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    wait = ExpressionWrapper(F("started_at") - F("created_at"), output_field=DurationField())
    rows = (
        Job.objects.filter(finished_at__gte=since)
        .values("kind")
        .annotate(
            finished=Count("id"),
            succeeded=Count("id", filter=Q(status=Job.Status.SUCCEEDED)),
            failed=Count("id", filter=Q(status=Job.Status.FAILED)),
            cancelled=Count("id", filter=Q(status=Job.Status.CANCELLED)),
            run_p50=PercentileCont(run, 0.5, filter=ran),
            run_p95=PercentileCont(run, 0.95, filter=ran),
            run_p99=PercentileCont(run, 0.99, filter=ran),
            wait_p50=PercentileCont(wait, 0.5, filter=ran),
            wait_p95=PercentileCont(wait, 0.95, filter=ran),
        )
        .order_by("kind")
    )
    return [
        {
            "kind": r["kind"],
            "finished": r["finished"],
            "succeeded": r["succeeded"],
            "failed": r["failed"],
            "cancelled": r["cancelled"],
            "failure_rate_percent": _pct(r["failed"], r["succeeded"] + r["failed"]),
            "duration_p50_seconds": _seconds(r["run_p50"]),
            "duration_p95_seconds": _seconds(r["run_p95"]),
            "duration_p99_seconds": _seconds(r["run_p99"]),
            "queue_wait_p50_seconds": _seconds(r["wait_p50"]),
            "queue_wait_p95_seconds": _seconds(r["wait_p95"]),
        }
        for r in rows
    ]


# --- alerts ----------------------------------------------------------------------------------------------

ALERT_FILTERS = {
    "active": Alert.ACTIVE,
    "open": (Alert.Status.OPEN,),
    "acknowledged": (Alert.Status.ACKNOWLEDGED,),
    "resolved": (Alert.Status.RESOLVED,),
}


def alerts_list(*, status: str) -> QuerySet[Alert]:
    alerts = Alert.objects.select_related("rule", "acknowledged_by").order_by("-opened_at", "-id")
    return alerts if status == "all" else alerts.filter(status__in=ALERT_FILTERS[status])


def alert_get(*, alert_id: int) -> Alert:
    alert = Alert.objects.select_related("rule", "acknowledged_by").filter(pk=alert_id).first()
    if alert is None:
        raise NotFound("No such alert.", code="alert_not_found")
    return alert


# --- business figures ------------------------------------------------------------------------------------


def business_metrics(*, user: Any, date_from: date, date_to: date) -> dict[str, Any]:
    """Notes per doctor-day, share of drafts finalized, edits per note and an estimate of the
    documentation time saved, for ``date_from``..``date_to`` (UTC days, both included): the
    caller's own, or the clinic's (with a per-doctor breakdown) for an admin."""
    start = datetime.combine(date_from, time.min, tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
    clinic = is_admin(user)
    encounters = Encounter.objects.all() if clinic else Encounter.objects.for_user(user)

    notes = FinalizedNote.objects.filter(
        encounter__in=encounters, amends__isnull=True, finalized_at__gte=start, finalized_at__lt=end
    )
    per_doctor_day = list(
        notes.annotate(day=TruncDate("finalized_at", tzinfo=UTC))
        .values("encounter__doctor", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    note_count = sum(r["n"] for r in per_doctor_day)
    edits_before = (
        DraftRevision.objects.filter(
            draft__encounter=OuterRef("encounter"),
            reason=DraftRevision.Reason.SECTION_EDIT,
            created_at__lte=OuterRef("finalized_at"),
        )
        .order_by()
        .values("draft__encounter")
        .annotate(n=Count("id"))
        .values("n")
    )
    edits = list(
        notes.annotate(edits=Coalesce(Subquery(edits_before, output_field=IntegerField()), 0)).values_list(
            "edits", flat=True
        )
    )
    drafts = Draft.objects.filter(encounter__in=encounters, created_at__gte=start, created_at__lt=end)
    draft_count = drafts.count()
    drafts_finalized = drafts.filter(encounter__finalized_notes__isnull=False).distinct().count()

    baseline = float(settings.ANALYTICS_MANUAL_NOTE_MINUTES)
    per_edit = float(settings.ANALYTICS_MINUTES_PER_EDIT)
    saved = sum(max(0.0, baseline - per_edit * n) for n in edits)
    result: dict[str, Any] = {
        "scope": "clinic" if clinic else "own",
        "date_from": date_from,
        "date_to": date_to,
        "finalized_notes": note_count,
        "doctor_days": len(per_doctor_day),
        "notes_per_doctor_day": round(note_count / len(per_doctor_day), 2) if per_doctor_day else None,
        "drafts": draft_count,
        "drafts_finalized": drafts_finalized,
        "drafts_finalized_percent": _pct(drafts_finalized, draft_count),
        "median_edits_per_note": _median([float(n) for n in edits]),
        "documentation_time_saved": {
            "minutes": round(saved, 1),
            "hours": round(saved / 60.0, 2),
            "manual_note_minutes": baseline,
            "minutes_per_edit": per_edit,
            "method": "For each note finalized in the period: manual_note_minutes (the time writing "
            "the note by hand is assumed to take; ANALYTICS_MANUAL_NOTE_MINUTES) minus "
            "minutes_per_edit (ANALYTICS_MINUTES_PER_EDIT) for each section edit the doctor made to "
            "the draft before finalizing, never below zero; summed. An estimate from assumed "
            "constants, not a measurement of anyone's time.",
        },
    }
    if clinic:
        doctors: dict[int, dict[str, Any]] = {}
        for r in per_doctor_day:
            d = doctors.setdefault(r["encounter__doctor"], {"notes": 0, "doctor_days": 0})
            d["notes"] += r["n"]
            d["doctor_days"] += 1
        names = dict(User.objects.filter(pk__in=list(doctors)).values_list("pk", "username"))
        result["per_doctor"] = [
            {
                "doctor_id": pk,
                "username": names.get(pk, ""),
                **d,
                "notes_per_doctor_day": round(d["notes"] / d["doctor_days"], 2),
            }  # fmt: skip
            for pk, d in sorted(doctors.items())
        ]
    return result

"""Analytics writes: client events, alert evaluation and acknowledgement, rollups, clean-ups."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soapify.analytics import timings
from soapify.analytics.alert_metrics import METRICS, metric_read
from soapify.analytics.models import ActivityEvent, Alert, AlertRule, MetricEvent, RequestRollup
from soapify.core.errors import Conflict

logger = logging.getLogger("soapify.analytics")


def metric_record(
    *, user: Any, name: str, value: float, metric_type: str, tags: dict[str, str]
) -> MetricEvent:
    return MetricEvent.objects.create(user=user, name=name, value=value, metric_type=metric_type, tags=tags)


def activity_record(
    *, user: Any, action: str, resource: str, resource_id: str, metadata: dict[str, Any]
) -> ActivityEvent:
    return ActivityEvent.objects.create(
        user=user, action=action, resource=resource, resource_id=resource_id, metadata=metadata
    )


# --- alerts -------------------------------------------------------------------------------------------


@dataclass
class Evaluation:
    evaluated: int = 0
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def alerts_evaluate(*, now: datetime | None = None) -> Evaluation:
    """Evaluate every active rule once: a breach opens an alert (or updates the one already open or
    acknowledged); a rule no longer breached resolves its alert. Each rule in its own transaction,
    its row locked, so the minute's beat run and an on-demand check never open two alerts."""
    now = now or timezone.now()
    outcome = Evaluation()
    for rule_id in AlertRule.objects.filter(is_active=True).order_by("id").values_list("id", flat=True):
        with transaction.atomic():
            rule = AlertRule.objects.select_for_update().filter(pk=rule_id, is_active=True).first()
            if rule is None:
                continue
            if rule.metric not in METRICS:
                outcome.errors.append(f"{rule.name}: unknown metric {rule.metric!r}")
                continue
            reading = metric_read(rule.metric, window_minutes=rule.window_minutes, now=now)
            outcome.evaluated += 1
            value = reading.value
            breached = value is not None and reading.samples >= rule.min_samples and rule.breached(value)
            active = Alert.objects.filter(rule=rule, status__in=Alert.ACTIVE).first()
            if breached and active is None and value is not None:
                alert = Alert.objects.create(rule=rule, value=value, last_value=value, last_evaluated_at=now)
                outcome.opened.append(alert.pk)
                logger.warning("alert %s opened: %s (value %s)", alert.pk, rule.name, reading.value)
            elif active is not None and breached:
                Alert.objects.filter(pk=active.pk).update(last_value=value, last_evaluated_at=now)
            elif active is not None:
                Alert.objects.filter(pk=active.pk).update(
                    status=Alert.Status.RESOLVED,
                    resolved_at=now,
                    last_value=value,
                    last_evaluated_at=now,
                )
                outcome.resolved.append(active.pk)
                logger.info("alert %s resolved: %s", active.pk, rule.name)
    return outcome


def alert_acknowledge(*, alert: Alert, user: Any) -> Alert:
    """open → acknowledged (who, when). A resolved or already acknowledged alert: 409."""
    now = timezone.now()
    updated = Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
        status=Alert.Status.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=user
    )
    alert.refresh_from_db()
    if not updated:
        raise Conflict(
            f"The alert is {alert.status}; only an open alert can be acknowledged.", code="alert_not_open"
        )
    return alert


# --- periodic work ------------------------------------------------------------------------------------


def rollups_flush() -> int:
    return timings.rollups_flush()


def analytics_cleanup(*, now: datetime | None = None) -> dict[str, int]:
    """Delete request rollups older than ``ANALYTICS_RETENTION_DAYS`` and client events older than
    ``ANALYTICS_EVENT_RETENTION_DAYS`` (the ``/metrics`` totals and alerts are kept)."""
    now = now or timezone.now()
    rollups_before = now - timedelta(days=settings.ANALYTICS_RETENTION_DAYS)
    events_before = now - timedelta(days=settings.ANALYTICS_EVENT_RETENTION_DAYS)
    rollups, _ = RequestRollup.objects.filter(minute__lt=rollups_before).delete()
    metrics, _ = MetricEvent.objects.filter(created_at__lt=events_before).delete()
    activity, _ = ActivityEvent.objects.filter(created_at__lt=events_before).delete()
    return {"rollups": rollups, "metric_events": metrics, "activity_events": activity}

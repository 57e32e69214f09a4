"""Analytics: per-minute request rollups, events sent by clients, alert rules and alerts.

Nothing here holds clinical content: routes are URL templates (``api/encounters/<int:encounter_id>/``,
never a raw path), events carry what their sender put in them (validated and size-limited), and
alerts carry figures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class RequestRollup(models.Model):
    """The requests of one minute to one route template, by method and status class: a count, the
    total time and a latency histogram (``buckets[i]`` counts requests within
    ``timings.BUCKETS_MS[i]``; the last entry counts the slower ones)."""

    minute = models.DateTimeField()
    method = models.CharField(max_length=8)
    route = models.CharField(max_length=255)
    status_class = models.CharField(max_length=3)  # 2xx, 3xx, 4xx, 5xx
    count = models.PositiveBigIntegerField(default=0)
    total_ms = models.FloatField(default=0.0)
    buckets = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["minute", "method", "route", "status_class"], name="analytics_rollup_unique"
            )
        ]
        indexes = [models.Index(fields=["minute"])]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.method} {self.route} {self.status_class} x{self.count}"


class RequestTotal(models.Model):
    """All requests ever rolled up, per method, route and status class: the monotonic counters and
    histograms of ``/metrics`` (rollups are deleted after ``ANALYTICS_RETENTION_DAYS``, these never)."""

    method = models.CharField(max_length=8)
    route = models.CharField(max_length=255)
    status_class = models.CharField(max_length=3)
    count = models.PositiveBigIntegerField(default=0)
    total_ms = models.FloatField(default=0.0)
    buckets = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["method", "route", "status_class"], name="analytics_total_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.route} {self.status_class} x{self.count}"


class MetricEvent(models.Model):
    """A figure a client recorded (``POST /api/analytics/metric/``)."""

    class Type(models.TextChoices):
        GAUGE = "gauge"
        COUNTER = "counter"
        HISTOGRAM = "histogram"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    value = models.FloatField()
    metric_type = models.CharField(max_length=10, choices=Type.choices, default=Type.GAUGE)
    tags = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["name", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name}={self.value} ({self.metric_type})"


class ActivityEvent(models.Model):
    """Something a user did, as its client reports it (``POST /api/analytics/activity/``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=64)
    resource = models.CharField(max_length=64, blank=True, default="")
    resource_id = models.CharField(max_length=64, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.resource}:{self.resource_id}"


class AlertRule(models.Model):
    """``metric`` (one of ``alert_metrics.METRICS``) over the last ``window_minutes``, compared with
    ``threshold``; a value from fewer than ``min_samples`` observations is not judged."""

    class Comparison(models.TextChoices):
        GT = "gt", ">"
        GTE = "gte", ">="
        LT = "lt", "<"
        LTE = "lte", "<="

    class Severity(models.TextChoices):
        WARNING = "warning"
        CRITICAL = "critical"

    name = models.CharField(max_length=100, unique=True)
    metric = models.CharField(max_length=64)
    comparison = models.CharField(max_length=3, choices=Comparison.choices, default=Comparison.GT)
    threshold = models.FloatField()
    window_minutes = models.PositiveIntegerField(default=15)
    min_samples = models.PositiveIntegerField(default=0)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}: {self.metric} {self.get_comparison_display()} {self.threshold}"

    def breached(self, value: float) -> bool:
        return {
            self.Comparison.GT: value > self.threshold,
            self.Comparison.GTE: value >= self.threshold,
            self.Comparison.LT: value < self.threshold,
            self.Comparison.LTE: value <= self.threshold,
        }[self.Comparison(self.comparison)]


class Alert(models.Model):
    """One breach of a rule: open → acknowledged (who, when) → resolved when the condition clears.
    A rule has at most one alert that is not resolved."""

    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        RESOLVED = "resolved"

    ACTIVE = (Status.OPEN, Status.ACKNOWLEDGED)

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    value = models.FloatField()  # when it opened
    last_value = models.FloatField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="analytics_one_active_alert_per_rule",
            )
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} {self.rule_id} {self.status}"

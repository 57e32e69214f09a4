"""The starter alert rules (edit or switch them off in the Django admin). Frozen here: this
migration imports nothing from the app."""

from django.db import migrations

RULES = [
    {"name": "STT queue wait p95 > 60 s", "metric": "stt_queue_wait_p95_seconds", "comparison": "gt",
     "threshold": 60.0, "window_minutes": 15, "min_samples": 1, "severity": "warning"},
    {"name": "Job failure rate > 5 %", "metric": "job_failure_rate_percent", "comparison": "gt",
     "threshold": 5.0, "window_minutes": 60, "min_samples": 20, "severity": "warning"},
    {"name": "Storage errors", "metric": "storage_errors", "comparison": "gt",
     "threshold": 0.0, "window_minutes": 5, "min_samples": 1, "severity": "critical"},
    {"name": "API 5xx rate > 5 %", "metric": "http_error_rate_percent", "comparison": "gt",
     "threshold": 5.0, "window_minutes": 15, "min_samples": 50, "severity": "critical"},
    {"name": "Disk free < 10 %", "metric": "disk_free_percent", "comparison": "lt",
     "threshold": 10.0, "window_minutes": 5, "min_samples": 1, "severity": "critical"},
]  # fmt: skip


def add_rules(apps, schema_editor):
    AlertRule = apps.get_model("analytics", "AlertRule")
    for rule in RULES:
        AlertRule.objects.get_or_create(name=rule["name"], defaults=rule)


def remove_rules(apps, schema_editor):
    AlertRule = apps.get_model("analytics", "AlertRule")
    AlertRule.objects.filter(name__in=[r["name"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]

    operations = [migrations.RunPython(add_rules, remove_rules)]

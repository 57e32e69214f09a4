"""Thin Celery beat tasks of analytics (schedules in settings' Analytics section)."""

from __future__ import annotations

from celery import shared_task

from soapify.analytics import services


@shared_task(name="soapify.analytics.tasks.rollup_requests")
def rollup_requests() -> int:
    return services.rollups_flush()


@shared_task(name="soapify.analytics.tasks.evaluate_alerts")
def evaluate_alerts() -> dict:
    outcome = services.alerts_evaluate()
    return {"evaluated": outcome.evaluated, "opened": outcome.opened, "resolved": outcome.resolved}


@shared_task(name="soapify.analytics.tasks.cleanup")
def cleanup() -> dict[str, int]:
    return services.analytics_cleanup()

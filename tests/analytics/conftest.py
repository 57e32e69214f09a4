"""Analytics fixtures: no starter alert rule runs unless a test makes its own, and a way to read
the per-minute request counters of this test process's Redis."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from soapify.analytics import timings
from soapify.analytics.models import AlertRule

needs_redis = pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache), reason="request timings are recorded in Redis"
)


@pytest.fixture(autouse=True)
def _starter_rules_off(db):
    """The starter rules watch the machine (disk, storage): tests judge their own rules only."""
    AlertRule.objects.update(is_active=False)


@pytest.fixture(autouse=True)
def _timings_sent_at_once(settings):
    """Every request sends its counts (no buffering), and counts other tests left in this
    process's buffer are dropped first."""
    settings.ANALYTICS_BUFFER_SECONDS = 0
    timings._buffer.take()

"""Per-request timings into per-minute counters (``analytics.timings``): one Redis round trip a
request, keyed by route template, method and status class."""

from __future__ import annotations

import time

from django.core.exceptions import MiddlewareNotUsed

from soapify.analytics import timings


class RequestTimingMiddleware:
    """Outermost middleware (``settings``: inserted first when ``ANALYTICS_REQUEST_TIMINGS``):
    times the whole request. Steps aside when the default cache is not Redis."""

    def __init__(self, get_response) -> None:
        if not timings.recording_available():
            raise MiddlewareNotUsed("request timings need Redis (REDIS_URL): not recorded")
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        timings.request_record(
            method=request.method or "",
            route=timings.route_template(request),
            status=response.status_code,
            ms=(time.perf_counter() - started) * 1000.0,
        )
        return response

"""``/metrics``: request, job, queue and alert metrics in the Prometheus text format.

Every figure is read at scrape time from the shared stores (the request totals rolled up from
Redis, the job table, the alerts), so any web process of any machine answers the same thing: no
per-process registry. Request counters advance when beat rolls a minute up (every
``ANALYTICS_ROLLUP_SECONDS``, a minute after it ended).

Access: ``Authorization: Bearer <METRICS_TOKEN>``, or a client address within
``METRICS_ALLOWED_NETWORKS`` (the address as ``NUM_PROXIES`` says, like the audit log). With
neither configured the endpoint is closed (403).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views import View
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from soapify.analytics.aggregates import PercentileCont
from soapify.analytics.models import Alert, RequestTotal
from soapify.analytics.timings import BUCKETS_MS, N_BUCKETS, padded
from soapify.core.audit import client_ip
from soapify.core.errors import error_body
from soapify.core.models import Job

#: the window of the recent job-duration quantiles
RECENT_JOBS = timedelta(minutes=15)


class SoapifyCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from self._requests()
        yield from self._jobs()
        yield from self._alerts()

    def _requests(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "soapify_http_requests",
            "HTTP requests by method, route template and status class (rolled up each minute).",
            labels=["method", "route", "status_class"],
        )
        latency = HistogramMetricFamily(
            "soapify_http_request_duration_seconds",
            "HTTP request duration by method and route template (rolled up each minute).",
            labels=["method", "route"],
        )
        per_route: dict[tuple[str, str], tuple[list[int], float]] = {}
        for row in RequestTotal.objects.order_by("route", "method", "status_class"):
            requests.add_metric([row.method, row.route, row.status_class], row.count)
            buckets, total = per_route.get((row.method, row.route), ([0] * N_BUCKETS, 0.0))
            per_route[(row.method, row.route)] = (
                [a + b for a, b in zip(buckets, padded(row.buckets), strict=True)],
                total + row.total_ms,
            )
        bounds = [*(str(ms / 1000.0) for ms in BUCKETS_MS), "+Inf"]
        for (method, route), (buckets, total_ms) in per_route.items():
            cumulative, running = [], 0
            for bound, count in zip(bounds, buckets, strict=True):
                running += count
                cumulative.append((bound, running))
            latency.add_metric([method, route], cumulative, sum_value=total_ms / 1000.0)
        yield requests
        yield latency

    def _jobs(self) -> Iterator[Metric]:
        finished = CounterMetricFamily(
            "soapify_jobs_finished",
            "Jobs that reached an end, by kind and status.",
            labels=["kind", "status"],
        )
        for kind, status, n in (
            Job.objects.filter(status__in=Job.FINISHED)
            .values_list("kind", "status")
            .annotate(n=Count("id"))
            .order_by("kind", "status")
        ):
            finished.add_metric([kind, status], n)
        yield finished

        now = timezone.now()
        current = GaugeMetricFamily(
            "soapify_jobs", "Jobs queued or running now, by queue.", labels=["queue", "status"]
        )
        oldest = GaugeMetricFamily(
            "soapify_job_queue_oldest_seconds",
            "How long the longest-waiting queued job of each queue has waited since it was (re)sent.",
            labels=["queue"],
        )
        counts: dict[str, dict[str, int]] = defaultdict(lambda: {"queued": 0, "running": 0})
        for queue, status, n, since in (
            Job.objects.filter(status__in=(Job.Status.QUEUED, Job.Status.RUNNING))
            .values_list("queue", "status")
            .annotate(n=Count("id"), since=Min("heartbeat_at"))
            .order_by("queue", "status")
        ):
            counts[queue][status] = n
            if status == Job.Status.QUEUED:
                oldest.add_metric([queue], max(0.0, (now - since).total_seconds()))
        for queue, by_status in sorted(counts.items()):
            for status, n in by_status.items():
                current.add_metric([queue, status], n)
        yield current
        yield oldest

        recent = GaugeMetricFamily(
            "soapify_job_duration_recent_seconds",
            "Run time (first start to end) of the jobs that succeeded or failed in the last 15 minutes, "
            "by kind and quantile.",
            labels=["kind", "quantile"],
        )
        run = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        for row in (
            Job.objects.filter(
                Q(status=Job.Status.SUCCEEDED) | Q(status=Job.Status.FAILED),
                finished_at__gte=now - RECENT_JOBS,
                started_at__isnull=False,
            )
            .values("kind")
            .annotate(p50=PercentileCont(run, 0.5), p95=PercentileCont(run, 0.95))
            .order_by("kind")
        ):
            recent.add_metric([row["kind"], "0.5"], row["p50"].total_seconds())
            recent.add_metric([row["kind"], "0.95"], row["p95"].total_seconds())
        yield recent

    def _alerts(self) -> Iterator[Metric]:
        active = GaugeMetricFamily(
            "soapify_alerts_active", "Open or acknowledged alerts, by rule severity.", labels=["severity"]
        )
        counts = dict(
            Alert.objects.filter(status__in=Alert.ACTIVE)
            .values_list("rule__severity")
            .annotate(n=Count("id"))
            .order_by()
        )
        for severity in ("warning", "critical"):
            active.add_metric([severity], counts.get(severity, 0))
        yield active


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.METRICS_ALLOWED_NETWORKS]


def _refusal(request) -> JsonResponse | None:
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
    address = client_ip(request)
    networks = _networks()
    if address and networks:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            ip = None
        if ip is not None and any(ip in network for network in networks):
            return None
    if token:
        response = JsonResponse(
            error_body("not_authenticated", "Send Authorization: Bearer <METRICS_TOKEN>."), status=401
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return JsonResponse(
        error_body(
            "permission_denied",
            "Metrics are not open to this client (METRICS_TOKEN, METRICS_ALLOWED_NETWORKS).",
        ),
        status=403,
    )


class MetricsView(View):
    http_method_names = ["get", "options"]

    def get(self, request):
        refused = _refusal(request)
        if refused is not None:
            return refused
        registry = CollectorRegistry(auto_describe=False)
        registry.register(SoapifyCollector())
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        response = HttpResponse(encoder(registry), content_type=content_type)
        response["Cache-Control"] = "no-store"
        return response

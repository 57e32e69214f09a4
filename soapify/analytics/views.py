"""Analytics API (``/api/analytics/``). Who may call what:

- ``overview/``, ``business-metrics/``: any signed-in user; a doctor gets their own figures, an
  admin the clinic's (business metrics with a per-doctor breakdown).
- ``users/``: a doctor only themselves (another ``user_id``: 404); an admin anyone.
- ``metric/``, ``activity/``: any signed-in user records events as themselves (rate-limited).
- ``performance/`` and the ``alerts/`` routes: admins only (403 for doctors): they describe the
  service, not anyone's work.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from soapify.analytics import selectors, services
from soapify.analytics.serializers import (
    ActivityIn,
    ActivityOut,
    AlertCheckOut,
    AlertListParams,
    AlertOut,
    BusinessMetricsIn,
    BusinessMetricsOut,
    DaysParams,
    MetricIn,
    MetricOut,
    OverviewOut,
    PerformanceOut,
    PerformanceParams,
    UserAnalyticsOut,
    UserParams,
)
from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import ApiError
from soapify.core.pagination import PageNumberPagination
from soapify.core.permissions import is_admin
from soapify.core.schema import errors


def _params(serializer_class, data) -> dict:
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


class IsAdmin(BasePermission):
    """Admins only; any signed-in user may still ask OPTIONS (the route's description)."""

    message = "Only administrators may do this."

    def has_permission(self, request, view) -> bool:
        if request.method == "OPTIONS":
            return bool(request.user and request.user.is_authenticated)
        return is_admin(request.user)


class AnalyticsEventThrottle(SimpleRateThrottle):
    """Events recorded per user (``THROTTLE_ANALYTICS_EVENTS``)."""

    scope = "analytics_events"

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)  # read now: DRF's copy is frozen at import

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class OverviewView(APIView):
    """Key figures of the last ``days`` (30): the caller's own; the clinic's for an admin."""

    @extend_schema(parameters=[DaysParams], responses={200: OverviewOut})
    def get(self, request):
        params = _params(DaysParams, request.query_params)
        return Response(selectors.analytics_overview(user=request.user, days=params["days"]))


class PerformanceView(APIView):
    """Request rate, error rates and p50/p95/p99 latency per endpoint, job durations per kind, over
    the last ``days`` (7). Admins only."""

    permission_classes = [IsAdmin]

    @extend_schema(parameters=[PerformanceParams], responses={200: PerformanceOut, **errors(403)})
    def get(self, request):
        params = _params(PerformanceParams, request.query_params)
        return Response(selectors.analytics_performance(days=params["days"]))


class UserAnalyticsView(AuditedViewMixin, APIView):
    """One user's figures over the last ``days`` (30). A doctor may read only their own (another
    ``user_id`` is a 404); an admin anyone's."""

    audit_object_type = "user_analytics"

    @extend_schema(parameters=[UserParams], responses={200: UserAnalyticsOut})
    def get(self, request):
        params = _params(UserParams, request.query_params)
        self.audit_id = params.get("user_id") or request.user.pk
        target = selectors.analytics_user_target(user=request.user, user_id=params.get("user_id"))
        return Response(selectors.analytics_user(target=target, days=params["days"]))


class AlertListView(APIView):
    """Alerts, newest first: by default the active ones (open or acknowledged). Admins only."""

    permission_classes = [IsAdmin]
    pagination_class = PageNumberPagination  # the schema shows the paginated list

    @extend_schema(parameters=[AlertListParams], responses={200: AlertOut(many=True), **errors(403)})
    def get(self, request):
        params = _params(AlertListParams, request.query_params)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.alerts_list(status=params["status"]), request, view=self)
        return paginator.get_paginated_response(AlertOut(page, many=True).data)


class AlertCheckView(APIView):
    """Evaluate every active alert rule now (beat does it every minute): opens, updates and
    resolves alerts; answers with what changed and the active alerts. Admins only."""

    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses={200: AlertCheckOut, **errors(403)})
    def post(self, request):
        if request.data:
            raise ApiError("This request takes no body.", code="validation_error")
        outcome = services.alerts_evaluate()
        active = selectors.alerts_list(status="active")
        return Response(
            {
                "evaluated": outcome.evaluated,
                "opened": outcome.opened,
                "resolved": outcome.resolved,
                "errors": outcome.errors,
                "active": AlertOut(active[:100], many=True).data,
            }
        )


class AlertAcknowledgeView(AuditedViewMixin, APIView):
    """open → acknowledged, recording who and when. Admins only; an alert that is not open: 409."""

    permission_classes = [IsAdmin]
    audit_object_type = "alert"
    audit_action_name = "acknowledge"

    @extend_schema(request=None, responses={200: AlertOut, **errors(403, 409)})
    def post(self, request, alert_id: int):
        if request.data:
            raise ApiError("This request takes no body.", code="validation_error")
        alert = selectors.alert_get(alert_id=alert_id)
        alert = services.alert_acknowledge(alert=alert, user=request.user)
        return Response(AlertOut(alert).data)


class MetricView(APIView):
    """Record a figure (``{name, value, metric_type (gauge), tags}``) as the caller."""

    throttle_classes = [AnalyticsEventThrottle]

    @extend_schema(request=MetricIn, responses={201: MetricOut, **errors(429)})
    def post(self, request):
        data = _params(MetricIn, request.data)
        event = services.metric_record(
            user=request.user,
            name=data["name"],
            value=data["value"],
            metric_type=data["metric_type"],
            tags=data.get("tags") or {},
        )
        return Response(MetricOut(event).data, status=status.HTTP_201_CREATED)


class ActivityView(APIView):
    """Record something the caller did (``{action*, resource, resource_id, metadata}``; metadata a
    small JSON object: ids and flags, never patient text)."""

    throttle_classes = [AnalyticsEventThrottle]

    @extend_schema(request=ActivityIn, responses={201: ActivityOut, **errors(429)})
    def post(self, request):
        data = _params(ActivityIn, request.data)
        event = services.activity_record(user=request.user, **data)
        return Response(ActivityOut(event).data, status=status.HTTP_201_CREATED)


class BusinessMetricsView(APIView):
    """Notes per doctor-day, share of drafts finalized, median edits per note and the estimated
    documentation time saved for ``date_from``..``date_to``: own figures, or the clinic's."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=BusinessMetricsIn, responses={200: BusinessMetricsOut})
    def post(self, request):
        data = _params(BusinessMetricsIn, request.data)
        return Response(
            selectors.business_metrics(
                user=request.user, date_from=data["date_from"], date_to=data["date_to"]
            )
        )

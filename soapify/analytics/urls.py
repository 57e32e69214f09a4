from django.urls import path

from soapify.analytics import views

urlpatterns = [
    path("overview/", views.OverviewView.as_view(), name="analytics-overview"),
    path("performance/", views.PerformanceView.as_view(), name="analytics-performance"),
    path("users/", views.UserAnalyticsView.as_view(), name="analytics-users"),
    path("alerts/", views.AlertListView.as_view(), name="analytics-alerts"),
    path("alerts/check/", views.AlertCheckView.as_view(), name="analytics-alerts-check"),
    path(
        "alerts/<int:alert_id>/acknowledge/",
        views.AlertAcknowledgeView.as_view(),
        name="analytics-alert-acknowledge",
    ),
    path("metric/", views.MetricView.as_view(), name="analytics-metric"),
    path("activity/", views.ActivityView.as_view(), name="analytics-activity"),
    path("business-metrics/", views.BusinessMetricsView.as_view(), name="analytics-business-metrics"),
]

from django.urls import path

from soapify.analytics.prometheus import MetricsView

#: /metrics (Prometheus text format), mounted at the site root by soapify/urls.py
urlpatterns = [path("metrics", MetricsView.as_view(), name="metrics")]

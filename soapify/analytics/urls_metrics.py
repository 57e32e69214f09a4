from django.urls import path  # noqa: F401

#: /metrics (Prometheus text format), mounted at the site root by soapify/urls.py
urlpatterns: list = []

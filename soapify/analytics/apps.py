from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "soapify.analytics"
    default_auto_field = "django.db.models.BigAutoField"

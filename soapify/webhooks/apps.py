from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "soapify.webhooks"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class AdminplusConfig(AppConfig):
    name = "soapify.adminplus"
    default_auto_field = "django.db.models.BigAutoField"

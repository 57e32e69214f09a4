from django.apps import AppConfig


class AdminplusConfig(AppConfig):
    name = "soapify.adminplus"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from soapify.adminplus import fences, tasks  # noqa: F401 - signal receivers, job handlers

        fences.connect()

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "soapify.search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from soapify.search import signals, tasks  # noqa: F401  (signal receivers, job handler)

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "soapify.core"
    label = "core"

    def ready(self) -> None:
        # Job handlers live in each app's tasks.py; import them in every process (web and worker).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")

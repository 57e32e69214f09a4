from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "soapify.webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from soapify.core.signals import job_finished
        from soapify.webhooks.receivers import on_job_finished

        job_finished.connect(on_job_finished, dispatch_uid="webhooks.on_job_finished")

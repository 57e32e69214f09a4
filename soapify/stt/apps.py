from django.apps import AppConfig


class SttConfig(AppConfig):
    name = "soapify.stt"
    label = "stt"

    def ready(self) -> None:
        from soapify.stt import signals  # noqa: F401 - connects the live-transcription receiver

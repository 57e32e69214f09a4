from django.apps import AppConfig


class SttConfig(AppConfig):
    name = "soapify.stt"
    label = "stt"

from django.apps import AppConfig


class OutputsConfig(AppConfig):
    name = "soapify.outputs"
    label = "outputs"

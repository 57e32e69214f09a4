from django.apps import AppConfig


class NlpConfig(AppConfig):
    name = "soapify.nlp"
    label = "nlp"

from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "soapify.encounters"
    label = "encounters"

from django.apps import AppConfig


class ChecklistConfig(AppConfig):
    name = "soapify.checklist"
    label = "checklist"

from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "soapify.encounters"
    label = "encounters"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from soapify.encounters.listcache import list_changed
        from soapify.encounters.models import Encounter

        def changed(sender, instance, **kwargs) -> None:
            list_changed(instance.doctor_id)

        post_save.connect(changed, sender=Encounter, weak=False, dispatch_uid="encounters.list_changed.save")
        post_delete.connect(
            changed, sender=Encounter, weak=False, dispatch_uid="encounters.list_changed.delete"
        )

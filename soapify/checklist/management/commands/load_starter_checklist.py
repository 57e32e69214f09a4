"""Load (or refresh) the starter checklist content from ``soapify/checklist/data/starter.json``.
Safe to run again: rows are upserted by key and keep their ids."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from soapify.checklist.starter import starter_load


class Command(BaseCommand):
    help = "Upsert the global starter checklist catalog and templates from the starter data file."

    def handle(self, *args, **options):
        loaded = starter_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"starter checklist: {loaded.catalog_items} catalog items, {loaded.templates} templates"
            )
        )

"""``manage.py import_directory patients.csv``: insert or update local directory patients by ref.

Columns: ref, full_name (required), national_id, birth_date (YYYY-MM-DD), sex (female, male,
other, unknown). UTF-8 (with or without BOM). Nothing is written when any row is invalid."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from soapify.integrations.services import directory_import_csv, directory_seed_demo


class Command(BaseCommand):
    help = "Import patients into the local patient directory from a CSV file (or --demo)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="CSV file with a header row")
        parser.add_argument("--demo", action="store_true", help="add the demo patients (HS-12345 ...)")

    def handle(self, *args, path=None, demo=False, **options):
        if not path and not demo:
            raise CommandError("Give a CSV file, or --demo.")
        if demo:
            result = directory_seed_demo()
            self.stdout.write(f"demo patients: {result.created} created, {result.updated} updated")
        if path:
            try:
                with open(path, encoding="utf-8-sig", newline="") as stream:
                    result = directory_import_csv(stream)
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Cannot read {path}: {exc}") from None
            if result.errors:
                for line in result.errors[:20]:
                    self.stderr.write(line)
                raise CommandError(f"{len(result.errors)} invalid rows; nothing was imported.")
            self.stdout.write(self.style.SUCCESS(f"{result.created} created, {result.updated} updated"))

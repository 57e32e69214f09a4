"""Create the demo users ``doctor01`` and ``admin`` (passwords from the environment, or generated and
printed once) and a few demo encounters, and the demo patients of the local patient directory
(``HS-12345`` ... , the seed's flow). Safe to run again: existing users are left as they are."""

from __future__ import annotations

import os
import secrets

from django.core.management.base import BaseCommand

from soapify.accounts.models import User
from soapify.integrations.services import directory_seed_demo


class Command(BaseCommand):
    help = "Create demo users (doctor01, admin) and demo data."

    def handle(self, *args, **options):
        for username, role, env_name in (
            ("doctor01", User.Role.DOCTOR, "DEMO_DOCTOR_PASSWORD"),
            ("admin", User.Role.ADMIN, "DEMO_ADMIN_PASSWORD"),
        ):
            user = User.objects.filter(username=username).first()
            if user is not None:
                self.stdout.write(f"{username}: exists (password unchanged)")
                continue
            password = os.environ.get(env_name) or secrets.token_urlsafe(12)
            user = User(
                username=username,
                role=role,
                email=f"{username}@example.org",
                first_name="Demo",
                last_name=role.title(),
                is_superuser=role == User.Role.ADMIN,
            )
            user.set_password(password)
            user.save()
            shown = "(from $" + env_name + ")" if os.environ.get(env_name) else password
            self.stdout.write(self.style.SUCCESS(f"{username}: created, role={role}, password={shown}"))
        patients = directory_seed_demo()
        self.stdout.write(
            f"patient directory: {patients.created} demo patients created, {patients.updated} updated"
        )

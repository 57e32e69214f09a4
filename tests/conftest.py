"""Shared fixtures: the alice/bob/admin access matrix, API clients, factories."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from soapify.accounts.models import User
from soapify.encounters.models import Encounter

PASSWORD = "Correct-Horse-9-battery"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes files under its own temporary folder."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    for alias in ("default", "audio", "outputs"):
        conf = settings.STORAGES[alias]
        if conf["BACKEND"].endswith("FileSystemStorage"):
            settings.STORAGES = {
                **settings.STORAGES,
                alias: {**conf, "OPTIONS": {**conf.get("OPTIONS", {}), "location": str(root / "private")}},
            }
    from django.core.files.storage import storages

    storages._storages = {}
    storages._backends = None
    yield
    storages._storages = {}
    storages._backends = None


def make_user(username: str, role: str = "doctor", **extra) -> User:
    user = User(username=username, role=role, email=f"{username}@example.org", **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def alice(db) -> User:
    return make_user("alice")


@pytest.fixture
def bob(db) -> User:
    return make_user("bob")


@pytest.fixture
def admin_user(db) -> User:
    return make_user("root", role="admin")


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def alice_client(alice) -> APIClient:
    return client_for(alice)


@pytest.fixture
def bob_client(bob) -> APIClient:
    return client_for(bob)


@pytest.fixture
def admin_client(admin_user) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def encounter(alice) -> Encounter:
    return Encounter.objects.create(doctor=alice, patient_ref="HS-12345", context="OPD")


@pytest.fixture
def matrix(alice_client, bob_client, admin_client, anon) -> dict[str, APIClient]:
    """owner = alice (owns the ``encounter`` fixture), other = bob, admin, anonymous."""
    return {"owner": alice_client, "other": bob_client, "admin": admin_client, "anon": anon}

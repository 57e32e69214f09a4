"""Shared fixtures: the alice/bob/admin access matrix, API clients, factories."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import TestCase
from rest_framework.test import APIClient

from soapify.accounts.models import User
from soapify.encounters.models import Encounter

PASSWORD = "Correct-Horse-9-battery"


def clear_cache() -> None:
    """Empty this test process's cache. On the shared Redis (settings: db 1, a per-process
    KEY_PREFIX) only this process's keys are deleted: ``cache.clear()`` would FLUSHDB the keys of
    every other test run using that db at the same time."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        backend.clear()
        return
    client = backend._cache.get_client(write=True)
    pattern = f"{_glob_escape(backend.key_prefix)}:*"
    batch: list = []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            client.delete(*batch)
            batch.clear()
    if batch:
        client.delete(*batch)


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def _forget_llm_formats():
    """The JSON format each chat server accepted is remembered per URL and model (core/llm.py);
    the fake servers of the tests share one URL, so each test starts with nothing remembered."""
    from soapify.core.llm import _ACCEPTED

    _ACCEPTED.clear()


@pytest.fixture(autouse=True)
def _no_diarization(settings):
    """Speaker diarization (a real speaker encoder) only where a test asks for it
    (tests/stt/test_diarization*.py): elsewhere segments keep the speaker the STT engine gave."""
    settings.DIARIZATION_ENGINES = {
        "default": {"BACKEND": "soapify.stt.diarization.engines.NoDiarizer", "OPTIONS": {}}
    }


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


@pytest.fixture
def httpserver(httpserver):
    """pytest-httpserver's fake provider (helpers in tests/httpfakes.py). At the end of a test, an
    answer still in flight (a time-out test's slow handler) is waited for, so it never lands in the
    next test's log: the server answers one request at a time."""
    from tests.httpfakes import drain

    yield httpserver
    drain(httpserver)


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


class CommittingAPIClient(APIClient):
    """An API client whose every request ends like a real one that commits: the request's
    on-commit callbacks (the jobs it started are sent then) run when it returns, with Celery's
    eager mode running each job there and then. Tests run inside a transaction that never commits,
    so without this no job would ever start. Read a job's outcome from its ``status_url`` (or the
    resource), never from the 201 body: that body says what the request did (``queued``)."""

    def request(self, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**kwargs)


@pytest.fixture
def anon() -> APIClient:
    return CommittingAPIClient()


def client_for(user: User) -> APIClient:
    client = CommittingAPIClient()
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

"""Rate limiting by profile (issue 17, item 4): per user and scope (read, write, upload, heavy), at
the rates of the user's profile, in fixed windows counted in the shared cache; the N+1th request
of a window is a 429 with Retry-After and the RateLimit-* headers, which every limited answer
carries. The clock of the throttle is the test's, so no test straddles a window's end."""

from __future__ import annotations

import threading

import pytest
from django.test import RequestFactory
from drf_spectacular.generators import SchemaGenerator
from rest_framework.request import Request
from rest_framework.test import APIClient
from rest_framework.views import APIView

from soapify.accounts import throttles
from soapify.accounts.models import User
from soapify.accounts.throttles import ProfileRateThrottle
from soapify.encounters.models import Encounter
from tests.conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

PROFILES = {
    "default": {"read": "3/min", "write": "2/min", "upload": "2/min", "heavy": "1/min"},
    "clinic": {"read": "5/min", "heavy": "2/min"},  # write and upload: the default profile's
    "integration": {"read": "4/h", "write": "3/min", "upload": "4/min", "heavy": "3/min"},
    "admin": {"read": "6/min", "write": "4/min", "upload": "off", "heavy": "2/min"},
}
LIMITS = {
    ("default", "read"): 3,
    ("default", "write"): 2,
    ("default", "upload"): 2,
    ("default", "heavy"): 1,
    ("clinic", "read"): 5,
    ("clinic", "write"): 2,
    ("clinic", "upload"): 2,
    ("clinic", "heavy"): 2,
    ("integration", "read"): 4,
    ("integration", "write"): 3,
    ("integration", "upload"): 4,
    ("integration", "heavy"): 3,
}
T0 = 1_800_000_000.0  # a window's start for every period used here (divisible by 3600)


class Clock:
    def __init__(self) -> None:
        self.now = T0 + 10.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(settings, monkeypatch) -> Clock:
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_PROFILES = PROFILES
    clock = Clock()
    monkeypatch.setattr(ProfileRateThrottle, "timer", staticmethod(clock))
    return clock


def doctor(name: str, profile: str = "") -> tuple[User, APIClient]:
    user = make_user(name, rate_profile=profile)
    return user, client_for(user)


def call(client: APIClient, scope: str, encounter: Encounter):
    """One request of ``scope`` (its answer's own status does not matter here, only 429 or not)."""
    if scope == "read":
        return client.get("/api/encounters/")
    if scope == "write":
        return client.post(
            "/api/encounters/create/", {"patient_ref": "HS-1", "context": "OPD"}, format="json"
        )
    if scope == "upload":
        body = {"encounter_id": encounter.id, "filename": "a.wav", "content_type": "audio/wav"}
        return client.post("/api/uploads/session/create/", body, format="json")
    return client.post(f"/api/stt/encounter/{encounter.id}/process/")


def assert_refused(response, *, limit: int, reset: int) -> None:
    assert response.status_code == 429, response.content
    assert response["Retry-After"] == str(reset)
    assert response["RateLimit-Limit"] == str(limit)
    assert response["RateLimit-Remaining"] == "0"
    assert response["RateLimit-Reset"] == str(reset)
    error = response.json()["error"]
    assert error["code"] == "throttled" and error["retry_after"] == reset


def test_the_n_plus_first_read_of_a_window_is_429_with_the_rate_limit_headers(clock):
    _, client = doctor("alice")
    for remaining in (2, 1, 0):
        r = client.get("/api/encounters/")
        assert r.status_code == 200
        assert (r["RateLimit-Limit"], r["RateLimit-Remaining"], r["RateLimit-Reset"]) == (
            "3",
            str(remaining),
            "50",
        )
        assert r["RateLimit-Policy"] == '3;w=60;comment="default read"'
    assert_refused(client.get("/api/encounters/"), limit=3, reset=50)
    clock.now = T0 + 59.5
    assert_refused(client.get("/api/encounters/"), limit=3, reset=1)
    clock.now = T0 + 60.0  # the next window
    r = client.get("/api/encounters/")
    assert r.status_code == 200 and r["RateLimit-Remaining"] == "2" and r["RateLimit-Reset"] == "60"


@pytest.mark.parametrize(("profile", "scope"), sorted(LIMITS), ids=[f"{p}-{s}" for p, s in sorted(LIMITS)])
def test_each_profile_limits_each_scope_at_its_own_rate(profile, scope):
    user, client = doctor("alice", profile)
    encounter = Encounter.objects.create(doctor=user, patient_ref="HS-12345", context="OPD")
    limit = LIMITS[profile, scope]
    period = 3600 if PROFILES[profile].get(scope, "").endswith("/h") else 60
    before = Encounter.objects.count()
    for n in range(limit):
        r = call(client, scope, encounter)
        assert r.status_code != 429, (n, r.content)
        assert r["RateLimit-Limit"] == str(limit)
        assert r["RateLimit-Remaining"] == str(limit - n - 1)
    after = Encounter.objects.count()
    assert_refused(call(client, scope, encounter), limit=limit, reset=period - 10)
    assert Encounter.objects.count() == after  # a refused request changes nothing
    assert after - before == (limit if scope == "write" else 0)


def test_scopes_and_users_are_counted_apart():
    alice, alice_client = doctor("alice")
    _, bob_client = doctor("bob")
    encounter = Encounter.objects.create(doctor=alice, patient_ref="HS-12345", context="OPD")
    for _ in range(3):
        assert call(alice_client, "read", encounter).status_code == 200
    assert call(alice_client, "read", encounter).status_code == 429
    assert call(alice_client, "write", encounter).status_code == 201  # another scope
    assert call(alice_client, "upload", encounter).status_code == 201
    assert call(alice_client, "heavy", encounter).status_code != 429
    assert call(alice_client, "heavy", encounter).status_code == 429
    assert call(bob_client, "read", encounter).status_code == 200  # another user


def test_admins_get_the_admin_profile_and_a_profile_may_turn_a_scope_off():
    admin = make_user("root", role="admin")
    client = client_for(admin)
    r = client.get("/api/users/")
    assert r.status_code == 200 and r["RateLimit-Limit"] == "6"
    encounter = Encounter.objects.create(doctor=make_user("alice"), patient_ref="HS-1", context="OPD")
    for _ in range(10):  # upload is "off" for admins: no limit, no headers
        r = call(client, "upload", encounter)
        assert r.status_code == 404 and "RateLimit-Limit" not in r


def test_a_profile_the_settings_no_longer_name_is_the_default_one():
    _, client = doctor("alice", "retired-profile")
    assert client.get("/api/encounters/")["RateLimit-Limit"] == "3"


def test_job_starting_posts_are_heavy_and_upload_posts_uploads(clock):
    user, client = doctor("alice")
    encounter = Encounter.objects.create(doctor=user, patient_ref="HS-12345", context="OPD")
    heavy = [
        f"/api/nlp/generate/{encounter.id}/",
        f"/api/stt/encounter/{encounter.id}/process/",
        "/api/outputs/finalize/",
        "/api/search/reindex/",
        "/api/stt/transcribe/",
        "/api/checklist/evaluations/evaluate_encounter/",
    ]
    for path in heavy:
        clock.now += 60  # a fresh window each: one heavy request allowed, the second refused
        first = client.post(path, {"encounter_id": encounter.id, "encounter": encounter.id}, format="json")
        assert first.status_code != 429 and first["RateLimit-Policy"].endswith('"default heavy"'), path
        assert client.post(path, {}, format="json").status_code == 429, path
    clock.now += 60
    body = {"encounter_id": encounter.id, "chunk_number": 1, "format": "wav", "file_size": 100}
    r = client.post("/api/audio/presigned-url/", body, format="json")
    assert r.status_code == 201 and r["RateLimit-Policy"].endswith('"default upload"')
    assert client.get(f"/api/nlp/drafts/{encounter.id}/")["RateLimit-Policy"].endswith('"default read"')


def test_anonymous_callers_are_limited_by_client_address():
    first, second = APIClient(REMOTE_ADDR="203.0.113.5"), APIClient(REMOTE_ADDR="203.0.113.6")
    assert [first.get("/api/ping/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get("/api/ping/").status_code == 200


def test_the_auth_endpoints_keep_their_own_throttles():
    make_user("alice")
    client = APIClient(REMOTE_ADDR="198.51.100.9")
    for _ in range(5):
        r = client.post("/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json")
        assert r.status_code == 401 and "RateLimit-Limit" not in r


def test_rate_limits_can_be_turned_off(settings):
    settings.RATE_LIMITS_ENABLED = False
    _, client = doctor("alice")
    for _ in range(10):
        r = client.get("/api/encounters/")
        assert r.status_code == 200 and "RateLimit-Limit" not in r


@pytest.mark.parametrize("backend", ["redis", "locmem"])
def test_concurrent_requests_are_all_counted(settings, backend):
    """The counter is incremented atomically in the shared cache: of 60 requests sent at once from
    6 threads with a limit of 40, exactly 40 pass (a read-then-write counter would let more)."""
    if backend == "locmem":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    elif "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("no Redis answered for the tests")
    settings.RATE_LIMIT_PROFILES = {"default": {"read": "40/min"}}
    user = User(pk=987654, username="ghost")
    view = APIView()
    view.headers = {}
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            request = Request(RequestFactory().get("/api/encounters/"))
            request.user = user
            result = ProfileRateThrottle().allow_request(request, view)
            with lock:
                allowed.append(result)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 60 and allowed.count(True) == 40


# --- the profile of a user ----------------------------------------------------------------------------


def test_admins_set_a_users_profile():
    """It applies from the user's next request (a JWT's user row is read on every request)."""
    alice, _ = doctor("alice")
    token = APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    alice_client = APIClient()
    alice_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    assert alice_client.get("/api/encounters/")["RateLimit-Limit"] == "3"
    admin = client_for(make_user("root", role="admin"))
    r = admin.patch(f"/api/users/{alice.pk}/", {"rate_profile": "clinic"}, format="json")
    assert r.status_code == 200 and r.json()["rate_profile"] == "clinic"
    assert alice_client.get("/api/users/me/").json()["rate_profile"] == "clinic"
    assert alice_client.get("/api/encounters/")["RateLimit-Limit"] == "5"
    r = admin.patch(f"/api/users/{alice.pk}/", {"rate_profile": ""}, format="json")  # back to the role's
    assert r.status_code == 200 and r.json()["rate_profile"] == ""
    body = {"username": "carol", "password": "Another-Horse-7", "rate_profile": "integration"}
    r = admin.post("/api/users/", body, format="json")
    assert r.status_code == 201 and User.objects.get(username="carol").rate_profile == "integration"


def test_a_doctor_cannot_change_its_own_profile():
    alice, client = doctor("alice")
    r = client.patch(f"/api/users/{alice.pk}/", {"rate_profile": "integration"}, format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "rate_profile_change_forbidden"
    alice.refresh_from_db()
    assert alice.rate_profile == ""
    r = client.patch(f"/api/users/{alice.pk}/", {"rate_profile": "", "first_name": "Alice"}, format="json")
    assert r.status_code == 200  # sending its profile unchanged is fine


@pytest.mark.parametrize("value", ["platinum", 7, ["clinic"], "x" * 100])
def test_an_unknown_profile_is_400_and_changes_nothing(value):
    alice, _ = doctor("alice")
    admin = client_for(make_user("root", role="admin"))
    r = admin.patch(f"/api/users/{alice.pk}/", {"rate_profile": value}, format="json")
    assert r.status_code == 400 and "rate_profile" in r.json()["error"]["fields"]
    alice.refresh_from_db()
    assert alice.rate_profile == ""


# --- the schema ---------------------------------------------------------------------------------------


def test_every_operation_documents_429_with_its_headers():
    """Operations of the profiles document the RateLimit-* headers; those with a limiter of their
    own (sign-in, one-time codes, share links) document their own 429, with Retry-After."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in ("get", "put", "post", "patch", "delete")
    ]
    assert len(operations) > 50
    own = set()
    for path, method, op in operations:
        refused = op["responses"].get("429")
        assert refused is not None, (method, path)
        assert "Retry-After" in refused["headers"], (method, path)
        if {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(refused["headers"]):
            assert refused["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        else:
            own.add(path)
    assert {"/api/auth/token/", "/api/auth/login/", "/api/outputs/access/{link_id}/"} <= own
    profiled = {path for path, _, _ in operations} - own
    assert {"/api/encounters/", "/api/uploads/chunk/", "/api/nlp/generate/{encounter_id}/"} <= profiled


def test_throttle_settings_name_every_scope():
    assert set(throttles.SCOPES) == {"read", "write", "upload", "heavy"}
    assert set(throttles.SCOPE_BY_URL_NAME.values()) <= set(throttles.SCOPES)

"""Every route in the URLconf against the access matrix: the owner doctor (alice), another doctor
(bob), an admin and an anonymous caller, each with the exact status expected.

The routes are found by walking ``get_resolver().url_patterns``; a route (or a method of it) that
has no case below fails ``test_every_route_and_method_has_a_case``, so a new endpoint cannot ship
without its matrix (NetBox's ``APIViewTestCases`` is the model). Object routes use alice's objects,
so bob gets 404 (existence is never revealed); admins see no doctor's clinical content (404 too,
as the models' ``for_user`` say and /work/shared/spec/API.md's roles imply: admins run the
service, they are not the patient's doctor). Each case is sent by other, admin and anonymous
first, then by the owner, so a refusal is checked before the owner changes anything. Non-API
routes (Django admin, schema, docs, health) are listed in ``EXEMPT`` with where their behaviour is
tested, or have their own expectations.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from soapify.accounts.models import User
from soapify.outputs.models import OutputFile
from soapify.stt.models import TranscriptSegment
from tests.access import PUBLIC, Case
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DIALOGUE = (FIXTURES / "dialogues" / "headache_visit.txt").read_text(encoding="utf-8")
AUDIO = (FIXTURES / "audio" / "clip.wav").read_bytes()
ROLES = ("other", "admin", "anon", "owner")  # the owner last: refusals are checked first


# --- the URLconf --------------------------------------------------------------------------------------


def _normalize(route: str) -> str:
    """``api/checklist/^catalog/(?P<pk>[^/.]+)/$`` → ``api/checklist/catalog/<pk>/``."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    return route.replace("^", "").replace("$", "")


def _methods(pattern: URLPattern) -> tuple[str, ...]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(m.upper() for m in actions if m not in ("options", "head")))
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return FUNCTION_VIEW_METHODS.get(f"{callback.__module__}.{callback.__name__}", ("?",))
    return tuple(
        sorted(m.upper() for m in view.http_method_names if m not in ("options", "head") and hasattr(view, m))
    )


def walk(patterns=None, prefix: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield _normalize(prefix + str(pattern.pattern)), pattern


def routes() -> dict[str, tuple[str, ...]]:
    return {route: _methods(pattern) for route, pattern in walk()}


# plain Django views cannot be introspected for their methods
FUNCTION_VIEW_METHODS = {"soapify.encounters.views_audio.signed_upload": ("PUT",)}

# Routes outside the API matrix, with where their behaviour is tested.
EXEMPT = {
    "": "the index (links to the docs and health, no data): tests/core (health).",
    "healthz": "liveness, no credentials: tests/core (health).",
    "readyz": "readiness, no credentials: tests/core (health).",
    "api/schema/": "the OpenAPI schema: tests/core/test_core.py and tests/test_schemathesis.py.",
    "api/docs/": "Swagger UI: tests/core/test_core.py.",
}
EXEMPT_PREFIXES = {"django-admin/": "Django's admin site (staff only): test_django_admin_is_for_staff_only."}


def _exempt(route: str) -> bool:
    return route in EXEMPT or route.startswith(tuple(EXEMPT_PREFIXES))


# --- alice's world, built through the API as she would ------------------------------------------------


class World:
    """Alice's objects, each made on first use (a case builds only what it needs)."""

    def __init__(self, alice: User, owner: APIClient) -> None:
        self.alice = alice
        self.owner = owner

    def _ok(self, response, status: int = 201) -> dict:
        assert response.status_code == status, response.content
        return response.json()

    @cached_property
    def encounter(self) -> int:
        body = self._ok(
            self.owner.post(
                "/api/encounters/create/", {"patient_ref": "HS-12345", "context": "OPD"}, format="json"
            )
        )
        return body["id"]

    @cached_property
    def transcribed(self) -> int:
        self._ok(
            self.owner.post(
                f"/api/encounters/{self.encounter}/transcript/", {"text": DIALOGUE}, format="json"
            )
        )
        return self.encounter

    @cached_property
    def segment(self) -> int:
        return TranscriptSegment.objects.filter(encounter_id=self.transcribed).order_by("index").first().pk

    @cached_property
    def job(self) -> str:
        return self._ok(self.owner.post(f"/api/nlp/generate/{self.transcribed}/", format="json"))["job_id"]

    @cached_property
    def drafted(self) -> int:
        assert self.job
        return self.encounter

    @cached_property
    def finalized(self) -> int:
        self._ok(self.owner.post("/api/outputs/finalize/", {"encounter_id": self.drafted}, format="json"))
        return self.encounter

    @cached_property
    def file(self) -> int:
        return OutputFile.objects.get(note__encounter_id=self.finalized, kind="pdf_doctor").pk

    def signed_file_path(self) -> str:
        url = self._ok(self.owner.post(f"/api/outputs/download/{self.file}/"))["url"]
        return urlsplit(url).path

    @cached_property
    def link(self) -> dict:
        return self._ok(
            self.owner.post("/api/outputs/link-patient/", {"encounter_id": self.finalized}, format="json")
        )

    def presign(self, number: int = 1) -> dict:
        body = {
            "encounter_id": self.encounter,
            "chunk_number": number,
            "format": "wav",
            "file_size": len(AUDIO),
        }
        return self._ok(self.owner.post("/api/audio/presigned-url/", body, format="json"))

    def uploaded_chunk(self, number: int = 1) -> int:
        target = self.presign(number)
        put = APIClient().generic("PUT", urlsplit(target["upload_url"]).path, AUDIO, content_type="audio/wav")
        assert put.status_code == 200, put.content
        return target["chunk_id"]

    @cached_property
    def chunk(self) -> int:
        chunk_id = self.uploaded_chunk(1)
        self._ok(self.owner.post("/api/audio/commit/", {"chunk_id": chunk_id}, format="json"))
        return chunk_id

    @cached_property
    def session(self) -> str:
        body = {"encounter_id": self.encounter, "filename": "visit.wav", "content_type": "audio/wav"}
        return self._ok(self.owner.post("/api/uploads/session/create/", body, format="json"))["session_id"]

    @cached_property
    def sized_session(self) -> str:
        sha = hashlib.sha256(AUDIO).hexdigest()
        body = {"encounter_id": self.encounter, "filename": "visit.wav", "content_type": "audio/wav",
                "total_size": len(AUDIO), "sha256": sha}  # fmt: skip
        return self._ok(self.owner.post("/api/uploads/session/create/", body, format="json"))["session_id"]

    @cached_property
    def complete_session(self) -> str:
        session = self.sized_session
        chunk = {"session_id": session, "offset": 0, "file": _file()}
        self._ok(self.owner.post("/api/uploads/chunk/", chunk, format="multipart"))
        return session

    @cached_property
    def committed_session(self) -> str:
        self._ok(
            self.owner.post("/api/uploads/commit/", {"session_id": self.complete_session}, format="json")
        )
        return self.complete_session

    @cached_property
    def catalog_item(self) -> int:
        body = {"title": "Sleep", "description": "Ask about sleep", "category": "subjective",
                "question_template": "How do you sleep?", "keywords": {"synonyms": ["sleep"]}}  # fmt: skip
        return self._ok(self.owner.post("/api/checklist/catalog/", body, format="json"))["id"]

    @cached_property
    def template(self) -> int:
        body = {"name": "Mine", "description": "My template", "catalog_item_ids": [self.catalog_item]}
        return self._ok(self.owner.post("/api/checklist/templates/", body, format="json"))["id"]

    @cached_property
    def evaluation(self) -> int:
        body = {"encounter": self.transcribed, "catalog_item_id": self.catalog_item, "status": "covered"}
        return self._ok(self.owner.post("/api/checklist/evaluations/", body, format="json"))["id"]

    def refresh_token(self) -> str:
        body = {"username": self.alice.username, "password": PASSWORD}
        return self._ok(self.owner.post("/api/auth/token/", body, format="json"), 200)["refresh"]


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("visit.wav", AUDIO, content_type="audio/wav")


# --- the cases ----------------------------------------------------------------------------------------


def _enc(w: World) -> dict:
    return {"encounter_id": w.encounter}


CATALOG = {
    "title": "Sleep well",
    "description": "Ask",
    "category": "subjective",
    "question_template": "Sleep?",
}

CASES: dict[tuple[str, str], Case] = {
    # auth: no credentials needed; the body's credentials decide (each caller gets a fresh token)
    ("api/auth/token/", "POST"): Case(lambda w: "/api/auth/token/", 200, **PUBLIC,
        body=lambda w: {"username": "alice", "password": PASSWORD}),
    ("api/auth/login/", "POST"): Case(lambda w: "/api/auth/login/", 200, **PUBLIC,
        body=lambda w: {"username": "alice", "password": PASSWORD}),
    ("api/auth/token/refresh/", "POST"): Case(lambda w: "/api/auth/token/refresh/", 200, **PUBLIC,
        body=lambda w: {"refresh": w.refresh_token()}),
    ("api/auth/token/verify/", "POST"): Case(lambda w: "/api/auth/token/verify/", 200, **PUBLIC,
        body=lambda w: {"token": w.refresh_token()}),
    ("api/auth/logout/", "POST"): Case(lambda w: "/api/auth/logout/", 200, **PUBLIC,
        body=lambda w: {"refresh": w.refresh_token()}),
    # users: admins manage everyone; a doctor reads and edits only itself
    ("api/users/", "GET"): Case(lambda w: "/api/users/", 200, other=200, admin=200),
    ("api/users/", "POST"): Case(lambda w: "/api/users/", 403, other=403, admin=201,
        body=lambda w: {"username": f"new{User.objects.count()}", "password": "A-long-pass-phrase-9"}),
    # changing one's own password needs the current one (each caller changes its own)
    ("api/users/me/password/", "POST"): Case(lambda w: "/api/users/me/password/", 200, other=200, admin=200,
        body=lambda w: {"current_password": PASSWORD, "new_password": "Another-long-pass-9"}),
    # an admin resets another user's password
    ("api/users/<pk>/set-password/", "POST"): Case(lambda w: f"/api/users/{w.alice.pk}/set-password/", 403,
        admin=200, body=lambda w: {"new_password": "Another-long-pass-9"}),
    ("api/users/me/", "GET"): Case(lambda w: "/api/users/me/", 200, other=200, admin=200),
    ("api/users/<pk>/", "GET"): Case(lambda w: f"/api/users/{w.alice.pk}/", 200, admin=200),
    ("api/users/<pk>/", "PUT"): Case(lambda w: f"/api/users/{w.alice.pk}/", 200, admin=200,
        body=lambda w: {"username": "alice", "first_name": "Alice"}),
    ("api/users/<pk>/", "PATCH"): Case(lambda w: f"/api/users/{w.alice.pk}/", 200, admin=200,
        body=lambda w: {"first_name": "Alice"}),
    # encounters
    ("api/encounters/", "GET"): Case(lambda w: "/api/encounters/", 200, other=200, admin=200),
    ("api/encounters/create/", "POST"): Case(lambda w: "/api/encounters/create/", 201, other=201, admin=201,
        body=lambda w: {"patient_ref": "HS-1", "context": "OPD"}),
    ("api/encounters/<int:encounter_id>/", "GET"): Case(lambda w: f"/api/encounters/{w.encounter}/", 200),
    ("api/encounters/<int:encounter_id>/transcript/", "POST"): Case(
        lambda w: f"/api/encounters/{w.encounter}/transcript/", 201, body=lambda w: {"text": DIALOGUE}),
    # audio
    ("api/audio/presigned-url/", "POST"): Case(lambda w: "/api/audio/presigned-url/", 201,
        body=lambda w: {**_enc(w), "chunk_number": 1, "format": "wav", "file_size": len(AUDIO)}),
    ("api/audio/commit/", "POST"): Case(lambda w: "/api/audio/commit/", 201,
        body=lambda w: {"chunk_id": w.uploaded_chunk()}),
    # the signed URL is the credential: the holder's PUT is stored, a forged token is refused alike
    ("api/audio/upload/<str:token>/", "PUT"): Case(
        lambda w: urlsplit(w.presign()["upload_url"]).path, 200, other=403, admin=403, anon=403,
        body=lambda w: AUDIO, format="audio/wav"),
    # resumable uploads
    ("api/uploads/session/create/", "POST"): Case(lambda w: "/api/uploads/session/create/", 201,
        body=lambda w: {**_enc(w), "filename": "v.wav", "content_type": "audio/wav"}),
    ("api/uploads/session/<str:session_id>/", "GET"): Case(lambda w: f"/api/uploads/session/{w.session}/", 200),
    ("api/uploads/chunk/", "POST"): Case(lambda w: "/api/uploads/chunk/", 201,
        body=lambda w: {"session_id": w.session, "offset": 0, "file": _file()}, format="multipart"),
    ("api/uploads/commit/", "POST"): Case(lambda w: "/api/uploads/commit/", 201,
        body=lambda w: {"session_id": w.complete_session}),
    ("api/uploads/final/<str:session_id>/", "GET"): Case(
        lambda w: f"/api/uploads/final/{w.committed_session}/", 200),
    # a direct upload: presigned (local storage: a signed URL on this service), confirm before any
    # bytes landed is a 409 not_uploaded (tests/encounters/test_uploads_s3.py covers S3)
    ("api/uploads/s3/presign/", "POST"): Case(lambda w: "/api/uploads/s3/presign/", 201,
        body=lambda w: {"session_id": w.sized_session}),
    ("api/uploads/s3/confirm/", "POST"): Case(lambda w: "/api/uploads/s3/confirm/", 409,
        body=lambda w: {"session_id": w.sized_session}),
    # speech to text
    ("api/stt/transcribe/", "POST"): Case(lambda w: "/api/stt/transcribe/", 201,
        body=lambda w: {"chunk_id": w.chunk}),
    ("api/stt/transcript/segment/<int:segment_id>/", "PUT"): Case(
        lambda w: f"/api/stt/transcript/segment/{w.segment}/", 200, body=lambda w: {"text": "Corrected."}),
    ("api/stt/transcript/<int:id>/", "GET"): Case(lambda w: f"/api/stt/transcript/{w.chunk}/", 200),
    ("api/stt/transcript/<int:id>/", "PUT"): Case(
        lambda w: f"/api/stt/transcript/{w.segment}/", 200, body=lambda w: {"text": "Corrected."}),
    ("api/stt/encounter/<int:encounter_id>/process/", "POST"): Case(
        lambda w: f"/api/stt/encounter/{w.transcribed}/process/", 201),
    ("api/stt/encounter/<int:encounter_id>/transcript/", "GET"): Case(
        lambda w: f"/api/stt/encounter/{w.transcribed}/transcript/", 200),
    ("api/stt/search/", "GET"): Case(lambda w: f"/api/stt/search/?q=headache&encounter_id={w.transcribed}", 200),
    # SOAP drafts and the draft's checklist
    ("api/nlp/generate/<int:encounter_id>/", "POST"): Case(lambda w: f"/api/nlp/generate/{w.transcribed}/", 201),
    ("api/nlp/drafts/<int:encounter_id>/", "GET"): Case(lambda w: f"/api/nlp/drafts/{w.drafted}/", 200),
    ("api/nlp/drafts/<int:encounter_id>/update-section/", "PUT"): Case(
        lambda w: f"/api/nlp/drafts/{w.drafted}/update-section/", 200,
        body=lambda w: {"section": "plan", "content": "Rest."}),
    ("api/nlp/drafts/<int:encounter_id>/checklist/", "GET"): Case(
        lambda w: f"/api/nlp/drafts/{w.drafted}/checklist/", 200),
    ("api/nlp/drafts/<int:encounter_id>/checklist/<int:item_id>/", "PUT"): Case(
        lambda w: f"/api/nlp/drafts/{w.drafted}/checklist/{w.catalog_item}/", 200,
        body=lambda w: {"status": "covered", "notes": "asked"}),
    # checklist catalog and templates: global + own rows; another doctor's private rows are a 404
    ("api/checklist/catalog/", "GET"): Case(lambda w: "/api/checklist/catalog/", 200, other=200, admin=200),
    ("api/checklist/catalog/", "POST"): Case(lambda w: "/api/checklist/catalog/", 201, other=201, admin=201,
        body=lambda w: CATALOG),
    ("api/checklist/catalog/<pk>/", "GET"): Case(lambda w: f"/api/checklist/catalog/{w.catalog_item}/", 200),
    ("api/checklist/catalog/<pk>/", "PUT"): Case(lambda w: f"/api/checklist/catalog/{w.catalog_item}/", 200,
        body=lambda w: CATALOG),
    ("api/checklist/catalog/<pk>/", "PATCH"): Case(lambda w: f"/api/checklist/catalog/{w.catalog_item}/", 200,
        body=lambda w: {"priority": "high"}),
    ("api/checklist/catalog/<pk>/", "DELETE"): Case(lambda w: f"/api/checklist/catalog/{w.catalog_item}/", 204),
    ("api/checklist/templates/", "GET"): Case(lambda w: "/api/checklist/templates/", 200, other=200, admin=200),
    ("api/checklist/templates/", "POST"): Case(lambda w: "/api/checklist/templates/", 201, other=201, admin=201,
        body=lambda w: {"name": "Another", "description": "d"}),
    ("api/checklist/templates/<pk>/", "GET"): Case(lambda w: f"/api/checklist/templates/{w.template}/", 200),
    ("api/checklist/templates/<pk>/", "PUT"): Case(lambda w: f"/api/checklist/templates/{w.template}/", 200,
        body=lambda w: {"name": "Mine", "description": "changed"}),
    ("api/checklist/templates/<pk>/", "PATCH"): Case(lambda w: f"/api/checklist/templates/{w.template}/", 200,
        body=lambda w: {"description": "changed"}),
    ("api/checklist/templates/<pk>/", "DELETE"): Case(lambda w: f"/api/checklist/templates/{w.template}/", 204),
    ("api/checklist/templates/<pk>/catalog_items/", "GET"): Case(
        lambda w: f"/api/checklist/templates/{w.template}/catalog_items/", 200),
    # checklist evaluations: only the caller's encounters (lists filtered, details 404)
    ("api/checklist/evaluations/", "GET"): Case(
        lambda w: f"/api/checklist/evaluations/?encounter={w.evaluation and w.encounter}", 200, other=200, admin=200),
    ("api/checklist/evaluations/", "POST"): Case(lambda w: "/api/checklist/evaluations/", 201,
        body=lambda w: {"encounter": w.transcribed, "catalog_item_id": w.catalog_item, "status": "missing"}),
    ("api/checklist/evaluations/evaluate_encounter/", "POST"): Case(
        lambda w: "/api/checklist/evaluations/evaluate_encounter/", 201, body=lambda w: {"encounter": w.transcribed}),
    ("api/checklist/evaluations/summary/", "GET"): Case(
        lambda w: f"/api/checklist/evaluations/summary/?encounter={w.transcribed}", 200),
    ("api/checklist/evaluations/<pk>/", "GET"): Case(lambda w: f"/api/checklist/evaluations/{w.evaluation}/", 200),
    ("api/checklist/evaluations/<pk>/", "PUT"): Case(lambda w: f"/api/checklist/evaluations/{w.evaluation}/", 200,
        body=lambda w: {"encounter": w.encounter, "catalog_item_id": w.catalog_item, "status": "partial"}),
    ("api/checklist/evaluations/<pk>/", "PATCH"): Case(
        lambda w: f"/api/checklist/evaluations/{w.evaluation}/", 200, body=lambda w: {"notes": "asked"}),
    ("api/checklist/evaluations/<pk>/", "DELETE"): Case(
        lambda w: f"/api/checklist/evaluations/{w.evaluation}/", 204),
    # outputs
    ("api/outputs/finalize/", "POST"): Case(lambda w: "/api/outputs/finalize/", 201,
        body=lambda w: {"encounter_id": w.drafted}),
    ("api/outputs/finalized/<int:encounter_id>/", "GET"): Case(
        lambda w: f"/api/outputs/finalized/{w.finalized}/", 200),
    ("api/outputs/files/<int:encounter_id>/", "GET"): Case(lambda w: f"/api/outputs/files/{w.finalized}/", 200),
    ("api/outputs/download/<int:file_id>/", "POST"): Case(lambda w: f"/api/outputs/download/{w.file}/", 201),
    # a signed download URL is the credential: whoever holds it gets the file, a forged one 403
    ("api/outputs/file/<str:token>/", "GET"): Case(lambda w: w.signed_file_path(), 200, **PUBLIC),
    ("api/outputs/link-patient/", "POST"): Case(lambda w: "/api/outputs/link-patient/", 201,
        body=lambda w: {"encounter_id": w.finalized}),
    ("api/outputs/links/", "GET"): Case(lambda w: f"/api/outputs/links/?encounter_id={w.link and w.encounter}", 200),
    ("api/outputs/links/<uuid:link_id>/revoke/", "POST"): Case(
        lambda w: f"/api/outputs/links/{w.link['id']}/revoke/", 200),
    # the patient's page: the link's secret token is the credential, no login
    ("api/outputs/access/<str:link_id>/", "GET"): Case(lambda w: f"/api/outputs/access/{w.link['link_id']}/", 200,
        **PUBLIC),
    # search: the caller's own content only (encounter_id of someone else's: 404)
    # (another doctor's encounter_id is filtered out: an empty page, where /api/stt/search/ says 404)
    ("api/search/", "GET"): Case(lambda w: f"/api/search/?q=headache&encounter_id={w.transcribed}", 200,
        other=200, admin=200),
    ("api/search/suggestions/", "GET"): Case(lambda w: "/api/search/suggestions/?q=hea", 200, other=200,
        admin=200),
    ("api/search/analytics/", "GET"): Case(lambda w: "/api/search/analytics/", 200, other=200, admin=200),
    ("api/search/reindex/", "POST"): Case(lambda w: "/api/search/reindex/", 201, body=_enc),
    # jobs: only the job's owner
    ("api/jobs/<uuid:job_id>/", "GET"): Case(lambda w: f"/api/jobs/{w.job}/", 200),
    # the benchmark's trivial view: no credentials
    ("api/ping/", "GET"): Case(lambda w: "/api/ping/", 200, **PUBLIC),
}  # fmt: skip


def _app_cases() -> dict[tuple[str, str], Case]:
    """The cases each app keeps in ``tests/access_cases/<app>.py`` (a ``CASES`` dict of its own)."""
    found: dict[tuple[str, str], Case] = {}
    for module in sorted((Path(__file__).parent / "access_cases").glob("[!_]*.py")):
        cases = importlib.import_module(f"tests.access_cases.{module.stem}").CASES
        assert not set(cases) & (set(CASES) | set(found)), f"{module.name} repeats a case"
        found.update(cases)
    return found


CASES.update(_app_cases())

# routes whose credential is a token in the path: callers without it send a forged token instead
FORGED = {
    ("api/audio/upload/<str:token>/", "PUT"): "/api/audio/upload/forged-token/",
    ("api/outputs/file/<str:token>/", "GET"): None,  # a held URL works for anyone: no forged variant
}


# --- the tests ----------------------------------------------------------------------------------------


def _api_routes() -> list[tuple[str, str]]:
    return [(r, m) for r, methods in routes().items() if not _exempt(r) for m in methods]


def test_every_route_and_method_has_a_case():
    missing = [key for key in _api_routes() if key not in CASES]
    assert missing == [], f"routes without an access-matrix case: {missing}"


def test_every_case_names_a_route_that_exists():
    existing = set(_api_routes())
    stale = [key for key in CASES if key not in existing]
    assert stale == [], f"cases for routes that no longer exist: {stale}"


def test_every_exemption_names_a_route_that_exists():
    existing = set(routes())
    assert [r for r in EXEMPT if r not in existing] == []
    assert [p for p in EXEMPT_PREFIXES if not any(r.startswith(p) for r in existing)] == []


@pytest.mark.parametrize("who", ["owner", "other", "admin", "anon"])
def test_django_admin_is_for_staff_only(who, callers, admin_user):
    """The admin site answers doctors and anonymous callers with its login page (a redirect)."""
    client = callers[who]
    if who == "admin":
        client.force_login(admin_user)
    elif who != "anon":
        client.force_login(User.objects.get(username="alice" if who == "owner" else "bob"))
    response = client.get("/django-admin/")
    if who == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/django-admin/login/")


@pytest.fixture
def world(alice) -> World:
    return World(alice, client_for(alice))


@pytest.fixture
def callers(alice, bob, admin_user) -> dict[str, APIClient]:
    return {
        "owner": client_for(alice),
        "other": client_for(bob),
        "admin": client_for(admin_user),
        "anon": APIClient(),
    }


@pytest.fixture(autouse=True)
def _offline_engines(settings):
    settings.STT_ENGINES = {"default": {"BACKEND": "tests.stt.fakes.FakeEngine", "OPTIONS": {}}}
    settings.STT_LIVE_TRANSCRIPTION = False
    # four callers in a row from one test address: no rate limit in the way of the statuses
    settings.THROTTLE_RATES = {key: "100000/min" for key in settings.THROTTLE_RATES}


def _send(client: APIClient, method: str, path: str, case: Case, w: World):
    body = case.body(w) if case.body else None
    if body is None:
        return client.generic(method, path)
    if case.format in ("json", "multipart"):
        return getattr(client, method.lower())(path, body, format=case.format)
    return client.generic(method, path, body, content_type=case.format)


@pytest.mark.parametrize(("route", "method"), sorted(CASES), ids=[f"{m} {r}" for r, m in sorted(CASES)])
def test_access_matrix(route, method, world, callers):
    case = CASES[(route, method)]
    got, bodies = {}, {}
    for role in ROLES:
        path = case.path(world)
        if role != "owner" and FORGED.get((route, method)):
            path = FORGED[(route, method)]
        response = _send(callers[role], method, path, case, world)
        got[role] = response.status_code
        bodies[role] = b"(a file)" if response.streaming else response.content[:300]
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, response.content
    assert got == {role: case.expected(role) for role in ROLES}, bodies


@pytest.mark.parametrize("route", sorted({r for r, _ in CASES}))
def test_options_answers_on_every_route(route, world, callers):
    method = next(m for r, m in sorted(CASES) if r == route)
    case = CASES[(route, method)]
    path = case.path(world)
    owner = callers["owner"].options(path)
    assert owner.status_code == 200, owner.content
    anon = APIClient().options(path)
    assert anon.status_code == (401 if case.anon == 401 else 200), anon.content

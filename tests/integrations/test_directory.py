"""The patient directory: the local engine, the Helssa engine against a local HTTP server, the
masked search/info API, access grants and the PATIENT_ACCESS_REQUIRED check on encounter creation."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from soapify.core.engines import EngineError
from soapify.core.models import AuditLog
from soapify.encounters.models import Encounter
from soapify.integrations.directory.helssa import HelssaDirectory
from soapify.integrations.directory.local import LocalDirectory
from soapify.integrations.masking import age_band, mask_name
from soapify.integrations.models import DirectoryPatient, PatientAccessGrant
from soapify.integrations.services import directory_import_csv, directory_seed_demo
from tests.httpfakes import base_url, slow

pytestmark = pytest.mark.django_db

SEARCH = "/api/integrations/patients/search/"


@pytest.fixture
def demo(db):
    directory_seed_demo()


@pytest.fixture
def helssa(settings, httpserver):
    settings.PATIENT_DIRECTORY_ENGINES = {
        "default": {
            "BACKEND": "soapify.integrations.directory.helssa.HelssaDirectory",
            "OPTIONS": {"base_url": base_url(httpserver) + "/api", "api_key": "h-secret", "timeout": 0.5,
                        "max_retries": 1, "backoff": 0.01},
        }
    }  # fmt: skip
    return httpserver


def helssa_patient(ref="HS-900", **extra) -> dict:
    return {"patient_ref": ref, "full_name": "Nima Sadeghi", "national_id": "0099887766",
            "birth_date": "1990-05-01", "sex": "male", **extra}  # fmt: skip


# ----------------------------------------------------------------------------------- masking


def test_names_are_masked_to_first_letters():
    assert mask_name("Sara Ahmadi") == "S*** A***"
    assert mask_name("سارا احمدی") == "س*** ا***"
    assert mask_name("") == "***"


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2026, 1, 1), "0-1"),
        (date(2020, 12, 7), "5-11"),
        (date(1988, 3, 14), "30-39"),
        (date(1930, 1, 1), "80+"),
    ],
)
def test_ages_are_given_in_bands(born, band):
    assert age_band(born, today=date(2026, 12, 6)) == band


# ------------------------------------------------------------------------------- local engine


def test_seeding_makes_the_seed_flows_patient(demo):
    assert DirectoryPatient.objects.filter(ref="HS-12345").exists()
    again = directory_seed_demo()
    assert again.created == 0 and again.updated == 5


def test_seed_demo_command_fills_the_directory(db):
    call_command("seed_demo", stdout=io.StringIO())
    assert LocalDirectory().get("HS-12345") is not None


@pytest.mark.parametrize(
    ("query", "refs"),
    [
        ("HS-1234", ["HS-12345", "HS-12346", "HS-12347", "HS-12348", "HS-12349"]),
        ("hs-12345", ["HS-12345"]),
        ("سارا", ["HS-12345"]),
        ("احم", ["HS-12345"]),
        ("سارا احمد", ["HS-12345"]),
        ("كريمي", ["HS-12347"]),  # Arabic kaf and yeh find the Persian spelling
        ("john", ["HS-12348"]),
        ("CARTER jo", ["HS-12348"]),
        ("0012345678", ["HS-12345"]),
        ("۰۰۱۲۳۴۵۶۷۸", ["HS-12345"]),
        ("nobody", []),
    ],
)
def test_local_search_matches_reference_national_id_and_name_words(demo, query, refs):
    assert [r.ref for r in LocalDirectory().search(query, limit=20)] == refs


def test_csv_import_inserts_and_updates_by_reference(db):
    first = directory_import_csv(
        io.StringIO("ref,full_name,national_id,birth_date,sex\nX-1,Ana Bell,1,2000-01-02,female\n")
    )
    assert (first.created, first.updated, first.errors) == (1, 0, None)
    second = directory_import_csv(io.StringIO("ref,full_name,sex\nX-1,Ana Belle,female\nX-2,Bo Ek,male\n"))
    assert (second.created, second.updated) == (1, 1)
    assert DirectoryPatient.objects.get(ref="X-1").full_name == "Ana Belle"
    assert [r.ref for r in LocalDirectory().search("belle", limit=5)] == ["X-1"]


def test_csv_import_with_an_invalid_row_writes_nothing(db, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("ref,full_name,birth_date\nX-1,Ana,2000-01-02\nX-2,Bo,02/01/2000\n", encoding="utf-8")
    with pytest.raises(Exception, match="invalid rows"):
        call_command("import_directory", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not DirectoryPatient.objects.exists()


def test_csv_import_command_reads_utf8_with_a_bom(db, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("\ufeffref,full_name,sex\nP-1,رضا نوری,male\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_directory", str(path), stdout=out)
    assert "1 created" in out.getvalue()
    assert DirectoryPatient.objects.get(ref="P-1").full_name == "رضا نوری"


# ------------------------------------------------------------------------------ Helssa engine


def test_helssa_engine_searches_with_the_key_and_parses_patients(httpserver):
    httpserver.expect_request("/api/patients/", query_string={"q": "nima", "limit": "5"}).respond_with_json(
        {"results": [helssa_patient()]}
    )
    engine = HelssaDirectory(base_url(httpserver) + "/api/", api_key="h-secret", timeout=1)
    (record,) = engine.search("nima", limit=5)
    assert (record.ref, record.full_name, record.birth_date, record.sex) == (
        "HS-900",
        "Nima Sadeghi",
        date(1990, 5, 1),
        "male",
    )
    ((request, _),) = httpserver.log
    assert request.headers["Authorization"] == "Bearer h-secret"


def test_helssa_engine_gets_one_patient_and_none_for_404(httpserver):
    httpserver.expect_request("/api/patients/HS-900/").respond_with_json(helssa_patient())
    httpserver.expect_request("/api/patients/HS-404/").respond_with_json({"detail": "no"}, status=404)
    engine = HelssaDirectory(base_url(httpserver) + "/api", timeout=1)
    assert engine.get("HS-900").full_name == "Nima Sadeghi"
    assert engine.get("HS-404") is None


@pytest.mark.parametrize(
    "reply",
    [
        "not json",
        {"results": "nope"},
        {"results": [{"full_name": "No ref"}]},
        {"results": [helssa_patient(birth_date="01/05/1990")]},
        {"results": [helssa_patient(sex=5)]},
        {"results": [helssa_patient(full_name="x" * 500)]},
        [1, 2],
    ],
)
def test_helssa_engine_refuses_malformed_replies(httpserver, reply):
    handler = httpserver.expect_request("/api/patients/")
    if isinstance(reply, str):
        handler.respond_with_data(reply, content_type="application/json")
    else:
        handler.respond_with_json(reply)
    with pytest.raises(EngineError) as exc:
        HelssaDirectory(base_url(httpserver) + "/api", timeout=1).search("x", limit=5)
    assert exc.value.code == "directory_bad_reply" and not exc.value.transient


def test_helssa_engine_retries_a_5xx_once_then_fails_transiently(httpserver):
    httpserver.expect_request("/api/patients/").respond_with_json({"error": "h-secret"}, status=503)
    with pytest.raises(EngineError) as exc:
        HelssaDirectory(base_url(httpserver) + "/api", api_key="h-secret", timeout=1, backoff=0.01).search(
            "x", limit=5
        )
    assert exc.value.code == "directory_unavailable" and exc.value.transient
    assert len(httpserver.log) == 2 and "h-secret" not in str(exc.value)


def test_helssa_engine_time_out_is_not_retried(httpserver):
    httpserver.expect_request("/api/patients/").respond_with_handler(slow(0.6, {"results": []}))
    with pytest.raises(EngineError) as exc:
        HelssaDirectory(base_url(httpserver) + "/api", timeout=0.2).search("x", limit=5)
    assert exc.value.code == "directory_timeout"


def test_helssa_engine_without_a_base_url_is_misconfigured():
    with pytest.raises(EngineError) as exc:
        HelssaDirectory("").get("HS-1")
    assert exc.value.code == "directory_misconfigured"


# ------------------------------------------------------------------------------------- the API


def test_search_returns_masked_patients_in_a_page(demo, alice_client):
    response = alice_client.get(SEARCH, {"q": "سارا"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1 and body["next"] is None
    (item,) = body["results"]
    assert item == {"patient_ref": "HS-12345", "name": "س*** ا***", "age_band": "30-39", "sex": "female",
                    "access": False, "access_expires_at": None}  # fmt: skip
    assert "سارا احمدی" not in response.content.decode() and "0012345678" not in response.content.decode()


def test_search_shows_full_details_only_of_patients_the_doctor_has_access_to(demo, alice_client, bob_client):
    assert alice_client.post("/api/integrations/patients/HS-12345/access/", {"reason": "follow-up visit"},
                             format="json").status_code == 201  # fmt: skip
    mine = alice_client.get(SEARCH, {"q": "HS-1234"}).json()["results"]
    shown = {item["patient_ref"]: item for item in mine}
    assert shown["HS-12345"]["full_name"] == "سارا احمدی" and shown["HS-12345"]["national_id"] == "0012345678"
    assert "full_name" not in shown["HS-12346"]
    theirs = bob_client.get(SEARCH, {"q": "HS-12345"}).json()["results"]
    assert "full_name" not in theirs[0] and theirs[0]["access"] is False


def test_search_is_audited_without_the_query(demo, alice_client):
    alice_client.get(SEARCH, {"q": "سارا"})
    row = AuditLog.objects.filter(object_type="directory_patient").latest("id")
    assert row.action == "search" and row.outcome == "success" and "سارا" not in str(row.extra)


@pytest.mark.parametrize("query", ["", "a", "x" * 101])
def test_search_needs_a_query_of_sensible_length(demo, alice_client, query):
    response = alice_client.get(SEARCH, {"q": query})
    assert response.status_code == 400 and response.json()["error"]["fields"]["q"]


def test_admins_do_not_use_the_directory(demo, admin_client):
    assert admin_client.get(SEARCH, {"q": "سارا"}).status_code == 403
    assert admin_client.get("/api/integrations/patients/HS-12345/info/").status_code == 403


def test_info_is_masked_even_with_access(demo, alice_client):
    alice_client.post("/api/integrations/patients/HS-12345/access/", {"reason": "visit"}, format="json")
    body = alice_client.get("/api/integrations/patients/HS-12345/info/").json()
    assert body["name"] == "س*** ا***" and body["access"] is True and "full_name" not in body


def test_info_of_an_unknown_patient_is_404(demo, alice_client):
    response = alice_client.get("/api/integrations/patients/HS-0/info/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "patient_not_found"


def test_access_grant_is_time_limited_audited_and_needs_a_reason(demo, alice, alice_client, settings):
    settings.PATIENT_ACCESS_MAX_MINUTES = 60
    path = "/api/integrations/patients/HS-12346/access/"
    for bad in ({}, {"reason": "  "}, {"reason": "ok visit", "minutes": 61}, {"reason": "ok visit", "minutes": "x"},
                {"reason": "ok visit", "extra": 1}, {"reason": ["list"]}):  # fmt: skip
        assert alice_client.post(path, bad, format="json").status_code == 400, bad
    assert not PatientAccessGrant.objects.exists()
    response = alice_client.post(path, {"reason": "second opinion", "minutes": 30}, format="json")
    assert response.status_code == 201, response.content
    grant = PatientAccessGrant.objects.get()
    assert grant.doctor == alice and grant.reason == "second opinion"
    assert timedelta(minutes=29) < grant.expires_at - timezone.now() <= timedelta(minutes=30)
    row = AuditLog.objects.filter(object_type="patient_access_grant").latest("id")
    assert row.object_id == "HS-12346" and row.extra["grant_id"] == grant.pk and row.actor == alice


def test_access_to_an_unknown_patient_is_404_and_stores_nothing(demo, alice_client):
    response = alice_client.post(
        "/api/integrations/patients/NOPE/access/", {"reason": "visit"}, format="json"
    )
    assert response.status_code == 404 and not PatientAccessGrant.objects.exists()


def test_malformed_json_is_a_400(demo, alice_client):
    response = alice_client.generic("POST", "/api/integrations/patients/HS-12345/access/", "{bad",
                                    content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and not PatientAccessGrant.objects.exists()


# ------------------------------------------------------------------------ Helssa through the API


def test_api_search_through_helssa(helssa, alice_client):
    helssa.expect_request("/api/patients/").respond_with_json({"results": [helssa_patient()]})
    (item,) = alice_client.get(SEARCH, {"q": "nima"}).json()["results"]
    assert item["name"] == "N*** S***" and item["age_band"] == "30-39"


@pytest.mark.parametrize(
    ("respond", "status", "code"),
    [
        (lambda h: h.respond_with_json({}, status=500), 502, "directory_unavailable"),
        (lambda h: h.respond_with_data("<html>", content_type="text/html"), 502, "directory_bad_reply"),
        (lambda h: h.respond_with_json({"detail": "bad key"}, status=401), 502, "directory_misconfigured"),
        (lambda h: h.respond_with_handler(slow(0.8, helssa_patient())), 504, "directory_timeout"),
    ],
)
def test_helssa_failures_are_clear_502_504_and_nothing_is_stored(helssa, alice_client, respond, status, code):
    respond(helssa.expect_request("/api/patients/HS-900/"))
    response = alice_client.post(
        "/api/integrations/patients/HS-900/access/", {"reason": "visit"}, format="json"
    )
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert not PatientAccessGrant.objects.exists()
    assert alice_client.get("/api/integrations/patients/HS-900/info/").status_code == status


# --------------------------------------------------------------------- PATIENT_ACCESS_REQUIRED


def test_encounters_need_no_grant_by_default(demo, alice_client):
    response = alice_client.post(
        "/api/encounters/create/", {"patient_ref": "HS-12345", "context": "OPD"}, format="json"
    )
    assert response.status_code == 201


def test_with_access_required_a_directory_patient_needs_an_active_grant(demo, alice, alice_client, settings):
    settings.PATIENT_ACCESS_REQUIRED = True
    body = {"patient_ref": "HS-12345", "context": "OPD"}
    refused = alice_client.post("/api/encounters/create/", body, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "patient_access_required"
    assert not Encounter.objects.exists()
    PatientAccessGrant.objects.create(doctor=alice, patient_ref="HS-12345", reason="r",
                                      expires_at=timezone.now() - timedelta(seconds=1))  # fmt: skip
    assert alice_client.post("/api/encounters/create/", body, format="json").status_code == 403
    alice_client.post("/api/integrations/patients/HS-12345/access/", {"reason": "visit"}, format="json")
    assert alice_client.post("/api/encounters/create/", body, format="json").status_code == 201


def test_with_access_required_another_doctors_grant_does_not_count(demo, alice_client, bob_client, settings):
    settings.PATIENT_ACCESS_REQUIRED = True
    bob_client.post("/api/integrations/patients/HS-12345/access/", {"reason": "visit"}, format="json")
    body = {"patient_ref": "HS-12345", "context": "OPD"}
    assert alice_client.post("/api/encounters/create/", body, format="json").status_code == 403


def test_with_access_required_a_patient_outside_the_directory_needs_no_grant(demo, alice_client, settings):
    settings.PATIENT_ACCESS_REQUIRED = True
    body = {"patient_ref": "WALK-IN-7", "context": "OPD"}
    assert alice_client.post("/api/encounters/create/", body, format="json").status_code == 201

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.utils import DatabaseError
from django.test import override_settings

from soapify.core.audit import audit_record
from soapify.core.engines import EngineHandler
from soapify.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_audit_log_refuses_update_and_delete(alice):
    row = audit_record(action="read", object_type="encounter", object_id=1, actor=alice, status_code=200)
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=row.pk).update(outcome="x")
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()


def test_audit_log_database_trigger_refuses_raw_sql(alice):
    row = audit_record(action="read", object_type="encounter", object_id=1, actor=alice, status_code=200)
    with pytest.raises(DatabaseError), connection.cursor() as cur:
        cur.execute("UPDATE core_auditlog SET outcome='x' WHERE id=%s", [row.pk])


def test_vector_extension_is_enabled():
    with connection.cursor() as cur:
        cur.execute("SELECT extname FROM pg_extension WHERE extname='vector'")
        assert cur.fetchone() == ("vector",)


class _Dummy:
    def __init__(self, greeting="hi"):
        self.greeting = greeting


def test_engine_registry_builds_once_and_resets_on_setting_change():
    handler = EngineHandler("TEST_ENGINES")
    conf = {"default": {"BACKEND": "tests.core.test_core._Dummy", "OPTIONS": {"greeting": "salam"}}}
    with override_settings(TEST_ENGINES=conf):
        a = handler["default"]
        assert a.greeting == "salam" and handler["default"] is a and a.alias == "default"
    with override_settings(TEST_ENGINES={"default": {"BACKEND": "nope.Missing"}}):
        with pytest.raises(ImproperlyConfigured):
            handler["default"]
        with pytest.raises(ImproperlyConfigured):
            handler["other"]


def test_schema_and_docs_are_served(anon):
    r = anon.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    paths = r.json()["paths"] if r["Content-Type"].startswith("application/json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(r.content)["paths"]
    for p in (
        "/api/auth/token/",
        "/api/encounters/create/",
        "/api/encounters/{encounter_id}/",
        "/api/jobs/{job_id}/",
    ):
        assert p in paths
    assert anon.get("/api/docs/").status_code == 200


def test_unknown_api_path_is_json_404(anon):
    r = anon.get("/api/does-not-exist/")
    assert r.status_code == 404


def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    text = out.read_text()
    for route in (
        "/api/stt/encounter/{encounter_id}/process/",
        "/api/nlp/generate/{encounter_id}/",
        "/api/outputs/finalize/",
        "/api/checklist/evaluations/evaluate_encounter/",
        "/api/uploads/session/create/",
        "/api/audio/presigned-url/",
    ):
        assert route in text, route

"""AdminPlus export: a job that writes a ZIP of NDJSON files of what an administrator may see, fetched
through a short-lived signed URL; never clinical content (searched for a transcript phrase)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.files.storage import storages
from django.utils import timezone

from soapify.adminplus import services
from soapify.core.models import AuditLog, Job

pytestmark = pytest.mark.django_db

PHRASE = "throbbing headache behind the left eye since Tuesday"
PERSIAN = "سردرد ضربان‌دار پشت چشم چپ"


@pytest.fixture
def clinical_world(alice_client, encounter):
    """Alice's visit with a typed transcript (English and Persian), a draft and a finalized note."""
    text = f"Doctor: What brings you in? Patient: A {PHRASE}. {PERSIAN}. Plan: paracetamol 500 mg."
    assert alice_client.post(
        f"/api/encounters/{encounter.pk}/transcript/", {"text": text}, format="json"
    ).status_code in (
        200,
        201,
    )
    assert alice_client.post(f"/api/nlp/generate/{encounter.pk}/", format="json").status_code == 201
    assert (
        alice_client.post("/api/outputs/finalize/", {"encounter_id": encounter.pk}, format="json").status_code
        == 201
    )
    return encounter


def run_export(admin_client) -> tuple[dict, bytes]:
    response = admin_client.post("/adminplus/api/export/")
    assert response.status_code == 201, response.content
    job = admin_client.get(response.json()["status_url"]).json()
    assert job["status"] == "succeeded", job
    download = urlsplit(job["result"]["download_url"])
    file = admin_client.get(f"{download.path}?{download.query}")
    assert file.status_code == 200, file.content
    assert file["Content-Type"] == "application/zip" and "no-store" in file["Cache-Control"]
    return job, b"".join(file.streaming_content)


def test_the_export_holds_users_jobs_and_audit_metadata_and_no_clinical_text(
    admin_client, admin_user, alice, clinical_world
):
    job, archive = run_export(admin_client)
    assert len(archive) == job["result"]["size"]
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        names = set(zf.namelist())
        assert {"manifest.json", "users.ndjson", "jobs.ndjson", "audit_log.ndjson"} <= names
        contents = {name: zf.read(name).decode("utf-8") for name in names}
    every_byte = "\n".join(contents.values())
    for needle in (PHRASE, "throbbing", PERSIAN, "paracetamol", "HS-12345"):
        assert needle not in every_byte, needle
    users = [json.loads(line) for line in contents["users.ndjson"].splitlines()]
    assert {u["username"] for u in users} >= {"alice", admin_user.username}
    assert all("password" not in u for u in users)
    assert "pbkdf2" not in every_byte and "argon2" not in every_byte
    jobs = [json.loads(line) for line in contents["jobs.ndjson"].splitlines()]
    assert {j["kind"] for j in jobs} >= {"nlp.generate_draft", "outputs.finalize"}
    assert all("params" not in j and "result" not in j for j in jobs)
    audit = [json.loads(line) for line in contents["audit_log.ndjson"].splitlines()]
    assert audit and all(set(a) == set(services.AUDIT_FIELDS) for a in audit)
    manifest = json.loads(contents["manifest.json"])
    assert manifest["rows"]["users"] == len(users)
    assert any(name.startswith("analytics_") for name in names) == bool(services.analytics_models())


def test_an_export_is_audited_when_started_and_when_downloaded(admin_client, admin_user):
    job, _ = run_export(admin_client)
    rows = AuditLog.objects.filter(object_type="admin_export", object_id=job["id"])
    assert sorted(rows.values_list("action", flat=True)) == ["create", "download"]
    download = rows.get(action="download")
    assert download.outcome == "success" and "token" not in download.path


def test_a_tampered_or_expired_link_is_a_403_and_a_fresh_one_can_be_asked_for(admin_client, settings):
    job, _ = run_export(admin_client)
    url = urlsplit(job["result"]["download_url"])
    forged = admin_client.get(url.path + "?token=" + url.query.split("=", 1)[1][:-2] + "xx")
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "bad_signature"
    assert admin_client.get(url.path).status_code == 403

    settings.SIGNED_URL_TTL_SECONDS = -1  # every token is already too old
    expired = admin_client.get(f"{url.path}?{url.query}")
    assert expired.status_code == 403 and expired.json()["error"]["code"] == "link_expired"

    settings.SIGNED_URL_TTL_SECONDS = 900
    fresh = admin_client.post(f"/adminplus/api/export/{job['id']}/download/")
    assert fresh.status_code == 201 and fresh.json()["expires_in"] == 900
    again = urlsplit(fresh.json()["download_url"])
    assert admin_client.get(f"{again.path}?{again.query}").status_code == 200


def test_a_signed_token_of_another_salt_or_kind_of_job_is_refused(admin_client, alice):
    other = Job.objects.create(kind="core.ping", owner=alice, status="succeeded", result={"file": "x"})
    token = signing.dumps({"j": str(other.pk)}, salt=services.DOWNLOAD_SALT, compress=False)
    assert admin_client.get(f"/adminplus/api/export/file/?token={token}").status_code == 404
    wrong_salt = signing.dumps({"j": str(other.pk)}, salt="soapify.outputs.download", compress=False)
    assert admin_client.get(f"/adminplus/api/export/file/?token={wrong_salt}").status_code == 403


def test_a_fresh_link_for_an_unknown_or_unfinished_export_is_404_or_409(admin_client, alice, admin_user):
    assert (
        admin_client.post(
            f"/adminplus/api/export/{Job.objects.create(kind='core.ping', owner=alice).pk}/download/"
        ).status_code
        == 404
    )
    queued = Job.objects.create(kind=services.EXPORT_JOB, owner=admin_user)
    response = admin_client.post(f"/adminplus/api/export/{queued.pk}/download/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "export_not_ready"


def test_old_archives_are_removed_by_the_clean_up(admin_client, settings):
    job, _ = run_export(admin_client)
    key = job["result"]["file"]
    assert storages["default"].exists(key)
    assert services.exports_cleanup() == 0
    later = timezone.now() + timedelta(hours=settings.ADMINPLUS_EXPORT_KEEP_HOURS + 1)
    assert services.exports_cleanup(now=later) == 1
    assert not storages["default"].exists(key)
    fresh = admin_client.post(f"/adminplus/api/export/{job['id']}/download/")
    assert fresh.status_code == 409

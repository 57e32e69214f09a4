"""Files list and short-lived downloads: local signed URLs (expiry, tampering) and S3 presigned GETs."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import requests
from django.core import signing
from django.test import override_settings

from soapify.core.models import AuditLog
from soapify.outputs.models import OutputFile
from tests.jobstate import job_state
from tests.outputs.conftest import edit_draft, finalize

pytestmark = pytest.mark.django_db


def test_files_lists_every_kind_with_size_sha256_and_version(alice_client, encounter, finalized):
    response = alice_client.get(f"/api/outputs/files/{encounter.pk}/")
    assert response.status_code == 200
    assert response.data["count"] == 4
    rows = response.data["results"]
    assert {r["kind"] for r in rows} == {"markdown", "pdf_doctor", "pdf_patient", "fhir"}
    for row in rows:
        assert set(row) >= {
            "id",
            "kind",
            "size",
            "sha256",
            "created_at",
            "version",
            "content_type",
            "filename",
        }
        assert row["version"] == 1 and len(row["sha256"]) == 64 and row["size"] > 0


def test_files_of_every_version_newest_first_and_filter_by_version(alice_client, encounter, draft, finalized):
    edit_draft(draft, " Amended.")
    finalize(alice_client, encounter.pk)
    rows = alice_client.get(f"/api/outputs/files/{encounter.pk}/").data["results"]
    assert [r["version"] for r in rows] == [2] * 4 + [1] * 4
    only_v1 = alice_client.get(f"/api/outputs/files/{encounter.pk}/?version=1").data
    assert only_v1["count"] == 4 and {r["version"] for r in only_v1["results"]} == {1}


def test_files_list_query_count_is_constant(
    alice_client, encounter, draft, finalized, django_assert_max_num_queries
):
    for n in range(3):
        edit_draft(draft, f" {n}.")
        finalize(alice_client, encounter.pk)
    with django_assert_max_num_queries(8):
        response = alice_client.get(f"/api/outputs/files/{encounter.pk}/")
    assert response.data["count"] == 16


def test_files_of_an_encounter_without_notes_is_an_empty_list(alice_client, encounter):
    response = alice_client.get(f"/api/outputs/files/{encounter.pk}/")
    assert response.status_code == 200 and response.data["count"] == 0


def _download(client, file_id):
    return client.post(f"/api/outputs/download/{file_id}/")


def test_download_gives_a_short_lived_signed_url_that_serves_the_file(
    alice_client, anon, encounter, finalized
):
    pdf = OutputFile.objects.get(kind="pdf_doctor")
    response = _download(alice_client, pdf.pk)
    assert response.status_code == 201
    assert set(response.data) >= {"url", "expires_at", "expires_in"}
    path = urlparse(response.data["url"]).path
    assert path.startswith("/api/outputs/file/")
    served = anon.get(path)
    assert served.status_code == 200
    body = b"".join(served.streaming_content)
    assert hashlib.sha256(body).hexdigest() == pdf.sha256
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment;")
    assert pdf.filename in served["Content-Disposition"]
    assert "no-store" in served["Cache-Control"]
    assert AuditLog.objects.filter(
        object_type="output_file", action="download", object_id=str(pdf.pk)
    ).exists()


@pytest.mark.parametrize("kind,ctype", [("markdown", "text/markdown"), ("fhir", "application/fhir+json")])
def test_downloads_carry_the_right_content_type(alice_client, anon, encounter, finalized, kind, ctype):
    file = OutputFile.objects.get(kind=kind)
    path = urlparse(_download(alice_client, file.pk).data["url"]).path
    assert anon.get(path)["Content-Type"].startswith(ctype)


def test_a_tampered_download_url_is_a_403(alice_client, anon, encounter, finalized):
    file = OutputFile.objects.get(kind="markdown")
    other = OutputFile.objects.get(kind="pdf_doctor")
    token = urlparse(_download(alice_client, file.pk).data["url"]).path.split("/")[-2]
    payload, rest = token.split(":", 1)
    forged_payload = signing.b64_encode(
        f'{{"f":{other.pk},"k":"{other.storage_key[-12:]}"}}'.encode()
    ).decode()
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        f"{forged_payload}:{rest}",
        "garbage",
    ):
        response = anon.get(f"/api/outputs/file/{bad}/")
        assert response.status_code == 403, bad
        assert response.json()["error"]["code"] == "bad_signature"


def test_an_expired_download_url_is_a_403(alice_client, anon, encounter, finalized, settings):
    file = OutputFile.objects.get(kind="markdown")
    path = urlparse(_download(alice_client, file.pk).data["url"]).path
    # Pretend the URL was signed longer ago than its lifetime.
    import time

    real = time.time
    try:
        time.time = lambda: real() + settings.SIGNED_URL_TTL_SECONDS + 5
        response = anon.get(path)
    finally:
        time.time = real
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "link_expired"


def test_the_url_lifetime_follows_the_setting(alice_client, encounter, finalized, settings):
    settings.SIGNED_URL_TTL_SECONDS = 60
    file = OutputFile.objects.get(kind="markdown")
    data = _download(alice_client, file.pk).data
    assert data["expires_in"] == 60


def test_download_of_an_unknown_file_is_a_404(alice_client, finalized):
    assert _download(alice_client, 987654).status_code == 404


def test_download_with_s3_storage_is_a_presigned_get(alice_client, encounter, draft, settings):
    from tests.s3server import start_s3_server

    server = start_s3_server()
    try:
        conf = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": server.bucket,
                "endpoint_url": server.endpoint_url,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        }
        with override_settings(STORAGES={**settings.STORAGES, "outputs": conf}):
            from django.core.files.storage import storages

            storages._storages = {}
            storages._backends = None
            assert job_state(alice_client, finalize(alice_client, encounter.pk))["status"] == "succeeded"
            pdf = OutputFile.objects.get(kind="pdf_doctor")
            data = _download(alice_client, pdf.pk).data
            assert "X-Amz-Signature" in data["url"] and "X-Amz-Expires" in data["url"]
            got = requests.get(data["url"], timeout=10)
            assert got.status_code == 200
            assert hashlib.sha256(got.content).hexdigest() == pdf.sha256
            # moto ignores response-* overrides; the signed URL must still ask S3 for them.
            assert "response-content-disposition=attachment" in data["url"]
            assert "response-content-type=application%2Fpdf" in data["url"]
            storages._storages = {}
            storages._backends = None
    finally:
        server.stop()


def test_download_urls_expire_in_the_future(alice_client, encounter, finalized):
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    data = _download(alice_client, OutputFile.objects.get(kind="fhir").pk).data
    expires = (
        parse_datetime(data["expires_at"]) if isinstance(data["expires_at"], str) else data["expires_at"]
    )
    assert timezone.now() < expires <= timezone.now() + timedelta(seconds=data["expires_in"] + 1)

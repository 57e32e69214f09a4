"""/api/integrations/health/: every integration with status, latency and last error, no secrets,
checks cached briefly."""

from __future__ import annotations

import pytest

from tests.httpfakes import base_url

pytestmark = pytest.mark.django_db

HEALTH = "/api/integrations/health/"
NAMES = {"patient_directory", "sms", "llm", "stt", "storage"}


@pytest.fixture
def helssa(settings, httpserver):
    settings.PATIENT_DIRECTORY_ENGINE = "helssa"
    settings.PATIENT_DIRECTORY_ENGINES = {"default": {
        "BACKEND": "soapify.integrations.directory.helssa.HelssaDirectory",
        "OPTIONS": {"base_url": base_url(httpserver), "api_key": "helssa-key-xyz", "timeout": 0.5, "max_retries": 0},
    }}  # fmt: skip
    return httpserver


def test_every_integration_is_reported(alice_client, settings):
    settings.STT_ENGINE = "faster_whisper"
    body = alice_client.get(HEALTH).json()
    assert set(body["integrations"]) == NAMES
    directory = body["integrations"]["patient_directory"]
    assert (directory["engine"], directory["status"], directory["remote"]) == ("local", "up", False)
    assert body["integrations"]["sms"]["remote"] is False and body["integrations"]["stt"]["status"] == "up"
    for item in body["integrations"].values():
        assert set(item) >= {
            "engine",
            "remote",
            "status",
            "latency_ms",
            "checked_at",
            "last_error",
            "last_error_at",
        }


def test_a_failing_directory_is_down_with_its_error_and_no_secret(alice_client, helssa):
    helssa.expect_request("/health/").respond_with_json({"detail": "helssa-key-xyz is wrong"}, status=503)
    response = alice_client.get(HEALTH)
    body = response.json()
    directory = body["integrations"]["patient_directory"]
    assert response.status_code == 200 and body["status"] == "degraded"
    assert directory["status"] == "down" and directory["remote"] is True
    assert "HTTP 503" in directory["last_error"] and directory["last_error_at"]
    assert "helssa-key-xyz" not in response.content.decode()


def test_checks_are_cached_so_providers_are_not_hammered(alice_client, helssa):
    helssa.expect_request("/health/").respond_with_json({"ok": True})
    for _ in range(5):
        assert alice_client.get(HEALTH).json()["integrations"]["patient_directory"]["status"] == "up"
    assert len(helssa.log) == 1


def test_the_last_error_stays_after_recovery(alice_client, helssa, settings):
    helssa.expect_oneshot_request("/health/").respond_with_json({}, status=500)
    helssa.expect_request("/health/").respond_with_json({"ok": True})
    settings.INTEGRATIONS_HEALTH_CACHE_SECONDS = 0
    assert alice_client.get(HEALTH).json()["integrations"]["patient_directory"]["status"] == "down"
    item = alice_client.get(HEALTH).json()["integrations"]["patient_directory"]
    assert item["status"] == "up" and "HTTP 500" in item["last_error"]


def test_a_remote_llm_is_probed_at_its_models_endpoint(alice_client, settings, httpserver):
    settings.NLP_ENGINE = "llm"
    settings.LLM_BASE_URL = base_url(httpserver)
    settings.LLM_API_KEY = "llm-key-abc"
    httpserver.expect_request("/v1/models").respond_with_json({"data": []})
    item = alice_client.get(HEALTH).json()["integrations"]["llm"]
    assert item["status"] == "up" and item["remote"] is True
    ((request, _),) = httpserver.log
    assert request.headers["Authorization"] == "Bearer llm-key-abc"


def test_health_needs_credentials(anon):
    assert anon.get(HEALTH).status_code == 401

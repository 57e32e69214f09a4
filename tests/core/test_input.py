"""Malformed input gets a clear 4xx in the one error shape, never a 500: deep JSON, NUL characters
and lone UTF-16 surrogates (bodies, form fields, query strings, paths, headers), oversized bodies,
and OPTIONS on every kind of view."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client, override_settings

from soapify.encounters.models import Encounter
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CREATE = "/api/encounters/create/"


def _post_raw(client, path: str, body: str | bytes, content_type: str = "application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def _error(response) -> dict:
    return response.json()["error"]


def test_json_nested_five_thousand_deep_is_a_400_invalid_json(alice_client):
    body = '{"patient_ref": ' + "[" * 5000 + "]" * 5000 + "}"
    response = _post_raw(alice_client, CREATE, body)
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_json"


def test_json_nested_just_past_the_limit_is_a_400_and_at_the_limit_is_parsed(alice_client, settings):
    settings.JSON_MAX_DEPTH = 5
    # the object is level 1, the outermost list level 2: five lists reach level 6
    too_deep = {"patient_ref": "HS-1", "context": "OPD", "x": [[[[[1]]]]]}
    response = alice_client.post(CREATE, too_deep, format="json")
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_json"
    at_limit = {"patient_ref": "HS-1", "context": "OPD", "x": [[[[1]]]]}
    response = alice_client.post(CREATE, at_limit, format="json")
    # parsed, then refused by the serializer for the unknown field: the depth was accepted
    assert response.status_code == 400
    assert _error(response)["fields"] == {"x": ["Unknown field."]}


@pytest.mark.parametrize(
    "escaped",
    [r"HS-\u0000-1", r"HS-\ud800", r"\udfff", r"a\udc00b", r"\ude00\ud83d"],
    ids=["nul", "lone-high", "lone-low", "low-inside", "reversed-pair"],
)
def test_json_text_with_a_nul_or_a_lone_surrogate_is_a_400(alice_client, escaped):
    body = '{"patient_ref": "' + escaped + '", "context": "OPD"}'
    response = _post_raw(alice_client, CREATE, body)
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_characters"
    assert _error(response)["fields"] == {"patient_ref": [_error(response)["message"]]}
    assert not Encounter.objects.exists()


def test_a_lone_surrogate_in_a_nested_key_is_a_400(alice_client):
    body = r'{"patient_ref": "HS-1", "context": "OPD", "meta": [{"ok": {"\ud800": 1}}]}'
    response = _post_raw(alice_client, CREATE, body)
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_characters"


def test_a_paired_surrogate_is_an_ordinary_character(alice_client):
    body = r'{"patient_ref": "HS-1", "context": "OPD \ud83d\ude00"}'
    response = _post_raw(alice_client, CREATE, body)
    assert response.status_code == 201
    assert Encounter.objects.get().context == "OPD \U0001f600"


def test_persian_text_is_accepted(alice_client):
    response = alice_client.post(CREATE, {"patient_ref": "بیمار-۱۲", "context": "درمانگاه"}, format="json")
    assert response.status_code == 201
    assert response.json()["patient_ref"] == "بیمار-۱۲"


def test_nan_is_not_json(alice_client):
    response = _post_raw(alice_client, CREATE, '{"patient_ref": NaN}')
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed_request"


def test_a_body_that_is_not_utf8_is_a_400(alice_client):
    response = _post_raw(alice_client, CREATE, b'{"patient_ref": "\xed\xa0\x80"}')
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed_request"


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_form_and_multipart_text_fields_with_a_nul_are_a_400(alice_client, content_type):
    data = {"patient_ref": "HS-\x00", "context": "OPD"}
    if content_type.startswith("multipart"):
        response = alice_client.post(CREATE, data, format="multipart")
    else:
        from urllib.parse import urlencode

        response = alice_client.generic("POST", CREATE, urlencode(data), content_type=content_type)
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_characters"
    assert list(_error(response)["fields"]) == ["patient_ref"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/encounters/?page=%00",
        "/api/stt/search/?q=a%00b",
        "/api/search/?q=metformin%00",
        "/api/search/suggestions/?q=me%00",
        "/api/checklist/catalog/?search=%00",
        "/api/encounters/?%00=1",
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 400
    assert _error(response) == {
        "code": "invalid_characters",
        "message": "Text may not contain NUL characters or unpaired UTF-16 surrogates.",
        "fields": {"query": ["The query contains a NUL character or an unpaired UTF-16 surrogate."]},
    }


@pytest.mark.parametrize("path", ["/api/stt/search/", "/api/search/", "/api/search/suggestions/"])
@pytest.mark.parametrize("query", ["q=%ED%A0%80", "q=%FF", "%ED%A0%80=1"])
def test_a_surrogate_or_other_bytes_that_are_not_utf8_in_a_query_is_a_400(alice_client, path, query):
    # Django would decode them to U+FFFD and run an ordinary search for a character nobody typed
    response = alice_client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_characters"
    assert list(_error(response)["fields"]) == ["query"]


def test_a_persian_query_percent_encoded_as_utf8_is_fine(alice_client):
    assert alice_client.get("/api/search/?q=%D8%B3%D8%B1%D8%AF%D8%B1%D8%AF").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/outputs/access/a%00b/", "/api/uploads/final/%00/", "/api/audio/upload/x%00/"]
)
def test_a_nul_in_a_path_parameter_is_a_400(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "path": ["The path contains a NUL character or an unpaired UTF-16 surrogate."]
    }


def test_a_nul_in_a_header_is_a_400(alice_client, encounter):
    response = alice_client.post(
        f"/api/nlp/generate/{encounter.pk}/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k\x00"
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_characters"


def test_a_body_over_the_limit_is_a_413_in_the_error_shape(alice_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"patient_ref": "x" * 2000, "context": "OPD"})
    response = _post_raw(alice_client, CREATE, body)
    assert response.status_code == 413
    assert _error(response)["code"] == "payload_too_large"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_form_over_the_limit_outside_the_api_is_a_413_in_the_error_shape():
    response = Client().post("/django-admin/login/", {"username": "x" * 2000, "password": "y"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_options_on_update_section_answers_200_with_the_request_fields(alice_client, encounter):
    response = alice_client.options(f"/api/nlp/drafts/{encounter.pk}/update-section/")
    assert response.status_code == 200
    assert set(response.json()["actions"]["PUT"]) >= {"section", "content", "version"}


def test_options_on_a_draft_checklist_item_answers_200(alice_client, encounter):
    response = alice_client.options(f"/api/nlp/drafts/{encounter.pk}/checklist/1/")
    assert response.status_code == 200
    assert set(response.json()["actions"]["PUT"]) >= {"status", "notes"}


def test_options_does_not_reveal_whether_another_doctors_object_exists(bob_client, encounter):
    mine = bob_client.options("/api/nlp/drafts/999999/update-section/")
    theirs = bob_client.options(f"/api/nlp/drafts/{encounter.pk}/update-section/")
    assert mine.status_code == theirs.status_code == 200
    assert mine.json() == theirs.json()


def test_options_needs_a_login_like_the_route_itself(anon, encounter):
    response = anon.options(f"/api/nlp/drafts/{encounter.pk}/update-section/")
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"


def test_http_basic_credentials_with_a_nul_are_a_401(anon, alice):
    credentials = base64.b64encode(b"alice\x00:" + PASSWORD.encode()).decode()
    response = anon.get("/api/encounters/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 401
    assert _error(response)["code"] == "authentication_failed"

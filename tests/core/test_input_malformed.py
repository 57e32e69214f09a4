"""Malformed requests against every route and method of the URLconf (as alice, with her real ids in
the path): none may get a 5xx. The attacks of issue 12: JSON nested 5,000 deep, a NUL or a lone
surrogate in a body field, a query parameter (``?q=``, ``?search=``) and the path, invalid JSON,
a body over the size limit, the wrong media type, ``OPTIONS``; plus HTTP Basic credentials with a
NUL. Prints the figures (requests, 5xx) as one JSON line."""

from __future__ import annotations

import base64
import json
from collections import Counter

import pytest
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.test_access_matrix import CASES, World

pytestmark = pytest.mark.django_db

DEEP = '{"a": ' + "[" * 5000 + "]" * 5000 + "}"
BODIES = {
    "deep_json": (DEEP, "application/json"),
    "nul_in_text": ('{"text": "a\\u0000b", "patient_ref": "HS-\\u0000", "q": "\\u0000"}', "application/json"),
    "lone_surrogate": (
        '{"text": "\\ud800", "patient_ref": "\\udfff", "content": "x\\ud800"}',
        "application/json",
    ),
    "surrogate_key": ('{"\\ud800": 1}', "application/json"),
    "invalid_json": ('{"text": ', "application/json"),
    "not_an_object": ("[1, 2, 3]", "application/json"),
    "nan": ('{"version": NaN}', "application/json"),
    "wrong_media_type": ("<xml/>", "application/xml"),
    "form_nul": ("text=a%00b&patient_ref=%00", "application/x-www-form-urlencoded"),
    "form_surrogate_bytes": ("text=%ED%A0%80", "application/x-www-form-urlencoded"),
    "invalid_utf8": (b'{"text": "\xff\xfe"}', "application/json"),
}
QUERIES = ["q=%00", "search=%00", "q=%ED%A0%80", "page=%00", "page_size=-1", "page=99999999999999999999"]
BASIC_NUL = "Basic " + base64.b64encode(b"alice\x00:x").decode()


@pytest.fixture(autouse=True)
def _offline_engines(settings):
    settings.STT_ENGINES = {"default": {"BACKEND": "tests.stt.fakes.FakeEngine", "OPTIONS": {}}}
    settings.STT_LIVE_TRANSCRIPTION = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # so that a body over it stays cheap to send
    settings.THROTTLE_RATES = {key: "100000/min" for key in settings.THROTTLE_RATES}


def test_no_malformed_request_gets_a_server_error(alice, capsys):
    world = World(alice, client_for(alice))
    client, anon = client_for(alice), APIClient()
    figures: Counter = Counter()
    server_errors: list[str] = []

    def send(label: str, c: APIClient, method: str, path: str, body=None, content_type=None, **extra):
        response = c.generic(method, path, body or "", content_type=content_type, **extra)
        figures["requests"] += 1
        figures[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            server_errors.append(f"{label}: {method} {path} -> {response.status_code}")

    # every path first (the requests below may delete objects later paths would need), the
    # finalized note's last (a finalized encounter takes no more audio)
    order = sorted(CASES, key=lambda key: (key[0].startswith("api/outputs/"), key))
    paths = [(method, CASES[(route, method)].path(world)) for route, method in order]
    for method, path in paths:
        for label, (body, content_type) in BODIES.items():
            send(label, client, method, path, body, content_type)
        send("oversized", client, method, path, "x" * (65 * 1024), "application/json")
        for query in QUERIES:
            send(f"query {query}", client, method, f"{path}{'&' if '?' in path else '?'}{query}")
        send("nul_in_path", client, method, path.rstrip("/") + "%00/")
        send("surrogate_in_path", client, method, path.rstrip("/") + "%ED%A0%80/")
        send("options", client, "OPTIONS", path)
        send("options_anonymous", anon, "OPTIONS", path)
        send("basic_with_nul", anon, method, path, HTTP_AUTHORIZATION=BASIC_NUL)
        send("bearer_garbage", anon, method, path, HTTP_AUTHORIZATION="Bearer \x01\x02")

    with capsys.disabled():
        print(json.dumps({"malformed": dict(figures), "server_errors": len(server_errors)}))
    assert not server_errors, "\n".join(server_errors)
    assert figures["requests"] > 1500

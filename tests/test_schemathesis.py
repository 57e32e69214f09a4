"""schemathesis over every operation of /api/schema/, through the WSGI app: anonymous, and as a
doctor with a real encounter (transcript, draft, finalized note, share link) whose ids are used for
the path parameters, plus random ids and malformed bodies. Every response must be no server error,
a documented status, the documented content type, and match the documented schema.

``SCHEMATHESIS_EXAMPLES`` (default 8) is the number of generated requests per operation and mode;
the run prints its figures (requests, server errors, mismatches) as one JSON line.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import PASSWORD, client_for
from tests.test_access_matrix import World

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _offline_engines(settings):
    settings.STT_ENGINES = {"default": {"BACKEND": "tests.stt.fakes.FakeEngine", "OPTIONS": {}}}
    settings.STT_LIVE_TRANSCRIPTION = False
    # the sign-in limiter would answer 429 after a few wrong passwords: documented, but it would
    # hide the endpoints' own answers from the rest of the run
    settings.THROTTLE_RATES = {key: "100000/min" for key in settings.THROTTLE_RATES}


@contextmanager
def connection_kept():
    """Django's WSGI handler closes the database connection after each request unless told not
    to (as Django's own test client does, for each of its requests): the test's transaction must
    survive every request schemathesis sends. Request logs below ERROR are off meanwhile."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    logging.disable(logging.WARNING)  # thousands of 4xx lines; errors are still logged
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _real_ids(world: World) -> dict[str, object]:
    """Path parameter values naming alice's objects."""
    session = world.session  # before the encounter is finalized (it then takes no more audio)
    world.link  # noqa: B018 - a finalized note with its files and a share link
    return {
        "encounter_id": world.encounter,
        "id": world.segment,
        "segment_id": world.segment,
        "session_id": session,
        "file_id": world.file,
        "link_id": world.link["link_id"],
        "job_id": world.job,
        "item_id": world.catalog_item,
    }


def test_every_operation_answers_as_documented(alice, client, capsys):
    world = World(alice, client_for(alice))
    ids = _real_ids(world)
    access = client.post("/api/auth/token/", {"username": alice.username, "password": PASSWORD}).json()[
        "access"
    ]
    with connection_kept():
        figures, failures = _run(ids, access)
    with capsys.disabled():
        print(json.dumps({"schemathesis": dict(figures)}))
    assert not failures, "\n".join(sorted(set(failures)))
    assert figures["requests"] >= 1000


def _run(
    ids: dict, access: str, *, include: Callable[[str], bool] = lambda path: True, anonymous: bool = True
) -> tuple[Counter, list[str]]:
    """Every operation whose path ``include`` accepts: without credentials (if ``anonymous``), with
    the bearer ``access``, with the ``ids`` as path parameters, and with invalid data."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    figures: Counter = Counter()
    failures: list[str] = []

    def run(operation, strategy, headers):
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def one(case):
            response = case.call(headers=headers)
            figures["requests"] += 1
            figures[f"{response.status_code // 100}xx"] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    figures["server_errors" if response.status_code >= 500 else "mismatches"] += 1
                    failures.append(
                        f"{operation.label} [{response.status_code}] {failure.title}: {failure.message}"[:600]
                    )
            except AssertionError as exc:  # a single failed check
                figures["server_errors" if response.status_code >= 500 else "mismatches"] += 1
                failures.append(f"{operation.label} [{response.status_code}] {exc}"[:600])

        try:
            one()
        except Unsatisfiable:  # e.g. no invalid value exists for this operation's parameters
            figures["unsatisfiable"] += 1

    bearer = {"Authorization": f"Bearer {access}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        if not include(operation.path):
            continue
        figures["operations"] += 1
        known = {k: v for k, v in ids.items() if k in {p.name for p in operation.path_parameters}}
        if anonymous:
            run(operation, operation.as_strategy(), {})
        run(operation, operation.as_strategy(), bearer)
        run(operation, operation.as_strategy(path_parameters=known), bearer)
        run(operation, operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), bearer)
    return figures, failures

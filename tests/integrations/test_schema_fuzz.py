"""schemathesis over the /api/integrations/ operations only (the project-wide run in
tests/test_schemathesis.py covers every route; this one is quick to run on its own): anonymous,
as a doctor with a real token, with a real patient reference, and with invalid input. No server
error, documented statuses and bodies only."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode

from soapify.integrations.services import directory_seed_demo
from tests.conftest import PASSWORD
from tests.test_schemathesis import CHECKS, EXAMPLES, connection_kept

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.THROTTLE_RATES = {key: "100000/min" for key in settings.THROTTLE_RATES}


def test_integrations_operations_answer_as_documented(alice, client):
    directory_seed_demo()
    access = client.post("/api/auth/token/", {"username": alice.username, "password": PASSWORD}).json()[
        "access"
    ]
    figures: Counter = Counter()
    failures: list[str] = []

    def run(operation, strategy, headers):
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=strategy)
        def one(case):
            response = case.call(headers=headers)
            figures["requests"] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                failures.extend(f"{operation.label} [{response.status_code}] {f.title}: {f.message}"[:600]
                                for f in group.exceptions)  # fmt: skip
            except AssertionError as exc:
                failures.append(f"{operation.label} [{response.status_code}] {exc}"[:600])

        try:
            one()
        except Unsatisfiable:
            figures["unsatisfiable"] += 1

    bearer = {"Authorization": f"Bearer {access}"}
    with connection_kept():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operation.path.startswith("/api/integrations/"):
                continue
            figures["operations"] += 1
            run(operation, operation.as_strategy(), {})
            run(operation, operation.as_strategy(), bearer)
            if operation.path_parameters:
                known = {"patient_ref": "HS-12345"}
                run(operation, operation.as_strategy(path_parameters=known), bearer)
            run(operation, operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), bearer)
    assert figures["operations"] == 9
    assert not failures, "\n".join(sorted(set(failures)))

"""schemathesis over the /adminplus/api/ operations as an administrator (tests/test_schemathesis.py
sends every operation as a doctor, who gets 403 here): real job and export ids for the path
parameters, random ids, generated and malformed queries and bodies. Every response must be no
server error, a documented status and content type, and match the documented schema."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import TestCase
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode

from soapify.adminplus import services
from soapify.core.jobs import job_start
from tests.conftest import PASSWORD
from tests.test_schemathesis import CHECKS, EXAMPLES, connection_kept

pytestmark = pytest.mark.django_db


def test_every_adminplus_operation_answers_as_documented_to_an_administrator(admin_user, alice, client):
    with TestCase.captureOnCommitCallbacks(execute=True):
        export = services.export_start(user=admin_user)
        job = job_start(kind="core.ping", owner=alice)
    ids = {"export_id": str(export.pk), "job_id": str(job.pk)}
    admin_user.set_password(PASSWORD)
    admin_user.save()
    access = client.post("/api/auth/token/", {"username": admin_user.username, "password": PASSWORD}).json()[
        "access"
    ]
    bearer = {"Authorization": f"Bearer {access}"}
    figures: Counter = Counter()
    failures: list[str] = []

    def run(operation, strategy) -> None:
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
            response = case.call(headers=bearer)
            figures["requests"] += 1
            figures[f"{response.status_code // 100}xx"] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=bearer)
            except FailureGroup as group:
                failures.extend(
                    f"{operation.label} [{response.status_code}] {f.title}" for f in group.exceptions
                )
            except AssertionError as exc:
                failures.append(f"{operation.label} [{response.status_code}] {exc}"[:400])

        try:
            one()
        except Unsatisfiable:
            figures["unsatisfiable"] += 1

    with connection_kept():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operation.path.startswith("/adminplus/"):
                continue
            figures["operations"] += 1
            known = {k: v for k, v in ids.items() if k in {p.name for p in operation.path_parameters}}
            run(operation, operation.as_strategy())
            run(operation, operation.as_strategy(path_parameters=known))
            run(operation, operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    assert figures["operations"] == 10
    assert not failures, "\n".join(sorted(set(failures)))
    assert figures["2xx"] > 0

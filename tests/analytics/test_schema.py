"""schemathesis over the analytics operations only (tests/test_schemathesis.py runs every route):
no server error, documented statuses, content types and bodies; as an admin (every route answers
it) and as a doctor."""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode

from soapify.analytics.models import Alert, AlertRule
from tests.conftest import PASSWORD
from tests.test_schemathesis import CHECKS, EXAMPLES, connection_kept

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.THROTTLE_RATES = {key: "100000/min" for key in settings.THROTTLE_RATES}


def _token(client, user) -> str:
    return client.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}).json()["access"]


def _run(strategy, auth: dict, label: str, failures: list[str]) -> int:
    sent = 0

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=strategy)
    def one(case):
        nonlocal sent
        response = case.call(headers=auth)
        sent += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except (FailureGroup, AssertionError) as exc:
            failures.append(f"{label} [{response.status_code}] {exc}"[:600])

    with contextlib.suppress(Unsatisfiable):  # e.g. no invalid value exists for these parameters
        one()
    return sent


def test_analytics_operations_answer_as_documented(client, alice, admin_user):
    rule = AlertRule.objects.create(name="s", metric="job_queue_depth", threshold=0)
    alert = Alert.objects.create(rule=rule, value=1)
    headers = [{"Authorization": f"Bearer {_token(client, u)}"} for u in (admin_user, alice)]
    failures: list[str] = []
    requests = 0
    with connection_kept():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operation.path.startswith("/api/analytics/"):
                continue
            for auth in headers:
                for strategy in (
                    operation.as_strategy(path_parameters={"alert_id": alert.pk}),
                    operation.as_strategy(),
                    operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
                ):
                    requests += _run(strategy, auth, operation.label, failures)
    assert not failures, "\n".join(sorted(set(failures)))
    assert requests >= 100

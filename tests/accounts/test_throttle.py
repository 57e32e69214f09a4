"""One sign-in limiter for every way in: token, login, HTTP Basic and the Django admin login share
the per-client, per-account-from-a-client and per-account counters (settings' default rates)."""

from __future__ import annotations

import base64
import threading

import pytest
from django.test import Client
from rest_framework.test import APIClient

from soapify.accounts import limiter
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

STRANGER = "203.0.113.66"
OWNER = "198.51.100.7"


def token(ip: str, username: str = "alice", password: str = "wrong", path: str = "/api/auth/token/"):
    return APIClient(REMOTE_ADDR=ip).post(path, {"username": username, "password": password}, format="json")


def basic(ip: str, username: str = "alice", password: str = "wrong"):
    c = APIClient(REMOTE_ADDR=ip)
    c.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{username}:{password}".encode()).decode())
    return c.get("/api/users/me/")


def admin_login(ip: str, username: str = "root", password: str = "wrong"):
    return Client(REMOTE_ADDR=ip).post("/django-admin/login/", {"username": username, "password": password})


def statuses_until_refused(attempt, limit: int = 200) -> list[int]:
    codes: list[int] = []
    while len(codes) < limit:
        codes.append(attempt().status_code)
        if codes[-1] == 429:
            break
    return codes


def test_the_token_endpoint_refuses_the_eleventh_wrong_password_from_one_client(alice):
    codes = statuses_until_refused(lambda: token(STRANGER))
    assert codes == [401] * 10 + [429]
    r = token(STRANGER, password=PASSWORD)  # not even the right password gets through now
    assert r.status_code == 429
    assert 0 < int(r["Retry-After"]) <= 15 * 60
    assert r.json()["error"]["code"] == "throttled"
    assert r.json()["error"]["retry_after"] == int(r["Retry-After"])


def test_login_and_token_endpoints_count_together(alice):
    assert [token(STRANGER).status_code for _ in range(5)] == [401] * 5
    assert [token(STRANGER, path="/api/auth/login/").status_code for _ in range(5)] == [401] * 5
    assert token(STRANGER, path="/api/auth/login/").status_code == 429


def test_http_basic_is_refused_after_ten_wrong_passwords_and_the_token_endpoint_too(alice):
    codes = statuses_until_refused(lambda: basic(STRANGER))
    assert codes == [401] * 10 + [429]
    assert basic(STRANGER, password=PASSWORD).status_code == 429
    assert token(STRANGER, password=PASSWORD).status_code == 429


def test_http_basic_is_refused_once_the_token_endpoint_refuses_that_user(alice):
    assert statuses_until_refused(lambda: token(STRANGER)) == [401] * 10 + [429]
    r = basic(STRANGER, password=PASSWORD)
    assert r.status_code == 429 and int(r["Retry-After"]) > 0


def test_http_basic_refuses_an_inactive_user_like_the_token_login(alice):
    alice.is_active = False
    alice.save()
    assert basic(OWNER, password=PASSWORD).status_code == 401
    assert token(OWNER, password=PASSWORD).status_code == 401


def test_the_admin_login_is_refused_with_429_after_ten_wrong_passwords(admin_user):
    codes = statuses_until_refused(lambda: admin_login(STRANGER))
    assert codes == [200] * 10 + [429]  # 200: the login form again, with its error
    r = admin_login(STRANGER, password=PASSWORD)
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert r.json()["error"]["code"] == "throttled"
    assert "_auth_user_id" not in r.wsgi_request.session


def test_the_admin_login_counts_with_the_token_endpoint(admin_user):
    assert [token(STRANGER, username="root").status_code for _ in range(10)] == [401] * 10
    assert admin_login(STRANGER, password=PASSWORD).status_code == 429


def test_the_admin_login_still_signs_an_administrator_in(admin_user):
    r = admin_login(OWNER, password=PASSWORD)
    assert r.status_code == 302
    assert r.wsgi_request.session["_auth_user_id"] == str(admin_user.pk)


def test_the_owner_signs_in_from_its_own_address_while_a_stranger_is_refused(admin_user):
    assert statuses_until_refused(lambda: token(STRANGER, username="root"))[-1] == 429
    assert statuses_until_refused(lambda: basic(STRANGER, username="root"))[-1] == 429
    assert admin_login(STRANGER).status_code == 429
    assert token(OWNER, username="root", password=PASSWORD).status_code == 200
    assert token(OWNER, username="root", password=PASSWORD, path="/api/auth/login/").status_code == 200
    assert basic(OWNER, username="root", password=PASSWORD).status_code == 200
    assert admin_login(OWNER, password=PASSWORD).status_code == 302


def test_a_refused_stranger_hammering_on_does_not_spend_the_accounts_budget(alice, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth_requests": None}  # no flood guard here
    assert statuses_until_refused(lambda: token(STRANGER))[-1] == 429
    assert all(token(STRANGER).status_code == 429 for _ in range(150))  # more than the ceiling of 100
    assert token("192.0.2.200", password=PASSWORD).status_code == 200  # a new place still works


def test_a_distributed_attack_is_stopped_by_the_per_account_ceiling(alice):
    assert token(OWNER, password=PASSWORD).status_code == 200  # the owner's usual place
    codes = [token(f"10.1.0.{i // 10}").status_code for i in range(100)]  # 10 guesses from each of 10
    assert codes == [401] * 100
    assert token("10.2.0.1").status_code == 429  # the 101st guess, from yet another address
    assert token("10.2.0.2", password=PASSWORD).status_code == 429  # a new place waits out the hour
    assert token(OWNER, password=PASSWORD).status_code == 200  # the owner's usual place does not


def test_the_per_client_cap_counts_failures_for_any_account(db):
    codes = [token(STRANGER, username=f"user{i}").status_code for i in range(31)]
    assert codes == [401] * 30 + [429]
    make_user("dora")
    assert token(STRANGER, username="dora", password=PASSWORD).status_code == 429
    assert token(OWNER, username="dora", password=PASSWORD).status_code == 200


def test_a_success_resets_that_clients_counter_for_the_account(alice):
    assert [token(OWNER).status_code for _ in range(9)] == [401] * 9
    assert token(OWNER, password=PASSWORD).status_code == 200
    assert [token(OWNER).status_code for _ in range(10)] == [401] * 10
    assert token(OWNER).status_code == 429


def test_usernames_are_counted_whatever_their_case(alice):
    assert [token(STRANGER, username=name).status_code for name in ["alice", "ALICE", " Alice"] * 3] == [
        401
    ] * 9
    assert token(STRANGER, username="Alice").status_code == 401
    assert token(STRANGER, username="alice").status_code == 429


def test_ipv6_clients_are_counted_by_their_64_network(alice):
    codes = [token(f"2001:db8:1:2::{i:x}").status_code for i in range(10)]
    assert codes == [401] * 10
    assert token("2001:db8:1:2:ffff::1").status_code == 429
    assert token("2001:db8:1:3::1", password=PASSWORD).status_code == 200


def test_refresh_verify_and_logout_have_a_per_client_request_rate(alice, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth_requests": "3/min"}
    c = APIClient(REMOTE_ADDR=STRANGER)
    codes = [
        c.post("/api/auth/token/refresh/", {"refresh": "x"}, format="json").status_code for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    assert (
        APIClient(REMOTE_ADDR=OWNER)
        .post("/api/auth/token/verify/", {"token": "x"}, format="json")
        .status_code
        == 401
    )


def test_concurrent_attempts_cannot_overrun_a_limit(rf):
    request = rf.post("/", REMOTE_ADDR=STRANGER)
    passed: list[limiter.Attempt] = []
    refused: list[int] = []
    start = threading.Barrier(25)

    def attempt() -> None:
        start.wait()
        try:
            passed.append(limiter.attempt_check(request, account="alice"))
        except limiter.AttemptsRefused as exc:
            refused.append(exc.wait)

    threads = [threading.Thread(target=attempt) for _ in range(25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(passed), len(refused)) == (10, 15)


def test_a_success_gives_its_attempt_back_to_the_per_client_cap(rf, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth_ip": "2/15m"}
    request = rf.post("/", REMOTE_ADDR=STRANGER)
    for _ in range(5):
        limiter.attempt_succeeded(limiter.attempt_check(request, account="alice"))
    limiter.attempt_failed(limiter.attempt_check(request, account="bob"))
    limiter.attempt_failed(limiter.attempt_check(request, account="carol"))
    with pytest.raises(limiter.AttemptsRefused):
        limiter.attempt_check(request, account="dora")


def test_an_attempt_without_an_account_counts_for_the_client_only(rf, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth_ip": "1/15m"}
    limiter.attempt_failed(limiter.attempt_check(rf.post("/", REMOTE_ADDR=STRANGER)))
    with pytest.raises(limiter.AttemptsRefused):
        limiter.attempt_check(rf.post("/", REMOTE_ADDR=STRANGER), account="alice")
    limiter.attempt_check(rf.post("/", REMOTE_ADDR=OWNER), account="alice")


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/15m", limiter.Rate(10, 900)),
        ("30/min", limiter.Rate(30, 60)),
        ("100/h", limiter.Rate(100, 3600)),
        ("500/day", limiter.Rate(500, 86400)),
        ("5/30s", limiter.Rate(5, 30)),
        ("", None),
        (None, None),
    ],
)
def test_rates_read_as_a_count_per_period(text, rate):
    assert limiter.parse_rate(text) == rate


@pytest.mark.parametrize("text", ["ten/min", "10", "10/15", "10/fortnight"])
def test_a_malformed_rate_is_an_error(text):
    with pytest.raises(ValueError, match="not a rate"):
        limiter.parse_rate(text)


def test_authenticate_calls_without_a_request_are_not_client_attempts(alice):
    from django.contrib.auth import authenticate

    assert all(authenticate(username="alice", password="wrong") is None for _ in range(20))
    assert authenticate(username="alice", password=PASSWORD) == alice
    assert token(STRANGER, password=PASSWORD).status_code == 200


def test_the_admin_site_is_the_limited_one():
    from django.contrib import admin

    from soapify.accounts.admin import AdminSite

    assert isinstance(admin.site, AdminSite)  # every registration lands on it

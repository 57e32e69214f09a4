"""One-time codes by SMS: hashed, short-lived, single use, limited tries, per-number lock, no
enumeration, throttled sends; 50 concurrent verifications of one code give exactly one login."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from soapify.accounts.models import AuthSession
from soapify.integrations.models import OTPCode
from soapify.integrations.services_otp import phone_digest
from soapify.integrations.sms import sms_engines
from tests.httpfakes import base_url
from tests.integrations.otp_helpers import E164, PHONE, SEND, VERIFY, bearer, last_code, sms_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(alice):
    alice.phone_number = "0912 123 4567"
    alice.save(update_fields=["phone_number"])
    return alice


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def send(client, phone=PHONE):
    return client.post(SEND, {"phone_number": phone}, format="json")


def verify(client, code, phone=PHONE):
    return client.post(VERIFY, {"phone_number": phone, "code": code}, format="json")


def test_a_code_is_sent_in_persian_and_stored_only_as_a_hash(doctor, client):
    response = send(client)
    assert response.status_code == 200 and response.json() == {"status": "sent", "expires_in": 300}
    to, body, _ = sms_engines["default"].sent[-1]
    code = last_code()
    assert to == E164 and "کد ورود" in body and code in body and "5 دقیقه" in body
    row = OTPCode.objects.get()
    stored = " ".join(str(v) for v in row.__dict__.values())
    assert code not in stored and "9121234567" not in stored
    assert row.user == doctor and row.phone_digest == phone_digest(E164)
    assert timedelta(seconds=299) < row.expires_at - timezone.now() <= timedelta(seconds=300)


def test_the_answer_is_the_same_for_a_number_that_belongs_to_nobody(doctor, client):
    known = send(client)
    sent = sms_count()
    unknown = send(client, "09350000000")
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert sms_count() == sent  # nothing is sent to a stranger
    assert OTPCode.objects.filter(user__isnull=True).count() == 1
    # and verifying it fails exactly like a wrong code
    wrong = verify(client, "000000", "09350000000")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "otp_invalid"
    assert verify(client, "000000").json() == wrong.json()


def test_the_right_code_opens_a_session_window(doctor, client):
    send(client)
    response = verify(client, last_code())
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "expires_at", "absolute_expires_at"}
    me = bearer(body["access"]).get("/api/users/me/")
    assert me.status_code == 200 and me.json()["username"] == doctor.username
    assert AuthSession.objects.get(user=doctor).kind == "otp"


def test_persian_digits_in_the_code_and_number_are_accepted(doctor, client):
    send(client, "۰۹۱۲۱۲۳۴۵۶۷")
    code = last_code().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert verify(client, code, "۰۹۱۲۱۲۳۴۵۶۷").status_code == 200


def test_a_code_works_once(doctor, client):
    send(client)
    code = last_code()
    assert verify(client, code).status_code == 200
    again = verify(client, code)
    assert again.status_code == 400 and again.json()["error"]["code"] == "otp_invalid"


def test_a_code_after_its_lifetime_is_refused(doctor, client):
    send(client)
    OTPCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert verify(client, last_code()).status_code == 400
    assert not AuthSession.objects.exists()


def test_only_the_newest_code_counts(doctor, client):
    send(client)
    first = last_code()
    send(client)
    second = last_code()
    if first != second:
        assert verify(client, first).status_code == 400
    assert verify(client, second).status_code == 200


def test_five_wrong_codes_burn_the_code_and_lock_the_number(doctor, client, settings):
    send(client)
    code = last_code()
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        assert verify(client, wrong).status_code == 400
    locked = verify(client, code)
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 800
    assert send(client).status_code == 429  # no new code while locked
    assert not AuthSession.objects.exists()
    assert OTPCode.objects.get().attempts == 5


def test_a_stranger_who_burns_codes_does_not_lock_out_the_owner(doctor, settings):
    owner, stranger = APIClient(REMOTE_ADDR="10.1.0.7"), APIClient(REMOTE_ADDR="10.2.0.9")
    send(owner)
    assert verify(owner, last_code()).status_code == 200  # the owner's usual client is now known
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "otp_phone": "3/10m", "otp": "100/min"}
    # the stranger uses up the number's sends (the owner's first send counted too) ...
    assert [send(stranger).status_code for _ in range(3)] == [200, 200, 429]
    for _ in range(5):  # ... and burns the newest code, which locks the number
        assert verify(stranger, "000000" if last_code() != "000000" else "111111").status_code == 400
    assert verify(stranger, last_code()).status_code == 429
    assert send(stranger).status_code == 429
    # the owner still gets a new code and signs in; the stranger stays locked out
    assert send(owner).status_code == 200
    assert verify(owner, last_code()).status_code == 200
    assert verify(stranger, "123456").status_code == 429
    assert AuthSession.objects.filter(user=doctor).count() == 2


def test_a_number_of_nobody_locks_the_same_way(db, client):
    send(client, "09350000000")
    for _ in range(5):
        assert verify(client, "123456", "09350000000").status_code == 400
    assert verify(client, "123456", "09350000000").status_code == 429


def test_the_lock_ends_after_its_window(doctor, client):
    send(client)
    for _ in range(5):
        verify(client, "000001")
    OTPCode.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert send(client).status_code == 200
    assert verify(client, last_code()).status_code == 200


def test_sends_are_throttled_per_number(doctor, client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "otp_phone": "2/10m", "otp": "100/min"}
    assert [send(APIClient(REMOTE_ADDR=f"10.0.0.{i}")).status_code for i in range(3)] == [200, 200, 429]
    assert send(client, "09350000000").status_code == 200  # another number is not held up


def test_sends_are_throttled_per_client_ip(doctor, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "otp": "2/min", "otp_phone": "100/min"}
    client = APIClient(REMOTE_ADDR="10.0.0.9")
    statuses = [send(client, f"0935000000{i}").status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    assert send(APIClient(REMOTE_ADDR="10.0.0.10")).status_code == 200


def test_verifications_count_in_the_sign_in_limiter(doctor, client, settings):
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "auth_account_client": "3/15m",
        "auth_requests": "100/min",
    }
    send(client)
    code = last_code()
    for _ in range(3):
        verify(client, "000000" if code != "000000" else "999999")
    refused = verify(client, code)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert verify(APIClient(REMOTE_ADDR="10.1.1.1"), code).status_code == 200  # another client


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (SEND, {}),
        (SEND, {"phone_number": "12345"}),
        (SEND, {"phone_number": ["09121234567"]}),
        (SEND, {"phone_number": "x" * 10_000}),
        (SEND, {"phone_number": PHONE, "extra": 1}),
        (VERIFY, {"phone_number": PHONE}),
        (VERIFY, {"phone_number": PHONE, "code": "12345"}),
        (VERIFY, {"phone_number": PHONE, "code": "abcdef"}),
        (VERIFY, {"phone_number": PHONE, "code": 123456}),
        (VERIFY, {"phone_number": "nope", "code": "123456"}),
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(doctor, client, path, body):
    response = client.post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"error"}
    assert not OTPCode.objects.exists() and not AuthSession.objects.exists()


def test_malformed_json_is_a_400(doctor, client):
    response = client.generic("POST", SEND, "{oops", content_type="application/json")
    assert response.status_code == 400 and not OTPCode.objects.exists()


def test_an_unavailable_sms_provider_is_a_503_and_leaves_no_code(doctor, client, settings, httpserver):
    settings.SMS_ENGINES = {"default": {"BACKEND": "soapify.integrations.sms.http.HttpSMSEngine", "OPTIONS": {
        "url": base_url(httpserver) + "/sms", "api_key": "k", "sender": "S", "timeout": 1, "max_retries": 0}}}  # fmt: skip
    httpserver.expect_request("/sms").respond_with_json({}, status=500)
    response = send(client)
    assert response.status_code == 503 and response.json()["error"]["code"] == "sms_unavailable"
    assert not OTPCode.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_verifications_of_one_code_give_exactly_one_login(doctor, settings):
    settings.THROTTLE_RATES = {key: "100000/min" for key in settings.THROTTLE_RATES}
    send(APIClient())
    code = last_code()
    start = threading.Barrier(50)
    statuses: list[int] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        try:
            client = APIClient(REMOTE_ADDR=f"10.2.{i // 250}.{i % 250 + 1}")
            start.wait()
            status = verify(client, code).status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 50
    assert statuses.count(200) == 1, sorted(statuses)
    assert set(statuses) <= {200, 400}
    assert AuthSession.objects.filter(user=doctor, kind="otp").count() == 1
    row = OTPCode.objects.get()
    assert row.used_at is not None and row.attempts <= 5

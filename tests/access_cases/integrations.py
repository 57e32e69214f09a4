"""Access matrix of /api/integrations/: health for any signed-in user; one-time codes and the
window logout need no credentials (the phone and code, or the refresh token, are the credential);
session status/extend act on the caller's own login (the matrix's clients are force-authenticated,
so their logins have no window: inactive, and 409 on extend); the patient directory is for doctors
(admins 403), and any doctor may look a patient up and request access (audited)."""

from __future__ import annotations

import re

from django.test import RequestFactory

from soapify.integrations.services import directory_seed_demo
from soapify.integrations.services_otp import otp_send
from soapify.integrations.sms import normalize_phone, sms_engines
from tests.access import PUBLIC, Case

PHONE = "09121112233"


def _code_for(w) -> dict:
    """A fresh code for alice's number, read from the console SMS engine."""
    if w.alice.phone_number != PHONE:
        w.alice.phone_number = PHONE
        w.alice.save(update_fields=["phone_number"])
    otp_send(request=RequestFactory().post("/"), number=normalize_phone(PHONE))
    _to, body, _id = sms_engines["default"].sent[-1]
    return {"phone_number": PHONE, "code": re.search(r"\d{6}", body).group()}


def _patient(path: str):
    def build(w) -> str:
        directory_seed_demo()
        return path

    return build


CASES = {
    ("api/integrations/health/", "GET"): Case(lambda w: "/api/integrations/health/", 200, other=200, admin=200),
    ("api/integrations/otp/send/", "POST"): Case(lambda w: "/api/integrations/otp/send/", 200, **PUBLIC,
        body=lambda w: {"phone_number": PHONE}),
    ("api/integrations/otp/verify/", "POST"): Case(lambda w: "/api/integrations/otp/verify/", 200, **PUBLIC,
        body=_code_for),
    ("api/integrations/session/status/", "GET"): Case(lambda w: "/api/integrations/session/status/", 200,
        other=200, admin=200),
    ("api/integrations/session/extend/", "POST"): Case(lambda w: "/api/integrations/session/extend/", 409,
        other=409, admin=409),
    ("api/integrations/logout/", "POST"): Case(lambda w: "/api/integrations/logout/", 200, **PUBLIC,
        body=lambda w: {"refresh": w.refresh_token()}),
    ("api/integrations/patients/search/", "GET"): Case(
        _patient("/api/integrations/patients/search/?q=HS-12345"), 200, other=200, admin=403),
    ("api/integrations/patients/<str:patient_ref>/info/", "GET"): Case(
        _patient("/api/integrations/patients/HS-12345/info/"), 200, other=200, admin=403),
    ("api/integrations/patients/<str:patient_ref>/access/", "POST"): Case(
        _patient("/api/integrations/patients/HS-12345/access/"), 201, other=201, admin=403,
        body=lambda w: {"reason": "follow-up visit"}),
}  # fmt: skip

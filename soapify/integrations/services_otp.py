"""One-time sign-in codes by SMS.

- 6-digit codes from ``secrets``, stored only as a keyed hash (HMAC-SHA256 with a per-code salt);
  the number is stored only as a keyed hash too. Valid ``OTP_TTL_SECONDS``; only the newest code
  of a number counts; single use.
- No enumeration: a send for a number that belongs to no (single, active) user makes a code row
  all the same, which nobody can use, and answers the same; verification fails the same way.
- Each verification *claims* a try with a conditional UPDATE (``attempts < OTP_MAX_ATTEMPTS``)
  before the code is compared, and the success is a second conditional UPDATE (``used_at IS
  NULL``): however many clients verify one code at once, at most ``OTP_MAX_ATTEMPTS`` compare it
  and exactly one signs in. The try that uses up the last attempt with a wrong code locks the
  number for ``OTP_LOCKOUT_SECONDS`` (no send, no verification: 429) - except for clients that
  have signed in with this number before (``accounts.limiter.client_known``): a stranger who
  burns codes on purpose locks out other strangers, not the owner on their usual network.
- Sends are throttled per client IP and per number (``views``); verifications count as sign-in
  attempts in ``accounts.limiter`` (per IP, per number from a client, per number).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from soapify.accounts.limiter import attempt_check, attempt_failed, attempt_succeeded, client_known
from soapify.accounts.models import User
from soapify.core.engines import EngineError
from soapify.integrations.sms import InvalidPhoneNumber, normalize_phone, sms_engines
from soapify.integrations.sms.base import mask_phone

from .errors import OTPInvalid, OTPLocked, sms_error
from .models import OTPCode
from .services_sessions import session_window_open

logger = logging.getLogger("soapify.auth")


def _key(purpose: str) -> bytes:
    return hashlib.sha256(f"soapify-otp:{purpose}:{settings.SECRET_KEY}".encode()).digest()


def phone_digest(number: str) -> str:
    return hmac.new(_key("phone"), number.encode(), hashlib.sha256).hexdigest()


def _code_hash(digest: str, code: str, salt: str) -> str:
    mac = hmac.new(_key("code"), f"{digest}:{salt}:{code}".encode(), hashlib.sha256).hexdigest()
    return f"{salt}${mac}"


def _code_matches(row: OTPCode, code: str) -> bool:
    salt = row.code_hash.split("$", 1)[0]
    return hmac.compare_digest(_code_hash(row.phone_digest, code, salt), row.code_hash)


def user_for_phone(number: str) -> User | None:
    """The one active user whose phone number is ``number`` (any written form); None when there
    is none or more than one."""
    found = []
    for user in User.objects.filter(is_active=True, phone_number__contains=number[-4:]):
        try:
            if normalize_phone(user.phone_number) == number:
                found.append(user)
        except InvalidPhoneNumber:
            continue
    return found[0] if len(found) == 1 else None


def _locked_for(digest: str, now: datetime) -> int:
    """Seconds the number stays locked (0: not locked)."""
    until = (
        OTPCode.objects.filter(phone_digest=digest, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return math.ceil((until - now).total_seconds()) if until else 0


def otp_account(number: str) -> str:
    """The sign-in limiter's account name of a number's one-time codes."""
    return f"otp:{number}"


def otp_send(*, request, number: str) -> dict[str, Any]:
    """Send a code to ``number`` (E.164) if it is a user's; the same answer either way. A client
    that signed in with this number before is not held up by the number's lock."""
    now = timezone.now()
    digest = phone_digest(number)
    locked = _locked_for(digest, now)
    if locked and not client_known(request, otp_account(number)):
        raise OTPLocked(wait=locked)
    user = user_for_phone(number)
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = settings.OTP_TTL_SECONDS
    with transaction.atomic():
        OTPCode.objects.create(
            phone_digest=digest,
            code_hash=_code_hash(digest, code, secrets.token_hex(8)),
            user=user,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        if user is not None:
            text = str(settings.OTP_SMS_TEXT).format(code=code, minutes=max(1, round(ttl / 60)))
            try:
                sms_engines["default"].send(number, text)
            except EngineError as exc:
                logger.warning("one-time code to %s not sent: %s", mask_phone(number), exc.code)
                raise sms_error(exc) from None
    return {"status": "sent", "expires_in": ttl}


def otp_verify(*, request, number: str, code: str) -> dict[str, Any]:
    """Check ``code`` for ``number``; on success open a session window: ``{access, refresh,
    expires_at, absolute_expires_at}``. Wrong, expired, used or unknown: 400 ``otp_invalid``."""
    attempt = attempt_check(request, account=otp_account(number))
    now = timezone.now()
    digest = phone_digest(number)
    locked = _locked_for(digest, now)
    if locked and not attempt.known:
        attempt_failed(attempt)
        raise OTPLocked(wait=locked)
    row = OTPCode.objects.filter(phone_digest=digest).order_by("-created_at", "-id").first()
    claimed = row is not None and bool(
        OTPCode.objects.filter(
            pk=row.pk, used_at__isnull=True, expires_at__gt=now, attempts__lt=settings.OTP_MAX_ATTEMPTS
        ).update(attempts=F("attempts") + 1)
    )
    if row is None or not claimed:
        attempt_failed(attempt)
        raise OTPInvalid()
    if row.user_id is None or not _code_matches(row, code):
        if OTPCode.objects.filter(
            pk=row.pk,
            attempts__gte=settings.OTP_MAX_ATTEMPTS,
            used_at__isnull=True,
            locked_until__isnull=True,
        ).update(locked_until=now + timedelta(seconds=settings.OTP_LOCKOUT_SECONDS)):
            logger.warning("one-time codes for %s locked after too many wrong codes", mask_phone(number))
        attempt_failed(attempt)
        raise OTPInvalid()
    with transaction.atomic():
        used = OTPCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
        user = User.objects.filter(pk=row.user_id, is_active=True).first() if used else None
        if user is not None:
            window, pair = session_window_open(user=user, request=request)
    if user is None:
        attempt_failed(attempt)
        raise OTPInvalid()
    attempt_succeeded(attempt)
    return {**pair, "expires_at": window.expires_at, "absolute_expires_at": window.absolute_expires_at}

from __future__ import annotations

import re

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from soapify.accounts import limiter
from soapify.accounts.models import AuthSession, User
from soapify.core.audit import audit_record
from soapify.core.errors import ApiError, Forbidden

PASSWORD_ENDPOINTS = (
    "Change your own password with POST /api/users/me/password/ (current_password, new_password); "
    "administrators set another user's with POST /api/users/{id}/set-password/."
)

_PHONE = re.compile(r"^\+[1-9]\d{7,14}$")
_FA_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def normalize_phone(value: str) -> str:
    """E.164; Iranian mobile numbers written 09xxxxxxxxx (Persian digits too) become +989xxxxxxxxx."""
    raw = re.sub(r"[\s\-()]", "", value.translate(_FA_DIGITS))
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if re.fullmatch(r"09\d{9}", raw):
        raw = "+98" + raw[1:]
    if not _PHONE.match(raw):
        raise serializers.ValidationError("Enter a phone number in international format, e.g. +989121234567.")
    return raw


def user_authenticate(*, request, username: str, password: str) -> User:
    user = authenticate(request=request, username=username, password=password)
    if user is None or not user.is_active:
        raise ApiError("Invalid username or password.", code="invalid_credentials", status_code=401)
    return user


@transaction.atomic
def user_create(*, data: dict) -> User:
    password = data.pop("password")
    user = User(**data)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, data: dict) -> User:
    if "role" in data and data["role"] != user.role and not actor.is_admin:
        raise Forbidden("Only an administrator can change a role.", code="role_change_forbidden")
    for field, value in data.items():
        setattr(user, field, value)
    user.save()
    return user


def _validated_new_password(user: User, password: str) -> str:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ApiError(
            "Invalid input.", code="validation_error", fields={"new_password": exc.messages}
        ) from None
    if user.check_password(password):
        message = "The new password must differ from the current one."
        raise ApiError(message, code="validation_error", fields={"new_password": [message]})
    return password


def user_password_change(*, request, user: User, current_password: str, new_password: str) -> int:
    """The user changes its own password, proving the current one (checked through the sign-in
    limiter: a wrong one counts as a failed attempt, and too many are a 429). Every login of the
    user ends; the caller starts a new one. Returns how many logins ended."""
    attempt = limiter.attempt_check(request, account=user.get_username())
    if not user.check_password(current_password):
        limiter.attempt_failed(attempt)
        message = "The current password is not correct."
        raise ApiError(message, code="invalid_current_password", fields={"current_password": [message]})
    limiter.attempt_succeeded(attempt)
    return _password_set(request=request, actor=user, user=user, password=new_password)


def user_password_set(*, request, actor: User, user: User, new_password: str) -> int:
    """An administrator sets another user's password (a reset): every login of that user ends.
    Returns how many logins ended."""
    if not actor.is_admin:
        raise Forbidden("Only administrators can set another user's password.")
    if actor.pk == user.pk:
        raise ApiError(
            PASSWORD_ENDPOINTS, code="password_not_allowed", fields={"new_password": [PASSWORD_ENDPOINTS]}
        )
    return _password_set(request=request, actor=actor, user=user, password=new_password)


@transaction.atomic
def _password_set(*, request, actor: User, user: User, password: str) -> int:
    user.set_password(_validated_new_password(user, password))
    user.save(update_fields=["password", "updated_at"])
    ended = sessions_revoke_all(user=user)
    audit_record(
        action="update",
        object_type="user",
        object_id=user.pk,
        request=request,
        actor=actor,
        status_code=200,
        extra={"change": "password" if actor.pk == user.pk else "password_reset", "sessions_ended": ended},
    )
    return ended


def sessions_revoke_all(*, user: User) -> int:
    """End every login of ``user`` (its refresh and access tokens stop working at once)."""
    return AuthSession.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())

from __future__ import annotations

import re

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from soapify.accounts.models import AuthSession, User
from soapify.core.errors import ApiError, Forbidden

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
    password = data.pop("password", None)
    for field, value in data.items():
        setattr(user, field, value)
    if password:
        user.set_password(password)
    user.save()
    if password:
        sessions_revoke_all(user=user)
    return user


def sessions_revoke_all(*, user: User) -> int:
    """End every login of ``user`` (its refresh and access tokens stop working at once)."""
    return AuthSession.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())

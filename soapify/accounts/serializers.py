from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from soapify.accounts.models import User
from soapify.core.errors import Forbidden
from soapify.core.serializers import StrictFieldsMixin


class UserSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "phone_number",
            "rate_profile",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {
            "rate_profile": {
                "help_text": "Rate-limit profile (a name in RATE_LIMIT_PROFILES; docs/RATE-LIMITS.md), "
                "set by administrators only; empty: admin for administrators, else default."
            }
        }

    def to_internal_value(self, data):
        if isinstance(data, dict) and "password" in data and "password" not in self.fields:
            from soapify.accounts.services import PASSWORD_ENDPOINTS

            raise serializers.ValidationError({"password": [PASSWORD_ENDPOINTS]})
        return super().to_internal_value(data)

    def validate_rate_profile(self, value: str) -> str:
        value = value.strip()
        request = self.context.get("request")
        current = self.instance.rate_profile if isinstance(self.instance, User) else ""
        if value != current and not getattr(getattr(request, "user", None), "is_admin", False):
            raise Forbidden(
                "Only an administrator can change a rate profile.", code="rate_profile_change_forbidden"
            )
        if value and value not in settings.RATE_LIMIT_PROFILES:
            raise serializers.ValidationError(
                f"Unknown profile; use one of: {', '.join(settings.RATE_LIMIT_PROFILES)} (or empty)."
            )
        return value

    def validate_phone_number(self, value: str) -> str:
        from soapify.accounts.services import normalize_phone

        return normalize_phone(value) if value else ""


class UserCreateSerializer(UserSerializer):
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "password"]

    def validate(self, attrs):
        candidate = User(**{k: v for k, v in attrs.items() if k != "password"})
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs


class PasswordChangeSerializer(StrictFieldsMixin, serializers.Serializer):
    current_password = serializers.CharField(
        max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )
    new_password = serializers.CharField(
        max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )


class PasswordSetSerializer(StrictFieldsMixin, serializers.Serializer):
    new_password = serializers.CharField(
        max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )


class PasswordSetResultSerializer(serializers.Serializer):
    status = serializers.CharField()
    sessions_ended = serializers.IntegerField()


class CredentialsSerializer(StrictFieldsMixin, serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class RefreshSerializer(StrictFieldsMixin, serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class VerifySerializer(StrictFieldsMixin, serializers.Serializer):
    token = serializers.CharField(max_length=4096)

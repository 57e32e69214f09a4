from __future__ import annotations

from django.contrib.auth import password_validation
from rest_framework import serializers

from soapify.accounts.models import User
from soapify.core.serializers import StrictFieldsMixin


class UserSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=False, max_length=128, style={"input_type": "password"}
    )

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
            "updated_at",
            "password",
        ]
        read_only_fields = ["id", "updated_at"]

    def validate_phone_number(self, value: str) -> str:
        from soapify.accounts.services import normalize_phone

        return normalize_phone(value) if value else ""

    def validate(self, attrs):
        password = attrs.get("password")
        if password is not None:
            candidate = self.instance or User(**{k: v for k, v in attrs.items() if k != "password"})
            try:
                password_validation.validate_password(password, candidate)
            except Exception as exc:  # django ValidationError
                raise serializers.ValidationError(
                    {"password": list(getattr(exc, "messages", [str(exc)]))}
                ) from None
        return attrs


class UserCreateSerializer(UserSerializer):
    password = serializers.CharField(
        write_only=True, required=True, max_length=128, style={"input_type": "password"}
    )


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

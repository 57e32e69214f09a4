from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from soapify.core.serializers import StrictFieldsMixin

from .models import PatientAccessGrant
from .sms import InvalidPhoneNumber, normalize_phone

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


class PhoneNumberField(serializers.CharField):
    """A mobile number in any usual form (E.164, ``09...``, Persian digits) -> E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", "E.164 (+989121234567) or an Iranian mobile number (09121234567).")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return normalize_phone(text)
        except InvalidPhoneNumber:
            raise serializers.ValidationError(
                "Enter a mobile number: +989121234567 or 09121234567."
            ) from None


class OTPSendSerializer(StrictFieldsMixin, serializers.Serializer):
    phone_number = PhoneNumberField()


class OTPSentSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='"sent" whether or not the number belongs to an account.')
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")


class OTPVerifySerializer(StrictFieldsMixin, serializers.Serializer):
    phone_number = PhoneNumberField()
    code = serializers.CharField(max_length=16, help_text="The 6-digit code (Persian digits accepted).")

    def validate_code(self, value: str) -> str:
        code = value.strip().translate(_DIGITS)
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise serializers.ValidationError("The code has 6 digits.")
        return code


class WindowTokensSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="End of the window unless extended.")
    absolute_expires_at = serializers.DateTimeField(help_text="The window never lasts beyond this.")


class SessionStatusSerializer(serializers.Serializer):
    active = serializers.BooleanField()
    expires_at = serializers.DateTimeField(allow_null=True)
    absolute_expires_at = serializers.DateTimeField(allow_null=True)
    remaining_seconds = serializers.IntegerField()


class SessionExtendedSerializer(SessionStatusSerializer):
    access = serializers.CharField(help_text="A new access token that ends with the extended window.")


class EmptySerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class LogoutSerializer(StrictFieldsMixin, serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class DirectoryPatientSerializer(serializers.Serializer):
    patient_ref = serializers.CharField()
    name = serializers.CharField(help_text="Masked: the first letter of each word.")
    age_band = serializers.CharField(allow_null=True)
    sex = serializers.ChoiceField(choices=["female", "male", "other", "unknown"])
    access = serializers.BooleanField(help_text="The caller holds an active access grant.")
    access_expires_at = serializers.DateTimeField(allow_null=True)
    full_name = serializers.CharField(required=False, help_text="Only with an active grant (search).")
    national_id = serializers.CharField(required=False, help_text="Only with an active grant (search).")
    birth_date = serializers.DateField(
        required=False, help_text="Only with an active grant (search; may be null)."
    )


class AccessRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(min_length=3, max_length=500, help_text="Why access is needed (audited).")
    minutes = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="How long the grant lasts (default PATIENT_ACCESS_DEFAULT_MINUTES, at most "
        "PATIENT_ACCESS_MAX_MINUTES).",
    )

    def validate_reason(self, value: str) -> str:
        if len(value.strip()) < 3:
            raise serializers.ValidationError("Give a reason (at least 3 characters).")
        return value.strip()

    def validate_minutes(self, value: int) -> int:
        if value > settings.PATIENT_ACCESS_MAX_MINUTES:
            raise serializers.ValidationError(f"At most {settings.PATIENT_ACCESS_MAX_MINUTES} minutes.")
        return value


class AccessGrantSerializer(serializers.ModelSerializer):
    class Meta:
        model = PatientAccessGrant
        fields = ["id", "patient_ref", "reason", "created_at", "expires_at"]
        read_only_fields = fields


class IntegrationStatusSerializer(serializers.Serializer):
    engine = serializers.CharField()
    remote = serializers.BooleanField(help_text="Calls a provider over the network (false: in-process).")
    status = serializers.ChoiceField(choices=["up", "down", "unknown"])
    latency_ms = serializers.FloatField(allow_null=True, help_text="Duration of the last check.")
    checked_at = serializers.DateTimeField()
    last_error = serializers.CharField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)


class IntegrationsHealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["up", "degraded"])
    integrations = serializers.DictField(child=IntegrationStatusSerializer())

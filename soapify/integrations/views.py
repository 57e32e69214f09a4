"""``/api/integrations/``: health, one-time codes and session windows, the patient directory."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.accounts.throttles import AuthRequestThrottle
from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import ApiError, NotFound
from soapify.core.permissions import is_admin
from soapify.core.schema import errors

from . import selectors, services, services_otp, services_sessions
from .health import integrations_health
from .models import DirectoryPatient
from .serializers import (
    AccessGrantSerializer,
    AccessRequestSerializer,
    DirectoryPatientSerializer,
    EmptySerializer,
    IntegrationsHealthSerializer,
    LogoutSerializer,
    OTPSendSerializer,
    OTPSentSerializer,
    OTPVerifySerializer,
    SessionExtendedSerializer,
    SessionStatusSerializer,
    WindowTokensSerializer,
)
from .throttles import OTPSendIPThrottle, OTPSendPhoneThrottle

_DIRECTORY_DOWN = {
    502: OpenApiResponse(
        description="The patient directory failed or sent a malformed reply (`error.code`)."
    ),
    504: OpenApiResponse(description="The patient directory did not answer in time (`directory_timeout`)."),
}
_RETRY_AFTER = OpenApiParameter(
    "Retry-After", int, OpenApiParameter.HEADER, response=[429], description="Seconds to wait."
)
MAX_QUERY = 100


class IsDoctor(BasePermission):
    """Clinicians only: administrators run the service, they do not look patients up."""

    message = "Only doctors may use the patient directory."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and not is_admin(request.user))


# ------------------------------------------------------------------------------------------- health


class IntegrationsHealthView(APIView):
    """Each integration (patient directory, SMS, LLM and STT providers, storage): status, latency of
    its last check, last error. Checks are cached for a short time (INTEGRATIONS_HEALTH_CACHE_SECONDS)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: IntegrationsHealthSerializer})
    def get(self, request):
        return Response(integrations_health())


# -------------------------------------------------------------------------------- one-time codes


class OTPSendView(APIView):
    """Send a 6-digit sign-in code by SMS. The answer is the same whether or not the number belongs
    to an account. Throttled per client IP and per number; a number locked after too many wrong
    codes is a 429."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [OTPSendIPThrottle, OTPSendPhoneThrottle]

    @extend_schema(
        request=OTPSendSerializer,
        responses={200: OTPSentSerializer, **errors(429), 502: OpenApiResponse(description="The SMS "
                   "provider refused the message."), 503: OpenApiResponse(description="The SMS provider "
                   "is unavailable (`sms_unavailable`), or the database is.")},
        parameters=[_RETRY_AFTER],
    )  # fmt: skip
    def post(self, request):
        ser = OTPSendSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return Response(services_otp.otp_send(request=request, number=ser.validated_data["phone_number"]))


class OTPVerifyView(APIView):
    """Exchange the code for a session window: ``{access, refresh, expires_at}``. A wrong, expired,
    used or unknown code is a 400 ``otp_invalid``; tries are limited per code, per number and per
    client (429 with ``Retry-After``)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRequestThrottle]

    @extend_schema(
        request=OTPVerifySerializer,
        responses={200: WindowTokensSerializer, **errors(429)},
        parameters=[_RETRY_AFTER],
    )
    def post(self, request):
        ser = OTPVerifySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = services_otp.otp_verify(
            request=request, number=ser.validated_data["phone_number"], code=ser.validated_data["code"]
        )
        return Response(WindowTokensSerializer(data).data)


# ------------------------------------------------------------------------------- session windows


class SessionStatusView(APIView):
    """The window of the login the token belongs to; a login without one (password) is inactive."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SessionStatusSerializer})
    def get(self, request):
        return Response(
            SessionStatusSerializer(services_sessions.session_window_status(request=request)).data
        )


class SessionExtendView(APIView):
    """Extend the window by the idle limit, never past its absolute end; a new access token comes
    with it. 409 ``no_session_window`` for a login without one; 401 ``session_expired`` once over."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=EmptySerializer, responses={200: SessionExtendedSerializer, **errors(409)})
    def post(self, request):
        EmptySerializer(data=request.data or {}).is_valid(raise_exception=True)
        return Response(
            SessionExtendedSerializer(services_sessions.session_window_extend(request=request)).data
        )


class WindowLogoutView(APIView):
    """End the window and revoke every token of its login at once (like ``/api/auth/logout/``)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRequestThrottle]

    @extend_schema(request=LogoutSerializer, responses={200: dict, **errors(401)})
    def post(self, request):
        ser = LogoutSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services_sessions.session_window_logout(raw_refresh=ser.validated_data["refresh"])
        return Response({"status": "logged_out"})


# ------------------------------------------------------------------------------ patient directory


class PatientSearchView(AuditedViewMixin, generics.ListAPIView):
    """Patients of the directory matching ``q`` (reference prefix, national id, or words of the
    name), at most DIRECTORY_SEARCH_MAX_RESULTS: masked name, age band and sex; full name, national
    id and birth date only for patients the caller holds an active grant for. Audited."""

    audit_object_type = "directory_patient"
    audit_action_name = "search"
    permission_classes = [IsDoctor]
    serializer_class = DirectoryPatientSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return DirectoryPatient.objects.none()
        query = (self.request.query_params.get("q") or "").strip()
        if len(query) < 2 or len(query) > MAX_QUERY:
            raise ApiError(
                f"q must have 2 to {MAX_QUERY} characters.",
                code="validation_error",
                fields={"q": [f"2 to {MAX_QUERY} characters."]},
            )
        return selectors.directory_search(user=self.request.user, query=query)

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="2 to 100 characters.")],
        responses={200: DirectoryPatientSerializer(many=True), **errors(403), **_DIRECTORY_DOWN},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PatientInfoView(AuditedViewMixin, APIView):
    """Basic, non-PHI information: masked name, age band, sex, and whether the caller has access."""

    audit_object_type = "directory_patient"
    permission_classes = [IsDoctor]

    @extend_schema(responses={200: DirectoryPatientSerializer, **errors(403, 404), **_DIRECTORY_DOWN})
    def get(self, request, patient_ref: str):
        info = selectors.patient_info(user=request.user, patient_ref=patient_ref)
        if info is None:
            raise NotFound("No patient with this reference in the directory.", code="patient_not_found")
        return Response(DirectoryPatientSerializer(info).data)


class PatientAccessView(AuditedViewMixin, APIView):
    """Record the caller's time-limited access to this patient, with a reason (audited). With
    PATIENT_ACCESS_REQUIRED, creating an encounter for a directory patient needs one."""

    audit_object_type = "patient_access_grant"
    permission_classes = [IsDoctor]

    @extend_schema(
        request=AccessRequestSerializer,
        responses={201: AccessGrantSerializer, **errors(403, 404), **_DIRECTORY_DOWN},
    )
    def post(self, request, patient_ref: str):
        ser = AccessRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        grant = services.access_grant_create(
            doctor=request.user, patient_ref=patient_ref, **ser.validated_data
        )
        self.audit_extra = {"grant_id": grant.pk, "expires_at": grant.expires_at.isoformat()}
        return Response(AccessGrantSerializer(grant).data, status=status.HTTP_201_CREATED)

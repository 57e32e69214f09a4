from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from soapify.accounts import services, tokens
from soapify.accounts.models import User
from soapify.accounts.serializers import (
    CredentialsSerializer,
    LoginResponseSerializer,
    PasswordChangeSerializer,
    PasswordSetResultSerializer,
    PasswordSetSerializer,
    RefreshSerializer,
    TokenPairSerializer,
    UserCreateSerializer,
    UserSerializer,
    VerifySerializer,
)
from soapify.accounts.throttles import AuthRequestThrottle
from soapify.core.errors import Forbidden
from soapify.core.permissions import is_admin
from soapify.core.schema import errors

_ERR = OpenApiResponse(description="Error body: {error: {code, message, fields?}}")
_THROTTLED = OpenApiResponse(
    description="Too many failed attempts: error body, `Retry-After` header (seconds)"
)
_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before trying again.",
)


class TokenObtainView(APIView):
    """Exchange a username and password for an access and a refresh token.

    Failed passwords are limited per client, per account from a client and per account
    (``accounts.limiter``, shared with HTTP Basic and the admin login): 429 with ``Retry-After``."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRequestThrottle]
    include_user = False

    @extend_schema(
        request=CredentialsSerializer,
        responses={200: TokenPairSerializer, 400: _ERR, 401: _ERR, 429: _THROTTLED},
        parameters=[_RETRY_AFTER],
    )
    def post(self, request):
        ser = CredentialsSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        user = services.user_authenticate(request=request, **ser.validated_data)
        _, refresh = tokens.session_start(user=user, request=request)
        data = tokens.tokens_for(refresh)
        if self.include_user:
            data["user"] = UserSerializer(user).data
        return Response(data)


class LoginView(TokenObtainView):
    """Log in: tokens plus the user."""

    include_user = True

    @extend_schema(
        request=CredentialsSerializer,
        responses={200: LoginResponseSerializer, 400: _ERR, 401: _ERR, 429: _THROTTLED},
        parameters=[_RETRY_AFTER],
    )
    def post(self, request):
        return super().post(request)


class TokenRefreshView(APIView):
    """A new access token (and, with rotation, a new refresh token; the old one is blacklisted)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRequestThrottle]

    @extend_schema(request=RefreshSerializer, responses={200: TokenPairSerializer, 401: _ERR})
    def post(self, request):
        ser = RefreshSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        raw = ser.validated_data["refresh"]
        try:
            from rest_framework_simplejwt.tokens import RefreshToken

            sid = RefreshToken(raw).get("sid")
        except TokenError as exc:
            raise InvalidToken(str(exc)) from None
        if not tokens.session_is_active(sid):
            raise InvalidToken("Token is no longer valid.")
        inner = TokenRefreshSerializer(data={"refresh": raw})
        try:
            inner.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(str(exc)) from None
        return Response(inner.validated_data)


class TokenVerifyView(APIView):
    """200 ``{}`` for a valid, unrevoked token; 401 otherwise."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRequestThrottle]

    @extend_schema(request=VerifySerializer, responses={200: dict, 401: _ERR})
    def post(self, request):
        ser = VerifySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        tokens.token_verify(ser.validated_data["token"])
        return Response({})


class LogoutView(APIView):
    """Revoke the refresh token and every access token issued in the same session."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRequestThrottle]

    @extend_schema(request=RefreshSerializer, responses={200: dict, 401: _ERR})
    def post(self, request):
        ser = RefreshSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        tokens.session_revoke(raw_refresh=ser.validated_data["refresh"])
        return Response({"status": "logged_out"}, status=status.HTTP_200_OK)


class UserViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Admins manage every user; a doctor sees and edits only itself and cannot change its role."""

    def get_queryset(self):
        return User.for_user(self.request.user).order_by("id")

    def get_serializer_class(self):
        return UserCreateSerializer if self.action == "create" else UserSerializer

    @extend_schema(responses={201: UserSerializer, **errors(403)})
    def create(self, request, *args, **kwargs):
        if not is_admin(request.user):
            raise Forbidden("Only administrators can create users.")
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        user = services.user_create(data=dict(ser.validated_data))
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: UserSerializer, **errors(403)})  # a doctor changing its role
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(responses={200: UserSerializer, **errors(403)})
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        ser = self.get_serializer(instance, data=request.data, partial=partial)
        ser.is_valid(raise_exception=True)
        user = services.user_update(actor=request.user, user=instance, data=dict(ser.validated_data))
        return Response(UserSerializer(user).data)

    @extend_schema(responses={200: UserSerializer})
    @action(detail=False, methods=["get"], url_path="me")
    def me(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer, 400: _ERR, 401: _ERR, 429: _THROTTLED},
        parameters=[_RETRY_AFTER],
        description="Change your own password, proving the current one (a wrong one is a 400 and "
        "counts as a failed sign-in attempt; too many are a 429). Every login of the user ends, "
        "this one included; the answer is a new token pair for a new login.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="me/password",
        serializer_class=PasswordChangeSerializer,
        throttle_classes=[AuthRequestThrottle],
    )
    def change_password(self, request):
        ser = PasswordChangeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.user_password_change(request=request, user=request.user, **ser.validated_data)
        _, refresh = tokens.session_start(user=request.user, request=request)
        return Response(tokens.tokens_for(refresh))

    @extend_schema(
        request=PasswordSetSerializer,
        responses={200: PasswordSetResultSerializer, 400: _ERR, 401: _ERR, 403: _ERR, 404: _ERR},
        description="Administrators set another user's password (a reset): every login of that "
        "user ends. Audited. Your own password is changed with POST /api/users/me/password/.",
    )
    @action(detail=True, methods=["post"], url_path="set-password", serializer_class=PasswordSetSerializer)
    def set_password(self, request, pk=None):
        user = self.get_object()
        ser = PasswordSetSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        ended = services.user_password_set(
            request=request, actor=request.user, user=user, new_password=ser.validated_data["new_password"]
        )
        return Response({"status": "password_set", "sessions_ended": ended})

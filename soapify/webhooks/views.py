"""Webhooks API (thin): a user's endpoints, their deliveries, tests, redeliveries, secret rotation."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import ApiError
from soapify.core.schema import errors
from soapify.webhooks import selectors, services
from soapify.webhooks.models import WebhookDelivery, WebhookEndpoint
from soapify.webhooks.serializers import (
    RotateSecretSerializer,
    WebhookCreatedSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookUpdateSerializer,
    WebhookWriteSerializer,
)
from soapify.webhooks.tasks import deliveries_dispatch

_URL_REFUSED = (
    "Validation error, or the URL is refused: `url_invalid`, `url_unresolvable` (the host name "
    "does not resolve), `address_refused` (private, loopback, link-local, multicast or reserved)."
)


def _validated(serializer_class, request, *, empty_ok: bool = False) -> dict:
    data = request.data
    if empty_ok and (data is None or data == {} or data == ""):
        data = {}
    if not isinstance(data, dict):
        raise ApiError("The request body must be a JSON object.", code="validation_error")
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


class WebhookListView(AuditedViewMixin, generics.ListAPIView):
    """The caller's webhooks (newest first); POST subscribes a new receiver."""

    audit_object_type = "webhook"
    serializer_class = WebhookSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return selectors.webhook_list(user=self.request.user)

    @extend_schema(
        request=WebhookWriteSerializer,
        responses={
            201: WebhookCreatedSerializer,
            400: OpenApiResponse(description=_URL_REFUSED),
            **errors(409),
        },
        description=(
            "Subscribe `url` to `events`. The answer carries `secret` (`whsec_…`), the Standard "
            "Webhooks signing key, **shown only here**. 409 `too_many_webhooks` past "
            "`WEBHOOKS_MAX_PER_USER`."
        ),
    )
    def post(self, request):
        data = _validated(WebhookWriteSerializer, request)
        endpoint = services.webhook_create(user=request.user, **data)
        return Response(WebhookCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(AuditedViewMixin, APIView):
    audit_object_type = "webhook"

    @extend_schema(responses={200: WebhookSerializer})
    def get(self, request, pk: int):
        return Response(WebhookSerializer(selectors.webhook_get(user=request.user, pk=pk)).data)

    @extend_schema(
        request=WebhookUpdateSerializer,
        responses={200: WebhookSerializer, 400: OpenApiResponse(description=_URL_REFUSED)},
        description="Change the URL (checked again), events, description, or `is_active` (false stops "
        "deliveries and fails the waiting ones; true re-enables a webhook disabled after failures).",
    )
    def patch(self, request, pk: int):
        endpoint = selectors.webhook_get(user=request.user, pk=pk)
        data = _validated(WebhookUpdateSerializer, request)
        endpoint = services.webhook_update(endpoint=endpoint, **data)
        return Response(WebhookSerializer(endpoint).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.webhook_delete(endpoint=selectors.webhook_get(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretView(AuditedViewMixin, APIView):
    audit_object_type = "webhook"
    audit_action_name = "rotate_secret"

    @extend_schema(
        request=RotateSecretSerializer,
        responses={200: WebhookCreatedSerializer},
        description=(
            "A new signing secret (shown only here). The replaced one keeps signing for "
            "`grace_seconds` (default `WEBHOOKS_SECRET_GRACE_SECONDS`): meanwhile `webhook-signature` "
            "carries both signatures, space-separated, so receivers can switch keys without a gap."
        ),
    )
    def post(self, request, pk: int):
        endpoint = selectors.webhook_get(user=request.user, pk=pk)
        data = _validated(RotateSecretSerializer, request, empty_ok=True)
        endpoint = services.webhook_rotate_secret(endpoint=endpoint, grace_seconds=data.get("grace_seconds"))
        return Response(WebhookCreatedSerializer(endpoint).data)


class WebhookTestView(AuditedViewMixin, APIView):
    audit_object_type = "webhook"
    audit_action_name = "test"

    @extend_schema(
        request=None,
        responses={201: WebhookDeliverySerializer, **errors(409)},
        description="Send a `webhook.test` event to this webhook now; 201 with the delivery (poll "
        "`/api/webhooks/{id}/deliveries/` for its outcome). 409 `webhook_disabled`.",
    )
    def post(self, request, pk: int):
        delivery = services.webhook_test(endpoint=selectors.webhook_get(user=request.user, pk=pk))
        deliveries_dispatch([delivery.pk])
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)


class WebhookDeliveryListView(AuditedViewMixin, generics.ListAPIView):
    """The webhook's deliveries, newest first, each with its attempts and notes (e.g. why the webhook
    was disabled)."""

    audit_object_type = "webhook_delivery"
    audit_action_name = "list"
    serializer_class = WebhookDeliverySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=list(WebhookDelivery.Status.values),
                description="Only deliveries in this state (e.g. `failed`, to redeliver them).",
            )
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        endpoint = selectors.webhook_get(user=self.request.user, pk=self.kwargs["pk"])
        status_filter = self.request.query_params.get("status")
        if status_filter is not None and status_filter not in WebhookDelivery.Status.values:
            raise ApiError(
                f"status must be one of {', '.join(WebhookDelivery.Status.values)}.",
                code="validation_error",
                fields={"status": ["Unknown status."]},
            )
        return selectors.delivery_list(endpoint=endpoint, status=status_filter)


class DeliveryRedeliverView(AuditedViewMixin, APIView):
    audit_object_type = "webhook_delivery"
    audit_action_name = "redeliver"

    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer, **errors(409)},
        description="Send a finished delivery again, with the same `webhook-id` (receivers deduplicate "
        "on it) and a fresh retry schedule. 409 `delivery_in_progress` or `webhook_disabled`.",
    )
    def post(self, request, pk: int):
        delivery = services.delivery_redeliver(delivery=selectors.delivery_get(user=request.user, pk=pk))
        deliveries_dispatch([delivery.pk])
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

"""Checklist API: catalog, templates, evaluations, and the draft's dynamic checklist (thin views)."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from soapify.checklist import selectors, services
from soapify.checklist.models import ChecklistCatalog, ChecklistEval, ChecklistTemplate, ChecklistTemplateItem
from soapify.checklist.serializers import (
    ChecklistCatalogSerializer,
    ChecklistEvalSerializer,
    ChecklistSummarySerializer,
    ChecklistTemplateSerializer,
    DraftChecklistSerializer,
    EvaluateEncounterSerializer,
    ManualStatusSerializer,
)
from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import ApiError, NotFound, error_body
from soapify.core.idempotency import idempotent
from soapify.core.serializers import JobRefSerializer, job_ref
from soapify.encounters.models import Encounter
from soapify.encounters.selectors import encounter_get_own

_ERR = OpenApiResponse(description='Error: {"error": {"code", "message", "fields"?}}')
_WRITE_ERRORS = {400: _ERR, 403: OpenApiResponse(description="A doctor writing global content."), 404: _ERR}


def _catalog_filters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter("category", str, enum=["subjective", "objective", "assessment", "plan", "general"]),
        OpenApiParameter("priority", str, enum=["low", "medium", "high", "critical"]),
        OpenApiParameter("is_active", bool),
        OpenApiParameter("specialty", str),
        OpenApiParameter("search", str, description="Case-insensitive match in the title."),
    ]


@extend_schema_view(
    list=extend_schema(parameters=_catalog_filters(), summary="Catalog items the caller sees (global + own)"),
    create=extend_schema(
        summary="Create a catalog item",
        description="Admins create global items; doctors create private items (visible to themselves only).",
        responses={201: ChecklistCatalogSerializer, 400: _ERR},
    ),
    update=extend_schema(responses={200: ChecklistCatalogSerializer, **_WRITE_ERRORS}),
    partial_update=extend_schema(responses={200: ChecklistCatalogSerializer, **_WRITE_ERRORS}),
    destroy=extend_schema(
        summary="Delete a catalog item",
        description="An item no evaluation uses is deleted (204). An item that evaluations reference is "
        "never deleted, so history stays intact: it is deactivated (`is_active=false`) and the answer is "
        "409 `item_in_use` with `deactivated: true` and the number of `evaluations`.",
        responses={
            204: None,
            403: OpenApiResponse(description="A doctor deleting a global item."),
            404: _ERR,
            409: OpenApiResponse(description="`item_in_use`: deactivated instead of deleted."),
        },
    ),
)
class ChecklistCatalogViewSet(viewsets.ModelViewSet):
    serializer_class = ChecklistCatalogSerializer
    queryset = ChecklistCatalog.objects.none()

    def get_queryset(self):
        qs = ChecklistCatalog.objects.for_user(self.request.user)
        if self.action == "list":
            qs = selectors.catalog_filter(qs, self.request.query_params)
        return qs.order_by("id")

    def perform_create(self, serializer):
        serializer.instance = services.catalog_create(user=self.request.user, data=serializer.validated_data)

    def update(self, request, *args, **kwargs):
        item = self.get_object()
        services.check_writable(user=request.user, obj=item)
        ser = self.get_serializer(item, data=request.data, partial=kwargs.get("partial", False))
        ser.is_valid(raise_exception=True)
        item = services.catalog_update(user=request.user, item=item, data=ser.validated_data)
        return Response(self.get_serializer(item).data)

    def destroy(self, request, *args, **kwargs):
        item = self.get_object()
        outcome = services.catalog_delete(user=request.user, item=item)
        if outcome.deleted:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(
            error_body(
                "item_in_use",
                "This item is used by checklist evaluations, so it was deactivated instead of deleted.",
                deactivated=True,
                evaluations=outcome.evaluations,
            ),
            status=status.HTTP_409_CONFLICT,
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("specialty", str), OpenApiParameter("search", str)],
        summary="Templates the caller sees (global + own)",
    ),
    create=extend_schema(
        summary="Create a template",
        description="Admins create global templates, doctors private ones. `is_default` makes it the "
        "default of its scope (global, or the doctor's own), clearing the previous one.",
        responses={201: ChecklistTemplateSerializer, 400: _ERR, 409: _ERR},
    ),
    update=extend_schema(responses={200: ChecklistTemplateSerializer, **_WRITE_ERRORS, 409: _ERR}),
    partial_update=extend_schema(responses={200: ChecklistTemplateSerializer, **_WRITE_ERRORS, 409: _ERR}),
    destroy=extend_schema(
        description="Deletes the template; evaluations made with it keep their rows (template becomes null).",
        responses={
            204: None,
            403: OpenApiResponse(description="A doctor deleting a global template."),
            404: _ERR,
        },
    ),
)
class ChecklistTemplateViewSet(viewsets.ModelViewSet):
    serializer_class = ChecklistTemplateSerializer
    queryset = ChecklistTemplate.objects.none()

    def get_queryset(self):
        qs = (
            ChecklistTemplate.objects.for_user(self.request.user)
            .annotate(items_count=Count("entries"))
            .prefetch_related(
                Prefetch("entries", queryset=ChecklistTemplateItem.objects.order_by("position", "id"))
            )
        )
        if self.action == "list":
            qs = selectors.template_filter(qs, self.request.query_params)
        return qs.order_by("id")

    def _fresh(self, pk: int) -> ChecklistTemplate:
        return self.get_queryset().get(pk=pk)

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        items = data.pop("catalog_item_ids", None)
        template = services.template_create(user=request.user, data=data, catalog_items=items)
        return Response(self.get_serializer(self._fresh(template.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        template = self.get_object()
        services.check_writable(user=request.user, obj=template)
        ser = self.get_serializer(template, data=request.data, partial=kwargs.get("partial", False))
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        items = data.pop("catalog_item_ids", None)
        services.template_update(user=request.user, template=template, data=data, catalog_items=items)
        return Response(self.get_serializer(self._fresh(template.pk)).data)

    def perform_destroy(self, instance):
        services.template_delete(user=self.request.user, template=instance)

    @extend_schema(
        summary="The template's catalog items, in template order (not paginated)",
        responses={200: ChecklistCatalogSerializer(many=True), 404: _ERR},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def catalog_items(self, request, pk=None):
        template = self.get_object()
        items = selectors.template_items(template=template)
        return Response(ChecklistCatalogSerializer(items, many=True).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("encounter", int, description="Only this encounter's evaluations."),
            OpenApiParameter("status", str, enum=["covered", "partial", "missing", "unclear"]),
        ],
        summary="Evaluations of the caller's encounters",
    ),
    create=extend_schema(
        summary="Record an item by hand",
        description="A manual evaluation (`is_manual`), kept when the encounter is re-evaluated. "
        "404 for an encounter or catalog item out of the caller's scope; 409 `already_evaluated` "
        "when the encounter already has an evaluation of that item.",
        responses={201: ChecklistEvalSerializer, 400: _ERR, 404: _ERR, 409: _ERR},
    ),
    update=extend_schema(
        description="`status` becomes a manual override (kept on re-evaluation); `notes` are free text. "
        "`encounter` and `catalog_item_id` cannot change (400 `immutable_field`).",
        responses={200: ChecklistEvalSerializer, 400: _ERR, 404: _ERR},
    ),
    partial_update=extend_schema(responses={200: ChecklistEvalSerializer, 400: _ERR, 404: _ERR}),
    destroy=extend_schema(responses={204: None, 404: _ERR}),
)
class ChecklistEvalViewSet(AuditedViewMixin, viewsets.ModelViewSet):
    audit_object_type = "checklist_eval"
    serializer_class = ChecklistEvalSerializer
    queryset = ChecklistEval.objects.none()

    def get_queryset(self):
        qs = ChecklistEval.objects.for_user(self.request.user).select_related("catalog_item")
        if self.action == "list":
            qs = selectors.eval_filter(qs, self.request.query_params)
        return qs.order_by("encounter_id", "position", "id")

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        encounter = encounter_get_own(user=request.user, encounter_id=data["encounter_id"])
        item = selectors.catalog_item_for(user=request.user, item_id=data["catalog_item_id"])
        row = services.evaluation_create(
            user=request.user, encounter=encounter, catalog_item=item, status=data["status"],
            notes=data.get("notes", ""),
        )  # fmt: skip
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        row = self.get_object()
        ser = self.get_serializer(row, data=request.data, partial=kwargs.get("partial", False))
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        for name, attr in (("encounter", "encounter_id"), ("catalog_item_id", "catalog_item_id")):
            if attr in data and data[attr] != getattr(row, attr):
                raise ApiError(
                    f"{name} cannot be changed; create a new evaluation instead.",
                    code="immutable_field",
                    fields={name: ["This field cannot be changed."]},
                )
        row = services.evaluation_update(evaluation=row, status=data.get("status"), notes=data.get("notes"))
        return Response(self.get_serializer(row).data)

    def perform_destroy(self, instance):
        services.evaluation_delete(evaluation=instance)

    @extend_schema(
        summary="Evaluate an encounter's transcript against a template (a job)",
        request=EvaluateEncounterSerializer,
        responses={
            201: JobRefSerializer,
            400: _ERR,
            404: OpenApiResponse(description="`encounter_not_found` / `template_not_found` (out of scope)."),
            409: OpenApiResponse(
                description="`no_transcript`: nothing to evaluate yet; `empty_template`; `no_template`."
            ),
        },
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def evaluate_encounter(self, request):
        ser = EvaluateEncounterSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        job = services.checklist_evaluate_start(
            user=request.user,
            encounter_id=ser.validated_data["encounter"],
            template_id=ser.validated_data.get("template"),
        )
        return Response(
            job_ref(job, encounter=job.params["encounter_id"], template=job.params["template_id"]),
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="What the encounter's visit covered: counts, coverage, missing items, questions",
        parameters=[OpenApiParameter("encounter", int, required=True)],
        responses={200: ChecklistSummarySerializer, 400: _ERR, 404: _ERR},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request):
        encounter_id = selectors.int_param(request.query_params, "encounter", required=True)
        encounter = encounter_get_own(user=request.user, encounter_id=encounter_id)
        return Response(services.checklist_summary(encounter=encounter))


# --- the draft's dynamic checklist (/api/nlp/drafts/{encounter_id}/checklist/) -------------------


class _DraftEncounterMixin(AuditedViewMixin):
    audit_object_type = "checklist_eval"
    audit_lookup_kwarg = "encounter_id"

    def encounter(self) -> Encounter:
        return encounter_get_own(user=self.request.user, encounter_id=self.kwargs["encounter_id"])


class DraftChecklistView(_DraftEncounterMixin, generics.GenericAPIView):
    """The draft's dynamic checklist: the encounter's checklist evaluations (the same rows as
    /api/checklist/evaluations/) with the summary figures. Another doctor's encounter: 404."""

    serializer_class = DraftChecklistSerializer

    @extend_schema(responses={200: DraftChecklistSerializer, 404: _ERR})
    def get(self, request, encounter_id: int):
        encounter = self.encounter()
        rows = selectors.encounter_evaluations(encounter=encounter)
        body = {"encounter": encounter.pk, **services.summarize(rows)}
        body["items"] = ChecklistEvalSerializer(rows, many=True).data
        return Response(body)


class DraftChecklistItemView(_DraftEncounterMixin, generics.GenericAPIView):
    """Manual override of one item of the draft checklist. ``item_id`` is the **catalog item id**
    (``catalog_item_id`` of the checklist rows): stable across re-evaluations, and an item not yet
    evaluated can be set too (the row is created, marked manual). The status is kept (``is_manual``)
    when the encounter is re-evaluated."""

    serializer_class = ManualStatusSerializer

    @extend_schema(
        request=ManualStatusSerializer,
        responses={
            200: ChecklistEvalSerializer,
            400: _ERR,
            404: OpenApiResponse(
                description="Encounter out of the caller's scope, or `catalog_item_not_found`: no "
                "catalog item with this id in the caller's scope (item_id is a row's catalog_item_id, "
                "not its id)."
            ),
            409: OpenApiResponse(description="Conflicts with the current state, e.g. a finalized encounter."),
        },
    )
    def put(self, request, encounter_id: int, item_id: int):
        encounter = self.encounter()
        try:
            item = selectors.catalog_item_for(user=request.user, item_id=item_id)
        except NotFound:
            # the usual mistake is the checklist row's ``id``: say which id the path wants
            raise NotFound(
                f"No checklist catalog item {item_id}: item_id is the catalog_item_id of a checklist "
                f"row (items[].catalog_item_id of GET /api/nlp/drafts/{encounter.pk}/checklist/), "
                "not the row's id.",
                code="catalog_item_not_found",
            ) from None
        ser = ManualStatusSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        row = services.evaluation_set_manual(
            user=request.user,
            encounter=encounter,
            catalog_item=item,
            status=ser.validated_data["status"],
            notes=ser.validated_data.get("notes"),
        )
        return Response(ChecklistEvalSerializer(row).data)

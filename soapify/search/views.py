"""Search API: hybrid search, suggestions, analytics and reindexing of the caller's own content."""

from __future__ import annotations

import time

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import ApiError
from soapify.core.jobs import job_find_active, job_start
from soapify.core.pagination import PageNumberPagination
from soapify.core.permissions import is_admin
from soapify.core.serializers import job_ref
from soapify.encounters.selectors import encounter_get_own
from soapify.search import selectors, services
from soapify.search.serializers import (
    AnalyticsParamsSerializer,
    AnalyticsSerializer,
    ReindexRequestSerializer,
    ReindexResponseSerializer,
    SearchHitSerializer,
    SearchParamsSerializer,
    SuggestionParamsSerializer,
    SuggestionsSerializer,
)

_ERR = OpenApiResponse(description="Error body: {error: {code, message, fields?}}")


def _params(serializer_class, data):
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


class SearchView(AuditedViewMixin, APIView):
    """Hybrid (full-text + trigram + semantic) search over the caller's own transcripts, drafts,
    checklist evaluations and notes."""

    audit_object_type = "search"
    audit_action_name = "search"
    pagination_class = PageNumberPagination  # the schema shows the paginated list

    @extend_schema(
        parameters=[SearchParamsSerializer],
        responses={200: SearchHitSerializer(many=True), 400: _ERR, 401: _ERR, 404: _ERR},
    )
    def get(self, request):
        params = _params(SearchParamsSerializer, request.query_params)
        self.audit_id = params.get("encounter_id") or ""
        started = time.perf_counter()
        filters = selectors.Filters(
            encounter_id=params.get("encounter_id"),
            content_type=params.get("content_type"),
            date_from=params.get("date_from"),
            date_to=params.get("date_to"),
        )
        paginator = PageNumberPagination()
        ranked, rows = selectors.search_page(
            user=request.user,
            query=params["q"],
            filters=filters,
            page=paginator.get_page_number_checked(request),
            page_size=paginator.get_page_size(request),
        )
        page = paginator.paginate_queryset(ranked, request, view=self) or []
        missing = [unit_id for unit_id, _ in page if unit_id not in rows]
        if missing:  # the statement's page bounds differ from the paginator's (never expected)
            rows.update(selectors.search_hits(ids=missing, query=params["q"]))
        hits = [{**rows[unit_id], "score": round(score, 6)} for unit_id, score in page if unit_id in rows]
        services.search_log(
            user=request.user,
            query=params["q"],
            results=len(ranked),
            took_ms=(time.perf_counter() - started) * 1000,
        )
        # the hits are already in their response shape (selectors._hit): no serializer copy
        return paginator.get_paginated_response(hits)


class SuggestionsView(APIView):
    """Completions of a prefix from the caller's own indexed words and past searches."""

    @extend_schema(parameters=[SuggestionParamsSerializer], responses={200: SuggestionsSerializer, 400: _ERR})
    def get(self, request):
        params = _params(SuggestionParamsSerializer, request.query_params)
        found = selectors.search_suggestions(user=request.user, prefix=params["q"], limit=params["limit"])
        return Response({"q": params["q"], "suggestions": found})


class AnalyticsView(APIView):
    """The caller's search analytics; for admins, aggregates over everyone without query text."""

    @extend_schema(parameters=[AnalyticsParamsSerializer], responses={200: AnalyticsSerializer, 400: _ERR})
    def get(self, request):
        params = _params(AnalyticsParamsSerializer, request.query_params)
        data = selectors.search_analytics(
            user=request.user, days=params["days"], is_admin=is_admin(request.user)
        )
        return Response(data)


class ReindexView(AuditedViewMixin, APIView):
    """Rebuild one of the caller's encounters in the index (a job; 201 at once)."""

    audit_object_type = "encounter"
    audit_action_name = "reindex"

    @extend_schema(
        request=ReindexRequestSerializer,
        responses={201: ReindexResponseSerializer, 400: _ERR, 401: _ERR, 404: _ERR},
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            raise ApiError("The request body must be a JSON object.", code="validation_error")
        data = _params(ReindexRequestSerializer, request.data)
        encounter = encounter_get_own(user=request.user, encounter_id=data["encounter_id"])
        self.audit_id = encounter.pk
        job = job_find_active(kind=services.REINDEX_JOB, target=encounter) or job_start(
            kind=services.REINDEX_JOB,
            owner=request.user,
            target=encounter,
            params={"encounter_id": encounter.pk},
        )
        return Response(job_ref(job, encounter_id=encounter.pk), status=status.HTTP_201_CREATED)

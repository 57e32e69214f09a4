from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import NotFound
from soapify.encounters import listcache, services
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.serializers import (
    EncounterCreateSerializer,
    EncounterDetailSerializer,
    EncounterSerializer,
)


class EncounterListView(AuditedViewMixin, generics.ListAPIView):
    """The caller's encounters, newest first."""

    audit_object_type = "encounter"
    serializer_class = EncounterSerializer
    _fields = EncounterSerializer.Meta.fields

    def get_queryset(self):
        return Encounter.objects.for_user(self.request.user).order_by("-created_at", "-id")

    @staticmethod
    def auth_prefetch_keys(user_id) -> list[str]:
        # the list version is read together with the login-session check (one cache round trip)
        return [listcache.version_key(user_id)]

    def list(self, request, *args, **kwargs):
        # The hottest read of the API: count, rows and the rendered JSON of each page are cached
        # per doctor list version (see listcache.py); the same output and errors as DRF's
        # page-number pagination.
        paginator = self.paginator
        page_size = paginator.get_page_size(request)
        number = paginator.get_page_number_checked(request)
        doctor_id = request.user.pk
        version = listcache.list_version(doctor_id, getattr(request._request, "prefetched_cache", None))
        url = request.build_absolute_uri()
        renderer = request.accepted_renderer
        if (
            not isinstance(renderer, JSONRenderer)  # e.g. the browsable API (DEBUG)
            or request.accepted_media_type != renderer.media_type  # e.g. "; indent=4"
            or not _canonical_query(request.query_params, number, page_size)
        ):
            return Response(self._page(doctor_id, version, url, number, page_size))
        body = listcache.cached(
            doctor_id,
            version,
            f"json:{page_size}:{number}:{url}",
            lambda: renderer.render(self._page(doctor_id, version, url, number, page_size)),
        )
        return HttpResponse(body, content_type=renderer.media_type)

    def _page(self, doctor_id: int, version: str | None, url: str, number: int | str, page_size: int) -> dict:
        # querysets are built only on a cache miss (building one costs more than a cache read)
        count = listcache.cached(doctor_id, version, "count", lambda: self.get_queryset().count())
        last = max(1, -(-count // page_size))
        if number == "last":
            number = last
        if number > last:
            raise NotFound("That page does not exist.", code="page_not_found")
        offset = (number - 1) * page_size

        def rows() -> list[dict]:
            page = list(self.get_queryset().values(*self._fields)[offset : offset + page_size])
            for row in page:
                row["created_at"] = _iso(row["created_at"])
                row["updated_at"] = _iso(row["updated_at"])
            return page

        results = listcache.cached(doctor_id, version, f"page:{offset}:{page_size}", rows)
        next_url = replace_query_param(url, "page", number + 1) if number < last else None
        if number <= 1:
            previous_url = None
        elif number == 2:
            previous_url = remove_query_param(url, "page")
        else:
            previous_url = replace_query_param(url, "page", number - 1)
        return {"count": count, "next": next_url, "previous": previous_url, "results": results}


def _canonical_query(params, number: int | str, page_size: int) -> bool:
    """Only ``page`` and ``page_size``, once each, written canonically: the URLs whose pages are
    cached (a page is cached per URL, so any other query would make a cache entry per request)."""
    allowed = {"page": {str(number), "last"}, "page_size": {str(page_size)}}
    return all(
        name in allowed and len(values) == 1 and values[0] in allowed[name] for name, values in params.lists()
    )


def _iso(value) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class EncounterCreateView(AuditedViewMixin, generics.CreateAPIView):
    audit_object_type = "encounter"
    serializer_class = EncounterCreateSerializer

    @extend_schema(request=EncounterCreateSerializer, responses={201: EncounterDetailSerializer})
    def post(self, request, *args, **kwargs):
        ser = EncounterCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        encounter = services.encounter_create(doctor=request.user, **ser.validated_data)
        return Response(EncounterDetailSerializer(encounter).data, status=status.HTTP_201_CREATED)


class EncounterDetailView(AuditedViewMixin, generics.RetrieveAPIView):
    """One encounter with its audio chunks and processing status. Another doctor's: 404."""

    audit_object_type = "encounter"
    serializer_class = EncounterDetailSerializer
    lookup_url_kwarg = "encounter_id"

    def get_queryset(self):
        return Encounter.objects.for_user(self.request.user).prefetch_related(
            Prefetch("chunks", queryset=AudioChunk.objects.order_by("chunk_number"))
        )

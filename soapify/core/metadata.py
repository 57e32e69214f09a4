"""``OPTIONS`` answers: DRF's simple metadata without its object lookup.

DRF's ``SimpleMetadata`` calls ``view.get_object()`` for PUT to test object permissions. Our views
scope objects in selectors (most have no ``queryset`` for ``get_object`` to use, so it failed with a
500), and a lookup there would read patient data outside the audited request path. ``OPTIONS``
describes the request bodies a caller with the view's permissions may send; whether one object is
in the caller's scope is answered by the real request (404 otherwise).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


class Metadata(SimpleMetadata):
    def determine_actions(self, request, view) -> dict:
        actions = {}
        for method in sorted({"PUT", "POST"} & set(view.allowed_methods)):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
            except (exceptions.APIException, PermissionDenied, Http404):
                continue
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
        return actions

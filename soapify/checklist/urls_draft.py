"""Mounted under ``api/nlp/`` before the NLP app's own URLs: the draft's dynamic checklist."""

from django.urls import path

from soapify.checklist.views import DraftChecklistItemView, DraftChecklistView

urlpatterns = [
    path("drafts/<int:encounter_id>/checklist/", DraftChecklistView.as_view(), name="draft-checklist"),
    path(
        "drafts/<int:encounter_id>/checklist/<int:item_id>/",
        DraftChecklistItemView.as_view(),
        name="draft-checklist-item",
    ),
]

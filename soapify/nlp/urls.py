"""Mounted under ``api/nlp/`` (after the checklist's ``drafts/<id>/checklist/`` routes)."""

from django.urls import path

from soapify.nlp.views import DraftDetailView, GenerateView, UpdateSectionView

urlpatterns = [
    path("generate/<int:encounter_id>/", GenerateView.as_view(), name="nlp-generate"),
    path("drafts/<int:encounter_id>/", DraftDetailView.as_view(), name="nlp-draft"),
    path("drafts/<int:encounter_id>/update-section/", UpdateSectionView.as_view(), name="nlp-update-section"),
]

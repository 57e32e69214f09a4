from django.urls import path

from soapify.stt import views

urlpatterns = [
    path(
        "<int:encounter_id>/transcript/",
        views.TypedTranscriptView.as_view(),
        name="encounter-typed-transcript",
    ),
]

from django.urls import path

from soapify.stt import views

urlpatterns = [
    path("transcribe/", views.TranscribeView.as_view(), name="stt-transcribe"),
    path("transcript/segment/<int:segment_id>/", views.SegmentEditView.as_view(), name="stt-segment-edit"),
    # GET: id = audio chunk id; PUT: id = segment id (the seed shares the path pattern).
    path("transcript/<int:id>/", views.ChunkTranscriptView.as_view(), name="stt-chunk-transcript"),
    path("encounter/<int:encounter_id>/process/", views.EncounterProcessView.as_view(), name="stt-process"),
    path(
        "encounter/<int:encounter_id>/transcript/",
        views.EncounterTranscriptView.as_view(),
        name="stt-encounter-transcript",
    ),
    path("search/", views.SearchView.as_view(), name="stt-search"),
]

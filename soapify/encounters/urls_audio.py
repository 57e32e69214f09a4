from django.urls import path

from soapify.encounters import views_audio

urlpatterns = [
    path("presigned-url/", views_audio.PresignedUrlView.as_view(), name="audio-presigned-url"),
    path("commit/", views_audio.AudioCommitView.as_view(), name="audio-commit"),
    path("upload/<str:token>/", views_audio.signed_upload, name="audio-signed-upload"),
]

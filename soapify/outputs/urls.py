from django.urls import path

from soapify.outputs import views

urlpatterns = [
    path("finalize/", views.FinalizeView.as_view(), name="outputs-finalize"),
    path("finalized/<int:encounter_id>/", views.FinalizedNoteView.as_view(), name="outputs-finalized"),
    path("files/<int:encounter_id>/", views.FileListView.as_view(), name="outputs-files"),
    path("download/<int:file_id>/", views.DownloadView.as_view(), name="outputs-download"),
    path("file/<str:token>/", views.SignedFileView.as_view(), name="outputs-file"),
    path("link-patient/", views.LinkCreateView.as_view(), name="outputs-link-patient"),
    path("links/", views.LinkListView.as_view(), name="outputs-links"),
    path("links/<uuid:link_id>/revoke/", views.LinkRevokeView.as_view(), name="outputs-link-revoke"),
    path("access/<str:link_id>/", views.AccessView.as_view(), name="outputs-access"),
]

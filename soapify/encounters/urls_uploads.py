from django.urls import path

from soapify.encounters import views_uploads as v

urlpatterns = [
    path("session/create/", v.SessionCreateView.as_view(), name="uploads-session-create"),
    path("session/<str:session_id>/", v.SessionStatusView.as_view(), name="uploads-session"),
    path("chunk/", v.ChunkUploadView.as_view(), name="uploads-chunk"),
    path("commit/", v.SessionCommitView.as_view(), name="uploads-commit"),
    path("final/<str:session_id>/", v.FinalView.as_view(), name="uploads-final"),
    path("s3/presign/", v.S3PresignView.as_view(), name="uploads-s3-presign"),
    path("s3/confirm/", v.S3ConfirmView.as_view(), name="uploads-s3-confirm"),
]

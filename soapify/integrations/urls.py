from django.urls import path

from . import views

urlpatterns = [
    path("health/", views.IntegrationsHealthView.as_view(), name="integrations-health"),
    path("otp/send/", views.OTPSendView.as_view(), name="integrations-otp-send"),
    path("otp/verify/", views.OTPVerifyView.as_view(), name="integrations-otp-verify"),
    path("session/status/", views.SessionStatusView.as_view(), name="integrations-session-status"),
    path("session/extend/", views.SessionExtendView.as_view(), name="integrations-session-extend"),
    path("logout/", views.WindowLogoutView.as_view(), name="integrations-logout"),
    path("patients/search/", views.PatientSearchView.as_view(), name="integrations-patient-search"),
    path(
        "patients/<str:patient_ref>/info/", views.PatientInfoView.as_view(), name="integrations-patient-info"
    ),
    path(
        "patients/<str:patient_ref>/access/",
        views.PatientAccessView.as_view(),
        name="integrations-patient-access",
    ),
]

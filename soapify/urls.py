from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from soapify.accounts.urls import auth_urlpatterns
from soapify.core import views as core_views
from soapify.core.errors import json_error_view, server_error

urlpatterns = [
    path("api/auth/", include(auth_urlpatterns)),
    path("api/", include("soapify.accounts.urls")),
    path("api/encounters/", include("soapify.encounters.urls")),
    path("api/encounters/", include("soapify.stt.urls_encounter")),
    path("api/audio/", include("soapify.encounters.urls_audio")),
    path("api/uploads/", include("soapify.encounters.urls_uploads")),
    path("api/stt/", include("soapify.stt.urls")),
    path("api/nlp/", include("soapify.checklist.urls_draft")),
    path("api/nlp/", include("soapify.nlp.urls")),
    path("api/checklist/", include("soapify.checklist.urls")),
    path("api/outputs/", include("soapify.outputs.urls")),
    path("api/search/", include("soapify.search.urls")),
    path("api/integrations/", include("soapify.integrations.urls")),
    path("api/analytics/", include("soapify.analytics.urls")),
    path("api/webhooks/", include("soapify.webhooks.urls")),
    path("adminplus/api/", include("soapify.adminplus.urls")),
    path("api/jobs/<uuid:job_id>/", core_views.JobDetailView.as_view(), name="job-detail"),
    path("api/ping/", core_views.PingView.as_view(), name="ping"),
    path("", core_views.index, name="index"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("", include("soapify.analytics.urls_metrics")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("django-admin/", admin.site.urls),
]

handler404 = json_error_view(404, "not_found", "Not found.")
handler500 = server_error  # 503 database_unavailable when the database is unreachable
handler400 = json_error_view(400, "bad_request", "Bad request.")
handler403 = json_error_view(403, "permission_denied", "Forbidden.")

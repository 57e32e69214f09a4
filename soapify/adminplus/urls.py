from django.urls import path

from soapify.adminplus import views

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="adminplus-health"),
    path("logs/", views.LogListView.as_view(), name="adminplus-logs"),
    path("tasks/", views.TaskListView.as_view(), name="adminplus-tasks"),
    path("tasks/stats/", views.TaskStatsView.as_view(), name="adminplus-task-stats"),
    path("tasks/cancel/", views.TaskCancelView.as_view(), name="adminplus-task-cancel"),
    path("tasks/retry/", views.TaskRetryView.as_view(), name="adminplus-task-retry"),
    path("tasks/<uuid:job_id>/", views.TaskDetailView.as_view(), name="adminplus-task-detail"),
    path("export/", views.ExportView.as_view(), name="adminplus-export"),
    path(
        "export/<uuid:export_id>/download/",
        views.ExportDownloadView.as_view(),
        name="adminplus-export-download",
    ),
    path("export/file/", views.ExportFileView.as_view(), name="adminplus-export-file"),
]

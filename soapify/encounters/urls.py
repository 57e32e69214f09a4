from django.urls import path

from soapify.encounters import views

urlpatterns = [
    path("", views.EncounterListView.as_view(), name="encounter-list"),
    path("create/", views.EncounterCreateView.as_view(), name="encounter-create"),
    path("<int:encounter_id>/", views.EncounterDetailView.as_view(), name="encounter-detail"),
]

from django.urls import path

from soapify.search import views

urlpatterns = [
    path("", views.SearchView.as_view(), name="search"),
    path("suggestions/", views.SuggestionsView.as_view(), name="search-suggestions"),
    path("analytics/", views.AnalyticsView.as_view(), name="search-analytics"),
    path("reindex/", views.ReindexView.as_view(), name="search-reindex"),
]

from django.urls import path

from soapify.webhooks import views

urlpatterns = [
    path("", views.WebhookListView.as_view(), name="webhook-list"),
    path("<int:pk>/", views.WebhookDetailView.as_view(), name="webhook-detail"),
    path("<int:pk>/deliveries/", views.WebhookDeliveryListView.as_view(), name="webhook-deliveries"),
    path("<int:pk>/test/", views.WebhookTestView.as_view(), name="webhook-test"),
    path("<int:pk>/rotate-secret/", views.WebhookRotateSecretView.as_view(), name="webhook-rotate-secret"),
    path("deliveries/<int:pk>/redeliver/", views.DeliveryRedeliverView.as_view(), name="webhook-redeliver"),
]

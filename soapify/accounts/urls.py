from django.urls import path
from rest_framework.routers import SimpleRouter

from soapify.accounts import views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")

auth_urlpatterns = [
    path("token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("token/verify/", views.TokenVerifyView.as_view(), name="token-verify"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
]

urlpatterns = router.urls

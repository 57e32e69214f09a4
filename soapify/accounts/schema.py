"""drf-spectacular: describe our JWT authentication as the standard bearer scheme."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class SessionJWTScheme(SimpleJWTScheme):
    target_class = "soapify.accounts.authentication.SessionJWTAuthentication"
    name = "jwtAuth"

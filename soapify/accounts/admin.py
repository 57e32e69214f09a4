"""The Django admin's site, with its login behind the sign-in limiter.

The admin login form authenticates through ``LimitedModelBackend`` like every other way in, so its
failed attempts count with the token, login and HTTP Basic ones; once a limit is reached the
backend refuses before checking the password and this site answers 429 with ``Retry-After`` in
the API's error shape. Installed as the default admin site by ``AdminConfig`` (``INSTALLED_APPS``
names it instead of ``django.contrib.admin``), so ``admin.site`` and every registration use it.

Nothing here imports models at module level: Django imports this module while it loads apps.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        from django.http import JsonResponse

        from soapify.accounts.limiter import AttemptsRefused
        from soapify.core.errors import error_body

        try:
            return super().login(request, extra_context)
        except AttemptsRefused as exc:
            wait = int(exc.wait or 1)
            body = error_body("throttled", "Too many failed sign-in attempts; retry later.", retry_after=wait)
            return JsonResponse(body, status=429, headers={"Retry-After": str(wait)})


class AdminConfig(DjangoAdminConfig):
    default_site = "soapify.accounts.admin.AdminSite"

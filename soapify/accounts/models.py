from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class Role(models.TextChoices):
        DOCTOR = "doctor"
        ADMIN = "admin"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.DOCTOR)
    phone_number = models.CharField(max_length=20, blank=True, default="")
    # a name in settings.RATE_LIMIT_PROFILES, set by admins; empty: "admin" for admins, else "default"
    rate_profile = models.CharField(max_length=32, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.is_superuser:
            self.role = self.Role.ADMIN
        self.is_staff = self.role == self.Role.ADMIN
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @classmethod
    def for_user(cls, user):
        if not user or not user.is_authenticated:
            return cls.objects.none()
        if user.is_admin:
            return cls.objects.all()
        return cls.objects.filter(pk=user.pk)


class AuthSession(models.Model):
    """A login: every token issued from it carries its ``sid``; logout revokes them all at once."""

    sid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_sessions")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    kind = models.CharField(max_length=16, default="password")
    # The end of a session window (integrations): from then on its tokens are refused even before
    # the periodic task revokes it. Null: no window (a password login ends with its tokens).
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"session {self.sid} of user {self.user_id}"

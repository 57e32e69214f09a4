"""Integrations: the local patient directory, access grants, one-time codes and session windows."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils import timezone


class DirectoryPatient(models.Model):
    """A patient of the local directory (the ``local`` engine): demo rows and CSV imports.

    ``name_search`` is the normalised name (lower case, Persian letter forms, no ZWNJ), from which
    PostgreSQL keeps ``search`` (a ``simple`` tsvector, GIN-indexed) for prefix searches by name.
    """

    class Sex(models.TextChoices):
        FEMALE = "female"
        MALE = "male"
        OTHER = "other"
        UNKNOWN = "unknown"

    ref = models.CharField(max_length=64, unique=True, db_collation="C")  # byte order: prefix ranges
    full_name = models.CharField(max_length=200)
    national_id = models.CharField(max_length=20, blank=True, default="", db_index=True)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    name_search = models.CharField(max_length=200, default="", editable=False)
    search = models.GeneratedField(
        expression=SearchVector("name_search", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ref"]
        indexes = [
            GinIndex(fields=["search"], name="integ_dirpatient_search"),
        ]

    def __str__(self) -> str:
        return self.ref

    def save(self, *args, **kwargs):
        from soapify.integrations.masking import normalize_name

        self.name_search = normalize_name(self.full_name)
        super().save(*args, **kwargs)


class PatientAccessGrantQuerySet(models.QuerySet):
    def for_user(self, user) -> PatientAccessGrantQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(doctor=user)

    def active(self) -> PatientAccessGrantQuerySet:
        return self.filter(expires_at__gt=timezone.now())


class PatientAccessGrant(models.Model):
    """A doctor's time-limited access to one directory patient, given for a stated reason."""

    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_access_grants"
    )
    patient_ref = models.CharField(max_length=64)
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    objects = PatientAccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["doctor", "patient_ref", "expires_at"], name="integ_grant_lookup")]

    def __str__(self) -> str:
        return f"grant {self.pk}: user {self.doctor_id} -> {self.patient_ref}"


class OTPCode(models.Model):
    """One code sent by SMS. The number and the code are stored only as keyed hashes.

    A row is made for every accepted send, whether or not the number belongs to a user (``user``
    is then empty and the row can never sign anyone in), so every number behaves the same.
    ``attempts`` counts verification tries (claimed with a conditional UPDATE before the code is
    compared); ``used_at`` is set by exactly one successful verification; ``locked_until`` is set
    when the last allowed try failed and locks the number until then.
    """

    phone_digest = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=128)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phone_digest", "-created_at"], name="integ_otp_phone")]

    def __str__(self) -> str:
        return f"otp {self.pk}"


class SessionWindow(models.Model):
    """The time window of a login made with a one-time code (an ``AuthSession`` of kind ``otp``).

    ``expires_at`` moves forward with each extension (idle limit), never past
    ``absolute_expires_at``. Ending the window revokes its ``AuthSession``, which ends every token
    of it at once (``accounts.authentication``)."""

    session = models.OneToOneField(
        "accounts.AuthSession", primary_key=True, on_delete=models.CASCADE, related_name="window"
    )
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    absolute_expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="integ_window_expiry")]

    def __str__(self) -> str:
        return f"window of {self.session_id}"

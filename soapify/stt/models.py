from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from soapify.core.models import TimeStampedModel
from soapify.encounters.models import AudioChunk, Encounter


class ChunkTranscription(TimeStampedModel):
    """The transcription state of one audio chunk: which engine, when, and how it ended."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    chunk = models.OneToOneField(AudioChunk, on_delete=models.CASCADE, related_name="transcription")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    engine = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=128, blank=True, default="")
    engine_version = models.CharField(max_length=64, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="")
    error = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    real_time_factor = models.FloatField(null=True, blank=True)
    #: The chunk's ``start_offset`` the stored segment times are based on; when an earlier chunk
    #: commits late and shifts this chunk on the timeline, its segments are moved by the difference.
    offset = models.FloatField(default=0.0)
    #: How many times a transcription of this chunk was started (re-runs and take-overs included).
    runs = models.PositiveIntegerField(default=0)
    #: Segments a doctor had edited that a forced re-transcription replaced, oldest first:
    #: ``{id, start, end, text, original_text, edited_by, edited_at, replaced_at}``. Only ever
    #: appended to, so no correction a doctor wrote is lost.
    replaced_edits = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"transcription of chunk {self.chunk_id}: {self.status}"


class SegmentQuerySet(models.QuerySet):
    def for_user(self, user) -> SegmentQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(encounter__doctor=user)

    def in_visit_order(self) -> SegmentQuerySet:
        # typed segments (no chunk) first by index; audio segments by chunk order then time
        return self.order_by(models.F("chunk__chunk_number").asc(nulls_first=True), "start", "index", "id")


class TranscriptSegment(models.Model):
    """One segment of a visit's transcript, from a chunk's audio (``source=stt``) or typed in
    (``source=typed``, no chunk). Times are seconds on the encounter's timeline."""

    class Source(models.TextChoices):
        STT = "stt"
        TYPED = "typed"

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="segments")
    chunk = models.ForeignKey(
        AudioChunk, on_delete=models.CASCADE, null=True, blank=True, related_name="segments"
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STT)
    index = models.PositiveIntegerField(default=0)
    start = models.FloatField(default=0.0)
    end = models.FloatField(default=0.0)
    text = models.TextField()
    original_text = models.TextField(blank=True, default="")
    confidence = models.FloatField(null=True, blank=True)
    speaker = models.CharField(max_length=32, blank=True, null=True)
    #: the diarizer's speaker number within the encounter (0 = the first to speak); None: not diarized
    speaker_index = models.PositiveSmallIntegerField(null=True, blank=True)
    #: the diarizer's embedding of this segment's voice (cached so re-diarizing the encounter after a
    #: new chunk embeds only new segments); None: not computed yet, []: too little speech to embed
    speaker_embedding = models.JSONField(null=True, blank=True, default=None)
    words = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, blank=True, default="")
    engine = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=128, blank=True, default="")
    engine_version = models.CharField(max_length=64, blank=True, default="")
    edited = models.BooleanField(default=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["encounter_id", "start", "index", "id"]
        indexes = [
            models.Index(fields=["encounter", "chunk", "index"]),
            GinIndex(fields=["search_vector"], name="stt_segment_search_gin"),
        ]

    def __str__(self) -> str:
        return f"segment {self.pk} of encounter {self.encounter_id}"


class ChunkWindow(models.Model):
    """One window of a long chunk, transcribed as its own job (queue ``stt_bulk``) so that several
    worker processes work on one recording at once. The chunk's segments are written only when every
    window of the current run (``generation`` = the transcription's ``runs``) is done; a window's
    segments are kept here until then, in seconds from the start of the chunk."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    transcription = models.ForeignKey(ChunkTranscription, on_delete=models.CASCADE, related_name="windows")
    generation = models.PositiveIntegerField()
    index = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    keep_from = models.FloatField()
    #: None: to the end of the chunk (the last window)
    keep_to = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(max_length=8, blank=True, default="")
    #: the window's segments: ``{start, end, text, confidence, speaker, words: [{start, end, text,
    #: confidence}]}`` in chunk seconds
    segments = models.JSONField(default=list, blank=True)
    engine = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=128, blank=True, default="")
    engine_version = models.CharField(max_length=64, blank=True, default="")
    #: seconds the engine spent on this window (for the chunk's real-time factor)
    elapsed = models.FloatField(default=0.0)
    attempts = models.PositiveIntegerField(default=0)
    error = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transcription", "index"], name="stt_window_unique_index")
        ]
        ordering = ["transcription_id", "index"]

    def __str__(self) -> str:
        return f"window {self.index} of chunk transcription {self.transcription_id}: {self.status}"


class EncounterSpeakers(models.Model):
    """Who the diarized speakers of an encounter are. ``corrections`` (``{"<speaker_index>": label}``)
    are a doctor's corrections; they are applied after every diarization, so they stick through
    re-transcription."""

    encounter = models.OneToOneField(Encounter, on_delete=models.CASCADE, related_name="speakers")
    engine = models.CharField(max_length=64, blank=True, default="")
    #: the labels last applied, ``{"<speaker_index>": "doctor" | "patient" | "other"}``
    labels = models.JSONField(default=dict, blank=True)
    corrections = models.JSONField(default=dict, blank=True)
    diarized_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"speakers of encounter {self.encounter_id}"

"""The fences of the writes a cancelled job must not leave behind.

A running job that is cancelled stops at its next checkpoint (``core.jobs.job_set_progress`` /
``job_checkpoint``). Its final write is fenced too: ``core.jobs.job_fence`` runs inside the write's
transaction, locks the job's row and rolls the write back when the job was cancelled (or the
attempt replaced). It is connected here to the signals of the writes that make a job's output
visible:

* the STT run's segments (``core.signals.content_changed``, sent inside the transaction that
  replaces a chunk's segments; also a typed transcript and a checklist evaluation);
* a SOAP draft (``pre_save`` of ``nlp.Draft``: generation, inside its transaction);
* a finalized note and its files (``pre_save`` of ``outputs.FinalizedNote`` and ``OutputFile``).

Outside a worker's job (a web request) the fence does nothing.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import pre_save

from soapify.core.jobs import job_fence
from soapify.core.signals import content_changed

#: (app label, model) whose saves are fenced
FENCED_MODELS = (("nlp", "Draft"), ("outputs", "FinalizedNote"), ("outputs", "OutputFile"))


def fence(sender: Any = None, **kwargs: Any) -> None:
    job_fence()


def connect() -> None:
    content_changed.connect(fence, dispatch_uid="adminplus.fence.content_changed")
    for label, name in FENCED_MODELS:
        model = apps.get_model(label, name)
        pre_save.connect(fence, sender=model, dispatch_uid=f"adminplus.fence.{label}.{name}")

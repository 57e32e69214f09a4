"""Renderers of a finalized note: Markdown, PDF (doctor and patient), FHIR R4, patient view."""

from .base import NoteDocument
from .fhir import render_fhir
from .markdown import render_markdown
from .patient import patient_html, patient_view
from .pdf import render_doctor_pdf, render_patient_pdf

__all__ = [
    "NoteDocument",
    "patient_html",
    "patient_view",
    "render_doctor_pdf",
    "render_fhir",
    "render_markdown",
    "render_patient_pdf",
]

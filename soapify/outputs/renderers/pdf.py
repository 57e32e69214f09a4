"""PDFs with fpdf2: the doctor's record and the patient's plain-language summary.

Text goes through HarfBuzz (``uharfbuzz``) shaping and fpdf2's Unicode bidi algorithm, with the
bundled Vazirmatn font (Persian and Latin), so Persian, English and digits mix correctly. Persian
documents are laid out right-to-left: paragraphs right-aligned, table columns mirrored.

fpdf2 subsets each font in place when it writes a document, so a parsed font cannot be shared
between documents; parsing is lazy and costs a few milliseconds per document.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, TextDirection, XPos, YPos

from soapify.core.draft_schema import SECTIONS

from .base import (
    NoteDocument,
    clean,
    coverage_line,
    format_date,
    has_rtl,
    isolate_ltr_runs,
    item_line,
    kind_label,
    label,
    list_sep,
    medication_headers,
    medication_row,
    medications,
    missing_critical,
    section,
    vital_rows,
)
from .patient import patient_view

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_FAMILY = "Vazirmatn"
FONT_FILES = {"": FONT_DIR / "Vazirmatn-Regular.ttf", "B": FONT_DIR / "Vazirmatn-Bold.ttf"}

GREY = (110, 110, 110)
BLACK = (20, 20, 20)
ACCENT = (30, 80, 140)
WARN_TEXT = (150, 20, 20)
WARN_FILL = (253, 236, 234)
SAFETY_FILL = (255, 244, 229)
HEAD_FILL = (232, 238, 246)
ZEBRA_FILL = (246, 246, 246)

# fontTools logs every glyph of every font subset at INFO: hundreds of lines per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class DocumentPDF(FPDF):
    """A4 page, Vazirmatn, shaping on, direction from the document's language, a footer line."""

    def __init__(self, *, rtl: bool, title: str, footer_text: str, page_word: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.rtl = rtl
        self.footer_text = footer_text
        self.page_word = page_word
        for style, path in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_lang("fa" if rtl else "en")
        self.set_creator("SOAPify")
        self.set_font(FONT_FAMILY, size=10)
        self.set_text_color(*BLACK)

    @property
    def align(self) -> Align:
        return Align.R if self.rtl else Align.L

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text}  ·  {self.page_word} {self.page_no()}", align=Align.C)
        self.set_text_color(*BLACK)

    # ------------------------------------------------------------------------------ building blocks

    def para(
        self,
        text: str,
        *,
        size: float = 10,
        bold: bool = False,
        color: tuple[int, int, int] = BLACK,
        height: float = 5.2,
        fill: tuple[int, int, int] | None = None,
        align: Align | None = None,
    ) -> None:
        if not text:
            return
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)
        if fill:
            self.set_fill_color(*fill)
        self._direction_for(text)
        self.multi_cell(
            0,
            height,
            self._bidi_ready(text),
            align=align or self.align,
            fill=fill is not None,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self._direction_for("")
        self.set_text_color(*BLACK)

    def heading(self, text: str, *, size: float = 12.5) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(2.5)
        self.para(text, size=size, bold=True, color=ACCENT, height=7)
        y = self.get_y()
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.3)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(1.5)

    def bullets(self, lines: Sequence[str], *, size: float = 10) -> None:
        for line in lines:
            self.para(f"•  {line}", size=size)

    def rule(self) -> None:
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)

    def grid(self, headers: list[str], rows: list[list[str]], widths: Sequence[float]) -> None:
        """A table with wrapped cells; columns are mirrored for right-to-left documents.

        Drawn cell by cell (not with ``FPDF.table``) so that each cell gets its own text direction:
        a Latin-only value such as ``88 /min`` stays left-to-right inside a Persian table.
        """
        scale = self.epw / sum(widths)
        col_widths = [w * scale for w in widths]
        if self.rtl:
            headers, rows, col_widths = headers[::-1], [r[::-1] for r in rows], col_widths[::-1]
        self.ln(1)
        self.set_draw_color(*GREY)
        self.set_line_width(0.15)
        self._grid_row(headers, col_widths, bold=True, fill=HEAD_FILL)
        for i, row in enumerate(rows):
            self._grid_row(
                [c or "—" for c in row], col_widths, bold=False, fill=ZEBRA_FILL if i % 2 else None
            )
        self.ln(2)

    def _grid_row(
        self, cells: Sequence[str], widths: Sequence[float], *, bold: bool, fill: tuple[int, int, int] | None
    ) -> None:
        pad, line_h = 1.5, 4.8
        self.set_font(FONT_FAMILY, "B" if bold else "", 9)
        heights = []
        for text, w in zip(cells, widths, strict=True):
            self._direction_for(text)
            height = self.multi_cell(
                w - 2 * pad, line_h, self._bidi_ready(text), dry_run=True, output=MethodReturnValue.HEIGHT
            )
            heights.append(cast(float, height))
        row_h = max(heights) + 2 * pad
        if self.get_y() + row_h > self.page_break_trigger:
            self.add_page()
        x, y = self.l_margin, self.get_y()
        if fill:
            self.set_fill_color(*fill)
        for text, w in zip(cells, widths, strict=True):
            self.rect(x, y, w, row_h, style="DF" if fill else "D")
            self.set_xy(x + pad, y + pad)
            self._direction_for(text)
            self.multi_cell(
                w - 2 * pad,
                line_h,
                self._bidi_ready(text),
                align=self.align,
                new_x=XPos.RIGHT,
                new_y=YPos.TOP,
            )
            x += w
        self._direction_for("")
        self.set_xy(self.l_margin, y + row_h)

    def _bidi_ready(self, text: str) -> str:
        """Numbers with their units kept in reading order inside right-to-left paragraphs."""
        return isolate_ltr_runs(text) if self.rtl and has_rtl(text) else text

    def _direction_for(self, text: str) -> None:
        """Right-to-left paragraphs in Persian documents, except for text without any RTL letter."""
        rtl = self.rtl and (not text or has_rtl(text))
        direction = TextDirection.RTL if rtl else TextDirection.LTR
        if self.text_shaping and self.text_shaping.get("direction") != direction:
            self.set_text_shaping(use_shaping_engine=True, direction=direction)


def _new_pdf(note: NoteDocument, title: str) -> DocumentPDF:
    pdf = DocumentPDF(
        rtl=note.rtl,
        title=title,
        footer_text=f"{clean(note.letterhead.get('clinic_name')) or 'SOAPify'}  ·  {note.patient_ref}",
        page_word=label(note, "page"),
    )
    pdf.add_page()
    return pdf


def _letterhead(pdf: DocumentPDF, note: NoteDocument) -> None:
    lh = note.letterhead or {}
    if clean(lh.get("clinic_name")):
        pdf.para(clean(lh.get("clinic_name")), size=15, bold=True, color=ACCENT, height=7)
    for key in ("address", "phone"):  # one line each: a phone number stays whole in a Persian line
        pdf.para(clean(lh.get(key)), size=9, color=GREY, height=4.6)
    pdf.ln(1)
    pdf.rule()


def _meta(pdf: DocumentPDF, note: NoteDocument) -> None:
    patient = f"{note.patient_name} ({note.patient_ref})" if note.patient_name else note.patient_ref
    pdf.para(f"{label(note, 'patient')}: {patient}", size=10, bold=True)
    pdf.para(
        f"{label(note, 'date')}: {format_date(note.date)}    {label(note, 'doctor')}: {note.doctor_name}"
    )
    pdf.para(
        f"{label(note, 'encounter')}: {note.encounter_id}    "
        f"{label(note, 'note')}: {note.note_id} ({label(note, 'version')} {note.version})",
        size=8.5,
        color=GREY,
    )


def _warning(pdf: DocumentPDF, note: NoteDocument) -> None:
    missing = missing_critical(note)
    if missing:
        pdf.ln(2)
        text = f"{label(note, 'missing_critical')}: {list_sep(note).join(missing)}\n{label(note, 'missing_critical_help')}"
        pdf.para(text, size=9.5, bold=True, color=WARN_TEXT, fill=WARN_FILL)
    cov = coverage_line(note)
    if cov:
        pdf.para(cov, size=8.5, color=GREY)


def _section(pdf: DocumentPDF, note: NoteDocument, name: str) -> None:
    sec = section(note, name)
    pdf.heading(label(note, name))
    if sec["text"]:
        pdf.para(sec["text"])
        pdf.ln(1)
    shown = [i for i in sec["items"] if i.get("kind") not in ("vital", "medication")]
    pdf.bullets([f"{kind_label(note, str(i.get('kind')))}: {item_line(note, i)}" for i in shown])
    if name == "objective" and (rows := vital_rows(note)):
        pdf.para(label(note, "vitals"), bold=True, size=10)
        pdf.grid([label(note, "vital"), label(note, "value")], rows, (60, 60))
    if name == "plan" and (meds := medications(note)):
        pdf.para(label(note, "medications"), bold=True, size=10)
        rows = [medication_row(note, s, m) for s, m in meds]
        pdf.grid(medication_headers(note), rows, (44, 22, 20, 32, 30, 24))
    if not sec["text"] and not sec["items"]:
        pdf.para(label(note, "none"), color=GREY)


def _signature(pdf: DocumentPDF, note: NoteDocument) -> None:
    if pdf.get_y() > pdf.page_break_trigger - 28:
        pdf.add_page()
    pdf.ln(10)
    x0 = pdf.w - pdf.r_margin - 70 if not pdf.rtl else pdf.l_margin
    pdf.set_draw_color(*BLACK)
    pdf.line(x0, pdf.get_y(), x0 + 70, pdf.get_y())
    pdf.ln(1.5)
    align = Align.R if not pdf.rtl else Align.L
    pdf.para(f"{label(note, 'signature')}: {note.doctor_name}", bold=True, align=align)
    pdf.para(f"{label(note, 'signed_by')} · {format_date(note.date)}", size=8.5, color=GREY, align=align)


def _output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def render_doctor_pdf(note: NoteDocument) -> bytes:
    """The clinical record: letterhead, patient, date, the four sections, tables, signature line."""
    pdf = _new_pdf(note, f"{label(note, 'title')} {note.patient_ref}")
    _letterhead(pdf, note)
    pdf.para(label(note, "title"), size=16, bold=True, height=8)
    _meta(pdf, note)
    _warning(pdf, note)
    for name in SECTIONS:
        _section(pdf, note, name)
    _signature(pdf, note)
    return _output(pdf)


def render_patient_pdf(note: NoteDocument) -> bytes:
    """The patient's summary in plain language, laid out from :func:`patient_view`."""
    view = patient_view(note)
    pdf = _new_pdf(note, view["title"])
    _letterhead(pdf, note)
    pdf.para(view["title"], size=16, bold=True, height=8)
    pdf.para(view["intro"], size=10.5)
    for sec in view["sections"]:
        pdf.heading(sec["title"], size=12)
        pdf.bullets(sec["items"], size=10.5)
    safety = view["safety_net"]
    pdf.heading(safety["title"], size=12)
    for line in safety["items"]:
        pdf.para(line, size=10.5, fill=SAFETY_FILL)
        pdf.ln(1)
    pdf.ln(3)
    pdf.para(view["disclaimer"], size=8.5, color=GREY)
    return _output(pdf)

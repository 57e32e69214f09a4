"""The note as Markdown (GitHub-flavoured tables), for the doctor's own records and for copy-paste."""

from __future__ import annotations

from soapify.core.draft_schema import SECTIONS

from .base import (
    NoteDocument,
    clean,
    coverage_line,
    format_date,
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

_MD_SPECIALS = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"})


def md_escape(text: str) -> str:
    """Escape what Markdown (and the HTML it may be turned into) would read as markup."""
    return clean(text).translate(_MD_SPECIALS)


def md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(md_escape(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_escape(c) or "—" for c in row) + " |" for row in rows]
    return lines


def _header(note: NoteDocument) -> list[str]:
    lh = note.letterhead or {}
    lines = []
    if clean(lh.get("clinic_name")):
        lines.append(f"**{md_escape(lh['clinic_name'])}**  ")
    contact = [md_escape(lh.get(k, "")) for k in ("address", "phone") if clean(lh.get(k))]
    if contact:
        lines.append(" · ".join(contact))
    if lines:
        lines.append("")
    lines.append(f"# {md_escape(label(note, 'title'))}")
    lines.append("")
    meta = [
        (label(note, "patient"), note.patient_name or note.patient_ref),
        (label(note, "doctor"), note.doctor_name),
        (label(note, "date"), format_date(note.date)),
        (label(note, "encounter"), str(note.encounter_id)),
        (label(note, "note"), f"{note.note_id} ({label(note, 'version')} {note.version})"),
    ]
    if note.patient_name:
        meta.insert(1, ("ID", note.patient_ref))
    lines += [f"- **{md_escape(k)}:** {md_escape(v)}" for k, v in meta]
    return lines


def _warning(note: NoteDocument) -> list[str]:
    missing = missing_critical(note)
    lines: list[str] = []
    if missing:
        lines += [
            "",
            f"> **⚠ {md_escape(label(note, 'missing_critical'))}:** "
            + list_sep(note).join(map(md_escape, missing)),
        ]
        lines += [f"> {md_escape(label(note, 'missing_critical_help'))}"]
    cov = coverage_line(note)
    if cov:
        lines += ["", f"_{md_escape(cov)}_"]
    return lines


def _bullet(note: NoteDocument, item: dict, indent: str = "") -> str:
    return f"{indent}- **{md_escape(kind_label(note, str(item.get('kind'))))}:** {md_escape(item_line(note, item))}"


def _plan_by_problem(note: NoteDocument, plan: list[dict]) -> list[str]:
    """The plan grouped by the items' ``problem`` link, problems in the assessment's order: each
    problem, then its medications, tests, referrals, follow-up and advice; items of no problem first."""
    order = [clean(i.get("problem")) for i in section(note, "assessment")["items"] + plan]
    problems = [p for p in dict.fromkeys(order) if p and any(clean(i.get("problem")) == p for i in plan)]
    lines = [_bullet(note, i) for i in plan if not clean(i.get("problem")) and i.get("kind") != "medication"]
    for problem in problems:
        lines.append(f"- **{md_escape(problem[:1].upper() + problem[1:])}**")
        lines += [_bullet(note, i, "  ") for i in plan if clean(i.get("problem")) == problem]
    return lines


def _blank(lines: list[str]) -> list[str]:
    """One blank line before a heading (the section's text may have left one already)."""
    return [] if lines[-1] == "" else [""]


def _section(note: NoteDocument, name: str) -> list[str]:
    sec = section(note, name)
    lines = ["", f"## {md_escape(label(note, name))}", ""]
    if sec["text"]:
        lines += [md_escape(p) for p in sec["text"].split("\n") if p.strip()] + [""]
    shown = [i for i in sec["items"] if not (name == "objective" and i.get("kind") == "vital")]
    if name == "plan" and any(i.get("problem") for i in shown):
        lines += _plan_by_problem(note, shown)
    else:
        shown = [i for i in shown if i.get("kind") != "medication"]
        lines += [_bullet(note, i) for i in shown]
    if name == "objective" and (rows := vital_rows(note)):
        lines += [*_blank(lines), f"### {md_escape(label(note, 'vitals'))}", ""]
        lines += md_table([label(note, "vital"), label(note, "value")], rows)
    if name == "plan" and (meds := medications(note)):
        lines += [*_blank(lines), f"### {md_escape(label(note, 'medications'))}", ""]
        lines += md_table(medication_headers(note), [medication_row(note, s, m) for s, m in meds])
    if not sec["text"] and not sec["items"] and lines[-1] == "":
        lines.append(f"_{md_escape(label(note, 'none'))}_")
    return lines


def render_markdown(note: NoteDocument) -> str:
    lines = _header(note) + _warning(note)
    for name in SECTIONS:
        lines += _section(note, name)
    lines += [
        "",
        "---",
        f"{md_escape(label(note, 'signed_by'))}: **{md_escape(note.doctor_name)}**{list_sep(note)}"
        f"{format_date(note.date)}",
    ]
    return "\n".join(lines).rstrip() + "\n"

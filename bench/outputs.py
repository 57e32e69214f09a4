"""Outputs bench: render the four files of an ACI-size note (~40 items) and time them on one core,
then time the whole finalize service (freeze the draft into a FinalizedNote, render the four files,
store them through STORAGES["outputs"], write the OutputFile rows, set the encounter finalized).

    .venv/bin/python bench/outputs.py [-n 20] [--language en|fa] [--source rules|hand]
                                      [--no-service] [--data-dir DIR]

The service part runs Django without pytest against a fresh database: the embedded PostgreSQL in a
new temporary SOAPIFY_DATA_DIR (or ``--data-dir``/``SOAPIFY_DATA_DIR``/``DATABASE_URL`` if given;
finalized notes are immutable, so use a throw-away database). Each timed run finalizes a new
encounter whose draft is the same note.

The note comes from the offline rules engine run on an ACI-BENCH dialogue when that engine is
available (``--source rules``, the default), else from a hand-built draft of the same size. Prints
seconds per encounter (Markdown + doctor PDF + patient PDF + FHIR) for each file and in total, and
a final ``{"bench": "outputs", ...}`` line. Target: <= 2 s per encounter.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from soapify.outputs.renderers import (  # noqa: E402
    NoteDocument,
    patient_html,
    render_doctor_pdf,
    render_fhir,
    render_markdown,
    render_patient_pdf,
)

TARGET_SECONDS = 2.0


def item(kind: str, text: str, **extra) -> dict:
    return {
        "kind": kind,
        "text": text,
        "negated": False,
        "uncertain": False,
        "confidence": 0.8,
        "evidence": [],
    } | extra


def hand_built_draft(language: str) -> dict:
    """A follow-up visit for CHF and hypertension, the size of an ACI-BENCH note (42 items)."""
    fa = language == "fa"
    subjective = [
        item(
            "chief_complaint",
            "پیگیری نارسایی قلب و فشار خون"
            if fa
            else "Follow-up of congestive heart failure and hypertension",
        ),
        item(
            "hpi",
            "تنگی نفس هنگام بالا رفتن از پله از دو هفته پیش"
            if fa
            else "Shortness of breath climbing stairs for two weeks",
        ),
        item("hpi", "ورم خفیف مچ پا عصرها" if fa else "Mild ankle swelling in the evenings"),
        item("hpi", "وزن ۲ کیلو در یک هفته بالا رفته" if fa else "Weight up 2 kg over one week"),
        item(
            "hpi",
            "مصرف نمک در تعطیلات زیاد بوده"
            if fa
            else "Dietary indiscretion with salty food over the holidays",
        ),
        item("ros", "درد قفسه سینه" if fa else "chest pain", negated=True),
        item("ros", "تپش قلب" if fa else "palpitations", negated=True),
        item("ros", "سرفه شبانه" if fa else "nocturnal cough"),
        item("ros", "سرگیجه" if fa else "dizziness", negated=True),
        item(
            "past_history",
            "نارسایی قلب با EF کاهش‌یافته" if fa else "Heart failure with reduced ejection fraction",
        ),
        item("past_history", "فشار خون بالا از ۲۰۱۵" if fa else "Hypertension since 2015"),
        item("past_history", "دیابت نوع ۲" if fa else "Type 2 diabetes"),
        item(
            "medication",
            "Lisinopril 20 mg daily",
            name="Lisinopril",
            dose="20",
            unit="mg",
            route="PO",
            frequency="daily",
        ),
        item(
            "medication",
            "Carvedilol 12.5 mg BID",
            name="Carvedilol",
            dose="12.5",
            unit="mg",
            route="PO",
            frequency="BID",
        ),
        item(
            "medication",
            "Metformin 500 mg BID",
            name="Metformin",
            dose="500",
            unit="mg",
            route="PO",
            frequency="BID",
        ),
        item("allergy", "Sulfa drugs (rash)"),
        item("family_history", "پدر: سکته قلبی در ۶۰ سالگی" if fa else "Father: myocardial infarction at 60"),
        item("social_history", "سیگار نمی‌کشد؛ الکل گاهی" if fa else "Non-smoker; occasional alcohol"),
    ]
    objective = [
        item("vital", "BP 150/92", name="bp", value="150/92", unit="mm[Hg]", systolic=150, diastolic=92),
        item("vital", "HR 84", name="hr", value=84, unit="/min"),
        item("vital", "RR 18", name="rr", value=18, unit="/min"),
        item("vital", "T 36.9", name="temperature", value=36.9, unit="Cel"),
        item("vital", "SpO2 95%", name="spo2", value=95, unit="%"),
        item("vital", "Weight 91 kg", name="weight", value=91, unit="kg"),
        item("vital", "Height 178 cm", name="height", value=178, unit="cm"),
        item("vital", "Glucose 162 mg/dL", name="glucose", value=162, unit="mg/dL"),
        item("exam", "JVP 8 cm above the sternal angle"),
        item("exam", "Bibasilar crackles" if not fa else "کراکل دوطرفه در قاعده ریه‌ها"),
        item("exam", "1+ pitting edema of both ankles"),
        item("exam", "Regular rhythm, no murmur"),
        item("result", "Echo 3 months ago: EF 35%"),
        item("result", "HbA1c 7.9%"),
    ]
    assessment = [
        item(
            "problem",
            "CHF exacerbation, mild",
            name="Heart failure exacerbation",
            differentials=["Renal impairment"],
        ),
        item("problem", "Hypertension, not at goal", name="Hypertension"),
        item("problem", "Type 2 diabetes, suboptimal control", name="Type 2 diabetes"),
    ]
    plan = [
        item(
            "medication",
            "Furosemide 40 mg PO daily for 5 days",
            name="Furosemide",
            dose="40",
            unit="mg",
            route="PO",
            frequency="daily",
            duration="5 days",
        ),
        item(
            "medication",
            "Increase lisinopril to 40 mg daily",
            name="Lisinopril",
            dose="40",
            unit="mg",
            route="PO",
            frequency="daily",
        ),
        item("test", "Basic metabolic panel in one week"),
        item("test", "Repeat echocardiogram"),
        item("referral", "Cardiology clinic"),
        item(
            "instruction",
            "کم‌نمک؛ کمتر از ۲ گرم سدیم در روز" if fa else "Low-salt diet, under 2 g sodium a day",
        ),
        item("instruction", "Weigh every morning; call if up more than 1 kg in a day"),
        item("follow_up", "", interval="2 هفته" if fa else "2 weeks"),
    ]
    sections = {"subjective": subjective, "objective": objective, "assessment": assessment, "plan": plan}
    text = {
        "subjective": "58-year-old man with CHF and hypertension, here for follow-up.",
        "assessment": "Mild volume overload after a salty holiday diet; blood pressure above goal.",
    }
    return {
        "language": language,
        "sections": {k: {"text": text.get(k, ""), "items": v} for k, v in sections.items()},
    }


def rules_draft(language: str) -> dict | None:
    """Draft the first ACI-BENCH validation dialogue with the offline rules engine, if present."""
    if language != "en":
        return None
    try:
        from soapify.core.transcript import build_transcript
        from soapify.nlp.engines.rules import RulesEngine

        data = Path(os.environ.get("SOAPIFY_SHARED_DATA", ROOT.parent / "shared" / "data"))
        csv.field_size_limit(10_000_000)
        with (data / "aci-bench" / "valid.csv").open(newline="", encoding="utf-8") as fh:
            dialogue = next(csv.DictReader(fh))["dialogue"]
        parts = [{"text": line} for line in dialogue.splitlines() if line.strip()]
        return RulesEngine(use_embeddings=False).generate(build_transcript(parts, "en"), language="en").draft
    except Exception as exc:  # the NLP engine is someone else's work in progress
        print(
            f"rules engine unavailable ({type(exc).__name__}: {exc}); using the hand-built note",
            file=sys.stderr,
        )
        return None


def make_note(draft: dict, language: str) -> NoteDocument:
    return NoteDocument(
        note_id="bench-1",
        version=1,
        encounter_id="D2N068",
        patient_ref="P-000123",
        doctor_name="دکتر سارا احمدی" if language == "fa" else "Dr. Sara Ahmadi",
        doctor_id=1,
        language=language,  # type: ignore[arg-type]
        created_at=datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        finalized_at=datetime(2024, 5, 1, 9, 40, tzinfo=UTC),
        draft=draft,
        checklist_summary={"coverage_percent": 85.0, "covered": 17, "partial": 1, "missing": 2},
        missing_critical=["Drug allergies reviewed"],
        letterhead={
            "clinic_name": "Salamat Clinic",
            "address": "12 Valiasr St, Tehran",
            "phone": "+98 21 1234 5678",
        },
    )


def count_items(draft: dict) -> int:
    return sum(len(s.get("items") or []) for s in draft["sections"].values())


def timed(fn: Callable[[], object], n: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def service_bench(draft: dict, language: str, n: int, data_dir: str | None) -> dict:
    """Median seconds of ``note_finalize`` (freeze + render four files + store) over ``n`` encounters."""
    temp_dir = None
    if not os.environ.get("DATABASE_URL"):
        chosen = data_dir or os.environ.get("SOAPIFY_DATA_DIR")
        if not chosen:
            chosen = temp_dir = tempfile.mkdtemp(prefix="soapify-bench-outputs-")
            atexit.register(shutil.rmtree, temp_dir, True)  # runs last: after pgserver's own hooks
        os.environ["SOAPIFY_DATA_DIR"] = chosen
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    from soapify.accounts.models import User
    from soapify.encounters.models import Encounter
    from soapify.nlp.models import Draft
    from soapify.outputs.services import note_finalize

    user, _ = User.objects.get_or_create(
        username="bench-outputs", defaults={"role": "doctor", "first_name": "Sara", "last_name": "Ahmadi"}
    )
    times: list[float] = []
    sizes: dict[str, int] = {}
    for i in range(n + 1):  # the first run warms up imports, fonts and connections
        encounter = Encounter.objects.create(doctor=user, patient_ref=f"BENCH-{i:04d}", language=language)
        Draft.objects.create(encounter=encounter, content=draft, language=language, engine="bench")
        t0 = time.perf_counter()
        result = note_finalize(encounter=encounter, user=user)
        elapsed = time.perf_counter() - t0
        if i:
            times.append(elapsed)
        sizes = {f.kind: f.size for f in result.files}
        assert len(result.files) == 4 and result.created
    from django.db import connection

    figures = {
        "finalize_service_s": round(statistics.median(times), 4),
        "finalize_service_max_s": round(max(times), 4),
        "finalize_runs": len(times),
        "database": "embedded (fresh temp dir)" if temp_dir else "configured",
        "stored_bytes": sum(sizes.values()),
    }
    connection.close()
    if temp_dir:  # stop the throw-away embedded server and delete its folder
        import pgserver

        kwargs = {"user": "pgserver"} if hasattr(os, "geteuid") and os.geteuid() == 0 else {}
        try:
            pgserver.pg_ctl(["-m", "fast", "stop"], pgdata=Path(temp_dir) / "pg", **kwargs)
        except Exception as exc:  # noqa: BLE001 - report, never hide the figures
            print(f"could not stop the bench database in {temp_dir}: {exc}", file=sys.stderr)
        else:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10, help="renders of each file (median reported)")
    parser.add_argument("--language", choices=("en", "fa"), default="en")
    parser.add_argument("--source", choices=("rules", "hand"), default="rules")
    parser.add_argument("--no-service", action="store_true", help="renders only, no Django/database")
    parser.add_argument("--data-dir", help="SOAPIFY_DATA_DIR for the service run (default: a new temp dir)")
    args = parser.parse_args()

    draft = rules_draft(args.language) if args.source == "rules" else None
    source = "rules" if draft and count_items(draft) else "hand"
    if source == "hand":
        draft = hand_built_draft(args.language)
    note = make_note(draft, args.language)

    render_doctor_pdf(note)  # warm up imports and caches
    md_s, md = timed(lambda: render_markdown(note), args.n)
    doc_s, doc_pdf = timed(lambda: render_doctor_pdf(note), args.n)
    pat_s, pat_pdf = timed(lambda: render_patient_pdf(note), args.n)
    fhir_s, fhir = timed(lambda: render_fhir(note, doc_pdf), args.n)
    html_s, _ = timed(lambda: patient_html(note), args.n)
    total = md_s + doc_s + pat_s + fhir_s

    print(f"note: {source}, {args.language}, {count_items(draft)} items; median of {args.n} renders each")
    for name, seconds, size in (
        ("markdown", md_s, len(md.encode())),
        ("doctor pdf", doc_s, len(doc_pdf)),
        ("patient pdf", pat_s, len(pat_pdf)),
        ("fhir json", fhir_s, len(fhir)),
        ("patient html", html_s, None),
    ):
        print(f"  {name:<13} {seconds * 1000:8.1f} ms" + (f"  {size / 1024:7.1f} KiB" if size else ""))
    print(f"  {'total (4)':<13} {total * 1000:8.1f} ms per encounter, renders only")
    service: dict = {}
    if not args.no_service:
        service = service_bench(draft, args.language, args.n, args.data_dir)
        print(
            f"  {'finalize':<13} {service['finalize_service_s'] * 1000:8.1f} ms per encounter, full service "
            f"(freeze + render 4 + store; median of {service['finalize_runs']}, max "
            f"{service['finalize_service_max_s'] * 1000:.1f} ms; target <= {TARGET_SECONDS:.0f} s)"
        )
    per_encounter = service.get("finalize_service_s", total)
    print(
        json.dumps(
            {
                "bench": "outputs",
                "source": source,
                "language": args.language,
                "items": count_items(draft),
                "n": args.n,
                "seconds_per_encounter": round(per_encounter, 4),
                "measured": "finalize_service" if service else "renders_only",
                "renders_only_s": round(total, 4),
                **service,
                "markdown_s": round(md_s, 4),
                "doctor_pdf_s": round(doc_s, 4),
                "patient_pdf_s": round(pat_s, 4),
                "fhir_s": round(fhir_s, 4),
                "doctor_pdf_bytes": len(doc_pdf),
                "patient_pdf_bytes": len(pat_pdf),
                "fhir_bytes": len(fhir),
                "target_s": TARGET_SECONDS,
                "ok": per_encounter <= TARGET_SECONDS,
            }
        )
    )


if __name__ == "__main__":
    main()

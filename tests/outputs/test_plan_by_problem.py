"""The doctor's Markdown note groups the plan by the items' ``problem`` link (issue 18)."""

from __future__ import annotations

from soapify.outputs.renderers import render_markdown
from tests.outputs.test_renderers import item, make_note


def _note(plan: list[dict], assessment: list[dict]):
    note = make_note()
    note.draft["sections"]["plan"] = {"text": "", "items": plan}
    note.draft["sections"]["assessment"] = {"text": "", "items": assessment}
    return note


def _plan_part(md: str) -> str:
    return md.split("## Plan", 1)[1].split("\n## ", 1)[0] if "## Plan" in md else md


def test_plan_is_grouped_under_each_problem_in_the_assessments_order():
    assessment = [
        item("problem", "Hypertension, not controlled.", name="hypertension", problem="hypertension"),
        item("problem", "Right knee osteoarthritis.", problem="right knee osteoarthritis"),
    ]
    plan = [
        item("test", "X-ray of the right knee.", problem="right knee osteoarthritis"),
        item(
            "medication", "lisinopril 20 mg", name="lisinopril", dose="20", unit="mg", problem="hypertension"
        ),
        item("instruction", "Check blood pressure at home daily.", problem="hypertension"),
        item("follow_up", "Come back in four weeks.", interval="4 weeks"),
    ]
    md = render_markdown(_note(plan, assessment))
    part = md[md.index("Come back in four weeks") - 40 :]
    htn, knee = part.index("**Hypertension**"), part.index("**Right knee osteoarthritis**")
    assert part.index("Come back in four weeks") < htn < part.index("lisinopril 20 mg") < knee
    assert (
        htn < part.index("Check blood pressure at home daily") < knee < part.index("X-ray of the right knee")
    )
    assert "  - **" in part  # the problem's items are nested under it


def test_plan_without_problem_links_is_rendered_as_before():
    plan = [
        item("follow_up", "Come back in four weeks."),
        item("medication", "lisinopril 20 mg", name="lisinopril"),
    ]
    md = render_markdown(_note(plan, [item("problem", "Hypertension.")]))
    assert "Come back in four weeks" in md and "  - **" not in md

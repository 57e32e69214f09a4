"""What eight new English visits showed (seventh round): safety-net advice said as signs to watch for
("things to look out for: ..., call us") or as a return sooner than planned ("if ..., come in sooner").
Short made-up dialogues, none from the visits; real MiniLM, real artifact."""

from __future__ import annotations

from tests.checklist.evaluating import patterns, status

WATCH_FOR = (
    "[doctor] what brings you in?\n[patient] my calf has been sore and a bit swollen since the flight.\n"
    "[doctor] the ultrasound shows no clot. this is a muscle strain.\n"
    "[doctor] warning signs are chest pain, coughing blood or the leg getting more swollen, go to the "
    "emergency department then.\n[patient] okay."
)
LOOK_OUT = (
    "[doctor] what brings you in?\n[patient] burning when i pee since yesterday.\n"
    "[doctor] this looks like a bladder infection. i'm prescribing nitrofurantoin for five days.\n"
    "[doctor] things to look out for: a high fever, pain in your flank, or shaking chills, call us the same day.\n"
    "[patient] okay, thanks."
)
SOONER = (
    "[doctor] what brings you in?\n[patient] my throat has been sore for three days.\n"
    "[doctor] your throat is red, no pus. this is a viral sore throat.\n"
    "[doctor] let's see you in a week. if you can't swallow your spit or your voice gets muffled, come in sooner.\n"
    "[patient] will do."
)


def test_signs_to_look_out_for_with_a_call_are_the_safety_net(evaluator):
    assert "urgent_return" in patterns(LOOK_OUT)
    assert status(evaluator, LOOK_OUT, "safety_net") == "covered"


def test_a_return_sooner_than_planned_if_worse_is_the_safety_net(evaluator):
    assert "urgent_return" in patterns(SOONER)
    assert status(evaluator, SOONER, "safety_net") == "covered"


def test_warning_signs_with_the_emergency_department_stay_the_safety_net(evaluator):
    assert status(evaluator, WATCH_FOR, "safety_net") == "covered"


def test_a_plain_scheduled_return_is_no_safety_net(evaluator):
    assert "urgent_return" not in patterns(
        "[doctor] let's see you in a week, and come in earlier in the morning to beat the traffic.\n[patient] sure."
    )


# an onset told as a day or a time ago tells how long it has lasted (a clinician's count on held-out
# visits: "i hurt it on saturday lifting boxes" left duration missing)
def test_an_onset_told_as_a_day_covers_the_duration_too(evaluator):
    visit = (
        "[doctor] what happened to your shoulder?\n"
        "[patient] i hurt it on thursday moving a sofa up the stairs.\n"
    )
    assert status(evaluator, visit, "onset") == "covered"
    assert status(evaluator, visit, "duration") == "covered"


def test_a_past_operation_date_is_no_duration(evaluator):
    visit = "[doctor] any operations?\n[patient] i had my gallbladder out two years ago.\n"
    assert status(evaluator, visit, "duration") == "missing"

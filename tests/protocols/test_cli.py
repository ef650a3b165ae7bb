"""`manage.py plan`: a what-if plan from the command line, nothing stored, one-line errors."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from protocols.engine import Intake, Measurement, Snapshot, compute_plan
from protocols.models import Plan

EXAMPLE = [
    "--result", "vitd_25oh=22:ng/mL@2026-03-02",
    "--result", "mg_rbc=4.2:mg/dL",
    "--taking", "vitamin_d3=5000:IU",
    "--symptom", "muscle_cramps=2",
    "--flag", "kidney_disease",
    "--as-of", "2026-03-05",
]  # fmt: skip


def run_plan(*args: str) -> str:
    out = io.StringIO()
    call_command("plan", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> dict:
    return json.loads(run_plan(*args, "--json"))


def test_json_is_the_engine_plan_of_the_same_snapshot():
    snapshot = Snapshot(
        as_of=date(2026, 3, 5),
        results={
            "vitd_25oh": [Measurement(22, "ng/mL", date(2026, 3, 2))],
            "mg_rbc": [Measurement(4.2, "mg/dL", date(2026, 3, 5))],
        },
        symptoms={"muscle_cramps": 2},
        taking=(Intake("vitamin_d3", 5000, "IU"),),
        flags=frozenset({"kidney_disease"}),
    )
    assert run_json(*EXAMPLE) == compute_plan(snapshot).to_dict()


def test_the_example_of_the_spec_gives_a_correction_plan_without_magnesium():
    plan = run_json(*EXAMPLE)
    assert plan["phase"] == "correction" and plan["as_of"] == "2026-03-05"
    assert "kidney_function" in [a["code"] for a in plan["alerts"]]
    nutrients = [s["nutrient"] for s in plan["supplements"]]
    assert "vitamin_d3" in nutrients and "magnesium" not in nutrients


def test_units_are_converted_to_the_canonical_unit():
    in_nmol = run_json("--result", "vitd_25oh=54.912:nmol/L", "--as-of", "2026-03-05")
    in_ng = run_json("--result", "vitd_25oh=22:ng/mL", "--as-of", "2026-03-05")
    assert in_nmol["markers"]["vitd_25oh"]["value"] == pytest.approx(22)
    assert in_nmol["supplements"] == in_ng["supplements"]


def test_earlier_results_of_an_analyte_act_as_history():
    plan = run_json(
        "--result", "vitd_25oh=18:ng/mL@2025-12-01",
        "--result", "vitd_25oh=22:ng/mL@2026-03-01",
        "--taking", "vitamin_d3=5000:IU@2025-12-01",
        "--as-of", "2026-03-05",
    )  # fmt: skip
    response = plan["response"]["vitd_25oh"]
    assert (response["previous"], response["current"]) == (18, 22)
    assert response["on_track"] is False
    assert plan["markers"]["vitd_25oh"]["drawn_on"] == "2026-03-01"


def test_rules_and_goal_options_reach_the_engine():
    seed = run_json("--result", "vitd_25oh=22:ng/mL", "--as-of", "2026-03-05")
    capped = run_json(
        "--result", "vitd_25oh=22:ng/mL", "--as-of", "2026-03-05", "--rules", "within-limits"
    )
    assert (seed["rule_set"], capped["rule_set"]) == ("seed", "within-limits")
    d3 = next(s for s in capped["supplements"] if s["nutrient"] == "vitamin_d3")
    assert d3["daily_max"] <= 4000
    sleep = run_json("--result", "mg_rbc=4.2:mg/dL", "--goal", "energy", "--as-of", "2026-03-05")
    assert next(s for s in sleep["supplements"] if s["nutrient"] == "magnesium")["form"] == "malate"


def test_vitamin_d_in_mcg_is_taken_as_iu():
    plan = run_json("--result", "vitd_25oh=45:ng/mL", "--taking", "vitamin_d3=100:mcg")
    assert next(s for s in plan["supplements"] if s["nutrient"] == "vitamin_d3")["taking"] == 4000


def test_text_output_is_readable():
    text = run_plan(*EXAMPLE)
    assert "phase correction" in text
    # kidney_disease: no vitamin D above the maintenance dose (CLINICAL.md §4)
    # kept (within 4,000-5,000) and flagged once, on the daily total
    assert "Vitamin D3 5,000 IU [daily total 5,000 IU is above the upper limit" in text
    assert "Retest: due" in text and "kidney_function" in text
    assert "not medical advice" in text
    assert "{" not in text


@pytest.mark.django_db
def test_nothing_is_stored():
    run_plan(*EXAMPLE, "--json")
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--result", "vitd_99=22:ng/mL"], id="unknown-analyte"),
        pytest.param(["--result", "vitd_25oh=22:kg/L"], id="unknown-unit"),
        pytest.param(["--result", "vitd_25oh=22:mg/dL"], id="unit-of-another-analyte"),
        pytest.param(["--result", "vitd_25oh=abc:ng/mL"], id="bad-number"),
        pytest.param(["--result", "vitd_25oh=nan:ng/mL"], id="not-finite"),
        pytest.param(["--result", "vitd_25oh=2200:ng/mL"], id="implausible"),
        pytest.param(["--result", "vitd_25oh=22"], id="no-unit"),
        pytest.param(["--result", "vitd_25oh=22:ng/mL@2026-02-30"], id="bad-result-date"),
        pytest.param(["--result", "vitd_25oh=22:ng/mL@2026-04-01"], id="after-as-of"),
        pytest.param(["--as-of", "yesterday"], id="bad-as-of"),
        pytest.param(["--taking", "vitamin_c=500:mg"], id="unknown-nutrient"),
        pytest.param(["--taking", "magnesium=300:IU"], id="wrong-dose-unit"),
        pytest.param(["--taking", "magnesium=300:grams"], id="unknown-dose-unit"),
        pytest.param(["--taking", "magnesium=-3:mg"], id="negative-dose"),
        pytest.param(["--taking", "vitamin_d3=900000:IU"], id="implausible-dose"),
        pytest.param(["--symptom", "hiccups=2"], id="unknown-symptom"),
        pytest.param(["--symptom", "fatigue=4"], id="severity-above-3"),
        pytest.param(["--symptom", "fatigue=-1"], id="severity-below-0"),
        pytest.param(["--symptom", "fatigue=1.5"], id="severity-not-integer"),
        pytest.param(["--flag", "smoker"], id="unknown-flag"),
        pytest.param(["--goal", "speed"], id="unknown-goal"),
        pytest.param(["--rules", "aggressive"], id="unknown-rule-set"),
        pytest.param(["--life-event", "holiday@2026-01-01"], id="unknown-life-event"),
    ],
)
def test_bad_input_is_one_line_command_error(args):
    with pytest.raises(CommandError) as excinfo:
        run_plan("--as-of", "2026-03-05", *args)
    message = str(excinfo.value)
    assert message and "\n" not in message

"""Issue #10, bullet by bullet: what the plan must (and must not) tell a person."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from protocols.engine import Intake, Measurement, Snapshot, compute_plan
from protocols.engine.calcium import corrected_calcium
from protocols.rules import RULE_SETS

AS_OF = date(2026, 3, 5)
DRAWN = date(2026, 3, 2)
D3, MG, K2, B6, CA = "vitamin_d3", "magnesium", "vitamin_k2_mk7", "vitamin_b6_p5p", "calcium"
UNITS = {"vitd_25oh": "ng/mL", "pth_intact": "pg/mL", "egfr": "mL/min/1.73m2", "albumin": "g/dL"}
DOSE_UNITS = {D3: "IU", MG: "mg", K2: "mcg", B6: "mg", CA: "mg"}


def plan_of(*results, taking=None, as_of=AS_OF, **kwargs):
    grouped: dict[str, list[Measurement]] = {}
    for code, value, *rest in results:
        drawn_on = rest[0] if rest else DRAWN
        qualifier = rest[1] if len(rest) > 1 else ""
        unit = UNITS.get(code, "mg/dL")
        grouped.setdefault(code, []).append(Measurement(value, unit, drawn_on, qualifier))
    intakes = [Intake(n, a, DOSE_UNITS[n]) for n, a in (taking or {}).items()]
    return compute_plan(Snapshot(as_of=as_of, results=grouped, taking=intakes, **kwargs))


def codes(plan) -> set[str]:
    return set(plan.alert_codes())


# --- above the target band, vitamin D is never added or raised ------------------------------


def test_above_target_with_nothing_taken_adds_no_vitamin_d():
    plan = plan_of(("vitd_25oh", 95), ("mg_rbc", 6.0))
    assert plan.line(D3) is None and plan.line(K2) is None
    assert "vitd_above_target" in codes(plan)


def test_above_target_on_a_small_dose_pauses_it_until_the_retest():
    plan = plan_of(("vitd_25oh", 90), ("mg_rbc", 6.0), taking={D3: 2000})
    line = plan.line(D3)
    assert (line.daily_max, line.action, line.until) == (0, "pause", plan.retest.due_on)
    assert "Until the retest" in line.reason
    assert plan.retest.latest_on <= AS_OF + timedelta(weeks=12)  # 8-12 weeks, not 6 months


def test_above_target_on_a_high_dose_lowers_it_to_maintenance():
    plan = plan_of(("vitd_25oh", 68), ("mg_rbc", 6.0), taking={D3: 10000})
    line = plan.line(D3)
    assert (line.daily_min, line.daily_max, line.action) == (4000, 5000, "reduce")


@pytest.mark.parametrize("rules", sorted(RULE_SETS))
def test_between_target_and_stop_line_the_alert_and_the_dose_agree(rules):
    high = RULE_SETS[rules].targets["vitd_25oh"][1]
    plan = plan_of(("vitd_25oh", high + 5), taking={D3: 1000}, rules=rules)
    assert plan.line(D3).action == "pause"
    assert "no more vitamin D is added" in next(
        a.message for a in plan.alerts if a.code == "vitd_above_target"
    )


# --- calcium: ionized, else corrected by albumin (Payne), else measured ----------------------


def test_payne_formula_of_clinical_md():
    assert corrected_calcium(10.2, 3.0) == pytest.approx(11.0)
    assert corrected_calcium(9.0, 4.0) == pytest.approx(9.0)


def test_low_albumin_turns_a_normal_total_calcium_into_hypercalcemia():
    plan = plan_of(
        ("vitd_25oh", 15), ("mg_rbc", 4.2), ("ca_total", 10.2), ("albumin", 3.0),
        taking={D3: 10000, CA: 1000},
    )  # fmt: skip
    assert plan.phase == "hold"
    assert plan.calcium["basis"] == "corrected" and plan.calcium["value"] == 11.0
    assert "Payne" in plan.calcium["text"] and plan.calcium["source"].startswith("CLINICAL.md §1")
    stop = next(a for a in plan.alerts if a.code == "hypercalcemia")
    assert stop.level == "stop" and "corrected calcium 11 mg/dL" in stop.reason
    assert (plan.line(D3).daily_max, plan.line(CA).daily_max) == (0, 0)
    marker = plan.markers["ca_total"]  # the badge says what the rules read, beside the value
    assert (marker.value, marker.corrected_value, marker.tier) == (10.2, 11.0, "hypercalcemia")


def test_ionized_calcium_comes_first_and_albumin_of_another_draw_is_not_used():
    ionized = plan_of(("ca_total", 10.2), ("albumin", 3.0), ("ca_ionized", 5.0))
    assert ionized.calcium["basis"] == "ionized" and "hypercalcemia" not in codes(ionized)
    other_draw = plan_of(("ca_total", 10.2), ("albumin", 3.0, DRAWN - timedelta(days=30)))
    assert other_draw.calcium["basis"] == "total"
    assert "no albumin from the same draw" in other_draw.calcium["text"]


def test_very_low_albumin_is_not_corrected_and_asks_for_ionized_calcium():
    plan = plan_of(("ca_total", 9.5), ("albumin", 1.8))
    assert plan.calcium["basis"] == "total" and "ask for ionized calcium" in plan.calcium["text"]


# --- stop or urgent alerts bring the named marker's retest within days ----------------------


@pytest.mark.parametrize(
    ("results", "taking", "code", "days", "markers"),
    [
        ([("vitd_25oh", 160)], {}, "vitd_toxicity", 7, {"vitd_25oh", "ca_total"}),
        ([("vitd_25oh", 120)], {}, "vitd_toxicity", 14, {"vitd_25oh", "ca_total"}),
        ([("ca_total", 11.2)], {D3: 2000}, "hypercalcemia", 14, {"ca_total", "albumin"}),
    ],
)
def test_urgent_and_stop_alerts_bring_the_retest_to_within_days(
    results, taking, code, days, markers
):
    plan = plan_of(*results, taking=taking)
    assert plan.retest.brought_forward_by == code
    assert plan.retest.latest_on == AS_OF + timedelta(days=days)
    assert plan.retest.due_on == AS_OF + timedelta(days=1)
    assert markers <= set(plan.retest.tests)
    assert f"within {days} days" in plan.retest.reason


def test_test_calcium_now_comes_with_a_calcium_test_within_a_week():
    plan = plan_of(("vitd_25oh", 45), ("mg_rbc", 6.0), taking={D3: 4000},
                   symptoms={"excessive_thirst": 2})  # fmt: skip
    alert = next(a for a in plan.alerts if a.code == "hypercalcemia_symptoms")
    assert alert.level == "warning"
    assert plan.retest.latest_on == AS_OF + timedelta(days=7)
    assert "ca_total" in plan.retest.tests


# --- red flags ----------------------------------------------------------------------------


def test_severe_hypercalcemia_symptoms_on_high_dose_d_pause_it_and_ask_for_care():
    symptoms = {"confusion": 2, "excessive_thirst": 2, "nausea": 2}
    plan = plan_of(("vitd_25oh", 45), taking={D3: 10000, CA: 600}, symptoms=symptoms)
    flag = next(a for a in plan.alerts if a.code == "hypercalcemia_red_flag")
    assert flag.level == "urgent" and "Seek care" in flag.message
    assert plan.alerts[0].code == "hypercalcemia_red_flag"  # urgent first, apart from warnings
    assert (plan.line(D3).daily_max, plan.line(CA).daily_max) == (0, 0)
    assert plan.phase == "hold" and plan.retest.latest_on <= AS_OF + timedelta(days=7)


def test_the_same_symptoms_on_a_dose_within_the_limit_ask_for_a_test_not_care():
    symptoms = {"confusion": 2, "excessive_thirst": 2}
    plan = plan_of(("vitd_25oh", 45), taking={D3: 2000}, symptoms=symptoms)
    assert "hypercalcemia_red_flag" not in codes(plan)
    assert "hypercalcemia_symptoms" in codes(plan)


def test_fatigue_alone_does_not_ask_for_a_calcium_test():
    plan = plan_of(("vitd_25oh", 45), taking={D3: 10000}, symptoms={"fatigue": 3})
    assert not {"hypercalcemia_symptoms", "hypercalcemia_red_flag"} & codes(plan)


# --- kidney and pregnancy --------------------------------------------------------------------


def test_pregnancy_life_event_acts_like_the_flag_and_suggests_setting_it():
    events = (("pregnancy", date(2026, 1, 10)),)
    plan = plan_of(("vitd_25oh", 15), ("mg_rbc", 4.2), life_events=events)
    assert plan.phase == "hold"
    assert {"protocol_not_applicable", "pregnancy_event"} <= codes(plan)
    assert plan.line(D3) is None and plan.line(B6) is None
    hint = next(a for a in plan.alerts if a.code == "pregnancy_event")
    assert "health profile" in hint.message


def test_mg_depletion_symptoms_do_not_advise_magnesium_when_kidney_rules_forbid_it():
    plan = plan_of(("vitd_25oh", 45), ("egfr", 25), taking={D3: 4000},
                   symptoms={"muscle_cramps": 2})  # fmt: skip
    alert = next(a for a in plan.alerts if a.code == "mg_depletion_symptoms")
    assert "physician" in alert.message and "correction" not in alert.message
    assert plan.line(MG) is None


def test_kidney_stones_symptom_on_vitamin_d_acts_like_the_history_flag():
    plan = plan_of(("vitd_25oh", 22), taking={D3: 5000}, symptoms={"kidney_stones": 2})
    assert plan.phase == "hold"
    alert = next(a for a in plan.alerts if a.code == "protocol_not_applicable")
    assert "kidney stones symptom" in alert.reason
    mild = plan_of(("vitd_25oh", 22), taking={D3: 5000}, symptoms={"kidney_stones": 1})
    assert mild.phase == "correction"


# --- every taken nutrient gets a line ------------------------------------------------------


def test_every_taken_nutrient_gets_a_line_with_what_to_do_and_why():
    plan = plan_of(("vitd_25oh", 45), ("mg_rbc", 6.0),
                   taking={D3: 4000, MG: 300, K2: 100, B6: 50, CA: 400})  # fmt: skip
    actions = {line.nutrient: line.action for line in plan.supplements}
    assert actions == {D3: "keep", MG: "keep", K2: "keep", B6: "stop", CA: "keep"}
    assert "maintenance has none" in plan.line(B6).reason


def test_k2_without_vitamin_d_to_take_is_paused_with_it():
    plan = plan_of(("vitd_25oh", 80), taking={D3: 3000, K2: 200})
    assert (plan.line(D3).action, plan.line(K2).action) == ("pause", "pause")


# --- upper-limit flags -----------------------------------------------------------------------


def test_a_kept_amount_at_the_limit_is_not_flagged():
    plan = plan_of(("vitd_25oh", 45), ("mg_rbc", 6.0), taking={D3: 4000})
    line = plan.line(D3)
    assert (line.daily_max, line.action, line.above_upper_limit) == (4000, "keep", False)
    assert "upper limit" not in line.reason


def test_recommended_total_and_taken_amount_are_flagged_separately():
    plan = plan_of(("vitd_25oh", 22), rules="within-limits", taking={D3: 10000})
    line = plan.line(D3)
    assert (line.above_upper_limit, line.taking_above_upper_limit) == (False, True)
    alert = next(a for a in plan.alerts if a.code == "above_upper_limit")
    assert "you take 10,000 IU/day" in alert.message and "recommended" not in alert.message


def test_a_split_magnesium_dose_is_flagged_on_its_daily_total():
    plan = plan_of(("vitd_25oh", 15), ("mg_rbc", 3.5))
    line = plan.line(MG)
    assert line.above_upper_limit and len(line.schedule) == 2
    assert all(item.amount_max <= 400 for item in line.schedule)
    assert [a.nutrient for a in plan.alerts if a.code == "above_upper_limit"].count(MG) == 1


def test_efsa_flags_what_iom_allows():
    taking = {D3: 4000, MG: 300, B6: 50}
    iom = plan_of(("vitd_25oh", 45), ("mg_rbc", 6.0), taking=taking)
    efsa = plan_of(("vitd_25oh", 45), ("mg_rbc", 6.0), taking=taking, limits="efsa")
    assert not {a.nutrient for a in iom.alerts if a.code == "above_upper_limit"}
    assert {a.nutrient for a in efsa.alerts if a.code == "above_upper_limit"} == {MG, B6}
    assert "EU (EFSA)" in next(a.message for a in efsa.alerts if a.nutrient == B6)


# --- PTH, words, censored values -----------------------------------------------------------


def test_high_pth_with_d_and_magnesium_at_target_goes_to_a_physician():
    plan = plan_of(("vitd_25oh", 45), ("mg_rbc", 6.0), ("pth_intact", 80))
    alert = next(a for a in plan.alerts if a.code == "pth_unexplained")
    assert "primary hyperparathyroidism" in alert.message
    assert "suggests magnesium or vitamin D deficiency" not in " ".join(
        a.message for a in plan.alerts
    )
    low = plan_of(("vitd_25oh", 22), ("mg_rbc", 6.0), ("pth_intact", 80))
    assert "pth_elevated" in codes(low) and "pth_unexplained" not in codes(low)
    assert "authors say" in next(a.message for a in low.alerts if a.code == "pth_elevated")


SEED_CLAIMS = ("P5P helps move magnesium", "K2 directs", "needs magnesium to be activated")


def test_seed_claims_are_attributed_to_the_protocols_authors():
    plan = plan_of(("vitd_25oh", 15), ("mg_rbc", 4.2), taking={D3: 2000})
    texts = [line.reason for line in plan.supplements] + [a.message for a in plan.alerts]
    for claim in SEED_CLAIMS:
        for text in texts:
            if claim in text:
                assert re.search(r"authors say [^.]*" + re.escape(claim), text), text
    assert any(claim in text for claim in SEED_CLAIMS for text in texts)


def test_no_dai_2018_figures_anywhere():
    root = Path(__file__).resolve().parents[2]
    figures = re.compile(r"17\s*(→|->|\\u2192)\s*48|\+31 ng|180 participants")
    offenders = [
        str(path.relative_to(root))
        for folder in ("protocols", "templates", "dashboard", "labs", "accounts", "static/js")
        for path in (root / folder).rglob("*")
        if path.suffix in {".py", ".html", ".js", ".txt"} and figures.search(path.read_text())
    ]
    assert offenders == []


def test_censored_result_is_a_tier_only_when_one_band_holds_it():
    below_ten = plan_of(("vitd_25oh", 10, DRAWN, "<"))
    assert below_ten.markers["vitd_25oh"].tier == "severe"
    assert below_ten.line(D3).daily_max == 10000
    below_25 = plan_of(("vitd_25oh", 25, DRAWN, "<"))
    assert below_25.markers["vitd_25oh"].tier == "unrated"
    assert below_25.phase == "insufficient_data"
    alert = next(a for a in below_25.alerts if a.code == "censored_result")
    assert "< 25 ng/mL" in alert.message and "more than one band" in alert.message
    above = plan_of(("vitd_25oh", 150, DRAWN, ">"))
    assert above.markers["vitd_25oh"].tier == "severe_toxicity"


# --- the CLI expresses what the engine uses and refuses bad input ---------------------------


def run_json(*args: str) -> dict:
    out = io.StringIO()
    call_command("plan", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_cli_dated_symptoms_give_the_earlier_check_in():
    plan = run_json(
        "--result", "vitd_25oh=22:ng/mL@2026-03-01", "--result", "mg_rbc=4.2:mg/dL@2026-03-01",
        "--symptom", "muscle_cramps=0@2026-01-20", "--symptom", "muscle_cramps=3@2026-03-04",
        "--as-of", "2026-03-05",
    )  # fmt: skip
    assert "symptoms_worsening" in {a["code"] for a in plan["alerts"]}


def test_cli_taking_since_sets_the_time_on_the_dose():
    plan = run_json(
        "--result", "vitd_25oh=22:ng/mL@2025-09-01", "--result", "vitd_25oh=28:ng/mL@2026-03-01",
        "--taking", "vitamin_d3=5000:IU@2025-09-01", "--as-of", "2026-03-05",
    )  # fmt: skip
    assert plan["response"]["vitd_25oh"]["since"] == "2025-09-01"
    assert plan["response"]["vitd_25oh"]["on_track"] is False


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--result", "vitd_25oh=22:ng/mL@2026-03-01", "--result", "vitd_25oh=30:ng/mL@2026-03-01"],
         "two results drawn on 2026-03-01"),
        (["--life-event", "pregnancy@2026-04-01"], "after --as-of"),
        (["--symptom", "fatigue=2@2026-04-01"], "after --as-of"),
        (["--taking", "vitamin_d3=5000:IU@2026-04-01"], "after --as-of"),
        (["--result", "mg_rbc=2.2:mg/dL"], "did you mean mmol/L?"),
    ],
)  # fmt: skip
def test_cli_refuses_bad_input_in_one_line(args, words):
    with pytest.raises(CommandError) as excinfo:
        call_command("plan", "--as-of", "2026-03-05", *args, stdout=io.StringIO())
    assert words in str(excinfo.value) and "\n" not in str(excinfo.value)


def test_cli_keeps_an_unusual_value_the_person_confirms():
    plan = run_json("--result", "mg_rbc=2.2!:mg/dL", "--as-of", "2026-03-05")
    assert plan["markers"]["mg_rbc"]["value"] == 2.2

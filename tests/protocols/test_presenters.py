"""The plan presenter (protocols.presenters): one wording, one date, no raw codes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.engine import compute_plan
from protocols.presenters import fmt_date, humanize, plan_changes, present_plan, retest_view
from protocols.rules import RULE_SETS
from protocols.sources import REFERENCES, resolve
from tests.engine_codes import engine_codes
from tests.protocols.test_engine import m, snap

D = dt.date
TODAY = D(2026, 12, 1)


def _d3(low, high, *, above=True, schedule=None):
    return {
        "nutrient": "vitamin_d3",
        "daily_min": low,
        "daily_max": high,
        "unit": "IU",
        "schedule": schedule or [{"time": "morning", "amount_min": low, "amount_max": high}],
        "form": "D3",
        "take_with": "with fat",
        "above_upper_limit": above,
        "rule": "d3.maintenance",
        "sources": ["seed:002 §Phase 2: Maintenance"],
        "reason": "Maintenance.",
    }


def _limit_alert(nutrient="vitamin_d3"):
    return {
        "code": "above_upper_limit",
        "level": "warning",
        "nutrient": nutrient,
        "rule": "safety.above_upper_limit",
        "message": f"{nutrient} above the upper limit.",
        "sources": ["CLINICAL.md §3 (IOM 2011 / IOM 1997 / IOM 1998)"],
    }


def test_a_maintenance_range_that_can_stay_within_the_limit_raises_no_warning_box():
    pv = present_plan({"phase": "maintenance", "supplements": [_d3(4000, 5000)],
                       "alerts": [_limit_alert()]})  # fmt: skip
    assert pv.warnings == []
    (line,) = pv.lines
    assert line.limit == "4,000 IU" and not line.always_above_limit


def test_a_dose_whose_low_end_is_above_the_limit_keeps_its_warning():
    pv = present_plan({"phase": "correction", "supplements": [_d3(5000, 7000)],
                       "alerts": [_limit_alert()]})  # fmt: skip
    assert [a.code for a in pv.warnings] == ["above_upper_limit"]
    assert pv.lines[0].always_above_limit


def test_alerts_of_one_kind_merge_and_halting_ones_come_first():
    alerts = [
        {"code": "non_responder", "level": "warning", "message": "25(OH)D rose less.",
         "causes": ["absorption", "adherence"], "marker": "vitd_25oh"},
        {"code": "non_responder", "level": "warning", "message": "25(OH)D rose less.",
         "causes": ["absorption"], "marker": "vitd_25oh"},
        {"code": "pth_elevated", "level": "info", "message": "PTH above 50."},
        {"code": "hypercalcemia", "level": "stop", "message": "Stop vitamin D."},
        {"code": "vitd_toxicity", "level": "urgent", "message": "Seek care."},
        {"code": "x", "level": "bogus", "message": "dropped"},
    ]  # fmt: skip
    pv = present_plan({"phase": "hold", "alerts": alerts})
    assert [a.level for a in pv.halting] == ["stop", "urgent"]
    (non_responder,) = pv.warnings  # the same text twice becomes one item
    assert non_responder.message == "25(OH)D rose less."
    assert len(non_responder.details) == 2  # each cause once
    assert [a.code for a in pv.notes] == ["pth_elevated"]
    assert pv.headline == "halt"


def test_magnesium_advice_names_only_the_schedule_it_has():
    take = "split doses: with breakfast and 30-60 min before bed; single dose before bed"
    line = {"nutrient": "magnesium", "daily_min": 300, "daily_max": 400, "unit": "mg",
            "take_with": take, "schedule": [{"time": "morning", "amount_min": 150,
                                             "amount_max": 200},
                                            {"time": "bedtime", "amount_min": 150,
                                             "amount_max": 200}]}  # fmt: skip
    assert present_plan({"supplements": [line]}).lines[0].take_with.startswith("split doses")
    line["schedule"] = line["schedule"][1:]
    assert present_plan({"supplements": [line]}).lines[0].take_with == "single dose before bed"


def test_codes_in_the_engines_free_text_become_names():
    assert humanize("excessive_thirst, kidney_stones; pth_intact 70") == (
        "excessive thirst or urination, kidney stones; PTH 70"
    )


def test_one_retest_date_the_reminder_then_the_overdue_day_then_the_plan():
    data = {"retest": {"due_on": "2026-12-20", "overdue_since": None, "tests": ["mg_rbc"]}}
    assert retest_view(data, today=TODAY).due_on == D(2026, 12, 20)
    assert retest_view(data, today=TODAY).tests == ["RBC Mg"]
    data["retest"]["overdue_since"] = "2026-10-27"
    overdue = retest_view(data, today=TODAY)
    assert overdue.due_on == D(2026, 10, 27) and overdue.overdue_days == 35
    assert overdue.due_text == "27 Oct 2026" == fmt_date("2026-10-27")
    reminder = retest_view(data, today=TODAY, reminder_due_on=D(2027, 1, 5))
    assert reminder.due_on == D(2027, 1, 5) and not reminder.overdue
    assert retest_view({}, today=TODAY) is None


def test_a_held_plan_says_what_to_do_with_each_supplement_and_whom_to_ask():
    plan = compute_plan(
        snap(m("vitd_25oh", 18), flags={"kidney_stones"},
             taking={"vitamin_d3": 5000, "magnesium": 300})
    )  # fmt: skip
    data = plan.to_dict()
    inputs = {"flags": ["kidney_stones"], "taking": [
        {"nutrient": "vitamin_d3", "amount": 5000, "unit": "IU"},
        {"nutrient": "magnesium", "amount": 300, "unit": "mg"}]}  # fmt: skip
    pv = present_plan(data, inputs)
    assert pv.on_hold and pv.headline == "hold"
    advice = {row.nutrient: row.advice for row in pv.comparisons}
    assert set(advice) == {"vitamin_d3", "magnesium"}
    assert all("physician" in text or text == "Stop it." for text in advice.values())
    assert "kidney stones" in pv.adviser


def test_every_source_the_rules_cite_resolves_to_a_reference_on_the_sources_page():
    sources: set[str] = set()
    for rules in RULE_SETS.values():
        for group in (rules.alerts, rules.retests, rules.forms, rules.doses):
            sources |= {getattr(r, "source", "") for r in group.values()}
    for source in filter(None, sources):
        cited = resolve(source)
        assert cited, source
        assert all(c.reference.key in REFERENCES for c in cited)
    assert resolve("seed:002 §Phase 2: Maintenance")[0].section == "Phase 2: Maintenance"


def test_history_changes_read_in_words():
    old = {"phase": "correction", "retest": {"due_on": "2026-03-01"}}
    new = {"phase": "maintenance", "retest": {"due_on": "2026-09-01"}}
    assert plan_changes(old, new) == [
        "Phase: Correction → Maintenance",
        "Retest: 1 Mar 2026 → 1 Sep 2026",
    ]


CODES = engine_codes()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(CODES),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
plan_keys = st.sampled_from(
    ["phase", "alerts", "supplements", "markers", "retest", "response", "expected_at_retest"]
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(plan_keys, json_values))
def test_any_stored_json_renders_without_failing(data):
    pv = present_plan(data, {"flags": ["kidney_stones"], "taking": data.get("alerts")})
    phase = data.get("phase") if isinstance(data.get("phase"), str) else None
    assert pv.headline in {"halt", "hold", "empty", "correction", "maintenance", phase}


@pytest.mark.parametrize("rules", sorted(RULE_SETS))
@pytest.mark.parametrize("vitd", [12, 25, 33, 38, 50, 80, 120, 200])
def test_the_words_a_person_reads_carry_no_raw_code(rules, vitd):
    plan = compute_plan(
        snap(m("vitd_25oh", vitd), m("mg_rbc", 4.2), m("pth_intact", 70), m("ca_total", 10.3),
             symptoms={"excessive_thirst": 2, "muscle_cramps": 3},
             flags={"mg_depleting_medication"}, rules=rules)
    ).to_dict()  # fmt: skip
    pv = present_plan(plan, {"flags": ["mg_depleting_medication"]})
    shown = [pv.phase_reason, pv.rule_set]
    for alert in [*pv.halting, *pv.warnings, *pv.notes]:
        shown += [alert.message, *alert.details, alert.why.reason]
    for line in pv.lines + pv.stopped:
        shown += [line.label, line.daily, line.take_with, line.why.reason]
    shown += [m.label + m.state + m.target for m in pv.markers]
    text = " ".join(map(str, shown))
    leaked = [code for code in CODES if code in text.split() or f" {code}," in text]
    assert leaked == []


class _SiPerson:
    """Anything with preferred_unit works: a person reading nmol/L and mmol/L."""

    def preferred_unit(self, code):
        return {"vitd_25oh": "nmol/L", "mg_rbc": "mmol/L", "mg_serum": "mmol/L"}.get(code)


def test_expected_values_and_the_response_are_in_the_persons_units():
    data = {
        "expected_at_retest": {"vitd_25oh": [40, 60], "mg_rbc": [5.5, 6.5]},
        "response": {
            "vitd_25oh": {"previous": 20, "current": 22, "expected": [28, 34], "on_track": False}
        },
    }
    pv = present_plan(data, user=_SiPerson())
    assert dict(pv.expected) == {"25(OH)D": "100–150 nmol/L", "RBC Mg": "2.26–2.67 mmol/L"}
    (response,) = pv.response
    assert (response["previous"], response["current"]) == ("50", "55")
    assert response["expected"] == "70–85 nmol/L"
    assert "ng/mL" not in str(pv.expected) + str(pv.response)


def test_without_a_person_the_canonical_unit_is_shown():
    pv = present_plan({"expected_at_retest": {"vitd_25oh": [40, 60]}})
    assert dict(pv.expected) == {"25(OH)D": "40–60 ng/mL"}


@pytest.mark.usefixtures("compiled_translations")
def test_engine_sentences_are_translated_at_display_time_values_and_all():
    from django.utils import translation

    from protocols.presenters import engine_text, humanize
    from protocols.wording import gettext_noop

    # A template the German catalogue holds (the dashboard's); the engine marks its own alike.
    template = (
        "%(label)s: above the upper limit of %(limit)s a day — only under medical supervision."
    )
    assert gettext_noop(template) == template  # a no-op that records the template
    stored = "Vitamin D3: above the upper limit of 4,000 IU a day — only under medical supervision."
    with translation.override("de"):
        assert engine_text(stored) == (
            "Vitamin D3: über der Höchstmenge von 4.000 IE pro Tag – nur unter ärztlicher Aufsicht."
        )
        assert engine_text("Keep it. Nothing known here.") == "Beibehalten. Nothing known here."
    assert humanize(stored) == stored  # English: as the engine wrote it

"""Property tests of the rules engine over random snapshots (hypothesis)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.engine import (
    GOALS,
    LIFE_EVENTS,
    NUTRIENTS,
    PROFILE_FLAGS,
    SYMPTOMS,
    Intake,
    Measurement,
    Plan,
    Snapshot,
    compute_plan,
)
from protocols.engine.snapshot import taken_totals
from protocols.rules import AUTHORITIES, RULE_SETS, rules_for

FAST = settings(max_examples=200, deadline=None)

# Canonical unit and a range a little wider than plausible values, per marker.
MARKERS = {
    "vitd_25oh": ("ng/mL", 0, 200),
    "mg_rbc": ("mg/dL", 1, 9),
    "mg_serum": ("mg/dL", 0.5, 4),
    "ca_total": ("mg/dL", 6, 15),
    "ca_ionized": ("mg/dL", 3, 7),
    "pth_intact": ("pg/mL", 1, 200),
    "egfr": ("mL/min/1.73m2", 5, 150),
    "albumin": ("g/dL", 1, 6),
}

dates = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))


def measurements(code: str) -> st.SearchStrategy[list[Measurement]]:
    unit, low, high = MARKERS[code]
    value = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    qualifier = st.sampled_from(["", "", "", "", "<", ">"])
    return st.lists(
        st.builds(
            Measurement, value=value, unit=st.just(unit), drawn_on=dates, qualifier=qualifier
        ),
        max_size=3,
    )


@st.composite
def results(draw: st.DrawFn) -> dict[str, list[Measurement]]:
    codes = draw(st.lists(st.sampled_from(sorted(MARKERS)), unique=True, max_size=len(MARKERS)))
    return {code: draw(measurements(code)) for code in codes}


@st.composite
def intakes(draw: st.DrawFn) -> Intake:
    nutrient = draw(st.sampled_from(sorted(NUTRIENTS)))
    unit = draw(st.sampled_from([NUTRIENTS[nutrient][1], NUTRIENTS[nutrient][1], "mcg", "mg"]))
    amount = draw(st.floats(min_value=0, max_value=20000, allow_nan=False))
    return Intake(nutrient, amount, unit, since=draw(st.none() | dates))


snapshots = st.builds(
    Snapshot,
    as_of=dates,
    results=results(),
    symptoms=st.dictionaries(st.sampled_from(sorted(SYMPTOMS)), st.integers(0, 3)),
    previous_symptoms=st.dictionaries(st.sampled_from(sorted(SYMPTOMS)), st.integers(0, 3)),
    taking=st.lists(intakes(), max_size=4),
    flags=st.frozensets(st.sampled_from(sorted(PROFILE_FLAGS)), max_size=3),
    goal=st.none() | st.sampled_from(sorted(GOALS)),
    life_events=st.lists(st.tuples(st.sampled_from(sorted(LIFE_EVENTS)), dates), max_size=2),
    rules=st.sampled_from(sorted(RULE_SETS)),
    limits=st.sampled_from(sorted(AUTHORITIES)),
)


def limit_of(plan: Plan, nutrient: str) -> float | None:
    """The upper limit in force for this plan (its rule set under its authority)."""
    rules = rules_for(plan.rule_set, plan.upper_limits["authority"])
    return rules.upper_limits[nutrient].limit


@FAST
@given(snapshots)
def test_it_never_raises_and_serialises(snapshot):
    plan = compute_plan(snapshot)
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["phase"] in {"correction", "maintenance", "hold", "insufficient_data"}
    assert compute_plan(snapshot) == plan  # deterministic


@FAST
@given(snapshots)
def test_doses_are_never_negative_or_inverted_and_schedules_add_up(snapshot):
    for line in compute_plan(snapshot).supplements:
        assert 0 <= line.daily_min <= line.daily_max
        assert line.unit == NUTRIENTS[line.nutrient][1]
        if line.daily_max > 0:
            assert line.schedule
        for item in line.schedule:
            assert 0 <= item.amount_min <= item.amount_max
        if line.schedule:
            assert math.isclose(sum(i.amount_min for i in line.schedule), line.daily_min)
            assert math.isclose(sum(i.amount_max for i in line.schedule), line.daily_max)


@FAST
@given(snapshots)
def test_every_dose_above_the_chosen_limit_is_flagged_and_none_below(snapshot):
    plan = compute_plan(snapshot)
    taken = taken_totals(snapshot.taking)
    flagged = {a.nutrient for a in plan.alerts if a.code == "above_upper_limit"}
    for line in plan.supplements:
        limit = limit_of(plan, line.nutrient)
        assert line.above_upper_limit is (limit is not None and line.daily_max > limit)
        assert line.taking_above_upper_limit is (limit is not None and line.taking > limit)
    should = set()
    for nutrient in NUTRIENTS:
        limit, line = limit_of(plan, nutrient), plan.line(nutrient)
        recommended = line.daily_max if line else 0
        if limit is not None and max(recommended, taken.get(nutrient, 0)) > limit:
            should.add(nutrient)
    assert flagged == should


@FAST
@given(snapshots)
def test_within_limits_never_recommends_above_the_chosen_limit(snapshot):
    plan = compute_plan(replace(snapshot, rules="within-limits"))
    for line in plan.supplements:
        limit = limit_of(plan, line.nutrient)
        assert limit is None or line.daily_max <= limit, line


@FAST
@given(snapshots)
def test_above_the_target_band_vitamin_d_is_never_added_or_raised(snapshot):
    plan = compute_plan(snapshot)
    marker = plan.markers.get("vitd_25oh")
    if marker is None or marker.qualifier == "<" or marker.target[1] is None:
        return
    if marker.value <= marker.target[1]:
        return
    line = plan.line("vitamin_d3")
    if line is not None:
        assert line.action in ("keep", "reduce", "pause", "stop")
        assert line.daily_max <= line.taking


@FAST
@given(snapshots)
def test_every_taken_nutrient_has_a_line_saying_what_to_do(snapshot):
    plan = compute_plan(snapshot)
    for nutrient in taken_totals(snapshot.taking):
        line = plan.line(nutrient)
        assert line is not None, nutrient
        assert line.action in ("keep", "increase", "reduce", "pause", "stop")
        assert line.reason


@FAST
@given(snapshots)
def test_a_non_responders_dose_never_drops_below_what_they_take(snapshot):
    plan = compute_plan(snapshot)
    rules = rules_for(plan.rule_set, plan.upper_limits["authority"])
    taken = taken_totals(snapshot.taking)
    nutrient_of = {"vitd_25oh": "vitamin_d3", "mg_rbc": "magnesium"}
    kidney = any(a.code == "kidney_function" and a.stops for a in plan.alerts)
    for alert in plan.alerts:
        if alert.code != "non_responder":
            continue
        nutrient = nutrient_of[alert.marker]
        line = plan.line(nutrient)
        if line is None or line.action in ("stop", "pause"):
            assert any(nutrient in a.stops for a in plan.alerts) or plan.phase == "hold"
            continue
        floor = taken[nutrient]
        limit = rules.upper_limits[nutrient].limit
        if rules.caps_doses and limit is not None:
            floor = min(floor, limit)
        if kidney and nutrient == "vitamin_d3":
            floor = min(floor, rules.doses["d3.maintenance"].daily_max)
        assert line.daily_min >= floor, (line, floor)


@FAST
@given(snapshots)
def test_a_stop_or_urgent_alert_brings_its_markers_retest_within_14_days(snapshot):
    plan = compute_plan(snapshot)
    for alert in plan.alerts:
        if alert.level not in ("stop", "urgent"):
            continue
        assert alert.retest_tests, alert.code
        assert plan.retest is not None
        assert set(alert.retest_tests) <= set(plan.retest.tests)
        assert plan.retest.latest_on <= plan.as_of + timedelta(days=14)


@FAST
@given(snapshots)
def test_no_stop_alert_coexists_with_a_positive_dose_of_what_it_stops(snapshot):
    plan = compute_plan(snapshot)
    positive = {line.nutrient for line in plan.supplements if line.daily_max > 0}
    for alert in plan.alerts:
        assert not set(alert.stops) & positive, alert.code
        if alert.level in ("stop", "urgent"):
            assert alert.stops
            assert plan.phase == "hold"
    if plan.phase == "hold":  # nothing is taken on while a safety rule or a flag holds
        assert not positive
    if plan.phase == "insufficient_data":  # nothing is added without a result
        assert all(line.taking for line in plan.supplements)


@FAST
@given(snapshots)
def test_retest_is_always_after_today(snapshot):
    plan = compute_plan(snapshot)
    if plan.retest is not None:
        assert plan.retest.due_on > plan.as_of
        assert plan.retest.latest_on >= plan.retest.due_on
        assert plan.retest.tests
        if "symptoms_worsening" in plan.alert_codes():  # seed: symptoms return -> sooner
            assert plan.retest.latest_on <= plan.as_of + timedelta(weeks=4)

"""Property tests of the rules engine over random snapshots (hypothesis)."""

from __future__ import annotations

import json
import math
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
    Snapshot,
    compute_plan,
)
from protocols.rules import RULE_SETS

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
    return st.lists(
        st.builds(Measurement, value=value, unit=st.just(unit), drawn_on=dates), max_size=3
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
    return Intake(nutrient, amount, unit)


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
)


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
def test_every_dose_above_its_upper_limit_is_flagged(snapshot):
    plan = compute_plan(snapshot)
    flagged = {a.nutrient for a in plan.alerts if a.code == "above_upper_limit"}
    for line in plan.supplements:
        limit = NUTRIENTS[line.nutrient][2]
        above = limit is not None and line.daily_max > limit
        assert line.above_upper_limit is above
        if above or (limit is not None and line.taking > limit):
            assert line.nutrient in flagged
    for nutrient in flagged:
        assert NUTRIENTS[nutrient][2] is not None


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
    if plan.phase in ("hold", "insufficient_data"):
        assert not positive


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

"""Adherence (issue #17): the rate from logged days, the backfill window, and the engine's
cause ordering by adherence, through the engine, the CLI and the person's stored log."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.adherence import (
    BACKFILL_DAYS,
    Logged,
    adherence_rate,
    can_log,
    current_rate,
    judged_rates,
    loggable_days,
)
from protocols.engine import Intake, Measurement, Snapshot, compute_plan
from protocols.models import DoseLog
from protocols.services import DoseDayRefused, dose_set, plan_refresh, snapshot_for_user
from tests.factories import DoseLogFactory, IntakeFactory, ResultFactory

D1 = date(2026, 1, 1)


def days(start: date, *offsets: int) -> set[date]:
    return {start + timedelta(days=i) for i in offsets}


# --- the rate ----------------------------------------------------------------------------


def test_every_day_logged_is_one():
    assert adherence_rate(days(D1, *range(10)), start=D1, end=D1 + timedelta(9)) == 1.0


def test_missed_days_lower_the_rate():
    taken = days(D1, *range(0, 10, 2))  # every other day of ten
    assert adherence_rate(taken, start=D1, end=D1 + timedelta(9)) == 0.5


def test_a_back_filled_day_counts_like_one_tapped_that_day():
    taken = days(D1, 0, 1, 2, 4)
    before = adherence_rate(taken, start=D1, end=D1 + timedelta(4))
    after = adherence_rate(taken | days(D1, 3), start=D1, end=D1 + timedelta(4))
    assert (before, after) == (0.8, 1.0)


def test_days_before_the_supplement_started_do_not_count():
    started = D1 + timedelta(days=5)
    taken = days(D1, 5, 6, 7, 8, 9)
    assert adherence_rate(taken, start=D1, end=D1 + timedelta(9), started_on=started) == 1.0
    # Without the start, the five days before it would count as missed... but nothing was
    # logged then either: tracking begins with the first logged day.
    assert adherence_rate(taken, start=D1, end=D1 + timedelta(9)) == 1.0
    first = D1 + timedelta(days=2)
    assert adherence_rate(taken, start=D1, end=D1 + timedelta(9), first_logged=first) == 5 / 8


def test_nothing_logged_is_unknown_not_zero():
    assert adherence_rate(set(), start=D1, end=D1 + timedelta(30)) is None
    assert adherence_rate(days(D1, 40), start=D1, end=D1 + timedelta(30)) is None


def test_logging_stopped_is_missed_days():
    taken = days(D1, 0, 1)
    assert adherence_rate(taken, start=D1 + timedelta(5), end=D1 + timedelta(9)) == 0.0


def test_today_counts_only_once_logged():
    today = D1 + timedelta(days=3)
    logged = Logged("magnesium", frozenset(days(D1, 0, 1, 2)), None, D1)
    assert current_rate(logged, since=D1, today=today) == 1.0  # today not logged yet
    logged = Logged("magnesium", frozenset(days(D1, 0, 1, 2, 3)), None, D1)
    assert current_rate(logged, since=D1, today=today) == 1.0
    logged = Logged("magnesium", frozenset(days(D1, 0, 2)), None, D1)
    assert current_rate(logged, since=D1, today=today) == 2 / 3


def test_the_judged_rate_runs_from_the_previous_draw_to_the_day_before_the_latest():
    previous, latest = D1, D1 + timedelta(days=10)
    logged = Logged("magnesium", frozenset(days(D1, *range(0, 10, 2), 10)), None, D1)
    assert judged_rates([logged], {"mg_rbc": (previous, latest)}) == {"magnesium": 0.5}
    assert judged_rates([logged], {"vitd_25oh": (previous, latest)}) == {}


day_offsets = st.sets(st.integers(min_value=-60, max_value=60), max_size=80)


@given(
    taken=day_offsets,
    start=st.integers(-60, 60),
    length=st.integers(0, 90),
    started=st.none() | st.integers(-60, 60),
    first=st.none() | st.integers(-60, 60),
)
def test_the_rate_is_always_between_zero_and_one(taken, start, length, started, first):
    rate = adherence_rate(
        {D1 + timedelta(days=i) for i in taken},
        start=D1 + timedelta(days=start),
        end=D1 + timedelta(days=start + length),
        started_on=None if started is None else D1 + timedelta(days=started),
        first_logged=None if first is None else D1 + timedelta(days=first),
    )
    assert rate is None or 0.0 <= rate <= 1.0


# --- which days may be logged -------------------------------------------------------------


def test_the_last_seven_days_may_be_logged_and_nothing_else():
    today = date(2026, 3, 10)
    allowed = loggable_days(today=today)
    assert allowed == [today - timedelta(days=i) for i in range(BACKFILL_DAYS)]
    assert not can_log(today + timedelta(days=1), today=today)
    assert not can_log(today - timedelta(days=BACKFILL_DAYS), today=today)
    started = today - timedelta(days=2)
    assert loggable_days(today=today, started_on=started) == [today, today - timedelta(1), started]
    assert not can_log(started - timedelta(days=1), today=today, started_on=started)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    existing=st.sets(st.integers(-20, 5), max_size=20),
    taps=st.lists(st.tuples(st.integers(-20, 5), st.booleans()), max_size=15),
)
def test_backfill_never_changes_a_day_outside_the_window(user, existing, taps):
    today = date.today()
    intake = IntakeFactory(user=user, nutrient="vitamin_d3", amount=5000, unit="IU")
    DoseLog.objects.bulk_create(
        [DoseLog(user=user, intake=intake, taken_on=today + timedelta(days=i)) for i in existing]
    )
    first, last = today - timedelta(days=BACKFILL_DAYS - 1), today

    def outside() -> set[date]:
        logged = DoseLog.objects.filter(intake=intake).values_list("taken_on", flat=True)
        return {d for d in logged if not first <= d <= last}

    before = outside()
    for offset, taken in taps:
        day = today + timedelta(days=offset)
        try:
            dose_set(user=user, intake=intake, day=day, taken=taken, today=today)
        except DoseDayRefused:
            assert not first <= day <= last
        else:
            assert first <= day <= last
            assert DoseLog.objects.filter(intake=intake, taken_on=day).exists() is taken
    assert outside() == before
    intake.delete()


# --- the engine ---------------------------------------------------------------------------

BASE = date(2026, 1, 5)
LATER = BASE + timedelta(weeks=12)


def slow_magnesium(adherence: dict[str, float]) -> Snapshot:
    return Snapshot(
        as_of=LATER,
        results={"mg_rbc": [Measurement(4.2, "mg/dL", BASE), Measurement(4.4, "mg/dL", LATER)]},
        taking=(Intake("magnesium", 400, "mg"),),
        adherence=adherence,
    )


def non_responder(plan):
    return next(a for a in plan.alerts if a.code == "non_responder")


@pytest.mark.parametrize(
    ("rate", "first"),
    [
        pytest.param(None, ("absorption", "adherence"), id="unknown-keeps-the-seed-order"),
        pytest.param(0.6, ("adherence", "absorption"), id="60-percent-adherence-first"),
        pytest.param(0.79, ("adherence", "absorption"), id="79-percent-adherence-first"),
        pytest.param(0.8, ("absorption", "cofactors"), id="80-percent-absorption-first"),
        pytest.param(0.95, ("absorption", "cofactors"), id="95-percent-absorption-first"),
    ],
)
def test_the_engine_orders_a_slow_responses_causes_by_adherence(rate, first):
    plan = compute_plan(slow_magnesium({} if rate is None else {"magnesium": rate}))
    alert = non_responder(plan)
    assert alert.causes[:2] == first
    assert sorted(alert.causes) == ["absorption", "adherence", "cofactors", "losses"]
    if rate is not None and rate < 0.8:
        assert "simpler" in alert.message and f"{round(rate * 100)} %" in alert.message
    assert plan.to_dict()["adherence"] == ({} if rate is None else {"magnesium": rate})


def test_adherence_of_another_nutrient_does_not_reorder():
    alert = non_responder(compute_plan(slow_magnesium({"vitamin_d3": 0.2})))
    assert alert.causes[0] == "absorption"


@pytest.mark.parametrize("bad", [float("nan"), -0.5, 3.0, True, "0.5"])
def test_out_of_range_or_odd_rates_never_break_the_engine(bad):
    plan = compute_plan(slow_magnesium({"magnesium": bad, "unknown": 0.1}))
    assert set(plan.to_dict()["adherence"]) <= {"magnesium"}
    assert all(0 <= r <= 1 for r in plan.to_dict()["adherence"].values())


# --- the CLI ------------------------------------------------------------------------------

SLOW = [
    "--result", "mg_rbc=4.2:mg/dL@2026-01-05",
    "--result", "mg_rbc=4.4:mg/dL@2026-03-30",
    "--taking", "magnesium=400:mg",
    "--as-of", "2026-03-30", "--json",
]  # fmt: skip


def cli(*args: str) -> dict:
    out = io.StringIO()
    call_command("plan", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(("rate", "first"), [("0.6", "adherence"), ("0.9", "absorption")])
def test_the_cli_passes_adherence_to_the_engine(rate, first):
    data = cli(*SLOW, "--adherence", f"magnesium={rate}")
    alert = next(a for a in data["alerts"] if a["code"] == "non_responder")
    assert alert["causes"][0] == first
    assert data["adherence"] == {"magnesium": float(rate)}


@pytest.mark.parametrize(
    "value",
    ["magnesium=1.5", "magnesium=-0.1", "magnesium=abc", "iron=0.5", "magnesium", "magnesium=nan"],
)
def test_the_cli_refuses_a_bad_rate_in_one_line(value):
    with pytest.raises(CommandError) as caught:
        cli(*SLOW, "--adherence", value)
    assert "\n" not in str(caught.value) and "--adherence" in str(caught.value)


def test_the_cli_refuses_a_nutrient_given_twice():
    with pytest.raises(CommandError, match="twice"):
        cli(*SLOW, "--adherence", "magnesium=0.5", "--adherence", "magnesium=0.7")


# --- the person's log reaches their plan -------------------------------------------------


def slow_person(user, *, logged_every: int):
    today = date.today()
    previous = today - timedelta(weeks=12)
    for on, value in ((previous, 4.2), (today, 4.4)):
        ResultFactory(
            panel__user=user, panel__drawn_on=on, analyte="mg_rbc", value=value, unit="mg/dL"
        )
    intake = IntakeFactory(user=user, nutrient="magnesium", amount=400, unit="mg")
    for i in range(0, 84, logged_every):
        DoseLogFactory(intake=intake, taken_on=previous + timedelta(days=i))
    return intake


@pytest.mark.django_db
def test_the_stored_log_becomes_the_snapshots_adherence_and_orders_the_causes(user):
    slow_person(user, logged_every=2)
    snapshot = snapshot_for_user(user)
    assert snapshot.adherence == {"magnesium": 0.5}
    plan = plan_refresh(user)
    alert = next(a for a in plan.data["alerts"] if a["code"] == "non_responder")
    assert alert["causes"][0] == "adherence"
    assert plan.inputs["adherence"] == {"magnesium": 0.5}


@pytest.mark.django_db
def test_a_person_who_logs_every_day_gets_absorption_first(user):
    slow_person(user, logged_every=1)
    alert = next(a for a in plan_refresh(user).data["alerts"] if a["code"] == "non_responder")
    assert alert["causes"][:2] == ["absorption", "cofactors"]


@pytest.mark.django_db
def test_a_person_who_logs_nothing_has_no_adherence_in_the_plan(user):
    slow_person(user, logged_every=1000)  # the first day only
    DoseLog.objects.all().delete()
    assert snapshot_for_user(user).adherence == {}
    assert "adherence" not in plan_refresh(user).inputs

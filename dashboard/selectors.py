"""Reads for the dashboard and the trends page.

Every function here is one query (or none) whatever the length of the person's history:
series come back as plain tuples, already ordered, so the views and the chart functions
never touch the ORM again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, F, Subquery, Sum, Value, When
from django.utils import timezone

from labs.analytes import ANALYTES
from labs.display import format_dose
from labs.models import Result, SymptomEntry
from labs.selectors import newest_results
from protocols.models import NUTRIENT_CHOICES, Plan, SupplementIntake
from protocols.reminders.selectors import next_reminder

_NUTRIENT_LABELS = dict(NUTRIENT_CHOICES)

# How far back each time range of the trends page reaches; None is "all".
RANGE_DAYS: dict[str, int | None] = {"6m": 183, "1y": 365, "all": None}


@dataclass(frozen=True)
class Point:
    """One measured value of one analyte, in the canonical unit."""

    drawn_on: dt.date
    canonical_value: float
    lab: str
    qualifier: str = ""  # "<" / ">": a censored result, canonical_value is the limit
    ref_low: float | None = None  # the range its lab printed, canonical (either end optional)
    ref_high: float | None = None
    ref_flag: str = ""  # the lab's H/L as printed


@dataclass(frozen=True)
class Latest:
    """The newest value of an analyte and the one before it (None after a single draw)."""

    analyte: str
    current: Point
    previous: Point | None


@dataclass(frozen=True)
class Change:
    """A dated event drawn on a chart: a supplement started or changed, a plan phase."""

    on: dt.date
    label: str


def range_start(range_key: str, *, today: dt.date) -> dt.date | None:
    """First day a time range covers, or None for the whole history."""
    days = RANGE_DAYS.get(range_key)
    return None if days is None else today - dt.timedelta(days=days)


def analytes_with_results(*, user) -> list[str]:
    """Codes of the analytes this person has at least one result for, in catalog order."""
    present = set(
        Result.objects.filter(user=user).values_list("analyte", flat=True).distinct().order_by()
    )
    return [code for code in ANALYTES if code in present]


_POINT_FIELDS = ("drawn_on", "canonical_value", "panel__lab", "qualifier",
                 "ref_low_canonical", "ref_high_canonical", "ref_flag")  # fmt: skip


def _point(drawn_on, value, lab, qualifier, ref_low, ref_high, ref_flag) -> Point:
    return Point(drawn_on, value, lab or "", qualifier, ref_low, ref_high, ref_flag)


def result_series(*, user, analyte: str, since: dt.date | None = None) -> list[Point]:
    """A person's values of one analyte, oldest first, with the lab of each draw."""
    rows = Result.objects.filter(user=user, analyte=analyte)
    if since is not None:
        rows = rows.filter(drawn_on__gte=since)
    rows = rows.order_by("drawn_on", "id").values_list(*_POINT_FIELDS)
    return [_point(*row) for row in rows]


def recent_series(*, user, analyte: str, limit: int) -> list[Point]:
    """The last `limit` values of one analyte, oldest first: a fixed cost for a sparkline."""
    rows = (
        Result.objects.filter(user=user, analyte=analyte)
        .order_by("-drawn_on", "-id")
        .values_list(*_POINT_FIELDS)[:limit]
    )
    return [_point(*row) for row in reversed(rows)]


def latest_results(*, user) -> list[Latest]:
    """The newest and the previous value of every analyte the person has, in catalog order.

    One query: a window function numbers each analyte's results newest first and only
    the first two of each are read, so 5 or 500 panels cost the same.
    """
    ranked = newest_results(user=user, per_analyte=2).values_list(
        "analyte", "rank", "drawn_on", "canonical_value", "panel__lab", "qualifier", "unit"
    )
    pairs: dict[str, list[Point]] = {}
    entered: dict[str, str] = {}
    for analyte, rank, drawn_on, value, lab, qualifier, unit in ranked:
        pairs.setdefault(analyte, []).append(Point(drawn_on, value, lab or "", qualifier))
        if rank == 1:
            entered[analyte] = unit
    user.remember_entered_units(entered)  # the units they read these in (no query)
    return [
        Latest(code, pairs[code][0], pairs[code][1] if len(pairs[code]) > 1 else None)
        for code in ANALYTES
        if code in pairs
    ]


def symptom_burden(*, user, since: dt.date | None = None) -> list[tuple[dt.date, int]]:
    """Sum of symptom severities per check-in date, oldest first."""
    rows = SymptomEntry.objects.filter(user=user)
    if since is not None:
        rows = rows.filter(recorded_on__gte=since)
    rows = rows.order_by("recorded_on").values("recorded_on").annotate(total=Sum("severity"))
    return [(row["recorded_on"], row["total"]) for row in rows]


def supplement_changes(*, user) -> list[Change]:
    """The dates the person started (or last changed) each supplement, oldest first."""
    intakes = (
        SupplementIntake.objects.filter(user=user, since__isnull=False)
        .order_by("since", "nutrient")
        .values_list("since", "nutrient", "amount", "unit")
    )
    return [
        Change(since, f"{_nutrient_label(nutrient)} {format_dose(amount, unit)}")
        for since, nutrient, amount, unit in intakes
    ]


def phase_changes(*, user) -> list[Change]:
    """The days the person's plan entered a new phase, oldest first (see
    phases_and_expectations)."""
    return phases_and_expectations(user=user, with_expectations=False)[0]


EXPECTATION_KEYS = ("markers", "expected_at_retest", "retest", "response")


def phases_and_expectations(
    *, user, with_expectations: bool = True
) -> tuple[list[Change], dict | None]:
    """The days the plan entered a new phase, oldest first, and what the expected band reads
    from the newest plan (dashboard.trajectory: markers, expected values, retest, response).

    One query: two small columns of every stored plan (a plan is stored only when its inputs
    change, so there are about as many as panels), and the JSON of the newest only. A day
    counts by the phase its last plan ended in, so a morning of profile edits (correction →
    hold → correction) is no change at all; a day is kept only when that phase differs
    from the day before's.
    """
    rows = Plan.objects.filter(user=user).order_by("created_at", "id")
    if with_expectations:
        newest = Plan.objects.filter(user=user).order_by("-created_at", "-id").values("id")[:1]
        data = Case(When(id=Subquery(newest), then=F("data")), default=Value(None))
        rows = rows.annotate(newest_data=data)
    by_day: dict = {}
    expectations = None
    fields = (
        ("created_at", "phase", "newest_data") if with_expectations else ("created_at", "phase")
    )
    for created_at, phase, *newest_data in rows.values_list(*fields):
        by_day[timezone.localdate(created_at)] = phase  # the day's last plan wins
        if newest_data and isinstance(newest_data[0], dict):
            expectations = {key: newest_data[0].get(key) for key in EXPECTATION_KEYS}
    changes: list[Change] = []
    previous = None
    for day, phase in sorted(by_day.items()):
        if phase != previous:
            changes.append(Change(day, phase))
            previous = phase
    return changes, expectations


def latest_plan(*, user) -> Plan | None:
    """The person's newest stored plan, or None before the first one."""
    # inputs is the snapshot the plan was computed from: large, and not shown here.
    return Plan.objects.filter(user=user).defer("inputs").order_by("-created_at", "-id").first()


def open_reminder(*, user):
    """The person's open retest reminder (one query), or None."""
    return next_reminder(user)


def _nutrient_label(code: str) -> str:
    return str(_NUTRIENT_LABELS.get(code, code))

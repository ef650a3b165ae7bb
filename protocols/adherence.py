"""Adherence: on how many days a supplement was taken, from the days logged (issue #17).

Pure functions over dates (no Django): the views and services decide which days a person
may log, the engine reads the rate (protocols.engine.snapshot.Snapshot.adherence).

A day counts from the latest of: the window's first day, the day the supplement was started
(its "taking since", when known) and the first day the person ever logged it — before that
nothing was tracked, so a missing log is no missed dose. The person's "today" counts only
once it is logged (the day is not over yet).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from protocols.engine.tiers import RESPONSE_NUTRIENT

# Missed days can be filled in for today and the six days before: a week, recalled while
# it is fresh; older days stay as they were.
BACKFILL_DAYS = 7

# The marker each nutrient's response is judged on (the engine's pairs, inverted).
MARKER_OF_NUTRIENT = {nutrient: marker for marker, nutrient in RESPONSE_NUTRIENT.items()}


def backfill_window(today: date) -> tuple[date, date]:
    """The first and last day a dose may be logged or unlogged: the last BACKFILL_DAYS."""
    return today - timedelta(days=BACKFILL_DAYS - 1), today


def can_log(day: date, *, today: date, started_on: date | None = None) -> bool:
    """Whether `day` may be marked taken or not taken: in the last week, not in the future,
    not before the supplement was started (when that is known)."""
    first, last = backfill_window(today)
    return first <= day <= last and (started_on is None or day >= started_on)


def loggable_days(*, today: date, started_on: date | None = None) -> list[date]:
    """The days `can_log` allows, newest first."""
    first, _last = backfill_window(today)
    days = (today - timedelta(days=i) for i in range(BACKFILL_DAYS))
    return [d for d in days if d >= first and (started_on is None or d >= started_on)]


def adherence_rate(
    taken: Iterable[date],
    *,
    start: date,
    end: date,
    started_on: date | None = None,
    first_logged: date | None = None,
) -> float | None:
    """The share (0..1) of days from `start` to `end` (both included) logged as taken.

    Days before `started_on` (the supplement's start) and before `first_logged` (the first
    day ever logged; the earliest of `taken` when not given) do not count. None when no day
    counts: nothing logged yet, or a window that ends before tracking began.
    """
    days = set(taken)
    first_logged = first_logged or (min(days) if days else None)
    if first_logged is None:
        return None
    first = max(start, first_logged, started_on or start)
    if first > end:
        return None
    hits = sum(1 for day in days if first <= day <= end)
    return hits / ((end - first).days + 1)


@dataclass(frozen=True)
class Logged:
    """One supplement's log as the rate needs it."""

    nutrient: str
    days: frozenset[date]  # the logged days read (from a window start on)
    started_on: date | None  # the intake's "taking since"
    first_logged: date | None  # the first day ever logged, whether read or not


def current_rate(logged: Logged, *, since: date, today: date) -> float | None:
    """Adherence since `since` (the last draw) up to today; today counts once logged."""
    end = today if today in logged.days else today - timedelta(days=1)
    return adherence_rate(
        logged.days,
        start=since,
        end=end,
        started_on=logged.started_on,
        first_logged=logged.first_logged,
    )


def judged_rates(
    logs: Iterable[Logged], draws: Mapping[str, tuple[date, date]]
) -> dict[str, float]:
    """nutrient -> adherence over the time whose response the engine judges: from the
    marker's previous draw to the day before its latest (`draws`: marker -> (previous,
    latest)). Nutrients without two draws of their marker, or with nothing logged then,
    are left out (unknown)."""
    rates: dict[str, list[float]] = {}
    for logged in logs:
        marker = MARKER_OF_NUTRIENT.get(logged.nutrient)
        if marker not in draws:
            continue
        previous, latest = draws[marker]
        rate = adherence_rate(
            logged.days,
            start=previous,
            end=latest - timedelta(days=1),
            started_on=logged.started_on,
            first_logged=logged.first_logged,
        )
        if rate is not None:
            rates.setdefault(logged.nutrient, []).append(rate)
    return {nutrient: round(min(found), 2) for nutrient, found in rates.items()}

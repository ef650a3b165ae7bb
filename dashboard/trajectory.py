"""Where a marker is expected to be if the plan is followed, read from the stored plan JSON.

Pure functions over the plan's JSON (PRODUCT.md §4.6), no queries. The band is the engine's
own expectation (protocols.engine.tiers.expected_by): from the value of the last draw, the
way to the 12-week target pro rata, the whole target from 12 weeks on. So:

- ahead: from the last draw to the retest, ending at the plan's ``expected_at_retest``
  (the retest window's end, or the due date when that is 12 weeks or more away);
- behind: from the previous draw to the latest one, ending at the plan's ``response``
  expectation — the numbers the non-responder check judged the latest value by, so the
  chart's "inside / below / above" and the dashboard's "on track / behind / ahead" are the
  plan's verdict in words.

Values are in the canonical unit; the chart converts them like every other number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from protocols.engine.tiers import FULL_RESPONSE_DAYS, expected_band_end, expected_by

Verdict = Literal["on_track", "behind", "ahead"]


@dataclass(frozen=True)
class Band:
    """A shaded band on the time axis: its corners (day, low, high), oldest first."""

    kind: Literal["ahead", "behind"]  # still to come (to the retest), or already judged
    corners: tuple[tuple[dt.date, float, float], ...]

    @property
    def end(self) -> tuple[dt.date, float, float]:
        return self.corners[-1]


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _pair(value: Any) -> tuple[float, float] | None:
    numbers = isinstance(value, list | tuple) and len(value) == 2
    if numbers and all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        return float(value[0]), float(value[1])
    return None


def _mapping(data: Mapping[str, Any] | None, key: str) -> Mapping[str, Any]:
    value = (data or {}).get(key)
    return value if isinstance(value, Mapping) else {}


def band_end_on(drawn_on: dt.date, retest: Mapping[str, Any]) -> dt.date | None:
    """The day the band to the retest ends (protocols.engine.tiers.expected_band_end)."""
    due, latest = _day(retest.get("due_on")), _day(retest.get("latest_on"))
    return None if due is None else expected_band_end(drawn_on, due, latest)


def _corners(
    start_on: dt.date, start: float, target: tuple[float, float], ends: list[dt.date]
) -> tuple[tuple[dt.date, float, float], ...]:
    """The band's corners: the start, the 12-week bend, and `ends` (each where it falls)."""
    days = {start_on, *ends}
    full = start_on + dt.timedelta(days=FULL_RESPONSE_DAYS)
    if full < max(days):
        days.add(full)
    return tuple((day, *expected_by(start, target, (day - start_on).days)) for day in sorted(days))


def ahead_band(data: Mapping[str, Any] | None, analyte: str) -> Band | None:
    """From the last draw the plan rests on to the retest, ending at its expected values."""
    marker = _mapping(data, "markers").get(analyte)
    target = _pair(_mapping(data, "expected_at_retest").get(analyte))
    retest = _mapping(data, "retest")
    if not isinstance(marker, Mapping) or target is None or marker.get("qualifier"):
        return None
    drawn_on, value = _day(marker.get("drawn_on")), marker.get("value")
    if drawn_on is None or not isinstance(value, int | float):
        return None
    end = band_end_on(drawn_on, retest)
    if end is None or end <= drawn_on:
        return None
    due = _day(retest.get("due_on"))
    ends = [end] + ([due] if due and drawn_on < due < end else [])
    return Band("ahead", _corners(drawn_on, float(value), target, ends))


def behind_band(data: Mapping[str, Any] | None, analyte: str) -> Band | None:
    """From the previous draw (or the dose's start) to the latest: the band the plan judged
    the latest value by, ending at its response's expected values."""
    response = _mapping(data, "response").get(analyte)
    if not isinstance(response, Mapping):
        return None
    expected = _pair(response.get("expected"))
    previous = response.get("previous")
    previous_on, drawn_on = _day(response.get("previous_drawn_on")), _day(response.get("drawn_on"))
    if expected is None or previous_on is None or drawn_on is None:
        return None
    if not isinstance(previous, int | float):
        return None
    since = _day(response.get("since"))
    start_on = max(previous_on, since) if since else previous_on
    elapsed = (drawn_on - start_on).days
    if elapsed <= 0:
        return None
    # The response's expected values are the band's end; before it the rise is pro rata,
    # so the band is straight between these corners.
    corners = [(start_on, float(previous), float(previous))]
    if elapsed > FULL_RESPONSE_DAYS:
        corners.append((start_on + dt.timedelta(days=FULL_RESPONSE_DAYS), *expected))
    corners.append((drawn_on, *expected))
    return Band("behind", tuple(corners))


def bands(data: Mapping[str, Any] | None, analyte: str) -> tuple[Band, ...]:
    """The judged band (if the latest draw was judged) and the band to the retest."""
    return tuple(b for b in (behind_band(data, analyte), ahead_band(data, analyte)) if b)


def verdict(data: Mapping[str, Any] | None, analyte: str) -> Verdict | None:
    """Whether the latest value landed inside the band the plan expected by its draw."""
    response = _mapping(data, "response").get(analyte)
    if not isinstance(response, Mapping):
        return None
    expected, current = _pair(response.get("expected")), response.get("current")
    on_track = response.get("on_track")
    if expected is None or not isinstance(current, int | float):
        return None
    # The engine's on_track (reached the expected low) decides behind; above the band is ahead.
    behind = current < expected[0] if not isinstance(on_track, bool) else not on_track
    if behind:
        return "behind"
    return "ahead" if current > expected[1] else "on_track"

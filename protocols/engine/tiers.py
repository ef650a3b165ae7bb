"""Which tier a marker falls in, and whether the last change was the expected response."""

from __future__ import annotations

from datetime import date, timedelta

from protocols.engine.kinds import D3, MG, MG_RBC, MG_SERUM, VITD
from protocols.engine.plan import Response
from protocols.engine.snapshot import Context, classify
from protocols.rules import Tier

# --- responses and tiers -------------------------------------------------------------------


# The 12-week targets of the Expected Improvements table are reached by 12 weeks (a new
# 25(OH)D steady state takes 8-12 weeks, CLINICAL.md §4); before that the rise is pro rata.
FULL_RESPONSE_DAYS = 84
RESPONSE_NUTRIENT = {VITD: D3, MG_RBC: MG}


def responses_of(ctx: Context) -> dict[str, Response]:
    """The change of each marker while its nutrient was taken, against the expected rise.

    The time on the dose runs from the intake's ``since`` (or the previous draw, if later)
    to the latest draw, else it is the gap between the two draws. It is judged from 6 weeks
    to a year; the expected rise from the previous value to the previous tier's 12-week
    target is scaled to that time, and complete from 12 weeks on.
    """
    responses = {}
    for marker, nutrient in RESPONSE_NUTRIENT.items():
        response = _response(ctx, marker, nutrient)
        if response is not None:
            responses[marker] = response
    return responses


def _response(ctx: Context, marker: str, nutrient: str) -> Response | None:
    low, high = ctx.rules.response_window_days
    reading = ctx.readings.get(marker)
    if reading is None or reading.previous is None or not ctx.takes(nutrient):
        return None
    if reading.censored or reading.previous.qualifier:
        return None  # a censored value is no number to compare
    since = ctx.since.get(nutrient)
    start = max(reading.previous.drawn_on, since) if since else reading.previous.drawn_on
    elapsed = (reading.latest.drawn_on - start).days
    before = classify(ctx.rules, marker, reading.previous.value)
    if not low <= elapsed <= high or before is None or before.expected is None:
        return None
    previous = reading.previous.value
    expected = expected_by(previous, (before.expected[0], before.expected[1]), elapsed)
    return Response(
        previous=previous,
        current=reading.latest.value,
        expected=(expected[0], expected[1]),
        on_track=reading.latest.value >= expected[0],
        previous_drawn_on=reading.previous.drawn_on,
        drawn_on=reading.latest.drawn_on,
        rule=before.id,
        elapsed_days=elapsed,
        since=since,
    )


def expected_by(
    start: float, target: tuple[float, float], elapsed_days: int
) -> tuple[float, float]:
    """Where a marker that was at `start` is expected `elapsed_days` into the dose: the way
    to the 12-week `target` pro rata, the whole target from 12 weeks on (rounded to 0.1).
    The non-responder check and the charts' expected band both read it."""
    share = min(max(elapsed_days, 0) / FULL_RESPONSE_DAYS, 1.0)
    low, high = (round(start + (x - start) * share, 1) for x in target)
    return low, high


def is_low(tier: Tier | None) -> bool:
    return tier is not None and tier.status == "low"


def dosing_tier(ctx: Context, marker: str, non_responder: bool) -> Tier | None:
    """The tier doses come from; a non-responder stays in (at least mild) correction."""
    tier = ctx.tier(marker)
    if non_responder and not is_low(tier):
        return [t for t in ctx.rules.tiers[marker] if t.status == "low"][-1]
    return tier


def magnesium_tier(ctx: Context, non_responder: bool) -> Tier | None:
    """RBC magnesium decides; without it a low serum value counts as low magnesium."""
    if MG_RBC in ctx.readings:
        return dosing_tier(ctx, MG_RBC, non_responder)
    serum = ctx.tier(MG_SERUM)
    return serum if is_low(serum) else None


def expected_band_end(drawn_on: date, due_on: date, latest_on: date | None) -> date:
    """The day the plan's expected values are for: the retest's due date when it is 12 weeks
    or more after the draw (the whole target is expected by then), else the retest window's
    end, at most 12 weeks on. The trends band, the dashboard and the plan page all end there."""
    full = drawn_on + timedelta(days=FULL_RESPONSE_DAYS)
    if due_on >= full or latest_on is None:
        return due_on
    return max(due_on, min(latest_on, full))

"""Which tier a marker falls in, and whether the last change was the expected response."""

from __future__ import annotations

from protocols.engine.kinds import MG_RBC, MG_SERUM, VITD
from protocols.engine.plan import Response
from protocols.engine.snapshot import Context, classify
from protocols.rules import Tier

# --- responses and tiers -------------------------------------------------------------------


def responses_of(ctx: Context) -> dict[str, Response]:
    """Change since the previous draw, against the previous tier's 12-week target."""
    low, high = ctx.rules.response_window_days
    responses = {}
    for marker in (VITD, MG_RBC):
        reading = ctx.readings.get(marker)
        if reading is None or reading.previous is None:
            continue
        gap = (reading.latest.drawn_on - reading.previous.drawn_on).days
        before = classify(ctx.rules, marker, reading.previous.value)
        if not low <= gap <= high or before is None or before.expected is None:
            continue
        responses[marker] = Response(
            previous=reading.previous.value,
            current=reading.latest.value,
            expected=before.expected,
            on_track=reading.latest.value >= before.expected[0],
            previous_drawn_on=reading.previous.drawn_on,
            drawn_on=reading.latest.drawn_on,
            rule=before.id,
        )
    return responses


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

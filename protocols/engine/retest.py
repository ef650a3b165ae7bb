"""Phase, retest date and the values expected at the retest."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

from protocols.engine.alerts import worsening_of
from protocols.engine.kinds import D3, HALTING_LEVELS, MG_RBC, MG_SERUM, VITD
from protocols.engine.plan import Alert, MarkerStatus, Retest, SupplementLine
from protocols.engine.snapshot import Context
from protocols.engine.tiers import is_low
from protocols.rules import LIFE_EVENTS, RetestRule, Tier

# --- phase, retest, expectations ----------------------------------------------------------


def phase_of(alerts: Sequence[Alert], d_tier: Tier | None, mg_tier: Tier | None) -> str:
    if any(a.level in HALTING_LEVELS or a.code == "protocol_not_applicable" for a in alerts):
        return "hold"
    if d_tier is None and mg_tier is None:
        return "insufficient_data"
    if is_low(d_tier) or is_low(mg_tier):
        return "correction"
    return "maintenance"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def after(day: date, days: int, months: int) -> date:
    return add_months(day, months) + timedelta(days=days)


def retest_anchor(ctx: Context) -> date:
    """The latest draw of the markers the plan rests on (any draw, else today)."""
    core = [ctx.readings[m].latest.drawn_on for m in (VITD, MG_RBC, MG_SERUM) if m in ctx.readings]
    anything = [r.latest.drawn_on for r in ctx.readings.values()]
    return max(core or anything or [ctx.as_of])


def retest_tests(
    ctx: Context, lines: Sequence[SupplementLine], alerts: Sequence[Alert]
) -> tuple[str, ...]:
    """25(OH)D and RBC Mg always; calcium beside vitamin D; PTH when it was high."""
    codes = {a.code for a in alerts}
    tests = [VITD, MG_RBC]
    takes_d = any(line.nutrient == D3 and line.daily_max > 0 for line in lines)
    calcium_reasons = {"hypercalcemia", "vitd_toxicity", "hypercalcemia_symptoms"}
    if takes_d or codes & calcium_reasons:
        tests.append("ca_total")
    if "pth_elevated" in codes:
        tests.append("pth_intact")
    return tuple(tests)


def life_event_cap(ctx: Context, anchor: date) -> tuple[date, str] | None:
    """The earliest 'retest within 3 months' limit set by a life event after the last draw."""
    caps = [
        (add_months(when, ctx.rules.life_event_cap_months), kind, when)
        for kind, when in ctx.snapshot.life_events
        if kind in LIFE_EVENTS and when > anchor
    ]
    if not caps:
        return None
    cap, kind, when = min(caps)
    return cap, f"{LIFE_EVENTS[kind].lower()} on {when.isoformat()}"


def symptom_cap(ctx: Context) -> date | None:
    """Worsening deficiency symptoms: retest within ~4 weeks of today (never before tomorrow)."""
    if worsening_of(ctx) is None:
        return None
    rule = ctx.rules.retests["retest.symptoms_worsening"]
    return max(after(ctx.as_of, rule.latest_days, rule.latest_months), ctx.as_of + timedelta(1))


def retest_rule(ctx: Context, phase: str, alerts: Sequence[Alert]) -> RetestRule | None:
    if phase == "insufficient_data":
        return None
    if phase == "hold":
        halted = any(a.level in HALTING_LEVELS for a in alerts)
        return ctx.rules.retests["retest.hold"] if halted else None
    return ctx.rules.retests[f"retest.{phase}"]


def plan_retest(
    ctx: Context, phase: str, lines: Sequence[SupplementLine], alerts: Sequence[Alert]
) -> Retest | None:
    rule = retest_rule(ctx, phase, alerts)
    if rule is None:
        return None
    anchor = retest_anchor(ctx)
    due = after(anchor, rule.due_days, rule.due_months)
    latest = after(anchor, rule.latest_days, rule.latest_months)
    reason = f"{phase}: retest after the {anchor.isoformat()} draw"
    rule_id = rule.id
    cap = life_event_cap(ctx, anchor)
    if cap is not None and cap[0] < latest:
        due, latest = min(due, cap[0]), cap[0]
        reason += f"; brought forward by {cap[1]}"
        rule_id = ctx.rules.retests["retest.life_event"].id
    soon = symptom_cap(ctx)
    if soon is not None and soon < latest:
        due, latest = min(due, soon), soon
        reason += "; brought forward by worsening symptoms"
        rule_id = ctx.rules.retests["retest.symptoms_worsening"].id
    overdue_since = due if due <= ctx.as_of else None
    if overdue_since:
        # due_on stays in the future (retest as soon as possible); the original date is kept
        # so reminders and the dashboard can say since when it is overdue.
        reason += f"; overdue since {due.isoformat()}"
        due = ctx.as_of + timedelta(days=1)
        latest = max(latest, due)
    tests = retest_tests(ctx, lines, alerts)
    return Retest(due, latest, tests, reason, rule_id, bool(overdue_since), overdue_since)


def expected_at_retest(
    ctx: Context, phase: str, d_tier: Tier | None, mg_tier: Tier | None
) -> dict[str, tuple[float, float]]:
    """12-week targets by tier in correction; the target band otherwise."""
    if phase not in ("correction", "maintenance"):
        return {}
    expected = {}
    for tier in (d_tier, mg_tier):
        if tier is None or tier.marker not in (VITD, MG_RBC):
            continue
        low, high = ctx.rules.targets[tier.marker]
        band = tier.expected or (low, high)
        if band[0] is not None and band[1] is not None:
            expected[tier.marker] = (band[0], band[1])
    return expected


def marker_statuses(ctx: Context) -> dict[str, MarkerStatus]:
    markers = {}
    for code in sorted(ctx.readings):
        if code not in ctx.rules.tiers:
            continue
        reading = ctx.readings[code]
        markers[code] = MarkerStatus(
            value=reading.latest.value,
            unit=reading.latest.unit,
            drawn_on=reading.latest.drawn_on,
            tier=reading.tier.name if reading.tier else "unrated",
            target=ctx.rules.targets.get(code, (None, None)),
            rule=reading.tier.id if reading.tier else "",
        )
    return markers

"""Phase, retest date and the values expected at the retest."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from protocols.engine.alerts import worsening_of
from protocols.engine.calcium import CalciumReading
from protocols.engine.kinds import D3, HALTING_LEVELS, MG_RBC, MG_SERUM, VITD, Phase
from protocols.engine.plan import Alert, MarkerStatus, Retest, SupplementLine
from protocols.engine.snapshot import Context
from protocols.engine.text import marker_label
from protocols.engine.tiers import is_low
from protocols.rules import LIFE_EVENTS, RetestRule, Tier
from protocols.wording import gettext_noop as _

# Sentences with values, at module level so presenters know them before any plan is made
# (protocols.wording records each template when it is marked).
_D_BELOW = _("25(OH)D is below target (%(tier)s)")
_MG_BELOW = _("magnesium is below target (%(tier)s)")
_CORRECTION = _("Correction: %(why)s. A retest after 8-12 weeks checks the change.")
_LIFE_EVENT_CAP_1 = _("%(event)s on %(date)s")
_PLAN_RETEST_2 = _("%(tests)s within %(days)s days (%(because)s)")
_PLAN_RETEST_1 = _("%(phase)s: retest after the %(date)s draw")
_PLAN_RETEST_3 = _("brought forward by %(cause)s")
_PLAN_RETEST_4 = _("overdue since %(date)s")

# --- phase, retest, expectations ----------------------------------------------------------


def phase_of(
    alerts: Sequence[Alert], d_tier: Tier | None, mg_tier: Tier | None, symptom_correction: bool
) -> Phase:
    if any(a.level in HALTING_LEVELS or a.code == "protocol_not_applicable" for a in alerts):
        return "hold"
    if d_tier is None and mg_tier is None and not symptom_correction:
        return "insufficient_data"
    above_target = d_tier is not None and d_tier.name == "above_target"
    if is_low(d_tier) or is_low(mg_tier) or symptom_correction or above_target:
        return "correction"
    return "maintenance"


def phase_reason(
    phase: Phase, d_tier: Tier | None, mg_tier: Tier | None, symptom_correction: bool
) -> str:
    """Why this phase, in words."""
    if phase == "hold":
        return _(
            "A safety rule halted the protocol or it does not apply as is: follow the alerts "
            "and talk to a physician."
        )
    if phase == "insufficient_data":
        return _("There is no usable 25(OH)D or magnesium result to plan from yet.")
    if phase == "maintenance":
        return _("25(OH)D and magnesium are at target, so the doses are the maintenance ones.")
    why = []
    if is_low(d_tier) and d_tier is not None:
        why.append(_D_BELOW % {"tier": d_tier.name})
    if d_tier is not None and d_tier.name == "above_target":
        why.append(_("25(OH)D was above target at its last test: no more vitamin D is added"))
    if is_low(mg_tier) and mg_tier is not None:
        why.append(_MG_BELOW % {"tier": mg_tier.name})
    if symptom_correction:
        why.append(_("magnesium-deficiency symptoms while taking vitamin D without magnesium"))
    return _CORRECTION % {"why": "; ".join(why)}


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
    """25(OH)D and RBC Mg always; calcium beside vitamin D; PTH when it was high; and every
    marker an alert asks to recheck."""
    codes = {a.code for a in alerts}
    tests = [VITD, MG_RBC]
    takes_d = any(line.nutrient == D3 and line.daily_max > 0 for line in lines)
    calcium_reasons = {"hypercalcemia", "vitd_toxicity", "hypercalcemia_symptoms"}
    if takes_d or codes & calcium_reasons:
        tests.append("ca_total")
    if codes & {"pth_elevated", "pth_unexplained"}:
        tests.append("pth_intact")
    for alert in alerts:
        if alert.retest_days is not None:
            tests += alert.retest_tests
    return tuple(dict.fromkeys(tests))


def alert_cap(ctx: Context, alerts: Sequence[Alert]) -> tuple[date, Alert] | None:
    """The earliest 'recheck within N days' of a stop, urgent or test-now alert."""
    timed = [a for a in alerts if a.retest_days is not None]
    if not timed:
        return None
    alert = min(timed, key=lambda a: (a.retest_days, a.code))
    return ctx.as_of + timedelta(days=alert.retest_days or 0), alert


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
    return cap, _LIFE_EVENT_CAP_1 % {
        "event": LIFE_EVENTS[kind].lower(),
        "date": when.isoformat(),
    }


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
        # Held by a profile flag rather than a value: still a check-in, so reminders go on.
        return ctx.rules.retests["retest.hold" if halted else "retest.hold_checkin"]
    return ctx.rules.retests[f"retest.{phase}"]


def plan_retest(
    ctx: Context, phase: str, lines: Sequence[SupplementLine], alerts: Sequence[Alert]
) -> Retest | None:
    """One retest window: the phase's schedule after the latest draw, brought forward by a
    life event, worsening symptoms, or (to within days) an alert that names a marker."""
    rule = retest_rule(ctx, phase, alerts)
    urgent = alert_cap(ctx, alerts)
    if rule is None and urgent is None:
        return None
    tests = retest_tests(ctx, lines, alerts)
    if urgent is not None:
        latest, alert = urgent
        names = ", ".join(marker_label(t) for t in alert.retest_tests)
        because = alert.message.split(":")[0].rstrip(".")
        reason = _PLAN_RETEST_2 % {
            "tests": names,
            "days": alert.retest_days,
            "because": because,
        }
        due = ctx.as_of + timedelta(days=1)
        return Retest(due, latest, tests, reason, alert.rule, brought_forward_by=alert.code)
    assert rule is not None
    anchor = retest_anchor(ctx)
    due = after(anchor, rule.due_days, rule.due_months)
    latest = after(anchor, rule.latest_days, rule.latest_months)
    reason = _PLAN_RETEST_1 % {
        "phase": phase,
        "date": anchor.isoformat(),
    }
    rule_id = rule.id
    cap = life_event_cap(ctx, anchor)
    if cap is not None and cap[0] < latest:
        due, latest = min(due, cap[0]), cap[0]
        reason += "; " + _PLAN_RETEST_3 % {"cause": cap[1]}
        rule_id = ctx.rules.retests["retest.life_event"].id
    soon = symptom_cap(ctx)
    if soon is not None and soon < latest:
        due, latest = min(due, soon), soon
        reason += "; " + _("brought forward by worsening symptoms")
        rule_id = ctx.rules.retests["retest.symptoms_worsening"].id
    overdue_since = due if due <= ctx.as_of else None
    if overdue_since:
        # due_on stays in the future (retest as soon as possible); the original date is kept
        # so reminders and the dashboard can say since when it is overdue.
        reason += "; " + _PLAN_RETEST_4 % {"date": due.isoformat()}
        due = ctx.as_of + timedelta(days=1)
        latest = max(latest, due)
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


def _lab_range(m) -> tuple[float | None, float | None] | None:
    return None if m.lab_low is None and m.lab_high is None else (m.lab_low, m.lab_high)


def marker_statuses(ctx: Context, calcium: CalciumReading | None) -> dict[str, MarkerStatus]:
    """Each rated marker's latest value and tier; total calcium rated as corrected."""
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
            qualifier=reading.latest.qualifier,
            lab_range=_lab_range(reading.latest),
        )
    # Total calcium is rated as the calcium rules read it: corrected, and against the lab's
    # printed upper limit when there is one (calcium.calcium_reading).
    if calcium is not None and calcium.marker == "ca_total" and "ca_total" in markers:
        markers["ca_total"] = replace(
            markers["ca_total"],
            tier=calcium.tier.name if calcium.tier else "unrated",
            rule=calcium.tier.id if calcium.tier else "",
            corrected_value=calcium.value if calcium.basis == "corrected" else None,
        )
    return markers

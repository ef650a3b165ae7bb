"""The entry point: a Snapshot in, a Plan out."""

from __future__ import annotations

from dataclasses import replace

from protocols.engine.alerts import (
    calcium_alerts,
    calcium_dose_alerts,
    cofactor_alerts,
    kidney_alerts,
    marker_alerts,
    non_responder_alerts,
    profile_alerts,
    sorted_alerts,
    stopped_by,
    symptom_alerts,
    upper_limit_alerts,
    vitd_alerts,
    worsening_alerts,
)
from protocols.engine.calcium import calcium_reading
from protocols.engine.doses import DoseState, plan_lines, recommend
from protocols.engine.kinds import D3, MG, MG_RBC, VITD
from protocols.engine.plan import Plan, Retest, SupplementLine
from protocols.engine.retest import (
    expected_at_retest,
    marker_statuses,
    phase_of,
    phase_reason,
    plan_retest,
)
from protocols.engine.snapshot import Context, Snapshot, build_context
from protocols.engine.tiers import dosing_tier, magnesium_tier, responses_of
from protocols.rules import AUTHORITIES
from protocols.wording import gettext_noop

_UNTIL_RETEST = gettext_noop("Until the retest, due %(date)s.")


def compute_plan(snapshot: Snapshot) -> Plan:
    """Turn one person's snapshot into a plan: doses, phase, retest and alerts.

    Raises UnknownRuleSet when ``snapshot.rules`` or ``snapshot.limits`` names no rule set
    or authority; never otherwise.
    """
    ctx = build_context(snapshot)
    responses = responses_of(ctx)
    slow = frozenset(m for m, r in responses.items() if not r.on_track)
    d_tier = dosing_tier(ctx, VITD, VITD in slow)
    mg_tier = magnesium_tier(ctx, MG_RBC in slow)
    calcium = calcium_reading(ctx)
    kidney = kidney_alerts(ctx)
    mg_forbidden = any(MG in a.stops for a in kidney)
    symptoms = symptom_alerts(ctx, mg_forbidden)
    alerts = [
        *calcium_alerts(ctx, calcium),
        *vitd_alerts(ctx),
        *kidney,
        *profile_alerts(ctx),
        *marker_alerts(ctx),
        *symptoms,
        *worsening_alerts(ctx),
        *non_responder_alerts(ctx, responses),
    ]
    symptom_correction = not mg_forbidden and any(
        a.code == "mg_depletion_symptoms" for a in symptoms
    )
    phase = phase_of(alerts, d_tier, mg_tier, symptom_correction)
    stopped = stopped_by(alerts)
    state = DoseState(
        phase=phase,
        d_tier=d_tier,
        mg_tier=mg_tier,
        stopped=stopped,
        slow=slow,
        symptom_correction=symptom_correction,
        kidney_hold=any(a.code == "kidney_function" and a.stops for a in kidney),
    )
    lines, held = plan_lines(ctx, recommend(ctx, state), stopped, MG_RBC in slow)
    if phase != "hold":
        alerts += cofactor_alerts(ctx, stopped)
    alerts += upper_limit_alerts(ctx, lines)
    alerts += calcium_dose_alerts(ctx, lines)
    retest = plan_retest(ctx, phase, lines, alerts)
    return Plan(
        rules_version=ctx.rules.version,
        rule_set=ctx.rules.name,
        as_of=snapshot.as_of,
        phase=phase,
        markers=marker_statuses(ctx, calcium),
        supplements=_until_retest(lines, held, retest),
        retest=retest,
        expected_at_retest=expected_at_retest(ctx, phase, d_tier, mg_tier),
        response=responses,
        alerts=sorted_alerts(alerts),
        upper_limits=upper_limits_used(ctx),
        phase_reason=phase_reason(phase, d_tier, mg_tier, symptom_correction),
        calcium=calcium.to_dict() if calcium else None,
        adherence=ctx.adherence,
    )


def _until_retest(
    lines: tuple[SupplementLine, ...], held: frozenset[str], retest: Retest | None
) -> tuple[SupplementLine, ...]:
    """A reduce or pause tied to the retest says until when."""
    if retest is None or not held:
        return lines
    until = retest.due_on
    return tuple(
        replace(line, until=until, reason=f"{line.reason} {_UNTIL_RETEST % {'date': until}}")
        if line.nutrient in held
        else line
        for line in lines
    )


def upper_limits_used(ctx: Context) -> dict[str, str]:
    """Which authority's limits flagged the doses, so the plan can name it."""
    authority = ctx.rules.authority
    source = ctx.rules.upper_limits[D3].source
    return {"authority": authority, "label": AUTHORITIES[authority], "source": source}

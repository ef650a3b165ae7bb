"""The entry point: a Snapshot in, a Plan out."""

from __future__ import annotations

from protocols.engine.alerts import (
    calcium_alerts,
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
from protocols.engine.doses import plan_lines, recommend
from protocols.engine.kinds import MG_RBC, VITD
from protocols.engine.plan import Plan
from protocols.engine.retest import expected_at_retest, marker_statuses, phase_of, plan_retest
from protocols.engine.snapshot import Context, Snapshot, build_context
from protocols.engine.tiers import dosing_tier, magnesium_tier, responses_of
from protocols.rules import AUTHORITIES

# --- the entry point -----------------------------------------------------------------------


def compute_plan(snapshot: Snapshot) -> Plan:
    """Turn one person's snapshot into a plan: doses, phase, retest and alerts.

    Raises UnknownRuleSet when ``snapshot.rules`` names no rule set; never otherwise.
    """
    ctx = build_context(snapshot)
    responses = responses_of(ctx)
    slow = {m for m, r in responses.items() if not r.on_track}
    d_tier = dosing_tier(ctx, VITD, VITD in slow)
    mg_tier = magnesium_tier(ctx, MG_RBC in slow)
    alerts = [
        *calcium_alerts(ctx),
        *vitd_alerts(ctx),
        *kidney_alerts(ctx),
        *profile_alerts(ctx),
        *marker_alerts(ctx),
        *symptom_alerts(ctx),
        *worsening_alerts(ctx),
        *non_responder_alerts(ctx, responses),
    ]
    phase = phase_of(alerts, d_tier, mg_tier)
    stopped = stopped_by(alerts)
    picks = (
        {} if phase in ("hold", "insufficient_data") else recommend(ctx, d_tier, mg_tier, stopped)
    )
    lines = plan_lines(ctx, picks, stopped, MG_RBC in slow)
    if phase != "hold":
        alerts += cofactor_alerts(ctx, stopped)
    alerts += upper_limit_alerts(ctx, lines)
    return Plan(
        rules_version=ctx.rules.version,
        rule_set=ctx.rules.name,
        as_of=snapshot.as_of,
        phase=phase,
        markers=marker_statuses(ctx),
        supplements=lines,
        retest=plan_retest(ctx, phase, lines, alerts),
        expected_at_retest=expected_at_retest(ctx, phase, d_tier, mg_tier),
        response=responses,
        alerts=sorted_alerts(alerts),
        upper_limits=upper_limits_used(ctx),
    )


def upper_limits_used(ctx: Context) -> dict[str, str]:
    """Which authority's limits flagged the doses, so the plan can name it."""
    authority = ctx.rules.authority
    source = next(iter(ctx.rules.upper_limits.values())).source
    return {"authority": authority, "label": AUTHORITIES[authority], "source": source}

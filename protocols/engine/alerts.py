"""Alerts: safety stops, warnings and hints, each citing the rule that raised it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from protocols.engine.kinds import (
    CALCIUM,
    D3,
    K2,
    LEVEL_RANK,
    MG,
    MG_RBC,
    MG_SERUM,
    NUTRIENT_ORDER,
    VITD,
)
from protocols.engine.plan import Alert, Response, SupplementLine
from protocols.engine.snapshot import Context
from protocols.engine.text import fmt, marker_text, nutrient_label
from protocols.rules import (
    HYPERCALCEMIA,
    MAGNESIUM_DEFICIENCY,
    NOT_APPLICABLE_FLAGS,
    NUTRIENTS,
    PROFILE_FLAGS,
    SYMPTOMS,
)

# --- alerts --------------------------------------------------------------------------------


def make_alert(ctx: Context, rule_id: str, message: str, reason: str, **extra: Any) -> Alert:
    rule = ctx.rules.alerts[rule_id]
    return Alert(
        level=rule.level,
        code=rule.code,
        message=message,
        sources=(rule.source,),
        reason=reason,
        rule=rule.id,
        stops=rule.stops,
        **extra,
    )


def calcium_alerts(ctx: Context) -> list[Alert]:
    """Total Ca > 10.5 or ionized > 5.3 stops D and calcium; 10.2-10.5 warns."""
    high = [m for m in ("ca_total", "ca_ionized") if ctx.tier_name(m) == "hypercalcemia"]
    if high:
        reason = ", ".join(marker_text(ctx, m) for m in high)
        message = (
            "Calcium is above the safe limit: stop vitamin D and calcium supplements "
            "and contact a physician."
        )
        return [make_alert(ctx, "safety.hypercalcemia", message, reason, marker=high[0])]
    if ctx.tier_name("ca_total") == "borderline":
        message = "Calcium is at the top of the range: recheck it and watch vitamin D intake."
        reason = marker_text(ctx, "ca_total")
        return [
            make_alert(ctx, "safety.hypercalcemia.borderline", message, reason, marker="ca_total")
        ]
    return []


def vitd_alerts(ctx: Context) -> list[Alert]:
    """25(OH)D above the target reduces D; above 100 stops it; above 150 is urgent."""
    name = ctx.tier_name(VITD)
    if name is None:
        return []
    reason = marker_text(ctx, VITD)
    if name == "severe_toxicity":
        message = "25(OH)D is in the toxic range: stop vitamin D and see a physician today."
        return [make_alert(ctx, "safety.vitd_toxicity.urgent", message, reason, marker=VITD)]
    if name == "toxicity":
        message = "25(OH)D is above 100 ng/mL: stop vitamin D and retest it with calcium."
        return [make_alert(ctx, "safety.vitd_toxicity", message, reason, marker=VITD)]
    if name == "above_target":
        message = "25(OH)D is above the target: reduce vitamin D to the maintenance dose."
        return [make_alert(ctx, "safety.vitd_above_target", message, reason, marker=VITD)]
    return []


def kidney_alerts(ctx: Context) -> list[Alert]:
    """Kidney disease or eGFR < 30: no magnesium, D with caution; eGFR 30-44: caution."""
    egfr = ctx.tier_name("egfr")
    if "kidney_disease" in ctx.flags or egfr == "g4_g5":
        reason = (
            "kidney_disease flag" if "kidney_disease" in ctx.flags else marker_text(ctx, "egfr")
        )
        message = (
            "Reduced kidney function: no magnesium supplement without a physician; "
            "take vitamin D only with caution."
        )
        return [make_alert(ctx, "safety.kidney_function", message, reason, marker="egfr")]
    if egfr == "g3b":
        message = "eGFR 30-44: magnesium only with caution; ask your physician."
        return [
            make_alert(ctx, "safety.kidney_function.caution", message, marker_text(ctx, "egfr"))
        ]
    return []


def profile_alerts(ctx: Context) -> list[Alert]:
    alerts = []
    if "anticoagulant" in ctx.flags:
        message = "You take an anticoagulant: no vitamin K2 without your prescriber."
        alerts.append(make_alert(ctx, "safety.anticoagulant_k2", message, "anticoagulant flag"))
    blocking = sorted(ctx.flags & set(NOT_APPLICABLE_FLAGS))
    if blocking:
        labels = ", ".join(PROFILE_FLAGS[f].lower() for f in blocking)
        message = (
            f"The adult protocol does not apply as is ({labels}): follow your physician's advice."
        )
        reason = "flags: " + ", ".join(blocking)
        alerts.append(make_alert(ctx, "safety.protocol_not_applicable", message, reason))
    if "mg_depleting_medication" in ctx.flags:
        message = "PPIs and diuretics deplete magnesium: test RBC magnesium and keep taking it."
        alerts.append(
            make_alert(ctx, "mg.depleting_medication", message, "mg_depleting_medication")
        )
    return alerts


def marker_alerts(ctx: Context) -> list[Alert]:
    """RBC magnesium missing; PTH above the seed's optimum."""
    alerts = []
    if MG_RBC not in ctx.readings:
        serum = ctx.readings.get(MG_SERUM)
        if serum:
            reason = marker_text(ctx, MG_SERUM) + ", no RBC magnesium"
            message = (
                "Serum magnesium is a poor measure of body stores (a normal value does not "
                "rule out deficiency): ask for an RBC magnesium test."
            )
        else:
            reason, message = "no magnesium result", "Ask for an RBC magnesium test."
        alerts.append(make_alert(ctx, "mg.serum_only", message, reason, marker=MG_RBC))
    pth = ctx.tier_name("pth_intact")
    if pth in ("elevated", "high"):
        rule = "pth.elevated" if pth == "elevated" else "pth.high"
        message = "PTH above 50 pg/mL suggests magnesium or vitamin D deficiency."
        alerts.append(
            make_alert(ctx, rule, message, marker_text(ctx, "pth_intact"), marker="pth_intact")
        )
    return alerts


def symptom_codes(ctx: Context, pattern: str) -> list[str]:
    threshold = ctx.rules.symptom_severity
    return sorted(
        code
        for code, severity in ctx.symptoms.items()
        if severity >= threshold and pattern in SYMPTOMS[code][1]
    )


def symptom_alerts(ctx: Context) -> list[Alert]:
    """Mg-deficiency symptoms on D without Mg (seed case 2); hypercalcemia symptoms on D."""
    if not ctx.takes(D3):
        return []
    alerts = []
    mg_symptoms = symptom_codes(ctx, MAGNESIUM_DEFICIENCY)
    if mg_symptoms and not ctx.takes(MG):
        message = (
            "Magnesium-deficiency symptoms while taking vitamin D without magnesium: "
            "vitamin D raises magnesium demand."
        )
        alerts.append(make_alert(ctx, "symptoms.mg_depletion", message, ", ".join(mg_symptoms)))
    ca_symptoms = symptom_codes(ctx, HYPERCALCEMIA)
    if ca_symptoms:
        message = (
            "Symptoms that can come from high calcium while taking vitamin D: test calcium now."
        )
        alerts.append(make_alert(ctx, "symptoms.hypercalcemia", message, ", ".join(ca_symptoms)))
    return alerts


@dataclass(frozen=True)
class Worsening:
    before: int  # deficiency-symptom burden at the earlier check-in
    now: int
    worse: tuple[str, ...]  # the symptoms whose severity rose


def burden(ctx: Context, scores: Mapping[str, int]) -> int:
    patterns = ctx.rules.symptom_worsening.patterns
    return sum(sev for code, sev in scores.items() if set(SYMPTOMS[code][1]) & set(patterns))


def worsening_of(ctx: Context) -> Worsening | None:
    """Deficiency symptoms clearly worse than at the earlier check-in (seed: retest sooner)."""
    rule = ctx.rules.symptom_worsening
    if not ctx.previous_symptoms:  # a first check-in has nothing to be worse than
        return None
    before, now = burden(ctx, ctx.previous_symptoms), burden(ctx, ctx.symptoms)
    worse = tuple(
        sorted(
            code
            for code, sev in ctx.symptoms.items()
            if set(SYMPTOMS[code][1]) & set(rule.patterns)
            and sev > ctx.previous_symptoms.get(code, 0)
        )
    )
    strong = any(ctx.symptoms[code] >= rule.min_severity for code in worse)
    if now - before < rule.min_rise or not strong:
        return None
    return Worsening(before, now, worse)


def worsening_alerts(ctx: Context) -> list[Alert]:
    worsening = worsening_of(ctx)
    if worsening is None:
        return []
    message = "Deficiency symptoms are getting worse: retest sooner than planned."
    reason = (
        f"symptom burden {worsening.before} -> {worsening.now} (" + ", ".join(worsening.worse) + ")"
    )
    return [make_alert(ctx, "symptoms.worsening", message, reason)]


def cofactor_alerts(ctx: Context, stopped: Mapping[str, Alert]) -> list[Alert]:
    """The seeds' central point: vitamin D needs magnesium and K2 beside it."""
    d_taken = ctx.takes(D3)
    if not d_taken:
        return []
    alerts = []
    amount = f"{fmt(d_taken)} IU vitamin D3"
    if not ctx.takes(MG) and MG not in stopped:
        message = "You take vitamin D without magnesium: magnesium is needed to activate it."
        alerts.append(make_alert(ctx, "cofactor.d_without_mg", message, f"{amount}, no magnesium"))
    if not ctx.takes(K2) and K2 not in stopped:
        message = "You take vitamin D without K2: K2 steers calcium into bone, not arteries."
        alerts.append(make_alert(ctx, "cofactor.d_without_k2", message, f"{amount}, no K2"))
    high_dose = ctx.rules.upper_limits[D3].limit or 0
    if ctx.takes(CALCIUM) and d_taken >= high_dose and not ctx.takes(K2) and K2 not in stopped:
        message = "Calcium with high-dose vitamin D and no K2: risk of calcium in the arteries."
        reason = f"{fmt(ctx.takes(CALCIUM))} mg calcium, {amount}, no K2"
        alerts.append(make_alert(ctx, "cofactor.calcium_without_k2", message, reason))
    return alerts


def upper_limit_alerts(ctx: Context, lines: Sequence[SupplementLine]) -> list[Alert]:
    """One alert per nutrient whose recommended or taken daily dose is above its UL."""
    recommended = {line.nutrient: line.daily_max for line in lines}
    alerts = []
    for nutrient in NUTRIENT_ORDER:
        limit = ctx.rules.upper_limits[nutrient].limit
        rec, taken = recommended.get(nutrient, 0.0), ctx.takes(nutrient)
        if limit is None or max(rec, taken) <= limit:
            continue
        unit = NUTRIENTS[nutrient][1]
        parts = [
            f"{label} {fmt(v)} {unit}"
            for label, v in (("recommended", rec), ("taken", taken))
            if v > limit
        ]
        message = (
            f"{nutrient_label(nutrient)} above the upper limit of {fmt(limit)} {unit}/day: "
            "only under medical supervision."
        )
        alerts.append(
            make_alert(
                ctx, "safety.above_upper_limit", message, "; ".join(parts), nutrient=nutrient
            )
        )
    return alerts


def non_responder_alerts(ctx: Context, responses: Mapping[str, Response]) -> list[Alert]:
    causes = ("absorption", "adherence", "losses", "cofactors")
    alerts = []
    for marker, resp in responses.items():
        if resp.on_track:
            continue
        weeks = (resp.drawn_on - resp.previous_drawn_on).days // 7
        reason = (
            f"{marker} {fmt(resp.previous)} -> {fmt(resp.current)} in {weeks} weeks; "
            f"expected {fmt(resp.expected[0])}-{fmt(resp.expected[1])}"
        )
        message = (
            "Below the expected response: stay in correction and check absorption (liposomal "
            "magnesium; vitamin D with a fatty meal), adherence (simplify the routine), "
            "increased losses (stress, PPIs, diuretics, diet) and missing cofactors (B6, K2)."
        )
        alerts.append(
            make_alert(ctx, "response.non_responder", message, reason, marker=marker, causes=causes)
        )
    return alerts


def sorted_alerts(alerts: Sequence[Alert]) -> tuple[Alert, ...]:
    return tuple(
        sorted(
            alerts, key=lambda a: (LEVEL_RANK[a.level], a.code, a.nutrient or "", a.marker or "")
        )
    )


def stopped_by(alerts: Sequence[Alert]) -> dict[str, Alert]:
    stopped: dict[str, Alert] = {}
    for alert in sorted_alerts(alerts):
        for nutrient in alert.stops:
            stopped.setdefault(nutrient, alert)
    return stopped

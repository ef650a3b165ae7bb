"""Doses: which rule picks each nutrient's daily amount, its form and its time slot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from protocols.engine.kinds import B6, CALCIUM, D3, K2, MG, MG_SERUM, NUTRIENT_ORDER
from protocols.engine.plan import Alert, ScheduleItem, SupplementLine
from protocols.engine.snapshot import Context
from protocols.engine.text import fmt, fmt_range, nutrient_label
from protocols.engine.tiers import is_low
from protocols.rules import NUTRIENTS, DoseRule, FormRule, Tier

# --- doses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    """A chosen dose and why it was chosen."""

    dose: DoseRule
    why: str


def keep_current_d(ctx: Context, why: str) -> Pick:
    """Keep the D dose taken now, but never above the maintenance maximum."""
    taken, maintenance = ctx.takes(D3), ctx.rules.doses["d3.maintenance"]
    if taken > maintenance.daily_max:
        return Pick(maintenance, why + " Reduce to the maintenance dose.")
    keep = ctx.rules.doses["d3.keep_current"]
    return Pick(DoseRule(keep.id, D3, taken, taken, keep.unit, keep.source, keep.note), why)


def pick_d(ctx: Context, d_tier: Tier | None, d_low: bool, mg_low: bool) -> Pick | None:
    if d_tier is not None and d_tier.dose is not None and (d_low or d_tier.status == "high"):
        return Pick(d_tier.dose, f"25(OH)D tier {d_tier.name}.")
    if d_tier is not None and d_tier.dose is not None and not mg_low:
        return Pick(d_tier.dose, "Maintenance: 25(OH)D is at target.")
    if ctx.takes(D3):
        why = "Only magnesium is low: keep your vitamin D dose." if d_tier else "No 25(OH)D result."
        return keep_current_d(ctx, why)
    if d_tier is not None and mg_low:
        why = "Only magnesium is low: a little vitamin D helps magnesium absorption."
        return Pick(ctx.rules.doses["d3.only_mg_low.add"], why)
    return None


def pick_mg(ctx: Context, mg_tier: Tier | None, d_low: bool, mg_low: bool) -> Pick:
    doses = ctx.rules.doses
    if mg_low and mg_tier is not None and mg_tier.marker == MG_SERUM:
        return Pick(doses["mg.serum_low"], "Serum magnesium is low.")
    if mg_low and d_low and mg_tier is not None and mg_tier.dose is not None:
        return Pick(mg_tier.dose, f"Both low: RBC magnesium tier {mg_tier.name}.")
    if mg_low:
        return Pick(doses["mg.only_mg_low"], "Only magnesium is low: correction dose.")
    if d_low:
        return Pick(doses["mg.only_d_low"], "Vitamin D correction raises magnesium demand.")
    return Pick(doses["mg.maintenance"], "Maintenance magnesium.")


def recommend(
    ctx: Context, d_tier: Tier | None, mg_tier: Tier | None, stopped: Mapping[str, Alert]
) -> dict[str, Pick]:
    """Doses by combination: both low / only D low / only Mg low / maintenance."""
    d_low, mg_low = is_low(d_tier), is_low(mg_tier)
    picks: dict[str, Pick] = {}
    d_pick = pick_d(ctx, d_tier, d_low, mg_low)
    if d_pick is not None:
        picks[D3] = d_pick
    if MG not in stopped:
        picks[MG] = pick_mg(ctx, mg_tier, d_low, mg_low)
    both_low = d_low and mg_low
    if D3 in picks and K2 not in stopped:
        k2 = "k2.both_low" if both_low else "k2.maintenance"
        picks[K2] = Pick(ctx.rules.doses[k2], "K2 steers the calcium D absorbs into bone.")
    if both_low and MG in picks:
        why = "Both low: P5P helps move magnesium into cells."
        picks[B6] = Pick(ctx.rules.doses["b6.both_low"], why)
    if ctx.takes(CALCIUM):
        keep = ctx.rules.doses["calcium.keep_current"]
        amount = ctx.takes(CALCIUM)
        dose = DoseRule(keep.id, CALCIUM, amount, amount, keep.unit, keep.source, keep.note)
        picks[CALCIUM] = Pick(dose, "No rule changes your calcium; prefer calcium from food.")
    return picks


def magnesium_form(ctx: Context, non_responder: bool) -> FormRule:
    """Glycinate by default; malate for energy or dominant fatigue; threonate for cognition."""
    forms, goal = ctx.rules.forms, ctx.snapshot.goal
    if non_responder:
        return forms["mg.form.liposomal"]
    if goal == "cognition":
        return forms["mg.form.threonate"]
    fatigue = ctx.symptoms.get("fatigue", 0)
    others = max((s for c, s in ctx.symptoms.items() if c != "fatigue"), default=0)
    fatigue_dominates = fatigue >= ctx.rules.symptom_severity and fatigue > others
    if goal == "energy" or (goal in (None, "bone") and fatigue_dominates):
        return forms["mg.form.malate"]
    return forms["mg.form.glycinate"]


def form_for(ctx: Context, nutrient: str, mg_non_responder: bool) -> FormRule:
    if nutrient == MG:
        return magnesium_form(ctx, mg_non_responder)
    prefix = {D3: "d3", K2: "k2", B6: "b6", CALCIUM: "calcium"}[nutrient]
    return ctx.rules.forms[f"{prefix}.form"]


def schedule_for(ctx: Context, dose: DoseRule, form: FormRule) -> tuple[ScheduleItem, ...]:
    """Magnesium above ~300 mg/day is split morning/bedtime (absorption per dose tops out)."""
    if dose.nutrient == MG and dose.daily_max > ctx.rules.mg_split_above:
        half_min, half_max = dose.daily_min / 2, dose.daily_max / 2
        return (
            ScheduleItem("morning", half_min, half_max),
            ScheduleItem("bedtime", half_min, half_max),
        )
    return (ScheduleItem(form.time, dose.daily_min, dose.daily_max),)


def compare_taken(ctx: Context, dose: DoseRule) -> str:
    """'You take X: keep / increase / reduce / add' - taking vs recommended."""
    taken, unit = ctx.takes(dose.nutrient), dose.unit
    target = f"{fmt_range(dose.daily_min, dose.daily_max, unit)}/day"
    if not taken:
        d_taken = ctx.takes(D3)
        if dose.nutrient != D3 and d_taken:
            name = nutrient_label(dose.nutrient)
            return f"You take {fmt(d_taken)} IU D3 and no {name}: add {target}."
        return f"You take no {nutrient_label(dose.nutrient)}: add {target}."
    now = f"You take {fmt(taken)} {unit}"
    if taken < dose.daily_min:
        return f"{now}: increase to {target}."
    if taken > dose.daily_max:
        return f"{now}: reduce to {target}."
    return f"{now}: keep it."


def dose_line(ctx: Context, pick: Pick, form: FormRule, caution: str) -> SupplementLine:
    dose = pick.dose
    ul = ctx.rules.upper_limits[dose.nutrient]
    above = ul.limit is not None and dose.daily_max > ul.limit
    reason = f"{pick.why} {compare_taken(ctx, dose)}"
    if above:
        limit = f"{fmt(ul.limit or 0)} {ul.unit}"
        reason += f" Above the {limit} upper limit: only under medical supervision."
    sources = (dose.source, form.source) + ((ul.source,) if above else ())
    return SupplementLine(
        nutrient=dose.nutrient,
        daily_min=dose.daily_min,
        daily_max=dose.daily_max,
        unit=dose.unit,
        schedule=schedule_for(ctx, dose, form),
        form=form.form,
        take_with=form.take_with,
        above_upper_limit=above,
        rule=dose.id,
        sources=tuple(dict.fromkeys(sources)),
        reason=(reason + caution).strip(),
        taking=ctx.takes(dose.nutrient),
    )


def stop_line(ctx: Context, nutrient: str, alert: Alert) -> SupplementLine:
    """A zero dose for a supplement a safety rule stops, so 'you take X: stop' shows."""
    unit = NUTRIENTS[nutrient][1]
    taken = ctx.takes(nutrient)
    return SupplementLine(
        nutrient=nutrient,
        daily_min=0,
        daily_max=0,
        unit=unit,
        schedule=(),
        form="",
        take_with="",
        above_upper_limit=False,
        rule=alert.rule,
        sources=alert.sources,
        reason=f"You take {fmt(taken)} {unit}: stop. {alert.message}",
        taking=taken,
    )


def plan_lines(
    ctx: Context, picks: Mapping[str, Pick], stopped: Mapping[str, Alert], mg_nr: bool
) -> tuple[SupplementLine, ...]:
    kidney = any(a.code == "kidney_function" and a.stops for a in stopped.values())
    lines = []
    for nutrient in NUTRIENT_ORDER:
        if nutrient in stopped:
            if ctx.takes(nutrient):
                lines.append(stop_line(ctx, nutrient, stopped[nutrient]))
        elif nutrient in picks:
            caution = (
                " Kidney function: with caution, ask your physician."
                if kidney and nutrient == D3
                else ""
            )
            lines.append(dose_line(ctx, picks[nutrient], form_for(ctx, nutrient, mg_nr), caution))
    return tuple(lines)

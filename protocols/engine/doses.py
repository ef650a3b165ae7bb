"""Doses: which rule picks each nutrient's daily amount, its form and its time slot.

Every nutrient the person takes gets a line (keep, increase, reduce, pause or stop, with
why); a nutrient they do not take gets one when the plan adds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, replace

from protocols.engine.kinds import B6, CALCIUM, D3, K2, MG, MG_SERUM, NUTRIENT_ORDER, VITD
from protocols.engine.plan import Action, Alert, ScheduleItem, SupplementLine
from protocols.engine.snapshot import Context
from protocols.engine.text import fmt, fmt_range
from protocols.engine.tiers import is_low
from protocols.rules import AUTHORITIES, MG_TAKE_WITH_SPLIT, NUTRIENTS, DoseRule, FormRule, Tier
from protocols.wording import gettext_noop as _

# Sentences with values, at module level so presenters know them before any plan is made
# (protocols.wording records each template when it is marked).
_PICK_D_1 = _("25(OH)D is below target (%(tier)s).")
_PICK_MG_1 = _("Both are low: RBC magnesium tier %(tier)s.")
_LIMIT_TEXT_1 = _(
    "%(amount)s/day is above the %(limit)s/day upper limit (%(authority)s): only under medical "
    "supervision."
)
_LIMIT_TEXT_2 = _("What you take now is above the %(limit)s/day upper limit (%(authority)s).")
_DOSE_LINE_1 = _("Change the form to %(form)s: absorption is the first suspect.")


@dataclass(frozen=True)
class Pick:
    """A chosen dose, why it was chosen, and what it must not go below or stay past."""

    dose: DoseRule
    why: str
    floor: float = 0  # a non-responder never gets less than they take
    until_retest: bool = False  # a reduce or pause that holds until the retest


@dataclass(frozen=True)
class DoseState:
    """What the dose rules need to know beyond the tiers."""

    phase: str
    d_tier: Tier | None
    mg_tier: Tier | None
    stopped: Mapping[str, Alert]
    slow: Set[str]  # markers whose response was below the expected one
    symptom_correction: bool  # Mg-deficiency symptoms on D (seed case 2)
    kidney_hold: bool  # eGFR < 30 or kidney disease: no D above maintenance

    @property
    def d_low(self) -> bool:
        return is_low(self.d_tier)

    @property
    def mg_low(self) -> bool:
        return is_low(self.mg_tier)


def as_taken(ctx: Context, rule_id: str, nutrient: str, amount: float) -> DoseRule:
    """A rule template filled in with the nutrient and the amount the person takes."""
    template = ctx.rules.doses[rule_id]
    return replace(template, nutrient=nutrient, unit=NUTRIENTS[nutrient][1],
                   daily_min=amount, daily_max=amount)  # fmt: skip


def keep_current_d(ctx: Context, why: str) -> Pick:
    """Keep the D dose taken now, but never above the maintenance maximum."""
    taken, maintenance = ctx.takes(D3), ctx.rules.doses["d3.maintenance"]
    if taken > maintenance.daily_max:
        return Pick(maintenance, f"{why} {_('Lower it to the maintenance dose.')}")
    keep = ctx.rules.doses["d3.keep_current"]
    return Pick(replace(keep, daily_min=taken, daily_max=taken), why)


def _reading_predates_dose(ctx: Context) -> bool:
    """The latest 25(OH)D was drawn before (or on the day) the D amount taken now began:
    it tells about the earlier dose, so only the retest can judge this one."""
    reading, since = ctx.readings.get(VITD), ctx.since.get(D3)
    return reading is not None and since is not None and since >= reading.latest.drawn_on


def above_target_d(ctx: Context) -> Pick | None:
    """Above the target band D is never added or raised: lowered to maintenance from a
    higher dose (seed case 2), paused when the dose is maintenance or less."""
    taken, maintenance = ctx.takes(D3), ctx.rules.doses["d3.maintenance"]
    if not taken:
        return None
    if _reading_predates_dose(ctx):
        why = _("25(OH)D was above target before your current dose began: the retest will tell.")
        return keep_current_d(ctx, why)
    if taken > maintenance.daily_max:
        why = _(
            "25(OH)D is above target: lower vitamin D to the maintenance dose "
            "(as the protocol's case 2 did)."
        )
        return Pick(maintenance, why, until_retest=True)
    why = _("25(OH)D is above target on a maintenance dose or less: pause vitamin D.")
    return Pick(ctx.rules.doses["d3.pause"], why, until_retest=True)


def pick_d(ctx: Context, state: DoseState) -> Pick | None:
    d_tier = state.d_tier
    if d_tier is not None and d_tier.name == "above_target":
        return above_target_d(ctx)
    floor = ctx.takes(D3) if VITD in state.slow else 0
    if d_tier is not None and d_tier.dose is not None and state.d_low:
        return Pick(
            d_tier.dose,
            _PICK_D_1 % {"tier": d_tier.name},
            floor=floor,
        )
    if d_tier is not None and d_tier.dose is not None and not state.mg_low:
        return Pick(d_tier.dose, _("Maintenance: 25(OH)D is at target."))
    if ctx.takes(D3):
        why = (
            _("Only magnesium is low: keep your vitamin D dose.")
            if d_tier
            else _("No 25(OH)D result.")
        )
        return keep_current_d(ctx, why)
    if d_tier is not None and state.mg_low:
        why = _(
            "Only magnesium is low. The protocol's authors say a little vitamin D helps magnesium "
            "absorption."
        )
        return Pick(ctx.rules.doses["d3.only_mg_low.add"], why)
    return None


def pick_mg(ctx: Context, state: DoseState) -> Pick:
    doses, mg_tier = ctx.rules.doses, state.mg_tier
    floor = ctx.takes(MG) if "mg_rbc" in state.slow else 0
    if state.mg_low and mg_tier is not None and mg_tier.marker == MG_SERUM:
        return Pick(doses["mg.serum_low"], _("Serum magnesium is low."))
    if state.mg_low and state.d_low and mg_tier is not None and mg_tier.dose is not None:
        return Pick(
            mg_tier.dose,
            _PICK_MG_1 % {"tier": mg_tier.name},
            floor,
        )
    if state.mg_low:
        return Pick(doses["mg.only_mg_low"], _("Only magnesium is low: correction dose."), floor)
    if state.symptom_correction:
        why = _(
            "Magnesium-deficiency symptoms while taking vitamin D: correction dose, as in the "
            "protocol's case 2."
        )
        return Pick(doses["mg.only_mg_low"], why)
    if state.d_low:
        why = _("The protocol's authors say vitamin D correction raises magnesium demand.")
        return Pick(doses["mg.only_d_low"], why)
    return Pick(doses["mg.maintenance"], _("Maintenance magnesium."))


def _kidney_cap(ctx: Context, pick: Pick) -> Pick:
    """CLINICAL.md §4: with eGFR < 30 or kidney disease, no D above maintenance."""
    maintenance = ctx.rules.doses["d3.maintenance"]
    if pick.dose.daily_max <= maintenance.daily_max:
        return pick
    kidney = _("Kidney function: no vitamin D above the maintenance dose without your physician.")
    why = f"{pick.why} {kidney}"
    return Pick(maintenance, why)


def _calcium_pick(ctx: Context, d_given: bool) -> Pick:
    """Seed case 2: calcium beside vitamin D lowered to 500 mg; otherwise kept."""
    taken, rule = ctx.takes(CALCIUM), ctx.rules.doses["calcium.with_d"]
    if d_given and taken > rule.daily_max:
        why = _(
            "Calcium beside vitamin D: the protocol's case 2 lowered it to 500 mg; "
            "prefer calcium from food."
        )
        return Pick(replace(rule, daily_min=rule.daily_max), why)
    keep = ctx.rules.doses["calcium.keep_current"]
    why = _("No rule changes your calcium; prefer calcium from food.")
    return Pick(replace(keep, daily_min=taken, daily_max=taken), why)


def recommend(ctx: Context, state: DoseState) -> dict[str, Pick]:
    """Doses by combination: both low / only D low / only Mg low / maintenance."""
    if state.phase in ("hold", "insufficient_data"):
        return _keep_what_is_taken(ctx, state)
    picks: dict[str, Pick] = {}
    d_pick = None if D3 in state.stopped else pick_d(ctx, state)
    if d_pick is not None and state.kidney_hold:
        d_pick = _kidney_cap(ctx, d_pick)
    if d_pick is not None:
        picks[D3] = d_pick
    if MG not in state.stopped:
        picks[MG] = pick_mg(ctx, state)
    d_given = d_pick is not None and d_pick.dose.daily_max > 0
    if d_given and K2 not in state.stopped:
        # Seed: 200-300 mcg when both are low, and case 2 (magnesium low or depleted, D high)
        # used 300; 100-200 in maintenance and when only vitamin D is low.
        correcting = state.mg_low or state.symptom_correction
        k2 = "k2.both_low" if correcting else "k2.maintenance"
        why = _("The protocol's authors say K2 directs the calcium vitamin D absorbs to the bones.")
        picks[K2] = Pick(ctx.rules.doses[k2], why)
    both_low = state.d_low and state.mg_low
    if (both_low or state.slow) and MG in picks:
        why = _("The protocol's authors say P5P helps move magnesium into cells.")
        because = _("Both are low.") if both_low else _("Below the expected response.")
        why = f"{because} {why}"
        picks[B6] = Pick(ctx.rules.doses["b6.both_low"], why)
    if ctx.takes(CALCIUM) and CALCIUM not in state.stopped:
        picks[CALCIUM] = _calcium_pick(ctx, d_given or bool(ctx.takes(D3)))
    return picks


def _keep_what_is_taken(ctx: Context, state: DoseState) -> dict[str, Pick]:
    """On hold, what is taken waits for the physician; without data it is kept (vitamin D
    at most at maintenance). A safety stop still stops."""
    on_hold = state.phase == "hold"
    picks = {}
    for nutrient in NUTRIENT_ORDER:
        taken = ctx.takes(nutrient)
        if not taken or nutrient in state.stopped:
            continue
        if on_hold:
            why = _("The protocol is on hold: pause it until you have talked to your physician.")
            picks[nutrient] = Pick(as_taken(ctx, "pause.on_hold", nutrient, 0), why)
        elif nutrient == D3:
            picks[D3] = keep_current_d(ctx, NO_DATA)
        elif nutrient == CALCIUM:
            picks[CALCIUM] = _calcium_pick(ctx, D3 not in state.stopped)
        else:
            picks[nutrient] = Pick(as_taken(ctx, "keep.as_taken", nutrient, taken), NO_DATA)
    return picks


NO_DATA = _("No 25(OH)D or magnesium result yet: keep what you take until you are tested.")


# --- forms and schedule --------------------------------------------------------------------


def magnesium_form(ctx: Context, non_responder: bool) -> FormRule:
    """Glycinate by default; malate for energy or dominant fatigue; threonate for cognition;
    liposomal for a non-responder (absorption is the first suspect)."""
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


def schedule_for(
    ctx: Context, nutrient: str, low: float, high: float, form: FormRule
) -> tuple[ScheduleItem, ...]:
    """Magnesium above ~300 mg/day is split morning/bedtime (absorption per dose tops out)."""
    if high <= 0:
        return ()
    if nutrient == MG and high > ctx.rules.mg_split_above:
        return (
            ScheduleItem("morning", low / 2, high / 2),
            ScheduleItem("bedtime", low / 2, high / 2),
        )
    return (ScheduleItem(form.time, low, high),)


# --- lines ---------------------------------------------------------------------------------


def _amount(ctx: Context, pick: Pick) -> tuple[float, float, Action]:
    """What to take and the action, from the rule's range and what is taken now."""
    dose, taken = pick.dose, ctx.takes(pick.dose.nutrient)
    low, high = dose.daily_min, dose.daily_max
    if pick.floor and pick.floor > high:  # non-responder: never less than taken
        low = high = pick.floor
    if ctx.rules.caps_doses:
        limit = ctx.rules.upper_limits[dose.nutrient].limit
        if limit is not None:
            low, high = min(low, limit), min(high, limit)
    if high <= 0:
        paused = pick.until_retest or dose.id.startswith("pause.")
        return 0, 0, ("pause" if paused else "stop")
    if not taken:
        return low, high, "add"
    if taken < low:
        return low, high, "increase"
    if taken > high:
        return low, high, "reduce"
    return taken, taken, "keep"


# What to do with what is taken now, one sentence per action.
ACTION_SENTENCES: Mapping[Action, str] = {
    "add": _("You take none: add %(target)s."),
    "keep": _("You take %(amount)s: keep it."),
    "increase": _("You take %(amount)s: increase to %(target)s."),
    "reduce": _("You take %(amount)s: reduce to %(target)s."),
    "pause": _("You take %(amount)s: pause it."),
    "stop": _("You take %(amount)s: stop it."),
}


def _compare(ctx: Context, nutrient: str, low: float, high: float, action: Action) -> str:
    """'You take X: keep it / increase to / reduce to / add'."""
    taken, unit = ctx.takes(nutrient), NUTRIENTS[nutrient][1]
    values = {"target": f"{fmt_range(low, high, unit)}/day", "amount": f"{fmt(taken)} {unit}"}
    return ACTION_SENTENCES[action] % values


def _limit_text(ctx: Context, nutrient: str, high: float) -> tuple[str, bool, bool]:
    """The upper-limit sentence, and whether the recommended and the taken amount pass it."""
    ul = ctx.rules.upper_limits[nutrient]
    if ul.limit is None:
        return "", False, False
    values = {
        "amount": f"{fmt(high)} {ul.unit}",
        "limit": f"{fmt(ul.limit)} {ul.unit}",
        "authority": AUTHORITIES[ctx.rules.authority],
    }
    above, taking_above = high > ul.limit, ctx.takes(nutrient) > ul.limit
    text = ""
    if above:
        text += " " + _LIMIT_TEXT_1 % values
    if taking_above and not above:
        text += " " + _LIMIT_TEXT_2 % values
    return text, above, taking_above


def dose_line(ctx: Context, pick: Pick, form: FormRule, mg_non_responder: bool) -> SupplementLine:
    nutrient = pick.dose.nutrient
    low, high, action = _amount(ctx, pick)
    limit_text, above, taking_above = _limit_text(ctx, nutrient, high)
    reason = f"{pick.why} {_compare(ctx, nutrient, low, high, action)}{limit_text}"
    if nutrient == MG and mg_non_responder and action in ("keep", "increase", "add"):
        reason += " " + _DOSE_LINE_1 % {"form": form.form}
    schedule = schedule_for(ctx, nutrient, low, high, form)
    take_with = MG_TAKE_WITH_SPLIT if nutrient == MG and len(schedule) > 1 else form.take_with
    ul = ctx.rules.upper_limits[nutrient]
    sources = (pick.dose.source, form.source) + ((ul.source,) if above or taking_above else ())
    return SupplementLine(
        nutrient=nutrient,
        daily_min=low,
        daily_max=high,
        unit=NUTRIENTS[nutrient][1],
        schedule=schedule,
        form=form.form if high > 0 else "",
        take_with=take_with if high > 0 else "",
        above_upper_limit=above,
        rule=pick.dose.id,
        sources=tuple(dict.fromkeys(s for s in sources if s)),
        reason=reason.strip(),
        taking=ctx.takes(nutrient),
        action=action,
        taking_above_upper_limit=taking_above,
    )


# Alerts whose advice is to pause (until care is sought), not to stop for good.
PAUSING_ALERTS = frozenset({"hypercalcemia_red_flag"})


def stop_line(ctx: Context, nutrient: str, alert: Alert) -> SupplementLine:
    """A zero dose for a supplement a safety rule stops, so 'you take X: stop' shows."""
    action: Action = "pause" if alert.code in PAUSING_ALERTS else "stop"
    unit = NUTRIENTS[nutrient][1]
    taken = ctx.takes(nutrient)
    _text, _above, taking_above = _limit_text(ctx, nutrient, 0)
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
        reason=ACTION_SENTENCES[action] % {"amount": f"{fmt(taken)} {unit}"} + f" {alert.message}",
        taking=taken,
        action=action,
        taking_above_upper_limit=taking_above,
    )


def _leftover_pick(ctx: Context, nutrient: str, picks: Mapping[str, Pick]) -> Pick:
    """A nutrient taken that no dose rule picked: B6 outside correction stops, K2 without
    vitamin D pauses, anything else is kept as taken."""
    if nutrient == B6:
        why = _("B6 (P5P) belongs to the correction phase when both are low; maintenance has none.")
        return Pick(as_taken(ctx, "stop.not_in_phase", B6, 0), why)
    if nutrient == K2:
        why = _(
            "K2 goes with vitamin D in the protocol; with no vitamin D for now it is not needed."
        )
        return Pick(as_taken(ctx, "pause.with_d", K2, 0), why, until_retest=True)
    why = _("No rule of the protocol changes this.")
    return Pick(as_taken(ctx, "keep.as_taken", nutrient, ctx.takes(nutrient)), why)


def plan_lines(
    ctx: Context, picks: Mapping[str, Pick], stopped: Mapping[str, Alert], mg_nr: bool
) -> tuple[tuple[SupplementLine, ...], frozenset[str]]:
    """One line per nutrient recommended or taken; and the nutrients held until the retest."""
    lines, until_retest = [], set()
    for nutrient in NUTRIENT_ORDER:
        if nutrient in stopped:
            if ctx.takes(nutrient):
                lines.append(stop_line(ctx, nutrient, stopped[nutrient]))
            continue
        pick = picks.get(nutrient)
        if pick is None and ctx.takes(nutrient):
            pick = _leftover_pick(ctx, nutrient, picks)
        if pick is None:
            continue
        line = dose_line(ctx, pick, form_for(ctx, nutrient, mg_nr), mg_nr)
        if line.daily_max <= 0 and not line.taking:
            continue  # nothing to take and nothing to stop
        if pick.until_retest and line.action in ("reduce", "pause"):
            until_retest.add(nutrient)
        lines.append(line)
    return tuple(lines), frozenset(until_retest)

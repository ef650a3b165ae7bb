"""Alerts: safety stops, warnings and hints, each citing the rule that raised it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from protocols.engine.calcium import CalciumReading
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
from protocols.engine.text import fmt, marker_label, marker_text, nutrient_label, quantity
from protocols.engine.tiers import RESPONSE_NUTRIENT, is_low
from protocols.rules import (
    ADHERENCE_GOOD,
    AUTHORITIES,
    HYPERCALCEMIA,
    MAGNESIUM_DEFICIENCY,
    NOT_APPLICABLE_FLAGS,
    NUTRIENTS,
    PROFILE_FLAGS,
    SYMPTOMS,
)
from protocols.wording import gettext_noop

# Sentences with values, at module level so presenters know them before any plan is made
# (protocols.wording records each template when it is marked).
_VITD_ALERTS_1 = gettext_noop(
    "25(OH)D is above the %(high)s target: no more vitamin D is added; a dose above "
    "maintenance is lowered to it, a smaller one paused until the retest."
)
_VITD_TOXICITY = gettext_noop(
    "25(OH)D is above %(limit)s: stop vitamin D and have 25(OH)D and calcium rechecked within "
    "two weeks."
)
# The "Why?" traces: what the rule read, in templates so they read in the person's language
# and units (protocols.wording).
_SERUM_ONLY_REASON = gettext_noop("%(reading)s, no RBC magnesium")
_NO_MAGNESIUM_REASON = gettext_noop("no magnesium result")
_FLAG_REASON = gettext_noop("%(flag)s flag")
_D_WITHOUT_MG_REASON = gettext_noop("%(amount)s IU vitamin D3, no magnesium")
_D_WITHOUT_K2_REASON = gettext_noop("%(amount)s IU vitamin D3, no K2")
_CALCIUM_WITHOUT_K2_REASON = gettext_noop("%(calcium)s mg calcium, %(amount)s IU vitamin D3, no K2")
_LIMIT_REASON = gettext_noop("limit %(limit)s %(unit)s (%(authority)s)")
_TAKING_D3_REASON = gettext_noop("taking %(amount)s IU vitamin D3")
_SYMPTOM_REASON = gettext_noop("%(symptom)s %(severity)s/3")
_BURDEN_REASON = gettext_noop("symptom burden %(before)s -> %(now)s (%(symptoms)s)")
_RESPONSE_REASON = gettext_noop(
    "%(marker)s %(previous)s -> %(current)s after %(weeks)s weeks on the dose; expected at "
    "least %(expected)s by now"
)
_RESPONSE_LOGGED_REASON = gettext_noop(
    "%(marker)s %(previous)s -> %(current)s after %(weeks)s weeks on the dose; expected at "
    "least %(expected)s by now; %(nutrient)s logged on %(rate)s of the days"
)
_CALCIUM_TAKEN_REASON = gettext_noop("you take %(amount)s mg calcium")
_PROFILE_ALERTS_1 = gettext_noop(
    "The adult protocol does not apply as is (%(flags)s): follow your physician's advice."
)
_CENSORED_ALERTS_1 = gettext_noop(
    "%(marker)s was reported as %(value)s: that could be in more than one band, so the plan "
    "has no value to work from. Ask the lab for the exact value or retest."
)
_UPPER_LIMIT_ALERTS_1 = gettext_noop(
    "%(nutrient)s above the upper limit of %(limit)s %(unit)s/day (%(authority)s): "
    "%(amounts)s. Only under medical supervision."
)
_NON_RESPONDER_ALERTS_1 = gettext_noop(
    "%(marker)s rose less than expected: %(previous)s to %(current)s %(unit)s after %(weeks)s "
    "weeks on the dose, at least %(expected)s expected by now. Stay in correction at no less "
    "than the dose you take, and check absorption (liposomal magnesium; vitamin D with a fatty "
    "meal), adherence (simplify the routine), increased losses (stress, PPIs, diuretics, diet) "
    "and missing cofactors (B6, K2)."
)
_NON_RESPONDER_ADHERENCE_1 = gettext_noop(
    "%(marker)s rose less than expected: %(previous)s to %(current)s %(unit)s after %(weeks)s "
    "weeks on the dose, at least %(expected)s expected by now. You logged %(nutrient)s on "
    "%(rate)s of the days: first make the routine simpler (one time of day, beside a meal "
    "you never skip) and take it every day. Stay in correction at no less than the dose you "
    "take; if the rise is still slow once you take it daily, check absorption, increased "
    "losses and missing cofactors."
)
_NON_RESPONDER_ADHERENT_1 = gettext_noop(
    "%(marker)s rose less than expected: %(previous)s to %(current)s %(unit)s after %(weeks)s "
    "weeks on the dose, at least %(expected)s expected by now. You logged %(nutrient)s on "
    "%(rate)s of the days, so check absorption first (liposomal magnesium; vitamin D with a "
    "fatty meal) and missing cofactors (B6, K2), then increased losses (stress, PPIs, "
    "diuretics, diet). Stay in correction at no less than the dose you take."
)
_CALCIUM_DOSE_ALERTS_1 = gettext_noop(
    "Calcium lowered to %(amount)s mg/day beside vitamin D, as in the protocol's case 2; "
    "prefer calcium from food."
)

ATTRIBUTION = "The protocol's authors say"
RECOMMENDED = gettext_noop("recommended %(amount)s %(unit)s/day")
YOU_TAKE = gettext_noop("you take %(amount)s %(unit)s/day")


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
        retest_days=rule.retest_days,
        retest_tests=rule.retest_tests,
        **extra,
    )


# --- markers -------------------------------------------------------------------------------


def calcium_alerts(ctx: Context, calcium: CalciumReading | None) -> list[Alert]:
    """Above 10.5 mg/dL (ionized 5.3) stops D and calcium; 10.2-10.5 warns.

    The value is the ionized, else albumin-corrected (Payne), else measured total calcium
    of the latest calcium draw (CLINICAL.md §1), and the reason says which.
    """
    if calcium is None or calcium.tier is None:
        return []
    if calcium.tier.name == "hypercalcemia":
        message = gettext_noop(
            "Calcium is above the safe limit: stop vitamin D and calcium supplements, "
            "contact a physician and have calcium rechecked within two weeks."
        )
        return [make_alert(ctx, "safety.hypercalcemia", message, calcium.text, marker="ca_total")]
    if calcium.tier.name == "borderline":
        message = gettext_noop(
            "Calcium is at the top of the range: recheck it and watch vitamin D intake."
        )
        rule = "safety.hypercalcemia.borderline"
        return [make_alert(ctx, rule, message, calcium.text, marker="ca_total")]
    return []


def vitd_alerts(ctx: Context) -> list[Alert]:
    """25(OH)D above the target lowers D; above 100 stops it; above 150 is urgent."""
    name = ctx.tier_name(VITD)
    if name is None:
        return []
    reason = marker_text(ctx, VITD)
    if name == "severe_toxicity":
        message = gettext_noop(
            "25(OH)D is in the toxic range: stop vitamin D and calcium supplements and see a "
            "physician today; 25(OH)D and calcium need rechecking within a week."
        )
        return [make_alert(ctx, "safety.vitd_toxicity.urgent", message, reason, marker=VITD)]
    if name == "toxicity":
        band = ctx.tier(VITD)  # its lower end is the stop line, 100 ng/mL
        limit = band.low if band is not None and band.low is not None else 100.0
        message = _VITD_TOXICITY % {"limit": quantity(limit, "ng/mL")}
        return [make_alert(ctx, "safety.vitd_toxicity", message, reason, marker=VITD)]
    if name == "above_target":
        high = ctx.rules.targets[VITD][1]
        message = _VITD_ALERTS_1 % {"high": quantity(high or 0, "ng/mL")}
        return [make_alert(ctx, "safety.vitd_above_target", message, reason, marker=VITD)]
    return []


def kidney_alerts(ctx: Context) -> list[Alert]:
    """Kidney disease or eGFR < 30: no magnesium and no D above maintenance without a
    physician (CLINICAL.md §4); eGFR 30-44: magnesium with caution."""
    egfr = ctx.tier_name("egfr")
    if "kidney_disease" in ctx.flags or egfr == "g4_g5":
        reason = (
            _FLAG_REASON % {"flag": "kidney_disease"}
            if "kidney_disease" in ctx.flags
            else marker_text(ctx, "egfr")
        )
        message = gettext_noop(
            "Reduced kidney function: no magnesium supplement, and no vitamin D above the "
            "maintenance dose, without your physician."
        )
        return [make_alert(ctx, "safety.kidney_function", message, reason, marker="egfr")]
    if egfr == "g3b":
        message = gettext_noop("eGFR 30-44: magnesium only with caution; ask your physician.")
        reason = marker_text(ctx, "egfr")
        return [make_alert(ctx, "safety.kidney_function.caution", message, reason)]
    return []


def profile_alerts(ctx: Context) -> list[Alert]:
    alerts = []
    if "anticoagulant" in ctx.flags:
        message = gettext_noop("You take an anticoagulant: no vitamin K2 without your prescriber.")
        reason = _FLAG_REASON % {"flag": "anticoagulant"}
        alerts.append(make_alert(ctx, "safety.anticoagulant_k2", message, reason))
    blocking = sorted(ctx.flags & set(NOT_APPLICABLE_FLAGS))
    if blocking:
        labels = ", ".join(PROFILE_FLAGS[f].lower() for f in blocking)
        message = _PROFILE_ALERTS_1 % {"flags": labels}
        reasons = [ctx.implied_flags.get(f, _FLAG_REASON % {"flag": f}) for f in blocking]
        alerts.append(
            make_alert(ctx, "safety.protocol_not_applicable", message, "; ".join(reasons))
        )
    if "pregnant" in ctx.implied_flags:
        message = gettext_noop(
            "Your life events include a pregnancy: the plan treats you as pregnant or "
            "breastfeeding. Set this in your health profile so every page knows it."
        )
        reason = ctx.implied_flags["pregnant"]
        alerts.append(make_alert(ctx, "profile.pregnancy_event", message, reason))
    if "mg_depleting_medication" in ctx.flags:
        message = gettext_noop(
            "PPIs and diuretics deplete magnesium: test RBC magnesium and keep taking it."
        )
        reason = "mg_depleting_medication"
        alerts.append(make_alert(ctx, "mg.depleting_medication", message, reason))
    return alerts


def marker_alerts(ctx: Context) -> list[Alert]:
    """RBC magnesium missing; PTH above the seed's optimum; censored values."""
    alerts = []
    if MG_RBC not in ctx.readings:
        serum = ctx.readings.get(MG_SERUM)
        if serum:
            reason = _SERUM_ONLY_REASON % {"reading": marker_text(ctx, MG_SERUM)}
            message = gettext_noop(
                "Serum magnesium is a poor measure of body stores (a normal value does not "
                "rule out deficiency): ask for an RBC magnesium test."
            )
        else:
            reason = _NO_MAGNESIUM_REASON
            message = gettext_noop("Ask for an RBC magnesium test.")
        alerts.append(make_alert(ctx, "mg.serum_only", message, reason, marker=MG_RBC))
    alerts += pth_alerts(ctx)
    alerts += censored_alerts(ctx)
    return alerts


def pth_alerts(ctx: Context) -> list[Alert]:
    """High PTH: with low D or Mg the seed links them; with both at target it is a question
    for a physician (primary hyperparathyroidism), not for these supplements."""
    pth = ctx.tier_name("pth_intact")
    if pth not in ("elevated", "high"):
        return []
    reason = marker_text(ctx, "pth_intact")
    d_tier, mg_tier = ctx.tier(VITD), ctx.tier(MG_RBC)
    at_target = (
        d_tier is not None and not is_low(d_tier) and mg_tier is not None and not is_low(mg_tier)
    )
    if at_target:
        message = gettext_noop(
            "PTH is high although 25(OH)D and RBC magnesium are at target, so neither explains "
            "it: ask a physician to look for other causes such as primary hyperparathyroidism."
        )
        return [make_alert(ctx, "pth.unexplained", message, reason, marker="pth_intact")]
    rule = "pth.elevated" if pth == "elevated" else "pth.high"
    message = gettext_noop(
        "PTH is above 50 pg/mL. The protocol's authors say this can come with low magnesium or "
        "vitamin D; retest it with them, and ask a physician if it stays high once they are at "
        "target."
    )
    return [make_alert(ctx, rule, message, reason, marker="pth_intact")]


def censored_alerts(ctx: Context) -> list[Alert]:
    """A '< x' or '> x' result that spans several bands gives no band: say so plainly."""
    alerts = []
    for code, reading in sorted(ctx.readings.items()):
        if not reading.censored or reading.tier is not None or code not in ctx.rules.tiers:
            continue
        m = reading.latest
        shown = quantity(m.value, m.unit, f"{m.qualifier} ")
        message = _CENSORED_ALERTS_1 % {"marker": marker_label(code), "value": shown}
        alerts.append(make_alert(ctx, "data.censored", message, shown, marker=code))
    return alerts


# --- symptoms ------------------------------------------------------------------------------


def symptom_codes(ctx: Context, pattern: str, *, only: bool = False) -> list[str]:
    """Symptoms at warning severity with ``pattern``; ``only``: that pattern and no other."""
    threshold = ctx.rules.symptom_severity
    return sorted(
        code
        for code, severity in ctx.symptoms.items()
        if severity >= threshold
        and pattern in SYMPTOMS[code][1]
        and (not only or set(SYMPTOMS[code][1]) == {pattern})
    )


RED_FLAG_SEVERITY = 3  # one severe symptom specific to high calcium
RED_FLAG_COUNT = 2  # or two of them at moderate or worse


def symptom_alerts(ctx: Context, mg_forbidden: bool) -> list[Alert]:
    """Mg-deficiency symptoms on D without Mg (seed case 2); high-calcium symptoms on D."""
    if not ctx.takes(D3):
        return []
    alerts = []
    mg_symptoms = symptom_codes(ctx, MAGNESIUM_DEFICIENCY)
    if mg_symptoms and not ctx.takes(MG):
        if mg_forbidden:
            message = gettext_noop(
                "Magnesium-deficiency symptoms while taking vitamin D: with your kidney "
                "function, ask your physician before taking any magnesium."
            )
        else:
            message = gettext_noop(
                "Magnesium-deficiency symptoms while taking vitamin D without magnesium. "
                "The protocol's authors say vitamin D raises magnesium demand: the plan starts "
                "a magnesium correction."
            )
        alerts.append(make_alert(ctx, "symptoms.mg_depletion", message, ", ".join(mg_symptoms)))
    alerts += hypercalcemia_symptom_alerts(ctx)
    return alerts


def hypercalcemia_symptom_alerts(ctx: Context) -> list[Alert]:
    """Symptoms specific to high calcium while on D: test calcium within days; severe ones
    on a dose above the upper limit pause D and ask for care (fatigue alone does neither)."""
    specific = symptom_codes(ctx, HYPERCALCEMIA, only=True)
    if not specific:
        return []
    reason = ", ".join(
        _SYMPTOM_REASON % {"symptom": c, "severity": ctx.symptoms[c]} for c in specific
    )
    limit = ctx.rules.upper_limits[D3].limit or 0
    severe = any(ctx.symptoms[c] >= RED_FLAG_SEVERITY for c in specific)
    if ctx.takes(D3) > limit and (severe or len(specific) >= RED_FLAG_COUNT):
        message = gettext_noop(
            "Seek care today: these symptoms can come from too much vitamin D (high calcium). "
            "Pause vitamin D and calcium supplements and have calcium and 25(OH)D tested."
        )
        reason += "; " + _TAKING_D3_REASON % {"amount": fmt(ctx.takes(D3))}
        return [make_alert(ctx, "symptoms.hypercalcemia.red_flag", message, reason)]
    message = gettext_noop(
        "Symptoms that can come from high calcium while taking vitamin D: have calcium "
        "tested within a week."
    )
    return [make_alert(ctx, "symptoms.hypercalcemia", message, reason, marker="ca_total")]


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
    message = gettext_noop("Deficiency symptoms are getting worse: retest sooner than planned.")
    reason = _BURDEN_REASON % {
        "before": worsening.before,
        "now": worsening.now,
        "symptoms": ", ".join(worsening.worse),
    }
    return [make_alert(ctx, "symptoms.worsening", message, reason)]


# --- intake --------------------------------------------------------------------------------


def cofactor_alerts(ctx: Context, stopped: Mapping[str, Alert]) -> list[Alert]:
    """The seed's central claim, attributed: vitamin D with magnesium and K2 beside it."""
    d_taken = ctx.takes(D3)
    if not d_taken or D3 in stopped:
        return []
    alerts = []
    amount = fmt(d_taken)
    if not ctx.takes(MG) and MG not in stopped:
        message = gettext_noop(
            "You take vitamin D without magnesium. The protocol's authors say vitamin D needs "
            "magnesium to be activated."
        )
        reason = _D_WITHOUT_MG_REASON % {"amount": amount}
        alerts.append(make_alert(ctx, "cofactor.d_without_mg", message, reason))
    if not ctx.takes(K2) and K2 not in stopped:
        message = gettext_noop(
            "You take vitamin D without K2. The protocol's authors say K2 directs calcium to "
            "the bones rather than the arteries."
        )
        reason = _D_WITHOUT_K2_REASON % {"amount": amount}
        alerts.append(make_alert(ctx, "cofactor.d_without_k2", message, reason))
    high_dose = ctx.rules.upper_limits[D3].limit or 0
    if ctx.takes(CALCIUM) and d_taken >= high_dose and not ctx.takes(K2) and K2 not in stopped:
        message = gettext_noop(
            "Calcium with high-dose vitamin D and no K2: the protocol's authors say this risks "
            "calcium in the arteries."
        )
        reason = _CALCIUM_WITHOUT_K2_REASON % {"calcium": fmt(ctx.takes(CALCIUM)), "amount": amount}
        alerts.append(make_alert(ctx, "cofactor.calcium_without_k2", message, reason))
    return alerts


def upper_limit_alerts(ctx: Context, lines: Sequence[SupplementLine]) -> list[Alert]:
    """One alert per nutrient whose recommended daily total, or the amount taken now, is
    above the chosen authority's upper limit; the reason says which of the two."""
    by_nutrient = {line.nutrient: line for line in lines}
    authority = ctx.rules.upper_limits[D3].source
    alerts = []
    for nutrient in NUTRIENT_ORDER:
        limit = ctx.rules.upper_limits[nutrient].limit
        line = by_nutrient.get(nutrient)
        rec = line.daily_max if line else 0.0
        taken = ctx.takes(nutrient)
        if limit is None or max(rec, taken) <= limit:
            continue
        unit = NUTRIENTS[nutrient][1]
        parts = [
            template % {"amount": fmt(v), "unit": unit}
            for template, v in ((RECOMMENDED, rec), (YOU_TAKE, taken))
            if v > limit
        ]
        message = _UPPER_LIMIT_ALERTS_1 % {
            "nutrient": nutrient_label(nutrient),
            "limit": fmt(limit),
            "unit": unit,
            "authority": AUTHORITIES[ctx.rules.authority],
            "amounts": "; ".join(parts),
        }
        limit_reason = _LIMIT_REASON % {"limit": fmt(limit), "unit": unit, "authority": authority}
        reason = "; ".join([*parts, limit_reason])
        alert = make_alert(ctx, "safety.above_upper_limit", message, reason, nutrient=nutrient)
        # Cited as the chosen authority's limits (EFSA's for an EU person), not CLINICAL.md
        # §3 as a whole, which the Sources page reads as the US academies'.
        alerts.append(replace(alert, sources=(authority,)))
    return alerts


# The seed's causes of a slow response (§Follow-Up Testing, "If not improving as expected"),
# in the order to check them: unknown adherence keeps the seed's order; logged adherence
# below ADHERENCE_GOOD puts it first, at or above it absorption and cofactors lead.
CAUSES_UNKNOWN_ADHERENCE = ("absorption", "adherence", "losses", "cofactors")
CAUSES_LOW_ADHERENCE = ("adherence", "absorption", "losses", "cofactors")
CAUSES_GOOD_ADHERENCE = ("absorption", "cofactors", "losses", "adherence")


def non_responder_causes(rate: float | None) -> tuple[str, ...]:
    """What to check first when a marker rose less than expected, by logged adherence."""
    if rate is None:
        return CAUSES_UNKNOWN_ADHERENCE
    return CAUSES_LOW_ADHERENCE if rate < ADHERENCE_GOOD else CAUSES_GOOD_ADHERENCE


def non_responder_alerts(ctx: Context, responses: Mapping[str, Response]) -> list[Alert]:
    alerts = []
    for marker, resp in responses.items():
        if resp.on_track:
            continue
        weeks = resp.elapsed_days // 7
        nutrient = RESPONSE_NUTRIENT[marker]
        rate = ctx.adherence.get(nutrient)
        unit = ctx.readings[marker].latest.unit
        shown = {
            "marker": marker,
            "previous": quantity(resp.previous, unit),
            "current": quantity(resp.current, unit),
            "weeks": weeks,
            "expected": quantity(resp.expected[0], unit),
        }
        if rate is None:
            reason = _RESPONSE_REASON % shown
        else:
            logged = {"nutrient": nutrient, "rate": f"{round(rate * 100)}%"}
            reason = _RESPONSE_LOGGED_REASON % (shown | logged)
        values = {
            "marker": marker_label(marker),
            "previous": fmt(resp.previous),
            "current": fmt(resp.current),
            "unit": ctx.readings[marker].latest.unit,
            "weeks": weeks,
            "expected": fmt(resp.expected[0]),
        }
        causes = non_responder_causes(rate)
        template = _NON_RESPONDER_ALERTS_1
        if rate is not None:
            values |= {"nutrient": nutrient_label(nutrient), "rate": f"{round(rate * 100)} %"}
            low = causes[0] == "adherence"
            template = _NON_RESPONDER_ADHERENCE_1 if low else _NON_RESPONDER_ADHERENT_1
        message = template % values
        alerts.append(
            make_alert(ctx, "response.non_responder", message, reason, marker=marker, causes=causes)
        )
    return alerts


def calcium_dose_alerts(ctx: Context, lines: Sequence[SupplementLine]) -> list[Alert]:
    """Seed case 2: calcium cut to 500 mg beside vitamin D; say so when the plan does it."""
    line = next((li for li in lines if li.nutrient == CALCIUM and li.action == "reduce"), None)
    if line is None or line.rule != "calcium.with_d":
        return []
    message = _CALCIUM_DOSE_ALERTS_1 % {"amount": fmt(line.daily_max)}
    reason = _CALCIUM_TAKEN_REASON % {"amount": fmt(line.taking)}
    return [make_alert(ctx, "calcium.reduce", message, reason, nutrient=CALCIUM)]


# --- order and stops -----------------------------------------------------------------------


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

"""The seed protocol (seed 002) as a rule set: tiers, doses, alerts, retests, forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from labs.analytes import SEED_RULE_SET, TARGETS
from labs.symptoms import MAGNESIUM_DEFICIENCY, VITAMIN_D_DEFICIENCY
from protocols.rules.limits import UPPER_LIMITS, UPPER_LIMITS_BY_AUTHORITY, Authority
from protocols.rules.sources import (
    C_CHOICES,
    C_KIDNEY,
    C_LIMITS,
    C_PAYNE,
    C_PTH,
    C_RANGES,
    C_SAFETY,
    P_SAFETY,
    PRODUCT_42,
    RULES_VERSION,
    S_BASELINE,
    S_CASE2,
    S_DEPLETION,
    S_DOSING,
    S_EXPECTED,
    S_FORMS,
    S_HYPERCA,
    S_INTRO,
    S_MAINT,
    S_MAINT_TEST,
    S_NOT_IMPROVING,
    S_ONLY_D,
    S_ONLY_MG,
    S_TIMING,
    SEED,
)
from protocols.rules.types import (
    AlertRule,
    DoseRule,
    FormRule,
    RetestRule,
    RuleSet,
    Tier,
    WorseningRule,
)
from protocols.wording import gettext_noop

# --- seed rule set -----------------------------------------------------------------------


def _dose(
    id_: str, nutrient: str, low: float, high: float, source: str, note: str = ""
) -> DoseRule:
    unit = UPPER_LIMITS[nutrient].unit
    return DoseRule(id_, nutrient, low, high, unit, source, note)


D_MAINTENANCE = _dose("d3.maintenance", "vitamin_d3", 4000, 5000, S_MAINT)

SEED_DOSES: Mapping[str, DoseRule] = {
    d.id: d
    for d in (
        D_MAINTENANCE,
        _dose(
            "d3.only_mg_low.add",
            "vitamin_d3",
            2000,
            4000,
            S_ONLY_MG,
            note="Seed: 'Continue current dose or add 2,000-4,000 IU to help Mg absorption'. "
            "Used only when no vitamin D is taken now; otherwise the current dose is kept.",
        ),
        _dose(
            "d3.keep_current",
            "vitamin_d3",
            0,
            0,
            S_ONLY_MG,
            note="Seed: 'Continue current dose' when only Mg is low (and when 25(OH)D is "
            "unknown). The engine fills in the amount taken, capped at the maintenance "
            "maximum: the seed's own maintenance phase never goes above it.",
        ),
        # Calcium with high-dose D and no K2 raises calcium_without_k2 (a warning) and the
        # plan adds K2 and magnesium, but the calcium dose is not changed. Seed case 2 did
        # cut calcium 1,000 -> 500 mg, alongside D 10,000 -> 5,000 IU, Mg 600 mg and K2
        # 300 mcg, for one patient whose coronary calcium score had risen. That is one
        # physician's corrective choice, not a rule: the seed gives no calcium dose table,
        # threshold or target anywhere (§Worsening Bone Health only says "adequate calcium
        # from diet"), and the calcium UL counts food we do not know (CLINICAL.md §3). So
        # no calcium reduction rule is invented here; the line's reason points to food.
        _dose(
            "calcium.keep_current",
            "calcium",
            0,
            0,
            f"{SEED} §Worsening Bone Health",
            note="The seed has no calcium dose rule (it prefers calcium from diet); a calcium "
            "supplement already taken is kept unless a safety rule stops it.",
        ),
        _dose(
            "calcium.with_d",
            "calcium",
            0,
            500,
            S_CASE2,
            note="Seed case 2 reduced calcium 1,000 -> 500 mg beside vitamin D (with Mg and "
            "K2 added). The seed gives no other calcium rule; calcium from food is preferred "
            "(§Worsening Bone Health). A supplement above 500 mg/day is lowered to 500 mg.",
        ),
        _dose(
            "d3.pause",
            "vitamin_d3",
            0,
            0,
            f"{C_CHOICES}; {S_CASE2}",
            note="Above the target on a dose at or below maintenance: pause until the retest.",
        ),
        DoseRule(
            "keep.as_taken",
            "",
            0,
            0,
            "",
            f"{P_SAFETY}; {C_LIMITS}",
            note="A supplement no rule changes is kept as taken (on hold, without a result, "
            "or outside the protocol), never above the upper limit in force; the engine fills "
            "in the nutrient and amount.",
        ),
        DoseRule(
            "stop.not_in_phase",
            "",
            0,
            0,
            "",
            S_MAINT,
            note="B6 belongs to the correction phase when both are low (seed §Dosing Ratios); "
            "the seed's maintenance protocol has D, magnesium and K2 only.",
        ),
        DoseRule(
            "pause.on_hold",
            "",
            0,
            0,
            "",
            P_SAFETY,
            note="When the protocol does not apply as is, supplements wait for the physician.",
        ),
        DoseRule(
            "pause.with_d",
            "",
            0,
            0,
            "",
            f"{SEED} §The Trinity",
            note="K2 goes with vitamin D in the seed; while D is paused it is not needed.",
        ),
        _dose("mg.maintenance", "magnesium", 300, 400, S_MAINT),
        _dose(
            "mg.only_d_low",
            "magnesium",
            200,
            300,
            S_ONLY_D,
            note="Also used when D is low and magnesium is unknown: it stays under the UL "
            "while D supplementation raises magnesium demand.",
        ),
        _dose(
            "mg.only_mg_low",
            "magnesium",
            400,
            600,
            S_ONLY_MG,
            note="Seed gives one correction range when only Mg is low; its graded Mg tiers "
            "sit under 'If Both D and Mg Are Low', so they apply to that case only.",
        ),
        _dose(
            "mg.serum_low",
            "magnesium",
            400,
            600,
            S_ONLY_MG,
            note="A low serum Mg has no RBC tier; the seed's general correction dose applies.",
        ),
        _dose(
            "k2.both_low",
            "vitamin_k2_mk7",
            200,
            300,
            S_DOSING,
            note="Seed case 2 used 300 mcg, case 1 and 3 200 mcg: both inside this range.",
        ),
        _dose("k2.maintenance", "vitamin_k2_mk7", 100, 200, S_MAINT),
        _dose(
            "b6.both_low",
            "vitamin_b6_p5p",
            50,
            100,
            S_DOSING,
            note="At the IOM UL (100 mg); EFSA 2023 sets 12 mg (CLINICAL.md §3, §5).",
        ),
    )
}

TIER_NOTE_MG = (
    "The seed's 'both low' section says <4.5 -> 600 mg and 4.5-5.0 -> 400 mg; its "
    "Expected Improvements table grades <4.0 600-800, 4.0-4.5 400-600, 4.5-5.0 300-400. "
    "We use the table (PRODUCT.md §4.2): it is finer, and its 12-week targets are what "
    "the non-responder check compares against, so dose and expectation come from one row."
)


# Tier tables: one row per band, read across. Kept compact on purpose (fmt: off).
# fmt: off
def _vitd_tiers(target: tuple[float, float]) -> tuple[Tier, ...]:
    """25(OH)D bands of the seed set; doses from the Expected Improvements table."""
    m, src = "vitd_25oh", S_EXPECTED
    return (
        Tier("d3.tier.severe", m, "severe", None, 20, "low", src,
             dose=_dose("d3.tier.severe", "vitamin_d3", 10000, 10000, src), expected=(40, 50),
             note="Seed doses above the 4,000 IU UL are kept and flagged (CLINICAL.md §5)."),
        Tier("d3.tier.moderate", m, "moderate", 20, 30, "low", src,
             dose=_dose("d3.tier.moderate", "vitamin_d3", 5000, 7000, src), expected=(40, 55)),
        Tier("d3.tier.mild", m, "mild", 30, 35, "low", src,
             dose=_dose("d3.tier.mild", "vitamin_d3", 4000, 5000, src), expected=(45, 60)),
        Tier("d3.tier.low_normal", m, "low_normal", 35, target[0], "adequate", PRODUCT_42,
             dose=D_MAINTENANCE,
             note="35-40 is below the 40-60 target but the seed gives it the maintenance "
             "dose, so it counts as adequate for the phase (maintenance, 6-month retest)."),
        Tier("d3.tier.optimal", m, "optimal", target[0], target[1], "adequate", S_MAINT,
             closed="both", dose=D_MAINTENANCE),
        *_vitd_excess_tiers(target[1]),
    )


def _vitd_excess_tiers(target_high: float) -> tuple[Tier, ...]:
    """Bands above the target: the same safety limits in every rule set."""
    m = "vitd_25oh"
    return (
        Tier("d3.tier.above_target", m, "above_target", target_high, 100, "high", P_SAFETY,
             closed="high",
             dose=replace(D_MAINTENANCE, id="d3.tier.above_target", source=P_SAFETY),
             note="Reduce toward the maintenance dose (seed case 2: 68 ng/mL -> 5,000 IU)."),
        Tier("d3.tier.toxicity", m, "toxicity", 100, 150, "toxic", P_SAFETY, closed="high"),
        Tier("d3.tier.severe_toxicity", m, "severe_toxicity", 150, None, "toxic",
             C_RANGES + " (most toxicity cases > 150)", closed="high"),
    )


def _mg_rbc_tiers(target: tuple[float, float]) -> tuple[Tier, ...]:
    """RBC magnesium bands; their doses apply when both D and Mg are low."""
    m, src = "mg_rbc", S_EXPECTED
    return (
        Tier("mg.tier.severe", m, "severe", None, 4.0, "low", src, note=TIER_NOTE_MG,
             dose=_dose("mg.tier.severe", "magnesium", 600, 800, src), expected=(5.0, 5.5)),
        Tier("mg.tier.moderate", m, "moderate", 4.0, 4.5, "low", src,
             dose=_dose("mg.tier.moderate", "magnesium", 400, 600, src), expected=(5.5, 6.0)),
        Tier("mg.tier.mild", m, "mild", 4.5, 5.0, "low", src,
             dose=_dose("mg.tier.mild", "magnesium", 300, 400, src), expected=(5.5, 6.5)),
        Tier("mg.tier.low", m, "low", 5.0, target[0], "low", S_DOSING,
             dose=_dose("mg.tier.low", "magnesium", 300, 300, S_DOSING), expected=target,
             note="The seed gives no 12-week target for 5.0-5.5; we expect the target band."),
        Tier("mg.tier.optimal", m, "optimal", target[0], target[1], "adequate", S_DOSING,
             closed="both", dose=SEED_DOSES["mg.maintenance"]),
        Tier("mg.tier.above_target", m, "above_target", target[1], None, "adequate", S_DOSING,
             closed="high", dose=SEED_DOSES["mg.maintenance"],
             note="The seed has no rule above 6.5 mg/dL; maintenance continues."),
    )


def _other_tiers() -> Mapping[str, tuple[Tier, ...]]:
    """Markers that raise alerts but set no dose (serum Mg aside: low counts as low Mg)."""
    return {
        "mg_serum": (
            Tier("mg_serum.tier.low", "mg_serum", "low", None, 1.8, "low", PRODUCT_42,
                 dose=SEED_DOSES["mg.serum_low"],
                 note="A low serum value counts as low Mg; a normal one proves nothing (seed)."),
            Tier("mg_serum.tier.normal", "mg_serum", "normal", 1.8, 2.3, "info", C_RANGES,
                 closed="both"),
            Tier("mg_serum.tier.high", "mg_serum", "high", 2.3, None, "info", C_RANGES,
                 closed="high"),
        ),
        "ca_total": (
            Tier("ca_total.tier.low", "ca_total", "low", None, 9.0, "info", S_BASELINE),
            Tier("ca_total.tier.normal", "ca_total", "normal", 9.0, 10.2, "info", S_BASELINE,
                 closed="both"),
            Tier("safety.hypercalcemia.borderline", "ca_total", "borderline", 10.2, 10.5,
                 "high", C_CHOICES, closed="high",
                 note="Many labs' upper limit is 10.0-10.2: warn from 10.2 (CLINICAL.md §5)."),
            Tier("safety.hypercalcemia", "ca_total", "hypercalcemia", 10.5, None, "toxic",
                 S_HYPERCA, closed="high"),
        ),
        "ca_ionized": (
            Tier("ca_ionized.tier.low", "ca_ionized", "low", None, 4.5, "info", S_BASELINE),
            Tier("ca_ionized.tier.normal", "ca_ionized", "normal", 4.5, 5.3, "info", S_BASELINE,
                 closed="both"),
            Tier("safety.hypercalcemia.ionized", "ca_ionized", "hypercalcemia", 5.3, None,
                 "toxic", S_BASELINE, closed="high"),
        ),
        "pth_intact": (
            Tier("pth.tier.low", "pth_intact", "low", None, 15, "info", S_BASELINE),
            Tier("pth.tier.optimal", "pth_intact", "optimal", 15, 50, "info", S_BASELINE,
                 closed="both"),
            Tier("pth.tier.elevated", "pth_intact", "elevated", 50, 65, "high", S_BASELINE,
                 closed="high", note="Above the seed's optimum, within Mayo's 15-65: info."),
            Tier("pth.tier.high", "pth_intact", "high", 65, None, "high", C_RANGES,
                 closed="high", note="Above the lab reference range too: warning."),
        ),
        "egfr": (
            Tier("egfr.tier.g4_g5", "egfr", "g4_g5", None, 30, "toxic", C_KIDNEY,
                 note="KDIGO G4-G5: no magnesium, no D above maintenance, without a physician."),
            Tier("egfr.tier.g3b", "egfr", "g3b", 30, 45, "high", C_SAFETY,
                 note="KDIGO G3b: magnesium with caution."),
            Tier("egfr.tier.g3a", "egfr", "g3a", 45, 60, "info", C_SAFETY),
            Tier("egfr.tier.normal", "egfr", "normal", 60, None, "info", C_SAFETY),
        ),
    }
# fmt: on


# The plan's target column: the labs catalog's targets (labs.analytes.TARGETS, the ones the
# badges and chart bands show), plus the normal band of two markers with nothing to aim at.
NORMAL_BANDS: Mapping[str, tuple[float | None, float | None]] = {
    "mg_serum": (1.8, 2.3),
    "egfr": (60, None),
}
SEED_TARGETS: Mapping[str, tuple[float | None, float | None]] = {
    **TARGETS[SEED_RULE_SET],
    **NORMAL_BANDS,
}


def _a(
    id_: str,
    code: str,
    level: str,
    source: str,
    stops: tuple[str, ...] = (),
    note: str = "",
    retest: tuple[int, tuple[str, ...]] | None = None,
) -> AlertRule:
    days, tests = retest or (None, ())
    return AlertRule(id_, code, level, source, stops, note, days, tests)  # type: ignore[arg-type]


# A stop or urgent alert brings the retest of the marker it names to within days: an
# urgent one within a week, a stop within two (PRODUCT.md §4.3; no source gives a number,
# "see a physician today" and "test calcium now" cannot wait for an 8-12-week retest).
URGENT_DAYS, STOP_DAYS = 7, 14


ALERT_RULES: Mapping[str, AlertRule] = {
    a.id: a
    for a in (
        _a(
            "safety.hypercalcemia",
            "hypercalcemia",
            "stop",
            f"{S_HYPERCA}; {C_PAYNE}",
            ("vitamin_d3", "calcium"),
            note="Ionized Ca > 5.3 mg/dL, else albumin-corrected (Payne, CLINICAL.md §1) or "
            "measured total Ca > 10.5 mg/dL: stop D and calcium.",
            retest=(STOP_DAYS, ("ca_total", "albumin", "vitd_25oh")),
        ),
        _a("safety.hypercalcemia.borderline", "hypercalcemia", "warning", C_CHOICES),
        _a(
            "safety.vitd_toxicity",
            "vitd_toxicity",
            "stop",
            P_SAFETY,
            ("vitamin_d3",),
            retest=(STOP_DAYS, ("vitd_25oh", "ca_total")),
        ),
        _a(
            "safety.vitd_toxicity.urgent",
            "vitd_toxicity",
            "urgent",
            C_RANGES,
            ("vitamin_d3", "calcium"),
            retest=(URGENT_DAYS, ("vitd_25oh", "ca_total")),
        ),
        _a(
            "safety.vitd_above_target",
            "vitd_above_target",
            "warning",
            f"{C_CHOICES}; {S_CASE2}",
            note="Above the target band D is never added or raised: a dose above maintenance "
            "is lowered to it (seed case 2: 68 ng/mL on 10,000 IU -> 5,000 IU), a smaller one "
            "is paused until the retest.",
        ),
        _a("safety.above_upper_limit", "above_upper_limit", "warning", C_LIMITS),
        _a(
            "safety.kidney_function",
            "kidney_function",
            "warning",
            C_KIDNEY,
            ("magnesium",),
            note="Not a 'stop' level: the rest of the plan goes on; magnesium is set to zero "
            "and vitamin D held at or below the maintenance dose.",
        ),
        _a("safety.kidney_function.caution", "kidney_function", "info", C_SAFETY),
        _a(
            "safety.anticoagulant_k2",
            "anticoagulant_k2",
            "warning",
            C_SAFETY,
            ("vitamin_k2_mk7",),
            note="Theuwissen 2013: 10 mcg/day MK-7 lowered INR.",
        ),
        _a("safety.protocol_not_applicable", "protocol_not_applicable", "warning", P_SAFETY),
        _a(
            "profile.pregnancy_event",
            "pregnancy_event",
            "info",
            f"{P_SAFETY}; {C_SAFETY}",
            note="A pregnancy life event acts like the pregnant flag, which it suggests setting.",
        ),
        _a("cofactor.d_without_mg", "d_without_mg", "warning", S_INTRO),
        _a("cofactor.d_without_k2", "d_without_k2", "warning", f"{SEED} §The Trinity"),
        _a(
            "cofactor.calcium_without_k2",
            "calcium_without_k2",
            "warning",
            f"{SEED} §Arterial Calcification",
        ),
        _a("symptoms.mg_depletion", "mg_depletion_symptoms", "warning", S_DEPLETION),
        _a(
            "symptoms.hypercalcemia",
            "hypercalcemia_symptoms",
            "warning",
            f"{S_HYPERCA}; {C_SAFETY}",
            note="Needs a symptom specific to high calcium: fatigue and muscle weakness alone "
            "also come with the deficiencies and do not call for a calcium test.",
            retest=(URGENT_DAYS, ("ca_total", "albumin")),
        ),
        _a(
            "symptoms.hypercalcemia.red_flag",
            "hypercalcemia_red_flag",
            "urgent",
            f"{S_HYPERCA}; {C_SAFETY}",
            ("vitamin_d3", "calcium"),
            note="Severe symptoms matching vitamin D excess on a dose above the upper limit: "
            "pause D and calcium and seek care.",
            retest=(URGENT_DAYS, ("ca_total", "albumin", "vitd_25oh")),
        ),
        _a("response.non_responder", "non_responder", "warning", S_NOT_IMPROVING),
        _a(
            "symptoms.worsening",
            "symptoms_worsening",
            "info",
            f"{S_MAINT_TEST} (If symptoms return -> retest sooner)",
            note="Info, not a warning: it changes when to test, not what to take.",
        ),
        _a("mg.serum_only", "test_rbc_mg", "info", f"{S_BASELINE} (RBC, not serum)"),
        _a("pth.elevated", "pth_elevated", "info", S_BASELINE),
        _a("pth.high", "pth_elevated", "warning", C_RANGES),
        _a(
            "pth.unexplained",
            "pth_unexplained",
            "warning",
            f"{C_PTH}; {C_RANGES}",
            note="High PTH with 25(OH)D and magnesium at target is not theirs to explain.",
        ),
        _a("data.censored", "censored_result", "info", f"{PRODUCT_42} (a censored result)"),
        _a("calcium.reduce", "calcium_reduced", "info", S_CASE2),
        _a(
            "mg.depleting_medication",
            "mg_depleting_medication",
            "info",
            C_SAFETY,
            note="PPIs and diuretics deplete magnesium: an increased-losses factor.",
        ),
    )
}

# The alert a value inside each toxic tier raises (protocols.engine.alerts): the charts draw
# the tier's lower bound as a stop line at that alert's level.
TIER_ALERTS: Mapping[str, str] = {
    "d3.tier.toxicity": "safety.vitd_toxicity",
    "d3.tier.severe_toxicity": "safety.vitd_toxicity.urgent",
    "safety.hypercalcemia": "safety.hypercalcemia",
    "safety.hypercalcemia.ionized": "safety.hypercalcemia",
}

RETEST_RULES: Mapping[str, RetestRule] = {
    r.id: r
    for r in (
        RetestRule(
            "retest.correction",
            due_days=56,
            latest_days=84,
            source=f"{SEED} §Phase 1 (retest both at 8-12 weeks); {C_SAFETY}",
            note="25(OH)D half-life 2-3 weeks: a new steady state takes 8-12 weeks.",
        ),
        RetestRule(
            "retest.maintenance",
            due_months=6,
            latest_months=12,
            source=S_MAINT,
            note="Seed says 6-12 months here and 'annually' under Maintenance "
            "Testing; PRODUCT.md §4.2 picks 6 months as the default.",
        ),
        RetestRule(
            "retest.hold",
            due_days=56,
            latest_days=84,
            source=P_SAFETY,
            note="After a stop: recheck 25(OH)D with calcium, with the physician, on the "
            "same 8-12-week clock (no other interval is sourced).",
        ),
        RetestRule(
            "retest.hold_checkin",
            due_days=28,
            latest_days=42,
            source=P_SAFETY,
            note="The protocol does not apply as is (a profile flag): no dose, but a check-in "
            "4 weeks after the draw, so the person has talked to their physician and the "
            "reminders keep going (issue #14).",
        ),
        RetestRule("retest.life_event", latest_months=3, source=S_MAINT_TEST),
        RetestRule(
            "retest.symptoms_worsening",
            latest_days=28,
            source=f"{S_MAINT_TEST} (If symptoms return -> retest sooner); {PRODUCT_42}",
            note="The seed says 'sooner' without a number; 4 weeks is our reading: soon "
            "enough to act, and half the 8-week minimum of a correction retest.",
        ),
    )
}

MG_FORM_NOTE = "Never oxide: poorly absorbed (seed §Best Forms to Use)."
MG_TAKE_WITH = gettext_noop("30-60 min before bed")
# Above mg_split_above the daily amount is split (seed §Timing: absorption tops out per dose).
MG_TAKE_WITH_SPLIT = gettext_noop("half with breakfast, half 30-60 min before bed")

FORM_RULES: Mapping[str, FormRule] = {
    f.id: f
    for f in (
        FormRule(
            "d3.form",
            "vitamin_d3",
            gettext_noop("D3 (cholecalciferol), not D2"),
            gettext_noop("in the morning with a meal containing fat"),
            "morning",
            f"{S_FORMS}; {S_TIMING}",
        ),
        FormRule(
            "mg.form.glycinate",
            "magnesium",
            gettext_noop("glycinate"),
            MG_TAKE_WITH,
            "bedtime",
            S_FORMS,
            note="Default: best absorbed, gentle, good for sleep. " + MG_FORM_NOTE,
        ),
        FormRule(
            "mg.form.malate",
            "magnesium",
            gettext_noop("malate"),
            MG_TAKE_WITH,
            "bedtime",
            S_FORMS,
            note="When energy is the goal or fatigue dominates the symptoms.",
        ),
        FormRule(
            "mg.form.threonate",
            "magnesium",
            gettext_noop("threonate"),
            MG_TAKE_WITH,
            "bedtime",
            S_FORMS,
            note="When cognition is the priority (expensive).",
        ),
        FormRule(
            "mg.form.liposomal",
            "magnesium",
            gettext_noop("liposomal"),
            MG_TAKE_WITH,
            "bedtime",
            S_NOT_IMPROVING,
            note="Non-responders: absorption is the first suspect.",
        ),
        FormRule(
            "k2.form",
            "vitamin_k2_mk7",
            gettext_noop("MK-7 (menaquinone-7)"),
            gettext_noop("in the morning with the same fatty meal as D3"),
            "morning",
            f"{S_FORMS}; {S_TIMING}",
        ),
        FormRule(
            "b6.form",
            "vitamin_b6_p5p",
            gettext_noop("P5P (pyridoxal-5-phosphate)"),
            gettext_noop("30-60 min before bed, with the magnesium"),
            "bedtime",
            S_TIMING,
        ),
        FormRule(
            "calcium.form",
            "calcium",
            gettext_noop("as taken"),
            gettext_noop("with a meal"),
            "morning",
            f"{SEED} §Worsening Bone Health (calcium from diet)",
        ),
    )
}


SYMPTOM_WORSENING = WorseningRule(
    "symptoms.worsening",
    patterns=(MAGNESIUM_DEFICIENCY, VITAMIN_D_DEFICIENCY),
    min_rise=2,
    min_severity=2,
    source=f"{S_MAINT_TEST} (If symptoms return -> retest sooner); {S_DEPLETION}",
    note="The seed gives no number for 'symptoms return'. A rise of 2 points (one symptom "
    "two grades worse, or two symptoms one grade each) with one of them now moderate or "
    "worse is our reading of 'clearly': a single grade of day-to-day noise does not move "
    "the retest.",
)


def _seed_tiers() -> Mapping[str, tuple[Tier, ...]]:
    return {
        "vitd_25oh": _vitd_tiers(TARGETS[SEED_RULE_SET]["vitd_25oh"]),
        "mg_rbc": _mg_rbc_tiers(TARGETS[SEED_RULE_SET]["mg_rbc"]),
        **_other_tiers(),
    }


SEED_RULES = RuleSet(
    name=SEED_RULE_SET,
    version=f"{SEED_RULE_SET}-{RULES_VERSION}",
    description="The seed article's protocol; doses above the upper limits are flagged.",
    tiers=_seed_tiers(),
    targets=SEED_TARGETS,
    doses=SEED_DOSES,
    upper_limits=UPPER_LIMITS,
    alerts=ALERT_RULES,
    retests=RETEST_RULES,
    forms=FORM_RULES,
    mg_split_above=300,  # seed §Timing: absorption tops out around 200-300 mg per dose
    # The response is judged 6 weeks to a year into the dose (seed: "after 3-6 months,
    # minimal improvement"); the expected rise is scaled to the time, full at 12 weeks.
    response_window_days=(42, 365),
    life_event_cap_months=3,  # seed §Maintenance Testing: after major life changes
    symptom_severity=2,  # moderate or worse counts as a symptom worth a warning
    symptom_worsening=SYMPTOM_WORSENING,
)


def seed_rules(authority: Authority) -> RuleSet:
    """The seed set with ``authority``'s upper limits flagging its doses."""
    return replace(
        SEED_RULES, upper_limits=UPPER_LIMITS_BY_AUTHORITY[authority], authority=authority
    )

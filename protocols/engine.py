"""The rules engine: a Snapshot of one person in, a Plan out.

Pure Python (no Django): the numbers come from ``protocols.rules``; this module decides
which rule fires, records its id and source on every dose and alert, and says why.
Deterministic and total: valid input never raises.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from protocols.rules import (
    DISCLAIMER,
    GOALS,
    HYPERCALCEMIA,
    LIFE_EVENTS,
    MAGNESIUM_DEFICIENCY,
    NOT_APPLICABLE_FLAGS,
    NUTRIENTS,
    PROFILE_FLAGS,
    RULE_SETS,
    RULES_VERSION,
    SYMPTOMS,
    DoseRule,
    FormRule,
    RetestRule,
    RuleSet,
    Tier,
)

__all__ = [
    "GOALS",
    "LIFE_EVENTS",
    "NUTRIENTS",
    "PROFILE_FLAGS",
    "RULE_SETS",
    "RULES_VERSION",
    "SYMPTOMS",
    "Alert",
    "Intake",
    "MarkerStatus",
    "Measurement",
    "Plan",
    "Response",
    "Retest",
    "ScheduleItem",
    "Snapshot",
    "SupplementLine",
    "UnknownRuleSet",
    "compute_plan",
]

VITD, MG_RBC, MG_SERUM = "vitd_25oh", "mg_rbc", "mg_serum"
D3, MG, K2, B6, CALCIUM = "vitamin_d3", "magnesium", "vitamin_k2_mk7", "vitamin_b6_p5p", "calcium"
NUTRIENT_ORDER = (D3, MG, K2, B6, CALCIUM)
PHASES = ("correction", "maintenance", "hold", "insufficient_data")
LEVEL_RANK = {"urgent": 0, "stop": 1, "warning": 2, "info": 3}
HALTING_LEVELS = ("stop", "urgent")


class UnknownRuleSet(ValueError):
    """The snapshot names a rule set that does not exist."""


# --- input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    value: float  # in the canonical unit
    unit: str  # canonical unit, e.g. "ng/mL", "mg/dL", "pg/mL", "g/dL", "mL/min/1.73m2"
    drawn_on: date


@dataclass(frozen=True)
class Intake:  # a supplement currently taken, daily amount
    nutrient: str  # "vitamin_d3" | "magnesium" | "vitamin_k2_mk7" | "vitamin_b6_p5p" | "calcium"
    amount: float
    unit: str  # "IU" | "mg" | "mcg"


@dataclass(frozen=True)
class Snapshot:
    as_of: date
    results: Mapping[str, Sequence[Measurement]] = field(default_factory=dict)
    symptoms: Mapping[str, int] = field(default_factory=dict)  # code -> latest severity 0..3
    taking: Sequence[Intake] = ()
    flags: frozenset[str] = frozenset()
    goal: str | None = None  # bone | sleep | energy | cognition (picks the magnesium form)
    life_events: Sequence[tuple[str, date]] = ()  # (kind, date)
    rules: str = "seed"
    # code -> latest severity 0..3 in an earlier window (30-90 days before as_of): the
    # baseline that tells whether the deficiency symptoms are getting worse.
    previous_symptoms: Mapping[str, int] = field(default_factory=dict)


# --- output --------------------------------------------------------------------------------


def _num(x: float) -> int | float:
    """JSON number: an int when whole, else the float."""
    return int(x) if float(x).is_integer() else float(x)


def _range(pair: tuple[float | None, float | None]) -> list[int | float | None]:
    return [None if x is None else _num(x) for x in pair]


@dataclass(frozen=True)
class ScheduleItem:
    time: str  # "morning" | "evening" | "bedtime"
    amount_min: float
    amount_max: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "amount_min": _num(self.amount_min),
            "amount_max": _num(self.amount_max),
        }


@dataclass(frozen=True)
class SupplementLine:
    nutrient: str
    daily_min: float
    daily_max: float
    unit: str
    schedule: tuple[ScheduleItem, ...]
    form: str
    take_with: str
    above_upper_limit: bool
    rule: str
    sources: tuple[str, ...]
    reason: str
    taking: float = 0  # what the person takes now, same unit

    def to_dict(self) -> dict[str, Any]:
        return {
            "nutrient": self.nutrient,
            "daily_min": _num(self.daily_min),
            "daily_max": _num(self.daily_max),
            "unit": self.unit,
            "schedule": [s.to_dict() for s in self.schedule],
            "form": self.form,
            "take_with": self.take_with,
            "above_upper_limit": self.above_upper_limit,
            "rule": self.rule,
            "sources": list(self.sources),
            "reason": self.reason,
            "taking": _num(self.taking),
        }


@dataclass(frozen=True)
class Alert:
    level: str  # "stop" | "urgent" | "warning" | "info"
    code: str
    message: str
    sources: tuple[str, ...]
    reason: str
    rule: str
    nutrient: str | None = None  # for above_upper_limit
    marker: str | None = None  # for marker-driven alerts (non_responder, ...)
    stops: tuple[str, ...] = ()  # nutrients this alert sets to zero
    causes: tuple[str, ...] = ()  # non_responder: what to check

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "sources": list(self.sources),
            "reason": self.reason,
            "rule": self.rule,
            "nutrient": self.nutrient,
            "marker": self.marker,
            "stops": list(self.stops),
            "causes": list(self.causes),
        }


@dataclass(frozen=True)
class Retest:
    due_on: date
    latest_on: date
    tests: tuple[str, ...]
    reason: str
    rule: str
    overdue: bool = False
    overdue_since: date | None = None  # the date it was due, when that has passed

    def to_dict(self) -> dict[str, Any]:
        return {
            "due_on": self.due_on.isoformat(),
            "latest_on": self.latest_on.isoformat(),
            "tests": list(self.tests),
            "reason": self.reason,
            "rule": self.rule,
            "overdue": self.overdue,
            "overdue_since": self.overdue_since.isoformat() if self.overdue_since else None,
        }


@dataclass(frozen=True)
class MarkerStatus:
    value: float
    unit: str
    drawn_on: date
    tier: str
    target: tuple[float | None, float | None]
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": _num(self.value),
            "unit": self.unit,
            "drawn_on": self.drawn_on.isoformat(),
            "tier": self.tier,
            "target": _range(self.target),
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Response:
    previous: float
    current: float
    expected: tuple[float, float]
    on_track: bool
    previous_drawn_on: date
    drawn_on: date
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous": _num(self.previous),
            "current": _num(self.current),
            "expected": _range(self.expected),
            "on_track": self.on_track,
            "previous_drawn_on": self.previous_drawn_on.isoformat(),
            "drawn_on": self.drawn_on.isoformat(),
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Plan:
    rules_version: str
    rule_set: str
    as_of: date
    phase: str  # one of PHASES
    markers: Mapping[str, MarkerStatus]
    supplements: tuple[SupplementLine, ...]
    retest: Retest | None
    expected_at_retest: Mapping[str, tuple[float, float]]
    response: Mapping[str, Response]
    alerts: tuple[Alert, ...]
    disclaimer: str = DISCLAIMER

    def line(self, nutrient: str) -> SupplementLine | None:
        """The supplement line of ``nutrient``, if the plan has one."""
        return next((s for s in self.supplements if s.nutrient == nutrient), None)

    def alert_codes(self) -> list[str]:
        return [a.code for a in self.alerts]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of PRODUCT.md §4.6 (plus rule_set and disclaimer)."""
        return {
            "rules_version": self.rules_version,
            "rule_set": self.rule_set,
            "as_of": self.as_of.isoformat(),
            "phase": self.phase,
            "markers": {code: m.to_dict() for code, m in self.markers.items()},
            "supplements": [s.to_dict() for s in self.supplements],
            "retest": self.retest.to_dict() if self.retest else None,
            "expected_at_retest": {c: _range(r) for c, r in self.expected_at_retest.items()},
            "response": {code: r.to_dict() for code, r in self.response.items()},
            "alerts": [a.to_dict() for a in self.alerts],
            "disclaimer": self.disclaimer,
        }


# --- reading the snapshot ------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    latest: Measurement
    previous: Measurement | None
    tier: Tier | None


@dataclass(frozen=True)
class _Context:
    snapshot: Snapshot
    rules: RuleSet
    readings: Mapping[str, _Reading]
    taken: Mapping[str, float]
    symptoms: Mapping[str, int]
    previous_symptoms: Mapping[str, int]
    flags: frozenset[str]

    @property
    def as_of(self) -> date:
        return self.snapshot.as_of

    def takes(self, nutrient: str) -> float:
        return self.taken.get(nutrient, 0.0)

    def tier(self, marker: str) -> Tier | None:
        reading = self.readings.get(marker)
        return reading.tier if reading else None

    def tier_name(self, marker: str) -> str | None:
        tier = self.tier(marker)
        return tier.name if tier else None


def _classify(rules: RuleSet, marker: str, value: float) -> Tier | None:
    return next((t for t in rules.tiers.get(marker, ()) if t.contains(value)), None)


def _reading(
    rules: RuleSet, marker: str, series: Sequence[Measurement], as_of: date
) -> _Reading | None:
    """Latest and previous draw; future dates and non-numbers are ignored."""
    usable = sorted(
        (m for m in series if m.drawn_on <= as_of and math.isfinite(m.value)),
        key=lambda m: (m.drawn_on, m.value),
    )
    if not usable:
        return None
    latest = usable[-1]
    earlier = [m for m in usable if m.drawn_on < latest.drawn_on]
    previous = earlier[-1] if earlier else None
    return _Reading(latest, previous, _classify(rules, marker, latest.value))


_UNIT_NAMES = {"iu": "IU", "mg": "mg", "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg"}
# (from, to) -> factor; vitamin D: 1 mcg = 40 IU (CLINICAL.md §1).
_UNIT_FACTORS = {
    ("mcg", "IU"): 40.0,
    ("mg", "IU"): 40_000.0,
    ("mg", "mcg"): 1000.0,
    ("mcg", "mg"): 0.001,
}


def _in_unit(nutrient: str, amount: float, unit: str) -> float | None:
    """A daily amount in the nutrient's own unit, or None when it cannot be converted."""
    target = NUTRIENTS[nutrient][1]
    source = _UNIT_NAMES.get(unit.strip().lower())
    if source == target:
        return amount
    factor = _UNIT_FACTORS.get((source or "", target))
    return amount * factor if factor is not None else None


def _taken(taking: Sequence[Intake]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for intake in taking:
        if intake.nutrient not in NUTRIENTS or not math.isfinite(intake.amount):
            continue
        amount = _in_unit(intake.nutrient, max(intake.amount, 0.0), intake.unit)
        if amount is not None:
            totals[intake.nutrient] = totals.get(intake.nutrient, 0.0) + amount
    return {n: a for n, a in totals.items() if a > 0}


def _severities(scores: Mapping[str, int]) -> dict[str, int]:
    """Known symptom codes with their severity clamped to 0..3."""
    return {code: min(max(int(sev), 0), 3) for code, sev in scores.items() if code in SYMPTOMS}


def _context(snapshot: Snapshot) -> _Context:
    rules = RULE_SETS.get(snapshot.rules)
    if rules is None:
        raise UnknownRuleSet(f"unknown rule set {snapshot.rules!r}; known: {sorted(RULE_SETS)}")
    readings: dict[str, _Reading] = {}
    for marker, series in snapshot.results.items():
        reading = _reading(rules, marker, series, snapshot.as_of)
        if reading is not None:
            readings[marker] = reading
    return _Context(
        snapshot=snapshot,
        rules=rules,
        readings=readings,
        taken=_taken(snapshot.taking),
        symptoms=_severities(snapshot.symptoms),
        previous_symptoms=_severities(snapshot.previous_symptoms),
        flags=frozenset(f for f in snapshot.flags if f in PROFILE_FLAGS),
    )


# --- small text helpers --------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


def _fmt_range(low: float, high: float, unit: str) -> str:
    if low == high:
        return f"{_fmt(low)} {unit}"
    return f"{_fmt(low)}-{_fmt(high)} {unit}"


def _label(nutrient: str) -> str:
    return NUTRIENTS[nutrient][0]


def _marker_text(ctx: _Context, marker: str) -> str:
    reading = ctx.readings[marker]
    tier = reading.tier.name if reading.tier else "unrated"
    return f"{marker} {_fmt(reading.latest.value)} {reading.latest.unit} ({tier})"


# --- alerts --------------------------------------------------------------------------------


def _alert(ctx: _Context, rule_id: str, message: str, reason: str, **extra: Any) -> Alert:
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


def _calcium_alerts(ctx: _Context) -> list[Alert]:
    """Total Ca > 10.5 or ionized > 5.3 stops D and calcium; 10.2-10.5 warns."""
    high = [m for m in ("ca_total", "ca_ionized") if ctx.tier_name(m) == "hypercalcemia"]
    if high:
        reason = ", ".join(_marker_text(ctx, m) for m in high)
        message = (
            "Calcium is above the safe limit: stop vitamin D and calcium supplements "
            "and contact a physician."
        )
        return [_alert(ctx, "safety.hypercalcemia", message, reason, marker=high[0])]
    if ctx.tier_name("ca_total") == "borderline":
        message = "Calcium is at the top of the range: recheck it and watch vitamin D intake."
        reason = _marker_text(ctx, "ca_total")
        return [_alert(ctx, "safety.hypercalcemia.borderline", message, reason, marker="ca_total")]
    return []


def _vitd_alerts(ctx: _Context) -> list[Alert]:
    """25(OH)D above the target reduces D; above 100 stops it; above 150 is urgent."""
    name = ctx.tier_name(VITD)
    if name is None:
        return []
    reason = _marker_text(ctx, VITD)
    if name == "severe_toxicity":
        message = "25(OH)D is in the toxic range: stop vitamin D and see a physician today."
        return [_alert(ctx, "safety.vitd_toxicity.urgent", message, reason, marker=VITD)]
    if name == "toxicity":
        message = "25(OH)D is above 100 ng/mL: stop vitamin D and retest it with calcium."
        return [_alert(ctx, "safety.vitd_toxicity", message, reason, marker=VITD)]
    if name == "above_target":
        message = "25(OH)D is above the target: reduce vitamin D to the maintenance dose."
        return [_alert(ctx, "safety.vitd_above_target", message, reason, marker=VITD)]
    return []


def _kidney_alerts(ctx: _Context) -> list[Alert]:
    """Kidney disease or eGFR < 30: no magnesium, D with caution; eGFR 30-44: caution."""
    egfr = ctx.tier_name("egfr")
    if "kidney_disease" in ctx.flags or egfr == "g4_g5":
        reason = (
            "kidney_disease flag" if "kidney_disease" in ctx.flags else _marker_text(ctx, "egfr")
        )
        message = (
            "Reduced kidney function: no magnesium supplement without a physician; "
            "take vitamin D only with caution."
        )
        return [_alert(ctx, "safety.kidney_function", message, reason, marker="egfr")]
    if egfr == "g3b":
        message = "eGFR 30-44: magnesium only with caution; ask your physician."
        return [_alert(ctx, "safety.kidney_function.caution", message, _marker_text(ctx, "egfr"))]
    return []


def _profile_alerts(ctx: _Context) -> list[Alert]:
    alerts = []
    if "anticoagulant" in ctx.flags:
        message = "You take an anticoagulant: no vitamin K2 without your prescriber."
        alerts.append(_alert(ctx, "safety.anticoagulant_k2", message, "anticoagulant flag"))
    blocking = sorted(ctx.flags & set(NOT_APPLICABLE_FLAGS))
    if blocking:
        labels = ", ".join(PROFILE_FLAGS[f].lower() for f in blocking)
        message = (
            f"The adult protocol does not apply as is ({labels}): follow your physician's advice."
        )
        reason = "flags: " + ", ".join(blocking)
        alerts.append(_alert(ctx, "safety.protocol_not_applicable", message, reason))
    if "mg_depleting_medication" in ctx.flags:
        message = "PPIs and diuretics deplete magnesium: test RBC magnesium and keep taking it."
        alerts.append(_alert(ctx, "mg.depleting_medication", message, "mg_depleting_medication"))
    return alerts


def _marker_alerts(ctx: _Context) -> list[Alert]:
    """RBC magnesium missing; PTH above the seed's optimum."""
    alerts = []
    if MG_RBC not in ctx.readings:
        serum = ctx.readings.get(MG_SERUM)
        if serum:
            reason = _marker_text(ctx, MG_SERUM) + ", no RBC magnesium"
            message = (
                "Serum magnesium is a poor measure of body stores (a normal value does not "
                "rule out deficiency): ask for an RBC magnesium test."
            )
        else:
            reason, message = "no magnesium result", "Ask for an RBC magnesium test."
        alerts.append(_alert(ctx, "mg.serum_only", message, reason, marker=MG_RBC))
    pth = ctx.tier_name("pth_intact")
    if pth in ("elevated", "high"):
        rule = "pth.elevated" if pth == "elevated" else "pth.high"
        message = "PTH above 50 pg/mL suggests magnesium or vitamin D deficiency."
        alerts.append(
            _alert(ctx, rule, message, _marker_text(ctx, "pth_intact"), marker="pth_intact")
        )
    return alerts


def _symptom_codes(ctx: _Context, pattern: str) -> list[str]:
    threshold = ctx.rules.symptom_severity
    return sorted(
        code
        for code, severity in ctx.symptoms.items()
        if severity >= threshold and pattern in SYMPTOMS[code][1]
    )


def _symptom_alerts(ctx: _Context) -> list[Alert]:
    """Mg-deficiency symptoms on D without Mg (seed case 2); hypercalcemia symptoms on D."""
    if not ctx.takes(D3):
        return []
    alerts = []
    mg_symptoms = _symptom_codes(ctx, MAGNESIUM_DEFICIENCY)
    if mg_symptoms and not ctx.takes(MG):
        message = (
            "Magnesium-deficiency symptoms while taking vitamin D without magnesium: "
            "vitamin D raises magnesium demand."
        )
        alerts.append(_alert(ctx, "symptoms.mg_depletion", message, ", ".join(mg_symptoms)))
    ca_symptoms = _symptom_codes(ctx, HYPERCALCEMIA)
    if ca_symptoms:
        message = (
            "Symptoms that can come from high calcium while taking vitamin D: test calcium now."
        )
        alerts.append(_alert(ctx, "symptoms.hypercalcemia", message, ", ".join(ca_symptoms)))
    return alerts


@dataclass(frozen=True)
class _Worsening:
    before: int  # deficiency-symptom burden at the earlier check-in
    now: int
    worse: tuple[str, ...]  # the symptoms whose severity rose


def _burden(ctx: _Context, scores: Mapping[str, int]) -> int:
    patterns = ctx.rules.symptom_worsening.patterns
    return sum(sev for code, sev in scores.items() if set(SYMPTOMS[code][1]) & set(patterns))


def _worsening(ctx: _Context) -> _Worsening | None:
    """Deficiency symptoms clearly worse than at the earlier check-in (seed: retest sooner)."""
    rule = ctx.rules.symptom_worsening
    if not ctx.previous_symptoms:  # a first check-in has nothing to be worse than
        return None
    before, now = _burden(ctx, ctx.previous_symptoms), _burden(ctx, ctx.symptoms)
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
    return _Worsening(before, now, worse)


def _worsening_alerts(ctx: _Context) -> list[Alert]:
    worsening = _worsening(ctx)
    if worsening is None:
        return []
    message = "Deficiency symptoms are getting worse: retest sooner than planned."
    reason = (
        f"symptom burden {worsening.before} -> {worsening.now} (" + ", ".join(worsening.worse) + ")"
    )
    return [_alert(ctx, "symptoms.worsening", message, reason)]


def _cofactor_alerts(ctx: _Context, stopped: Mapping[str, Alert]) -> list[Alert]:
    """The seeds' central point: vitamin D needs magnesium and K2 beside it."""
    d_taken = ctx.takes(D3)
    if not d_taken:
        return []
    alerts = []
    amount = f"{_fmt(d_taken)} IU vitamin D3"
    if not ctx.takes(MG) and MG not in stopped:
        message = "You take vitamin D without magnesium: magnesium is needed to activate it."
        alerts.append(_alert(ctx, "cofactor.d_without_mg", message, f"{amount}, no magnesium"))
    if not ctx.takes(K2) and K2 not in stopped:
        message = "You take vitamin D without K2: K2 steers calcium into bone, not arteries."
        alerts.append(_alert(ctx, "cofactor.d_without_k2", message, f"{amount}, no K2"))
    high_dose = ctx.rules.upper_limits[D3].limit or 0
    if ctx.takes(CALCIUM) and d_taken >= high_dose and not ctx.takes(K2) and K2 not in stopped:
        message = "Calcium with high-dose vitamin D and no K2: risk of calcium in the arteries."
        reason = f"{_fmt(ctx.takes(CALCIUM))} mg calcium, {amount}, no K2"
        alerts.append(_alert(ctx, "cofactor.calcium_without_k2", message, reason))
    return alerts


def _upper_limit_alerts(ctx: _Context, lines: Sequence[SupplementLine]) -> list[Alert]:
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
            f"{label} {_fmt(v)} {unit}"
            for label, v in (("recommended", rec), ("taken", taken))
            if v > limit
        ]
        message = (
            f"{_label(nutrient)} above the upper limit of {_fmt(limit)} {unit}/day: "
            "only under medical supervision."
        )
        alerts.append(
            _alert(ctx, "safety.above_upper_limit", message, "; ".join(parts), nutrient=nutrient)
        )
    return alerts


def _non_responder_alerts(ctx: _Context, responses: Mapping[str, Response]) -> list[Alert]:
    causes = ("absorption", "adherence", "losses", "cofactors")
    alerts = []
    for marker, resp in responses.items():
        if resp.on_track:
            continue
        weeks = (resp.drawn_on - resp.previous_drawn_on).days // 7
        reason = (
            f"{marker} {_fmt(resp.previous)} -> {_fmt(resp.current)} in {weeks} weeks; "
            f"expected {_fmt(resp.expected[0])}-{_fmt(resp.expected[1])}"
        )
        message = (
            "Below the expected response: stay in correction and check absorption (liposomal "
            "magnesium; vitamin D with a fatty meal), adherence (simplify the routine), "
            "increased losses (stress, PPIs, diuretics, diet) and missing cofactors (B6, K2)."
        )
        alerts.append(
            _alert(ctx, "response.non_responder", message, reason, marker=marker, causes=causes)
        )
    return alerts


def _sorted_alerts(alerts: Sequence[Alert]) -> tuple[Alert, ...]:
    return tuple(
        sorted(
            alerts, key=lambda a: (LEVEL_RANK[a.level], a.code, a.nutrient or "", a.marker or "")
        )
    )


# --- responses and tiers -------------------------------------------------------------------


def _responses(ctx: _Context) -> dict[str, Response]:
    """Change since the previous draw, against the previous tier's 12-week target."""
    low, high = ctx.rules.response_window_days
    responses = {}
    for marker in (VITD, MG_RBC):
        reading = ctx.readings.get(marker)
        if reading is None or reading.previous is None:
            continue
        gap = (reading.latest.drawn_on - reading.previous.drawn_on).days
        before = _classify(ctx.rules, marker, reading.previous.value)
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


def _is_low(tier: Tier | None) -> bool:
    return tier is not None and tier.status == "low"


def _dosing_tier(ctx: _Context, marker: str, non_responder: bool) -> Tier | None:
    """The tier doses come from; a non-responder stays in (at least mild) correction."""
    tier = ctx.tier(marker)
    if non_responder and not _is_low(tier):
        return [t for t in ctx.rules.tiers[marker] if t.status == "low"][-1]
    return tier


def _mg_tier(ctx: _Context, non_responder: bool) -> Tier | None:
    """RBC magnesium decides; without it a low serum value counts as low magnesium."""
    if MG_RBC in ctx.readings:
        return _dosing_tier(ctx, MG_RBC, non_responder)
    serum = ctx.tier(MG_SERUM)
    return serum if _is_low(serum) else None


# --- doses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pick:
    """A chosen dose and why it was chosen."""

    dose: DoseRule
    why: str


def _keep_current_d(ctx: _Context, why: str) -> _Pick:
    """Keep the D dose taken now, but never above the maintenance maximum."""
    taken, maintenance = ctx.takes(D3), ctx.rules.doses["d3.maintenance"]
    if taken > maintenance.daily_max:
        return _Pick(maintenance, why + " Reduce to the maintenance dose.")
    keep = ctx.rules.doses["d3.keep_current"]
    return _Pick(DoseRule(keep.id, D3, taken, taken, keep.unit, keep.source, keep.note), why)


def _pick_d(ctx: _Context, d_tier: Tier | None, d_low: bool, mg_low: bool) -> _Pick | None:
    if d_tier is not None and d_tier.dose is not None and (d_low or d_tier.status == "high"):
        return _Pick(d_tier.dose, f"25(OH)D tier {d_tier.name}.")
    if d_tier is not None and d_tier.dose is not None and not mg_low:
        return _Pick(d_tier.dose, "Maintenance: 25(OH)D is at target.")
    if ctx.takes(D3):
        why = "Only magnesium is low: keep your vitamin D dose." if d_tier else "No 25(OH)D result."
        return _keep_current_d(ctx, why)
    if d_tier is not None and mg_low:
        why = "Only magnesium is low: a little vitamin D helps magnesium absorption."
        return _Pick(ctx.rules.doses["d3.only_mg_low.add"], why)
    return None


def _pick_mg(ctx: _Context, mg_tier: Tier | None, d_low: bool, mg_low: bool) -> _Pick:
    doses = ctx.rules.doses
    if mg_low and mg_tier is not None and mg_tier.marker == MG_SERUM:
        return _Pick(doses["mg.serum_low"], "Serum magnesium is low.")
    if mg_low and d_low and mg_tier is not None and mg_tier.dose is not None:
        return _Pick(mg_tier.dose, f"Both low: RBC magnesium tier {mg_tier.name}.")
    if mg_low:
        return _Pick(doses["mg.only_mg_low"], "Only magnesium is low: correction dose.")
    if d_low:
        return _Pick(doses["mg.only_d_low"], "Vitamin D correction raises magnesium demand.")
    return _Pick(doses["mg.maintenance"], "Maintenance magnesium.")


def _recommend(
    ctx: _Context, d_tier: Tier | None, mg_tier: Tier | None, stopped: Mapping[str, Alert]
) -> dict[str, _Pick]:
    """Doses by combination: both low / only D low / only Mg low / maintenance."""
    d_low, mg_low = _is_low(d_tier), _is_low(mg_tier)
    picks: dict[str, _Pick] = {}
    d_pick = _pick_d(ctx, d_tier, d_low, mg_low)
    if d_pick is not None:
        picks[D3] = d_pick
    if MG not in stopped:
        picks[MG] = _pick_mg(ctx, mg_tier, d_low, mg_low)
    both_low = d_low and mg_low
    if D3 in picks and K2 not in stopped:
        k2 = "k2.both_low" if both_low else "k2.maintenance"
        picks[K2] = _Pick(ctx.rules.doses[k2], "K2 steers the calcium D absorbs into bone.")
    if both_low and MG in picks:
        why = "Both low: P5P helps move magnesium into cells."
        picks[B6] = _Pick(ctx.rules.doses["b6.both_low"], why)
    if ctx.takes(CALCIUM):
        keep = ctx.rules.doses["calcium.keep_current"]
        amount = ctx.takes(CALCIUM)
        dose = DoseRule(keep.id, CALCIUM, amount, amount, keep.unit, keep.source, keep.note)
        picks[CALCIUM] = _Pick(dose, "No rule changes your calcium; prefer calcium from food.")
    return picks


def _mg_form(ctx: _Context, non_responder: bool) -> FormRule:
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


def _form(ctx: _Context, nutrient: str, mg_non_responder: bool) -> FormRule:
    if nutrient == MG:
        return _mg_form(ctx, mg_non_responder)
    prefix = {D3: "d3", K2: "k2", B6: "b6", CALCIUM: "calcium"}[nutrient]
    return ctx.rules.forms[f"{prefix}.form"]


def _schedule(ctx: _Context, dose: DoseRule, form: FormRule) -> tuple[ScheduleItem, ...]:
    """Magnesium above ~300 mg/day is split morning/bedtime (absorption per dose tops out)."""
    if dose.nutrient == MG and dose.daily_max > ctx.rules.mg_split_above:
        half_min, half_max = dose.daily_min / 2, dose.daily_max / 2
        return (
            ScheduleItem("morning", half_min, half_max),
            ScheduleItem("bedtime", half_min, half_max),
        )
    return (ScheduleItem(form.time, dose.daily_min, dose.daily_max),)


def _compare(ctx: _Context, dose: DoseRule) -> str:
    """'You take X: keep / increase / reduce / add' - taking vs recommended."""
    taken, unit = ctx.takes(dose.nutrient), dose.unit
    target = f"{_fmt_range(dose.daily_min, dose.daily_max, unit)}/day"
    if not taken:
        d_taken = ctx.takes(D3)
        if dose.nutrient != D3 and d_taken:
            return f"You take {_fmt(d_taken)} IU D3 and no {_label(dose.nutrient)}: add {target}."
        return f"You take no {_label(dose.nutrient)}: add {target}."
    now = f"You take {_fmt(taken)} {unit}"
    if taken < dose.daily_min:
        return f"{now}: increase to {target}."
    if taken > dose.daily_max:
        return f"{now}: reduce to {target}."
    return f"{now}: keep it."


def _line(ctx: _Context, pick: _Pick, form: FormRule, caution: str) -> SupplementLine:
    dose = pick.dose
    ul = ctx.rules.upper_limits[dose.nutrient]
    above = ul.limit is not None and dose.daily_max > ul.limit
    reason = f"{pick.why} {_compare(ctx, dose)}"
    if above:
        limit = f"{_fmt(ul.limit or 0)} {ul.unit}"
        reason += f" Above the {limit} upper limit: only under medical supervision."
    sources = (dose.source, form.source) + ((ul.source,) if above else ())
    return SupplementLine(
        nutrient=dose.nutrient,
        daily_min=dose.daily_min,
        daily_max=dose.daily_max,
        unit=dose.unit,
        schedule=_schedule(ctx, dose, form),
        form=form.form,
        take_with=form.take_with,
        above_upper_limit=above,
        rule=dose.id,
        sources=tuple(dict.fromkeys(sources)),
        reason=(reason + caution).strip(),
        taking=ctx.takes(dose.nutrient),
    )


def _stop_line(ctx: _Context, nutrient: str, alert: Alert) -> SupplementLine:
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
        reason=f"You take {_fmt(taken)} {unit}: stop. {alert.message}",
        taking=taken,
    )


def _stopped(alerts: Sequence[Alert]) -> dict[str, Alert]:
    stopped: dict[str, Alert] = {}
    for alert in _sorted_alerts(alerts):
        for nutrient in alert.stops:
            stopped.setdefault(nutrient, alert)
    return stopped


def _lines(
    ctx: _Context, picks: Mapping[str, _Pick], stopped: Mapping[str, Alert], mg_nr: bool
) -> tuple[SupplementLine, ...]:
    kidney = any(a.code == "kidney_function" and a.stops for a in stopped.values())
    lines = []
    for nutrient in NUTRIENT_ORDER:
        if nutrient in stopped:
            if ctx.takes(nutrient):
                lines.append(_stop_line(ctx, nutrient, stopped[nutrient]))
        elif nutrient in picks:
            caution = (
                " Kidney function: with caution, ask your physician."
                if kidney and nutrient == D3
                else ""
            )
            lines.append(_line(ctx, picks[nutrient], _form(ctx, nutrient, mg_nr), caution))
    return tuple(lines)


# --- phase, retest, expectations ----------------------------------------------------------


def _phase(alerts: Sequence[Alert], d_tier: Tier | None, mg_tier: Tier | None) -> str:
    if any(a.level in HALTING_LEVELS or a.code == "protocol_not_applicable" for a in alerts):
        return "hold"
    if d_tier is None and mg_tier is None:
        return "insufficient_data"
    if _is_low(d_tier) or _is_low(mg_tier):
        return "correction"
    return "maintenance"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _after(day: date, days: int, months: int) -> date:
    return add_months(day, months) + timedelta(days=days)


def _anchor(ctx: _Context) -> date:
    """The latest draw of the markers the plan rests on (any draw, else today)."""
    core = [ctx.readings[m].latest.drawn_on for m in (VITD, MG_RBC, MG_SERUM) if m in ctx.readings]
    anything = [r.latest.drawn_on for r in ctx.readings.values()]
    return max(core or anything or [ctx.as_of])


def _retest_tests(
    ctx: _Context, lines: Sequence[SupplementLine], alerts: Sequence[Alert]
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


def _life_event_cap(ctx: _Context, anchor: date) -> tuple[date, str] | None:
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


def _symptom_cap(ctx: _Context) -> date | None:
    """Worsening deficiency symptoms: retest within ~4 weeks of today (never before tomorrow)."""
    if _worsening(ctx) is None:
        return None
    rule = ctx.rules.retests["retest.symptoms_worsening"]
    return max(_after(ctx.as_of, rule.latest_days, rule.latest_months), ctx.as_of + timedelta(1))


def _retest_rule(ctx: _Context, phase: str, alerts: Sequence[Alert]) -> RetestRule | None:
    if phase == "insufficient_data":
        return None
    if phase == "hold":
        halted = any(a.level in HALTING_LEVELS for a in alerts)
        return ctx.rules.retests["retest.hold"] if halted else None
    return ctx.rules.retests[f"retest.{phase}"]


def _retest(
    ctx: _Context, phase: str, lines: Sequence[SupplementLine], alerts: Sequence[Alert]
) -> Retest | None:
    rule = _retest_rule(ctx, phase, alerts)
    if rule is None:
        return None
    anchor = _anchor(ctx)
    due = _after(anchor, rule.due_days, rule.due_months)
    latest = _after(anchor, rule.latest_days, rule.latest_months)
    reason = f"{phase}: retest after the {anchor.isoformat()} draw"
    rule_id = rule.id
    cap = _life_event_cap(ctx, anchor)
    if cap is not None and cap[0] < latest:
        due, latest = min(due, cap[0]), cap[0]
        reason += f"; brought forward by {cap[1]}"
        rule_id = ctx.rules.retests["retest.life_event"].id
    soon = _symptom_cap(ctx)
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
    tests = _retest_tests(ctx, lines, alerts)
    return Retest(due, latest, tests, reason, rule_id, bool(overdue_since), overdue_since)


def _expected(
    ctx: _Context, phase: str, d_tier: Tier | None, mg_tier: Tier | None
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


def _markers(ctx: _Context) -> dict[str, MarkerStatus]:
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


# --- the entry point -----------------------------------------------------------------------


def compute_plan(snapshot: Snapshot) -> Plan:
    """Turn one person's snapshot into a plan: doses, phase, retest and alerts.

    Raises UnknownRuleSet when ``snapshot.rules`` names no rule set; never otherwise.
    """
    ctx = _context(snapshot)
    responses = _responses(ctx)
    slow = {m for m, r in responses.items() if not r.on_track}
    d_tier = _dosing_tier(ctx, VITD, VITD in slow)
    mg_tier = _mg_tier(ctx, MG_RBC in slow)
    alerts = [
        *_calcium_alerts(ctx),
        *_vitd_alerts(ctx),
        *_kidney_alerts(ctx),
        *_profile_alerts(ctx),
        *_marker_alerts(ctx),
        *_symptom_alerts(ctx),
        *_worsening_alerts(ctx),
        *_non_responder_alerts(ctx, responses),
    ]
    phase = _phase(alerts, d_tier, mg_tier)
    stopped = _stopped(alerts)
    picks = (
        {} if phase in ("hold", "insufficient_data") else _recommend(ctx, d_tier, mg_tier, stopped)
    )
    lines = _lines(ctx, picks, stopped, MG_RBC in slow)
    if phase != "hold":
        alerts += _cofactor_alerts(ctx, stopped)
    alerts += _upper_limit_alerts(ctx, lines)
    return Plan(
        rules_version=ctx.rules.version,
        rule_set=ctx.rules.name,
        as_of=snapshot.as_of,
        phase=phase,
        markers=_markers(ctx),
        supplements=lines,
        retest=_retest(ctx, phase, lines, alerts),
        expected_at_retest=_expected(ctx, phase, d_tier, mg_tier),
        response=responses,
        alerts=_sorted_alerts(alerts),
    )

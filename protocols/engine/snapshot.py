"""What the engine reads: one person's snapshot, and the context built from it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from protocols.rules import (
    AUTHORITIES,
    NUTRIENTS,
    PROFILE_FLAGS,
    RULE_SETS,
    SYMPTOMS,
    RuleSet,
    Tier,
    rules_for,
)
from protocols.rules.catalog import DEFAULT_RESULT_MAX_AGE_DAYS, RESULT_MAX_AGE_DAYS
from protocols.wording import gettext_noop

_PREGNANCY_EVENT = gettext_noop("pregnancy life event on %(date)s")
_STONES_ON_D = gettext_noop("kidney stones symptom while taking vitamin D")

Qualifier = Literal["", "<", ">"]


class UnknownRuleSet(ValueError):
    """The snapshot names a rule set (or an upper-limits authority) that does not exist."""


# --- input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    value: float  # in the canonical unit
    unit: str  # canonical unit, e.g. "ng/mL", "mg/dL", "pg/mL", "g/dL", "mL/min/1.73m2"
    drawn_on: date
    # A censored result: "<" means the lab reported "below value" (under its detection
    # limit), ">" "above value". "" is an exact value.
    qualifier: Qualifier = ""
    # The upper limit of the range the lab printed beside it, canonical unit (None: none
    # printed). The calcium warning line starts there (CLINICAL.md §5).
    lab_high: float | None = None
    lab_low: float | None = None  # the printed range's lower end (shown beside the value only)


@dataclass(frozen=True)
class Intake:  # a supplement currently taken, daily amount
    nutrient: str  # "vitamin_d3" | "magnesium" | "vitamin_k2_mk7" | "vitamin_b6_p5p" | "calcium"
    amount: float
    unit: str  # "IU" | "mg" | "mcg"
    since: date | None = None  # when the person started this amount, if known


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
    # Whose tolerable upper intake levels apply: "iom" (US) or "efsa" (EU), CLINICAL.md §3.
    limits: str = "iom"
    # nutrient -> share of days the dose was logged as taken (0..1) over the time whose
    # response is judged (protocols.adherence). The non-responder check names adherence as
    # the first cause to check below ADHERENCE_GOOD; a nutrient not in it is unknown.
    adherence: Mapping[str, float] = field(default_factory=dict)


SYMPTOM_WINDOW_DAYS = 30  # symptoms older than this no longer describe how the person feels
# 30-90 days back: the earlier check-in that worsening symptoms are measured against.
PREVIOUS_SYMPTOM_WINDOW_DAYS = 90


def symptom_windows(
    reports: Sequence[tuple[str, int, date]], as_of: date
) -> tuple[dict[str, int], dict[str, int]]:
    """Dated symptom reports as the snapshot's two windows: the latest severity of each
    symptom in the last 30 days, and in the 30-90 days before (later reports win)."""
    now: dict[str, int] = {}
    before: dict[str, int] = {}
    for code, severity, day in sorted(reports, key=lambda r: r[2]):
        age = (as_of - day).days
        if 0 <= age < SYMPTOM_WINDOW_DAYS:
            now[code] = severity
        elif SYMPTOM_WINDOW_DAYS <= age < PREVIOUS_SYMPTOM_WINDOW_DAYS:
            before[code] = severity
    return now, before


# --- reading the snapshot ------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    latest: Measurement
    previous: Measurement | None
    tier: Tier | None  # None: no band, or a censored value ("< x") that spans several

    @property
    def censored(self) -> bool:
        return bool(self.latest.qualifier)


@dataclass(frozen=True)
class Context:
    snapshot: Snapshot
    rules: RuleSet
    readings: Mapping[str, Reading]
    taken: Mapping[str, float]
    symptoms: Mapping[str, int]
    previous_symptoms: Mapping[str, int]
    flags: frozenset[str]
    # flag -> why it applies when the profile does not set it (a life event, a symptom).
    implied_flags: Mapping[str, str] = field(default_factory=dict)
    # nutrient -> the day the person started the amount they take now, when known.
    since: Mapping[str, date] = field(default_factory=dict)
    # nutrient -> logged adherence 0..1 (known nutrients, finite rates, clamped).
    adherence: Mapping[str, float] = field(default_factory=dict)

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


def classify(rules: RuleSet, marker: str, value: float, qualifier: str = "") -> Tier | None:
    """The band of ``value``; for a censored "< x" / "> x" the band that holds every value
    below / above x, or None when such values fall in more than one band."""
    tiers = rules.tiers.get(marker, ())
    if qualifier == "<":
        lowest = next(iter(tiers), None)
        fits = lowest is not None and lowest.low is None
        return lowest if fits and (lowest.high is None or value <= lowest.high) else None
    if qualifier == ">":
        highest = tiers[-1] if tiers else None
        fits = highest is not None and highest.high is None
        return highest if fits and (highest.low is None or value >= highest.low) else None
    return next((t for t in tiers if t.contains(value)), None)


def reading_of(
    rules: RuleSet, marker: str, series: Sequence[Measurement], as_of: date
) -> Reading | None:
    """Latest and previous draw; future dates and non-numbers are ignored, and a marker whose
    latest draw is older than its RESULT_MAX_AGE_DAYS has no reading (it no longer counts)."""
    usable = sorted(
        (m for m in series if m.drawn_on <= as_of and math.isfinite(m.value)),
        key=lambda m: (m.drawn_on, m.value),
    )
    max_age = RESULT_MAX_AGE_DAYS.get(marker, DEFAULT_RESULT_MAX_AGE_DAYS)
    if not usable or (as_of - usable[-1].drawn_on).days > max_age:
        return None
    latest = usable[-1]
    earlier = [m for m in usable if m.drawn_on < latest.drawn_on]
    previous = earlier[-1] if earlier else None
    return Reading(latest, previous, classify(rules, marker, latest.value, latest.qualifier))


UNIT_NAMES = {"iu": "IU", "mg": "mg", "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg"}
# (from, to) -> factor; vitamin D: 1 mcg = 40 IU (CLINICAL.md §1).
UNIT_FACTORS = {
    ("mcg", "IU"): 40.0,
    ("mg", "IU"): 40_000.0,
    ("mg", "mcg"): 1000.0,
    ("mcg", "mg"): 0.001,
}


def in_unit(nutrient: str, amount: float, unit: str) -> float | None:
    """A daily amount in the nutrient's own unit, or None when it cannot be converted."""
    target = NUTRIENTS[nutrient][1]
    source = UNIT_NAMES.get(unit.strip().lower())
    if source == target:
        return amount
    factor = UNIT_FACTORS.get((source or "", target))
    return amount * factor if factor is not None else None


def taken_totals(taking: Sequence[Intake]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for intake in taking:
        if intake.nutrient not in NUTRIENTS or not math.isfinite(intake.amount):
            continue
        amount = in_unit(intake.nutrient, max(intake.amount, 0.0), intake.unit)
        if amount is not None:
            totals[intake.nutrient] = totals.get(intake.nutrient, 0.0) + amount
    return {n: a for n, a in totals.items() if a > 0}


def severities(scores: Mapping[str, int]) -> dict[str, int]:
    """Known symptom codes with their severity clamped to 0..3."""
    return {code: min(max(int(sev), 0), 3) for code, sev in scores.items() if code in SYMPTOMS}


def build_context(snapshot: Snapshot) -> Context:
    if snapshot.limits not in AUTHORITIES:
        known = sorted(AUTHORITIES)
        raise UnknownRuleSet(f"unknown upper-limits authority {snapshot.limits!r}; known: {known}")
    rules = rules_for(snapshot.rules, snapshot.limits)
    if rules is None:
        raise UnknownRuleSet(f"unknown rule set {snapshot.rules!r}; known: {sorted(RULE_SETS)}")
    readings: dict[str, Reading] = {}
    for marker, series in snapshot.results.items():
        reading = reading_of(rules, marker, series, snapshot.as_of)
        if reading is not None:
            readings[marker] = reading
    taken = taken_totals(snapshot.taking)
    symptoms = severities(snapshot.symptoms)
    flags = frozenset(f for f in snapshot.flags if f in PROFILE_FLAGS)
    implied = {
        f: why for f, why in implied_flags(snapshot, taken, symptoms).items() if f not in flags
    }
    return Context(
        snapshot=snapshot,
        rules=rules,
        readings=readings,
        taken=taken,
        symptoms=symptoms,
        previous_symptoms=severities(snapshot.previous_symptoms),
        flags=flags | frozenset(implied),
        implied_flags=implied,
        since=intake_since(snapshot.taking, snapshot.as_of),
        adherence=adherence_rates(snapshot.adherence),
    )


def adherence_rates(rates: Mapping[str, float]) -> dict[str, float]:
    """Known nutrients' rates as floats in 0..1; anything else is left out (unknown)."""
    clean = {}
    for nutrient, rate in rates.items():
        if nutrient in NUTRIENTS and _is_number(rate) and math.isfinite(rate):
            clean[nutrient] = min(max(float(rate), 0.0), 1.0)
    return clean


# A pregnancy counts for this long after its life event: nine months and a year of
# breastfeeding (the pregnant flag reads "pregnant or breastfeeding").
PREGNANCY_MONTHS = 21
KIDNEY_STONE_SEVERITY = 2  # moderate or worse: a stone now, not a vague ache


def implied_flags(
    snapshot: Snapshot, taken: Mapping[str, float], symptoms: Mapping[str, int]
) -> dict[str, str]:
    """Flags the data implies: a recent pregnancy event, kidney stones now while on D."""
    implied = {}
    limit = snapshot.as_of.toordinal() - PREGNANCY_MONTHS * 30
    pregnancies = [
        when
        for kind, when in snapshot.life_events
        if kind == "pregnancy" and limit <= when.toordinal() <= snapshot.as_of.toordinal()
    ]
    if pregnancies:
        implied["pregnant"] = _PREGNANCY_EVENT % {"date": max(pregnancies).isoformat()}
    if taken.get("vitamin_d3") and symptoms.get("kidney_stones", 0) >= KIDNEY_STONE_SEVERITY:
        implied["kidney_stones"] = _STONES_ON_D
    return implied


def intake_since(taking: Sequence[Intake], as_of: date) -> dict[str, date]:
    """The latest start date of each nutrient's intakes: the current total began then."""
    since: dict[str, date] = {}
    for intake in taking:
        if intake.since is not None and intake.since <= as_of and intake.amount > 0:
            since[intake.nutrient] = max(since.get(intake.nutrient, intake.since), intake.since)
    return since


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)

"""The kinds of rule a rule set is made of (frozen dataclasses, pure data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Closed = Literal["low", "high", "both"]
Status = Literal["low", "adequate", "high", "toxic", "info"]


@dataclass(frozen=True)
class UpperLimit:
    """Tolerable upper intake level of one supplemented nutrient (adults)."""

    id: str
    nutrient: str
    label: str
    unit: str
    limit: float | None
    source: str
    note: str = ""


@dataclass(frozen=True)
class DoseRule:
    """A daily dose range of one nutrient, recommended by the rule ``id``."""

    id: str
    nutrient: str
    daily_min: float
    daily_max: float
    unit: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class Tier:
    """One band of a marker's canonical value.

    Deficiency bands close on the low side ([low, high)): PRODUCT.md §4.1 says a 25(OH)D
    of exactly 20 ng/mL is "moderate" and exactly 30 is "mild". The target band is closed
    on both ends and the excess bands on the high side ((low, high]), because the seed and
    CLINICAL.md give the target as "40-60" inclusive and every excess limit as a strict
    "above" ("> 100 ng/mL", "> 10.5 mg/dL").
    """

    id: str
    marker: str
    name: str
    low: float | None
    high: float | None
    status: Status
    source: str
    closed: Closed = "low"
    dose: DoseRule | None = None
    expected: tuple[float, float] | None = None
    note: str = ""

    def contains(self, value: float) -> bool:
        above_low = self.low is None or (
            value >= self.low if self.closed in ("low", "both") else value > self.low
        )
        below_high = self.high is None or (
            value < self.high if self.closed == "low" else value <= self.high
        )
        return above_low and below_high


@dataclass(frozen=True)
class AlertRule:
    """An alert the engine can raise; ``stops`` lists nutrients it sets to zero."""

    id: str
    code: str
    level: Literal["stop", "urgent", "warning", "info"]
    source: str
    stops: tuple[str, ...] = ()
    note: str = ""
    # A stop, urgent or "test now" alert brings the retest of these markers to within
    # ``retest_days`` of today (None: the alert leaves the retest alone).
    retest_days: int | None = None
    retest_tests: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetestRule:
    """When to retest after the latest draw: due after ``due``, at the latest ``latest``."""

    id: str
    due_days: int = 0
    due_months: int = 0
    latest_days: int = 0
    latest_months: int = 0
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class FormRule:
    """Which supplement form to name, what to take it with, and its time slot."""

    id: str
    nutrient: str
    form: str
    take_with: str
    time: Literal["morning", "evening", "bedtime"]
    source: str
    note: str = ""


@dataclass(frozen=True)
class WorseningRule:
    """When the deficiency symptoms count as clearly worse than at an earlier check-in.

    Burden = the sum of the 0-3 severities of every symptom tagged with one of
    ``patterns``. Worse means the burden rose by at least ``min_rise`` and at least one of
    those symptoms is now at ``min_severity`` or above, compared with an earlier
    check-in (a first check-in has nothing to be worse than).
    """

    id: str
    patterns: tuple[str, ...]
    min_rise: int
    min_severity: int
    source: str
    note: str = ""


@dataclass(frozen=True)
class RuleSet:
    """A complete protocol: the engine reads nothing but this."""

    name: str
    version: str
    description: str
    tiers: Mapping[str, tuple[Tier, ...]]
    targets: Mapping[str, tuple[float | None, float | None]]
    doses: Mapping[str, DoseRule]
    upper_limits: Mapping[str, UpperLimit]
    alerts: Mapping[str, AlertRule]
    retests: Mapping[str, RetestRule]
    forms: Mapping[str, FormRule]
    mg_split_above: float
    response_window_days: tuple[int, int]
    life_event_cap_months: int
    symptom_severity: int
    symptom_worsening: WorseningRule
    # Whose upper limits flag the doses (and cap them, in the within-limits set).
    authority: str = "iom"
    # The within-limits set: no line, kept amounts included, goes above the limit in force.
    caps_doses: bool = False

"""What the engine returns: the plan and its parts, each with its JSON shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from protocols.engine.kinds import Level, Phase, TimeSlot
from protocols.rules import DISCLAIMER

# --- output --------------------------------------------------------------------------------

Action = Literal["add", "keep", "increase", "reduce", "pause", "stop"]


def json_num(x: float) -> int | float:
    """JSON number: an int when whole, else the float."""
    return int(x) if float(x).is_integer() else float(x)


def json_range(pair: tuple[float | None, float | None]) -> list[int | float | None]:
    return [None if x is None else json_num(x) for x in pair]


@dataclass(frozen=True)
class ScheduleItem:
    time: TimeSlot
    amount_min: float
    amount_max: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "amount_min": json_num(self.amount_min),
            "amount_max": json_num(self.amount_max),
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
    # What to do about what is taken: add, keep, increase, reduce, pause or stop.
    action: Action = "add"
    taking_above_upper_limit: bool = False  # the amount taken now, against the same limit
    until: date | None = None  # a reduce or pause holds until the retest

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "taking_above_upper_limit": self.taking_above_upper_limit,
            "until": self.until.isoformat() if self.until else None,
            "nutrient": self.nutrient,
            "daily_min": json_num(self.daily_min),
            "daily_max": json_num(self.daily_max),
            "unit": self.unit,
            "schedule": [s.to_dict() for s in self.schedule],
            "form": self.form,
            "take_with": self.take_with,
            "above_upper_limit": self.above_upper_limit,
            "rule": self.rule,
            "sources": list(self.sources),
            "reason": self.reason,
            "taking": json_num(self.taking),
        }


@dataclass(frozen=True)
class Alert:
    level: Level
    code: str
    message: str
    sources: tuple[str, ...]
    reason: str
    rule: str
    nutrient: str | None = None  # for above_upper_limit
    marker: str | None = None  # for marker-driven alerts (non_responder, ...)
    stops: tuple[str, ...] = ()  # nutrients this alert sets to zero
    causes: tuple[str, ...] = ()  # non_responder: what to check
    retest_days: int | None = None  # the retest of ``retest_tests`` within this many days
    retest_tests: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "retest_days": self.retest_days,
            "retest_tests": list(self.retest_tests),
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
    # The alert code that brought the retest to within days (a stop, urgent or "test now").
    brought_forward_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "due_on": self.due_on.isoformat(),
            "latest_on": self.latest_on.isoformat(),
            "tests": list(self.tests),
            "reason": self.reason,
            "rule": self.rule,
            "overdue": self.overdue,
            "brought_forward_by": self.brought_forward_by,
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
    qualifier: str = ""  # "<" / ">": a censored result
    # Total calcium corrected by the albumin of the same draw (Payne): the value the tier
    # and the calcium rules read; ``value`` stays the measured one.
    corrected_value: float | None = None
    # The range the lab printed beside the value (canonical; either end may be None), or None.
    lab_range: tuple[float | None, float | None] | None = None

    def to_dict(self) -> dict[str, Any]:
        # "lab_range" only when printed: plans of results without one keep their JSON.
        printed = {"lab_range": list(self.lab_range)} if self.lab_range else {}
        return printed | {
            "qualifier": self.qualifier,
            "corrected_value": self.corrected_value,
            "value": json_num(self.value),
            "unit": self.unit,
            "drawn_on": self.drawn_on.isoformat(),
            "tier": self.tier,
            "target": json_range(self.target),
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
    elapsed_days: int = 0  # time on the dose the response is judged over
    since: date | None = None  # the intake's start, when that set the time

    def to_dict(self) -> dict[str, Any]:
        return {
            "elapsed_days": self.elapsed_days,
            "since": self.since.isoformat() if self.since else None,
            "previous": json_num(self.previous),
            "current": json_num(self.current),
            "expected": json_range(self.expected),
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
    phase: Phase
    markers: Mapping[str, MarkerStatus]
    supplements: tuple[SupplementLine, ...]
    retest: Retest | None
    expected_at_retest: Mapping[str, tuple[float, float]]
    response: Mapping[str, Response]
    alerts: tuple[Alert, ...]
    upper_limits: Mapping[str, str] = field(default_factory=dict)  # authority, label, source
    phase_reason: str = ""  # why this phase, in words
    calcium: Mapping[str, Any] | None = None  # the calcium value the rules read, and which
    # nutrient -> the logged adherence (0..1) the non-responder check read (issue #17).
    adherence: Mapping[str, float] = field(default_factory=dict)
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
            "expected_at_retest": {c: json_range(r) for c, r in self.expected_at_retest.items()},
            "response": {code: r.to_dict() for code, r in self.response.items()},
            "alerts": [a.to_dict() for a in self.alerts],
            "upper_limits": dict(self.upper_limits),
            "phase_reason": self.phase_reason,
            "calcium": dict(self.calcium) if self.calcium else None,
            "adherence": {n: json_num(r) for n, r in sorted(self.adherence.items())},
            "disclaimer": self.disclaimer,
        }

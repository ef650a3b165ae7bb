"""Reads of the protocols app, and the stored plan JSON turned into what a page shows.

A plan page reads one Plan row; everything below works on its stored ``data`` (the engine's
to_dict()) and ``inputs`` (the snapshot), so a past plan renders exactly as it was made and
no page goes back to the database per line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from labs.analytes import ANALYTES
from protocols.models import NUTRIENT_CHOICES, Plan, SupplementIntake
from protocols.rules import GOALS, NUTRIENTS, PROFILE_FLAGS, SYMPTOMS

NUTRIENT_LABELS = dict(NUTRIENT_CHOICES)
TIMES = ("morning", "evening", "bedtime")
HALTING = ("stop", "urgent")
HISTORY_PAGE_SIZE = 10


def fmt_number(x: float | int | None) -> str:
    """5000 → '5,000'; 4.2 → '4.2'; None → ''."""
    if x is None:
        return ""
    x = float(x)
    return f"{x:,.0f}" if x.is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


def fmt_range(low: float | None, high: float | None, unit: str = "") -> str:
    """'5,000–7,000 IU', or one number when both ends agree."""
    text = fmt_number(low) if low == high else f"{fmt_number(low)}–{fmt_number(high)}"
    return f"{text} {unit}".strip()


def nutrient_label(code: str) -> str:
    return str(NUTRIENT_LABELS.get(code, code))


def analyte_label(code: str) -> str:
    analyte = ANALYTES.get(code)
    return analyte.short_name if analyte else code


# --- the plan as a page ------------------------------------------------------------------


@dataclass(frozen=True)
class Dose:
    """One supplement at one time of day."""

    nutrient: str
    label: str
    amount: str
    form: str
    take_with: str
    above_upper_limit: bool


@dataclass(frozen=True)
class Line:
    """One supplement line of the plan, with the rule and sources behind it."""

    nutrient: str
    label: str
    daily: str
    daily_min: float
    daily_max: float
    unit: str
    stopped: bool
    above_upper_limit: bool
    form: str
    take_with: str
    rule: str
    sources: list[str]
    reason: str


@dataclass(frozen=True)
class Comparison:
    """What the person takes against what the plan says, for one nutrient."""

    nutrient: str
    label: str
    taking: str
    taking_above_limit: bool
    plan: str
    verdict: str


@dataclass(frozen=True)
class Marker:
    code: str
    label: str
    value: str
    drawn_on: str
    tier: str
    target: str


@dataclass
class PlanView:
    """Everything a plan partial needs, already labelled and formatted."""

    data: dict[str, Any]
    phase: str
    phase_reason: str
    as_of: str
    rule_set: str
    rules_version: str
    halting_alerts: list[dict[str, Any]] = field(default_factory=list)
    other_alerts: list[dict[str, Any]] = field(default_factory=list)
    routine: list[tuple[str, str, list[Dose]]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    stopped: list[Line] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    retest: dict[str, Any] | None = None
    retest_tests: list[str] = field(default_factory=list)
    expected: list[tuple[str, str]] = field(default_factory=list)
    response: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    goal: str = ""

    @property
    def has_data(self) -> bool:
        return bool(self.markers)

    @property
    def phase_label(self) -> str:
        return str(PHASE_LABELS.get(self.phase, self.phase))


TIME_LABELS = {
    "morning": gettext_lazy("Morning"),
    "evening": gettext_lazy("Evening"),
    "bedtime": gettext_lazy("Bedtime"),
}
PHASE_LABELS = {
    "correction": gettext_lazy("Correction"),
    "maintenance": gettext_lazy("Maintenance"),
    "hold": gettext_lazy("On hold"),
    "insufficient_data": gettext_lazy("Not enough data"),
}


def _phase_reason(data: dict[str, Any]) -> str:
    """Why this phase, in words, with the tiers it rests on."""
    text = _phase_text(data)
    if data.get("phase") not in ("correction", "maintenance"):
        return text
    tiers = [
        f"{analyte_label(code)} {fmt_number(m.get('value'))} {m.get('unit', '')}: {m.get('tier')}"
        for code, m in sorted(data.get("markers", {}).items())
        if code in ("vitd_25oh", "mg_rbc", "mg_serum")
    ]
    return f"{text} ({'; '.join(tiers)})" if tiers else text


def _phase_text(data: dict[str, Any]) -> str:
    phase = data.get("phase", "")
    if phase == "hold":
        return _(
            "A safety rule halted the protocol or it does not apply as is: "
            "follow the alerts above and talk to a physician."
        )
    if phase == "correction":
        return _(
            "At least one of 25(OH)D and RBC magnesium is below its target: correction doses "
            "for 8–12 weeks, then a retest."
        )
    if phase == "maintenance":
        return _("Your markers are at target: maintenance doses, with a retest every 6–12 months.")
    return _("There is no 25(OH)D or magnesium result to plan from yet.")


def _line(item: dict[str, Any]) -> Line:
    stopped = not item.get("daily_max")
    unit = item.get("unit", "")
    return Line(
        nutrient=item.get("nutrient", ""),
        label=nutrient_label(item.get("nutrient", "")),
        daily="" if stopped else fmt_range(item.get("daily_min"), item.get("daily_max"), unit),
        daily_min=float(item.get("daily_min") or 0),
        daily_max=float(item.get("daily_max") or 0),
        unit=unit,
        stopped=stopped,
        above_upper_limit=bool(item.get("above_upper_limit")),
        form=item.get("form", ""),
        take_with=item.get("take_with", ""),
        rule=item.get("rule", ""),
        sources=list(item.get("sources", [])),
        reason=item.get("reason", ""),
    )


def _routine(supplements: list[dict[str, Any]]) -> list[tuple[str, str, list[Dose]]]:
    by_time: dict[str, list[Dose]] = {t: [] for t in TIMES}
    for item in supplements:
        if not item.get("daily_max"):
            continue  # a stopped supplement has no place in the routine
        for slot in item.get("schedule", []):
            by_time.setdefault(slot["time"], []).append(
                Dose(
                    nutrient=item["nutrient"],
                    label=nutrient_label(item["nutrient"]),
                    amount=fmt_range(slot["amount_min"], slot["amount_max"], item["unit"]),
                    form=item.get("form", ""),
                    take_with=item.get("take_with", ""),
                    above_upper_limit=bool(item.get("above_upper_limit")),
                )
            )
    return [(t, str(TIME_LABELS.get(t, t)), doses) for t, doses in by_time.items() if doses]


def _taken_amounts(inputs: dict[str, Any]) -> dict[str, tuple[float, str]]:
    taken: dict[str, tuple[float, str]] = {}
    for item in inputs.get("taking", []):
        amount, unit = taken.get(item["nutrient"], (0.0, item["unit"]))
        taken[item["nutrient"]] = (amount + float(item["amount"]), unit)
    return taken


def _above_limit(nutrient: str, amount: float, unit: str) -> bool:
    _label, limit_unit, limit = NUTRIENTS.get(nutrient, ("", "", None))
    return limit is not None and unit == limit_unit and amount > limit


def _verdict(line: Line, amount: float, unit: str) -> str:
    if not amount:
        return _("add it")
    if unit != line.unit:
        return _("compare the label with the plan")
    if amount < line.daily_min:
        return _("increase it")
    if amount > line.daily_max:
        return _("reduce it")
    return _("keep it")


def _comparisons(lines: list[Line], inputs: dict[str, Any]) -> list[Comparison]:
    taken = _taken_amounts(inputs)
    by_nutrient = {line.nutrient: line for line in lines}
    rows = []
    for nutrient in [*by_nutrient, *(n for n in taken if n not in by_nutrient)]:
        line = by_nutrient.get(nutrient)
        amount, unit = taken.get(nutrient, (0.0, ""))
        if line is None:
            plan, verdict = _("not in the plan"), _("the plan does not call for it")
        elif line.stopped:
            plan, verdict = _("stop"), _("stop it")
        else:
            plan, verdict = line.daily, _verdict(line, amount, unit)
        rows.append(
            Comparison(
                nutrient=nutrient,
                label=nutrient_label(nutrient),
                taking=fmt_range(amount, amount, unit) if amount else _("nothing"),
                taking_above_limit=_above_limit(nutrient, amount, unit),
                plan=plan,
                verdict=verdict,
            )
        )
    return rows


def _markers(data: dict[str, Any]) -> list[Marker]:
    return [
        Marker(
            code=code,
            label=analyte_label(code),
            value=f"{fmt_number(m.get('value'))} {m.get('unit', '')}",
            drawn_on=m.get("drawn_on", ""),
            tier=m.get("tier", ""),
            target=fmt_range(*(m.get("target") or [None, None]), m.get("unit", ""))
            if all(x is not None for x in (m.get("target") or [None]))
            else "",
        )
        for code, m in sorted(data.get("markers", {}).items())
    ]


def _expected(data: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for code, (low, high) in sorted(data.get("expected_at_retest", {}).items()):
        unit = ANALYTES[code].canonical_unit if code in ANALYTES else ""
        rows.append((analyte_label(code), fmt_range(low, high, unit)))
    return rows


def _response(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "label": analyte_label(code),
            "previous": fmt_number(r.get("previous")),
            "current": fmt_number(r.get("current")),
            "expected": fmt_range(*(r.get("expected") or [None, None])),
            "on_track": r.get("on_track"),
        }
        for code, r in sorted(data.get("response", {}).items())
    ]


def plan_view(data: dict[str, Any], inputs: dict[str, Any] | None = None) -> PlanView:
    """The stored plan JSON (and the snapshot it came from) shaped for the plan partial."""
    data = data or {}
    inputs = inputs or {}
    alerts = list(data.get("alerts", []))
    lines = [_line(item) for item in data.get("supplements", [])]
    retest = data.get("retest")
    return PlanView(
        data=data,
        phase=data.get("phase", "insufficient_data"),
        phase_reason=_phase_reason(data),
        as_of=data.get("as_of", ""),
        rule_set=data.get("rule_set", ""),
        rules_version=data.get("rules_version", ""),
        halting_alerts=[a for a in alerts if a.get("level") in HALTING],
        other_alerts=[a for a in alerts if a.get("level") not in HALTING],
        routine=_routine(data.get("supplements", [])),
        lines=[line for line in lines if not line.stopped],
        stopped=[line for line in lines if line.stopped],
        comparisons=_comparisons(lines, inputs),
        markers=_markers(data),
        retest=retest,
        retest_tests=[analyte_label(c) for c in (retest or {}).get("tests", [])],
        expected=_expected(data),
        response=_response(data),
        flags=[PROFILE_FLAGS.get(f, f) for f in inputs.get("flags", [])],
        goal=GOALS.get(inputs.get("goal") or "", ""),
    )


# --- history -----------------------------------------------------------------------------


def _doses(data: dict[str, Any]) -> dict[str, tuple[Any, Any, str]]:
    return {
        s["nutrient"]: (s.get("daily_min"), s.get("daily_max"), s.get("unit", ""))
        for s in data.get("supplements", [])
    }


def _alert_keys(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (a.get("code", ""), a.get("nutrient") or a.get("marker") or ""): a
        for a in data.get("alerts", [])
    }


def _dose_text(dose: tuple[Any, Any, str] | None) -> str:
    if dose is None or not dose[1]:
        return _("none")
    return fmt_range(dose[0], dose[1], dose[2])


def plan_changes(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """What changed from one stored plan to the next, in plain words."""
    if previous is None:
        return [_("First plan.")]
    changes = []
    if previous.get("phase") != current.get("phase"):
        changes.append(
            _("Phase: %(old)s → %(new)s")
            % {"old": previous.get("phase", "—"), "new": current.get("phase", "—")}
        )
    old_doses, new_doses = _doses(previous), _doses(current)
    for nutrient in dict.fromkeys([*old_doses, *new_doses]):
        old, new = _dose_text(old_doses.get(nutrient)), _dose_text(new_doses.get(nutrient))
        if old != new:
            changes.append(f"{nutrient_label(nutrient)}: {old} → {new}")
    old_due = (previous.get("retest") or {}).get("due_on")
    new_due = (current.get("retest") or {}).get("due_on")
    if old_due != new_due:
        changes.append(
            _("Retest: %(old)s → %(new)s") % {"old": old_due or "—", "new": new_due or "—"}
        )
    old_alerts, new_alerts = _alert_keys(previous), _alert_keys(current)
    for key in new_alerts.keys() - old_alerts.keys():
        changes.append(_("Alert added: %(message)s") % {"message": new_alerts[key]["message"]})
    for key in old_alerts.keys() - new_alerts.keys():
        changes.append(_("Alert removed: %(message)s") % {"message": old_alerts[key]["message"]})
    return changes or [_("Same plan, recomputed (rules or inputs changed without effect).")]


@dataclass(frozen=True)
class HistoryEntry:
    plan: Plan
    changes: list[str]


def plan_history(*, user, page_number: Any = 1) -> tuple[Page, list[HistoryEntry]]:
    """One page of the person's plans, newest first, each with what changed since the one
    before it. Two queries (count, and the page plus the plan just before it)."""
    plans = Plan.objects.filter(user=user).order_by("-created_at", "-id").defer("inputs")
    page = Paginator(plans, HISTORY_PAGE_SIZE).get_page(page_number)
    start = (page.number - 1) * HISTORY_PAGE_SIZE
    rows = list(plans[start : start + HISTORY_PAGE_SIZE + 1])
    entries = [
        HistoryEntry(plan, plan_changes(rows[i + 1].data if i + 1 < len(rows) else None, plan.data))
        for i, plan in enumerate(rows[:HISTORY_PAGE_SIZE])
    ]
    return page, entries


def plan_for_user(*, user, pk: int) -> Plan | None:
    return Plan.objects.filter(user=user, pk=pk).first()


def supplements_for_user(*, user) -> list[SupplementIntake]:
    return list(SupplementIntake.objects.filter(user=user).order_by("nutrient"))


def symptom_label(code: str) -> str:
    return SYMPTOMS.get(code, (code, ()))[0]

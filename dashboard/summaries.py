"""What the dashboard and trends page show, computed from what the selectors read.

Pure functions over plain data (no queries): values converted to the person's unit and
formatted, the stored plan JSON (PRODUCT.md §4.6) turned into "today's doses" and alerts,
the retest countdown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape as _escape
from typing import Any

from django.utils.dates import MONTHS_3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from labs import analytes
from labs.analytes import ANALYTES, SWITCHABLE_UNITS, status
from labs.display import display_decimals, display_unit, format_value
from labs.units import from_canonical
from protocols.models import NUTRIENT_CHOICES

from .charts import PHASE_LABELS, converter
from .selectors import Latest, Point

STATUS_LABELS = {state: _(label) for state, label in analytes.STATUS_LABELS.items()}
TIMES_OF_DAY = {"morning": _("Morning"), "evening": _("Evening"), "bedtime": _("Bedtime")}
ALERT_ORDER = ("stop", "urgent", "warning", "info")
_NUTRIENTS = dict(NUTRIENT_CHOICES)


def unit_options(analyte: str) -> tuple[str, ...]:
    """The units the trends page offers for an analyte (empty: no toggle): the same units
    the person's settings offer (labs.analytes.UNIT_CHOICES)."""
    return SWITCHABLE_UNITS.get(analyte, ())


@dataclass(frozen=True)
class MarkerRow:
    """One line of the dashboard's marker list."""

    analyte: str
    name: str
    value: str
    unit: str
    drawn_on: dt.date
    lab: str
    status: str | None
    status_label: str
    change: str | None = None  # signed difference with the previous draw, in `unit`
    previous_on: dt.date | None = None
    on_track: bool | None = None  # the plan's verdict on the response to correction


def _row(analyte: str, point: Point, unit: str, rule_set: str) -> dict[str, Any]:
    entry = ANALYTES[analyte]
    state = status(entry, point.canonical_value, rule_set=rule_set)
    return {
        "analyte": analyte,
        "name": entry.short_name,
        "value": format_value(analyte, point.canonical_value, unit),
        "unit": unit,
        "drawn_on": point.drawn_on,
        "lab": point.lab,
        "status": state,
        "status_label": STATUS_LABELS.get(state, ""),
    }


def marker_rows(
    latest: Sequence[Latest], *, user, response: Mapping[str, Any] | None = None
) -> list[MarkerRow]:
    """Latest value of each marker with its status and the change since the draw before.

    `response` is the plan's "response" map (PRODUCT.md §4.6): where it judges a marker,
    the row says whether the change is on track for the expected 12-week target.
    """
    response = response if isinstance(response, Mapping) else {}
    rows = []
    for item in latest:
        unit = display_unit(user, item.analyte)
        change = None
        if item.previous is not None:
            decimals = display_decimals(item.analyte, unit)
            delta = from_canonical(item.analyte, item.current.canonical_value, unit) - (
                from_canonical(item.analyte, item.previous.canonical_value, unit)
            )
            change = f"{delta:+,.{decimals}f}"
        rows.append(
            MarkerRow(
                **_row(item.analyte, item.current, unit, user.rule_set),
                change=change,
                previous_on=item.previous.drawn_on if item.previous else None,
                on_track=_on_track(response.get(item.analyte)),
            )
        )
    return rows


def _on_track(verdict: Any) -> bool | None:
    if isinstance(verdict, Mapping) and isinstance(verdict.get("on_track"), bool):
        return verdict["on_track"]
    return None


def series_table(series: Sequence[Point], *, analyte: str, unit: str, rule_set: str) -> SafeString:
    """The <tr>s of the trends table (date, value in `unit`, status, lab), newest first.

    Built here from the points rather than in a template loop over row objects: a history of
    500 draws is 500 rows, which Django's template loop renders in ~25 ms, this in ~1.5 ms.
    The unit is looked up once, badges, month names and lab names are resolved once per
    call; every value is escaped, with the standard library's html.escape (Django's
    lazy-aware escape costs ~3 µs a call).
    """
    entry = ANALYTES[analyte]
    convert = converter(analyte, unit)
    decimals = display_decimals(analyte, unit)
    months = {number: str(name).title() for number, name in MONTHS_3.items()}
    badges = {
        state: format_html('<span class="badge badge-status-{}">{}</span>', state, label)
        for state, label in STATUS_LABELS.items()
    }
    escaped: dict[str, str] = {}  # a history has a handful of labs

    def esc(text: str) -> str:
        if text not in escaped:
            escaped[text] = _escape(text)
        return escaped[text]

    shown_unit = _escape(unit)
    return mark_safe(  # noqa: S308 — every piece below is escaped or built by format_html
        "\n".join(
            f"<tr><td>{p.drawn_on.day} {months[p.drawn_on.month]} {p.drawn_on.year}</td>"
            f'<td class="text-nowrap">{convert(p.canonical_value):,.{decimals}f} {shown_unit}</td>'
            f"<td>{badges.get(status(entry, p.canonical_value, rule_set=rule_set), '')}</td>"
            f"<td>{esc(p.lab or '—')}</td></tr>"
            for p in reversed(series)
        )
    )


@dataclass(frozen=True)
class Dose:
    nutrient: str
    amount: str
    unit: str
    form: str
    above_upper_limit: bool


@dataclass(frozen=True)
class PlanGlance:
    """The plan in one look: its phase, today's doses by time of day, its open alerts."""

    phase: str
    phase_label: str
    doses: list[tuple[str, list[Dose]]] = field(default_factory=list)
    alerts: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def serious_alerts(self) -> list[Mapping[str, Any]]:
        return [a for a in self.alerts if a.get("level") in {"stop", "urgent"}]

    @property
    def other_alerts(self) -> list[Mapping[str, Any]]:
        return [a for a in self.alerts if a.get("level") not in {"stop", "urgent"}]


def _amount(low: Any, high: Any) -> str:
    if low is None or high is None or low == high:
        value = high if low is None else low
        return f"{value:,g}" if isinstance(value, int | float) else str(value or "")
    return f"{low:,g}–{high:,g}"


def plan_glance(data: Mapping[str, Any] | None, *, phase: str = "") -> PlanGlance | None:
    """Read a stored plan's JSON (PRODUCT.md §4.6) defensively: a key it lacks is skipped."""
    if not data:
        return None
    phase = data.get("phase") or phase
    by_time: dict[str, list[Dose]] = {time: [] for time in TIMES_OF_DAY}
    for line in data.get("supplements") or ():
        for slot in line.get("schedule") or ():
            time = slot.get("time")
            if time not in by_time:
                continue
            by_time[time].append(
                Dose(
                    nutrient=str(_NUTRIENTS.get(line.get("nutrient"), line.get("nutrient"))),
                    amount=_amount(slot.get("amount_min"), slot.get("amount_max")),
                    unit=line.get("unit", ""),
                    form=line.get("form", ""),
                    above_upper_limit=bool(line.get("above_upper_limit")),
                )
            )
    alerts = sorted(
        (a for a in data.get("alerts") or () if a.get("level") in ALERT_ORDER),
        key=lambda a: ALERT_ORDER.index(a["level"]),
    )
    return PlanGlance(
        phase=phase,
        phase_label=str(PHASE_LABELS.get(phase, phase)),
        doses=[(str(TIMES_OF_DAY[t]), doses) for t, doses in by_time.items() if doses],
        alerts=alerts,
    )


@dataclass(frozen=True)
class Retest:
    due_on: dt.date
    days: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def overdue_days(self) -> int:
        return max(0, -self.days)


def retest_status(due_on: dt.date | None, *, today: dt.date) -> Retest | None:
    """The retest date and how many days remain (negative: overdue)."""
    if due_on is None:
        return None
    return Retest(due_on=due_on, days=(due_on - today).days)

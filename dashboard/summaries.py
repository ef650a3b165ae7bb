"""What the dashboard and trends page show, computed from what the selectors read.

Pure functions over plain data (no queries): values converted to the person's unit and
formatted, the stored plan JSON (PRODUCT.md §4.6) turned into "today's doses" and alerts,
the retest countdown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape as _escape
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from labs import analytes
from labs.analytes import ANALYTES, SWITCHABLE_UNITS, status
from labs.display import (
    analyte_short_name,
    censored,
    date_formatter,
    decimal_formatter,
    display_decimals,
    display_unit,
    format_value,
)
from labs.units import from_canonical
from labs.validation import ReferenceRange, range_flag
from protocols.presenters import tier_tone, tier_words
from protocols.rules import DEFAULT_RESULT_MAX_AGE_DAYS, RESULT_MAX_AGE_DAYS

from . import trajectory
from .charts import converter
from .selectors import Latest, Point

STATUS_LABELS = {state: _(label) for state, label in analytes.STATUS_LABELS.items()}


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
    plan_state: str = ""  # the plan's word for this draw ("very low"), when it rests on it
    plan_tone: str = ""
    stale: bool = False  # too old to count for a plan (protocols.rules.RESULT_MAX_AGE_DAYS)
    # On track / behind / ahead of the band the plan expected by the latest draw
    # (dashboard.trajectory.verdict), and where the plan expects the marker by the retest.
    verdict: str | None = None
    expected: ExpectedBy | None = None


@dataclass(frozen=True)
class ExpectedBy:
    """Where the plan expects a marker by a day, in the person's unit."""

    on: dt.date
    low: str
    high: str
    unit: str


def expected_by(plan: Mapping[str, Any] | None, analyte: str, unit: str) -> ExpectedBy | None:
    """The end of the plan's band to the retest (dashboard.trajectory), formatted in `unit`."""
    band = trajectory.ahead_band(plan, analyte)
    if band is None:
        return None
    on, low, high = band.end
    return ExpectedBy(on, format_value(analyte, low, unit), format_value(analyte, high, unit), unit)


def _row(analyte: str, point: Point, unit: str, rule_set: str) -> dict[str, Any]:
    entry = ANALYTES[analyte]
    state = status(entry, point.canonical_value, rule_set=rule_set)
    return {
        "analyte": analyte,
        "name": analyte_short_name(analyte),
        "value": censored(point.qualifier, format_value(analyte, point.canonical_value, unit)),
        "unit": unit,
        "drawn_on": point.drawn_on,
        "lab": point.lab,
        "status": state,
        "status_label": STATUS_LABELS.get(state, ""),
    }


def marker_rows(
    latest: Sequence[Latest],
    *,
    user,
    response: Mapping[str, Any] | None = None,
    plan_markers: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
    plan: Mapping[str, Any] | None = None,
) -> list[MarkerRow]:
    """Latest value of each marker with its status and the change since the draw before.

    `response` is the plan's "response" map (PRODUCT.md §4.6): where it judges a marker,
    the row says whether the change is on track for the expected 12-week target.
    `plan_markers` is the plan's "markers" map: where the plan rests on the same draw, the
    row names its state in the plan's words, so the dashboard and the plan never disagree.
    `plan` (the whole plan JSON) gives each row its verdict in words (on track, behind,
    ahead) and where the plan expects it by the retest.
    """
    response = response if isinstance(response, Mapping) else {}
    plan_markers = plan_markers if isinstance(plan_markers, Mapping) else {}
    rows = []
    for item in latest:
        unit = display_unit(user, item.analyte)
        change = None
        if item.previous is not None:
            decimals = display_decimals(item.analyte, unit)
            delta = from_canonical(item.analyte, item.current.canonical_value, unit) - (
                from_canonical(item.analyte, item.previous.canonical_value, unit)
            )
            change = ("+" if delta >= 0 else "-") + decimal_formatter(decimals)(abs(delta))
        row = _row(item.analyte, item.current, unit, user.rule_set)
        if today is not None:
            age = (today - item.current.drawn_on).days
            row["stale"] = age > RESULT_MAX_AGE_DAYS.get(item.analyte, DEFAULT_RESULT_MAX_AGE_DAYS)
        marker = plan_markers.get(item.analyte)
        if (
            isinstance(marker, Mapping)
            and marker.get("drawn_on") == item.current.drawn_on.isoformat()
        ):
            row["plan_state"] = tier_words(str(marker.get("tier", "")))
            row["plan_tone"] = tier_tone(str(marker.get("tier", "")))
        rows.append(
            MarkerRow(
                **row,
                change=change,
                previous_on=item.previous.drawn_on if item.previous else None,
                on_track=_on_track(response.get(item.analyte)),
                verdict=trajectory.verdict({"response": response}, item.analyte),
                expected=expected_by(plan, item.analyte, unit),
            )
        )
    return rows


def _on_track(verdict: Any) -> bool | None:
    if isinstance(verdict, Mapping) and isinstance(verdict.get("on_track"), bool):
        return verdict["on_track"]
    return None


def series_table(series: Sequence[Point], *, analyte: str, unit: str, rule_set: str) -> SafeString:
    """The <tr>s of the trends table (date, value in `unit`, status, the lab's printed range,
    lab), newest first.

    Built here from the points rather than in a template loop over row objects: a history of
    500 draws is 500 rows, which Django's template loop renders in ~25 ms, this in ~1.5 ms.
    The unit is looked up once, badges, the language's month names and number marks and lab
    names are resolved once per call; every value is escaped, with the standard library's
    html.escape (Django's lazy-aware escape costs ~3 µs a call).
    """
    entry = ANALYTES[analyte]
    convert = converter(analyte, unit)
    decimals = display_decimals(analyte, unit)
    shown_on, shown_number = date_formatter(), decimal_formatter(decimals)
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
    flags = {flag: f' <span class="badge text-bg-warning">{flag}</span>' for flag in "HL"}

    def lab_range(p: Point) -> str:
        """The range its lab printed, in `unit`, and H/L when the value lies outside it."""
        if p.ref_low is None and p.ref_high is None:
            return "—"
        ends = [None if e is None else shown_number(convert(e)) for e in (p.ref_low, p.ref_high)]
        text = (
            f"{ends[0]}–{ends[1]}"
            if None not in ends
            else f"< {ends[1]}"
            if ends[1]
            else f"> {ends[0]}"
        )
        flag = p.ref_flag or range_flag(
            p.canonical_value, ReferenceRange(p.ref_low, p.ref_high), p.qualifier
        )
        return f"{text} {shown_unit}{flags.get(flag, '')}"

    return mark_safe(  # noqa: S308 — every piece below is escaped or built by format_html
        "\n".join(
            f"<tr><td>{shown_on(p.drawn_on)}</td>"
            f'<td class="text-nowrap">{_escape(p.qualifier)}{" " if p.qualifier else ""}'
            f"{shown_number(convert(p.canonical_value))} {shown_unit}</td>"
            f"<td>{badges.get(status(entry, p.canonical_value, rule_set=rule_set), '')}</td>"
            f'<td class="text-nowrap">{lab_range(p)}</td>'
            f"<td>{esc(p.lab or '—')}</td></tr>"
            for p in reversed(series)
        )
    )

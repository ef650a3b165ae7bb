"""Charts: functions that return a plotly Figure, drawn in the browser by static/js/charts.js.

Each chart comes in two forms built by the same code: `marker_figure` / `sparkline_figure`
return a `plotly.graph_objects.Figure` (STYLE.md habit 9: what the tests and the shell use),
and `marker_figure_dict` / `sparkline_figure_dict` return the plain JSON-ready dict the views
put in the page. The dict is exactly `figure_json` of the Figure (tests/dashboard/test_charts.py
checks it), without building plotly objects on every request: plotly would only wrap and unwrap
it, ~8 ms of a 500-draw chart.

Every value arrives in the canonical unit and is converted here, once, to the unit the person
reads (labs.units.from_canonical); bands and thresholds go through the same conversion, so
the tests can compare each plotted number with the catalog's. One shared layout helper
(`base_layout`) keeps fonts, margins and the empty plotly template the same on every chart.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from plotly.subplots import make_subplots

from labs.analytes import ANALYTES, status, target
from labs.display import (
    analyte_short_name,
    d3_date_format,
    date_formatter,
    decimal_formatter,
    display_decimals,
    format_date,
)
from labs.units import from_canonical, normalize_unit, significant
from protocols.presenters import PHASE_LABELS
from protocols.rules import RULE_SETS, TIER_ALERTS, RuleSet

from .selectors import Change, Point
from .trajectory import Band

# Badge colours of static/css/app.css, so a point and its badge agree.
STATUS_ORDER = ("low", "below_target", "in_target", "above_target", "high", None)
STATUS_COLORS = {
    "low": "#dc3545",
    "high": "#dc3545",
    "below_target": "#fd7e14",
    "above_target": "#fd7e14",
    "in_target": "#198754",
    None: "#6c757d",
}
CENSORED_SYMBOL = "circle-open"
_QUALIFIER_HOVER = {"": "", "<": "&lt; ", ">": "&gt; "}
TARGET_COLOR = "#198754"
REFERENCE_COLOR = "#0d6efd"
THRESHOLD_COLOR = "#dc3545"
EVENT_COLOR = "#6c757d"
BURDEN_COLOR = "#6f42c1"
EXPECTED_FILL = "rgba(13, 110, 253, 0.16)"  # the expected band: the reference blue, lighter
EXPECTED_LINE = "rgba(13, 110, 253, 0.55)"


@dataclass(frozen=True)
class Threshold:
    """A value (canonical unit) above which the plan tells the person to stop something."""

    value: float
    level: str  # "stop" | "urgent", as in the plan's alerts
    label: Any  # a lazy translation
    source: str


# What a stop line says, by the nutrients its alert stops (wording only: the values, levels
# and sources come from the rule set).
_STOP_LABELS = {
    ("vitamin_d3",): gettext_lazy("stop vitamin D"),
    ("vitamin_d3", "calcium"): gettext_lazy("stop D and calcium"),
}


def _stop_thresholds(rules: RuleSet) -> dict[str, tuple[Threshold, ...]]:
    """The lower bound of every tier whose alert stops a supplement (rules.TIER_ALERTS)."""
    lines: dict[str, tuple[Threshold, ...]] = {}
    for marker, tiers in rules.tiers.items():
        found = []
        for tier in tiers:
            if tier.id in TIER_ALERTS and tier.low is not None:
                alert = rules.alerts[TIER_ALERTS[tier.id]]
                label = gettext_lazy("urgent") if alert.level == "urgent" else None
                label = label or _STOP_LABELS[alert.stops]
                found.append(Threshold(float(tier.low), alert.level, label, tier.source))
        if found:
            lines[marker] = tuple(found)
    return lines


# rule set -> marker -> its stop lines (PRODUCT.md §4.3, the safety rules the engine applies).
STOP_THRESHOLDS: dict[str, dict[str, tuple[Threshold, ...]]] = {
    name: _stop_thresholds(rules) for name, rules in RULE_SETS.items()
}


# Molar units are read with fewer or more decimals than the canonical mass units.
def base_layout(*, height: int, compact: bool = False) -> dict[str, Any]:
    """The layout every chart shares: system font, small margins, no plotly template.

    An empty template keeps the JSON sent to the page small (the default one is ~10 KB).
    """
    return {
        "template": {},
        "height": height,
        "autosize": True,
        "margin": {"l": 44, "r": 12, "t": 8 if compact else 28, "b": 28},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
        "hovermode": "closest",
        "dragmode": False,
    }


def _axis_style() -> dict[str, Any]:
    """Light grid, no zoom: a phone scroll must move the page, not the axes."""
    return {"showgrid": True, "gridcolor": "#e9ecef", "zeroline": False, "fixedrange": True}


DAY_MS = 86_400_000
# Results are dated, not timed: however close the ticks, they read as dates, never hours.
# Tick labels by zoom, as d3 date formats; plotly's locale (static/js/charts.js) names the
# months, the formats themselves are translated ("1. Dez. 2026" in German).
DATE_TICK_RANGES = [[None, 7 * DAY_MS], [7 * DAY_MS, "M1"], ["M1", "M12"], ["M12", None]]


def _date_ticks() -> list[dict[str, Any]]:
    formats = [
        d3_date_format("DATE_FORMAT"),  # the page's own format: "1. Dez. 2026", "Dec 1, 2026"
        d3_date_format("MONTH_DAY_FORMAT"),
        # Translators: a d3 date format for a chart's axis: short month, year.
        _("%b %Y"),
        "%Y",
    ]
    return [{"dtickrange": r, "value": f} for r, f in zip(DATE_TICK_RANGES, formats, strict=True)]


SINGLE_DATE_WINDOW = dt.timedelta(days=45)  # either side of a lone date: about three months


def _date_axis() -> dict[str, Any]:
    return {"type": "date", "tickformatstops": _date_ticks(), "hoverformat": d3_date_format(),
            "minor": {"ticks": ""}}  # fmt: skip


def _lone_date_window(dates: Sequence[dt.date]) -> list[str] | None:
    """A sensible window around a chart whose points all share one date (else plotly zooms
    to a millisecond and labels hours); None when the dates span more than a day."""
    if not dates or min(dates) != max(dates):
        return None
    day = dates[0]
    return [(day - SINGLE_DATE_WINDOW).isoformat(), (day + SINGLE_DATE_WINDOW).isoformat()]


def _band(low: float, high: float, *, color: str, opacity: float, name: str) -> dict[str, Any]:
    """A shaded horizontal band across the top panel, behind the points."""
    return {
        "type": "rect",
        "name": name,
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": low,
        "y1": high,
        "fillcolor": color,
        "opacity": opacity,
        "line": {"width": 0},
        "layer": "below",
    }


def _hline(y: float, *, name: str) -> dict[str, Any]:
    """A dashed red line across the top panel (a stop threshold)."""
    return {
        "type": "line",
        "name": name,
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"color": THRESHOLD_COLOR, "width": 1.5, "dash": "dash"},
    }


def _vline(on: dt.date, *, name: str) -> dict[str, Any]:
    """A dotted vertical line through both panels at a date (an event)."""
    return {
        "type": "line",
        "name": name,
        "xref": "x",
        "x0": on.isoformat(),
        "x1": on.isoformat(),
        "yref": "paper",
        "y0": 0,
        "y1": 1,
        "line": {"color": EVENT_COLOR, "width": 1, "dash": "dot"},
    }


def visible_thresholds(analyte: str, values: Sequence[float], *, rule_set: str) -> list[Threshold]:
    """The stop thresholds worth drawing: each one up to the first above every value.

    Drawing 150 ng/mL when every value sits near 40 would squash the points into the bottom
    third of the chart; the next line the person could cross is always shown.
    """
    highest = max(values, default=0.0)
    shown: list[Threshold] = []
    for threshold in STOP_THRESHOLDS[rule_set].get(analyte, ()):
        shown.append(threshold)
        if threshold.value >= highest:
            break
    return shown


def _convert(analyte: str, value: float, unit: str) -> float:
    """A canonical value in the display unit: every plotted number goes through here."""
    return from_canonical(analyte, value, unit)  # rounded by labs.units: no float noise


def converter(analyte: str, unit: str) -> Callable[[float], float]:
    """`from_canonical` for many values of one analyte in one unit, the unit looked up once.

    from_canonical normalises the unit's spelling on every call (a regex, ~10 µs); a chart and
    its table convert hundreds of values. Same arithmetic and rounding, so the numbers are
    identical (tests/dashboard/test_charts.py compares them).
    """
    from_canonical(analyte, 1.0, unit)  # raises UnknownUnit for a unit the analyte lacks
    factor = ANALYTES[analyte].units[normalize_unit(unit)]
    return lambda value: significant(float(value) / factor)


def _events_by_date(changes: Sequence[Change], start: dt.date | None) -> dict[dt.date, list[str]]:
    """Labels of the events on or after `start`, grouped by date (one line, one label)."""
    grouped: dict[dt.date, list[str]] = {}
    for change in changes:
        if start is None or change.on >= start:
            grouped.setdefault(change.on, []).append(change.label)
    return grouped


def _side(on: dt.date, span: tuple[dt.date, dt.date]) -> str:
    """Which side of its line a label goes, so that one near either edge is never cut off.

    (plotly's xanchor "auto" centres labels tied to data coordinates.)
    """
    first, last = span
    where = (on - first).days / max(1, (last - first).days)
    return "left" if where < 0.34 else "right" if where > 0.66 else "center"


LABEL_ROW_PX = 15  # one line of 10 px text above the plot area
LABEL_GAP = 0.22  # labels closer than this share of the time axis go on different rows


def _label_rows(dates: Sequence[dt.date], span: tuple[dt.date, dt.date]) -> list[int]:
    """A row for each label (dates in order) so that labels in one row never overlap."""
    first, last = span
    width = max(1, (last - first).days)
    row_ends: list[float] = []  # per row, where its last label sits on the axis (0–1)
    rows = []
    for on in dates:
        where = (on - first).days / width
        row = next((i for i, end in enumerate(row_ends) if where - end >= LABEL_GAP), None)
        if row is None:
            row_ends.append(where)
            row = len(row_ends) - 1
        row_ends[row] = where
        rows.append(row)
    return rows


def chart_events(
    supplement_changes: Sequence[Change], phase_changes: Sequence[Change], *, start: dt.date | None
) -> list[tuple[dt.date, str, str]]:
    """(date, "supplement" | "phase", label) of each day's events from `start`, by date: the
    labels the chart draws, and the list a phone shows under it instead."""
    events = []
    for name, changes in (("supplement", supplement_changes), ("phase", phase_changes)):
        for on, labels in _events_by_date(changes, start).items():
            if name == "phase":
                labels = [_("Plan: %(phase)s") % {"phase": PHASE_LABELS.get(p, p)} for p in labels]
            events.append((on, name, " · ".join(str(label) for label in labels)))
    return sorted(events, key=lambda event: event[0])


def _event_marks(
    supplement_changes: Sequence[Change],
    phase_changes: Sequence[Change],
    *,
    start: dt.date | None,
    span: tuple[dt.date, dt.date],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Dotted vertical lines at supplement and plan-phase changes, each labelled above the
    plot area (never over the points, the bands or the stop lines), in as many rows as it
    takes for close labels not to overlap. On a phone charts.js drops the labels and the page
    lists the same events under the chart."""
    events = chart_events(supplement_changes, phase_changes, start=start)
    shapes = [_vline(on, name=name) for on, name, _text in events]
    annotations = [
        {
            "name": name,
            "x": on.isoformat(),
            "xref": "x",
            "y": 1,
            "yref": "paper",
            "yanchor": "bottom",
            "yshift": 2 + LABEL_ROW_PX * row,
            "row": row,  # read and removed by marker_figure_dict (the top margin grows)
            "xanchor": _side(on, span),
            "text": html.escape(text),
            "showarrow": False,
            "font": {"size": 10, "color": "#495057" if name == "supplement" else "#6f42c1"},
        }
        for (on, name, text), row in zip(
            events, _label_rows([e[0] for e in events], span), strict=False
        )
    ]
    return shapes, annotations


def lab_reference(series: Sequence[Point]) -> tuple[float, float] | None:
    """The range the newest draw's lab printed (canonical; "< 5" reads as 0–5), or None."""
    for point in reversed(series):
        if point.ref_high is not None:
            return (point.ref_low or 0.0, point.ref_high)
    return None


def _range_shapes(
    analyte: str,
    unit: str,
    values: Sequence[float],
    decimals: int,
    rule_set: str,
    lab_range: tuple[float, float] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Reference range (the lab's printed one when there is, else the catalog's) and the
    rule set's target as shaded bands, stop lines as lines."""
    reference = lab_range or ANALYTES[analyte].reference
    aim = target(analyte, rule_set)
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    if reference is not None:
        low, high = (_convert(analyte, v, unit) for v in reference)
        name = "lab-reference" if lab_range else "reference"
        shapes.append(_band(low, high, color=REFERENCE_COLOR, opacity=0.07, name=name))
    if aim is not None:
        low, high = (_convert(analyte, v, unit) for v in aim)
        shapes.append(_band(low, high, color=TARGET_COLOR, opacity=0.15, name="target"))
    for threshold in visible_thresholds(analyte, values, rule_set=rule_set):
        y = _convert(analyte, threshold.value, unit)
        shapes.append(_hline(y, name=threshold.level))
        annotations.append(
            {
                # Below the line at the left: the top margin and the right edge are where
                # supplement labels and the newest points go.
                "name": threshold.level,
                "x": 0.01,
                "xref": "x domain",
                "xanchor": "left",
                "y": y,
                "yref": "y",
                "yanchor": "top",
                "text": f"{threshold.label} · {decimal_formatter(decimals)(y)} {unit}",
                "showarrow": False,
                "font": {"size": 10, "color": THRESHOLD_COLOR},
            }
        )
    return shapes, annotations


def _status_index(analyte: str, canonical_value: float, rule_set: str) -> int:
    """Position of the value's status in STATUS_ORDER: the point's colour on the scale."""
    return STATUS_ORDER.index(status(ANALYTES[analyte], canonical_value, rule_set=rule_set))


def _marker_trace(
    series: Sequence[Point], *, analyte: str, unit: str, decimals: int, rule_set: str
) -> dict[str, Any]:
    """The measured points: y in `unit`, colour by status, hover with value, unit, date, lab.

    Colours go as status indexes on a stepped colour scale: one number per point is much
    cheaper for plotly to validate than one colour string per point (500 draws: 3 vs 8 ms).
    """
    last = len(STATUS_ORDER) - 1
    convert = converter(analyte, unit)
    values = [(point, convert(point.canonical_value)) for point in series]
    shown_number, shown_on = decimal_formatter(decimals), date_formatter()
    return {
        "type": "scatter",
        "name": analyte_short_name(analyte),
        "x": [point.drawn_on.isoformat() for point in series],
        "y": [y for _point, y in values],
        "mode": "lines+markers",
        "line": {"color": "#adb5bd", "width": 1.5},
        "marker": {
            "size": 9,
            # A censored result ("< 10") is drawn as an open marker at its limit.
            "symbol": [CENSORED_SYMBOL if point.qualifier else "circle" for point in series],
            "color": [_status_index(analyte, point.canonical_value, rule_set) for point in series],
            "cmin": 0,
            "cmax": last,
            "colorscale": [[i / last, STATUS_COLORS[s]] for i, s in enumerate(STATUS_ORDER)],
            "showscale": False,
            "line": {"width": 0},
        },
        # Lab names are typed by people: escaped, since plotly renders a little HTML.
        "customdata": [_escaped_lab(point.lab) for point in series],
        # Shown only in the hover (the mode has no "text"): the value as the page writes it
        # ("< 10", "45,5" in German), and the date in the page's one format.
        "text": [_QUALIFIER_HOVER[point.qualifier] + shown_number(y) for point, y in values],
        "hovertext": [shown_on(point.drawn_on) for point in series],
        "hovertemplate": (
            f"<b>%{{text}} {unit}</b><br>%{{hovertext}}<br>%{{customdata}}<extra></extra>"
        ),
        "xaxis": "x",
        "yaxis": "y",
    }


@functools.lru_cache(maxsize=256)
def _escaped_lab(lab: str) -> str:
    """A lab name as hover text: escaped, or a dash. Cached: a history has a handful of labs."""
    return html.escape(lab) or "—"


def _burden_trace(burden: Sequence[tuple[dt.date, int]]) -> dict[str, Any]:
    """The symptom burden per check-in date as a filled step line, in the lower panel.

    A scatter trace rather than bars: the pages ship a scatter-only plotly.js bundle
    (static/vendor/plotly-4.1.1-scatter), ~12 KB gzipped less than one with bars.
    """
    return {
        "type": "scatter",
        "name": _("Symptom burden"),
        "x": [on.isoformat() for on, _total in burden],
        "y": [total for _on, total in burden],
        "mode": "lines",
        "line": {"color": BURDEN_COLOR, "width": 1, "shape": "hv"},
        "fill": "tozeroy",
        "hovertext": [format_date(on) for on, _total in burden],
        "hovertemplate": _("Symptom burden %{y}") + "<br>%{hovertext}<extra></extra>",
        "xaxis": "x2",
        "yaxis": "y2",
    }


def _expected_trace(band: Band, *, analyte: str, unit: str, decimals: int) -> dict[str, Any]:
    """The plan's expected band as a closed, filled outline: lows forward, highs back.

    Named "expected" (to the retest, still to come) or "expected-judged" (the band the
    latest draw was judged by); its corners are dashboard.trajectory's, in `unit`.
    """
    convert = converter(analyte, unit)
    corners = band.corners
    day, low, high = band.end
    shown = decimal_formatter(decimals)
    text = _("Expected if you follow the plan: %(low)s–%(high)s %(unit)s by %(date)s") % {
        "low": shown(convert(low)),
        "high": shown(convert(high)),
        "unit": unit,
        "date": format_date(day),
    }
    return {
        "type": "scatter",
        "name": "expected" if band.kind == "ahead" else "expected-judged",
        "x": [c[0].isoformat() for c in corners] + [c[0].isoformat() for c in reversed(corners)],
        "y": [convert(c[1]) for c in corners] + [convert(c[2]) for c in reversed(corners)],
        "mode": "lines",
        "fill": "toself",
        "fillcolor": EXPECTED_FILL,
        "line": {"color": EXPECTED_LINE, "width": 1, "dash": "dot"},
        "hoveron": "fills",
        "hoverinfo": "text",
        "text": text,
        "xaxis": "x",
        "yaxis": "y",
    }


@functools.cache
def _grid(with_burden: bool) -> dict[str, Any]:
    """Axis domains from make_subplots (marker on top, symptoms below, one time axis).

    Computed once per shape: make_subplots costs ~15 ms a call, more than the rest of a chart.
    """
    if with_burden:
        fig = make_subplots(
            rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.06
        )
    else:
        fig = make_subplots(rows=1, cols=1)
    layout = fig.to_plotly_json()["layout"]
    layout.pop("template", None)
    return layout


def _span(
    series: Sequence[Point], events: Sequence[Change], *, start: dt.date | None, end: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The dates the time axis covers: the fixed range, else everything drawn on it."""
    if start is not None and end is not None:
        return start, end
    dates = [point.drawn_on for point in series] + [event.on for event in events]
    return (min(dates), max(dates)) if dates else (dt.date.min, dt.date.max)


def _padded(start: dt.date | None, end: dt.date | None) -> list[str] | None:
    """A fixed time axis a little wider than the range, so a point on its edge shows whole."""
    if start is None or end is None:
        return None
    pad = dt.timedelta(days=max(2, (end - start).days // 50))
    return [(start - pad).isoformat(), (end + pad).isoformat()]


def _axes(with_burden: bool, *, unit: str, x_range: list[str] | None) -> dict[str, Any]:
    """The subplot axes, styled, titled, and fixed to the time range if there is one."""
    axes = copy.deepcopy(_grid(with_burden))
    for key, axis in axes.items():
        axis.update(_axis_style())
        if key.startswith("xaxis"):
            axis.update(_date_axis())
            if x_range:
                axis["range"] = x_range
    axes["yaxis"]["title"] = {"text": unit}
    if with_burden:
        axes["yaxis2"].update(title={"text": _("Symptoms")}, rangemode="tozero")
    return axes


def marker_figure(series: Sequence[Point], **options: Any) -> go.Figure:
    """`marker_figure_dict` as a plotly Figure (same arguments, same content)."""
    return _figure(marker_figure_dict(series, **options))


def marker_figure_dict(
    series: Sequence[Point],
    *,
    analyte: str,
    unit: str,
    rule_set: str,
    burden: Sequence[tuple[dt.date, int]] = (),
    supplement_changes: Sequence[Change] = (),
    phase_changes: Sequence[Change] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    height: int = 420,
    expected: Sequence[Band] = (),
) -> dict[str, Any]:
    """One marker over time, in `unit`, with everything needed to read it.

    - points (oldest first, canonical values converted to `unit`) coloured by status,
      hover with value, unit, date and lab — always the first trace;
    - the reference range and the target as shaded bands, stop thresholds as dashed lines
      (layout shapes named "reference", "target", "stop"/"urgent", y in `unit`); the
      reference is the range the newest draw's lab printed when one did ("lab-reference");
    - supplement changes and plan phases as dotted lines with a label (shapes and
      annotations named "supplement" and "phase", x at the date);
    - when `burden` is given, the symptom burden per check-in date as bars in a second
      panel sharing the time axis.

    - `expected`: the plan's expected bands (dashboard.trajectory) as filled outlines,
      traces named "expected" / "expected-judged" after the others.

    `start`/`end` fix the time axis to a range (the trends page's 6 months or 1 year);
    events before `start` are left out so they do not stretch the axis.
    """
    decimals = display_decimals(analyte, unit)
    with_burden = any(total for _on, total in burden)  # all-zero check-ins: no empty panel
    data = [_marker_trace(series, analyte=analyte, unit=unit, decimals=decimals, rule_set=rule_set)]
    if with_burden:
        data.append(_burden_trace(burden))
    for band in expected:
        data.append(_expected_trace(band, analyte=analyte, unit=unit, decimals=decimals))
    values = [point.canonical_value for point in series]
    band_shapes, band_notes = _range_shapes(
        analyte, unit, values, decimals, rule_set, lab_reference(series)
    )
    event_shapes, event_notes = _event_marks(
        supplement_changes,
        phase_changes,
        start=start,
        span=_span(series, [*supplement_changes, *phase_changes], start=start, end=end),
    )
    drawn = [point.drawn_on for point in series] + [on for on, _total in burden]
    drawn += [corner[0] for band in expected for corner in band.corners]
    x_range = _padded(start, end) or _lone_date_window(drawn)
    layout = base_layout(height=height)
    layout.update(_axes(with_burden, unit=unit, x_range=x_range))
    layout["shapes"] = band_shapes + event_shapes
    layout["annotations"] = band_notes + event_notes
    rows = max((note.get("row", 0) + 1 for note in event_notes), default=0)
    layout["margin"]["t"] += LABEL_ROW_PX * rows  # event labels sit above the plot
    for note in event_notes:
        note.pop("row", None)
    return {"data": data, "layout": layout}


def sparkline_figure(series: Sequence[Point], **options: Any) -> go.Figure:
    """`sparkline_figure_dict` as a plotly Figure (same arguments, same content)."""
    return _figure(sparkline_figure_dict(series, **options))


def sparkline_figure_dict(
    series: Sequence[Point],
    *,
    analyte: str,
    unit: str,
    rule_set: str,
    expected: Sequence[Band] = (),
) -> dict[str, Any]:
    """A small chart of one marker for the dashboard: points, the target band and the plan's
    expected bands (`expected`: dashboard.trajectory's, drawn by the trends chart's own
    `_expected_trace`, so both charts show the same numbers)."""
    decimals = display_decimals(analyte, unit)
    layout = base_layout(height=160, compact=True)
    x_axis = {**_axis_style(), **_date_axis()}
    # Level date labels, few enough to fit a phone's card (the band to the retest widens
    # the axis: plotly would tilt them and the compact margin would cut them off).
    x_axis.update(nticks=4, tickangle=0)
    drawn = [point.drawn_on for point in series]
    drawn += [corner[0] for band in expected for corner in band.corners]
    lone = _lone_date_window(drawn)
    if lone:
        x_axis["range"] = lone
    layout.update(xaxis=x_axis, yaxis=_axis_style())
    aim = target(analyte, rule_set)
    if aim is not None:
        low, high = (_convert(analyte, v, unit) for v in aim)
        layout["shapes"] = [_band(low, high, color=TARGET_COLOR, opacity=0.15, name="target")]
    trace = _marker_trace(series, analyte=analyte, unit=unit, decimals=decimals, rule_set=rule_set)
    bands = [_expected_trace(b, analyte=analyte, unit=unit, decimals=decimals) for b in expected]
    return {"data": [trace, *bands], "layout": layout}


def _figure(figure: dict[str, Any]) -> go.Figure:
    """Wrap the traces and layout built above in a Figure, without plotly's validation.

    Validation walks and copies every array element: 7 of the 9 ms a 500-draw chart costs.
    These dicts are built by the code above from fixed keys, and the tests rebuild every
    figure they check with validation on (tests/dashboard/test_charts.py), so a misspelt
    property fails there instead of on each request.
    """
    return go.Figure(data=figure["data"], layout=figure["layout"], _validate=False)


def figure_json(fig: go.Figure) -> dict[str, Any]:
    """The figure as a JSON-ready dict for `json_script` (plain lists and strings only)."""
    return fig.to_plotly_json()

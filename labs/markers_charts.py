"""The chart of a person's own marker: its values over time, in its unit, with the range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from labs.display import date_formatter, format_plain
from labs.markers_services import MarkerPoint

# labs imports nothing from dashboard (tests/test_layout.py): the look of dashboard.charts'
# reference band and layout, for the one chart the labs app draws itself.
REFERENCE_COLOR = "#0d6efd"


DAY_MS = 86_400_000
LONE_DATE_WINDOW = dt.timedelta(days=45)  # either side of a single draw, as dashboard.charts


def _date_axis(dates: Sequence[dt.date]) -> dict[str, Any]:
    """Dates, never hours, however close the ticks (the formats dashboard.charts uses)."""
    stops = [[None, 7 * DAY_MS], [7 * DAY_MS, "M1"], ["M1", "M12"], ["M12", None]]
    formats = [_("%-d %b %Y"), _("%-d %b"), _("%b %Y"), "%Y"]
    axis: dict[str, Any] = {
        "type": "date",
        "tickformatstops": [
            {"dtickrange": r, "value": f} for r, f in zip(stops, formats, strict=True)
        ],
        "hoverformat": _("%-d %b %Y"),
    }
    if dates and min(dates) == max(dates):
        axis["range"] = [(dates[0] - LONE_DATE_WINDOW).isoformat(),
                         (dates[0] + LONE_DATE_WINDOW).isoformat()]  # fmt: skip
    return axis


def _layout(unit: str, dates: Sequence[dt.date]) -> dict[str, Any]:
    axis = {"showgrid": True, "gridcolor": "#e9ecef", "zeroline": False, "fixedrange": True}
    return {
        "template": {}, "height": 320, "autosize": True,
        "margin": {"l": 44, "r": 12, "t": 28, "b": 28},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False, "hovermode": "closest", "dragmode": False,
        "xaxis": {**_date_axis(dates), **axis}, "yaxis": {"title": {"text": unit}, **axis},
    }  # fmt: skip


def marker_reference(marker, series: Sequence[MarkerPoint]) -> tuple[float, float] | None:
    """The newest printed range of its values, else the marker's own usual range; "< 5"
    reads as 0–5; None when neither has an upper limit."""
    for point in reversed(series):
        if point.ref_high is not None:
            return (point.ref_low or 0.0, point.ref_high)
    if marker.ref_high is not None:
        return (marker.ref_low or 0.0, marker.ref_high)
    return None


def custom_marker_figure_dict(marker, series: Sequence[MarkerPoint]) -> dict[str, Any]:
    """Points in the marker's unit, hover with value, date and lab, and the reference band
    (layout shape named "reference") — no target, no thresholds: no rule reads it."""
    shown_on = date_formatter()
    trace = {
        "type": "scatter",
        "name": marker.name,
        "x": [p.drawn_on.isoformat() for p in series],
        "y": [p.value for p in series],
        "mode": "lines+markers",
        "line": {"color": "#adb5bd", "width": 1.5},
        "marker": {"size": 9, "color": "#6f42c1"},
        "text": [f"{p.qualifier} {format_plain(p.value)}".strip() for p in series],
        "hovertext": [shown_on(p.drawn_on) for p in series],
        "hovertemplate": f"<b>%{{text}} {marker.unit}</b><br>%{{hovertext}}<extra></extra>",
    }
    layout = _layout(marker.unit, [p.drawn_on for p in series])
    reference = marker_reference(marker, series)
    layout["shapes"] = (
        [
            {
                "type": "rect",
                "name": "reference",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": reference[0],
                "y1": reference[1],
                "fillcolor": REFERENCE_COLOR,
                "opacity": 0.12,
                "line": {"width": 0},
                "layer": "below",
            }
        ]  # fmt: skip
        if reference
        else []
    )
    return {"data": [trace], "layout": layout}

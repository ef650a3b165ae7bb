"""The trends page: which marker, range and unit a request asks for, the links that change
them, and everything the template shows. The view only picks the template.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.dates import person_today
from labs.analytes import ANALYTES
from labs.display import analyte_short_name
from labs.quick import QuickResultForm

from . import selectors, summaries, trajectory
from .caching import PersonCache
from .charts import chart_events, lab_reference, marker_figure_dict
from .forms import TrendsQueryForm

RANGE_LABELS = {"6m": _("6 months"), "1y": _("1 year"), "all": _("All")}
# The same periods inside a sentence or a heading (German nouns keep their capitals).
RANGE_PERIODS = {"6m": _("6 months"), "1y": _("1 year"), "all": _("all time")}
DEFAULT_RANGE = "all"
TABLE_ROWS = 52  # rows of the table before "show all": a year of weekly draws
FIRST_ANALYTE = "vitd_25oh"  # the tab shown when the query names none (and the person has it)


@dataclass(frozen=True)
class Choice:
    """What the trends page shows: validated from the query string, with defaults."""

    analyte: str
    range_key: str
    unit: str
    preferred_unit: str
    path: str  # this page's path, reversed once per request rather than once per link
    all_rows: bool = False  # the whole table rather than its newest TABLE_ROWS rows

    def url(self, **changes: str) -> str:
        """This page's URL with some choices changed; the unit stays out when it is the
        preferred one, so a tab or range link never carries another marker's unit."""
        params = {"analyte": self.analyte, "range": self.range_key, "unit": self.unit}
        params.update(changes)
        if params["unit"] == self.preferred_unit or "analyte" in changes:
            del params["unit"]
        return f"{self.path}?{urlencode(params)}"


def choice(query, *, user, analytes: list[str]) -> Choice:
    """The marker, range and unit asked for in `query` (a QueryDict), each one checked."""
    form = TrendsQueryForm(query, analytes=analytes)
    first = FIRST_ANALYTE if FIRST_ANALYTE in analytes else analytes[0]
    analyte = form.value("analyte", first)
    preferred = summaries.display_unit(user, analyte)
    unit = form.value("unit", preferred)
    if unit not in summaries.unit_options(analyte):
        unit = preferred
    path = reverse("dashboard:trends")
    range_key = form.value("range", DEFAULT_RANGE)
    return Choice(analyte, range_key, unit, preferred, path, form.value("rows", "") == "all")


def links(chosen: Choice, analytes: list[str]) -> dict:
    """The marker tabs, the time ranges and the unit toggle, each a plain link."""
    return {
        "tabs": [
            {
                "code": code,
                "name": analyte_short_name(code),
                "url": chosen.url(analyte=code),
                "active": code == chosen.analyte,
            }
            for code in analytes
        ],
        "ranges": [
            {
                "key": key,
                "label": label,
                "url": chosen.url(range=key),
                "active": key == chosen.range_key,
            }
            for key, label in RANGE_LABELS.items()
        ],
        "units": [
            {"unit": option, "url": chosen.url(unit=option), "active": option == chosen.unit}
            for option in summaries.unit_options(chosen.analyte)
        ],
    }


CHART_TEMPLATE = "dashboard/trends.html#chart"
# Stands for the request's CSRF token in a cached section (the quick-add form's): the same in
# every process sharing the cache, and no string a person could type into a lab name.
CSRF_SLOT = "csrf-" + hashlib.sha256(f"trends {settings.SECRET_KEY}".encode()).hexdigest()


def page(request) -> dict:
    """The trends template's context: the chart section as HTML, and whether it has a chart.

    The section (tabs, chart, table, quick-add form) changes only with the person's data,
    their preferences and the day, so it is rendered once into the person's cache
    (dashboard.caching) and each request only puts in its own CSRF token.
    """
    user = request.user
    cache = PersonCache(user)
    analytes = cache.get_or_build(
        "analytes", (), lambda: selectors.analytes_with_results(user=user)
    )
    if not analytes:
        empty = {"analytes": [], "refresh_url": reverse("dashboard:trends")}
        return {"chart_html": render_to_string(CHART_TEMPLATE, empty, request), "has_chart": False}
    chosen = choice(request.GET, user=user, analytes=analytes)
    today = person_today(user)
    section = cache.get_or_build(
        "trend-section",
        (chosen.analyte, chosen.range_key, chosen.unit, chosen.all_rows, today),
        lambda: _section(request, chosen, analytes, today=today),
    )
    html = section["html"].replace(CSRF_SLOT, get_token(request))
    return {"chart_html": mark_safe(html), "has_chart": section["has_chart"]}  # noqa: S308


def _section(request, chosen: Choice, analytes: list[str], *, today) -> dict:
    """The chart section rendered, with CSRF_SLOT where the request's token goes."""
    user = request.user
    analyte, unit = chosen.analyte, chosen.unit
    chart = _chart(user, chosen, today=today)
    context = {
        "analytes": analytes,
        "analyte": analyte,
        "entry": ANALYTES[analyte],
        "unit": unit,
        "range_key": chosen.range_key,
        "range_period": RANGE_PERIODS[chosen.range_key],
        "refresh_url": chosen.url(),
        "all_rows_url": chosen.url(rows="all"),
        "quick_form": QuickResultForm.blank(user=user, analyte=analyte, today=today, unit=unit),
        "csrf_token": CSRF_SLOT,
        **chart,
        **links(chosen, analytes),
    }
    html = render_to_string(CHART_TEMPLATE, context, request)
    return {"html": html, "has_chart": chart["fig_script"] is not None}


def _chart(user, chosen: Choice, *, today) -> dict:
    """The chart (as its <script> of JSON) and the table's rows, newest first: the newest
    TABLE_ROWS unless all were asked for, so 500 weekly draws do not make a 100 KB page."""
    analyte, unit = chosen.analyte, chosen.unit
    start = selectors.range_start(chosen.range_key, today=today)
    series = selectors.result_series(user=user, analyte=analyte, since=start)
    shown = series if chosen.all_rows else series[-TABLE_ROWS:]
    chart = {
        "points": len(series),
        "hidden_rows": len(series) - len(shown),
        "table_body": summaries.series_table(
            shown, analyte=analyte, unit=unit, rule_set=user.rule_set
        ),
        "fig_script": None,
        "events": [],
        "lab_range_shown": lab_reference(series) is not None,
    }
    if series:
        supplements = selectors.supplement_changes(user=user)
        phases, plan = selectors.phases_and_expectations(user=user)
        bands = trajectory.bands(plan, analyte)
        chart["expected"] = summaries.expected_by(plan, analyte, unit)
        chart["verdict"] = trajectory.verdict(plan, analyte)
        # A fixed range reaches to the band's end, so the way to the retest shows.
        end = max([today, *(band.end[0] for band in bands)])
        figure = marker_figure_dict(
            series,
            analyte=analyte,
            unit=unit,
            rule_set=user.rule_set,
            burden=selectors.symptom_burden(user=user, since=start),
            supplement_changes=supplements,
            phase_changes=phases,
            start=start,
            end=end if start else None,
            expected=bands,
        )
        chart["events"] = chart_events(supplements, phases, start=start)
        # Serialised once, when built, rather than by json_script on every view.
        chart["fig_script"] = json_script(figure, "trend-figure")
    return chart


SHARED_CHART_HEIGHT = 340


def read_only_charts(user, *, today) -> list[dict]:
    """Every marker's chart as the trends page draws it (its whole history in the person's
    unit, bands, events and the plan's expected band), for the shared view: nothing to
    click, nothing that writes. From the person's cache; built in 4 queries + 1 per marker."""
    return PersonCache(user).get_or_build(
        "shared-charts", (today,), lambda: _read_only_charts(user, today=today)
    )


def _read_only_charts(user, *, today) -> list[dict]:
    analytes = selectors.analytes_with_results(user=user)
    if not analytes:
        return []
    supplements = selectors.supplement_changes(user=user)
    phases, plan = selectors.phases_and_expectations(user=user)
    burden = selectors.symptom_burden(user=user)
    charts = []
    for analyte in analytes:
        unit = summaries.display_unit(user, analyte)
        series = selectors.result_series(user=user, analyte=analyte)
        figure = marker_figure_dict(
            series,
            analyte=analyte,
            unit=unit,
            rule_set=user.rule_set,
            burden=burden,
            supplement_changes=supplements,
            phase_changes=phases,
            expected=trajectory.bands(plan, analyte),
            height=SHARED_CHART_HEIGHT,
        )
        charts.append(
            {
                "analyte": analyte,
                "name": analyte_short_name(analyte),
                "unit": unit,
                "points": len(series),
                "element_id": f"shared-figure-{analyte}",
                "fig_script": json_script(figure, f"shared-figure-{analyte}"),
                "expected": summaries.expected_by(plan, analyte, unit),
                "verdict": trajectory.verdict(plan, analyte),
            }
        )
    return charts

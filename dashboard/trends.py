"""The trends page: which marker, range and unit a request asks for, the links that change
them, and everything the template shows. The view only picks the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.dates import person_today
from labs.analytes import ANALYTES
from labs.quick import QuickResultForm

from . import selectors, summaries
from .charts import marker_figure_dict
from .forms import TrendsQueryForm

RANGE_LABELS = {"6m": _("6 months"), "1y": _("1 year"), "all": _("All")}
DEFAULT_RANGE = "all"
FIRST_ANALYTE = "vitd_25oh"  # the tab shown when the query names none (and the person has it)


@dataclass(frozen=True)
class Choice:
    """What the trends page shows: validated from the query string, with defaults."""

    analyte: str
    range_key: str
    unit: str
    preferred_unit: str
    path: str  # this page's path, reversed once per request rather than once per link

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
    return Choice(analyte, form.value("range", DEFAULT_RANGE), unit, preferred, path)


def links(chosen: Choice, analytes: list[str]) -> dict:
    """The marker tabs, the time ranges and the unit toggle, each a plain link."""
    return {
        "tabs": [
            {
                "code": code,
                "name": ANALYTES[code].short_name,
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


def context(query, *, user) -> dict:
    """The trends template's context for a person and a query string."""
    analytes = selectors.analytes_with_results(user=user)
    if not analytes:
        return {"analytes": [], "refresh_url": reverse("dashboard:trends")}
    chosen = choice(query, user=user, analytes=analytes)
    analyte, unit = chosen.analyte, chosen.unit
    today = person_today(user)
    start = selectors.range_start(chosen.range_key, today=today)
    series = selectors.result_series(user=user, analyte=analyte, since=start)
    page = {
        "analytes": analytes,
        "analyte": analyte,
        "entry": ANALYTES[analyte],
        "unit": unit,
        "range_key": chosen.range_key,
        "range_label": RANGE_LABELS[chosen.range_key],
        "refresh_url": chosen.url(),
        "points": len(series),
        "table_body": summaries.series_table(
            series, analyte=analyte, unit=unit, rule_set=user.rule_set
        ),
        "fig_json": None,
        "quick_form": QuickResultForm.blank(user=user, analyte=analyte, today=today, unit=unit),
        **links(chosen, analytes),
    }
    if series:
        page["fig_json"] = marker_figure_dict(
            series,
            analyte=analyte,
            unit=unit,
            rule_set=user.rule_set,
            burden=selectors.symptom_burden(user=user, since=start),
            supplement_changes=selectors.supplement_changes(user=user),
            phase_changes=selectors.phase_changes(user=user),
            start=start,
            end=today if start else None,
        )
    return page

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.vary import vary_on_headers

from labs.analytes import ANALYTES
from labs.quick import QuickResultForm

from . import selectors, summaries
from .charts import marker_figure_dict, sparkline_figure_dict
from .forms import TrendsQueryForm

RANGE_LABELS = {"6m": _("6 months"), "1y": _("1 year"), "all": _("All")}
DEFAULT_RANGE = "all"
SPARKLINE_ANALYTE = "vitd_25oh"
SPARKLINE_POINTS = 12  # the last dozen draws: years of history for most people


def landing(request):
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    return render(request, "dashboard/landing.html")


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    plan = selectors.latest_plan(user=user)
    latest = selectors.latest_results(user=user)
    reminder = selectors.open_reminder(user=user)
    context = {
        "markers": summaries.marker_rows(
            latest, user=user, response=plan.data.get("response") if plan else None
        ),
        "plan": plan,
        "glance": summaries.plan_glance(plan.data, phase=plan.phase) if plan else None,
        "retest": summaries.retest_status(
            selectors.next_retest(user=user, plan=plan, reminder=reminder), today=today
        ),
        "next_reminder": reminder,
        "fig_json": None,
    }
    if any(item.analyte == SPARKLINE_ANALYTE for item in latest):
        series = selectors.recent_series(
            user=user, analyte=SPARKLINE_ANALYTE, limit=SPARKLINE_POINTS
        )
        unit = summaries.display_unit(user, SPARKLINE_ANALYTE)
        fig = sparkline_figure_dict(series, analyte=SPARKLINE_ANALYTE, unit=unit)
        context.update(fig_json=fig, sparkline_unit=unit)
    return render(request, "dashboard/home.html", context)


@login_required
@vary_on_headers("HX-Request")
def trends(request):
    """One marker over time; the same URL serves the page or, for htmx, the chart fragment."""
    context = _trends_context(request)
    htmx = request.htmx
    fragment = htmx and not htmx.history_restore_request
    template = "dashboard/trends.html#chart" if fragment else "dashboard/trends.html"
    return render(request, template, context)


@dataclass(frozen=True)
class _Choice:
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


def _choice(request, analytes: list[str]) -> _Choice:
    form = TrendsQueryForm(request.GET, analytes=analytes)
    first = SPARKLINE_ANALYTE if SPARKLINE_ANALYTE in analytes else analytes[0]
    analyte = form.value("analyte", first)
    preferred = summaries.display_unit(request.user, analyte)
    unit = form.value("unit", preferred)
    if unit not in summaries.unit_options(analyte):
        unit = preferred
    path = reverse("dashboard:trends")
    return _Choice(analyte, form.value("range", DEFAULT_RANGE), unit, preferred, path)


def _links(choice: _Choice, analytes: list[str]) -> dict:
    """The marker tabs, the time ranges and the unit toggle, each a plain link."""
    return {
        "tabs": [
            {
                "code": code,
                "name": ANALYTES[code].short_name,
                "url": choice.url(analyte=code),
                "active": code == choice.analyte,
            }
            for code in analytes
        ],
        "ranges": [
            {
                "key": key,
                "label": label,
                "url": choice.url(range=key),
                "active": key == choice.range_key,
            }
            for key, label in RANGE_LABELS.items()
        ],
        "units": [
            {"unit": option, "url": choice.url(unit=option), "active": option == choice.unit}
            for option in summaries.unit_options(choice.analyte)
        ],
    }


def _trends_context(request) -> dict:
    user = request.user
    analytes = selectors.analytes_with_results(user=user)
    if not analytes:
        return {"analytes": [], "refresh_url": reverse("dashboard:trends")}
    choice = _choice(request, analytes)
    analyte, unit = choice.analyte, choice.unit
    today = timezone.localdate()
    start = selectors.range_start(choice.range_key, today=today)
    series = selectors.result_series(user=user, analyte=analyte, since=start)
    context = {
        "analytes": analytes,
        "analyte": analyte,
        "entry": ANALYTES[analyte],
        "unit": unit,
        "range_key": choice.range_key,
        "range_label": RANGE_LABELS[choice.range_key],
        "refresh_url": choice.url(),
        "points": len(series),
        "table_body": summaries.series_table(series, analyte=analyte, unit=unit),
        "fig_json": None,
        "quick_form": QuickResultForm.blank(user=user, analyte=analyte, today=today, unit=unit),
        **_links(choice, analytes),
    }
    if series:
        context["fig_json"] = marker_figure_dict(
            series,
            analyte=analyte,
            unit=unit,
            burden=selectors.symptom_burden(user=user, since=start),
            supplement_changes=selectors.supplement_changes(user=user),
            phase_changes=selectors.phase_changes(user=user),
            start=start,
            end=today if start else None,
        )
    return context

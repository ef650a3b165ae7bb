from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.vary import vary_on_headers

from accounts.dates import person_today
from labs import selectors as lab_selectors
from protocols.presenters import present_plan

from . import selectors, summaries
from . import trends as trends_page
from .charts import sparkline_figure_dict

SPARKLINE_ANALYTE = "vitd_25oh"
SPARKLINE_POINTS = 12  # the last dozen draws: years of history for most people


def landing(request):
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    return render(request, "dashboard/landing.html")


@login_required
def home(request):
    user = request.user
    today = person_today(user)
    plan = selectors.latest_plan(user=user)
    latest = selectors.latest_results(user=user)
    reminder = selectors.open_reminder(user=user)
    pv = present_plan(
        plan.data if plan else None,
        today=today,
        reminder_due_on=reminder.due_on if reminder else None,
        stored_due_on=plan.retest_due_on if plan else None,
        user=user,
    )
    context = {
        "markers": summaries.marker_rows(
            latest,
            user=user,
            response=plan.data.get("response") if plan else None,
            plan_markers=plan.data.get("markers") if plan else None,
        ),
        "plan": plan,
        "pv": pv if plan else None,
        "retest": pv.retest,
        "next_reminder": reminder,
        "fig_json": None,
    }
    if any(item.analyte == SPARKLINE_ANALYTE for item in latest):
        series = selectors.recent_series(
            user=user, analyte=SPARKLINE_ANALYTE, limit=SPARKLINE_POINTS
        )
        unit = summaries.display_unit(user, SPARKLINE_ANALYTE)
        fig = sparkline_figure_dict(
            series, analyte=SPARKLINE_ANALYTE, unit=unit, rule_set=user.rule_set
        )
        context.update(fig_json=fig, sparkline_unit=unit)
    return render(request, "dashboard/home.html", context)


@login_required
@vary_on_headers("HX-Request")
def trends(request):
    """One marker over time; the same URL serves the page or, for htmx, the chart fragment."""
    context = trends_page.context(request.GET, user=request.user)
    htmx = request.htmx
    fragment = htmx and not htmx.history_restore_request
    template = "dashboard/trends.html#chart" if fragment else "dashboard/trends.html"
    return render(request, template, context)


@login_required
def report(request):
    """A printable summary for a doctor's visit: the newest values, the history, the plan."""
    user = request.user
    plan = selectors.latest_plan(user=user)
    context = {
        "latest": lab_selectors.latest_values(user=user),
        "history": lab_selectors.history_table(user=user),
        "plan": plan,
        "plan_data": plan.data if plan and isinstance(plan.data, dict) else {},
        "today": person_today(user),
    }
    return render(request, "dashboard/report.html", context)

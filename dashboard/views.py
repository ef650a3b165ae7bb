from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.vary import vary_on_headers

from accounts.dates import person_today
from labs import selectors as lab_selectors
from protocols import selectors as plan_selectors

from . import home as dashboard_page
from . import selectors
from . import trends as trends_page

REPORT_DRAWS = 24  # two years of monthly draws on a printed page


def landing(request):
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    return render(request, "dashboard/landing.html")


@login_required
def home(request):
    context = dashboard_page.context(user=request.user, today=person_today(request.user))
    return render(request, "dashboard/home.html", context)


@login_required
@vary_on_headers("HX-Request")
def trends(request):
    """One marker over time; the same URL serves the page or, for htmx, the chart fragment."""
    context = trends_page.page(request)
    htmx = request.htmx
    if htmx and not htmx.history_restore_request:
        return HttpResponse(context["chart_html"])
    return render(request, "dashboard/trends.html", context)


@login_required
def report(request):
    """A printable summary for a doctor's visit: the newest values, the history, the plan."""
    user = request.user
    plan = selectors.latest_plan(user=user)
    context = {
        "latest": lab_selectors.latest_values(user=user),
        # A printable page: the newest draws; the CSV export holds every one.
        "history": lab_selectors.history_table(user=user, newest=REPORT_DRAWS),
        "plan": plan,
        "pv": plan_selectors.plan_presentation(user=user, plan=plan) if plan else None,
        "today": person_today(user),
    }
    return render(request, "dashboard/report.html", context)

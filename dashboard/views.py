from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.vary import vary_on_headers

from accounts.dates import person_today

from . import home as dashboard_page
from . import pdf
from . import report as report_page
from . import trends as trends_page


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
    """A printable summary for a clinician: who, supplements, symptoms, the plan, results."""
    context = report_page.context(user=request.user, today=person_today(request.user))
    return render(request, "dashboard/report.html", context)


@login_required
def report_pdf(request):
    """The same summary as a PDF file."""
    today = person_today(request.user)
    context = report_page.context(user=request.user, today=today)
    response = HttpResponse(
        pdf.report_pdf(context, request=request), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="cofactor-report-{today.isoformat()}.pdf"'
    )
    return response

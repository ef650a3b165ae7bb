from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.dates import person_today, person_zone

from . import home as dashboard_page
from . import pdf, sharing
from . import report as report_page
from . import trends as trends_page
from .caching import request_cache
from .forms import ShareForm

REPORT_BODY = "dashboard/includes/report_body.html"


def landing(request):
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    return render(request, "dashboard/landing.html")


@login_required
def home(request):
    context = dashboard_page.context(
        user=request.user, today=person_today(request.user), cache=request_cache(request)
    )
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
    """A printable summary for a clinician: who, supplements, symptoms, the plan, results.

    The body is rendered once per person and data version and kept (dashboard.caching),
    under what else it shows (report_page.body_key)."""
    user = request.user
    today = person_today(user)

    def body() -> dict:
        context = report_page.context(user=user, today=today)
        profile = context["profile"]
        return {
            "report_body": render_to_string(REPORT_BODY, context, request=request),
            "named": bool(profile and profile.name),
        }

    key = report_page.body_key(user=user, today=today)
    context = request_cache(request).get_or_build("report-body", (key,), body)
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


@login_required
@require_http_methods(["GET", "POST"])
def share(request):
    """The person's share links for a clinician: make one, see each one's opens, revoke."""
    form = ShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sharing.share_create(user=request.user, days=form.cleaned_data["days"])
        messages.success(request, _("Share link made. Send it to your clinician."))
        return redirect("dashboard:share")
    links = sharing.share_links_of(request.user)
    context = {"form": form, "links": links, "now": timezone.now()}
    return render(request, "dashboard/share.html", context)


@login_required
@require_POST
def share_revoke(request, pk: int):
    if not sharing.share_revoke(user=request.user, pk=pk):
        raise Http404
    messages.success(request, _("Share link revoked: it no longer opens."))
    return redirect("dashboard:share")


@require_GET
def shared_view(request, token: str):
    """What a clinician sees: the report of results and plan, read only, for a live link.
    No session is used or made; the owner is taken from the link alone."""
    link = sharing.share_open(token)
    if link is None:
        raise Http404
    owner = link.user  # in the visitor's language (their browser's), the owner's units
    today = person_today(owner)
    context = report_page.context(user=owner, today=today) | {
        "owner": owner,
        "link": link,
        "charts": trends_page.read_only_charts(owner, today=today),
    }
    with timezone.override(person_zone(owner)):  # its dates as the owner's page writes them
        response = render(request, "dashboard/shared.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response

"""Pages of the protocols app: the plan, its history, the profile, supplements, what-if."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.dates import person_today
from accounts.regions import browser_country, region_units
from dashboard.caching import PersonCache
from labs.analytes import SWITCHABLE_UNITS
from labs.display import Reader
from labs.requisition import pre_draw_checklist, requisition_lines
from protocols import presenters, selectors, services
from protocols.engine import compute_plan
from protocols.forms import DoseForm, HealthProfileForm, SupplementIntakeForm, WhatIfForm
from protocols.models import Plan, SupplementIntake
from protocols.reminders.selectors import next_reminder
from protocols.sources import APP_DOCS, AUTHORITIES, SEED_ARTICLES, SEED_PROTOCOL, STUDIES


def _get_intake_for_user(request: HttpRequest, pk: int) -> SupplementIntake:
    return get_object_or_404(SupplementIntake, pk=pk, user=request.user)


def present_for(user, plan: Plan) -> presenters.PlanPresentation:
    return selectors.plan_presentation(user=user, plan=plan)


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = services.plan_refresh_if_stale(user)
    reminder = next_reminder(user)
    # The page body is a template fragment cached under what it shows: this stored plan (its
    # row and day), the reminder's date and the day; the presentation is built on a miss only.
    key = f"{current.pk}|{current.as_of}|{reminder.due_on if reminder else ''}|{person_today(user)}"
    context = {
        "plan": current,
        "pv": SimpleLazyObject(lambda: present_for(user, current)),
        "plan_key": key,
    }
    return render(request, "protocols/plan.html", context)


@login_required
def plan_json(request: HttpRequest) -> HttpResponse:
    """The stored engine output of the current plan, unchanged (PRODUCT.md §4.6: every key
    and number canonical, ng/mL and mg/dL, ISO dates), plus a ``display`` block holding its
    text fields as this person reads them: their language, values in their units."""
    current = services.plan_refresh_if_stale(request.user, with_inputs=False)

    def body() -> bytes:
        data = current.data
        display = presenters.plan_display(data, request.user)
        return JsonResponse({**data, "display": display}).content

    # The body changes only with the stored plan (a refresh bumps the person's data version)
    # and the reader's preferences and language, which key the cache.
    content = PersonCache(request.user).get_or_build("plan-json", (current.pk,), body)
    return HttpResponse(content, content_type="application/json")


@login_required
def requisition(request: HttpRequest) -> HttpResponse:
    """A printable sheet of exactly the current plan's retest tests and how to prepare."""
    current = services.plan_refresh_if_stale(request.user, with_inputs=False)
    codes = presenters.retest_codes(current.data)
    context = {
        "plan": current,
        "retest": selectors.retest_for(user=request.user, plan=current),
        "lines": requisition_lines(codes),
        "checklist": pre_draw_checklist(codes),
    }
    return render(request, "protocols/requisition.html", context)


@login_required
def plan_history(request: HttpRequest) -> HttpResponse:
    page, pairs = selectors.plan_history(user=request.user, page_number=request.GET.get("page"))
    entries = [
        (
            plan,
            presenters.phase_label(plan.phase),
            presenters.plan_changes(previous.data if previous else None, plan.data, request.user),
        )
        for plan, previous in pairs
    ]
    return render(request, "protocols/plan_history.html", {"page": page, "entries": entries})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stored = get_object_or_404(Plan, pk=pk, user=request.user)
    # As it read the day it was made, in the person's units and language of today.
    pv = presenters.present_plan(stored.data, stored.inputs, user=request.user)
    context = {"plan": stored, "pv": pv}
    return render(request, "protocols/plan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    instance = services.health_profile_for(request.user)
    form = HealthProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.health_profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Health profile saved; your plan follows it."))
        return redirect("protocols:profile")
    return render(request, "protocols/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def supplements(request: HttpRequest) -> HttpResponse:
    form = SupplementIntakeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.supplement_create(user=request.user, **form.cleaned_data)
        messages.success(request, _("Supplement added."))
        return redirect("protocols:supplements")
    intakes = selectors.supplements_for_user(user=request.user)
    return render(request, "protocols/supplements.html", {"form": form, "intakes": intakes})


@login_required
@require_http_methods(["GET", "POST"])
def supplement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    intake = _get_intake_for_user(request, pk)
    form = SupplementIntakeForm(request.POST or None, instance=intake, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.supplement_update(intake=intake, **form.cleaned_data)
        messages.success(request, _("Supplement saved."))
        return redirect("protocols:supplements")
    return render(request, "protocols/supplement_form.html", {"form": form, "intake": intake})


@login_required
@require_http_methods(["GET", "POST"])
def supplement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    intake = _get_intake_for_user(request, pk)
    if request.method == "POST":
        services.supplement_delete(intake=intake)
        messages.success(request, _("Supplement removed."))
        return redirect("protocols:supplements")
    return render(request, "protocols/supplement_confirm_delete.html", {"intake": intake})


@login_required
@require_GET
def doses(request: HttpRequest) -> HttpResponse:
    """The phone page: today's supplements and the last week's days, one tap each."""
    today = person_today(request.user)
    last_draw = selectors.last_draw_on(user=request.user, today=today)
    rows = selectors.dose_rows(user=request.user, today=today, last_draw=last_draw)
    return render(request, "protocols/doses.html", {"rows": rows, "today": today})


@login_required
@require_POST
def supplement_taken(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the person's supplements taken (or not) on a day of the last week; htmx
    gets the button back in its new state, a plain form post goes back where it came from."""
    intake = _get_intake_for_user(request, pk)
    today = person_today(request.user)
    form = DoseForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a day and whether you took it."))
    day, taken = form.cleaned_data["day"], form.cleaned_data["taken"] == "yes"
    try:
        services.dose_set(user=request.user, intake=intake, day=day, taken=taken, today=today)
    except services.DoseDayRefused:
        return HttpResponseBadRequest(
            _("Only the last 7 days can be filled in, from the day you started it.")
        )
    if request.htmx:
        context = {"pk": intake.pk, "day": day, "taken": taken, "today": today,
                   "look": form.cleaned_data["look"] or "card"}  # fmt: skip
        return render(request, "protocols/includes/dose_button.html", context)
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("protocols:doses")


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def what_if(request: HttpRequest) -> HttpResponse:
    """A plan from typed values, for anyone; nothing is stored.

    The values and flags come by POST: in a query string they would sit in access logs,
    browser history and Referer headers.
    """
    form = WhatIfForm(request.POST or None, units=_reader_units(request))
    pv = None
    if form.is_bound and form.is_valid():
        snapshot = form.snapshot(as_of=timezone.localdate())
        pv = presenters.present_plan(
            compute_plan(snapshot).to_dict(),
            services.snapshot_to_dict(snapshot),
            user=Reader(form.display_units(), snapshot.rules),
        )
    template = "protocols/what_if.html#result" if request.htmx else "protocols/what_if.html"
    return render(request, template, {"form": form, "pv": pv})


def _reader_units(request: HttpRequest) -> dict[str, str]:
    """The units a what-if reader reads: a person's own settings, a visitor's region's (the
    country their browser's language names: de-DE → nmol/L and mmol/L)."""
    if request.user.is_authenticated:
        return {code: request.user.preferred_unit(code) for code in SWITCHABLE_UNITS}
    return region_units(browser_country(request.headers.get("Accept-Language", "")))


def sources(request: HttpRequest) -> HttpResponse:
    """Every reference the rules cite, in full, and what the app takes from each."""
    groups = [
        (_("The protocol"), [SEED_PROTOCOL]),
        (_("The other seed articles"), list(SEED_ARTICLES)),
        (_("Studies"), list(STUDIES)),
        (_("Guidelines and intake limits"), list(AUTHORITIES)),
        (_("Cofactor's own documents"), list(APP_DOCS)),
    ]
    return render(request, "protocols/sources.html", {"groups": groups})

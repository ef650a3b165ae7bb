"""Links that work without a login: one-click links from reminder emails (signed, each
working on its own) and the calendar feed (its token is the key); and the feed's switches.

GET only shows a confirmation page with one button; POST acts. Mail scanners and link
prefetchers follow GETs, so a GET must never snooze or unsubscribe anyone.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.dates import person_locale, person_zone
from protocols.models import Plan, Reminder
from protocols.selectors import retest_for

from .calendar import retest_calendar
from .doses import dose_email_from_link, dose_email_switch, dose_email_unsubscribe
from .links import ReminderLinkError, reminder_from_link, snooze_weeks
from .selectors import calendar_feed_by_token, daily_doses
from .services import (
    calendar_feed_alarms,
    calendar_feed_off,
    calendar_feed_renew,
    reminder_snooze,
    reminder_unsubscribe,
)


def _bad_link(request: HttpRequest, error: ReminderLinkError) -> HttpResponse:
    return render(request, "reminders/bad_link.html", {"reason": error.reason}, status=400)


@require_http_methods(["GET", "POST"])
def snooze(request: HttpRequest, token: str) -> HttpResponse:
    try:
        reminder, payload = reminder_from_link(token, "snooze")
        weeks = snooze_weeks(payload)
    except ReminderLinkError as error:
        return _bad_link(request, error)
    if reminder.state not in Reminder.OPEN_STATES:  # done or cancelled: nothing to snooze
        return _bad_link(request, ReminderLinkError("used"))
    if request.method == "POST":
        if not reminder_snooze(reminder=reminder, weeks=weeks):
            return _bad_link(request, ReminderLinkError("used"))
        return render(request, "reminders/snoozed.html", {"reminder": reminder, "weeks": weeks})
    return render(request, "reminders/confirm_snooze.html", {"reminder": reminder, "weeks": weeks})


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        reminder, _payload = reminder_from_link(token, "unsubscribe")
    except ReminderLinkError as error:
        return _bad_link(request, error)
    if request.method == "POST":
        reminder_unsubscribe(reminder=reminder)
        return render(request, "reminders/unsubscribed.html", {"reminder": reminder})
    return render(request, "reminders/confirm_unsubscribe.html", {"reminder": reminder})


@csrf_exempt  # RFC 8058: the mail client POSTs with no cookie; the signed token is the proof
@require_http_methods(["GET", "POST"])
def one_click_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The List-Unsubscribe address: POST "List-Unsubscribe=One-Click" stops retest emails.

    A GET (a client that opens the address in a browser) goes to the confirmation page.
    """
    if request.method == "GET":
        return redirect("reminders:unsubscribe", token=token)
    try:
        reminder, _payload = reminder_from_link(token, "unsubscribe")
    except ReminderLinkError as error:
        return _bad_link(request, error)
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponseBadRequest("expected List-Unsubscribe=One-Click")
    reminder_unsubscribe(reminder=reminder)
    return HttpResponse(_("Retest emails stopped."), content_type="text/plain")


# --- the calendar feed: the token is the only key (calendar apps send no cookie) -----------


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's retest dates as iCal; 404 for a replaced or turned-off feed."""
    feed = calendar_feed_by_token(token)
    if feed is None:
        raise Http404
    user = feed.user
    plan = Plan.objects.filter(user=user).defer("inputs").order_by("-created_at", "-id").first()
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    with translation.override(person_locale(user)):  # the tests' names too, not the app's
        retest = retest_for(user=user, plan=plan) if plan else None
        body = retest_calendar(
            retest,
            uid=f"retest-{user.pk}@{host}",
            requisition_url=settings.SITE_URL + reverse("protocols:requisition"),
            doses=daily_doses(user, host=host) if feed.supplement_alarms else (),
            time_zone=str(person_zone(user)),
            log_url=settings.SITE_URL + reverse("protocols:doses"),
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def calendar_feed_new(request: HttpRequest) -> HttpResponse:
    calendar_feed_renew(user=request.user)
    messages.success(request, _("New calendar link made: the old one no longer works."))
    return redirect("accounts:preferences")


@login_required
@require_POST
def calendar_feed_supplement_alarms(request: HttpRequest) -> HttpResponse:
    """Opt in to (or out of) the daily supplement alarms in the person's calendar feed."""
    on = request.POST.get("alarms") == "on"
    if not calendar_feed_alarms(user=request.user, on=on):
        messages.error(request, _("Turn the calendar address on first."))
    elif on:
        messages.success(request, _("Daily supplement alarms added to your calendar."))
    else:
        messages.success(request, _("Daily supplement alarms removed from your calendar."))
    return redirect(reverse("accounts:preferences") + "#calendar")


@login_required
@require_POST
def dose_email(request: HttpRequest) -> HttpResponse:
    """Opt in to (or out of) the daily "did you take them?" email."""
    on = request.POST.get("email") == "on"
    dose_email_switch(user=request.user, on=on)
    if on:
        messages.success(request, _("Daily supplement email turned on."))
    else:
        messages.success(request, _("Daily supplement email turned off."))
    return redirect(reverse("accounts:preferences") + "#calendar")


@login_required
@require_POST
def calendar_feed_stop(request: HttpRequest) -> HttpResponse:
    calendar_feed_off(user=request.user)
    messages.success(request, _("Calendar link turned off."))
    return redirect("accounts:preferences")


# --- the daily supplement email's own unsubscribe link (independent of the retest email's) --


@require_http_methods(["GET", "POST"])
def dose_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (a mail scanner's GET changes nothing); POST turns the daily email off."""
    try:
        row = dose_email_from_link(token)
    except ReminderLinkError as error:
        return _bad_link(request, error)
    if request.method == "POST":
        dose_email_unsubscribe(row)
        return render(request, "reminders/dose_unsubscribed.html", {"person": row.user})
    return render(request, "reminders/confirm_dose_unsubscribe.html", {"person": row.user})


@csrf_exempt  # RFC 8058: the mail client POSTs with no cookie; the signed token is the proof
@require_http_methods(["GET", "POST"])
def dose_one_click_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The daily email's List-Unsubscribe address: POST "List-Unsubscribe=One-Click"."""
    if request.method == "GET":
        return redirect("reminders:dose-unsubscribe", token=token)
    try:
        row = dose_email_from_link(token)
    except ReminderLinkError as error:
        return _bad_link(request, error)
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponseBadRequest("expected List-Unsubscribe=One-Click")
    dose_email_unsubscribe(row)
    return HttpResponse(_("Daily supplement email stopped."), content_type="text/plain")

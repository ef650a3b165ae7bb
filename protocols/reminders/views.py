"""One-click links from reminder emails: no login, signed, each working on its own.

GET only shows a confirmation page with one button; POST acts. Mail scanners and link
prefetchers follow GETs, so a GET must never snooze or unsubscribe anyone.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from protocols.models import Reminder

from .links import ReminderLinkError, reminder_from_link, snooze_weeks
from .services import reminder_snooze, reminder_unsubscribe


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

"""One-click links from reminder emails: no login, signed, each usable once.

GET only shows a confirmation page with one button; POST acts. Mail scanners and link
prefetchers follow GETs, so a GET must never snooze or unsubscribe anyone.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

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
        if not reminder_unsubscribe(reminder=reminder):
            return _bad_link(request, ReminderLinkError("used"))
        return render(request, "reminders/unsubscribed.html", {"reminder": reminder})
    return render(request, "reminders/confirm_unsubscribe.html", {"reminder": reminder})

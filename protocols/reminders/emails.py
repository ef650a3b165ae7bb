"""The retest reminder email: one builder, three templates (STYLE.md habit 10)."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.dates import person_locale, person_today, person_zone
from labs.display import analyte_name
from labs.requisition import requisition_lines
from protocols.models import Reminder
from protocols.presenters import humanize

from .links import SNOOZE_WEEKS, reminder_link_token


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def results_url() -> str:
    """Where a person enters the new results the email asks for: the panel form."""
    return _absolute(reverse("labs:panel-create"))


def test_names(codes: list[str]) -> list[str]:
    """Human names of the analytes to ask the lab for, in the plan's order."""
    return [analyte_name(code) for code in codes]


def lab_orders(codes: list[str]) -> list[dict[str, str]]:
    """The tests as the requisition sheet lists them: name, LOINC code, specimen (translated)."""
    return [
        {"name": gettext(line.name), "loinc": line.loinc, "specimen": gettext(line.specimen)}
        for line in requisition_lines(codes)
    ]


def reminder_email_context(*, reminder: Reminder, followup: bool, now: datetime) -> dict:
    overdue = followup or reminder.due_on < person_today(reminder.user, now)
    unsubscribe_token = reminder_link_token(reminder, "unsubscribe")
    snooze_links = [
        (
            weeks,
            _absolute(
                reverse(
                    "reminders:snooze",
                    args=[reminder_link_token(reminder, "snooze", w=weeks)],
                )
            ),
        )
        for weeks in SNOOZE_WEEKS
    ]
    return {
        "user": reminder.user,
        "reminder": reminder,
        "overdue": overdue,
        "due_on": reminder.due_on,
        "tests": test_names(reminder.tests),
        "orders": lab_orders(reminder.tests),
        "requisition_url": _absolute(reverse("protocols:requisition")),
        "reason": humanize(reminder.reason),  # the engine's English, in the person's language
        "results_url": results_url(),
        "snooze_links": snooze_links,
        "unsubscribe_token": unsubscribe_token,
        "unsubscribe_url": _absolute(reverse("reminders:unsubscribe", args=[unsubscribe_token])),
        "settings_url": _absolute(reverse("accounts:preferences")),
        "SITE_URL": settings.SITE_URL,
    }


def reminder_headers(*, reminder: Reminder, unsubscribe_token: str) -> dict[str, str]:
    """Headers a mailbox provider checks: our own Message-ID domain, a Date with the
    person's real UTC offset, and RFC 8058 one-click unsubscribe (a POST to a signed URL)."""
    one_click = _absolute(reverse("reminders:one-click-unsubscribe", args=[unsubscribe_token]))
    return {
        "Message-ID": make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost"),
        "Date": format_datetime(timezone.now().astimezone(person_zone(reminder.user))),
        "List-Unsubscribe": f"<{one_click}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def reminder_email(*, reminder: Reminder, followup: bool, now: datetime) -> EmailMultiAlternatives:
    """The reminder (or its overdue variant) as a text + HTML message, ready to send, in the
    person's language (a worker has no request to take it from)."""
    with translation.override(person_locale(reminder.user)):
        return _reminder_message(reminder=reminder, followup=followup, now=now)


def _reminder_message(*, reminder: Reminder, followup: bool, now: datetime):
    context = reminder_email_context(reminder=reminder, followup=followup, now=now)
    name = "reminder-overdue" if context["overdue"] else "reminder"
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line, whatever the template's whitespace
        body=render_to_string(f"emails/{name}-body.txt", context),
        to=[reminder.user.email],
        headers=reminder_headers(reminder=reminder, unsubscribe_token=context["unsubscribe_token"]),
    )
    message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
    return message

"""The opt-in daily supplement email (issue #17): "Did you take them today?", once a day at
the person's first supplement time of day, in their zone and language.

A row is claimed for the day with a conditional update before the email goes out (the
reminders' rule, STYLE.md habit 3), so a second sweep, a retried task or a second worker
never sends it twice. A person who already logged every supplement today gets none.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.dates import person_locale, person_zone
from protocols.models import DoseEmail
from protocols.selectors import dose_rows

logger = logging.getLogger(__name__)


def dose_emails_due(*, now: datetime) -> list[tuple[DoseEmail, date]]:
    """The opted-in people whose first supplement time has come today (their zone) and who
    had no email today, each with their day. One query."""
    rows = (
        DoseEmail.objects.filter(user__is_active=True)
        .select_related("user")
        .annotate(first_at=Min("user__supplements__take_at"))
        .filter(first_at__isnull=False)
    )
    due = []
    for row in rows:
        local = now.astimezone(person_zone(row.user))
        if row.last_sent_on != local.date() and local.time() >= row.first_at:
            due.append((row, local.date()))
    return due


def dose_email_send(row: DoseEmail, *, today: date) -> bool:
    """Claim the day, then send; False when already sent today or nothing is left to take.
    A failed send gives the day back, so the next sweep tries again."""
    user = row.user
    pending = [r for r in dose_rows(user=user, today=today, last_draw=None) if not r.taken_today]
    if not pending:
        return False
    claimed = DoseEmail.objects.filter(pk=row.pk).exclude(last_sent_on=today)
    if not claimed.update(last_sent_on=today):
        return False
    try:
        with translation.override(person_locale(user)):
            _message(user, pending).send()
    except Exception:
        DoseEmail.objects.filter(pk=row.pk, last_sent_on=today).update(
            last_sent_on=row.last_sent_on
        )
        raise
    return True


def _message(user, pending) -> EmailMultiAlternatives:
    context = {
        "supplements": pending,
        "log_url": settings.SITE_URL + reverse("protocols:doses"),
        "settings_url": settings.SITE_URL + reverse("accounts:preferences"),
    }
    subject = render_to_string("emails/dose-subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject, render_to_string("emails/dose-body.txt", context), to=[user.email]
    )
    message.attach_alternative(render_to_string("emails/dose-body.html", context), "text/html")
    return message


def dose_emails_sweep(*, now: datetime) -> int:
    """Send every daily supplement email that is due; returns how many went out."""
    sent = 0
    for row, today in dose_emails_due(now=now):
        try:
            sent += dose_email_send(row, today=today)
        except OSError:  # the mail server is away: the day was given back, the next sweep retries
            logger.warning("daily supplement email not sent", extra={"user_id": row.user_id})
    return sent


def dose_email_switch(*, user, on: bool) -> None:
    """Opt in to (or out of) the daily supplement email."""
    if on:
        DoseEmail.objects.get_or_create(user=user)
    else:
        DoseEmail.objects.filter(user=user).delete()

"""The opt-in daily supplement email (issue #17): "Did you take them today?", once a day at
the person's first supplement time of day, in their zone and language.

A row is claimed for the day with a conditional update before the email goes out (the
reminders' rule, STYLE.md habit 3), so a second sweep, a retried task or a second worker
never sends it twice. A person who already logged every supplement today gets none.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.dates import person_locale, person_zone
from protocols.models import DoseEmail
from protocols.selectors import dose_rows

from .emails import link_url
from .links import ReminderLinkError

# A link in a daily email works for as long as a retest reminder's: 30 days.
DOSE_LINK_MAX_AGE = timedelta(days=30)
# Its own salt: a daily email's link never stops a retest reminder, nor the other way round.
_DOSE_SIGNER_SALT = "cofactor.doses.unsubscribe"

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
    with translation.override(person_locale(user)):  # labels and amounts in their language
        pending = [r for r in dose_rows(user=user, today=today, last_draw=None)
                   if not r.taken_today]  # fmt: skip
        if not pending:
            return False
        claimed = DoseEmail.objects.filter(pk=row.pk).exclude(last_sent_on=today)
        if not claimed.update(last_sent_on=today):
            return False
        message = dose_email_message(row, pending)
    try:
        message.send()
    except Exception:
        DoseEmail.objects.filter(pk=row.pk, last_sent_on=today).update(
            last_sent_on=row.last_sent_on
        )
        raise
    return True


def dose_link_token(row: DoseEmail) -> str:
    """The signed one-click unsubscribe token of a person's daily email, bound to the opt-in
    row: once they opt out (the row goes), every older link reads "used"."""
    payload = {"d": row.pk, "u": row.user_id}
    return signing.TimestampSigner(salt=_DOSE_SIGNER_SALT).sign_object(payload, compress=False)


def dose_email_from_link(token: str) -> DoseEmail:
    """The opt-in a valid unsubscribe link points to; ReminderLinkError (invalid, expired,
    used) else."""
    signer = signing.TimestampSigner(salt=_DOSE_SIGNER_SALT)
    try:
        payload = signer.unsign_object(token, max_age=DOSE_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ReminderLinkError("expired") from exc
    except (signing.BadSignature, ValueError) as exc:
        raise ReminderLinkError("invalid") from exc
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), int) for k in "du"):
        raise ReminderLinkError("invalid")
    row = DoseEmail.objects.select_related("user").filter(pk=payload["d"], user_id=payload["u"])
    found = row.first()
    if found is None:
        raise ReminderLinkError("used")
    return found


def dose_email_headers(row: DoseEmail, token: str) -> dict[str, str]:
    """What the retest reminder carries too: a Message-ID on the site's domain, a Date with
    the person's real UTC offset and RFC 8058 one-click unsubscribe (a POST, this email's
    own link)."""
    return {
        "Message-ID": make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost"),
        "Date": format_datetime(datetime.now(person_zone(row.user))),
        "List-Unsubscribe": f"<{link_url('reminders:dose-one-click-unsubscribe', token)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def dose_email_message(row: DoseEmail, pending) -> EmailMultiAlternatives:
    """The daily email in the active language (the caller's: the person's)."""
    token = dose_link_token(row)
    context = {
        "supplements": pending,
        "log_url": settings.SITE_URL + reverse("protocols:doses"),
        "settings_url": settings.SITE_URL + reverse("accounts:preferences"),
        "unsubscribe_url": link_url("reminders:dose-unsubscribe", token),
    }
    subject = " ".join(render_to_string("emails/dose-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject,
        render_to_string("emails/dose-body.txt", context),
        to=[row.user.email],
        headers=dose_email_headers(row, token),
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


def dose_email_unsubscribe(row: DoseEmail) -> None:
    """A one-click link's opt-out: the daily email only (retest reminders stay as they are)."""
    DoseEmail.objects.filter(pk=row.pk).delete()


def dose_email_switch(*, user, on: bool) -> None:
    """Opt in to (or out of) the daily supplement email."""
    if on:
        DoseEmail.objects.get_or_create(user=user)
    else:
        DoseEmail.objects.filter(user=user).delete()

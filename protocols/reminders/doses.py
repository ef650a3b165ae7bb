"""The opt-in daily supplement email (issue #17): "Did you take them today?", once a day at
the person's first supplement time of day, in their zone and language.

A row is claimed for the day with a conditional update before the email goes out (the
reminders' rule, STYLE.md habit 3), so a second sweep, a retried task or a second worker
never sends it twice. A person who already logged every supplement today gets none.

The selection is set-based (three queries for any number of people); each email then costs
its one claiming statement, as a retest reminder's send does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    TimeField,
    Value,
    When,
)
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.dates import person_locale, person_zone
from protocols.models import NUTRIENT_CHOICES, DoseEmail, DoseLog, SupplementIntake
from protocols.presenters import fmt_range

from .emails import link_url
from .links import ReminderLinkError

# A link in a daily email works for as long as a retest reminder's: 30 days.
DOSE_LINK_MAX_AGE = timedelta(days=30)
# Its own salt: a daily email's link never stops a retest reminder, nor the other way round.
_DOSE_SIGNER_SALT = "cofactor.doses.unsubscribe"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingDose:
    """A supplement not logged yet today, as the email lists it (the person's language)."""

    label: str
    amount: str  # "4.000 IE" for a German reader
    take_at: time | None


def _zone_clocks(now: datetime, zones) -> dict[str, tuple[date, time]]:
    """Each zone name's local day and time at `now` (an unknown name reads as UTC, as
    accounts.dates.person_zone has it): the zones come from the database, the clocks from
    Python's tzdata, so PostgreSQL never has to know a zone name."""
    clocks = {}
    for name in zones:
        try:
            local = now.astimezone(ZoneInfo(name or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            local = now.astimezone(UTC)
        clocks[name] = (local.date(), local.time())
    return clocks


def _per_zone(clocks: dict[str, tuple[date, time]], part: int, field, zone_path: str) -> Case:
    """The local day (part 0) or time of day (part 1) of each row's person, as SQL."""
    return Case(
        *(When(**{zone_path: name}, then=Value(clock[part])) for name, clock in clocks.items()),
        output_field=field,
    )


def dose_emails_due(*, now: datetime) -> list[tuple[DoseEmail, date, list]]:
    """The opted-in people whose first supplement time has come today (their zone), who had
    no email today and have something not logged yet today, each with their day and those
    supplements (raw rows; `dose_email_send` words them).

    Set-based: three queries however many people are opted in or due (the zones in use;
    the due rows with their person; the pending supplements of all of them)."""
    opted_in = DoseEmail.objects.filter(user__is_active=True)
    zones = opted_in.order_by().values_list("user__time_zone", flat=True).distinct()
    clocks = _zone_clocks(now, list(zones))
    if not clocks:
        return []
    day = _per_zone(clocks, 0, DateField(), "user__time_zone")
    first_at = (
        SupplementIntake.objects.filter(user_id=OuterRef("user_id"), take_at__isnull=False)
        .order_by("take_at")
        .values("take_at")[:1]
    )
    logged = DoseLog.objects.filter(intake=OuterRef("pk"), taken_on=OuterRef(OuterRef("local_day")))
    pending = SupplementIntake.objects.filter(user_id=OuterRef("user_id")).exclude(Exists(logged))
    rows = list(
        opted_in.select_related("user")
        .annotate(
            local_day=day,
            local_time=_per_zone(clocks, 1, TimeField(), "user__time_zone"),
            first_at=Subquery(first_at),
        )
        .filter(first_at__lte=F("local_time"))
        .filter(Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=F("local_day")))
        .filter(Exists(pending))
        .order_by("pk")
    )
    if not rows:
        return []
    intake_day = _per_zone(clocks, 0, DateField(), "user__time_zone")
    taken = DoseLog.objects.filter(intake=OuterRef("pk"), taken_on=OuterRef("local_day"))
    supplements: dict[int, list] = {}
    for intake in (
        SupplementIntake.objects.filter(user_id__in=[row.user_id for row in rows])
        .annotate(local_day=intake_day)
        .exclude(Exists(taken))
        .order_by("nutrient", "pk")
        .values("user_id", "nutrient", "amount", "unit", "take_at")
    ):
        supplements.setdefault(intake["user_id"], []).append(intake)
    return [(row, row.local_day, supplements.get(row.user_id, [])) for row in rows]


def _worded(intakes) -> list[PendingDose]:
    """The supplements in the active language: its labels, its number grouping."""
    labels = dict(NUTRIENT_CHOICES)
    return [
        PendingDose(
            label=str(labels.get(i["nutrient"], i["nutrient"])),
            amount=fmt_range(i["amount"], i["amount"], i["unit"]),
            take_at=i["take_at"],
        )
        for i in intakes
    ]


def dose_email_send(row: DoseEmail, *, today: date, intakes) -> bool:
    """Claim the day (one statement), then send; False when already sent today or nothing
    is left to take. A failed send gives the day back, so the next sweep tries again."""
    if not intakes:
        return False
    claimed = DoseEmail.objects.filter(pk=row.pk).exclude(last_sent_on=today)
    if not claimed.update(last_sent_on=today):
        return False
    with translation.override(person_locale(row.user)):  # labels and amounts in their language
        message = dose_email_message(row, _worded(intakes))
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
    for row, today, intakes in dose_emails_due(now=now):
        try:
            sent += dose_email_send(row, today=today, intakes=intakes)
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

"""The pure schedule applied to a person: their time zone and REMINDER_LOCAL_HOUR."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from accounts.dates import person_today, person_zone
from accounts.models import User

from . import schedule


def reminder_send_at(*, user: User, due_on: date, now: datetime | None = None) -> datetime:
    """When the first email goes out: REMINDER_LOCAL_HOUR local, `lead days` before due_on."""
    return schedule.first_email_at(
        due_on=due_on,
        lead_days=user.reminder_lead_days,
        zone=person_zone(user),
        hour=settings.REMINDER_LOCAL_HOUR,
        now=now or timezone.now(),
    )


def reminder_followup_at(*, user: User, due_on: date, sent_on: date | None = None) -> datetime:
    """The overdue follow-up: 7 days after the due date (or after a late first email), 09:00."""
    return schedule.followup_email_at(
        due_on=due_on, sent_on=sent_on, zone=person_zone(user), hour=settings.REMINDER_LOCAL_HOUR
    )


def reminder_snoozed_at(*, user: User, weeks: int, now: datetime) -> datetime:
    return schedule.snoozed_email_at(
        today=person_today(user, now),
        weeks=weeks,
        zone=person_zone(user),
        hour=settings.REMINDER_LOCAL_HOUR,
    )

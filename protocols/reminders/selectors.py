"""Reads: the person's open reminder, the rows the sweep wants, the backlog for operators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet

from accounts.dates import person_zone
from accounts.models import User
from protocols.models import NUTRIENT_CHOICES, CalendarFeed, DoseEmail, Reminder, SupplementIntake
from protocols.presenters import fmt_range

from .calendar import DailyDose

State = Reminder.State
DUE_FIRST_STATES = (State.SCHEDULED, State.SNOOZED)


def next_reminder(user: User) -> Reminder | None:
    """The person's open reminder (at most one), for the dashboard and the settings page;
    its `user` is the one given (no join: the caller has the person already)."""
    found = Reminder.objects.filter(user=user, state__in=Reminder.OPEN_STATES).first()
    if found is not None:
        found.user = user
    return found


def calendar_feed_for(user: User) -> CalendarFeed | None:
    """The person's calendar feed, or None while they have not turned one on."""
    return CalendarFeed.objects.filter(user=user).first()


def dose_email_on(user: User) -> bool:
    """Whether the person turned on the daily supplement email (one query)."""
    return DoseEmail.objects.filter(user=user).exists()


def daily_doses(user: User, *, host: str) -> list[DailyDose]:
    """The person's supplements that have a time of day, as daily calendar events: from the
    day each was started (else the day it was recorded). One query."""
    labels = dict(NUTRIENT_CHOICES)
    zone = person_zone(user)
    intakes = SupplementIntake.objects.filter(user=user, take_at__isnull=False).order_by("take_at")
    return [
        DailyDose(
            uid=f"supplement-{intake.pk}@{host}",
            label=f"{labels.get(intake.nutrient, intake.nutrient)} "
            + fmt_range(intake.amount, intake.amount, intake.unit),
            at=intake.take_at,
            starts_on=intake.since or intake.created_at.astimezone(zone).date(),
        )
        for intake in intakes
    ]


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The live feed this token opens, with its owner; None for a replaced, turned-off or
    made-up token, or an inactive account."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    return feed if feed and feed.user.is_active else None


def _due(now: datetime, first_states: tuple[str, ...], followup_states: tuple[str, ...]) -> Q:
    first = Q(state__in=first_states, send_at__lte=now)
    followup = Q(state__in=followup_states, send_at__lte=now, user__overdue_followup=True)
    return first | followup


def due_reminders(*, now: datetime) -> QuerySet[Reminder]:
    """Rows whose next email may go out now: first emails and wanted overdue follow-ups,
    unless a temporary failure set a later next attempt.

    One query; the (state, send_at) index serves both branches.
    """
    not_waiting = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return Reminder.objects.filter(_due(now, DUE_FIRST_STATES, (State.SENT,)) & not_waiting)


def reminders_to_enqueue(*, now: datetime, queue_lost: bool = False) -> QuerySet[Reminder]:
    """Due rows the sweep has not enqueued yet; every due row if the queue was lost.

    `enqueued_at` keeps a backlog from being enqueued again each sweep. When the send queue
    is empty while rows are still marked enqueued and unclaimed, their messages are gone (a
    broker restarted or flushed): the caller says so and they are enqueued again at once.
    """
    rows = due_reminders(now=now)
    return rows if queue_lost else rows.filter(enqueued_at__isnull=True)


@dataclass(frozen=True)
class ReminderBacklog:
    """Emails that are due and not sent: an operator's sign of a mail or worker outage."""

    due: int  # due and not sent, including rows waiting for a retry or being sent
    retrying: int  # of those, rows whose last attempt failed for a temporary reason
    oldest_due_at: datetime | None


def reminder_backlog(*, now: datetime) -> ReminderBacklog:
    """The backlog in one query (no person's data: counts and one time)."""
    waiting = (*DUE_FIRST_STATES, State.SENDING)
    followups = (State.SENT, State.FOLLOWUP_SENDING)
    numbers = Reminder.objects.filter(_due(now, waiting, followups)).aggregate(
        due=Count("pk"),
        retrying=Count("pk", filter=Q(failing_since__isnull=False)),
        oldest_due_at=Min("send_at"),
    )
    return ReminderBacklog(**numbers)

"""Reads: the person's open reminder, and the rows the sweep wants."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import User
from protocols.models import Reminder

State = Reminder.State
DUE_FIRST_STATES = (State.SCHEDULED, State.SNOOZED)


def next_reminder(user: User) -> Reminder | None:
    """The person's open reminder (at most one), for the dashboard and the settings page."""
    open_rows = Reminder.objects.select_related("user").filter(state__in=Reminder.OPEN_STATES)
    return open_rows.filter(user=user).first()


def due_reminders(*, now: datetime) -> QuerySet[Reminder]:
    """Rows whose next email is due: first emails and wanted overdue follow-ups.

    One query; the (state, send_at) index serves both branches.
    """
    first = Q(state__in=DUE_FIRST_STATES, send_at__lte=now)
    followup = Q(state=State.SENT, send_at__lte=now, user__overdue_followup=True)
    return Reminder.objects.filter(first | followup)


def reminders_to_enqueue(*, now: datetime) -> QuerySet[Reminder]:
    """Due rows the sweep has not enqueued yet, or enqueued too long ago to trust the queue.

    A message can vanish (a worker killed with prefetched messages, a flushed broker); after
    REMINDER_SENDING_TIMEOUT the row is enqueued again, and the claim keeps that harmless.
    """
    cutoff = now - timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT)
    fresh = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)
    return due_reminders(now=now).filter(fresh)

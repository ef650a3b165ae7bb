"""Beat's sweep: hand back rows a killed worker left in "sending", pick due rows to enqueue."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from protocols.models import Reminder

from .selectors import reminders_to_enqueue

logger = logging.getLogger(__name__)

State = Reminder.State


def reminders_release_stuck(*, now: datetime) -> int:
    """Hand rows left in a sending state by a killed worker back to the sweep."""
    cutoff = now - timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT)
    released = Reminder.objects.filter(state=State.SENDING, updated_at__lte=cutoff).update(
        state=State.SCHEDULED, enqueued_at=None, updated_at=now
    )
    released += Reminder.objects.filter(
        state=State.FOLLOWUP_SENDING, updated_at__lte=cutoff
    ).update(state=State.SENT, enqueued_at=None, updated_at=now)
    if released:
        logger.warning("released %d reminders stuck in sending", released)
    return released


def reminders_pick_due(*, now: datetime) -> list[int]:
    """Release stuck rows, select every due row in one query and mark it enqueued at `now`.

    A constant number of statements whatever the row count: two releases, one select, one
    update. The caller enqueues the ids after this commits (and unmarks them if it cannot).
    """
    with transaction.atomic():
        reminders_release_stuck(now=now)
        rows = reminders_to_enqueue(now=now)
        ids: Sequence[int] = list(rows.values_list("pk", flat=True))
        if ids:
            rows.update(enqueued_at=now)
    return list(ids)


def reminders_unmark(*, enqueued_at: datetime) -> None:
    """The broker refused a sweep's rows: unmark them so the next sweep enqueues them."""
    Reminder.objects.filter(enqueued_at=enqueued_at).update(enqueued_at=None)

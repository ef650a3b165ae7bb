"""Beat's sweep: hand back rows a dead worker left in "sending", pick due rows to enqueue."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from protocols.models import Reminder

from .selectors import reminders_to_enqueue

logger = logging.getLogger(__name__)

State = Reminder.State


def reminders_release_stuck(*, now: datetime) -> int:
    """Hand back rows left in a sending state for REMINDER_SENDING_TIMEOUT.

    Only a worker that died between claiming a row and recording its outcome leaves one
    there (every failure is recorded on the row); the timeout is longer than any send.
    """
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


def reminders_pick_due(*, now: datetime, queue_lost: bool = False) -> list[int]:
    """Release stuck rows, select the due rows to enqueue, mark them enqueued at `now`.

    A constant number of statements whatever the row count: two releases, one select, one
    update. The caller enqueues the ids after this commits (and unmarks them if it cannot).
    No row locks: two beats sweeping at once may enqueue a row twice, and the claim makes
    the second copy a no-op (locking 100,000 due rows would cost more than it saves).
    """
    with transaction.atomic():
        reminders_release_stuck(now=now)
        rows = reminders_to_enqueue(now=now, queue_lost=queue_lost)
        ids = list(rows.values_list("pk", flat=True))
        if ids:
            Reminder.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids


def reminders_unmark(*, enqueued_at: datetime) -> None:
    """The broker refused a sweep's rows: unmark them so the next sweep enqueues them."""
    Reminder.objects.filter(enqueued_at=enqueued_at).update(enqueued_at=None)

"""Celery tasks for reminders (thin: they call the sweep and sending) and enqueueing them.

Two queues (config/settings.py, Procfile): the sweep runs on the default "light" queue, the
sends on SEND_QUEUE, so thousands of queued emails never delay the next sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import ChannelError

from protocols.models import Reminder

from .doses import dose_emails_sweep
from .sending import reminders_send
from .sweep import reminders_pick_due, reminders_unmark

logger = logging.getLogger(__name__)

SEND_QUEUE = "sends"


@shared_task(acks_late=True, queue=SEND_QUEUE)
def send_dose_emails() -> int:
    """Beat's sweep of the opt-in daily supplement emails (protocols.reminders.doses)."""
    return dose_emails_sweep(now=timezone.now())


@shared_task(acks_late=True)
def send_due_reminders() -> int:
    """Beat's sweep: enqueue the due reminders, in batches, for the send workers."""
    return reminders_sweep()


@shared_task(acks_late=True, queue=SEND_QUEUE)
def send_reminders(reminder_ids: list[int]) -> dict[str, int]:
    """Claim and send a batch over one SMTP connection; a duplicate or late copy is a no-op.

    No Celery retries: a temporary failure is written on the row (next_attempt_at) and a
    later sweep sends it, so retries survive a lost queue and follow the row's back-off.
    """
    return dict(reminders_send(reminder_ids=reminder_ids))


def send_queue_length() -> int | None:
    """Messages waiting in the send queue, or None if the broker cannot be asked."""
    try:
        with send_reminders.app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1)
            declared = connection.default_channel.queue_declare(queue=SEND_QUEUE, passive=True)
            return declared.message_count
    except ChannelError:  # the queue does not exist: nothing was ever queued, or it was lost
        return 0
    except Exception:  # the broker is down: the enqueue below will say so too
        logger.warning("could not read the length of the %s queue", SEND_QUEUE)
        return None


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Pick every due row and enqueue it after commit; the broker being down loses nothing.

    An empty send queue means every row still marked enqueued has lost its message (nothing
    is waiting to claim it): those are enqueued again now, not after a timeout.
    """
    now = now or timezone.now()
    queue_lost = send_queue_length() == 0
    ids = reminders_pick_due(now=now, queue_lost=queue_lost)
    if ids:
        transaction.on_commit(lambda: _enqueue_swept(ids, now))
    return len(ids)


def _enqueue_swept(ids: Sequence[int], swept_at: datetime) -> None:
    if reminders_enqueue(ids) < len(ids):
        reminders_unmark(enqueued_at=swept_at)


def reminders_enqueue(reminder_ids: Sequence[int]) -> int:
    """Enqueue send tasks of REMINDER_SEND_BATCH ids over one broker connection; never raises.

    Returns how many ids were enqueued. A broker outage must not break the caller (a web
    request saving results, or the sweep): the rows stay due and the next sweep retries.
    """
    count = 0
    try:
        with send_reminders.app.producer_or_acquire() as producer:
            size = settings.REMINDER_SEND_BATCH
            for start in range(0, len(reminder_ids), size):
                batch = list(reminder_ids[start : start + size])
                send_reminders.apply_async((batch,), producer=producer)
                count += len(batch)
    except Exception:  # any broker/transport error: log it, the sweep catches up
        logger.exception("could not enqueue reminders (enqueued %d); next sweep retries", count)
    return count


def reminder_enqueue_if_due(reminder: Reminder | None) -> None:
    """After commit, enqueue a reminder that is already due instead of waiting for the sweep."""
    if reminder is not None and reminder.send_at <= timezone.now():
        reminder_id = reminder.pk
        transaction.on_commit(lambda: reminders_enqueue([reminder_id]))

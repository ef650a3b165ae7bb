"""Celery tasks for reminders (thin: they call sweep and sending) and enqueueing them."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from protocols.models import Reminder

from .sending import reminder_send
from .sweep import reminders_pick_due, reminders_unmark

logger = logging.getLogger(__name__)

# What a flaky mail server raises; anything else is a bug and must not loop.
SEND_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(acks_late=True)
def send_due_reminders() -> int:
    """Beat's sweep: enqueue one send_reminder per due reminder (ids only)."""
    return reminders_sweep()


@shared_task(
    acks_late=True,
    autoretry_for=SEND_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def send_reminder(reminder_id: int) -> str:
    """Claim, send and mark one reminder; a duplicate or late copy of this task is a no-op.

    After the last retry the row is left scheduled, so the next sweep tries again.
    """
    return reminder_send(reminder_id=reminder_id)


def reminders_sweep(*, now=None) -> int:
    """Pick every due row and enqueue it after commit; the broker being down loses nothing."""
    now = now or timezone.now()
    ids = reminders_pick_due(now=now)
    if ids:
        transaction.on_commit(lambda: _enqueue_swept(ids, now))
    return len(ids)


def _enqueue_swept(ids: list[int], swept_at) -> None:
    if reminders_enqueue(ids) < len(ids):
        reminders_unmark(enqueued_at=swept_at)


def reminders_enqueue(reminder_ids: Iterable[int]) -> int:
    """Enqueue one send_reminder task per id over one broker connection; never raises.

    A broker outage must not break the caller (a web request saving results, or the sweep):
    the rows stay due and the next sweep enqueues them again.
    """
    count = 0
    try:
        with send_reminder.app.producer_or_acquire() as producer:
            for reminder_id in reminder_ids:
                send_reminder.apply_async((reminder_id,), producer=producer)
                count += 1
    except Exception:  # any broker/transport error: log it, the sweep catches up
        logger.exception("could not enqueue reminders (enqueued %d); next sweep retries", count)
    return count


def reminder_enqueue_if_due(reminder: Reminder | None) -> None:
    """After commit, enqueue a reminder that is already due instead of waiting for the sweep."""
    if reminder is not None and reminder.send_at <= timezone.now():
        reminder_id = reminder.pk
        transaction.on_commit(lambda: reminders_enqueue([reminder_id]))

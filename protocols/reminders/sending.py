"""Claim a due row, send its email, record the outcome.

Delivery guarantee. A send is two short committed steps around the SMTP call: a conditional
UPDATE claims the row (scheduled → sending, exactly one caller wins), the email goes out, a
guarded UPDATE marks it sent. No database transaction or row lock is held across the network
call, so a slow SMTP server never blocks the web app and a duplicated or retried task never
sends twice: it finds the row already claimed and skips.

The one window left is a worker killed after the SMTP server accepted the message and before
the "sent" UPDATE committed (milliseconds). The row then stays in `sending`; the sweep hands
it back to `scheduled` after REMINDER_SENDING_TIMEOUT and it is sent again. We chose this
at-least-once edge over at-most-once (mark sent first, then send) because a duplicate
reminder is a nuisance while a lost one is a missed blood test.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from accounts.dates import person_today
from protocols.models import Reminder

from .emails import reminder_email
from .selectors import DUE_FIRST_STATES
from .times import reminder_followup_at

logger = logging.getLogger(__name__)

State = Reminder.State
MAX_SEND_ATTEMPTS = 12  # task retries plus sweeps: after this, a message that cannot go out stops


@dataclass(frozen=True)
class _Step:
    """One email a reminder can send: where it is claimed from, and where it ends up."""

    claim_from: tuple[str, ...]
    sending: str
    done: str
    back_to: str
    followup: bool


FIRST = _Step(DUE_FIRST_STATES, State.SENDING, State.SENT, State.SCHEDULED, followup=False)
FOLLOWUP = _Step((State.SENT,), State.FOLLOWUP_SENDING, State.FOLLOWUP_SENT, State.SENT, True)


def _step_for(reminder: Reminder) -> _Step | None:
    if reminder.state in FIRST.claim_from:
        return FIRST
    if reminder.state == State.SENT and reminder.user.overdue_followup:
        return FOLLOWUP
    return None


def reminder_claim(*, reminder_id: int, step: _Step, now: datetime) -> bool:
    """Claim a due row for one sender: a conditional UPDATE that exactly one caller wins."""
    claimed = Reminder.objects.filter(
        pk=reminder_id, state__in=step.claim_from, send_at__lte=now
    ).update(state=step.sending, updated_at=now, attempts=F("attempts") + 1)
    return claimed == 1


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str:
    """Claim, send and mark one reminder. Returns what happened ("sent", "skipped", …).

    Raises the email backend's error after handing the row back, so the task retries.
    """
    now = now or timezone.now()
    reminder = Reminder.objects.select_related("user").filter(pk=reminder_id).first()
    if reminder is None:
        return "missing"
    step = _step_for(reminder)
    if step is None:
        return "skipped"
    if not reminder.user.reminders_enabled:
        Reminder.objects.filter(pk=reminder_id, state__in=step.claim_from).update(
            state=State.CANCELLED, updated_at=now
        )
        return "disabled"
    if not reminder_claim(reminder_id=reminder_id, step=step, now=now):
        return "skipped"
    reminder.refresh_from_db()
    try:
        reminder_email(reminder=reminder, followup=step.followup, now=now).send()
    except Exception:
        # Hand the row back (only if still ours) so the retry, or the next sweep, claims it;
        # after MAX_SEND_ATTEMPTS give up, so a message that can never be sent stops looping.
        gave_up = reminder.attempts >= MAX_SEND_ATTEMPTS
        Reminder.objects.filter(pk=reminder_id, state=step.sending).update(
            state=State.CANCELLED if gave_up else step.back_to, updated_at=timezone.now()
        )
        if gave_up:
            logger.exception(
                "Reminder %s cancelled after %s attempts", reminder_id, MAX_SEND_ATTEMPTS
            )
        raise
    return _mark_sent(reminder=reminder, step=step, now=now)


def _mark_sent(*, reminder: Reminder, step: _Step, now: datetime) -> str:
    sent = timezone.now()
    if step.followup:
        fields = {"followup_sent_at": sent}
    else:
        sent_on = person_today(reminder.user, sent)
        followup_at = reminder_followup_at(
            user=reminder.user, due_on=reminder.due_on, sent_on=sent_on
        )
        fields = {"sent_at": sent, "send_at": followup_at}
    marked = Reminder.objects.filter(pk=reminder.pk, state=step.sending).update(
        state=step.done, enqueued_at=None, updated_at=sent, **fields
    )
    if not marked:
        # A new plan moved it (or a link cancelled it) while the email was in flight.
        logger.info("reminder %s changed while its email was being sent", reminder.pk)
    return "sent"

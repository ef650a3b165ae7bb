"""Claim due rows, send their emails over one SMTP connection, record each outcome.

Delivery guarantee. A send is short committed steps around the SMTP call: a conditional
UPDATE claims the batch's due rows (scheduled → sending; a row locked or already claimed by
another sender is skipped, so exactly one sender wins it), each email goes out, and a guarded
UPDATE right after each one records what happened. No transaction or row lock is held across
the network, so a slow mail server never blocks the web app, and a duplicated or late task
never sends twice: it finds the rows already claimed (or sent) and skips them.

Outcomes. Sent → the next state. A temporary failure (4xx, a dropped connection, a timeout, a
server that is down — or a bug) → back to the due state with next_attempt_at set by
schedule.retry_delay; failures go on being retried until REMINDER_RETRY_HORIZON_SECONDS,
then the row is failed. A permanent refusal of the recipient (5xx to RCPT or DATA) → failed
at once, with the server's reply for the person and for staff. Nothing here cancels: only
the person (reminders off, unsubscribe) or a plan without a retest does.

The one window left is a worker killed after the mail server accepted a message and before
its UPDATE committed (milliseconds). The row then stays in `sending`; the sweep hands it
back after REMINDER_SENDING_TIMEOUT and it is sent again. We chose this at-least-once edge
over at-most-once because a duplicate reminder is a nuisance while a lost one is a missed
blood test. The same goes for a connection lost after the server took the message but before
it said so: SMTP cannot tell, so the message is retried.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import smtplib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from accounts.dates import person_today
from accounts.models import entered_unit_columns, entered_units_of
from protocols.models import Reminder

from . import schedule
from .emails import reminder_email
from .selectors import DUE_FIRST_STATES, due_reminders
from .times import reminder_followup_at

logger = logging.getLogger(__name__)

State = Reminder.State


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


# --- what went wrong ---------------------------------------------------------------------


@dataclass(frozen=True)
class SendFailure:
    """Why one email did not go out, as far as SMTP tells."""

    permanent: bool  # the server refused this recipient (or message) for good: 5xx
    reply: str  # the server's reply, or the error, readable by the person and staff
    code: int | None  # the SMTP reply code, for the log (the reply may hold the address)
    connection_lost: bool  # the SMTP connection cannot carry another message


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def _reply(code: int, message: bytes | str) -> SendFailure:
    return SendFailure(
        permanent=500 <= code < 600,
        reply=f"{code} {_text(message)}"[:300],
        code=code,
        connection_lost=code == 421,  # smtplib has closed the connection after a 421
    )


def classify_failure(error: BaseException) -> SendFailure:
    """Temporary or permanent: only a 5xx answer about this recipient or message is final."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, message = next(iter(error.recipients.values()))
        return _reply(code, message)
    if isinstance(error, smtplib.SMTPDataError):
        return _reply(error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPResponseException):
        # The sender refused, a failed login, a 421 greeting: the server or our setup is at
        # fault, not the person's address, so it is retried (staff see it in the admin).
        failure = _reply(error.smtp_code, error.smtp_error)
        return SendFailure(False, failure.reply, failure.code, connection_lost=True)
    reply = _text(str(error)) or type(error).__name__
    return SendFailure(False, f"{type(error).__name__}: {reply}"[:300], None, True)


# --- one connection per batch ------------------------------------------------------------


class _Mailer:
    """One SMTP connection for a batch: opened on first use, reopened after it broke.

    If it cannot even be opened (the server is down), the rest of the batch is not tried:
    every remaining row gets the same temporary failure instead of a connect timeout each.
    """

    def __init__(self) -> None:
        self.backend = get_connection()
        self.is_open = False
        self.down: SendFailure | None = None

    def send(self, message: EmailMessage) -> None:
        if not self.is_open:
            try:
                self.backend.open()
            except Exception as error:
                self.down = classify_failure(error)
                raise
            self.is_open = True
        if isinstance(self.backend, SMTPBackend):
            _smtp_send(self.backend, message)
        elif self.backend.send_messages([message]) != 1:
            raise smtplib.SMTPException("the mail backend did not send the message")

    def drop(self) -> None:
        try:
            self.backend.close()
        except Exception:  # a broken connection may fail to say goodbye; it is gone anyway
            logger.debug("SMTP connection closed uncleanly", exc_info=True)
        self.is_open = False


def _smtp_send(backend: SMTPBackend, message: EmailMessage) -> None:
    """What Django's SMTPBackend._send does (same envelope, same bytes, errors raised), with
    the envelope addresses sanitised cheaply: Django parses From and To with the stdlib's
    header parser for every email, a seventh of a send's CPU."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    sender = _sanitized_sender(message.from_email, encoding)
    recipients = [sanitized_address(address, encoding) for address in message.recipients()]
    if not recipients:
        raise smtplib.SMTPException("the message has no recipient")
    backend.connection.sendmail(sender, recipients, message.message().as_bytes(linesep="\r\n"))


_sanitized_sender = functools.lru_cache(maxsize=16)(sanitize_address)  # DEFAULT_FROM_EMAIL
# A plain ASCII dot-atom address: sanitize_address returns it unchanged (a test checks).
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*"
)


def sanitized_address(address: str, encoding: str) -> str:
    """django.core.mail.message.sanitize_address, without parsing a plain address."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, encoding)


# --- claim, send, record -----------------------------------------------------------------


def reminders_claim(*, reminder_ids: Iterable[int], now: datetime) -> list[tuple[Reminder, _Step]]:
    """Claim the due rows among `reminder_ids` for this sender: 2–4 statements per batch.

    Rows another sender holds (locked) or has claimed (no longer due) are skipped; a row of a
    person who has turned reminders off is cancelled instead of sent.
    """
    with transaction.atomic():
        rows = list(
            due_reminders(now=now)
            .filter(pk__in=list(reminder_ids))
            .select_related("user")
            .annotate(**entered_unit_columns("user_id"))  # the reason's units, no query each
            .select_for_update(of=("self",), skip_locked=True)
        )
        for row in rows:
            row.user.remember_entered_units(entered_units_of(row))
        off = [row.pk for row in rows if not row.user.reminders_enabled]
        if off:
            Reminder.objects.filter(pk__in=off).update(state=State.CANCELLED, updated_at=now)
        claimed = [(row, _step_for(row)) for row in rows if row.pk not in off]
        for step in (FIRST, FOLLOWUP):
            ids = [row.pk for row, row_step in claimed if row_step is step]
            if ids:
                Reminder.objects.filter(pk__in=ids).update(
                    state=step.sending,
                    updated_at=now,
                    attempts=Case(
                        When(failing_since__isnull=True, then=Value(1)),
                        default=F("attempts") + 1,
                    ),
                )
    for row, step in claimed:
        logger.info("reminder %s: %s → %s", row.pk, row.state, step.sending)
        row.state = step.sending
        row.attempts = 1 if row.failing_since is None else row.attempts + 1
    return claimed


def reminders_send(*, reminder_ids: Iterable[int], now: datetime | None = None) -> Counter:
    """Claim a batch, send each email over one SMTP connection, record each outcome.

    Returns how many were "sent", put back to "retry", "failed"; rows not claimed are not
    counted (another sender has them, or they are not due).
    """
    now = now or timezone.now()
    outcomes: Counter = Counter()
    _commit_without_waiting_for_disk()
    claimed = reminders_claim(reminder_ids=reminder_ids, now=now)
    if not claimed:
        return outcomes
    mailer = _Mailer()
    try:
        for reminder, step in claimed:
            outcomes[_deliver(reminder, step, mailer, now)] += 1
    finally:
        mailer.drop()
    return outcomes


def _commit_without_waiting_for_disk() -> None:
    """PostgreSQL's asynchronous commit for this connection's claims and outcomes.

    Each outcome is its own short commit (one per email, so a killed worker leaves at most
    the email in flight unrecorded); waiting for the WAL flush on each was most of a send's
    time. A worker that dies loses nothing this way — the server has the commit. Only a
    crash of the database server itself can drop the last fraction of a second of records,
    and those reminders are then sent again: the same at-least-once edge as above.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str:
    """Claim and send one reminder (demos, tests): "sent", "retry", "failed" or "skipped"."""
    outcomes = reminders_send(reminder_ids=[reminder_id], now=now)
    return next(iter(outcomes), "skipped")


def _deliver(reminder: Reminder, step: _Step, mailer: _Mailer, now: datetime) -> str:
    if mailer.down is not None:
        return _record_failure(reminder, step, mailer.down, now)
    try:
        mailer.send(reminder_email(reminder=reminder, followup=step.followup, now=now))
    except Exception as error:
        failure = classify_failure(error)
        if not isinstance(error, smtplib.SMTPException | OSError):
            logger.exception("reminder %s: unexpected error while sending", reminder.pk)
        if failure.connection_lost:
            mailer.drop()
        return _record_failure(reminder, step, failure, now)
    return _mark_sent(reminder, step)


def _mark_sent(reminder: Reminder, step: _Step) -> str:
    sent = timezone.now()
    if step.followup:
        fields = {"followup_sent_at": sent}
    else:
        sent_on = person_today(reminder.user, sent)
        followup_at = reminder_followup_at(
            user=reminder.user, due_on=reminder.due_on, sent_on=sent_on
        )
        fields = {"sent_at": sent, "send_at": followup_at}
    _record(reminder, step, step.done, sent, next_attempt_at=None, failing_since=None,
            last_error="", **fields)  # fmt: skip
    return "sent"


def _record_failure(reminder: Reminder, step: _Step, failure: SendFailure, now: datetime) -> str:
    failing_since = reminder.failing_since or now
    horizon = settings.REMINDER_RETRY_HORIZON_SECONDS
    if failure.permanent or schedule.gave_up(failing_since=failing_since, now=now, horizon=horizon):
        reply = failure.reply if failure.permanent else f"{failure.reply} (kept failing)"[:300]
        _record(reminder, step, State.FAILED, now, code=failure.code, next_attempt_at=None,
                failing_since=failing_since, last_error=reply)  # fmt: skip
        return "failed"
    delay = schedule.retry_delay(
        failures=reminder.attempts,
        minimum=settings.REMINDER_RETRY_MIN_SECONDS,
        maximum=settings.REMINDER_RETRY_MAX_SECONDS,
        jitter=random.random(),  # noqa: S311 - spreading retries, not a secret
    )
    _record(reminder, step, step.back_to, now, code=failure.code, next_attempt_at=now + delay,
            failing_since=failing_since, last_error=failure.reply)  # fmt: skip
    return "retry"


def _record(reminder: Reminder, step: _Step, state: str, now: datetime, *, code=None, **fields):
    """One guarded UPDATE per email: only a row this sender still holds is changed."""
    values = {"state": state, "enqueued_at": None, "updated_at": now, **fields}
    with connection.cursor() as cursor:
        cursor.execute(_guarded_update(tuple(values)), _update_params(values, reminder, step))
        changed = cursor.rowcount
    if not changed:
        # A new plan moved it (or a link cancelled it) while the email was in flight.
        logger.info("reminder %s: changed elsewhere while its email was being sent", reminder.pk)
        return
    detail = f" (SMTP {code})" if code else ""
    logger.info("reminder %s: %s → %s%s", reminder.pk, step.sending, state, detail)


# Reminder.objects.filter(pk=…, state=step.sending).update(**values), with its SQL built once
# per set of fields: the ORM spent 0.5 ms of CPU building each one, a fifth of a send.


@functools.cache
def _guarded_update(names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    columns = [quote(Reminder._meta.get_field(name).column) for name in names]
    assignments = ", ".join(f"{column} = %s" for column in columns)
    table, pk = quote(Reminder._meta.db_table), quote(Reminder._meta.pk.column)
    state = quote(Reminder._meta.get_field("state").column)
    # Only the model's own quoted names go into the text; every value is a parameter.
    return f"UPDATE {table} SET {assignments} WHERE {pk} = %s AND {state} = %s"  # noqa: S608


def _update_params(values: dict, reminder: Reminder, step: _Step) -> list:
    fields = [Reminder._meta.get_field(name) for name in values]
    params = [
        f.get_db_prep_save(v, connection) for f, v in zip(fields, values.values(), strict=True)
    ]
    return [*params, reminder.pk, step.sending]

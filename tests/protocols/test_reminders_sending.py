"""Sending against a real SMTP server (aiosmtpd on loopback) that answers what a test says:
one connection per batch, temporary failures retried with back-off, 5xx failed for good."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.mail.message import sanitize_address
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from protocols.models import Reminder
from protocols.reminders import schedule
from protocols.reminders.selectors import due_reminders, next_reminder, reminder_backlog
from protocols.reminders.sending import (
    FIRST,
    _mark_sent,
    classify_failure,
    reminders_send,
    sanitized_address,
)
from tests.factories import ReminderFactory, UserFactory
from tests.protocols.smtp_server import FaultySmtpServer

pytestmark = pytest.mark.django_db
State = Reminder.State
REFUSED = "550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown"


@pytest.fixture
def smtp(settings):
    server = FaultySmtpServer().start()
    for name, value in server.email_settings().items():
        setattr(settings, name, int(value) if name in {"EMAIL_PORT", "EMAIL_TIMEOUT"} else value)
    settings.EMAIL_USE_TLS = False
    yield server
    server.stop()


def _due(*emails: str, **fields) -> list[Reminder]:
    return [ReminderFactory(user=UserFactory(email=email), **fields) for email in emails]


def _ids(reminders: list[Reminder]) -> list[int]:
    return [reminder.pk for reminder in reminders]


def _reload(reminders: list[Reminder]) -> list[Reminder]:
    rows = Reminder.objects.in_bulk(_ids(reminders))
    return [rows[reminder.pk] for reminder in reminders]


def test_a_batch_goes_out_over_one_connection_and_each_row_is_sent_once(smtp):
    reminders = _due(*(f"p{n}@example.org" for n in range(5)))
    assert reminders_send(reminder_ids=_ids(reminders)) == Counter(sent=5)
    assert reminders_send(reminder_ids=_ids(reminders)) == Counter()  # a duplicate task
    assert smtp.delivered == Counter({f"p{n}@example.org": 1 for n in range(5)})
    assert smtp.connections == 1
    assert {row.state for row in _reload(reminders)} == {State.SENT}


def test_a_send_costs_one_statement_and_a_batch_five_more(smtp):
    # Per batch: asynchronous commit on, and the claim's transaction (begin or savepoint, one
    # locking select, one update, commit or release); then one guarded update per email.
    counts = {}
    for size in (10, 20):
        reminders = _due(*(f"q{size}-{n}@example.org" for n in range(size)))
        with CaptureQueriesContext(connection) as queries:
            assert reminders_send(reminder_ids=_ids(reminders)) == Counter(sent=size)
        counts[size] = len(queries)
    assert counts[20] - counts[10] == 10  # exactly one statement per email
    # PostgreSQL's batch also turns asynchronous commit on (SQLite has no such statement).
    assert counts[10] - 10 == (5 if connection.vendor == "postgresql" else 4)


def test_a_451_puts_the_row_back_with_a_backed_off_next_attempt(smtp, settings):
    (reminder,) = _due("grey@example.org")
    smtp.outage = "451 4.3.0 Mail server temporarily rejected message"
    before = timezone.now()
    assert reminders_send(reminder_ids=[reminder.pk], now=before) == Counter(retry=1)
    reminder.refresh_from_db()
    assert reminder.state == State.SCHEDULED  # never cancelled
    assert reminder.last_error.startswith("451 4.3.0")
    assert reminder.failing_since == before and reminder.attempts == 1
    wait = (reminder.next_attempt_at - before).total_seconds()
    minimum = settings.REMINDER_RETRY_MIN_SECONDS
    assert minimum <= wait <= minimum * (1 + schedule.RETRY_JITTER)
    # Not due before its next attempt, even for a duplicate task already in the queue.
    assert reminder not in due_reminders(now=reminder.next_attempt_at - timedelta(seconds=1))
    assert reminders_send(reminder_ids=[reminder.pk]) == Counter()
    smtp.outage = None
    later = reminder.next_attempt_at
    assert reminders_send(reminder_ids=[reminder.pk], now=later) == Counter(sent=1)
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.SENT, 2)
    assert (reminder.next_attempt_at, reminder.failing_since, reminder.last_error) == (
        None,
        None,
        "",
    )
    assert smtp.delivered == Counter({"grey@example.org": 1})


def test_a_550_fails_that_row_with_the_reply_and_the_others_are_sent(smtp):
    reminders = _due("a@example.org", "gone@example.org", "b@example.org")
    smtp.refuse["gone@"] = REFUSED
    outcomes = reminders_send(reminder_ids=_ids(reminders))
    assert outcomes == Counter(sent=2, failed=1)
    first, gone, last = _reload(reminders)
    assert (first.state, last.state) == (State.SENT, State.SENT)
    assert gone.state == State.FAILED and gone.last_error == REFUSED
    assert gone.next_attempt_at is None
    assert next_reminder(gone.user) == gone  # still the person's open reminder, shown
    assert smtp.delivered == Counter({"a@example.org": 1, "b@example.org": 1})
    assert smtp.connections == 1  # a refused recipient does not cost the connection


def test_a_dropped_connection_is_reopened_for_the_rest_of_the_batch(smtp):
    reminders = _due("c@example.org", "drop@example.org", "d@example.org")
    smtp.refuse["drop@"] = "drop"
    assert reminders_send(reminder_ids=_ids(reminders)) == Counter(sent=2, retry=1)
    dropped = _reload(reminders)[1]
    assert dropped.state == State.SCHEDULED and dropped.next_attempt_at is not None
    assert smtp.connections == 2
    assert smtp.delivered == Counter({"c@example.org": 1, "d@example.org": 1})


def test_a_server_that_is_down_puts_the_whole_batch_back(smtp):
    reminders = _due("e@example.org", "f@example.org", "g@example.org")
    smtp.stop()
    assert reminders_send(reminder_ids=_ids(reminders)) == Counter(retry=3)
    rows = _reload(reminders)
    assert {row.state for row in rows} == {State.SCHEDULED}
    assert all("ConnectionRefusedError" in row.last_error for row in rows)


def test_a_failing_follow_up_goes_back_to_sent_until_its_next_attempt(smtp):
    (reminder,) = _due("h@example.org", state=State.SENT)
    smtp.outage = "421 4.3.2 Service shutting down"
    assert reminders_send(reminder_ids=[reminder.pk]) == Counter(retry=1)
    reminder.refresh_from_db()
    assert reminder.state == State.SENT and reminder.next_attempt_at > timezone.now()


def test_temporary_failures_go_on_for_the_horizon_then_fail_never_cancel(smtp, settings):
    (reminder,) = _due("i@example.org")
    smtp.outage = "451 4.7.1 Try again later"
    now, outcomes = timezone.now(), []
    horizon = timedelta(seconds=settings.REMINDER_RETRY_HORIZON_SECONDS)
    while reminder.state != State.FAILED:
        outcomes.append(next(iter(reminders_send(reminder_ids=[reminder.pk], now=now))))
        reminder.refresh_from_db()
        assert reminder.state in (State.SCHEDULED, State.FAILED)
        now = reminder.next_attempt_at or now
    # Defaults: a minute doubling to four hours, for three days: about two dozen attempts.
    assert 15 <= outcomes.count("retry") <= 30 and outcomes[-1] == "failed"
    assert now - reminder.failing_since >= horizon
    assert reminder.last_error == "451 4.7.1 Try again later (kept failing)"


def test_a_row_moved_while_its_email_was_in_flight_keeps_its_new_schedule(user):
    reminder = ReminderFactory(user=user, state=State.SENDING)
    # The claim was won, then a new plan moved it before the worker recorded the send.
    Reminder.objects.filter(pk=reminder.pk).update(state=State.SCHEDULED)
    _mark_sent(reminder, FIRST)
    reminder.refresh_from_db()
    assert reminder.state == State.SCHEDULED


def test_the_backlog_counts_due_unsent_rows_and_the_oldest_due_time(smtp, other_user):
    now = timezone.now()
    oldest = now - timedelta(hours=2)
    retrying = _due("j@example.org", send_at=oldest)[0]
    _due("k@example.org", send_at=now - timedelta(minutes=1))
    _due("l@example.org", send_at=now + timedelta(days=1))  # not due yet
    _due("m@example.org", state=State.DONE)
    Reminder.objects.filter(pk=retrying.pk).update(
        failing_since=now, next_attempt_at=now + timedelta(minutes=5)
    )
    backlog = reminder_backlog(now=now)
    assert (backlog.due, backlog.retrying, backlog.oldest_due_at) == (2, 1, oldest)


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("550 5.1.1 unknown", True), ("554 5.7.1 rejected", True), ("452 4.2.2 full", False)],
)
def test_only_a_5xx_about_the_recipient_is_permanent(reply, permanent):
    import smtplib

    code, text = reply.split(" ", 1)
    refused = smtplib.SMTPRecipientsRefused({"x@example.org": (int(code), text.encode())})
    assert classify_failure(refused).permanent is permanent
    sender = smtplib.SMTPSenderRefused(int(code), text.encode(), "us@example.org")
    assert classify_failure(sender).permanent is False  # our sender: our problem, retried
    assert classify_failure(TimeoutError("timed out")).permanent is False


@given(
    failures=st.integers(min_value=1, max_value=200),
    jitter=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_the_back_off_starts_at_the_minimum_doubles_and_stays_under_the_cap(failures, jitter):
    minimum, maximum = 60.0, 4 * 3600.0
    delay = schedule.retry_delay(failures=failures, minimum=minimum, maximum=maximum, jitter=jitter)
    seconds = delay.total_seconds()
    assert minimum <= seconds <= maximum * (1 + schedule.RETRY_JITTER)
    shortest_next = schedule.retry_delay(
        failures=failures + 1, minimum=minimum, maximum=maximum, jitter=0
    )
    assert shortest_next.total_seconds() >= min(2 * seconds / (1 + schedule.RETRY_JITTER), maximum)


@given(code=st.integers(min_value=400, max_value=599), stage=st.sampled_from(["rcpt", "data"]))
def test_a_4xx_is_always_retried_and_a_5xx_about_the_message_always_final(code, stage):
    import smtplib

    if stage == "rcpt":
        error = smtplib.SMTPRecipientsRefused({"x@example.org": (code, b"reply")})
    else:
        error = smtplib.SMTPDataError(code, b"reply")
    failure = classify_failure(error)
    assert failure.permanent is (code >= 500)
    assert failure.reply == f"{code} reply" and failure.code == code


@pytest.mark.django_db(False)
@settings_(max_examples=500, deadline=None)
@given(
    address=st.emails()
    | st.from_regex(r"[A-Za-z0-9_.+-]{1,12}@[A-Za-z0-9.-]{1,20}", fullmatch=True)
    | st.text(max_size=30)
)
def test_an_envelope_address_is_sanitised_as_django_does(address):
    assert _outcome(sanitized_address, address) == _outcome(sanitize_address, address)


def _outcome(sanitise, address: str) -> str | type:
    try:
        return sanitise(address, "utf-8")
    except Exception as error:  # an address Django refuses: both refuse it
        return type(error)

"""The thin tasks and the demo command, run in-process (the real worker path is in
test_reminder_worker.py)."""

import logging

import pytest
from django.core.management import call_command

from config.celery import app as celery_app
from protocols.models import Reminder
from protocols.reminders.tasks import (
    SEND_ERRORS,
    reminders_enqueue,
    send_due_reminders,
    send_reminder,
)
from tests.factories import ReminderFactory

pytestmark = pytest.mark.django_db


def test_send_reminder_loads_by_id_and_sends(user, mailoutbox):
    reminder = ReminderFactory(user=user)
    assert send_reminder.apply(args=[reminder.pk]).get() == "sent"
    assert send_reminder.apply(args=[reminder.pk]).get() == "skipped"
    assert len(mailoutbox) == 1


def test_send_reminder_retries_mail_server_errors_with_backoff():
    assert send_reminder.autoretry_for == SEND_ERRORS
    assert send_reminder.retry_backoff and send_reminder.retry_jitter
    assert send_reminder.max_retries > 0
    assert send_reminder.acks_late


def test_the_sweep_task_counts_due_reminders(user, django_capture_on_commit_callbacks):
    ReminderFactory(user=user)
    with django_capture_on_commit_callbacks(execute=False):
        assert send_due_reminders.apply().get() == 1


def test_beat_runs_the_sweep_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-due-reminders"]
    assert entry == {"task": "protocols.reminders.tasks.send_due_reminders", "schedule": 300.0}


def test_enqueueing_with_the_broker_down_logs_and_never_raises(caplog):
    old = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    celery_app._pool = celery_app.amqp._producer_pool = None
    try:
        with caplog.at_level(logging.ERROR, logger="protocols.reminders"):
            assert reminders_enqueue([1, 2, 3]) == 0
    finally:
        celery_app.conf.broker_url = old
        celery_app._pool = celery_app.amqp._producer_pool = None
    assert "could not enqueue reminders" in caplog.text


def test_the_demo_command_sends_due_reminders_inline(user, mailoutbox, capsys):
    reminder = ReminderFactory(user=user)
    call_command("send_reminders", "--inline")
    assert "Sent 1 of 1" in capsys.readouterr().out
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.SENT
    assert len(mailoutbox) == 1


def test_the_demo_command_enqueues_by_default(user, capsys, django_capture_on_commit_callbacks):
    ReminderFactory(user=user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("send_reminders")
    assert "Enqueued 1" in capsys.readouterr().out
    assert len(callbacks) == 1

"""The thin tasks and the demo command, run in-process (the real worker path is in
test_reminder_worker.py)."""

import logging

import pytest
from django.core.management import call_command

from config.celery import app as celery_app
from protocols.models import Reminder
from protocols.reminders.tasks import (
    SEND_QUEUE,
    reminders_enqueue,
    send_due_reminders,
    send_reminders,
)
from tests.factories import ReminderFactory

pytestmark = pytest.mark.django_db


def test_send_reminders_loads_by_id_and_sends_once(user, mailoutbox):
    reminder = ReminderFactory(user=user)
    assert send_reminders.apply(args=[[reminder.pk]]).get() == {"sent": 1}
    assert send_reminders.apply(args=[[reminder.pk]]).get() == {}  # a duplicate: no-op
    assert len(mailoutbox) == 1


def test_sends_have_their_own_queue_and_no_celery_retries(settings):
    # A temporary failure is written on the row (next_attempt_at) for the sweep, so no
    # retries of the task's own: they would spend the attempts in a minute.
    assert send_reminders.queue == SEND_QUEUE != settings.CELERY_TASK_DEFAULT_QUEUE
    assert send_reminders.acks_late and not getattr(send_reminders, "autoretry_for", ())
    assert getattr(send_due_reminders, "queue", None) is None  # the default "light" queue


def test_the_sweep_task_counts_due_reminders(user, django_capture_on_commit_callbacks):
    ReminderFactory(user=user)
    with django_capture_on_commit_callbacks(execute=False):
        assert send_due_reminders.apply().get() == 1


def test_beat_runs_the_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-due-reminders"]
    assert entry["task"] == "protocols.reminders.tasks.send_due_reminders"
    assert entry["schedule"] == 60.0
    assert entry["options"] == {"expires": 60.0}  # sweeps never pile up behind each other


def test_enqueueing_with_the_broker_down_logs_and_never_raises(caplog):
    old = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    celery_app._pool = celery_app.amqp._producer_pool = None
    try:
        with caplog.at_level(logging.ERROR, logger="protocols.reminders.tasks"):
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

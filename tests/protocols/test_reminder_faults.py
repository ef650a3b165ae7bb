"""Fault injection on the real path, as the Procfile runs it: beat → a private redis-server
→ a "light" worker (the sweep) and a "sends" worker → a real SMTP server (aiosmtpd, in this
process) that answers 451/421/550 or is slow, and a broker that loses its queue.

Every period and timeout is the default divided by the same factor, so their ratios are the
defaults' (sweep 60 s, retry 60 s doubling to 4 h for 3 days, stuck "sending" after 30 min).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from html import escape

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from protocols.models import Reminder
from protocols.reminders.tasks import reminders_enqueue, send_queue_length
from tests.conftest import require
from tests.protocols.celery_processes import (
    Beat,
    RedisServer,
    Worker,
    publishing_to,
    running,
    wait_for,
)
from tests.protocols.smtp_server import FaultySmtpServer

pytestmark = [
    pytest.mark.redis,
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
State = Reminder.State
DEFAULTS = {  # seconds, as in config/settings.py
    "REMINDER_SWEEP_SECONDS": 60,
    "REMINDER_RETRY_MIN_SECONDS": 60,
    "REMINDER_RETRY_MAX_SECONDS": 4 * 3600,
    "REMINDER_RETRY_HORIZON_SECONDS": 3 * 24 * 3600,
    "REMINDER_SENDING_TIMEOUT": 30 * 60,
}


def scaled(factor: float) -> dict[str, str]:
    """Every reminder period and timeout divided by `factor`: the defaults' ratios, shorter."""
    return {name: f"{seconds / factor:g}" for name, seconds in DEFAULTS.items()}


@pytest.fixture(autouse=True)
def _services():
    require(RedisServer.available(), "redis-server on PATH")
    require(connection.vendor == "postgresql", "PostgreSQL through DATABASE_URL")


@pytest.fixture
def redis():
    server = RedisServer().start()
    with publishing_to(server.url):
        yield server
    server.stop()


@pytest.fixture
def smtp():
    server = FaultySmtpServer().start()
    yield server
    server.stop()


def _processes(tmp_path, redis, smtp, env, *, sends=True, beat=True):
    """The Procfile's processes: a sends worker, a light worker, beat."""
    env = {**smtp.email_settings(), **env}
    processes = []
    if sends:
        processes.append(Worker(tmp_path, broker=redis.url, name="sends", queues="sends", **env))
    processes.append(
        Worker(tmp_path, broker=redis.url, name="light", queues="light", concurrency=1, **env)
    )
    if beat:
        processes.append(Beat(tmp_path, broker=redis.url, **env))
    return processes


def _due(prefix: str, count: int) -> list[Reminder]:
    now = timezone.now()
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{n}@example.org", time_zone=_daytime_zone()) for n in range(count)]
    )
    return list(
        Reminder.objects.bulk_create(
            [
                Reminder(user=user, send_at=now - timedelta(seconds=1), due_on=now.date(),
                         tests=["vitd_25oh"], reason="correction")
                for user in users
            ]
        )
    )  # fmt: skip


def _daytime_zone() -> str:
    """A fixed-offset zone where it is about noon now (emails are dated in the person's zone)."""
    offset = (12 - timezone.now().hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"


def _states(reminders) -> Counter:
    ids = [reminder.pk for reminder in reminders]
    return Counter(Reminder.objects.filter(pk__in=ids).values_list("state", flat=True))


def test_a_mail_outage_longer_than_every_setting_loses_nothing(tmp_path, redis, smtp, settings):
    # 1/600 of the defaults: sweep 0.1 s, retry 0.1 s doubling to 24 s, horizon 7.2 min.
    # The outage lasts 30 s (421, then dropped connections, then 451): longer than the
    # longest wait between retries. (With the old code: cancelled after 12 attempts, 0 % sent.)
    # No worker dies here, so the stuck-"sending" timeout (3 s at this scale) is set past the
    # test's length: at 3 s a send slowed by a loaded machine was handed back and sent twice,
    # and recovery within the bound below now also shows it never waits for that timeout.
    env = scaled(600) | {"REMINDER_SENDING_TIMEOUT": "300"}
    reminders = _due("outage", 100)
    smtp.outage = "421 4.3.2 Service shutting down"  # then cut connections, then 451
    with running(*_processes(tmp_path, redis, smtp, env)) as processes:
        wait_for(lambda: smtp.connections > 20, 30, "the outage to be hit")
        time.sleep(10)
        smtp.outage = "drop"
        time.sleep(10)
        smtp.outage = "451 4.3.0 Mail server temporarily rejected message"
        time.sleep(10)
        during = _states(reminders)
        smtp.outage = None
        recovered = time.monotonic()
        wait_for(lambda: _states(reminders) == Counter({State.SENT: 100}), 60, "all 100 sent")
        took = time.monotonic() - recovered
        time.sleep(1)  # room for a wrong second email to show up
        output = processes[0].output()
    assert State.CANCELLED not in during and State.FAILED not in during
    assert smtp.delivered == Counter({f"outage{n}@example.org": 1 for n in range(100)})
    rows = Reminder.objects.filter(pk__in=[r.pk for r in reminders])
    assert min(row.attempts for row in rows) >= 2  # each failed in the outage, then was sent
    print(f"mail outage: all 100 delivered {took:.1f} s after the server recovered")
    assert took <= 24 * 1.25 + 10  # the longest back-off after the outage, a sweep, slack
    for line in ("→ scheduled (SMTP 421)", "→ scheduled (SMTP 451)", "sending → sent"):
        assert line in output


def test_a_550_fails_that_reminder_visibly_and_the_others_are_delivered(
    tmp_path, redis, smtp, client
):
    reminders = _due("bounce", 5)
    gone = reminders[2].user
    reply = f"550 5.1.1 <{gone.email}>: Recipient address rejected: User unknown"
    smtp.refuse[gone.email] = reply
    with running(*_processes(tmp_path, redis, smtp, scaled(60))):
        wait_for(
            lambda: _states(reminders) == Counter({State.SENT: 4, State.FAILED: 1}),
            30,
            "four sent and one failed",
        )
    failed = Reminder.objects.get(user=gone)
    assert failed.state == State.FAILED and failed.last_error == reply
    assert sum(smtp.delivered.values()) == 4 and gone.email not in smtp.delivered
    client.force_login(gone)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert f"We could not deliver your retest reminder to {gone.email}: {escape(reply)}" in page


def test_a_lost_queue_is_refilled_within_one_sweep_not_after_the_stuck_timeout(
    tmp_path, redis, smtp
):
    env = scaled(30)  # sweep 2 s, stuck timeout 60 s
    reminders = _due("lost", 10)
    light_and_beat = _processes(tmp_path, redis, smtp, env, sends=False)
    sends = Worker(
        tmp_path, broker=redis.url, name="sends", queues="sends", **smtp.email_settings(), **env
    )
    with running(*light_and_beat):
        # No send worker yet: the sweep enqueues the rows and their messages wait.
        wait_for(lambda: send_queue_length() or 0, 20, "the rows to be enqueued")
        assert not Reminder.objects.filter(enqueued_at__isnull=True).exists()
        redis.stop()  # the queue is gone with it (no persistence)
        redis.start()
        back, back_at = time.monotonic(), timezone.now()
        wait_for(
            lambda: not Reminder.objects.filter(enqueued_at__lt=back_at).exists(),
            30,
            "every row to be enqueued again",
        )
        requeued = time.monotonic() - back
        with running(sends):
            wait_for(lambda: _states(reminders) == Counter({State.SENT: 10}), 60, "all sent")
    assert smtp.delivered == Counter({f"lost{n}@example.org": 1 for n in range(10)})
    # Within one sweep period (2 s) of the broker's return, plus the light worker's own
    # reconnection; the old recovery waited for the stuck timeout (60 s here, 30 min live).
    print(f"lost queue: every row enqueued again {requeued:.1f} s after Redis came back")
    assert requeued < 2 + 5 < 60, requeued


def test_the_sweep_is_not_delayed_behind_5000_queued_sends(tmp_path, redis, smtp, settings):
    env = {**scaled(60), "REMINDER_SEND_BATCH": "1"}  # sweep every second, one email a task
    settings.REMINDER_SEND_BATCH = 1
    smtp.delay = 1.0  # a slow mail server: the send workers drain about 2 emails a second
    backlog = _due("backlog", 5000)
    Reminder.objects.filter(pk__in=[r.pk for r in backlog]).update(enqueued_at=timezone.now())
    assert reminders_enqueue([r.pk for r in backlog]) == 5000
    with running(*_processes(tmp_path, redis, smtp, env)):
        wait_for(lambda: smtp.connections > 0, 30, "the sends to start")
        (probe,) = _due("probe", 1)
        due = time.monotonic()
        wait_for(
            lambda: Reminder.objects.filter(pk=probe.pk, enqueued_at__isnull=False).exists(),
            10,
            "the sweep to pick up a newly due reminder",
            every=0.05,
        )
        latency = time.monotonic() - due
        queued = send_queue_length()
    print(f"5,000 queued sends: the sweep picked up a new row after {latency:.2f} s")
    assert queued >= 4900  # the sends were still waiting when the sweep ran
    assert latency < 1 + 2  # one sweep period, plus a little

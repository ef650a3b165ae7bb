"""The real path: beat's sweep → Redis → a Celery worker process → email files.

Not eager: a worker subprocess reads the test database (PostgreSQL, so both processes see
it) and writes emails with a file backend (tests.protocols.reminder_backends) that these
tests count. Needs REDIS_URL and a PostgreSQL DATABASE_URL: skipped locally without them,
failed in CI. Locally:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reminders_dev \
    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/pytest tests/protocols/test_reminder_worker.py

Each test flushes only the Redis database in REDIS_URL.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from labs.models import Panel
from protocols.models import Plan, Reminder
from protocols.reminders.tasks import reminders_sweep, send_reminders
from tests.conftest import require
from tests.factories import ReminderFactory, UserFactory
from tests.protocols.celery_processes import (
    Beat,
    RedisServer,
    Worker,
    publishing_to,
    redis_client,
    redis_up,
    running,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
State = Reminder.State

pytestmark = [
    pytest.mark.redis,
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _services():
    require(redis_up(REDIS_URL), "a running Redis at REDIS_URL")
    require(connection.vendor == "postgresql", "PostgreSQL through DATABASE_URL")
    redis_client(REDIS_URL).flushdb()  # only our own database number


def _daytime_zone() -> str:
    """A fixed-offset zone where it is about noon now, so a due reminder goes out at once."""
    offset = (12 - timezone.now().hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"  # Etc/GMT-3 means UTC+3


def _due(prefix: str, count: int, width: int = 1) -> list[Reminder]:
    """Due reminders for prefix0@…, prefix1@… (numbers zero-padded to `width`), oldest first."""
    now = timezone.now()
    return [
        ReminderFactory(
            user=UserFactory(email=f"{prefix}{n:0{width}d}@example.org"),
            send_at=now - timedelta(seconds=count - n),  # the sweep enqueues in this order
        )
        for n in range(count)
    ]


def _states(reminders: list[Reminder]) -> Counter:
    return Counter(
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).values_list("state", flat=True)
    )


def _all_sent(reminders: list[Reminder]) -> Callable[[], bool]:
    return lambda: _states(reminders) == Counter({State.SENT: len(reminders)})


@pytest.fixture
def worker(tmp_path):
    with running(
        Worker(tmp_path, broker=REDIS_URL, name="main", REMINDER_TEST_FAIL_FIRST="2")
    ) as started:
        yield started


def test_a_due_reminder_is_emailed_exactly_once(worker):
    reminders = _due("one", 1)
    assert reminders_sweep() == 1
    wait_for(_all_sent(reminders), 30, "the reminder to be sent")
    time.sleep(1)  # room for a wrong second email to show up
    assert worker.recipients() == Counter({"one0@example.org": 1}), worker.output()


def test_duplicate_tasks_and_concurrent_sweeps_send_one_email_each(worker):
    reminders = _due("dup", 6)
    for reminder in reminders:  # the same task, enqueued twice by hand
        send_reminders.delay([reminder.pk])
        send_reminders.delay([reminder.pk])

    def sweep() -> None:
        try:
            reminders_sweep()
        finally:
            close_old_connections()
            connection.close()

    sweeps = [threading.Thread(target=sweep) for _ in range(2)]  # two beats at once
    for thread in sweeps:
        thread.start()
    for thread in sweeps:
        thread.join()
    wait_for(_all_sent(reminders), 40, "every reminder to be sent")
    time.sleep(1.5)  # the remaining duplicates drain; each must skip
    assert worker.recipients() == Counter({f"dup{n}@example.org": 1 for n in range(6)})


def test_smtp_failing_then_recovering_is_retried_and_sent_once(tmp_path, settings):
    # The file backend fails the first two sends to flaky*; the row backs off (shortened
    # here) and the sweeps in this process hand it to the worker again when it is due.
    settings.REMINDER_RETRY_MIN_SECONDS = 0.2
    reminders = _due("flaky", 1)
    worker = Worker(tmp_path, broker=REDIS_URL, name="flaky", REMINDER_TEST_FAIL_FIRST="2",
                    REMINDER_RETRY_MIN_SECONDS="0.2")  # fmt: skip

    def swept_and_sent() -> bool:
        reminders_sweep()
        return _all_sent(reminders)()

    with running(worker):
        wait_for(swept_and_sent, 40, "the retried reminder to be sent", every=0.5)
    reminder = Reminder.objects.get(pk=reminders[0].pk)
    assert reminder.attempts == 3  # two failures, then the send
    assert worker.recipients() == Counter({"flaky0@example.org": 1})
    # One JSON line per state change, through the web's redacting formatter; no address.
    changes = [line["message"] for line in _json_lines(worker) if line["logger"] == SENDING_LOG]
    pk = reminders[0].pk
    assert changes.count(f"reminder {pk}: sending → scheduled") == 2
    assert changes[-1] == f"reminder {pk}: sending → sent"
    assert "flaky0@" not in worker.output()


SENDING_LOG = "protocols.reminders.sending"


def _json_lines(process) -> list[dict]:
    """The process's log lines (JSON, config.logs); Celery's startup banner is plain print."""
    return [json.loads(line) for line in process.output().splitlines() if line.startswith("{")]


def test_worker_and_beat_log_one_json_object_a_line_like_the_web(tmp_path):
    processes = [Worker(tmp_path, broker=REDIS_URL, name="logs"), Beat(tmp_path, broker=REDIS_URL)]
    with running(*processes):
        pass  # started: each has logged its ready line
    for process in processes:
        lines = _json_lines(process)
        assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
        assert any(line["logger"].startswith("celery") for line in lines)  # Celery's own too
        assert not [line for line in process.output().splitlines() if "INFO/" in line]


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(tmp_path, settings):
    # One batch of 20: batch00–09 send at once; batch10 hangs inside the email backend, before
    # anything is written (10 sent, 10 claimed). Then the whole worker is SIGKILLed:
    # mid-send, never just after.
    settings.REMINDER_SENDING_TIMEOUT = 3  # the sweep in this process releases stuck rows
    reminders = _due("batch", 20, width=2)
    first = Worker(
        tmp_path, broker=REDIS_URL, name="killed", REMINDER_TEST_HANG_PREFIX="batch1"
    ).start()
    mid_batch = Counter({State.SENT: 10, State.SENDING: 10})  # one batch, claimed at once
    try:
        reminders_sweep()
        wait_for(lambda: _states(reminders) == mid_batch, 30, f"{mid_batch} before the kill")
    finally:
        first.kill()
    assert first.recipients() == Counter({f"batch{n:02d}@example.org": 1 for n in range(10)})
    with running(Worker(tmp_path, broker=REDIS_URL, name="restarted")) as second:
        time.sleep(3.5)  # past REMINDER_SENDING_TIMEOUT: rows stuck in "sending" come back

        def swept_and_sent() -> bool:
            reminders_sweep()  # beat's next runs
            return _all_sent(reminders)()

        wait_for(swept_and_sent, 40, "the batch to be completed after the restart", every=2)
        time.sleep(1)
        counts = second.recipients()  # same mail folder: both workers' emails
    assert counts == Counter({f"batch{n:02d}@example.org": 1 for n in range(20)})


def _post_old_panel(client) -> HttpResponse:
    """Results drawn 200 days ago through the entry form: the plan's retest is overdue, so
    its reminder is due at once and enqueued when the request's transaction commits."""
    drawn_on = timezone.localdate() - timedelta(days=200)
    return client.post(
        reverse("labs:panel-create"),
        {"drawn_on": drawn_on.isoformat(), "lab": "", "notes": "", "fasting": "",
         "row": ["r0", "r1"], "analyte": ["vitd_25oh", "mg_rbc"], "value": ["22", "4.2"],
         "unit": ["ng/mL", "mg/dL"]},
    )  # fmt: skip


def test_a_redis_restart_breaks_nothing_and_loses_nothing(tmp_path, user, client, caplog):
    require(RedisServer.available(), "redis-server on PATH")
    user.time_zone = _daytime_zone()
    user.reminder_lead_days = 3
    user.save()
    client.force_login(user)
    redis = RedisServer().start()
    url = redis.url
    try:
        with running(Worker(tmp_path, broker=url, name="restart")) as worker, publishing_to(url):
            redis.stop()
            # The web app while Redis is down: results are saved through the entry form, the
            # plan is computed and stored, its due reminder is enqueued on commit — which
            # fails, is logged, and never reaches the person as an error.
            response = _post_old_panel(client)
            assert response.status_code == 302, response.content.decode()[:2000]
            assert Panel.objects.filter(user=user).count() == 1
            assert Plan.objects.filter(user=user).exists()
            failed_on_commit = caplog.text.count("could not enqueue reminders")
            assert failed_on_commit >= 1  # the request did try the broker
            assert client.get(reverse("protocols:plan")).status_code == 200
            assert client.get(reverse("dashboard:home")).status_code == 200
            assert reminders_sweep() == 1  # beat's sweep during the outage: no exception
            assert caplog.text.count("could not enqueue reminders") == failed_on_commit + 1
            reminder = Reminder.objects.get(user=user)
            assert reminder.state == State.SCHEDULED  # nothing lost: still due
            redis.start()

            def swept_and_sent() -> bool:
                reminders_sweep()
                return _all_sent([reminder])()

            wait_for(swept_and_sent, 60, "the reminder after Redis came back", every=2)
            time.sleep(1)
            assert worker.recipients() == Counter({user.email: 1})
    finally:
        redis.stop()

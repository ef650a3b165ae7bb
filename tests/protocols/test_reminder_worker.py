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

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from labs.models import Panel
from protocols.models import Plan, Reminder
from protocols.reminders.tasks import reminders_sweep, send_reminder
from tests.conftest import require
from tests.factories import ReminderFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
State = Reminder.State

pytestmark = [
    pytest.mark.redis,
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1)


def _redis_up(url: str) -> bool:
    try:
        return bool(url) and bool(_redis_client(url).ping())
    except Exception:
        return False


@pytest.fixture(autouse=True)
def _services():
    require(_redis_up(REDIS_URL), "a running Redis at REDIS_URL")
    require(connection.vendor == "postgresql", "PostgreSQL through DATABASE_URL")
    _redis_client(REDIS_URL).flushdb()  # only our own database number


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, every=0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def _daytime_zone() -> str:
    """A fixed-offset zone where it is about noon now, so a due reminder goes out at once."""
    offset = (12 - timezone.now().hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"  # Etc/GMT-3 means UTC+3


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A `celery worker` subprocess on the test database; emails go to `mail_dir`."""

    def __init__(self, tmp: Path, *, broker: str, name: str, **env: str):
        self.mail_dir = tmp / "mail"
        self.log = tmp / f"worker-{name}.log"
        for folder in (self.mail_dir, tmp / "fail"):
            folder.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker,
            "EMAIL_BACKEND": "tests.protocols.reminder_backends.WorkerTestEmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "REMINDER_TEST_FAIL_DIR": str(tmp / "fail"),
            "COFACTOR_VAR_DIR": str(tmp),
            **env,
        }
        self.name = name
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
            "--concurrency=2", "--loglevel=INFO", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "-n", f"{self.name}-{os.getpid()}@%h",
        ]  # fmt: skip
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for(lambda: " ready." in self.log.read_text(), 45, f"worker {self.name} ready")
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): no clean shutdown."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def recipients(self) -> Counter:
        """How many emails each address got, over every file the backend wrote."""
        counts: Counter = Counter()
        for path in self.mail_dir.glob("*.log"):
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("To: "):
                    counts[line[4:].strip()] += 1
        return counts

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def running(worker: Worker) -> Iterator[Worker]:
    try:
        yield worker.start()
    finally:
        worker.stop()


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Point this (the web) process's Celery app at another broker for a while."""
    old = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url = old
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


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
        send_reminder.delay(reminder.pk)
        send_reminder.delay(reminder.pk)

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


def test_smtp_failing_then_recovering_is_retried_and_sent_once(worker):
    reminders = _due("flaky", 1)  # the backend fails the first two sends to flaky*
    reminders_sweep()
    wait_for(_all_sent(reminders), 40, "the retried reminder to be sent")
    reminder = Reminder.objects.get(pk=reminders[0].pk)
    assert reminder.attempts == 3  # two failures, then the send
    assert worker.recipients() == Counter({"flaky0@example.org": 1})
    assert "Retry in" in worker.output()


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(tmp_path, settings):
    # batch00–09 send at once; batch10–19 hang inside the email backend, before anything is
    # written. When both pool processes hang (10 sent, 2 sending, the rest queued or
    # prefetched by the worker), the whole worker is SIGKILLed: mid-send, never just after.
    settings.REMINDER_SENDING_TIMEOUT = 3  # the sweep in this process releases stuck rows
    reminders = _due("batch", 20, width=2)
    first = Worker(
        tmp_path, broker=REDIS_URL, name="killed", REMINDER_TEST_HANG_PREFIX="batch1"
    ).start()
    mid_batch = Counter({State.SENT: 10, State.SENDING: 2, State.SCHEDULED: 8})
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(lambda: _redis_up(f"redis://127.0.0.1:{port}/0"), 10, "redis-server")
    return process


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
    require(shutil.which("redis-server") is not None, "redis-server on PATH")
    user.time_zone = _daytime_zone()
    user.reminder_lead_days = 3
    user.save()
    client.force_login(user)
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis = _redis_server(port)
    try:
        with running(Worker(tmp_path, broker=url, name="restart")) as worker, publishing_to(url):
            redis.terminate()
            redis.wait(timeout=10)
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
            redis = _redis_server(port)

            def swept_and_sent() -> bool:
                reminders_sweep()
                return _all_sent([reminder])()

            wait_for(swept_and_sent, 60, "the reminder after Redis came back", every=2)
            time.sleep(1)
            assert worker.recipients() == Counter({user.email: 1})
    finally:
        redis.terminate()
        redis.wait(timeout=10)

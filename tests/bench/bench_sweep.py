"""Benchmark: the reminder sweep over 1,000 and then 100,000 due reminders.

Seeds due reminders (one person each: one open reminder per person) with bulk_create, runs
the sweep (read the send queue's length, release stuck rows, one select of the due ids, one
update marking them enqueued, one send task per REMINDER_SEND_BATCH ids over a single broker
connection) and prints the time taken and the SQL statements it ran. The query count
must be the same for both sizes: no per-row query.

Not a test (pytest collects test_*.py only). Run from the repository root:

    .venv/bin/python tests/bench/bench_sweep.py [--rows 1000 100000] [--broker memory://]

It uses a throw-away test database (SQLite in memory unless DATABASE_URL points elsewhere;
PostgreSQL also prints the query plan). The broker is kombu's in-memory transport unless
--broker names a real one (e.g. redis://127.0.0.1:6379/7; that database is flushed first).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from protocols.models import Reminder  # noqa: E402
from protocols.reminders.selectors import reminders_to_enqueue  # noqa: E402
from protocols.reminders.tasks import SEND_QUEUE, reminders_sweep  # noqa: E402

BATCH = 5_000


def seed(start: int, stop: int) -> None:
    """People start…stop-1, each with one reminder due an hour ago."""
    now = timezone.now()
    due_on = timezone.localdate()
    for first in range(start, stop, BATCH):
        last = min(first + BATCH, stop)
        users = User.objects.bulk_create(
            User(email=f"bench{n}@example.org", password="!") for n in range(first, last)
        )
        Reminder.objects.bulk_create(
            Reminder(
                user=user,
                due_on=due_on,
                send_at=now - timezone.timedelta(hours=1),
                tests=["vitd_25oh", "mg_rbc"],
            )
            for user in users
        )


def queue_length() -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.queue_declare(SEND_QUEUE, passive=True).message_count


def purge() -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(SEND_QUEUE)


def run_sweep(rows: int) -> None:
    purge()
    Reminder.objects.update(enqueued_at=None)  # every row due and not yet enqueued
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        enqueued = reminders_sweep()
        elapsed = time.perf_counter() - started
    sql = [q["sql"] for q in queries.captured_queries]
    control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")
    statements = [s for s in sql if not s.upper().startswith(control)]
    print(
        f"{rows:>8,} due: sweep {elapsed:7.2f} s ({rows / elapsed:9,.0f} rows/s), "
        f"enqueued {enqueued:,} in {queue_length():,} send tasks, "
        f"{len(statements)} SQL statements ({len(sql)} with transaction control)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--broker", default="memory://")
    args = parser.parse_args()
    celery_app.conf.broker_url = args.broker
    if args.broker.startswith("redis://"):
        import redis

        redis.Redis.from_url(args.broker).flushdb()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"database: {connection.vendor}, broker: {args.broker}")
    try:
        seeded = 0
        for rows in sorted(args.rows):
            started = time.perf_counter()
            seed(seeded, rows)
            seeded = rows
            print(f"{rows:>8,} due: seeded in {time.perf_counter() - started:.1f} s")
            run_sweep(rows)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            # With every row due a sequential scan is the right plan; with few due, the index.
            print(reminders_to_enqueue(now=timezone.now()).values("pk").explain())
        purge()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

"""Benchmark: CPU and SQL statements per reminder email, in one process (load-independent).

Seeds N due reminders (a mix of languages, time zones and both email variants), sends them
in batches of REMINDER_SEND_BATCH with the real sending code (sending.reminders_send) over
SMTP to a sink in a separate process, and prints this process's CPU time and the statements
it ran per reminder. CPU time, unlike reminders/s, hardly depends on what else the machine
runs, so it compares two versions of the send path on a busy shared machine.

Not a test. Needs PostgreSQL (DATABASE_URL; a throw-away test_<name> database is created):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cofactor_bench \\
        .venv/bin/python tests/bench/bench_send_cpu.py [--rows 2000] [--profile]

--profile prints cProfile's top functions (cumulative) for one more round.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import multiprocessing
import os
import pstats
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
# Production settings, whatever the shell exports (DEBUG records every query).
os.environ["DJANGO_DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from protocols.models import Reminder  # noqa: E402
from protocols.reminders.sending import reminders_send  # noqa: E402
from tests.protocols.smtp_server import FaultySmtpServer, free_port  # noqa: E402

ZONES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo")
REASONS = (
    "correction: retest after the 2026-09-01 draw",
    "maintenance: retest after the 2026-06-12 draw; brought forward by worsening symptoms",
    "",
)


def _sink(port: int, ready) -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = FaultySmtpServer(keep_messages=False)
    server.port = port
    server.start()
    ready.set()
    while True:
        time.sleep(3600)


def seed(rows: int, tag: str) -> list[int]:
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"{tag}{n}@example.org", password="!", language=("de", "en", "")[n % 3],
             country=("DE", "US", "")[n % 3], time_zone=ZONES[n % len(ZONES)],
             overdue_followup=True)
        for n in range(rows)
    )  # fmt: skip
    reminders = Reminder.objects.bulk_create(
        Reminder(user=user, due_on=now.date() - timedelta(days=n % 2),
                 tests=["vitd_25oh", "mg_rbc"], send_at=now - timedelta(hours=1),
                 reason=REASONS[n % len(REASONS)])
        for n, user in enumerate(users)
    )  # fmt: skip
    return [reminder.pk for reminder in reminders]


def send_all(ids: list[int]) -> int:
    size = settings.REMINDER_SEND_BATCH
    sent = 0
    for start in range(0, len(ids), size):
        sent += reminders_send(reminder_ids=ids[start : start + size])["sent"]
    return sent


def measure(rows: int, round_: int) -> None:
    ids = seed(rows, f"r{round_}x")
    connection.ensure_connection()
    with CaptureQueriesContext(connection) as queries:
        cpu, wall = time.process_time(), time.perf_counter()
        sent = send_all(ids)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert sent == rows, f"sent {sent} of {rows}"
    print(
        f"{rows:,} reminders: {1000 * cpu / rows:.2f} ms CPU each "
        f"({rows / wall:,.0f}/s wall in one process), "
        f"{len(queries) / rows:.2f} SQL statements each"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL server")
    port = free_port()
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, ready), daemon=True)
    sink.start()
    ready.wait(10)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        measure(200, 0)  # warm up: imports, template and translation caches
        for round_ in (1, 2):
            measure(args.rows, round_)
        if args.profile:
            ids = seed(args.rows, "p")
            profiler = cProfile.Profile(time.process_time)
            profiler.runcall(send_all, ids)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    finally:
        sink.terminate()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

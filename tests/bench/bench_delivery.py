"""Benchmark: reminder delivery throughput to a local SMTP sink, at the default settings.

Seeds N due reminders (one person each), starts the send and light workers exactly as the
Procfile's `worker` and `light` lines (queues, concurrency; prefetch 1, batches of
REMINDER_SEND_BATCH over one SMTP connection), runs one sweep and times until the sink has
accepted every email. Prints the throughput, the duplicates (must be 0), the SMTP
connections used and the CPU time per reminder (so a figure from a busy machine can be
read against its load).

Not a test (pytest collects test_*.py only). Needs PostgreSQL (the workers are separate
processes) and redis-server on PATH (a private one on a free port is started). Run from the
repository root:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cofactor_bench \\
        .venv/bin/python tests/bench/bench_delivery.py [--rows 20000]

The database in DATABASE_URL is not touched: a throw-away test_<name> database is created.
The sink is aiosmtpd in this process (tests/protocols/smtp_server.py); it only counts.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
# Production settings, whatever the shell exports (DEBUG records every query): the workers
# started here inherit this too.
os.environ["DJANGO_DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from protocols.models import Reminder  # noqa: E402
from protocols.reminders.tasks import reminders_sweep  # noqa: E402
from tests.protocols.celery_processes import RedisServer, Worker, publishing_to  # noqa: E402
from tests.protocols.smtp_server import FaultySmtpServer  # noqa: E402

SEED_BATCH = 5_000
ROOT = Path(__file__).resolve().parents[2]


def procfile_worker(name: str) -> tuple[str, int]:
    """The queues and concurrency of a Procfile line: the bench runs what production runs."""
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(f"{name}:")
    )
    queues = re.search(r"-Q (\S+)", line).group(1)
    return queues, int(re.search(r"--concurrency=(\d+)", line).group(1))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (Linux /proc)."""
    total = 0.0
    for task in [pid, *_children(pid)]:
        try:
            fields = (Path("/proc") / str(task) / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found += [child, *_children(child)]
    return found


def seed(rows: int) -> None:
    now = timezone.now()
    for first in range(0, rows, SEED_BATCH):
        users = User.objects.bulk_create(
            User(email=f"bench{n}@example.org", password="!")
            for n in range(first, min(first + SEED_BATCH, rows))
        )
        Reminder.objects.bulk_create(
            Reminder(user=user, due_on=now.date(), send_at=now - timezone.timedelta(hours=1),
                     tests=["vitd_25oh", "mg_rbc"], reason="correction")
            for user in users
        )  # fmt: skip


def deliver(rows: int, tmp: Path) -> None:
    sink = FaultySmtpServer(keep_messages=False).start()
    redis = RedisServer().start()
    env = sink.email_settings()
    queues, concurrency = procfile_worker("worker")
    sends = Worker(tmp, broker=redis.url, name="sends", queues=queues, concurrency=concurrency,
                   **env)  # fmt: skip
    queues, concurrency = procfile_worker("light")
    light = Worker(tmp, broker=redis.url, name="light", queues=queues, concurrency=concurrency,
                   **env)  # fmt: skip
    try:
        with publishing_to(redis.url):
            sends.start()
            light.start()
            started, cpu_before = time.perf_counter(), cpu_seconds(sends.process.pid)
            sink_before = time.process_time()
            enqueued = reminders_sweep()
            swept = time.perf_counter() - started
            while sum(sink.delivered.values()) < rows:
                if time.perf_counter() - started > 600:
                    raise SystemExit(f"only {sum(sink.delivered.values())} delivered in 600 s")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            worker_cpu = cpu_seconds(sends.process.pid) - cpu_before
            sink_cpu = time.process_time() - sink_before  # this process: the sink, mostly
            time.sleep(2)  # room for a duplicate to arrive
    finally:
        sends.stop()
        light.stop()
        redis.stop()
        sink.stop()
    duplicates = sum(count - 1 for count in sink.delivered.values() if count > 1)
    sent = Reminder.objects.filter(state=Reminder.State.SENT).count()
    print(f"swept {enqueued:,} due reminders in {swept:.2f} s")
    print(
        f"delivered {sum(sink.delivered.values()):,} emails to {len(sink.delivered):,} "
        f"addresses in {elapsed:.1f} s: {rows / elapsed:,.0f} reminders/s"
    )
    print(f"duplicates: {duplicates}; rows marked sent: {sent:,} of {rows:,}")
    print(f"SMTP connections: {sink.connections:,} (batches of {settings.REMINDER_SEND_BATCH})")
    per_reminder = (worker_cpu + sink_cpu) / rows
    print(
        f"CPU per reminder: send worker {1000 * worker_cpu / rows:.2f} ms, "
        f"sink and this process {1000 * sink_cpu / rows:.2f} ms; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    # What the measured figure would be with the cores to ourselves (a busy shared machine
    # gives the worker only part of them): CPU-bound, worker and sink on the same cores.
    print(f"CPU-bound rate on {os.cpu_count()} idle cores: {os.cpu_count() / per_reminder:,.0f}/s")


def main() -> None:
    # aiosmtpd logs every SMTP command at INFO: in this process that is CPU taken from the
    # worker on a 2-core machine, so the sink stays quiet.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (the workers need it too)")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        seed(args.rows)
        print(f"seeded {args.rows:,} due reminders in {time.perf_counter() - started:.1f} s")
        prefetch = settings.CELERY_WORKER_PREFETCH_MULTIPLIER
        queues, concurrency = procfile_worker("worker")
        print(
            f"send worker (Procfile): -Q {queues} --concurrency={concurrency}, prefetch {prefetch}"
        )
        with tempfile.TemporaryDirectory() as tmp:
            deliver(args.rows, Path(tmp))
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

"""Real Celery processes for the reminder tests: workers, beat and a private redis-server.

Every process reads the test database (PostgreSQL, so they all see it) and gets its settings
through the environment, as in production.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from tests.protocols.smtp_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, every=0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1)


def redis_up(url: str) -> bool:
    try:
        return bool(url) and bool(redis_client(url).ping())
    except Exception:
        return False


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class _Process:
    """A Celery subprocess in its own session (killed as a group), logging to a file."""

    def __init__(self, tmp: Path, *, broker: str, name: str, **env: str):
        self.mail_dir = tmp / "mail"
        self.log = tmp / f"{name}.log"
        for folder in (self.mail_dir, tmp / "fail"):
            folder.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker,
            "EMAIL_BACKEND": "tests.protocols.reminder_backends.WorkerTestEmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "REMINDER_TEST_FAIL_DIR": str(tmp / "fail"),
            "COFACTOR_VAR_DIR": str(tmp),
            **env,
        }
        self.tmp = tmp
        self.name = name
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    ready_line = " ready."

    def start(self):
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for(lambda: self.ready_line in self.output(), 45, f"{self.name} ready")
        return self

    def kill(self) -> None:
        """SIGKILL the whole process group (main process and pool children): no clean exit."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Worker(_Process):
    """A `celery worker` on the given queues (both by default), at the Procfile's settings."""

    def __init__(self, tmp, *, broker, name, queues="sends,light", concurrency=2, **env):
        super().__init__(tmp, broker=broker, name=f"worker-{name}", **env)
        self.queues, self.concurrency = queues, concurrency

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
            f"--concurrency={self.concurrency}", "-Q", self.queues, "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"{self.name}-{os.getpid()}@%h",
        ]  # fmt: skip

    def recipients(self) -> Counter:
        """How many emails each address got, over every file the file backend wrote."""
        counts: Counter = Counter()
        for path in self.mail_dir.glob("*.log"):
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("To: "):
                    counts[line[4:].strip()] += 1
        return counts


class Beat(_Process):
    """`celery beat` with its own schedule file: it enqueues the sweep every period."""

    ready_line = "beat: Starting..."

    def __init__(self, tmp, *, broker, **env):
        super().__init__(tmp, broker=broker, name="beat", **env)

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO",
            "-s", str(self.tmp / "beat-schedule"),
        ]  # fmt: skip


@contextmanager
def running(*processes: _Process) -> Iterator:
    """Start the processes in order (yield the one, or the list), stop them in reverse."""
    started = []
    try:
        for process in processes:
            started.append(process.start())
        yield started[0] if len(started) == 1 else started
    finally:
        for process in reversed(started):
            process.stop()


class RedisServer:
    """A private redis-server (no persistence) that a test may stop and start again: its
    queue is gone after a restart, as on a production Redis without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: redis_up(self.url), 10, "redis-server")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None


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

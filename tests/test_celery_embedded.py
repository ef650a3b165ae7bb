"""With no REDIS_URL a real Celery worker and beat run on kombu's filesystem transport."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_worker_and_beat_run_a_periodic_task_without_any_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        COFACTOR_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="tests.settings",
        CELERY_HEARTBEAT_SECONDS="1",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency=1",
         "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    heartbeat = tmp_path / "celery-heartbeat"
    try:
        deadline = time.monotonic() + 60
        while not heartbeat.exists() and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert heartbeat.exists(), output
    assert "filesystem" in output

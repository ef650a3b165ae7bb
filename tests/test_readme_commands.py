"""The README's commands run exactly as printed, and `make run` points email links at its port."""

import json
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def printed(fragment: str) -> str:
    """The README's inline command that contains `fragment`, exactly as printed."""
    (command,) = [c for c in re.findall(r"`([^`\n]+)`", README) if fragment in c]
    return command


def run_printed(command: str, tmp_path: Path) -> subprocess.CompletedProcess:
    # A shell as a reader has it: none of the test run's Django settings, a fresh SQLite.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'readme.sqlite3'}"
    env.pop("REDIS_URL", None)
    return subprocess.run(["/bin/sh", "-c", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180, check=False)  # fmt: skip


def test_the_printed_what_if_command_prints_a_plan(tmp_path):
    done = run_printed(printed("manage.py plan"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["phase"] == "correction"


def test_the_printed_send_reminders_command_runs_after_make_runs_migrate(tmp_path):
    migrate = run_printed("DJANGO_DEBUG=1 .venv/bin/python manage.py migrate --noinput", tmp_path)
    assert migrate.returncode == 0, migrate.stderr
    done = run_printed(printed("manage.py send_reminders"), tmp_path)
    assert done.returncode == 0, done.stderr


def test_make_run_sets_the_site_url_from_its_port_unless_one_is_set():
    def dry_run(**env):
        full = {k: v for k, v in os.environ.items() if k != "SITE_URL"} | env
        out = subprocess.run(["make", "-n", "run", "PORT=8107"], cwd=ROOT, env=full,
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
        return next(line for line in out.splitlines() if "honcho" in line)

    assert "PORT=8107 SITE_URL=http://localhost:8107 " in dry_run()
    assert "SITE_URL=https://cofactor.example.org " in dry_run(
        SITE_URL="https://cofactor.example.org"
    )

"""The README's embedded default (SQLite, no DATABASE_URL) under two real gunicorn workers.

Eight concurrent plan-page requests, over several rounds in which every plan is a day old
(so each request recomputes and writes it), must all answer 200: no "database is locked".
"""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
ROUNDS, CONCURRENT = 40, 8
SESSION_FOR_DEMO = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
user = User.objects.get(email="demo@cofactor.local")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.save()
print("SESSION", session.session_key)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def embedded_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    return env | {
        "COFACTOR_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "load-test-secret-" + "k" * 40,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_MANIFEST_STATIC": "0",
        "WHITENOISE_USE_FINDERS": "1",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }


def manage(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300, check=True,
    )  # fmt: skip
    return done.stdout


def get(url: str, session_key: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session_key}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def make_plans_a_day_old(db: Path) -> None:
    with sqlite3.connect(db, timeout=30) as conn:
        conn.execute("UPDATE protocols_plan SET as_of = date(as_of, '-1 day')")


@pytest.mark.django_db
def test_two_gunicorn_workers_on_sqlite_serve_concurrent_plan_pages(tmp_path):
    require(GUNICORN.exists(), f"gunicorn at {GUNICORN}")
    env = embedded_env(tmp_path)
    manage(env, "migrate", "--noinput")
    manage(env, "demo_account")
    session_key = manage(env, "shell", "-c", SESSION_FOR_DEMO).split("SESSION ")[-1].strip()
    port = free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/plan/"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(url, session_key) == 200:
                    break
            except OSError:
                time.sleep(0.2)
        statuses = []
        with ThreadPoolExecutor(CONCURRENT) as pool:
            for _ in range(ROUNDS):
                make_plans_a_day_old(tmp_path / "cofactor.sqlite3")
                statuses += list(pool.map(lambda _n: get(url, session_key), range(CONCURRENT)))
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]
    assert statuses == [200] * ROUNDS * CONCURRENT, log[-3000:]
    assert "database is locked" not in log
    with sqlite3.connect(tmp_path / "cofactor.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

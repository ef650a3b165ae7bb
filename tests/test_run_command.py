"""The run command's processes (Procfile: web + worker + beat) serve the app with no server.

`make run` = install + migrate + demo account + `honcho start`; this test runs the last three
on a throw-away var/ directory (SQLite, embedded broker, mail files) and uses the app as a
visitor would: the landing page answers, the demo account logs in, and beat + worker run.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, seconds: float, process: subprocess.Popen) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        assert process.poll() is None, "the run command stopped early"
        time.sleep(0.5)
    return False


def answers(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200  # noqa: S310 - loopback
    except OSError:
        return False


def log_in(base: str, email: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/", timeout=5).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": email, "password": password}
    ).encode()
    request = urllib.request.Request(base + "/accounts/login/", data=form)
    request.add_header("Referer", base + "/accounts/login/")
    return opener.open(request, timeout=10).geturl()


def test_web_worker_and_beat_run_on_a_machine_with_no_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DJANGO_DEBUG="1",
        COFACTOR_VAR_DIR=str(tmp_path),
        CELERY_HEARTBEAT_SECONDS="1",
        PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    demo = subprocess.run(
        [*manage, "demo_account"], cwd=ROOT, env=env, check=True, timeout=120,
        capture_output=True, text=True,
    )  # fmt: skip
    email, password = re.search(r"Demo login: (\S+) / (\S+)", demo.stdout).groups()

    honcho = Path(sys.executable).with_name("honcho")
    run = subprocess.Popen(
        [str(honcho), "start"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        assert wait_for(lambda: answers(base + "/"), 60, run)
        assert log_in(base, email, password).endswith("/dashboard/")
        assert wait_for((tmp_path / "celery-heartbeat").exists, 60, run)
    finally:
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C stops web, worker and beat together
        output, _ = run.communicate(timeout=60)
    assert run.returncode is not None
    for process in ("web.1", "worker.1", "beat.1"):
        assert f"{process} stopped" in output, output[-3000:]

"""Benchmark: the pages people open most, served by gunicorn, loaded with wrk.

`make bench` runs this file. With no --database it runs itself once per database (SQLite,
then PostgreSQL) and each run:

1. seeds a database (`manage.py seed_bench`, skipped when it already holds the same seed),
   migrates and collects the static files, with production settings (DEBUG off);
2. starts gunicorn (2 sync workers) on loopback and logs in as a typical and as the
   heavy person through the real login form;
3. loads every page with `wrk -t2 -c8` for --seconds each, after the session floor (the
   landing page with a session: a 302 that reads the session and the user) and prints
   req/s, p50/p95/p99, bytes, SQL queries per request (counted in-process by the test
   client on the same database), the ratio to the floor and the gzipped JS and CSS the page
   loads;
4. times a 10,000-row CSV import (parse, then save) and runs the reminder sweep benchmark
   (tests/bench/bench_sweep.py) over 100,000 due reminders.

    .venv/bin/python tests/bench/bench_server.py [--database sqlite|postgres] [--seconds 3]

PostgreSQL is BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/cofactor_bench;
created when missing) with DATABASE_CONN_MAX_AGE=600. REDIS_URL, when set, is the cache.
Not a test: pytest collects test_*.py only, and CI does not run it.
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VAR = ROOT / "var" / "bench"
SQLITE_URL = f"sqlite:///{VAR / 'bench.sqlite3'}"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/cofactor_bench"
)
CONNECTIONS = 8
THREADS = 2
WORKERS = 2

# wrk's summary as one JSON line: percentiles need a script (its --latency prints text).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "bytes": %d, "p50": %d, "p95": %d, ' ..
    '"p99": %d, "bad_status": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Page:
    name: str
    path: str
    person: str  # "typical", "heavy" or "anonymous"
    htmx: bool = False
    expect: int = 200
    form: str = ""  # a urlencoded body: the page is POSTed (with the visitor's CSRF token)


@dataclass
class Row:
    page: Page
    rps: float
    p50: float
    p95: float
    p99: float
    size: int
    queries: int | None
    js_gz: int
    css_gz: int
    errors: int
    notes: list[str] = field(default_factory=list)
    floor_rps: float = 0.0  # the session floor measured around this page (before and after)
    floor_p99: float = 0.0


def database_env(database: str) -> dict[str, str]:
    """Production settings on plain HTTP loopback, one var/ directory for the bench."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_MANIFEST_STATIC": "1",
        "COFACTOR_VAR_DIR": str(VAR / database),
        "PYTHONPATH": str(ROOT),
    }
    if database == "sqlite":
        env["DATABASE_URL"] = SQLITE_URL
        env.pop("DATABASE_CONN_MAX_AGE", None)
    else:
        env["DATABASE_URL"] = POSTGRES_URL
        env["DATABASE_CONN_MAX_AGE"] = "600"
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 3)))
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--heavy", type=int, default=500)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8150)))
    parser.add_argument("--sweep-rows", type=int, default=100_000)
    args = parser.parse_args()
    if args.database is None:  # one child per database: settings are read once per process
        for database in ("sqlite", "postgres"):
            argv = [sys.executable, __file__, "--database", database, *sys.argv[1:]]
            subprocess.run(argv, check=True, env=database_env(database))
        return
    os.environ.update(database_env(args.database))
    sys.path.insert(0, str(ROOT))
    run(args)


def run(args) -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    (VAR / args.database).mkdir(exist_ok=True)
    if args.database == "postgres":
        create_postgres_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    seeded = seed_if_needed(args)
    setup = time.perf_counter() - started
    print(f"\n=== {args.database}: {describe_database()}, setup {setup:.0f} s ({seeded}) ===")

    server = start_gunicorn(args.port)
    try:
        base = f"http://127.0.0.1:{args.port}"
        sessions = {person: login(base, person) for person in ("typical", "heavy")}
        sessions["anonymous"] = ""
        rows = measure_pages(base, sessions, seconds=args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print_table(rows, args)
    print_import()
    print_sweep(args)


def describe_database() -> str:
    from django.conf import settings
    from django.db import connection

    engine = connection.vendor
    age = settings.DATABASES["default"].get("CONN_MAX_AGE")
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return f"{engine} (CONN_MAX_AGE={age}), cache {cache}"


def create_postgres_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed_if_needed(args) -> str:
    """Seed unless the database holds this seed already (a marker row-count check)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from dashboard.management.commands.seed_bench import BENCH_DOMAIN, HEAVY_EMAIL
    from labs.models import Panel

    marker = VAR / args.database / "seeded.json"
    wanted = {"users": args.users, "years": args.years, "heavy": args.heavy}
    users = get_user_model().objects.filter(email__endswith=f"@{BENCH_DOMAIN}")
    heavy_panels = Panel.objects.filter(user__email=HEAVY_EMAIL).count()
    if (
        marker.exists()
        and json.loads(marker.read_text()) == wanted
        and users.count() == args.users
        and heavy_panels == args.heavy
    ):
        return "seed reused"
    started = time.perf_counter()
    call_command("seed_bench", **wanted)
    marker.write_text(json.dumps(wanted))
    return f"seeded in {time.perf_counter() - started:.0f} s"


def start_gunicorn(port: int) -> subprocess.Popen:
    from django.db import connections

    connections.close_all()  # the server gets the database to itself while it is measured
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken: pass --port or BENCH_PORT")
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
    )
    for _ in range(100):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base: str, person: str) -> str:
    """Log in through the login form, as a browser does; returns the Cookie header."""
    from dashboard.management.commands.seed_bench import BENCH_PASSWORD, HEAVY_EMAIL, TYPICAL_EMAIL

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    form = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    email = TYPICAL_EMAIL if person == "typical" else HEAVY_EMAIL
    body = urllib.parse.urlencode(
        {"login": email, "password": BENCH_PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=body, method="POST")
    request.add_header("Referer", f"{base}/accounts/login/")
    try:
        opener.open(request)
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"could not log in as {email}")
    return f"sessionid={cookies['sessionid']}; csrftoken={cookies.get('csrftoken', '')}"


WHAT_IF_FORM = "vitd_25oh=22&vitd_25oh_unit=ng%2FmL&mg_rbc=4.6&mg_rbc_unit=mg%2FdL"


def pages() -> list[Page]:
    from django.urls import reverse

    listed = []
    for person in ("typical", "heavy"):
        listed += [
            Page("session floor (302)", reverse("dashboard:landing"), person, expect=302),
            Page("dashboard", reverse("dashboard:home"), person),
            Page("trends page", reverse("dashboard:trends"), person),
        ]
        for key in ("6m", "1y", "all"):
            path = reverse("dashboard:trends") + f"?analyte=vitd_25oh&range={key}"
            listed.append(Page(f"trends fragment {key}", path, person, htmx=True))
        listed += [
            Page("plan page", reverse("protocols:plan"), person),
            Page("plan.json", reverse("protocols:plan-json"), person),
            Page("panel list", reverse("labs:panel-list"), person),
            Page("panel entry form", reverse("labs:panel-create"), person),
            Page("symptom page", reverse("labs:symptom-list"), person),
            Page("settings", reverse("accounts:preferences"), person),
            Page("report", reverse("dashboard:report"), person),
        ]
    what_if = reverse("protocols:what-if")
    listed.append(Page("what-if form", what_if, "anonymous"))
    listed.append(Page("what-if plan (POST)", what_if, "anonymous", form=WHAT_IF_FORM))
    return listed


def fetch(url: str, cookie: str, *, htmx: bool = False, body: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body.encode() if body else None)
    if cookie:
        request.add_header("Cookie", cookie)
    if htmx:
        request.add_header("HX-Request", "true")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def csrf_for(url: str) -> tuple[str, str]:
    """The CSRF cookie and the form's token a visitor gets with the page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(url).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    cookies = {cookie.name: cookie.value for cookie in jar}
    return f"csrftoken={cookies['csrftoken']}", token


_ASSET = re.compile(r'<script[^>]+src="([^"]+)"|<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"')


def assets_gzipped(base: str, html: bytes, cache: dict[str, int]) -> tuple[int, int]:
    """Bytes of the page's own JS and CSS files after gzip (what a browser downloads)."""
    js = css = 0
    for script, style in _ASSET.findall(html.decode(errors="replace")):
        url = urllib.parse.urljoin(base + "/", script or style)
        if url not in cache:
            _status, body = fetch(url, "")
            cache[url] = len(gzip.compress(body, compresslevel=9))
        if script:
            js += cache[url]
        else:
            css += cache[url]
    return js, css


def count_queries(page: Page) -> int:
    """SQL statements of one request in steady state, by the test client on the same data."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dashboard.management.commands.seed_bench import HEAVY_EMAIL, TYPICAL_EMAIL

    client = Client(HTTP_HOST="127.0.0.1")
    if page.person != "anonymous":
        email = TYPICAL_EMAIL if page.person == "typical" else HEAVY_EMAIL
        client.force_login(get_user_model().objects.get(email=email))
    headers = {"HX-Request": "true"} if page.htmx else {}
    data = urllib.parse.parse_qs(page.form) if page.form else None
    send = client.post if page.form else client.get
    send(page.path, data, headers=headers)  # warm: the day's plan refresh, caches
    with CaptureQueriesContext(connection) as captured:
        send(page.path, data, headers=headers)
    return len(captured)


def wrk(url: str, cookie: str, *, htmx: bool, seconds: int, body: str = "") -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if body:
            script.write(
                f'wrk.method = "POST"\nwrk.body = "{body}"\n'
                'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            )
        script.write(WRK_SCRIPT)
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout=10s"]
    command += ["-s", script.name]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if htmx:
        command += ["-H", "HX-Request: true"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK "))
    return json.loads(line[4:])


def measure_pages(base: str, sessions: dict[str, str], *, seconds: int) -> list[Row]:
    from django.db import connections

    rows, asset_cache = [], {}
    floors = [floor(base, sessions["typical"], seconds=seconds)]
    for page in pages():
        cookie, form = sessions[page.person], page.form
        if form:  # a visitor's CSRF cookie and token, as the form page hands them out
            cookie, token = csrf_for(base + page.path)
            form = f"{form}&csrfmiddlewaretoken={token}"
        status, body = fetch(base + page.path, cookie, htmx=page.htmx, body=form)
        notes = [] if status == page.expect else [f"status {status}, expected {page.expect}"]
        queries = count_queries(page)
        connections.close_all()
        js, css = assets_gzipped(base, body, asset_cache) if status == 200 else (0, 0)
        figures = wrk(base + page.path, cookie, htmx=page.htmx, seconds=seconds, body=form)
        rows.append(
            Row(
                page=page,
                rps=figures["requests"] / (figures["duration_us"] / 1e6),
                p50=figures["p50"] / 1000,
                p95=figures["p95"] / 1000,
                p99=figures["p99"] / 1000,
                size=len(body),
                queries=queries,
                js_gz=js,
                css_gz=css,
                errors=figures["bad_status"] + figures["socket_errors"],
                notes=notes,
            )
        )
        floors.append(floor(base, sessions["typical"], seconds=seconds))
        before, after = floors[-2], floors[-1]
        rows[-1].floor_rps = (before[0] + after[0]) / 2
        rows[-1].floor_p99 = (before[1] + after[1]) / 2
        print(f"  measured {page.person:9} {page.name}", file=sys.stderr)
    return rows


def floor(base: str, cookie: str, *, seconds: int) -> tuple[float, float]:
    """The session floor (req/s, p99 ms) for a moment: measured between every two pages,
    so a page is compared with the machine as it was then (a shared machine drifts)."""
    figures = wrk(base + "/", cookie, htmx=False, seconds=max(1, seconds // 2))
    return figures["requests"] / (figures["duration_us"] / 1e6), figures["p99"] / 1000


# Targets of issue #15: the share of the session floor each page must reach.
RPS_TARGETS = {
    "trends fragment 6m": 0.5,
    "trends fragment 1y": 0.5,
    "trends fragment all": 0.5,
    "plan.json": 0.5,
    "dashboard": 0.33,
    "trends page": 0.33,
    "plan page": 0.33,
    "panel list": 0.33,
    "symptom page": 0.33,
    "settings": 0.33,
}
P99_LIMIT = 4.0  # p99 under 4 × the floor's p99
JS_LIMIT = 420 * 1024


def print_table(rows: list[Row], args) -> None:
    local = [r.floor_rps for r in rows]
    print(
        f"\nwrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds}s, gunicorn {WORKERS} sync workers; "
        f"session floor {min(local):.0f}–{max(local):.0f} req/s over the run (each page is "
        f"compared with the floor measured just before and after it); load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    header = (
        f"{'page':22} {'person':9} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} "
        f"{'bytes':>8} {'SQL':>4} {'floor':>5} {'×floor':>6} {'p99×':>5} {'JS gz':>8} "
        f"{'CSS gz':>7}  check"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = row.rps / row.floor_rps
        p99_ratio = row.p99 / row.floor_p99
        problems = list(row.notes)
        if row.errors:
            problems.append(f"{row.errors} errors")
        target = RPS_TARGETS.get(row.page.name)
        if target is not None and ratio < target:
            problems.append(f"< {target}× floor")
        if p99_ratio >= P99_LIMIT:
            problems.append(f"p99 ≥ {P99_LIMIT:g}× floor")
        if row.js_gz > JS_LIMIT:
            problems.append("JS over 420 KB")
        print(
            f"{row.page.name:22} {row.page.person:9} {row.rps:7.0f} {row.p50:6.1f}ms "
            f"{row.p95:6.1f}ms {row.p99:6.1f}ms {row.size:8,} {row.queries:4} "
            f"{row.floor_rps:5.0f} {ratio:6.2f} "
            f"{p99_ratio:5.1f} {row.js_gz / 1024:6.1f}KB {row.css_gz / 1024:5.1f}KB  "
            f"{'; '.join(problems) or 'ok'}"
        )
    by_page: dict[str, set[int]] = {}
    for row in rows:
        if row.page.person != "anonymous":
            by_page.setdefault(row.page.name, set()).add(row.queries)
    differing = [name for name, counts in by_page.items() if len(counts) > 1]
    print(
        "SQL per request, typical vs heavy: "
        + ("identical on every page" if not differing else "DIFFER on " + ", ".join(differing))
    )


def print_import() -> None:
    """A 10,000-row CSV (2,000 dates × 5 analytes) parsed, then saved for a new person."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from labs.importers import parse_results_csv
    from labs.services import results_import

    today = dt.date.today()
    lines = ["date,analyte,value,unit,lab"]
    units = {
        "vitd_25oh": ("ng/mL", 35.0),
        "mg_rbc": ("mg/dL", 5.2),
        "ca_total": ("mg/dL", 9.4),
        "pth_intact": ("pg/mL", 40.0),
        "albumin": ("g/dL", 4.2),
    }
    for day in range(2000):
        on = (today - dt.timedelta(days=day + 1)).isoformat()
        for code, (unit, value) in units.items():
            lines.append(f"{on},{code},{value + (day % 7) / 10:g},{unit},Bench lab")
    data = ("\n".join(lines) + "\n").encode()
    User = get_user_model()
    User.objects.filter(email="import@bench.example").delete()
    person = User.objects.create_user(email="import@bench.example", password=None)
    started = time.perf_counter()
    parsed = parse_results_csv(data, max_bytes=len(data) + 1, max_rows=10_000, today=today)
    parse_s = time.perf_counter() - started
    problems = parsed.error or (parsed.errors[:1] if parsed.errors else "")
    started = time.perf_counter()
    outcome = results_import(user=person, rows=parsed.rows)
    save_s = time.perf_counter() - started
    person.delete()
    verdict = "ok" if parse_s + save_s < 5 and outcome.created == 10_000 else "OVER TARGET"
    print(
        f"\nCSV import, 10,000 rows ({len(data) / 1024:.0f} KB): parse {parse_s:.2f} s, "
        f"save {save_s:.2f} s (incl. the plan refresh), total {parse_s + save_s:.2f} s, "
        f"{outcome.created} stored {problems or ''} — target < 5 s: {verdict}"
    )


def print_sweep(args) -> None:
    """The reminders engineer's sweep benchmark, on this database, as it prints itself."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    script = ROOT / "tests" / "bench" / "bench_sweep.py"
    print(
        f"\nReminder sweep ({script.relative_to(ROOT)} --rows 1000 {args.sweep_rows}):", flush=True
    )
    subprocess.run(
        [sys.executable, str(script), "--rows", "1000", str(args.sweep_rows)], env=env, check=False
    )


if __name__ == "__main__":
    main()

"""Benchmark: the pages people open most, side by side with the framework's floor.

Seeds one person with 500 panels (plus symptoms, a supplement and plans) and a few other
people, then requests each page through Django's test Client from several threads and prints
requests/s, median and p95 latency, queries and response size per page — next to the landing
page, a trivial view on the same stack, so the ratio says what our code costs.

Not a test (pytest collects test_*.py only). Run from the repository root:

    .venv/bin/python tests/bench/bench_pages.py [--requests 200] [--concurrency 4]

It uses a throw-away test database (SQLite in memory unless DATABASE_URL points elsewhere).
The test Client skips the network and the WSGI server, so the figures are the app's own cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from tests.dashboard.factories import (  # noqa: E402
    add_plan,
    add_supplement,
    add_symptoms,
    make_history,
)
from tests.factories import UserFactory  # noqa: E402

HX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Page:
    name: str
    url: str
    headers: dict
    anonymous: bool = False


@dataclass
class Figures:
    rps: float
    p50: float
    p95: float
    queries: int
    size: int


def seed(*, panels: int, others: int) -> object:
    """One heavy user (the one measured) and a few others, so every query must filter."""
    today = timezone.localdate()
    user = UserFactory(email="heavy@example.org")
    make_history(user, panels=panels, first_on=today - dt.timedelta(days=7 * panels))
    add_symptoms(
        user, [(today - dt.timedelta(days=3 * i), "muscle_cramps", 1 + i % 3) for i in range(300)]
    )
    add_supplement(
        user, nutrient="vitamin_d3", amount=5000, unit="IU", since=today - dt.timedelta(days=200)
    )
    add_supplement(
        user, nutrient="magnesium", amount=400, unit="mg", since=today - dt.timedelta(days=100)
    )
    for _ in range(20):
        add_plan(user, retest=today + dt.timedelta(days=40))
    for _ in range(others):
        other = UserFactory()
        make_history(other, panels=60, first_on=today - dt.timedelta(days=7 * 60))
    return user


def pages() -> list[Page]:
    listed = [
        Page("landing (floor)", reverse("dashboard:landing"), {}, anonymous=True),
        Page("dashboard", reverse("dashboard:home"), {}),
        Page("trends (full)", reverse("dashboard:trends"), {}),
        Page("trends (htmx fragment)", reverse("dashboard:trends") + "?analyte=vitd_25oh", HX),
    ]
    for name, url_name in (("plan", "protocols:plan"), ("panel list", "labs:panel-list")):
        try:
            listed.append(Page(name, reverse(url_name), {}))
        except NoReverseMatch:
            print(f"(skipped {name}: {url_name} does not exist)")
    return listed


def client_for(page: Page, user) -> Client:
    client = Client()
    if not page.anonymous:
        client.force_login(user)
    return client


def measure(page: Page, user, *, requests: int, concurrency: int) -> Figures:
    probe = client_for(page, user)
    for _ in range(10):  # warm caches: templates, URL resolver, the first plan computed
        response = probe.get(page.url, **page.headers)
        assert response.status_code == 200, (page.url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        response = probe.get(page.url, **page.headers)
    size = len(response.content)

    clients = [client_for(page, user) for _ in range(concurrency)]
    latencies: list[float] = []
    per_thread = max(1, requests // concurrency)

    def work(client: Client) -> None:
        for _ in range(per_thread):
            started = time.perf_counter()
            client.get(page.url, **page.headers)
            latencies.append(time.perf_counter() - started)
        connections.close_all()

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Figures(
        rps=len(latencies) / elapsed,
        p50=statistics.median(latencies) * 1000,
        p95=latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        queries=len(captured),
        size=size,
    )


def report(results: list[tuple[Page, Figures]]) -> None:
    floor = results[0][1]
    header = (
        f"{'page':<24} {'req/s':>8} {'x floor':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'x floor':>8} {'queries':>8} {'KB':>7}"
    )
    print(header)
    print("-" * len(header))
    for page, fig in results:
        print(
            f"{page.name:<24} {fig.rps:>8.1f} {fig.rps / floor.rps:>8.2f} {fig.p50:>8.1f} "
            f"{fig.p95:>8.1f} {fig.p95 / floor.p95:>8.2f} {fig.queries:>8} {fig.size / 1024:>7.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--panels", type=int, default=500, help="panels of the measured user")
    parser.add_argument("--others", type=int, default=5, help="other users (60 panels each)")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        user = seed(panels=args.panels, others=args.others)
        print(
            f"seeded {args.panels} panels for the measured user and {args.others} other users "
            f"in {time.perf_counter() - started:.1f} s on {connection.vendor}; "
            f"{args.requests} requests per page from {args.concurrency} threads"
        )
        results = [
            (page, measure(page, user, requests=args.requests, concurrency=args.concurrency))
            for page in pages()
        ]
        report(results)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()

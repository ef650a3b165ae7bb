"""Benchmark: sign-up time for an email that has an account vs a new one (production hasher).

Not a test. The two medians should be within 20 % of each other: a gap tells an observer who
has an account. Run from the repository root:

    .venv/bin/python tests/bench/bench_signup.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)

from tests.factories import UserFactory  # noqa: E402

PASSPHRASE = "a sturdy passphrase 42"


def timed_sign_up(email: str) -> float:
    cache.clear()  # the sign-up rate limit would refuse later rounds
    started = time.perf_counter()
    response = Client().post(
        "/accounts/signup/", {"email": email, "password1": PASSPHRASE, "password2": PASSPHRASE}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # Django's default hashers, as production runs (tests use MD5 for speed).
        with override_settings(PASSWORD_HASHERS=django.conf.global_settings.PASSWORD_HASHERS):
            hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1]
            known = UserFactory().email
            timed_sign_up("warm-up@example.org")
            existing, new = [], []
            for n in range(args.rounds):
                existing.append(timed_sign_up(known))
                new.append(timed_sign_up(f"new{n}@example.org"))
        a, b = statistics.median(existing), statistics.median(new)
        print(f"hasher: {hasher} on {connection.vendor}")
        print(f"existing email: median {a * 1000:.0f} ms over {args.rounds} sign-ups")
        print(f"new email:      median {b * 1000:.0f} ms over {args.rounds} sign-ups")
        print(f"difference: {abs(a - b) / max(a, b) * 100:.1f} % of the slower")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()

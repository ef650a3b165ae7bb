import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.settings import env_bool, env_int
from tests.conftest import IN_CI, require

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-production-secret-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1",
    "DJANGO_ALLOWED_HOSTS": "example.org",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_mode_has_a_development_key():
    result = run_manage("check", env={"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please"])
def test_env_bool_rejects_garbage(monkeypatch, raw):
    monkeypatch.setenv("COFACTOR_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured):
        env_bool("COFACTOR_TEST_FLAG", False)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("false", False), ("On", True)])
def test_env_bool_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("COFACTOR_TEST_FLAG", raw)
    assert env_bool("COFACTOR_TEST_FLAG", not expected) is expected


def test_env_int_rejects_garbage(monkeypatch):
    monkeypatch.setenv("COFACTOR_TEST_INT", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("COFACTOR_TEST_INT", 1)


# In CI the suite must run against the real services, not the embedded defaults.
@pytest.mark.django_db
def test_database_backend_in_ci_is_postgresql():
    if not IN_CI:
        pytest.skip("only enforced with CI=true")
    assert connection.vendor == "postgresql", "CI must run on PostgreSQL (DATABASE_URL)"


def test_redis_is_reachable_when_configured():
    require(bool(os.environ.get("REDIS_URL")), "REDIS_URL pointing at a Redis server")
    import redis

    assert redis.Redis.from_url(settings.REDIS_URL).ping() is True

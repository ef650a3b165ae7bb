"""In CI the suite must run against the real services, not the embedded defaults."""

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import IN_CI, require


@pytest.mark.django_db
def test_database_backend_in_ci_is_postgresql():
    if not IN_CI:
        pytest.skip("only enforced with CI=true")
    assert connection.vendor == "postgresql", "CI must run on PostgreSQL (DATABASE_URL)"


def test_redis_is_reachable_when_configured():
    require(bool(os.environ.get("REDIS_URL")), "REDIS_URL pointing at a Redis server")
    import redis

    assert redis.Redis.from_url(settings.REDIS_URL).ping() is True

"""Failed-login limits: per client behind our proxy, per email for a while, and said so."""

import re
import time

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


PROXY = "10.0.0.5"  # every request reaches Django from the proxy's address


def log_in(client, email, password, client_ip):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_ip,
    )


def fail_ten_times_from(client, client_ip):
    for n in range(10):  # ten different emails: only the per-client limit is reached
        log_in(client, f"nobody{n}@example.org", "wrong", client_ip)


@pytest.mark.django_db
@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_with_the_proxy_count_one_client_cannot_lock_out_another(client):
    person = UserFactory()
    fail_ten_times_from(client, "203.0.113.7")
    assert "Too many" in log_in(client, person.email, PASSWORD, "203.0.113.7").content.decode()
    other = log_in(client, person.email, PASSWORD, "198.51.100.9")
    assert other.status_code == 302, "another client behind the same proxy was locked out"


@pytest.mark.django_db
@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0)
def test_without_the_proxy_count_every_client_shares_the_proxys_limit(client):
    person = UserFactory()
    fail_ten_times_from(client, "203.0.113.7")
    assert log_in(client, person.email, PASSWORD, "198.51.100.9").status_code == 200


@pytest.mark.django_db
def test_the_email_lock_says_when_it_ends(client):
    person = UserFactory()
    for _ in range(5):
        log_in(client, person.email, "wrong", "203.0.113.7")
    text = log_in(client, person.email, PASSWORD, "203.0.113.7").content.decode()
    match = re.search(r"Try again in (\d+) minute\(s\), after (\d\d:\d\d) UTC", text)
    assert match, text
    assert 14 <= int(match[1]) <= 15  # ACCOUNT_RATE_LIMITS: 5 per email in 15 minutes


@pytest.mark.django_db
@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip,5/2s/key"})
def test_the_email_lock_expires(client):
    person = UserFactory()
    for _ in range(5):
        log_in(client, person.email, "wrong", "203.0.113.7")
    assert log_in(client, person.email, PASSWORD, "203.0.113.7").status_code == 200
    time.sleep(2.1)
    assert log_in(client, person.email, PASSWORD, "203.0.113.7").status_code == 302


def test_the_proxy_count_is_read_from_the_environment():
    from tests.test_settings import PRODUCTION_ENV, run_manage

    env = {**PRODUCTION_ENV, "DJANGO_TRUSTED_PROXY_COUNT": "2"}
    code = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    result = run_manage("shell", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[-1] == "2", result.stderr
    assert run_manage("check", env={**env, "DJANGO_TRUSTED_PROXY_COUNT": "one"}).returncode != 0

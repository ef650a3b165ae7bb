"""/healthz: database and broker reachability for a load balancer; no data, no login."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.celery import app
from tests.conftest import require


@pytest.mark.django_db
def test_healthz_answers_ok_without_a_login_and_with_one_query(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}
    assert len(queries) == 1
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_says_503_when_the_broker_is_unreachable(client, settings):
    require(settings.CELERY_BROKER_URL.startswith("redis://"), "Redis as the broker (REDIS_URL)")
    reachable = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = reachable
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "failing", "database": "ok", "broker": "failing",
    }  # fmt: skip


@pytest.mark.django_db
def test_healthz_takes_only_get(client):
    assert client.post("/healthz").status_code == 405

"""/healthz: database and broker reachability for a load balancer; no data, no login."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.celery import app
from tests.conftest import require


@pytest.mark.django_db
def test_healthz_answers_ok_without_a_login_and_with_two_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok", "database": "ok", "broker": "ok",
        "reminder_backlog": {"due": 0, "retrying": 0, "oldest_due_at": None},
    }  # fmt: skip
    assert len(queries) == 2  # SELECT 1, and the backlog's one aggregate
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
    body = json.loads(response.content)
    assert {k: body[k] for k in ("status", "database", "broker")} == {
        "status": "failing", "database": "ok", "broker": "failing",
    }  # fmt: skip


@pytest.mark.django_db
def test_healthz_takes_only_get(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_shows_the_reminder_backlog_without_failing_for_it(client):
    from datetime import timedelta

    from django.utils import timezone

    from protocols.models import Reminder
    from tests.factories import ReminderFactory

    oldest = timezone.now() - timedelta(hours=3)
    waiting = ReminderFactory(send_at=oldest)
    ReminderFactory(send_at=timezone.now() - timedelta(minutes=2))
    ReminderFactory(send_at=timezone.now() + timedelta(days=2))  # not due: not a backlog
    Reminder.objects.filter(pk=waiting.pk).update(failing_since=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200  # a mail outage does not take the web app out
    assert json.loads(response.content)["reminder_backlog"] == {
        "due": 2, "retrying": 1, "oldest_due_at": oldest.isoformat(),
    }  # fmt: skip
    assert waiting.user.email not in response.content.decode()

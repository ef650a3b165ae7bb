"""Log records carry no health value and no reminder token, whatever a view logs.

Every URL pattern is requested (GET with values in the query, POST with values in the body,
as the owner and as a visitor), a view is made to crash with a value in its exception, and
everything the configured handlers wrote is searched for the values.
"""

import io
import json
import logging

import pytest
from django.test import Client
from django.urls import path

from config.logs import JsonFormatter
from config.urls import urlpatterns as app_urls
from labs.models import Panel, Result
from tests.factories import UserFactory
from tests.test_url_access import every_named_pattern, fill, owned_ids, seed_everything

SECRETS = ["4.1937", "61.4839", "LabZyx", "NoteQwe", "pregnant", "tok3nS3cr3t"]
QUERY = {"value": "61.4839", "flags": "pregnant", "notes": "NoteQwe", "token": "tok3nS3cr3t"}
BODY = {
    **QUERY,
    "analyte": "vitd_25oh",
    "unit": "ng/mL",
    "lab": "LabZyx",
    "password": "61.4839",
    "drawn_on": "2024-01-01",
}


def crash_with_a_value(request):
    raise ValueError("could not store 4.1937 ng/mL for LabZyx")


urlpatterns = [*app_urls, path("crash/", crash_with_a_value)]


@pytest.fixture
def log_output():
    """Point every configured handler (ours, with its filter and formatter) at a buffer."""
    buffer = io.StringIO()
    handlers = {
        handler
        for name in ("", "django", "django.server")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler.formatter, JsonFormatter)  # not pytest's own
    }
    assert handlers
    streams = {handler: handler.setStream(buffer) for handler in handlers}
    logging.getLogger("django.request").setLevel(logging.INFO)
    yield buffer
    for handler, stream in streams.items():
        handler.setStream(stream)


def seed(owner) -> None:
    seed_everything(owner)
    panel = Panel.objects.create(user=owner, drawn_on="2024-02-02", lab="LabZyx", notes="NoteQwe")
    Result.objects.create(
        panel=panel, user=owner, drawn_on=panel.drawn_on, analyte="mg_rbc", value=4.1937,
        unit="mg/dL", canonical_value=4.1937,
    )  # fmt: skip


@pytest.mark.django_db
def test_no_log_line_carries_a_value_or_a_token(log_output, settings):
    settings.ROOT_URLCONF = __name__
    owner = UserFactory()
    seed(owner)
    ids = sorted(owned_ids(owner))
    owner_client = Client(raise_request_exception=False)
    visitor = Client(raise_request_exception=False)
    owner_client.force_login(owner)
    requests = 0
    for name, route in every_named_pattern():
        if name == "account_logout":
            continue
        route = route.replace("<str:token>", "tok3nS3cr3t")
        for pk in ids if "<int:" in route else ids[:1]:
            url = fill(route, pk)
            for client in (owner_client, visitor):
                client.get(url, QUERY)
                client.post(url, BODY)
                client.put(url + "?value=61.4839")
                requests += 3
    owner_client.post("/crash/?value=61.4839", BODY)
    written = log_output.getvalue()
    lines = [json.loads(line) for line in written.splitlines()]
    assert requests > 200
    assert any(entry.get("status") == 405 for entry in lines)  # refused methods were logged
    assert any("[token]" in entry["message"] for entry in lines)  # a reminder link was logged
    crash = next(entry for entry in lines if entry.get("exception") == "ValueError")
    assert crash["level"] == "ERROR" and crash["path"] == "/crash/" and crash["frames"]
    for secret in SECRETS:
        leaks = [line for line in written.splitlines() if secret in line]
        assert not leaks, f"{secret!r} was logged: {leaks[:3]}"


def test_the_settings_use_the_redacting_handler():
    from django.conf import settings

    handler = settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["redact"] and handler["formatter"] == "json"
    assert settings.LOGGING["loggers"]["django"]["propagate"] is False

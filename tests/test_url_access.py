"""Walk every URL pattern so that no view escapes the login and ownership checks."""

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

# Views a visitor may open without an account (everything else requires login).
PUBLIC = {
    "dashboard:landing",
    "protocols:what-if",
    "protocols:sources",
    "reminders:snooze",
    "reminders:unsubscribe",
    "reminders:one-click-unsubscribe",  # RFC 8058: the mail client POSTs, no login
    "reminders:dose-unsubscribe",  # the daily supplement email's own signed link
    "reminders:dose-one-click-unsubscribe",
    "dashboard:shared",  # a clinician's read-only view: the token is the key (404 else)
    "reminders:calendar-feed",  # calendar apps send no cookie: the token is the key (404 else)
}
SKIPPED_NAMESPACES = {"admin", None}  # admin has its own staff check; allauth is unnamespaced


def walk(patterns, namespace=None, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from walk(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace, entry.name, prefix + str(entry.pattern), entry


def app_patterns():
    return [
        (f"{ns}:{name}", route, pattern)
        for ns, name, route, pattern in walk(get_resolver().url_patterns)
        if ns not in SKIPPED_NAMESPACES
    ]


def fill(route: str, pk: int) -> str:
    """Turn a route like 'labs/panels/<int:pk>/edit/' into a concrete path."""

    def value(match):
        converter = match.group(1) or "str"
        return str(pk) if converter == "int" else "x" * 8

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", value, route)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "route"), [(n, r) for n, r, _ in app_patterns() if n not in PUBLIC]
)
def test_anonymous_visitors_are_sent_to_login(client, name, route):
    response = client.get(fill(route, 1))
    assert response.status_code in (302, 405), f"{name} answered {response.status_code}"
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


def owned_ids(user) -> set[int]:
    """Every primary key of every row the user owns, across the apps' models."""
    from django.apps import apps

    ids = set()
    for model in apps.get_models():
        if model._meta.app_label in {"labs", "protocols", "dashboard"}:
            field_names = {f.name for f in model._meta.get_fields()}
            if "user" in field_names:
                ids |= set(model.objects.filter(user=user).values_list("pk", flat=True))
    return ids


def seed_everything(user) -> None:
    from dashboard.models import ShareLink
    from labs.models import LabReport, LifeEvent, Marker, MarkerResult, Panel, Result, SymptomEntry
    from protocols.models import (
        DoseEmail,
        DoseLog,
        HealthProfile,
        Plan,
        Reminder,
        SupplementIntake,
    )  # fmt: skip

    today = dt.date.today()
    for days in (200, 100, 10):
        panel = Panel.objects.create(user=user, drawn_on=today - dt.timedelta(days=days))
        Result.objects.create(
            panel=panel, user=user, drawn_on=panel.drawn_on, analyte="vitd_25oh",
            value=20, unit="ng/mL", canonical_value=20,
        )  # fmt: skip
        SymptomEntry.objects.create(
            user=user, recorded_on=panel.drawn_on, symptom="fatigue", severity=2
        )
        LifeEvent.objects.create(user=user, kind="illness", occurred_on=panel.drawn_on)
        plan = Plan.objects.create(
            user=user, as_of=panel.drawn_on, rule_set="seed", rules_version="test",
            phase="correction", data={}, inputs={}, inputs_digest=str(days),
        )  # fmt: skip
    marker = Marker.objects.create(user=user, name="Ferritin", unit="ng/mL", ref_high=300)
    MarkerResult.objects.create(
        panel=panel, marker=marker, user=user, drawn_on=panel.drawn_on, value=80
    )
    HealthProfile.objects.create(user=user, goal="sleep")
    intake = SupplementIntake.objects.create(
        user=user, nutrient="vitamin_d3", amount=5000, unit="IU"
    )
    DoseLog.objects.create(user=user, intake=intake, taken_on=today)
    DoseEmail.objects.create(user=user)
    Reminder.objects.create(
        user=user, plan=plan, due_on=today, send_at=dt.datetime.now(dt.UTC), tests=["vitd_25oh"]
    )
    ShareLink.objects.create(user=user, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(7))
    for status in ("ready", "reading"):  # a report under review, one being read by OCR
        LabReport.objects.create(
            user=user, filename="report.pdf", content_type="application/pdf", data=b"%PDF-1.4",
            status=status, parsed={"rows": [], "drawn_on": None, "lab": "", "pages": 1},
        )  # fmt: skip
    LabReport.objects.create(  # one kept with its panel
        user=user, panel=panel, filename="kept.pdf", content_type="application/pdf",
        data=b"%PDF-1.4", status="attached",
    )  # fmt: skip


@pytest.mark.django_db
def test_another_persons_ids_give_404_on_every_view(client):
    owner, outsider = UserFactory(), UserFactory()
    seed_everything(owner)
    client.force_login(outsider)
    checked = 0
    for name, route, _ in app_patterns():
        if "<" not in route or name in PUBLIC:
            continue
        for pk in sorted(owned_ids(owner)):
            path = fill(route, pk)
            for method in ("get", "post"):
                status = getattr(client, method)(path).status_code
                assert status in (404, 405), f"{method.upper()} {path} ({name}) gave {status}"
            checked += 1
    assert checked > 0 or not any("<" in r for _, r, _ in app_patterns())


def every_named_pattern():
    """(name, route) of every named URL pattern, allauth's and the admin's included."""
    return [
        (f"{ns}:{name}" if ns else name, route)
        for ns, name, route, _pattern in walk(get_resolver().url_patterns)
    ]


@pytest.mark.django_db
def test_every_response_to_the_owner_says_no_store(client):
    """Every page, fragment and download a signed-in person gets (their own ids filled in)."""
    owner = UserFactory(is_staff=True, is_superuser=True)
    seed_everything(owner)
    client.force_login(owner)
    ids = sorted(owned_ids(owner))
    checked = 0
    for name, route in every_named_pattern():
        if name == "account_logout":
            continue  # a GET there is harmless, but it would end the walk's session
        paths = [fill(route, pk) for pk in ids] if "<int:" in route else [fill(route, ids[0])]
        for path in paths:
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                control = response.get("Cache-Control", "")
                assert "no-store" in control and "private" in control, (
                    f"{method.upper()} {path} ({name}) answered {response.status_code} "
                    f"with Cache-Control {control!r}"
                )
                checked += 1
    assert checked > 100


# --- no health values in URLs ------------------------------------------------------------------

URL_ATTRIBUTE = re.compile(r'\b(?:href|src|action|hx-get|hx-post|hx-push-url)="([^"]*)"')
GET_FORM = re.compile(r"<form\b(?![^>]*method=\"post\")[^>]*>(.*?)</form>", re.S | re.I)
FIELD_NAME = re.compile(r'\bname="([^"]+)"')


def health_words() -> set[str]:
    """Names that would put a lab value or a health flag into a URL."""
    from labs.analytes import ANALYTES
    from protocols.rules.catalog import PROFILE_FLAGS

    return {"value", "values", "flags", "flag", *ANALYTES, *PROFILE_FLAGS} | {
        f"{code}_unit" for code in ANALYTES
    }


HX_GET_TAG = re.compile(r"<[a-z]+\b[^>]*\bhx-get=[^>]*>", re.I)


def urls_and_get_fields(html: str) -> tuple[list[str], set[str]]:
    """The URLs in the page, and the names of fields a GET request would put in a URL:
    fields of GET forms, elements that hx-get their own value, and anything hx-included."""
    urls = [unescape(u) for u in URL_ATTRIBUTE.findall(html)]
    fields = {name for form in GET_FORM.findall(html) for name in FIELD_NAME.findall(form)}
    for tag in HX_GET_TAG.findall(html):
        fields |= set(FIELD_NAME.findall(tag))
        if "hx-include=" in tag:
            fields.add("value")  # includes other fields: treat as carrying values
    return urls, fields


@pytest.mark.django_db
def test_no_url_the_templates_build_carries_a_lab_value_or_a_flag(client):
    owner = UserFactory()
    seed_everything(owner)
    client.force_login(owner)
    ids = sorted(owned_ids(owner))
    pages = {
        fill(route, pk)
        for name, route in every_named_pattern()
        if name != "account_logout"
        for pk in (ids if "<int:" in route else ids[:1])
    }
    what_if = {"vitd_25oh": "18", "vitd_25oh_unit": "ng/mL", "flags": ["pregnant"]}
    bodies = [client.get(path).content.decode(errors="replace") for path in pages]
    bodies.append(client.post("/plan/what-if/", what_if).content.decode())
    bodies.append(client.post("/plan/what-if/", what_if, HTTP_HX_REQUEST="true").content.decode())
    forbidden = health_words()
    seen = 0
    for html in bodies:
        urls, get_fields = urls_and_get_fields(html)
        assert not get_fields & forbidden, f"a GET form sends {get_fields & forbidden}"
        for url in urls:
            query = parse_qs(urlsplit(url).query)
            assert not set(query) & forbidden, url
            assert "pregnant" not in url, url
            seen += 1
    assert seen > 200

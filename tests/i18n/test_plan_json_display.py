"""/plan.json keeps the JSON contract canonical and adds the person's reading of its text
(issue 11: "the plan JSON's display text … show values in the person's units"; "stored values
and the JSON contract stay canonical"). Every key and number field is the engine's (ng/mL,
mg/dL, ISO dates); the ``display`` block holds each text field in the person's language and
units."""

import datetime as dt

import pytest
from django.urls import reverse

from protocols.services import plan_refresh
from tests.factories import UserFactory, panel_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_translations")]


def _plan_json(client, **person):
    user = UserFactory(**person)
    drawn = dt.date.today() - dt.timedelta(days=3)
    panel_with(user, drawn, ("vitd_25oh", 260, "nmol/L"), ("mg_serum", 0.78, "mmol/L"))
    client.force_login(user)
    return client.get(reverse("protocols:plan-json")).json()


def test_a_german_si_person_reads_the_display_text_in_nmol_and_german(client):
    plan = _plan_json(client, language="de", vitd_unit="nmol/L", mineral_unit="mmol/L")
    marker = plan["markers"]["vitd_25oh"]
    assert marker["unit"] == "ng/mL" and round(marker["value"], 1) == 104.2  # canonical
    display = plan["display"]
    assert display["markers"]["vitd_25oh"] == {"value": "260 nmol/L", "target": "100–150 nmol/L"}
    assert display["markers"]["mg_serum"]["value"] == "0,78 mmol/L"
    stop = next(a for a in display["alerts"] if a["code"] == "vitd_toxicity")
    assert stop["message"].startswith("25(OH)D liegt über 250 nmol/L:")
    assert stop["reason"] == "25(OH)D 260 nmol/L (zu hoch)"
    engine = next(a for a in plan["alerts"] if a["code"] == "vitd_toxicity")
    assert engine["message"].startswith("25(OH)D is above 100 ng/mL:")  # the stored text
    texts = [display["phase_reason"], display["retest"]["reason"]]
    texts += [a[k] for a in display["alerts"] for k in ("message", "reason")]
    texts += [s[k] for s in display["supplements"] for k in ("reason", "form", "take_with")]
    assert not [t for t in texts if "ng/mL" in t or "mg/dL" in t]
    assert [a["code"] for a in display["alerts"]] == [a["code"] for a in plan["alerts"]]


def test_an_american_reads_the_display_text_in_conventional_units(client):
    plan = _plan_json(client, language="en", country="US")
    display = plan["display"]
    assert display["locale"] == "en-us"
    assert display["markers"]["vitd_25oh"]["value"] == "104.2 ng/mL"
    stop = next(a for a in display["alerts"] if a["code"] == "vitd_toxicity")
    assert stop["message"].startswith("25(OH)D is above 100 ng/mL:")


def test_the_cached_body_follows_the_units_the_language_and_new_results(client):
    """plan.json's body is cached per person (dashboard.caching): a changed preference or
    a new panel is never answered from the old copy."""
    user = UserFactory(language="en", vitd_unit="ng/mL")
    panel_with(user, dt.date.today() - dt.timedelta(days=3), ("vitd_25oh", 20, "ng/mL"))
    client.force_login(user)
    url = reverse("protocols:plan-json")
    first = client.get(url)
    assert first["Content-Type"] == "application/json"
    assert client.get(url).content == first.content  # the same bytes again
    assert first.json()["display"]["markers"]["vitd_25oh"]["value"] == "20.0 ng/mL"
    user.vitd_unit = "nmol/L"
    user.save()
    assert client.get(url).json()["display"]["markers"]["vitd_25oh"]["value"] == "50 nmol/L"
    user.language = "de"
    user.save()
    assert client.get(url).json()["display"]["locale"] == "de"
    panel_with(user, dt.date.today(), ("vitd_25oh", 30, "ng/mL"))
    plan_refresh(user)  # what a saved panel's receivers do
    assert client.get(url).json()["markers"]["vitd_25oh"]["value"] == 30

"""Values appear in the person's preferred unit on every labs page (issue #6, units preference)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from labs.display import format_for, range_for
from labs.services import panel_create


def person(vitd_unit="ng/mL", mineral_unit="mg/dL"):
    units = {"vitd_25oh": vitd_unit, "mg_rbc": mineral_unit, "ca_total": mineral_unit}
    return SimpleNamespace(preferred_unit=units.get)


@pytest.mark.parametrize(
    ("user", "analyte", "canonical", "shown"),
    [
        (person(), "vitd_25oh", 20.0, "20.0 ng/mL"),
        (person(vitd_unit="nmol/L"), "vitd_25oh", 20.0, "50 nmol/L"),
        (person(mineral_unit="mmol/L"), "mg_rbc", 6.0, "2.47 mmol/L"),
        (person(mineral_unit="mmol/L"), "ca_total", 10.0, "2.50 mmol/L"),
        (person(vitd_unit="nmol/L"), "pth_intact", 35.0, "35 pg/mL"),  # no preference: canonical
    ],
)
def test_values_are_shown_in_the_preferred_unit(user, analyte, canonical, shown):
    assert format_for(user, analyte, canonical) == shown


def test_ranges_are_shown_in_the_preferred_unit():
    assert range_for(person(vitd_unit="nmol/L"), "vitd_25oh", (40.0, 60.0)) == "100–150 nmol/L"


@pytest.fixture
def nmol_person(user):
    user.vitd_unit = "nmol/L"
    user.save()
    panel_create(
        user=user, drawn_on=dt.date(2026, 3, 2), lab="", fasting=None, notes="",
        results=[("vitd_25oh", 20, "ng/mL")],
    )  # fmt: skip
    return user


@pytest.mark.parametrize("page", ["labs:panel-list", "labs:report", "panel-detail"])
def test_labs_pages_show_vitamin_d_in_nmol_per_litre_when_preferred(client, nmol_person, page):
    client.force_login(nmol_person)
    if page == "panel-detail":
        url = reverse("labs:panel-detail", args=[nmol_person.panels.get().pk])
    else:
        url = reverse(page)
    html = client.get(url).content.decode()
    assert "50 nmol/L" in html
    assert "20.0 ng/mL" not in html
    if page == "panel-detail":
        assert "100–150 nmol/L" in html  # the target band, converted too

"""Creatinine, albumin and phosphate read in the unit the person enters them in (issue 11:
"every page … show values in the person's units"): there is no setting for them, and labs
print each in two units (µmol/L or mg/dL, g/L or g/dL, mmol/L or mg/dL), so the unit the
person last entered (their usual unit, the one the entry form preselects) is the one every
page shows; the canonical unit before any entry. Stored values stay canonical."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from labs.analytes import ENTERED_UNIT_ANALYTES
from labs.display import display_unit
from labs.units import units_for
from protocols.presenters import humanize
from tests.factories import UserFactory, panel_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_translations")]

TODAY = dt.date.today()
SI_ENTRY = {"creatinine": (80, "µmol/L"), "albumin": (42, "g/L"), "phosphate": (1.1, "mmol/L")}
SHOWN = {"creatinine": "80 µmol/L", "albumin": "42 g/L", "phosphate": "1,10 mmol/L"}


def british_person(language="en"):
    user = UserFactory(country="GB", language=language, vitd_unit="nmol/L", mineral_unit="mmol/L")
    panel_with(
        user,
        TODAY - dt.timedelta(days=40),
        vitd_25oh=(40, "nmol/L"),
        creatinine=(1.0, "mg/dL"),  # an older panel in the other unit
    )
    panel_with(
        user,
        TODAY - dt.timedelta(days=10),
        vitd_25oh=(45, "nmol/L"),
        ca_total=(2.4, "mmol/L"),
        mg_serum=(0.7, "mmol/L"),
        **SI_ENTRY,
    )
    return user


def text_of(html: str) -> str:
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_the_dashboard_shows_them_in_the_entered_unit(client):
    client.force_login(british_person("de"))
    text = text_of(client.get(reverse("dashboard:home")).content.decode())
    for shown in SHOWN.values():
        assert shown in text, shown
    assert "mg/dL" not in text and "g/dL" not in text


@pytest.mark.parametrize("analyte", ENTERED_UNIT_ANALYTES)
def test_the_trends_page_draws_them_in_the_entered_unit(client, analyte):
    client.force_login(british_person("de"))
    html = client.get(reverse("dashboard:trends"), {"analyte": analyte}).content.decode()
    unit = SI_ENTRY[analyte][1]
    assert unit in text_of(html)
    assert json.dumps({"text": unit}) in html  # the chart's y axis
    shown = re.sub(r"<select.*?</select>", "", html, flags=re.DOTALL)  # the entry form's list
    assert "mg/dL" not in text_of(shown)


def test_the_report_shows_them_in_the_entered_unit(client):
    client.force_login(british_person("de"))
    text = text_of(client.get(reverse("dashboard:report")).content.decode())
    for shown in SHOWN.values():
        assert shown in text, shown


def test_the_plans_calcium_basis_names_albumin_in_the_entered_unit():
    user = british_person("de")
    basis = "corrected calcium 9.68 mg/dL (total 9.6 mg/dL, albumin 4.2 g/dL, Payne)"
    with translation.override("de"):
        shown = humanize(basis, user)
    assert "Albumin 42 g/L" in shown or "albumin 42 g/L" in shown, shown
    assert "g/dL" not in shown and "mg/dL" not in shown


def test_an_american_who_enters_mg_dl_keeps_mg_dl(client):
    user = UserFactory(country="US")
    panel_with(user, TODAY, vitd_25oh=30, creatinine=(0.9, "mg/dL"), albumin=(4.2, "g/dL"))
    client.force_login(user)
    text = text_of(client.get(reverse("dashboard:home")).content.decode())
    assert "0.90 mg/dL" in text and "4.2 g/dL" in text and "µmol/L" not in text


def test_before_any_entry_the_canonical_unit():
    user = UserFactory(country="GB")
    assert display_unit(user, "creatinine") == "mg/dL"


@settings(max_examples=25, deadline=None)
@given(analyte=st.sampled_from(ENTERED_UNIT_ANALYTES), data=st.data())
def test_the_last_entered_unit_is_the_shown_unit(analyte, data):
    user = UserFactory(country="GB")
    units = data.draw(st.lists(st.sampled_from(units_for(analyte)), min_size=1, max_size=4))
    for days, unit in enumerate(units):
        value = 1.0 if unit in ("mg/dL", "g/dL") else {"µmol/L": 88.4, "g/L": 40, "mmol/L": 1}[unit]
        panel_with(user, TODAY - dt.timedelta(days=len(units) - days), **{analyte: (value, unit)})
    fresh = type(user).objects.get(pk=user.pk)
    assert display_unit(fresh, analyte) == units[-1]

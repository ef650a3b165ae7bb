"""The what-if page reads in the reader's units (issue 11): with no account, the unit lists
preselect the units of the country the browser's language names (de-DE → nmol/L, mmol/L;
en-US → ng/mL, mg/dL); a person's own settings otherwise; the plan shows values in the unit
the reader picked, and "45,5" nmol/L makes the same plan as 18.2 ng/mL."""

import re

import pytest
from django.urls import reverse

from protocols.forms import WHAT_IF_MARKERS
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_translations")]


def selected_units(html: str) -> dict[str, str]:
    """The unit each marker row's list has selected."""
    selects = re.findall(r'<select[^>]*name="(\w+)_unit"[^>]*>(.*?)</select>', html, re.DOTALL)
    return {
        code: re.search(r'<option value="([^"]+)" selected>', options)[1]
        for code, options in selects
    }


@pytest.mark.parametrize(
    ("header", "vitd", "mineral"),
    [
        ("de-DE,de;q=0.9", "nmol/L", "mmol/L"),
        ("de", "nmol/L", "mmol/L"),
        ("en-GB,en;q=0.9", "nmol/L", "mmol/L"),
        ("en-AU", "nmol/L", "mmol/L"),
        ("en-US,en;q=0.9", "ng/mL", "mg/dL"),
        ("", "ng/mL", "mg/dL"),
    ],
)
def test_a_visitor_gets_the_units_of_the_browsers_region(client, header, vitd, mineral):
    html = client.get(reverse("protocols:what-if"), HTTP_ACCEPT_LANGUAGE=header).content.decode()
    units = selected_units(html)
    assert set(units) == set(WHAT_IF_MARKERS)
    assert units["vitd_25oh"] == vitd
    assert units["mg_rbc"] == units["mg_serum"] == units["ca_total"] == mineral
    assert units["pth_intact"] == "pg/mL"


def test_a_person_gets_their_own_units_whatever_the_browser(client):
    client.force_login(UserFactory(vitd_unit="nmol/L", mineral_unit="mg/dL"))
    html = client.get(reverse("protocols:what-if"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    units = selected_units(html)
    assert (units["vitd_25oh"], units["mg_rbc"]) == ("nmol/L", "mg/dL")


def _plan(client, values, header):
    response = client.post(reverse("protocols:what-if"), values, HTTP_ACCEPT_LANGUAGE=header)
    return response, response.context["pv"]


def test_45_5_nmol_is_the_plan_of_18_2_ng_and_reads_in_nmol(client):
    german, pv_si = _plan(
        client,
        {
            "vitd_25oh": "45,5",
            "vitd_25oh_unit": "nmol/L",
            "mg_serum": "0,78",
            "mg_serum_unit": "mmol/L",
        },
        "de-DE,de;q=0.9",
    )
    american, pv_us = _plan(
        client,
        {
            "vitd_25oh": "18.2",
            "vitd_25oh_unit": "ng/mL",
            "mg_serum": "1.9",
            "mg_serum_unit": "mg/dL",
        },
        "en-US",
    )
    assert pv_si.phase == pv_us.phase == "correction"
    assert [line.daily_max for line in pv_si.lines] == [line.daily_max for line in pv_us.lines]
    marker = {m.code: m for m in pv_si.markers}
    assert marker["vitd_25oh"].value == "46 nmol/L"  # no false precision
    assert marker["vitd_25oh"].target.endswith("nmol/L")
    assert marker["mg_serum"].value == "0,78 mmol/L"
    assert {m.code: m for m in pv_us.markers}["vitd_25oh"].value == "18.2 ng/mL"
    html = german.content.decode()
    assert "Sie haben 45,5 nmol/L eingegeben = 18,2 ng/mL" in html


def test_the_unit_picked_beside_a_value_wins_over_the_region(client):
    _response, pv = _plan(
        client, {"vitd_25oh": "18.2", "vitd_25oh_unit": "ng/mL"}, "de-DE,de;q=0.9"
    )
    assert {m.code: m for m in pv.markers}["vitd_25oh"].value == "18,2 ng/mL"

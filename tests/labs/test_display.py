"""Values appear in the person's preferred unit on every labs page (issue #6, units preference)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from labs.display import (
    format_amount_range,
    format_date,
    format_for,
    format_number,
    format_plain,
    format_value,
    range_for,
)
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


@pytest.mark.parametrize("page", ["labs:panel-list", "dashboard:report", "panel-detail"])
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


# --- the active language writes the numbers and dates ----------------------------------------


@pytest.mark.parametrize(
    ("language", "user", "analyte", "canonical", "shown"),
    [
        pytest.param(
            "de", person(vitd_unit="nmol/L"), "vitd_25oh", 18.23, "46 nmol/L", id="de-nmol"
        ),
        pytest.param("de", person(), "vitd_25oh", 18.03, "18,0 ng/mL", id="de-ng-one-decimal"),
        pytest.param("en", person(), "vitd_25oh", 18.03, "18.0 ng/mL", id="en-ng-one-decimal"),
        pytest.param(
            "de", person(mineral_unit="mmol/L"), "mg_rbc", 6.0, "2,47 mmol/L", id="de-mmol"
        ),
        pytest.param("de", person(), "vitd_25oh", 1234.5, "1.234,5 ng/mL", id="de-grouping"),
    ],
)
def test_values_are_written_the_languages_way(language, user, analyte, canonical, shown):
    with translation.override(language):
        assert format_for(user, analyte, canonical) == shown


@pytest.mark.parametrize(
    ("language", "low", "high", "shown"),
    [
        ("en", 5000, 7000, "5,000–7,000 IU"),
        ("de", 5000, 7000, "5.000–7.000 IE"),
        ("de", 0.5, 0.5, "0,5 IE"),
        ("en", 4.25, 4.25, "4.25 IU"),
    ],
)
def test_amounts_drop_trailing_zeros_and_group_by_language(language, low, high, shown):
    with translation.override(language):
        assert format_amount_range(low, high, "IU") == shown


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("en", dt.date(2026, 12, 1), "1 Dec 2026"),
        ("de", dt.date(2026, 12, 1), "1. Dez. 2026"),
        ("de", "2027-03-15", "15. März 2027"),
        ("en", "", ""),
        ("en", "not a date", ""),
    ],
)
def test_dates_have_one_format_per_language(language, value, shown):
    with translation.override(language):
        assert format_date(value) == shown


def _read_back(text: str, language: str) -> float:
    group, decimal = (".", ",") if language == "de" else (",", ".")
    return float(text.replace(group, "").replace(decimal, "."))


@given(
    value=st.floats(min_value=0.01, max_value=250, allow_nan=False),
    language=st.sampled_from(["en", "de"]),
    unit=st.sampled_from(["ng/mL", "nmol/L"]),
)
def test_a_shown_value_reads_back_within_its_precision(value, language, unit):
    """Whatever the language, the number on the page is the stored value to its shown precision."""
    with translation.override(language):
        shown = format_value("vitd_25oh", value, unit)
    decimals = 1 if unit == "ng/mL" else 0
    expected = value if unit == "ng/mL" else value * 2.496
    assert abs(_read_back(shown, language) - expected) <= 0.5 * 10**-decimals + 1e-9


@given(
    number=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    language=st.sampled_from(["en", "de"]),
)
def test_plain_and_amount_numbers_read_back(number, language):
    with translation.override(language):
        assert _read_back(format_plain(number), language) == pytest.approx(float(f"{number:.10g}"))
        assert _read_back(format_number(number), language) == pytest.approx(
            round(number, 2), abs=1e-9
        )


@pytest.mark.usefixtures("compiled_translations")
def test_catalog_names_are_translated_where_they_are_shown():
    from labs.display import analyte_name, analyte_short_name
    from labs.models import SYMPTOM_CHOICES

    with translation.override("de"):
        assert analyte_short_name("mg_rbc") == "Erythrozyten-Mg"
        assert analyte_name("mg_serum") == "Magnesium im Serum/Plasma"
        assert str(dict(SYMPTOM_CHOICES)["muscle_cramps"]) == "Muskelkrämpfe oder -zuckungen"
    assert analyte_short_name("mg_rbc") == "RBC Mg"


@given(
    day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    language=st.sampled_from(["en", "de"]),
)
def test_the_fast_date_formatter_writes_what_format_date_writes(day, language):
    from labs.display import date_formatter

    with translation.override(language):
        assert date_formatter()(day) == format_date(day)


@given(
    number=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    decimals=st.integers(min_value=0, max_value=2),
    language=st.sampled_from(["en", "de"]),
)
def test_the_fast_number_formatter_reads_back_like_format_decimal(number, decimals, language):
    from labs.display import decimal_formatter, format_decimal

    with translation.override(language):
        fast, general = decimal_formatter(decimals)(number), format_decimal(number, decimals)
    # Both round to `decimals`; they may differ only on a binary tie (x.x5 stored as x.x4999…).
    assert abs(_read_back(fast, language) - _read_back(general, language)) <= 10**-decimals

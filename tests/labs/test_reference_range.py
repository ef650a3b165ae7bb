"""The lab's printed reference range: read by labs.validation, saved by labs.services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from labs import services
from labs.analytes import ANALYTES
from labs.importers import ImportRow
from labs.models import Result
from labs.validation import (
    BadRange,
    ReferenceRange,
    check_reference_range,
    parse_reference_text,
    range_flag,
)

DAY = dt.date(2025, 6, 1)
ENDS = st.decimals(min_value=Decimal("0"), max_value=Decimal("999.99"), places=2)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("8.6-10.2", 8.6, 10.2),
        ("8,6 – 10,2", 8.6, 10.2),
        ("30 to 100", 30, 100),
        ("30 bis 100", 30, 100),
        ("< 5", None, 5),
        ("≤5", None, 5),
        ("> 40", 40, None),
        ("0-5", 0, 5),
        ("", None, None),
    ],
)
def test_a_printed_range_reads_in_every_way_labs_print_it(text, low, high):
    assert parse_reference_text(text) == ReferenceRange(low, high)


@pytest.mark.parametrize("text", ["10.2-8.6", "abc", "1-2-3", "-5", "5-", "8.6 10.2"])
def test_what_is_not_a_range_is_refused_in_words(text):
    with pytest.raises(BadRange):
        parse_reference_text(text)


def test_a_range_in_the_wrong_unit_is_refused_like_a_value():
    with pytest.raises(BadRange, match="impossible"):
        check_reference_range(30, 1000, analyte=ANALYTES["vitd_25oh"], unit="ng/mL")
    assert check_reference_range(75, 250, analyte=ANALYTES["vitd_25oh"], unit="nmol/L").high == 250


@given(ENDS, ENDS, st.sampled_from([".", ","]))
def test_a_range_is_accepted_exactly_when_low_is_at_most_high(low, high, separator):
    text = f"{low}-{high}".replace(".", separator) if separator == "," else f"{low}-{high}"
    if low <= high:
        assert parse_reference_text(text) == ReferenceRange(float(low), float(high))
    else:
        with pytest.raises(BadRange):
            parse_reference_text(text)


@pytest.mark.parametrize(
    ("flag", "stored"), [("H", "H"), ("high", "H"), ("l", "L"), ("", ""), ("N", "")]
)
def test_the_labs_flag_is_stored_as_h_or_l(flag, stored):
    assert check_reference_range(1, 2, flag).flag == stored


def test_a_flag_that_is_not_h_or_l_is_refused():
    with pytest.raises(BadRange):
        check_reference_range(1, 2, "maybe")


def test_a_value_outside_the_range_is_flagged_high_or_low():
    ref = ReferenceRange(8.6, 10.2)
    assert (range_flag(10.4, ref), range_flag(8.0, ref), range_flag(9, ref)) == ("H", "L", "")
    assert range_flag(9, ReferenceRange()) == ""


@pytest.mark.django_db
def test_panel_create_stores_the_range_as_entered_and_in_the_canonical_unit(user):
    row = services.ResultInput("ca_total", 2.6, "mmol/L", reference=ReferenceRange(2.15, 2.55, "H"))
    panel = services.panel_create(user=user, drawn_on=DAY, results=[row])
    result = panel.results.get()
    assert (result.ref_low, result.ref_high, result.ref_flag) == (2.15, 2.55, "H")
    assert result.ref_high_canonical == pytest.approx(2.55 / 0.2495)
    assert result.ref_low_canonical == pytest.approx(2.15 / 0.2495)


@pytest.mark.django_db
def test_the_service_refuses_a_range_with_low_above_high_and_saves_nothing(user):
    row = services.ResultInput("ca_total", 9.9, "mg/dL", reference=ReferenceRange(10.2, 8.6))
    with pytest.raises(BadRange):
        services.panel_create(user=user, drawn_on=DAY, results=[row])
    assert not Result.objects.exists()


@pytest.mark.django_db
def test_the_database_backs_low_at_most_high(user):
    panel = services.panel_create(user=user, drawn_on=DAY, results=[("ca_total", 9.9, "mg/dL")])
    with pytest.raises(IntegrityError), transaction.atomic():
        Result.objects.filter(panel=panel).update(ref_low=10.2, ref_high=8.6)


@pytest.mark.django_db
def test_panel_update_changes_the_range_and_keeps_the_result(user):
    panel = services.panel_create(user=user, drawn_on=DAY, results=[("ca_total", 9.9, "mg/dL")])
    before = panel.results.get().pk
    row = services.ResultInput("ca_total", 9.9, "mg/dL", reference=ReferenceRange(8.6, 10.0))
    services.panel_update(panel=panel, drawn_on=DAY, results=[row])
    result = panel.results.get()
    assert (result.pk, result.ref_low, result.ref_high) == (before, 8.6, 10.0)
    assert result.history.count() == 2  # the change is in the audit trail


@pytest.mark.django_db
def test_results_import_stores_the_rows_ranges(user):
    row = ImportRow(2, DAY, "vitd_25oh", 75, "nmol/L", 75 / 2.496, ref_low=75, ref_high=250)
    services.results_import(user=user, rows=[row])
    result = Result.objects.get(user=user)
    assert (result.ref_low, result.ref_high) == (75, 250)
    assert result.ref_low_canonical == pytest.approx(75 / 2.496)


@given(st.text(max_size=40))
def test_any_printed_text_is_a_range_with_low_at_most_high_or_a_bad_range(text):
    try:
        reference = parse_reference_text(text)
    except BadRange:
        return
    except ValueError as exc:  # the strict number parser's own refusals
        assert hasattr(exc, "template")
        return
    if reference.low is not None and reference.high is not None:
        assert reference.low <= reference.high

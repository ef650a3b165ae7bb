"""labs.validation: the one reader of a lab value, its invariants and its questions."""

import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labs import validation
from labs.analytes import ANALYTES
from labs.units import from_canonical, units_for
from labs.validation import (
    AmbiguousNumber,
    Implausible,
    LabValueError,
    NotANumber,
    UnusualUnit,
    check_usual_unit,
    parse_decimal,
    parse_lab_value,
)

SEPARATORS = st.sampled_from([".", ","])
# Decimals as a person types them: up to 4 whole digits and 2 decimals (never 3: see below).
TYPED = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)


def typed(value: Decimal, separator: str) -> str:
    return format(value, "f").replace(".", separator)


@given(TYPED, SEPARATORS, SEPARATORS)
def test_a_typed_number_reads_back_whatever_the_separator_and_locale(value, typed_sep, locale):
    assert parse_decimal(typed(value, typed_sep), decimal_separator=locale) == value


@given(st.text(max_size=12), SEPARATORS)
def test_the_locale_never_changes_what_a_text_means(text, locale):
    def outcome(separator):
        try:
            return parse_decimal(text, decimal_separator=separator)
        except LabValueError as exc:
            return type(exc)

    assert outcome(locale) == outcome(".")


@given(st.text(min_size=1, max_size=12).filter(lambda t: any(not c.isascii() for c in t)))
def test_only_ascii_digits_are_numbers(text):
    with pytest.raises(NotANumber):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["３２", "٣٢", "3_2", "1e3", "+5", "inf", "nan", "1 000", "4.0.1"])
def test_what_python_would_read_as_a_number_is_refused(text):
    with pytest.raises(NotANumber):
        parse_decimal(text)


@given(st.integers(1, 999), st.integers(0, 999), SEPARATORS)
def test_three_digits_after_one_separator_are_always_a_question(whole, fraction, separator):
    text = f"{whole}{separator}{fraction:03}"
    with pytest.raises(AmbiguousNumber) as caught:
        parse_decimal(text)
    assert caught.value.readings == (
        Decimal(f"{whole}{fraction:03}"),
        Decimal(f"{whole}.{fraction:03}"),
    )


def test_a_long_run_of_digits_is_not_a_number_and_not_infinity():
    with pytest.raises(NotANumber):
        parse_decimal("1" + "0" * 400)
    with pytest.raises(NotANumber):
        validation.positive_finite(Decimal("1e400"))


ANALYTE_UNITS = [(code, unit) for code in ANALYTES for unit in units_for(code)]


@given(st.sampled_from(ANALYTE_UNITS), st.text(max_size=14), SEPARATORS)
def test_any_text_gives_a_plausible_positive_value_or_a_lab_value_error(pair, text, locale):
    code, unit = pair
    analyte = ANALYTES[code]
    try:
        reading = parse_lab_value(analyte, text, unit, decimal_separator=locale)
    except LabValueError:
        return
    low, high = analyte.plausible
    assert math.isfinite(reading.value) and reading.value > 0
    assert low <= reading.canonical_value <= high
    assert reading.qualifier in ("", "<", ">")


@pytest.mark.parametrize(
    ("text", "qualifier", "value"),
    [("<10", "<", 10.0), ("> 160", ">", 160.0), ("45,5", "", 45.5), (" 32.5 ", "", 32.5)],
)
def test_censored_values_and_decimal_commas(text, qualifier, value):
    reading = parse_lab_value(ANALYTES["vitd_25oh"], text, "nmol/L")
    assert (reading.qualifier, reading.value) == (qualifier, value)


def test_an_ambiguous_value_with_one_plausible_reading_takes_it():
    reading = parse_lab_value(ANALYTES["ca_ionized"], "1,250", "mmol/L")
    assert reading.value == 1.25 and reading.reinterpreted


def test_an_ambiguous_value_with_two_plausible_readings_asks():
    with pytest.raises(AmbiguousNumber) as caught:
        parse_lab_value(ANALYTES["pth_intact"], "1,050", "pg/mL", decimal_separator=",")
    assert str(caught.value) == "“1,050” could be read two ways: type 1050 or 1,05."


@given(st.integers(1, 999), st.integers(0, 999), SEPARATORS)
def test_the_decimal_reading_suggested_is_never_asked_about_again(whole, fraction, separator):
    with pytest.raises(AmbiguousNumber) as caught:
        parse_decimal(f"{whole}{separator}{fraction:03}", decimal_separator=separator)
    suggested = caught.value.params["decimal"]
    assert parse_decimal(suggested) == caught.value.readings[1]


def test_implausible_values_name_the_bounds_and_the_unit_meant():
    with pytest.raises(Implausible) as caught:
        parse_lab_value(ANALYTES["vitd_25oh"], "400", "ng/mL")
    assert str(caught.value) == "25(OH)D must be between 1 and 250 ng/mL — did you mean nmol/L?"


@pytest.mark.parametrize(
    ("code", "value", "unit", "meant"),
    [
        ("mg_rbc", 2.2, "mg/dL", "mmol/L"),
        ("mg_serum", 0.78, "mg/dL", "mmol/L"),
        ("phosphate", 1.1, "mg/dL", "mmol/L"),
    ],
)
def test_a_plausible_value_usual_only_in_another_unit_is_asked_about(code, value, unit, meant):
    analyte = ANALYTES[code]
    with pytest.raises(UnusualUnit) as caught:
        parse_lab_value(analyte, str(value), unit, unit_confirmed=False)
    assert f"did you mean {meant}?" in str(caught.value)
    # Confirmed ("the unit is right"), it is taken as typed.
    assert parse_lab_value(analyte, str(value), unit, unit_confirmed=True).value == value


@pytest.mark.parametrize("code", [c for c in ANALYTES if len(set(ANALYTES[c].units.values())) > 1])
def test_every_analyte_suggests_the_unit_a_typical_value_was_meant_in(code):
    """A typical value of each unit typed under each other unit is refused or asked about,
    naming the unit meant — unless it is just as usual in the unit typed."""
    analyte = ANALYTES[code]
    typical = math.sqrt(analyte.likely[0] * analyte.likely[1])
    for meant in units_for(code):
        value = round(from_canonical(code, typical, meant), 2)
        for typed_unit in units_for(code):
            if analyte.units[typed_unit] == analyte.units[meant]:
                continue
            try:
                check_usual_unit(analyte, value, typed_unit)
                validation.check_plausible(analyte, value, typed_unit)
            except (Implausible, UnusualUnit) as exc:
                assert meant in str(exc), (value, typed_unit, str(exc))


def test_the_date_window_is_one_check():
    today = date(2026, 6, 1)
    assert validation.check_drawn_on(today, today) == today
    with pytest.raises(validation.FutureDate):
        validation.check_drawn_on(date(2026, 6, 2), today)
    with pytest.raises(validation.AncientDate):
        validation.check_drawn_on(date(1899, 12, 31), today)


@pytest.mark.parametrize("text", ["Lab\x00", "a\x07b", "\x1b[31m"])
def test_control_characters_in_text_are_refused(text):
    with pytest.raises(LabValueError, match="control character"):
        validation.clean_text(text, 100, "lab")

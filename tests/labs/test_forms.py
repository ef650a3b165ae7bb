"""The entry forms refuse bad input with plain words next to the field concerned."""

import datetime as dt

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from labs.analytes import ANALYTES, SEED_RULE_SET, status
from labs.forms import (
    LifeEventForm,
    PanelEntry,
    ResultRowForm,
    SymptomCheckinForm,
    UploadForm,
    parse_number,
)
from labs.units import to_canonical

TODAY = dt.date(2026, 3, 10)


def entry_data(*rows, drawn_on="2026-03-01", **panel) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update({"drawn_on": drawn_on, **panel})
    for i, (analyte, value, unit) in enumerate(rows):
        data.appendlist("row", f"r{i}")
        data.appendlist("analyte", analyte)
        data.appendlist("value", value)
        data.appendlist("unit", unit)
    return data


def row_errors(**fields) -> dict:
    form = ResultRowForm({"analyte": "vitd_25oh", "value": "32", "unit": "ng/mL", **fields})
    form.is_valid()
    return form.errors


def test_a_valid_panel_gives_its_results_as_entered():
    entry = PanelEntry(
        entry_data(("vitd_25oh", "80", "nmol/L"), ("mg_rbc", "4,6", "mg/dL")), today=TODAY
    )
    assert entry.is_valid()
    assert entry.results() == [("vitd_25oh", 80.0, "nmol/L"), ("mg_rbc", 4.6, "mg/dL")]
    assert entry.panel.cleaned_data["drawn_on"] == dt.date(2026, 3, 1)


def test_a_value_out_of_bounds_suggests_the_unit_it_fits():
    assert row_errors(value="400") == {
        "value": ["25(OH)D must be between 1 and 250 ng/mL — did you mean nmol/L?"]
    }


def test_an_implausible_value_without_a_fitting_unit_just_gives_the_bounds():
    errors = row_errors(value="9000", unit="nmol/L")["value"][0]
    assert errors.startswith("25(OH)D must be between")
    assert "did you mean" not in errors


@pytest.mark.parametrize("value", ["abc", "12..5", "1e400", "nan"])
def test_a_value_that_is_not_an_ordinary_number_is_refused(value):
    errors = row_errors(value=value)["value"][0]
    assert "number" in errors


@pytest.mark.parametrize("value", ["0", "-3"])
def test_a_value_of_zero_or_less_is_refused(value):
    assert row_errors(value=value) == {"value": ["The value must be greater than 0."]}


def test_an_unknown_unit_is_named():
    assert row_errors(unit="furlongs") == {"unit": ["Unknown unit “furlongs”."]}


def test_a_unit_of_another_analyte_is_refused_with_the_accepted_ones():
    assert row_errors(unit="mg/dL") == {
        "unit": ["mg/dL is not a unit for 25(OH)D; use ng/mL or nmol/L."]
    }


def test_an_unknown_analyte_is_refused():
    assert "analyte" in row_errors(analyte="unobtainium")


def test_a_date_in_the_future_is_refused():
    entry = PanelEntry(entry_data(("vitd_25oh", "30", "ng/mL"), drawn_on="2026-03-11"), today=TODAY)
    assert not entry.is_valid()
    assert entry.panel.errors["drawn_on"] == ["The date cannot be in the future."]


def test_today_is_accepted():
    entry = PanelEntry(entry_data(("vitd_25oh", "30", "ng/mL"), drawn_on="2026-03-10"), today=TODAY)
    assert entry.is_valid()


def test_the_same_analyte_twice_is_refused_on_the_second_row():
    entry = PanelEntry(
        entry_data(("vitd_25oh", "30", "ng/mL"), ("mg_rbc", "5", "mg/dL"),
                   ("vitd_25oh", "75", "nmol/L")),
        today=TODAY,
    )  # fmt: skip
    assert not entry.is_valid()
    assert entry.rows[0].form.errors == {}
    assert entry.rows[2].form.errors["analyte"] == ["25(OH)D is already in this panel (row 1)."]


def test_a_bad_last_row_makes_the_whole_panel_invalid():
    entry = PanelEntry(
        entry_data(("vitd_25oh", "30", "ng/mL"), ("mg_rbc", "5", "mg/dL"),
                   ("pth_intact", "oops", "pg/mL")),
        today=TODAY,
    )  # fmt: skip
    assert not entry.is_valid()
    assert [bool(row.form.errors) for row in entry.rows] == [False, False, True]


def test_blank_rows_are_skipped_but_a_panel_needs_one_result():
    entry = PanelEntry(entry_data(("", "", "ng/mL"), ("", "", "")), today=TODAY)
    assert not entry.is_valid()
    assert entry.errors == ["Enter at least one result."]

    entry = PanelEntry(entry_data(("vitd_25oh", "30", "ng/mL"), ("", "", "")), today=TODAY)
    assert entry.is_valid()
    assert entry.results() == [("vitd_25oh", 30.0, "ng/mL")]


def test_a_half_filled_row_says_what_is_missing():
    entry = PanelEntry(entry_data(("vitd_25oh", "", "ng/mL")), today=TODAY)
    assert not entry.is_valid()
    assert entry.rows[0].form.errors == {"value": ["Enter the value."]}


def test_the_preview_converts_and_badges_a_valid_row():
    entry = PanelEntry(entry_data(("vitd_25oh", "100", "nmol/L")), today=TODAY)
    preview = entry.rows[0].preview
    badge = status(preview.analyte, preview.canonical, rule_set=SEED_RULE_SET)  # labs_tags
    assert (preview.canonical, badge) == (40.1, "in_target")


def test_fasting_is_yes_no_or_not_recorded():
    for raw, expected in (("true", True), ("false", False), ("", None)):
        entry = PanelEntry(entry_data(("vitd_25oh", "30", "ng/mL"), fasting=raw), today=TODAY)
        assert entry.is_valid()
        assert entry.panel.cleaned_data["fasting"] is expected


def test_a_checkin_scores_several_symptoms_and_skips_blank_ones():
    form = SymptomCheckinForm(
        {"recorded_on": "2026-03-10", "s_muscle_cramps": "3", "s_insomnia": "0", "s_fatigue": ""},
        today=TODAY,
    )
    assert form.is_valid(), form.errors
    assert form.scores() == {"muscle_cramps": 3, "insomnia": 0}


def test_a_checkin_refuses_a_severity_above_3_a_future_date_and_an_empty_form():
    form = SymptomCheckinForm({"recorded_on": "2026-03-11", "s_fatigue": "4"}, today=TODAY)
    assert not form.is_valid()
    assert form.errors["recorded_on"] == ["The date cannot be in the future."]
    assert "s_fatigue" in form.errors
    empty = SymptomCheckinForm({"recorded_on": "2026-03-10"}, today=TODAY)
    assert not empty.is_valid()
    assert empty.non_field_errors() == ["Score at least one symptom (0 means none)."]


def test_a_life_event_needs_a_known_kind_and_a_past_date():
    form = LifeEventForm({"kind": "moon_landing", "occurred_on": "2026-03-11"}, today=TODAY)
    assert not form.is_valid()
    assert set(form.errors) == {"kind", "occurred_on"}


def test_an_upload_above_the_limit_is_refused_with_the_limit():
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("r.csv", b"x" * (2 * 1024 * 1024 + 1), content_type="text/csv")
    form = UploadForm({}, {"file": big}, max_bytes=2 * 1024 * 1024)
    assert not form.is_valid()
    assert form.errors["file"] == [
        "The file is larger than the limit of 2 MB. Split it into smaller files."
    ]


ANALYTE_CODES = st.sampled_from([*ANALYTES, ""])
UNITS = st.sampled_from(["ng/mL", "nmol/L", "mg/dL", "mmol/L", "pg/mL", "pmol/L", "g/L", ""])
VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str), st.text(max_size=12))


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.one_of(ANALYTE_CODES, st.text(max_size=8)), VALUES,
                  st.one_of(UNITS, st.text(max_size=8))),
        max_size=5,
    ),
    drawn_on=st.one_of(st.dates().map(str), st.text(max_size=12)),
)  # fmt: skip
def test_any_input_gets_a_verdict_never_a_crash(rows, drawn_on):
    entry = PanelEntry(entry_data(*rows, drawn_on=drawn_on), today=TODAY)
    if entry.is_valid():
        for code, value, unit in entry.results():
            low, high = ANALYTES[code].plausible
            assert low <= to_canonical(code, value, unit) <= high
    for row in entry.rows:
        assert row.preview is None or row.preview.error or row.preview.canonical > 0


# --- labs.validation at the form edge (issue 11) ------------------------------------------


def _row(**fields):
    from labs.forms import ResultRowForm

    form = ResultRowForm({"analyte": "mg_serum", "value": "0.78", "unit": "mg/dL"} | fields)
    form.is_valid()
    return form


def test_a_serum_magnesium_typed_in_mmol_under_mg_dl_is_asked_about():
    form = _row()
    assert form.asks_unit
    assert "did you mean mmol/L?" in form.errors["value"][0]
    confirmed = _row(unit_ok="on")
    assert confirmed.is_valid(), confirmed.errors
    assert confirmed.cleaned_data["value"] == 0.78


def test_a_rbc_magnesium_in_mmol_under_mg_dl_is_asked_about():
    assert "did you mean mmol/L?" in _row(analyte="mg_rbc", value="2.2").errors["value"][0]


@pytest.mark.parametrize("text", ["３２", "٣٢", "3_2"])
def test_only_ascii_digits_are_read(text):
    assert _row(analyte="vitd_25oh", value=text, unit="ng/mL").errors["value"]


def test_a_censored_value_is_kept_with_its_qualifier():
    form = _row(analyte="vitd_25oh", value="< 10", unit="ng/mL")
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["qualifier"], form.cleaned_data["value"]) == ("<", 10.0)


def test_a_german_decimal_comma_reads_in_every_locale():
    from django.utils import translation

    for language in ("de", "en"):
        with translation.override(language):
            form = _row(analyte="vitd_25oh", value="45,5", unit="nmol/L")
            assert form.is_valid(), form.errors
            assert form.cleaned_data["value"] == 45.5


@pytest.mark.parametrize("text", ["1,050", "12,500", "999,999"])
def test_a_thousands_separator_is_refused_as_ambiguous(text):
    from django import forms

    with pytest.raises(forms.ValidationError) as caught:
        parse_number(text)
    assert caught.value.code == "ambiguous"


@pytest.mark.parametrize(("text", "value"), [("12,5", 12.5), ("0,825", 0.825), ("1050", 1050)])
def test_a_plain_decimal_comma_still_reads(text, value):
    assert parse_number(text) == value

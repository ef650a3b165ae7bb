import json
from datetime import date
from decimal import Decimal

import pytest
from fhir.resources.bundle import Bundle as R5Bundle
from fhir.resources.R4B.bundle import Bundle

from labs.exporters import ExportRow, result_uuid, results_csv, results_fhir_bundle
from labs.importers import (
    CSV_COLUMNS,
    CSV_TEMPLATE,
    ImportRow,
    RowError,
    parse_fhir_bundle,
    parse_results_csv,
)
from labs.validation import CSV_MAX_BYTES

TODAY = date(2024, 6, 1)
HEADER = "date,analyte,value,unit,lab,notes\n"


UNKNOWN_FERRITIN = (
    'unknown analyte "Ferritin"; use a name such as 25(OH)D, Magnesium, PTH or a LOINC code'
)
ACCEPTED = 'digits with one decimal point or comma, like 32.5 or 32,5, or a limit like "<10"'


def not_a_number(text: str) -> str:
    return f'value "{text}" is not a number; use {ACCEPTED}'


def parse(text: str, **kwargs):
    return parse_results_csv(text.encode("utf-8"), today=TODAY, **kwargs)


def messages(result) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in result.errors]


# --- CSV: what is accepted ---------------------------------------------------


def test_the_template_parses_cleanly():
    result = parse(CSV_TEMPLATE)
    assert result.ok
    assert [r.analyte for r in result.rows] == ["vitd_25oh", "mg_rbc"]
    assert CSV_TEMPLATE.splitlines()[0].split(",") == list(CSV_COLUMNS)


def test_a_plain_row():
    result = parse(HEADER + "2024-03-01,vitd_25oh,75,nmol/L,Acme Lab,fasting\n")
    assert result.ok
    assert result.rows == [
        ImportRow(
            line=2,
            drawn_on=date(2024, 3, 1),
            analyte="vitd_25oh",
            value=75.0,
            unit="nmol/L",
            canonical_value=pytest.approx(30.048, abs=1e-3),
            lab="Acme Lab",
            notes="fasting",
        )
    ]


def test_excel_style_file_with_bom_semicolons_decimal_comma_and_crlf():
    text = "\ufeffDate;Analyte;Value;Unit\r\n2024-03-01;25-OH Vitamin D;32,5;ng/ml\r\n"
    result = parse(text)
    assert result.ok, result
    assert result.rows[0].value == 32.5
    assert result.rows[0].unit == "ng/mL"


def test_tab_separated_files_are_read():
    result = parse("date\tanalyte\tvalue\tunit\n2024-03-01\tPTH\t5,3\tpmol/L\n")
    assert result.ok
    assert result.rows[0].canonical_value == pytest.approx(49.95, abs=0.01)


def test_columns_in_any_order_and_case_optional_ones_absent():
    result = parse("UNIT,Value,analyte,DATE\nmg/dL,5.9,Magnesium RBC,2024/03/01\n")
    assert result.ok
    row = result.rows[0]
    assert (row.drawn_on, row.analyte, row.value, row.lab, row.notes) == (
        date(2024, 3, 1),
        "mg_rbc",
        5.9,
        "",
        "",
    )


def test_blank_lines_are_skipped_and_line_numbers_stay_true():
    text = HEADER + "\n2024-03-01,PTH,40,pg/mL,,\n\n,,,,,\n2024-03-01,Ferritin,40,ng/mL,,\n"
    result = parse(text)
    assert [r.line for r in result.rows] == [3]
    assert messages(result) == [(6, UNKNOWN_FERRITIN)]


def test_quoted_fields_may_hold_separators_and_trailing_separators_are_fine():
    text = 'date,analyte,value,unit,lab,notes,\n2024-03-01,PTH,40,pg/mL,"Lab, Inc.","a, b",\n'
    result = parse(text)
    assert result.ok, result
    assert (result.rows[0].lab, result.rows[0].notes) == ("Lab, Inc.", "a, b")


def test_every_accepted_unit_spelling_and_analyte_name():
    text = HEADER + (
        "2024-03-01,Magnesium,0.85,MMOL/L,,\n"
        "2024-03-01,Calcium,4.8,meq/l,,\n"
        "2024-03-01,creatinine,80,umol/L,,\n"
        "2024-03-01,eGFR,85,mL/min/1.73 m²,,\n"
    )
    result = parse(text)
    assert result.ok, result
    assert [r.unit for r in result.rows] == ["mmol/L", "mEq/L", "µmol/L", "mL/min/1.73m2"]


# --- CSV: whole-file problems ------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "The file is empty.", id="empty"),
        pytest.param(b"  \r\n\n", "The file is empty.", id="whitespace"),
        pytest.param(b"\xef\xbb\xbf", "The file is empty.", id="bom-only"),
        pytest.param(b'""\n', "The file is empty.", id="blank-cell"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file", id="binary"),
        pytest.param(b"date,analyte\n\x81\x8d", "not text in UTF-8, UTF-16", id="no-encoding"),
        pytest.param(HEADER.encode(), "header but no results", id="header-only"),
        pytest.param(b"date,analyte,value\n", "Missing column(s): unit", id="missing-column"),
        pytest.param(
            b"date,analyte,value,unit,,lab\n", "Unknown column(s): (blank)", id="blank-column"
        ),
        pytest.param(b"date,analyte,value,unit,Unit\n", "given twice: unit", id="duplicate"),
        pytest.param(
            b"2024-03-01,vitd_25oh,30,ng/mL\n", "looks like results, not a header", id="no-header"
        ),
    ],
)
def test_whole_file_problems(data, message):
    result = parse_results_csv(data, today=TODAY)
    assert message in result.error
    assert result.rows == [] and not result.ok


def test_the_size_limit_is_stated():
    result = parse(HEADER + "2024-03-01,PTH,40,pg/mL,,\n", max_bytes=20)
    assert result.error == "The file is larger than the limit of 20 bytes."
    assert parse_results_csv(b"x" * (CSV_MAX_BYTES + 1)).error.endswith("2,097,152 bytes.")


def test_the_row_limit_is_stated():
    rows = "".join(f"2024-03-{day:02},PTH,40,pg/mL,,\n" for day in range(1, 5))
    assert parse(HEADER + rows, max_rows=4).ok
    result = parse(HEADER + rows, max_rows=3)
    assert result.error == "The file has more than 3 rows, the limit. Split it."
    assert result.rows == []


# --- CSV: row problems -------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param(",PTH,40,pg/mL", "date is missing", id="no-date"),
        pytest.param(
            "13/13/2024,PTH,40,pg/mL", 'date "13/13/2024" does not exist', id="dmy-month-13"
        ),
        pytest.param(
            "2024-03-01T28:00,PTH,40,pg/mL",
            'date "2024-03-01T28:00" has a time that does not exist; use 00:00 to 23:59 or '
            "12:00 AM to 11:59 PM after the date",
            id="datetime-hour-28",
        ),
        pytest.param("2024-13-01,PTH,40,pg/mL", 'date "2024-13-01" does not exist', id="month-13"),
        pytest.param("2024-02-30,PTH,40,pg/mL", 'date "2024-02-30" does not exist', id="feb-30"),
        pytest.param("2024-06-02,PTH,40,pg/mL", "date 2024-06-02 is in the future", id="future"),
        pytest.param("1899-12-31,PTH,40,pg/mL", "date 1899-12-31 is before 1900", id="ancient"),
        pytest.param("2024-03-01,,40,pg/mL", "analyte is missing", id="no-analyte"),
        pytest.param("2024-03-01,Ferritin,40,ng/mL", UNKNOWN_FERRITIN, id="analyte"),
        pytest.param("2024-03-01,PTH,,pg/mL", "value is missing", id="no-value"),
        pytest.param("2024-03-01,PTH,forty,pg/mL", not_a_number("forty"), id="word"),
        pytest.param("2024-03-01,PTH,<<5,pg/mL", not_a_number("<<5"), id="two-comparators"),
        pytest.param("2024-03-01,PTH,nan,pg/mL", not_a_number("nan"), id="nan"),
        pytest.param("2024-03-01,PTH,inf,pg/mL", not_a_number("inf"), id="inf"),
        pytest.param("2024-03-01,PTH,1e3,pg/mL", not_a_number("1e3"), id="exponent"),
        pytest.param("2024-03-01,PTH,3_2,pg/mL", not_a_number("3_2"), id="underscore"),
        pytest.param("2024-03-01,PTH,３２,pg/mL", not_a_number("３２"), id="fullwidth-digits"),
        pytest.param("2024-03-01,PTH,٣٢,pg/mL", not_a_number("٣٢"), id="arabic-digits"),
        pytest.param("2024-03-01,PTH,0,pg/mL", "value must be greater than 0, not 0", id="zero"),
        pytest.param(
            "2024-03-01,PTH,-3,pg/mL", "value must be greater than 0, not -3", id="negative"
        ),
        pytest.param("2024-03-01,PTH,40,", "unit is missing", id="no-unit"),
        pytest.param(
            "2024-03-01,PTH,40,kg",
            'unknown unit "kg"; PTH takes pg/mL or ng/L or pmol/L',
            id="unknown-unit",
        ),
        pytest.param(
            "2024-03-01,25(OH)D,2,mmol/L",
            "mmol/L is not a unit for 25(OH)D; use ng/mL or nmol/L",
            id="unit-of-another-analyte",
        ),
        pytest.param(
            "2024-03-01,vitd_25oh,400,ng/mL",
            "25(OH)D must be between 1 and 250 ng/mL — did you mean nmol/L?",
            id="nmol-as-ng",
        ),
        pytest.param(
            "2024-03-01,vitd_25oh,2200,ng/mL",
            "25(OH)D must be between 1 and 250 ng/mL",
            id="typo-no-hint",
        ),
        pytest.param(
            "2024-03-01,vitd_25oh,2,nmol/L",
            "25(OH)D must be between 2.496 and 624 nmol/L (1 and 250 ng/mL) — did you mean ng/mL?",
            id="bounds-in-entered-unit",
        ),
        pytest.param(
            "2024-03-01,Albumin,42,g/dL",
            "Albumin must be between 0.5 and 7 g/dL — did you mean g/L?",
            id="g-per-l-as-g-per-dl",
        ),
        pytest.param(
            "2024-03-01,ca_ionized,1.2,mg/dL",
            "Ionized Ca must be between 2 and 10 mg/dL — did you mean mmol/L?",
            id="ionized-mmol-as-mg",
        ),
        pytest.param(
            "2024-03-01,PTH,40,pg/mL,,,surplus",
            "has 7 values but the header has 6 columns",
            id="too-many-values",
        ),
        pytest.param(
            "2024-03-01,PTH,40,pg/mL," + "x" * 121, "lab is longer than 120 characters", id="lab"
        ),
    ],
)
def test_row_problems(row, message):
    result = parse(HEADER + "2024-03-01,albumin,4.2,g/dL,,\n" + row + "\n")
    assert messages(result) == [(3, message)]
    assert [r.line for r in result.rows] == [2]  # the good row is still read
    assert not result.ok


def test_all_problems_of_a_row_are_listed():
    result = parse(HEADER + "31/02/2024,PTH,-3,kg,,\n")
    assert messages(result) == [
        (2, 'date "31/02/2024" does not exist'),
        (2, "value must be greater than 0, not -3"),
        (2, 'unknown unit "kg"; PTH takes pg/mL or ng/L or pmol/L'),
    ]


def test_the_same_analyte_twice_on_one_date_is_an_error():
    text = (
        HEADER
        + "2024-03-01,PTH,40,pg/mL,,\n2024-03-01,iPTH,4.2,pmol/L,,\n2024-03-02,PTH,41,pg/mL,,\n"
    )
    result = parse(text)
    assert messages(result) == [(3, "PTH on 2024-03-01 is already on line 2")]
    assert [r.line for r in result.rows] == [2, 4]


def test_a_spreadsheet_formula_guard_is_removed():
    result = parse(HEADER + "2024-03-01,PTH,40,pg/mL,'=Lab,'-fasting\n")
    assert (result.rows[0].lab, result.rows[0].notes) == ("=Lab", "-fasting")


def test_the_default_today_is_the_real_date():
    result = parse_results_csv((HEADER + "2999-01-01,PTH,40,pg/mL,,\n").encode())
    assert "in the future" in result.errors[0].message


# --- FHIR --------------------------------------------------------------------


def observation(loinc, value=None, unit=None, ucum=None, **extra) -> dict:
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "effectiveDateTime": "2024-03-01T08:15:00+01:00",
    }
    if value is not None:
        quantity = {"value": value, "unit": unit or ucum}
        if ucum:
            quantity |= {"system": "http://unitsofmeasure.org", "code": ucum}
        resource["valueQuantity"] = quantity
    return resource | extra


def bundle(*resources) -> bytes:
    entries = [{"resource": r} for r in resources]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def parse_fhir(*resources):
    return parse_fhir_bundle(bundle(*resources), today=TODAY)


def test_fhir_known_codes_are_read_and_unknown_ones_listed():
    result = parse_fhir(
        {"resourceType": "Patient", "id": "p1"},
        observation("14635-7", 75, ucum="nmol/L"),  # 25(OH)D, molar code
        observation("2345-7", 95, ucum="mg/dL"),  # glucose
        observation("19123-9", 1.7, ucum="meq/L"),
        {
            **observation(None, 5, ucum="mg/dL"),
            "code": {"coding": [{"system": "http://acme.example/codes", "code": "VITD"}]},
        },
        observation("2731-8", 38, unit="pg/mL"),  # unit text only, no UCUM code
        observation("33914-3", 72, ucum="mL/min/{1.73_m2}"),
    )
    assert result.ok, result
    assert [(r.line, r.analyte, r.value, r.unit) for r in result.rows] == [
        (2, "vitd_25oh", 75.0, "nmol/L"),
        (4, "mg_serum", 1.7, "mEq/L"),
        (6, "pth_intact", 38.0, "pg/mL"),
        (7, "egfr", 72.0, "mL/min/1.73m2"),
    ]
    assert result.rows[0].canonical_value == pytest.approx(30.048, abs=1e-3)
    assert result.rows[1].canonical_value == pytest.approx(2.066, abs=1e-3)
    assert result.rows[0].drawn_on == date(2024, 3, 1)
    assert result.unknown == ["2345-7", "VITD (no LOINC code)"]


def test_fhir_unknown_codes_are_listed_once_with_their_display():
    glucose = observation("2345-7", 95, ucum="mg/dL")
    glucose["code"]["coding"][0]["display"] = "Glucose [Mass/volume] in Serum or Plasma"
    result = parse_fhir(glucose, glucose, observation("1751-7", 4.1, ucum="g/dL"))
    assert result.unknown == ["2345-7 Glucose [Mass/volume] in Serum or Plasma"]
    assert len(result.rows) == 1


def test_fhir_observations_without_a_numeric_value_are_skipped():
    result = parse_fhir(
        observation("62292-8", valueString="pending"),
        observation("62292-8", dataAbsentReason={"text": "not performed"}),
        observation(
            "62292-8",
            valueQuantity={"value": 4, "comparator": "<=", "code": "ng/mL"},
        ),
        observation("2731-8", 40, ucum="pg/mL", status="entered-in-error"),
    )
    assert result.rows == [] and result.errors == []
    assert result.skipped == [
        "Entry 1 (25(OH)D): no numeric value",
        "Entry 2 (25(OH)D): no numeric value",
        "Entry 3 (25(OH)D): value is a limit (<=4); only < and > limits are kept",
        "Entry 4 (PTH): status is entered-in-error",
    ]


def test_fhir_date_falls_back_to_period_start_then_issued():
    period = observation("1751-7", 4.1, ucum="g/dL", effectivePeriod={"start": "2024-02-03"})
    del period["effectiveDateTime"]
    issued = observation("2777-1", 3.2, ucum="mg/dL", issued="2024-02-04T10:00:00Z")
    del issued["effectiveDateTime"]
    result = parse_fhir(period, issued)
    assert [r.drawn_on for r in result.rows] == [date(2024, 2, 3), date(2024, 2, 4)]


def test_fhir_row_problems_name_the_entry():
    no_date = observation("1751-7", 4.1, ucum="g/dL")
    del no_date["effectiveDateTime"]
    result = parse_fhir(
        no_date,
        observation("1751-7", 4.1, ucum="g/dL", effectiveDateTime="2024-03"),
        observation("1751-7", 4.1, ucum="g/dL", effectiveDateTime="2024-07-01"),
        observation("1751-7", 41, ucum="[IU]/L"),
        observation("1751-7", 41, ucum="mg/dL"),
        observation("1751-7", 41, ucum="g/dL"),
        observation("1751-7", -1, ucum="g/dL"),
        observation("1751-7", valueQuantity={"value": 4.1}),
    )
    assert messages(result) == [
        (1, "no date (effectiveDateTime)"),
        (2, 'date "2024-03" is incomplete; a day is needed'),
        (3, "date 2024-07-01 is in the future"),
        (4, 'unknown unit "[IU]/L"'),
        (5, "mg/dL is not a unit for Albumin; use g/dL or g/L"),
        (6, "Albumin must be between 0.5 and 7 g/dL — did you mean g/L?"),
        (7, "value must be greater than 0, not -1"),
        (8, "the value has no unit"),
    ]
    assert result.rows == []


def test_fhir_the_same_result_under_two_codes_is_kept_once():
    mass = observation("17861-6", 9.6, ucum="mg/dL")
    molar = observation("2000-8", 2.4, ucum="mmol/L")  # 9.62 mg/dL: same to one decimal
    other = observation("2000-8", 2.6, ucum="mmol/L")
    result = parse_fhir(mass, molar, other)
    assert [r.line for r in result.rows] == [1]
    assert result.skipped == ["Entry 2: same result as entry 1"]
    assert messages(result) == [(3, "another Calcium result for that date is in entry 1")]


def test_fhir_codes_naming_two_analytes_are_not_guessed():
    both = observation("17861-6", 9.6, ucum="mg/dL")
    both["code"]["coding"].append({"system": "http://loinc.org", "code": "17864-0"})
    result = parse_fhir(both)
    assert messages(result) == [
        (1, "its LOINC codes name different analytes (Calcium, Ionized Ca)")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"{not json", "The file is not valid JSON", id="malformed"),
        pytest.param(b"", "The file is not valid JSON", id="empty"),
        pytest.param(b"\xff\xfe{", "not UTF-8", id="not-utf8"),
        pytest.param(b"[1, 2]", 'found resourceType "None"', id="list"),
        pytest.param(
            json.dumps({"resourceType": "Patient"}).encode(),
            'Expected a FHIR Bundle, found resourceType "Patient"',
            id="patient",
        ),
        pytest.param(
            json.dumps({"resourceType": "Bundle", "type": "collection", "bogus": 1}).encode(),
            "The Bundle is not valid FHIR R4: bogus: Extra inputs are not permitted",
            id="invalid-bundle",
        ),
        pytest.param(
            bundle(observation("62292-8", "many", ucum="ng/mL")),
            "The Bundle is not valid FHIR R4: entry.0.resource",
            id="invalid-resource",
        ),
        pytest.param(
            bundle({"resourceType": "Patient"}),
            "The Bundle contains no Observation resources.",
            id="no-observations",
        ),
    ],
)
def test_fhir_whole_file_problems(data, message):
    result = parse_fhir_bundle(data, today=TODAY)
    assert message in result.error
    assert result.rows == [] and not result.ok


def test_fhir_size_limit():
    result = parse_fhir_bundle(bundle(observation("1751-7", 4.1, ucum="g/dL")), max_bytes=10)
    assert result.error == "The file is larger than the limit of 10 bytes."


# --- export → import round trips ---------------------------------------------

EXPORTED = [
    ExportRow(1, date(2024, 3, 1), "vitd_25oh", 75, "nmol/L", 30.04807692, "Acme", "fasting"),
    ExportRow(2, date(2024, 3, 1), "mg_rbc", Decimal("4.80"), "mg/dL", Decimal("4.80"), "Acme"),
    ExportRow(3, date(2024, 3, 1), "pth_intact", 5.3, "pmol/L", 49.9525, "", '=cmd, "quoted"'),
    ExportRow(4, date(2024, 1, 15), "creatinine", 80, "µmol/L", 0.904977376, "", "line1\nline2"),
    ExportRow(5, date(2024, 1, 15), "egfr", 85, "mL/min/1.73m2", 85, "", ""),
    ExportRow(6, date(2024, 1, 15), "ca_total", 4.8, "mEq/L", 9.619238477, "Lab; Inc.", ""),
]


def test_csv_export_reads_back_identically():
    text = results_csv(EXPORTED)
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    result = parse_results_csv(text.encode(), today=TODAY)
    assert result.ok, result
    got = [(r.drawn_on, r.analyte, r.value, r.unit, r.lab, r.notes) for r in result.rows]
    want = [(e.drawn_on, e.analyte, float(e.value), e.unit, e.lab, e.notes) for e in EXPORTED]
    assert got == want
    for row, exported in zip(result.rows, EXPORTED, strict=True):
        assert row.canonical_value == pytest.approx(float(exported.canonical_value), rel=1e-9)


def test_csv_export_guards_against_spreadsheet_formulas():
    assert "'=cmd" in results_csv(EXPORTED)


def test_fhir_export_is_a_valid_r4_bundle():
    document = results_fhir_bundle(EXPORTED)
    parsed = Bundle.model_validate(document)
    assert parsed.type == "collection"
    R5Bundle.model_validate(document)  # the package's default (R5) models accept it too
    observation = document["entry"][0]["resource"]
    assert observation["status"] == "final"
    assert observation["category"][0]["coding"][0]["code"] == "laboratory"
    assert observation["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "62292-8",
        "display": "25-hydroxyvitamin D, total (D2+D3)",
    }
    assert observation["effectiveDateTime"] == "2024-03-01"
    assert observation["valueQuantity"] == {  # as entered: 75 nmol/L
        "value": 75.0,
        "unit": "nmol/L",
        "system": "http://unitsofmeasure.org",
        "code": "nmol/L",
    }
    egfr = document["entry"][4]["resource"]["valueQuantity"]
    assert (egfr["unit"], egfr["code"]) == ("mL/min/1.73m2", "mL/min/{1.73_m2}")


def test_fhir_export_ids_are_stable_per_result():
    first = results_fhir_bundle(EXPORTED)
    again = results_fhir_bundle(reversed(EXPORTED))
    ids = [e["fullUrl"] for e in first["entry"]]
    assert ids == [result_uuid(r.result_id) for r in EXPORTED]
    assert sorted(ids) == sorted(e["fullUrl"] for e in again["entry"])
    assert len(set(ids)) == len(ids)
    assert first["entry"][0]["resource"]["identifier"][0]["value"] == ids[0]


def test_fhir_export_reads_back_identically():
    data = json.dumps(results_fhir_bundle(EXPORTED)).encode()
    result = parse_fhir_bundle(data, today=TODAY)
    assert result.ok and result.unknown == [] and result.skipped == []
    got = [(r.drawn_on, r.analyte, r.value, r.unit, r.lab, r.notes) for r in result.rows]
    want = [(e.drawn_on, e.analyte, float(e.value), e.unit, e.lab, e.notes) for e in EXPORTED]
    assert got == want  # values travel as entered, in the unit entered
    assert [r.canonical_value for r in result.rows] == [
        pytest.approx(float(e.canonical_value), rel=1e-9) for e in EXPORTED
    ]


def test_an_empty_export_is_still_valid():
    assert Bundle.model_validate(results_fhir_bundle([])).entry is None
    assert results_csv([]) == "date,analyte,value,unit,lab,notes,ref_low,ref_high,ref_flag\r\n"


def test_row_error_is_a_plain_value():
    assert RowError(3, "x") == RowError(3, "x")


def test_the_symptoms_csv_keeps_spreadsheets_from_running_a_note():
    from types import SimpleNamespace

    from labs.exporters import symptoms_csv

    entry = SimpleNamespace(
        recorded_on=date(2024, 3, 1), symptom="fatigue", severity=2, note="=HYPERLINK(1)"
    )
    lines = symptoms_csv([entry]).splitlines()
    assert lines == ["date,symptom,severity,note", "2024-03-01,fatigue,2,'=HYPERLINK(1)"]


def test_a_csv_with_decimal_commas_refuses_an_ambiguous_value():
    parsed = parse_results_csv(b"date;analyte;value;unit\n2024-03-01;PTH;1,050;pg/mL\n")
    assert parsed.rows == []
    assert "ambiguous" in parsed.errors[0].message


def test_a_lab_name_longer_than_the_database_column_is_refused_at_preview():
    parsed = parse_results_csv(
        ("date,analyte,value,unit,lab\n2024-03-01,PTH,40,pg/mL," + "x" * 121 + "\n").encode()
    )
    assert parsed.rows == [] and parsed.errors


def test_a_deeply_nested_bundle_is_refused_not_a_crash():
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    node = observation
    for _ in range(300):
        child = {"url": "http://example.org/x"}
        node["extension"] = [child]
        node = child
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": observation}]}
    result = parse_fhir_bundle(json.dumps(bundle).encode())
    assert result.rows == [] and result.error

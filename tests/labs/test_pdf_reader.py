"""Reading generated lab reports: the real child process (pdfplumber) and the pure reader.

No database: what each of the three layouts gives, and the lines the reader must not take
for results (addresses, dates of birth, previous results)."""

import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labs.analytes import ANALYTES, LOCAL_NAMES, find_analyte
from labs.pdf import reader, sandbox
from tests.labs import pdf_fixtures

TODAY = date(2026, 1, 1)


def _read(pdf: bytes) -> reader.ReportParse:
    extracted = sandbox.read_text(pdf)
    return reader.read_report(extracted.lines, pages=extracted.pages, today=TODAY)


def _as_expected(row: reader.ReportRow, value: float) -> pdf_fixtures.Expected:
    qualifier = row.value[0] if row.value[0] in "<>" else ""
    return pdf_fixtures.Expected(row.analyte, value, row.unit, row.low, row.high, row.flag,
                                 qualifier)  # fmt: skip


def _value(row: reader.ReportRow) -> float:
    return float(row.value.lstrip("<>").replace(",", "."))


@pytest.mark.parametrize("name", sorted(pdf_fixtures.REPORTS))
def test_each_layout_gives_its_rows_date_and_lab(name):
    layout, make = pdf_fixtures.REPORTS[name]
    parse = _read(make())
    assert parse.drawn_on == layout.drawn_on
    assert parse.lab == layout.lab
    assert [_as_expected(r, _value(r)) for r in parse.placed] == list(layout.expected)
    assert [r.name for r in parse.unplaced] == list(layout.unplaced)


def test_every_row_keeps_the_line_it_came_from():
    parse = _read(pdf_fixtures.us_report())
    vitamin_d = parse.placed[0]
    assert vitamin_d.source == "Vitamin D, 25-Hydroxy 22.4 L ng/mL 30.0-100.0"
    assert vitamin_d.page == 1 and vitamin_d.line == 7


def test_the_date_of_birth_and_the_report_date_are_not_the_draw_date():
    lines = [(1, "Patient: DOE DOB: 02/01/1980"), (1, "Reported: 03/16/2025"),
             (1, "Collected: 03/14/2025")]  # fmt: skip
    assert reader.read_report(lines, pages=1, today=TODAY).drawn_on == date(2025, 3, 14)
    only_birth = [(1, "Geb.-Datum: 12.08.1975"), (1, "Calcium 2,41 mmol/l 2,20 - 2,65")]
    assert reader.read_report(only_birth, pages=1, today=TODAY).drawn_on is None


def test_previous_results_printed_before_the_current_ones_are_skipped_too():
    lines = [(1, "Test Previous 01/10/2025 Current Units Reference"),
             (1, "Calcium 9.1 9.7 H mg/dL 8.6-9.6")]  # fmt: skip
    (row,) = reader.read_report(lines, pages=1, today=TODAY).rows
    assert (row.value, row.flag, row.low, row.high) == ("9.7", "H", 8.6, 9.6)


@pytest.mark.parametrize(
    "line",
    [
        "1200 Harbor Blvd, Suite 5, Springfield, IL 62701 Tel (217) 555-0140",
        "Laborstraße 12, 80331 München Telefon 089 123456-0",
        "Account: 55120 Reported: 03/16/2025",
        "Page 1 of 1 Final report",
        "Test Result Flag Units Reference Interval",
        "+ = oberhalb, - = unterhalb des Referenzbereichs",
    ],
)
def test_lines_that_are_not_results_are_not_rows(line):
    assert reader.read_line(1, 1, line) is None


@given(st.text(max_size=120))
def test_any_line_is_read_or_left_without_an_error(text):
    row = reader.read_line(1, 1, text)
    assert row is None or row.value


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (pdf_fixtures.encrypted_report, sandbox.ENCRYPTED),
        (pdf_fixtures.with_javascript, sandbox.JAVASCRIPT),
        (pdf_fixtures.many_pages, sandbox.TOO_MANY_PAGES),
        (pdf_fixtures.truncated, sandbox.MALFORMED),
        (pdf_fixtures.bomb, sandbox.TOO_COMPLEX),
    ],
    ids=["encrypted", "javascript", "200-pages", "truncated", "bomb"],
)
def test_hostile_pdfs_are_refused_with_a_reason_leaving_no_file(make, code):
    def leftovers() -> set[Path]:
        return set(Path(tempfile.gettempdir()).glob("cofactor-report-*"))

    before = leftovers()
    with pytest.raises(sandbox.Refused) as refused:
        sandbox.read_text(make())
    assert refused.value.code == code
    assert leftovers() <= before  # the child's private temporary folder is gone


def test_a_file_that_is_not_a_pdf_or_a_photo_is_refused_by_its_bytes():
    with pytest.raises(sandbox.Refused) as refused:
        sandbox.sniff(pdf_fixtures.not_a_pdf())
    assert refused.value.code == sandbox.NOT_SUPPORTED
    assert sandbox.sniff(pdf_fixtures.us_report()) == "application/pdf"
    assert sandbox.sniff(pdf_fixtures.photo(pdf_fixtures.us_report())) == "image/jpeg"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Calcium 2,41 mmol/l (2,20 - 2,65)", ("ca_total", "2,41", "mmol/L", 2.2, 2.65, "")),
        ("Vitamin D 25-OH 22 Low 30-100 ng/mL", ("vitd_25oh", "22", "ng/mL", 30.0, 100.0, "L")),
        ("Magnesium 0,62 ↓ mmol/l 0,66-1,07", ("mg_serum", "0,62", "mmol/L", 0.66, 1.07, "L")),
        ("PTH intakt 7,9 pmol/l < 6,9", ("pth_intact", "7,9", "pmol/L", None, 6.9, "")),
        ("Kreatinin > 10 mg/dl 0,5-0,9", ("creatinine", ">10", "mg/dL", 0.5, 0.9, "")),
    ],
)
def test_other_ways_labs_print_a_line(line, expected):
    row = reader.read_line(1, 1, line)
    assert (row.analyte, row.value, row.unit, row.low, row.high, row.flag) == expected


_NAMES = [(name, code) for code, a in ANALYTES.items() for name in (a.name, *a.aliases)]
_LOCAL = [(name, code) for code, by_language in LOCAL_NAMES.items()
          for names in by_language.values() for name in names]  # fmt: skip


def _decimal(number: float, comma: bool) -> str:
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if comma else text


@given(
    st.sampled_from(_NAMES + _LOCAL),
    st.floats(min_value=0.1, max_value=500, allow_nan=False),
    st.sampled_from(["", "H", "L", "+", "-"]),
    st.floats(min_value=0.1, max_value=50),
    st.floats(min_value=1.0, max_value=100),
    st.booleans(),
)
def test_a_printed_result_line_is_read_back_whatever_the_name_spelling(
    named, value, flag, low, width, comma
):
    name, code = named
    unit = ANALYTES[code].canonical_unit
    high = low + width
    line = f"{name} {_decimal(value, comma)} {flag} {unit} {_decimal(low, comma)} - "
    line += _decimal(high, comma)
    row = reader.read_line(1, 1, line)
    assert row is not None, line
    assert (row.analyte, row.unit) == (code, unit), line
    assert float(row.value.replace(",", ".")) == pytest.approx(value, abs=0.006)
    assert row.flag == {"+": "H", "-": "L"}.get(flag, flag)
    if row.low is not None:  # a range beyond the analyte's plausible bounds is left out
        assert (row.low, row.high) == (
            pytest.approx(low, abs=0.006),
            pytest.approx(high, abs=0.006),
        )


@given(
    st.from_regex(r"[A-Z][a-z]{3,12}( [A-Z][a-z]{2,8})?", fullmatch=True),
    st.floats(min_value=0.1, max_value=500),
    st.sampled_from(["mg/dL", "U/L", "%", "µg/l"]),
)
def test_a_result_line_of_an_unknown_test_is_listed_never_dropped(name, value, unit):
    row = reader.read_line(1, 1, f"{name} {_decimal(value, False)} {unit} 1-2")
    assert row is not None and row.name == name
    assert row.placed == (find_analyte(name) is not None)


@pytest.mark.parametrize(
    ("line", "drawn_on"),
    [
        ("Entnahme: 03.02.25 08:10", date(2025, 2, 3)),
        ("Abnahmedatum 28.12.98", date(1998, 12, 28)),
        ("Collection Date: 2025-03-14", date(2025, 3, 14)),
        ("Date Collected: 14/03/2025", date(2025, 3, 14)),  # day first: 14 is no month
    ],
)
def test_draw_dates_as_labs_print_them(line, drawn_on):
    assert reader.read_report([(1, line)], pages=1, today=TODAY).drawn_on == drawn_on

"""Parse lab results from a CSV file or a FHIR R4 Bundle. Pure: no database, no Django.

Both parsers return every row they could read *and* every problem they found, so
the preview can list each row's problem by its number; the import itself is
all-or-nothing and belongs to the services layer.

CSV format
----------
- UTF-8 text (a leading BOM, as Excel writes it, is fine), CRLF or LF line ends.
- Separator ``,`` or ``;`` (or tab), detected from the header line. With ``;`` or
  tab, a decimal comma is accepted in values ("12,5").
- A header row is required. Column names are case-insensitive, in any order:

  ========  ========  =====================================================
  column    required  content
  ========  ========  =====================================================
  date      yes       date drawn, ``YYYY-MM-DD`` or ``YYYY/MM/DD``; not in
                      the future (day-first dates are refused: ambiguous)
  analyte   yes       catalog code (``vitd_25oh``), name, common name
                      ("25-OH Vitamin D", "RBC Magnesium") or LOINC code
  value     yes       a number greater than 0, as printed by the lab
  unit      yes       a unit the analyte accepts ("ng/mL", "nmol/L", …)
  lab       no        laboratory name
  notes     no        free text
  ========  ========  =====================================================

  Any other column is an error. Blank lines are skipped.
- Errors name the file's line number (the header is line 1).
- The same analyte twice on the same date is an error: a panel holds one result
  per analyte.

FHIR
----
A Bundle (any type) of Observation resources; other resources are ignored.
Observations are matched by LOINC code only — unknown codes are listed in
``unknown`` and skipped, never guessed from display text. The date is
effectiveDateTime, else effectivePeriod.start, else effectiveInstant, else issued;
the value is valueQuantity, its unit read from the UCUM code (else the unit text).
Observations without a numeric value are listed in ``skipped``. For FHIR, a
``line`` is the 1-based entry number in the Bundle.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from labs.analytes import Analyte, by_loinc, find_analyte
from labs.csvsafe import unguard
from labs.units import (
    UnknownUnit,
    from_canonical,
    from_ucum,
    normalize_unit,
    to_canonical,
    units_for,
)

CSV_COLUMNS = ("date", "analyte", "value", "unit", "lab", "notes")
REQUIRED_COLUMNS = ("date", "analyte", "value", "unit")
CSV_TEMPLATE = (
    "date,analyte,value,unit,lab,notes\r\n"
    "2024-03-01,vitd_25oh,32.5,ng/mL,Example Lab,fasting\r\n"
    "2024-03-01,RBC Magnesium,4.8,mg/dL,Example Lab,\r\n"
)
LAB_MAX_LENGTH = 120  # Panel.lab holds 120 characters
NOTES_MAX_LENGTH = 2000
FHIR_MAX_BYTES = 5_000_000
EARLIEST_DATE = date(1900, 1, 1)

LOINC_SYSTEMS = {"http://loinc.org", "https://loinc.org", "urn:oid:2.16.840.1.113883.6.1"}
# Statuses that mean "this is not a result" (retracted or never produced).
_VOID_STATUSES = {"entered-in-error", "cancelled"}

T = TypeVar("T")


@dataclass(frozen=True)
class ImportRow:
    """One result ready to be saved: as entered, plus its canonical value."""

    line: int
    drawn_on: date
    analyte: str  # catalog code
    value: float  # as entered
    unit: str  # display spelling of the unit as entered
    canonical_value: float
    lab: str = ""
    notes: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class CsvParseResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error: str | None = None  # a problem with the whole file; then there are no rows

    @property
    def ok(self) -> bool:
        return self.error is None and not self.errors


@dataclass
class FhirParseResult:
    rows: list[ImportRow] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # codes not in the catalog, skipped
    skipped: list[str] = field(default_factory=list)  # known analyte, nothing to import
    errors: list[RowError] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.errors


class _Invalid(ValueError):
    """A problem with one field of one row; the message is shown to the user."""


class _FileError(ValueError):
    """A problem with the whole file; the message is shown to the user."""


# --- shared field checks ----------------------------------------------------


def _collect(problems: list[str], check: Callable[..., T], *args: Any) -> T | None:
    """Run a check, turning its _Invalid into a listed problem, so a row reports all."""
    try:
        return check(*args)
    except _Invalid as exc:
        problems.append(str(exc))
        return None


def _fmt(number: float) -> str:
    """Up to 4 significant digits, never in exponent form: 624, 2.496, 0.4114."""
    return format(Decimal(f"{number:.4g}").normalize(), "f")


def _check_date(drawn_on: date, today: date) -> date:
    if drawn_on > today:
        raise _Invalid(f"date {drawn_on.isoformat()} is in the future")
    if drawn_on < EARLIEST_DATE:
        raise _Invalid(f"date {drawn_on.isoformat()} is before 1900")
    return drawn_on


def _check_value(value: float) -> float:
    if value <= 0:
        raise _Invalid(f"value must be greater than 0, not {_fmt(value)}")
    return value


def _check_unit(analyte: Analyte, display: str) -> str:
    if display not in analyte.units:
        accepted = " or ".join(units_for(analyte.code))
        raise _Invalid(f"{display} is not a unit for {analyte.short_name}; use {accepted}")
    return display


def _check_text(name: str, text: str, max_length: int) -> str:
    text = unguard(text.strip())  # the export's formula guard (labs.csvsafe)
    if len(text) > max_length:
        raise _Invalid(f"{name} is longer than {max_length} characters")
    return text


def _implausible(analyte: Analyte, value: float, unit: str) -> str:
    """Explain an out-of-bounds value, suggesting a unit that would make it plausible."""
    low, high = analyte.plausible
    bounds = f"{_fmt(low)} and {_fmt(high)} {analyte.canonical_unit}"
    if unit != analyte.canonical_unit:
        in_unit = [_fmt(from_canonical(analyte.code, b, unit)) for b in (low, high)]
        bounds = f"{in_unit[0]} and {in_unit[1]} {unit} ({bounds})"
    message = f"{analyte.short_name} must be between {bounds}"
    hints = [
        other
        for other in units_for(analyte.code)
        if analyte.units[other] != analyte.units[unit]
        and low <= to_canonical(analyte.code, value, other) <= high
    ]
    return f"{message} — did you mean {' or '.join(hints)}?" if hints else message


def _make_row(
    line: int, drawn_on: date, analyte: Analyte, value: float, unit: str, lab: str, notes: str
) -> ImportRow:
    """Build the row once every field is valid; the plausibility check needs them all."""
    canonical = to_canonical(analyte.code, value, unit)
    low, high = analyte.plausible
    if not low <= canonical <= high:
        raise _Invalid(_implausible(analyte, value, unit))
    return ImportRow(line, drawn_on, analyte.code, value, unit, canonical, lab, notes)


# --- CSV --------------------------------------------------------------------

_DATE_RE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _parse_date(text: str, today: date) -> date:
    text = text.strip()
    if not text:
        raise _Invalid("date is missing")
    match = _DATE_RE.fullmatch(text)
    if not match:
        raise _Invalid(f'date "{text}" is not in YYYY-MM-DD form')
    try:
        drawn_on = date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError:
        raise _Invalid(f'date "{text}" does not exist') from None
    return _check_date(drawn_on, today)


def _parse_analyte(text: str) -> Analyte:
    if not text.strip():
        raise _Invalid("analyte is missing")
    analyte = find_analyte(text)
    if analyte is None:
        raise _Invalid(f'unknown analyte "{text.strip()}"')
    return analyte


# "1,050" is a thousands separator to some and a decimal comma to others: 1050 or 1.05.
_AMBIGUOUS_COMMA = re.compile(r"[1-9]\d{0,2},\d{3}")


def is_ambiguous_comma(text: str) -> bool:
    """True for values like "1,050" that read as 1050 or 1.05 depending on the reader."""
    return bool(_AMBIGUOUS_COMMA.fullmatch(text.strip()))


def _parse_value(text: str, decimal_comma: bool) -> float:
    text = text.strip()
    if not text:
        raise _Invalid("value is missing")
    if decimal_comma and is_ambiguous_comma(text):
        raise _Invalid(
            f'value "{text}" is ambiguous: write {text.replace(",", "")} or '
            f"{text.replace(',', '.')}"
        )
    number = text.replace(",", ".", 1) if decimal_comma and text.count(",") == 1 else text
    if not _NUMBER_RE.fullmatch(number):
        raise _Invalid(f'value "{text}" is not a number')
    return _check_value(float(number))


def _parse_unit(analyte: Analyte, text: str) -> str:
    if not text.strip():
        raise _Invalid("unit is missing")
    try:
        display = normalize_unit(text)
    except UnknownUnit:
        accepted = " or ".join(units_for(analyte.code))
        raise _Invalid(
            f'unknown unit "{text.strip()}"; {analyte.short_name} takes {accepted}'
        ) from None
    return _check_unit(analyte, display)


def _decode(data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise _FileError(f"The file is larger than the limit of {max_bytes:,} bytes.")
    if b"\x00" in data:
        raise _FileError("This is not a text file. Save the spreadsheet as CSV (UTF-8).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _FileError("The file is not UTF-8 text. Save it as CSV (UTF-8).") from None
    if not text.strip():
        raise _FileError("The file is empty.")
    return text


def _sniff_delimiter(text: str) -> str:
    header = next(line for line in text.splitlines() if line.strip())
    return max((",", ";", "\t"), key=header.count)  # ties go to ","


def _read_header(reader: Iterator[list[str]]) -> list[str]:
    names = next((cells for cells in reader if any(c.strip() for c in cells)), None)
    if names is None:
        raise _FileError("The file is empty.")
    columns = [name.strip().casefold() for name in names]
    while columns and not columns[-1]:  # trailing separators, as spreadsheets write them
        columns.pop()
    unknown = [c or "(blank)" for c in columns if c not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    expected = f"The columns are {', '.join(CSV_COLUMNS)} (lab and notes optional)."
    if unknown:
        raise _FileError(f"Unknown column(s): {', '.join(unknown)}. {expected}")
    if missing:
        raise _FileError(f"Missing column(s): {', '.join(missing)}. {expected}")
    if duplicated:
        raise _FileError(f"Column(s) given twice: {', '.join(duplicated)}.")
    return columns


def _row_cells(columns: list[str], cells: list[str]) -> dict[str, str]:
    if any(c.strip() for c in cells[len(columns) :]):
        raise _Invalid(f"has {len(cells)} values but the header has {len(columns)} columns")
    padded = cells + [""] * (len(columns) - len(cells))
    return {"lab": "", "notes": ""} | dict(zip(columns, padded, strict=False))


def _parse_csv_row(line: int, cells: dict[str, str], decimal_comma: bool, today: date):
    """One data row → (ImportRow, []) or (None, problems)."""
    problems: list[str] = []
    drawn_on = _collect(problems, _parse_date, cells["date"], today)
    analyte = _collect(problems, _parse_analyte, cells["analyte"])
    value = _collect(problems, _parse_value, cells["value"], decimal_comma)
    unit = _collect(problems, _parse_unit, analyte, cells["unit"]) if analyte else None
    lab = _collect(problems, _check_text, "lab", cells["lab"], LAB_MAX_LENGTH)
    notes = _collect(problems, _check_text, "notes", cells["notes"], NOTES_MAX_LENGTH)
    if problems:
        return None, problems
    row = _collect(problems, _make_row, line, drawn_on, analyte, value, unit, lab, notes)
    return row, problems


def _duplicate(row: ImportRow, seen: dict[tuple[date, str], int]) -> str | None:
    """A panel holds one result per analyte: the same analyte twice on one date is a conflict."""
    first = seen.setdefault((row.drawn_on, row.analyte), row.line)
    if first == row.line:
        return None
    name = find_analyte(row.analyte).short_name
    return f"{name} on {row.drawn_on.isoformat()} is already on line {first}"


def parse_results_csv(
    data: bytes,
    *,
    max_bytes: int = 2_000_000,
    max_rows: int = 20_000,
    today: date | None = None,
) -> CsvParseResult:
    """Parse an uploaded results CSV (format in the module docstring).

    `today` is the user's local date, for the "not in the future" check.
    """
    try:
        text = _decode(data, max_bytes)
        delimiter = _sniff_delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        columns = _read_header(reader)
        return _parse_csv_body(reader, columns, delimiter != ",", max_rows, today or date.today())
    except csv.Error as exc:
        return CsvParseResult(error=f"Line {reader.line_num}: the file is not valid CSV ({exc}).")
    except _FileError as exc:
        return CsvParseResult(error=str(exc))


def _parse_csv_body(reader, columns, decimal_comma, max_rows, today) -> CsvParseResult:
    result = CsvParseResult()
    seen: dict[tuple[date, str], int] = {}
    count = 0
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > max_rows:
            raise _FileError(f"The file has more than {max_rows:,} rows, the limit. Split it.")
        line = reader.line_num
        try:
            row, problems = _parse_csv_row(line, _row_cells(columns, cells), decimal_comma, today)
        except _Invalid as exc:
            row, problems = None, [str(exc)]
        if row and (conflict := _duplicate(row, seen)):
            row, problems = None, [conflict]
        result.errors.extend(RowError(line, p) for p in problems)
        if row:
            result.rows.append(row)
    if count == 0:
        raise _FileError("The file has a header but no results.")
    return result


# --- FHIR -------------------------------------------------------------------


def _load_bundle(data: bytes, max_bytes: int) -> Bundle:
    if len(data) > max_bytes:
        raise _FileError(f"The file is larger than the limit of {max_bytes:,} bytes.")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _FileError("The file is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise _FileError(f"The file is not valid JSON ({exc.msg}, line {exc.lineno}).") from None
    except RecursionError:
        raise _FileError("The file is not valid JSON (nested too deeply).") from None
    kind = document.get("resourceType") if isinstance(document, dict) else None
    if kind != "Bundle":
        raise _FileError(f'Expected a FHIR Bundle, found resourceType "{kind}".')
    try:
        return Bundle.model_validate(document)
    except ValidationError as exc:
        raise _FileError(f"The Bundle is not valid FHIR R4: {_first_problem(exc)}") from None
    except RecursionError:
        raise _FileError("The Bundle is nested too deeply to be a lab report.") from None


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _loinc_codings(observation: Any) -> list[Any]:
    codings = (observation.code and observation.code.coding) or []
    return [c for c in codings if c.system in LOINC_SYSTEMS and c.code]


def _describe_code(observation: Any) -> str:
    """How an unknown code is listed: "2345-7 Glucose …" or the text of a non-LOINC code."""
    loinc = _loinc_codings(observation)
    if loinc:
        return " ".join(filter(None, (loinc[0].code, loinc[0].display)))
    concept = observation.code
    codings = (concept and concept.coding) or []
    text = (concept and concept.text) or next((c.display or c.code for c in codings), None)
    return f"{text or 'no code'} (no LOINC code)"


def _observation_analyte(observation: Any) -> Analyte | None:
    matches = {by_loinc(c.code) for c in _loinc_codings(observation)} - {None}
    if len(matches) > 1:
        names = ", ".join(sorted(a.short_name for a in matches))
        raise _Invalid(f"its LOINC codes name different analytes ({names})")
    return matches.pop() if matches else None


def _observation_date(observation: Any, today: date) -> date:
    period = observation.effectivePeriod
    raw = (
        observation.effectiveDateTime
        or (period and period.start)
        or observation.effectiveInstant
        or observation.issued
    )
    if raw is None:
        raise _Invalid("no date (effectiveDateTime)")
    if isinstance(raw, datetime):
        raw = raw.date()  # the date as written, in the lab's own time zone
    if not isinstance(raw, date):
        raise _Invalid(f'date "{raw}" is incomplete; a day is needed')
    return _check_date(raw, today)


def _quantity_unit(analyte: Analyte, quantity: Any) -> str:
    spellings = [s for s in (quantity.code, quantity.unit) if s]
    if not spellings:
        raise _Invalid("the value has no unit")
    for spelling in spellings:
        try:
            return from_ucum(analyte.code, spelling)
        except UnknownUnit as exc:
            problem = str(exc)
    raise _Invalid(problem)


def _performer(observation: Any) -> str:
    return next((p.display for p in observation.performer or [] if p.display), "")


def _note_text(observation: Any) -> str:
    return "\n".join(n.text for n in observation.note or [] if n.text)


def _observation_row(number: int, observation: Any, analyte: Analyte, today: date):
    problems: list[str] = []
    quantity = observation.valueQuantity
    drawn_on = _collect(problems, _observation_date, observation, today)
    unit = _collect(problems, _quantity_unit, analyte, quantity)
    value = _collect(problems, _check_value, float(quantity.value))
    lab = _collect(problems, _check_text, "lab", _performer(observation), LAB_MAX_LENGTH)
    notes = _collect(problems, _check_text, "notes", _note_text(observation), NOTES_MAX_LENGTH)
    if problems:
        return None, problems
    row = _collect(problems, _make_row, number, drawn_on, analyte, value, unit, lab, notes)
    return row, problems


def _skip_reason(observation: Any) -> str | None:
    if observation.status in _VOID_STATUSES:
        return f"status is {observation.status}"
    quantity = observation.valueQuantity
    if quantity is None or quantity.value is None:
        return "no numeric value"
    if quantity.comparator:
        return f"value is a limit ({quantity.comparator}{quantity.value}), not a result"
    return None


class _FhirReader:
    """Accumulates a FhirParseResult over the Observations of one Bundle."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.result = FhirParseResult()
        self.seen: dict[tuple[date, str], ImportRow] = {}

    def read(self, number: int, observation: Any) -> None:
        try:
            analyte = _observation_analyte(observation)
        except _Invalid as exc:
            self.result.errors.append(RowError(number, str(exc)))
            return
        if analyte is None:
            if (code := _describe_code(observation)) not in self.result.unknown:
                self.result.unknown.append(code)
            return
        if reason := _skip_reason(observation):
            self.result.skipped.append(f"Entry {number} ({analyte.short_name}): {reason}")
            return
        row, problems = _observation_row(number, observation, analyte, self.today)
        self.result.errors.extend(RowError(number, p) for p in problems)
        if row:
            self._add(row, analyte)

    def _add(self, row: ImportRow, analyte: Analyte) -> None:
        """Labs often send one result twice (mass and molar code): keep one, flag conflicts."""
        first = self.seen.setdefault((row.drawn_on, row.analyte), row)
        if first is row:
            self.result.rows.append(row)
        elif round(first.canonical_value, analyte.decimals) == round(
            row.canonical_value, analyte.decimals
        ):
            self.result.skipped.append(f"Entry {row.line}: same result as entry {first.line}")
        else:
            message = f"another {analyte.short_name} result for that date is in entry {first.line}"
            self.result.errors.append(RowError(row.line, message))


def parse_fhir_bundle(
    data: bytes, *, max_bytes: int = FHIR_MAX_BYTES, today: date | None = None
) -> FhirParseResult:
    """Parse a FHIR R4 Bundle of Observations (rules in the module docstring)."""
    try:
        bundle = _load_bundle(data, max_bytes)
    except _FileError as exc:
        return FhirParseResult(error=str(exc))
    reader = _FhirReader(today or date.today())
    observations = [
        (number, entry.resource)
        for number, entry in enumerate(bundle.entry or [], start=1)
        if entry.resource is not None and entry.resource.get_resource_type() == "Observation"
    ]
    if not observations:
        return FhirParseResult(error="The Bundle contains no Observation resources.")
    for number, observation in observations:
        reader.read(number, observation)
    return reader.result

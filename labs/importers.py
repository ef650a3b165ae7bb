"""Parse lab results from a CSV file or a FHIR R4 Bundle. Pure: no database, no Django.

Both parsers return every row they could read *and* every problem they found, so
the preview can list each row's problem by its number; the import itself is
all-or-nothing and belongs to the services layer. Every value goes through
`labs.validation` (numbers, plausibility, dates, text, size limits).

CSV format
----------
- UTF-8 (with or without a BOM), UTF-16 (with its BOM) or Windows-1252 text, as Excel
  saves it; CRLF or LF line ends.
- Separator ``,``, ``;`` or tab, detected from the header line. Values may use a
  decimal point or a decimal comma in any file ("12,5" is quoted in a comma file).
  A censored value keeps its limit: "<10", "> 160".
- A header row is required, at most CSV_MAX_COLUMNS columns. Our own columns
  (case-insensitive, any order) are read directly:

  ========  ========  =====================================================
  column    required  content
  ========  ========  =====================================================
  date      yes       date drawn: ``YYYY-MM-DD``, ``DD.MM.YYYY``, or
                      ``DD/MM/YYYY`` / ``MM/DD/YYYY`` (the file's order is
                      found from its dates, or asked when it cannot be);
                      not in the future. A time after it is read past
                      ("2026-06-10 08:15", "10.06.2026 08:15 Uhr", ISO 8601
                      with ``T``); with a UTC offset (``Z``, ``+02:00``)
                      the day is the person's in their time zone
  analyte   yes       catalog code (``vitd_25oh``), name, common name in
                      English, German, French, Spanish, Italian or Dutch
                      ("25-OH-Vitamin D3", "Magnesium (Vollblut)") or LOINC
  value     yes       a number greater than 0, as printed by the lab
  unit      yes       a unit the analyte accepts ("ng/mL", "nmol/L", …)
  lab       no        laboratory name
  notes     no        free text
  ref_low   no        the lab's printed reference range, lower end, in the
                      row's unit (blank: not printed)
  ref_high  no        … upper end ("< 5" is ref_high 5 alone)
  ref_flag  no        the lab's flag: H or L (also high/low, +/-), or blank
  ========  ========  =====================================================

- Any other header needs a ColumnMapping (the import's mapping step): which column
  holds the date, analyte, value, unit, lab and notes. Without an analyte column each
  column named after an analyte holds its values ("Vitamin D, 25-Hydroxy (ng/mL)");
  without a unit column the unit is read from the header text in parentheses.
  `guess_mapping` proposes one from the header's words.
- Errors name the file's line number (the header is line 1), the value and what
  would be accepted. Blank lines are skipped.
- The same analyte twice on the same date is an error: a panel holds one result
  per analyte.

FHIR
----
A Bundle (any type) of at most FHIR_MAX_ENTRIES entries; only Observation resources
are read. Observations are matched by LOINC code only — unknown codes are listed in
``unknown`` and skipped, never guessed from display text. The date is
effectiveDateTime, else effectivePeriod.start, else effectiveInstant, else issued (a
moment with a time and offset is the person's day in their time zone, as in a CSV; a date
alone, or a time without an offset, is the day as written);
the value is valueQuantity (its comparator ``<`` / ``>`` kept as the qualifier), its
unit read from the UCUM code (else the unit text). The first ``referenceRange`` (low
and/or high, each a Quantity in a unit of the analyte, converted to the value's unit; else
its text, "8.6-10.2", in the value's unit) is the lab's printed range; ``interpretation``
H/L (v3-ObservationInterpretation) its flag.
Observations without a numeric value are listed in ``skipped``. For FHIR, a ``line`` is
the 1-based entry number.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from labs import validation
from labs.analytes import Analyte, by_loinc, find_analyte
from labs.csvsafe import unguard
from labs.markers import MarkerRow, MarkerSpec, match_marker, same_unit
from labs.markers import check_value as check_marker_value
from labs.markers import read_value as read_marker_value
from labs.units import (
    UnknownUnit,
    from_canonical,
    from_ucum,
    normalize_unit,
    significant,
    to_canonical,
    units_for,
)
from labs.validation import (
    CSV_MAX_BYTES,
    CSV_MAX_COLUMNS,
    CSV_MAX_ROWS,
    EARLIEST_DATE,  # noqa: F401 (re-exported for older callers)
    FHIR_MAX_BYTES,
    FHIR_MAX_ENTRIES,
    FHIR_MAX_OBSERVATIONS,
    LAB_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    LabValueError,
    gettext_noop,
)

CSV_COLUMNS = (
    "date",
    "analyte",
    "value",
    "unit",
    "lab",
    "notes",
    "ref_low",
    "ref_high",
    "ref_flag",
)
REQUIRED_COLUMNS = ("date", "analyte", "value", "unit")
CSV_TEMPLATE = (
    "date,analyte,value,unit,lab,notes,ref_low,ref_high,ref_flag\r\n"
    "2024-03-01,vitd_25oh,32.5,ng/mL,Example Lab,fasting,30,100,\r\n"
    "2024-03-01,RBC Magnesium,4.8,mg/dL,Example Lab,,4.2,6.8,\r\n"
)
DAY_FIRST, MONTH_FIRST = "dmy", "mdy"

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
    qualifier: str = ""  # "<" / ">" for a censored result
    # The lab's printed reference range, in `unit`, and its H/L flag (validation.check_…).
    ref_low: float | None = None
    ref_high: float | None = None
    ref_flag: str = ""

    @property
    def reference(self) -> validation.ReferenceRange:
        return validation.ReferenceRange(self.ref_low, self.ref_high, self.ref_flag)

    def result_input(self):
        """What labs.services.result_build saves for this row."""
        return (self.analyte, self.value, self.unit, self.qualifier, self.reference)

    @property
    def key(self) -> tuple[int, str]:
        """Unique within a file: a line holds one result per analyte."""
        return (self.line, self.analyte)

    def to_json(self) -> dict:
        return asdict(self) | {"drawn_on": self.drawn_on.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> ImportRow:
        return cls(**(data | {"drawn_on": date.fromisoformat(data["drawn_on"])}))


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass(frozen=True)
class ColumnMapping:
    """Which column (0-based) holds what. No analyte column: one column per analyte,
    named in the header; no unit column: the unit is in the header text "(ng/mL)"."""

    date: int
    analyte: int | None = None
    value: int | None = None
    unit: int | None = None
    lab: int | None = None
    notes: int | None = None
    date_order: str = ""  # DAY_FIRST, MONTH_FIRST, or "" to decide from the file's dates
    # The lab's printed range: our own columns hold its ends, a foreign file one cell
    # ("8.6-10.2", "< 5"); and the lab's H/L flag. Read only with an analyte column.
    ref_low: int | None = None
    ref_high: int | None = None
    reference: int | None = None
    ref_flag: int | None = None

    @property
    def columns(self) -> list[int]:
        """The indexes of every column with a meaning."""
        roles = (self.date, self.analyte, self.value, self.unit, self.lab, self.notes,
                 self.ref_low, self.ref_high, self.reference, self.ref_flag)  # fmt: skip
        return [i for i in roles if i is not None]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ColumnMapping:
        known = {k: data.get(k) for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    @property
    def wide(self) -> bool:
        return self.analyte is None


@dataclass
class CsvParseResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error: str | None = None  # a problem with the whole file; then there are no rows
    warnings: list[RowError] = field(default_factory=list)  # read, but worth a second look
    header: list[str] = field(default_factory=list)
    signature: str = ""  # identifies the header, to remember its mapping
    needs_mapping: bool = False  # the header is not ours: ask which column is what
    guess: ColumnMapping | None = None  # the mapping proposed for that question
    needs_date_order: bool = False  # only dates like 03/04/2024: ask day- or month-first
    mapping: ColumnMapping | None = None  # the mapping the rows were read with
    # Values of the person's own markers (labs.markers.match_marker), in the marker's unit.
    marker_rows: list[MarkerRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and not self.errors
            and not self.needs_mapping
            and not self.needs_date_order
        )


@dataclass
class FhirParseResult:
    rows: list[ImportRow] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # codes not in the catalog, skipped
    skipped: list[str] = field(default_factory=list)  # known analyte, nothing to import
    errors: list[RowError] = field(default_factory=list)
    error: str | None = None
    warnings: list[RowError] = field(default_factory=list)
    marker_rows: list[MarkerRow] = field(default_factory=list)  # the person's own markers

    @property
    def ok(self) -> bool:
        return self.error is None and not self.errors


class Problem(str):
    """A message about one row, in English, that also keeps its catalogue template and
    parameters, so a page can show it in the person's language (labs_tags.problem)."""

    template: str
    params: dict

    def __new__(cls, template: str, **params: Any) -> Problem:
        message = super().__new__(cls, template % params if params else template)
        message.template, message.params = template, params
        return message


def _(template: str, **params: Any) -> Problem:
    """A row problem; the template is marked for the catalogue (xgettext reads `_`)."""
    return Problem(template, **params)


def _problem_of(exc: LabValueError) -> Problem:
    return Problem(exc.template, **exc.params)


class _Invalid(ValueError):
    """A problem with one field of one row; its Problem is shown to the user."""

    @property
    def problem(self) -> Problem:
        return self.args[0]


class _FileError(ValueError):
    """A problem with the whole file; the message is shown to the user."""


# --- shared field checks ----------------------------------------------------


def _collect(problems: list[str], check: Callable[..., T], *args: Any) -> T | None:
    """Run a check, turning its _Invalid into a listed problem, so a row reports all."""
    try:
        return check(*args)
    except _Invalid as exc:
        problems.append(exc.problem)
        return None


def _fmt(number: float) -> str:
    """Up to 4 significant digits, never in exponent form: 624, 2.496, 0.4114."""
    return format(Decimal(f"{number:.4g}").normalize(), "f")


def _check_date(drawn_on: date, today: date) -> date:
    try:
        return validation.check_drawn_on(drawn_on, today)
    except validation.FutureDate:
        raise _Invalid(_("date %(date)s is in the future", date=drawn_on.isoformat())) from None
    except validation.AncientDate:
        raise _Invalid(_("date %(date)s is before 1900", date=drawn_on.isoformat())) from None


def _check_unit(analyte: Analyte, display: str) -> str:
    if display not in analyte.units:
        accepted = " or ".join(units_for(analyte.code))
        raise _Invalid(
            _(
                "%(unit)s is not a unit for %(name)s; use %(accepted)s",
                unit=display,
                name=analyte.short_name,
                accepted=accepted,
            )
        )
    return display


def _check_text(name: str, text: str, max_length: int) -> str:
    text = unguard(text.strip())  # the export's formula guard (labs.csvsafe)
    try:
        return validation.clean_text(text, max_length, name)
    except LabValueError as exc:
        raise _Invalid(_problem_of(exc)) from None


def _value_problem(text: str, exc: LabValueError) -> Problem:
    """A value error in the import's words: the line's value and what would be accepted."""
    if isinstance(exc, validation.NotPositive):
        return _("value must be greater than 0, not %(value)s", value=exc.params["value"])
    if isinstance(exc, validation.AmbiguousNumber):
        return _(
            'value "%(value)s" is ambiguous: write %(whole)s or %(decimal)s',
            value=text,
            whole=exc.params["whole"],
            decimal=exc.params["decimal"],
        )
    if isinstance(exc, validation.NotANumber):
        return _(
            'value "%(value)s" is not a number; use digits with one decimal point or comma, '
            'like 32.5 or 32,5, or a limit like "<10"',
            value=text[:40] + ("…" if len(text) > 40 else ""),
        )
    return _problem_of(exc)


def _read_value(analyte: Analyte, text: str, unit: str) -> validation.LabValue:
    try:
        return validation.parse_lab_value(analyte, text, unit)
    except LabValueError as exc:
        raise _Invalid(_value_problem(text.strip(), exc)) from None


def _check_number_form(text: str) -> str:
    """The value's spelling alone, before its analyte and unit are known."""
    text = text.strip()
    if not text:
        raise _Invalid(_("value is missing"))
    number = validation.split_qualifier(text)[1]
    try:
        validation.parse_decimal(number)
    except validation.AmbiguousNumber:
        pass  # settled (or asked) once the analyte is known
    except LabValueError as exc:
        raise _Invalid(_value_problem(text, exc)) from None
    if number.startswith("-"):  # a sign is never part of a lab value; say why plainly
        raise _Invalid(_("value must be greater than 0, not %(value)s", value=number))
    return text


def _unusual(line: int, analyte: Analyte, reading: validation.LabValue) -> RowError | None:
    try:
        validation.check_usual_unit(analyte, reading.value, reading.unit)
    except validation.UnusualUnit as exc:
        # Imports have no "the unit is right" box: the question, without that sentence.
        question = _(
            "%(value)s %(unit)s is unusual for %(name)s (usually between %(usual)s) — "
            "did you mean %(units)s?",
            **exc.params,
        )
        return RowError(line, question)
    return None


# --- CSV --------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")  # always day first
_SLASHED_DATE = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4})")  # day or month first


# A time after the date, as portals export it: "08:15", "8:15 AM", "T08:15:00Z", "08:15+02:00".
_TIME = re.compile(
    r"(?:T|\s+)(\d{1,2}):(\d{2})(?::\d{2}(?:[.,]\d+)?)?(?:\s*([AaPp][Mm]))?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?(?:\s*Uhr)?\Z"
)


def _without_time(text: str) -> tuple[str, re.Match[str] | None]:
    """The date part of a date with a time after it, and the time (None when there is none)."""
    match = _TIME.search(text)
    if match is None or not text[: match.start()].strip():
        return text, None
    return text[: match.start()].strip(), match


def _local_day(day: date, time: re.Match[str], zone: tzinfo | None) -> date:
    """The day a moment with a UTC offset falls on in the person's zone; the written day when
    the time has no offset (a lab's local time) or the person has no zone."""
    offset = time[4]
    if not offset or zone is None:
        return day
    hour, minute = int(time[1]), int(time[2])
    if time[3]:  # 12 AM is midnight, 12 PM noon
        hour = hour % 12 + (12 if time[3].lower() == "pm" else 0)
    digits = "" if offset == "Z" else offset[1:].replace(":", "")
    shift = timedelta(hours=int(digits[:2] or 0), minutes=int(digits[2:4] or 0))
    shift = -shift if offset.startswith("-") else shift
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone(shift))
    return moment.astimezone(zone).date()


def _date_parts(text: str, order: str) -> tuple[int, int, int] | None:
    if match := _ISO_DATE.fullmatch(text):
        return int(match[1]), int(match[3]), int(match[4])
    if match := _DOTTED_DATE.fullmatch(text):
        return int(match[3]), int(match[2]), int(match[1])
    if (match := _SLASHED_DATE.fullmatch(text)) and order:
        first, second = int(match[1]), int(match[3])
        day, month = (first, second) if order == DAY_FIRST else (second, first)
        return int(match[4]), month, day
    return None


def _parse_date(text: str, today: date, order: str = "", zone: tzinfo | None = None) -> date:
    text = text.strip()
    if not text:
        raise _Invalid(_("date is missing"))
    day_text, time = _without_time(text)
    parts = _date_parts(day_text, order)
    if parts is not None and time is not None and not _valid_time(time):
        raise _Invalid(
            _(
                'date "%(date)s" has a time that does not exist; use 00:00 to 23:59 or 12:00 AM '
                "to 11:59 PM after the date",
                date=text,
            )
        )
    if parts is None:
        raise _Invalid(
            _(
                'date "%(date)s" is not a date; use YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or '
                "MM/DD/YYYY",
                date=text,
            )
        )
    try:
        drawn_on = date(*parts)
    except ValueError:
        raise _Invalid(_('date "%(date)s" does not exist', date=text)) from None
    if time is not None:
        drawn_on = _local_day(drawn_on, time, zone)
    return _check_date(drawn_on, today)


def _valid_time(time: re.Match[str]) -> bool:
    hour, minute = int(time[1]), int(time[2])
    limit = 12 if time[3] else 23
    return (1 if time[3] else 0) <= hour <= limit and minute <= 59


def date_order_of(texts: Sequence[str]) -> str | None:
    """DAY_FIRST or MONTH_FIRST as the file's dates show it ("13/04" is day-first), ""
    when it has no slashed dates, None when every one reads both ways."""
    slashed = [m for t in texts if (m := _SLASHED_DATE.fullmatch(_without_time(t.strip())[0]))]
    if not slashed:
        return ""
    if any(int(m[1]) > 12 for m in slashed):
        return DAY_FIRST
    if any(int(m[3]) > 12 for m in slashed):
        return MONTH_FIRST
    return None


def _parse_analyte(text: str) -> Analyte:
    if not text.strip():
        raise _Invalid(_("analyte is missing"))
    analyte = find_analyte(text)
    if analyte is None:
        raise _Invalid(
            _(
                'unknown analyte "%(name)s"; use a name such as 25(OH)D, Magnesium, PTH '
                "or a LOINC code",
                name=text.strip(),
            )
        )
    return analyte


def _parse_unit(analyte: Analyte, text: str) -> str:
    if not text.strip():
        raise _Invalid(_("unit is missing"))
    try:
        display = normalize_unit(text)
    except UnknownUnit:
        accepted = " or ".join(units_for(analyte.code))
        raise _Invalid(
            _(
                'unknown unit "%(unit)s"; %(name)s takes %(accepted)s',
                unit=text.strip(),
                name=analyte.short_name,
                accepted=accepted,
            )
        ) from None
    return _check_unit(analyte, display)


def _decode(data: bytes, max_bytes: int) -> str:
    """Text in UTF-8 (BOM or not), UTF-16 (with a BOM) or else Windows-1252."""
    if len(data) > max_bytes:
        raise _FileError(f"The file is larger than the limit of {max_bytes:,} bytes.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _FileError("The file is not valid UTF-16 text.") from None
    elif b"\x00" in data:
        raise _FileError("This is not a text file. Save the spreadsheet as CSV (UTF-8).")
    else:
        text = _decode_8bit(data)
    if "\x00" in text:
        raise _FileError("This is not a text file. Save the spreadsheet as CSV (UTF-8).")
    if not text.strip():
        raise _FileError("The file is empty.")
    return text


def _decode_8bit(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise _FileError(
            "The file is not text in UTF-8, UTF-16 or Windows-1252. Save it as CSV (UTF-8)."
        ) from None


def _sniff_delimiter(text: str) -> str:
    header = next(line for line in text.splitlines() if line.strip())
    return max((",", ";", "\t"), key=header.count)  # ties go to ","


def header_signature(names: Sequence[str]) -> str:
    """A stable id of a header (its names, case and spaces ignored), to remember a mapping."""
    folded = "\x1f".join(" ".join(n.split()).casefold() for n in names)
    return hashlib.sha256(folded.encode()).hexdigest()


def _read_header(reader: Iterator[list[str]]) -> list[str]:
    names = next((cells for cells in reader if any(c.strip() for c in cells)), None)
    if names is None:
        raise _FileError("The file is empty.")
    # Bounded before any per-column work: a crafted header of 50,000 columns costs nothing.
    if len(names) > CSV_MAX_COLUMNS:
        raise _FileError(
            f"The header has {len(names):,} columns; a results file has at most {CSV_MAX_COLUMNS}."
        )
    names = [name.strip() for name in names]
    while names and not names[-1]:  # trailing separators, as spreadsheets write them
        names.pop()
    if any(_looks_like_data(name) for name in names):
        raise _FileError(
            "The first line looks like results, not a header. Add a header line, e.g. "
            f"{','.join(CSV_COLUMNS)}."
        )
    return names


def _looks_like_data(name: str) -> bool:
    return bool(_ISO_DATE.fullmatch(name) or _DOTTED_DATE.fullmatch(name)
                or _SLASHED_DATE.fullmatch(name))  # fmt: skip


def _our_mapping(names: list[str]) -> ColumnMapping | None:
    """The mapping of a header in our own columns; _FileError when it is ours but broken;
    None when it is someone else's (then the person maps it)."""
    columns = [name.casefold() for name in names]
    if not all(c in CSV_COLUMNS or not c for c in columns):
        return None
    counts: dict[str, int] = {}
    for column in columns:
        counts[column] = counts.get(column, 0) + 1
    expected = f"The columns are {', '.join(CSV_COLUMNS)} (lab, notes and ref_* optional)."
    if "" in counts:
        raise _FileError(f"Unknown column(s): (blank). {expected}")
    missing = [c for c in REQUIRED_COLUMNS if c not in counts]
    if missing:
        raise _FileError(f"Missing column(s): {', '.join(missing)}. {expected}")
    duplicated = sorted(c for c, n in counts.items() if n > 1)
    if duplicated:
        raise _FileError(f"Column(s) given twice: {', '.join(duplicated)}.")
    return ColumnMapping(**{c: columns.index(c) for c in columns})


# Header words of the lab portals people export from (EN, DE, FR, ES, IT, NL).
_ROLE_WORDS = {
    "date": (
        "date", "datum", "fecha", "data", "date drawn", "collection date", "collected",
        "date collected", "drawn", "sample date", "specimen date", "result date",
        "entnahmedatum", "abnahmedatum", "befunddatum", "probenahme", "date de prélèvement",
        "date du prélèvement", "fecha de extracción", "fecha de muestra", "data prelievo",
        "data del prelievo", "afnamedatum", "datum afname",
    ),
    "analyte": (
        "analyte", "parameter", "test", "test name", "name", "analysis", "component",
        "marker", "observation", "untersuchung", "analyse", "laborwert", "paramètre",
        "examen", "analyse", "prueba", "parámetro", "determinación", "esame", "parametro",
        "analisi", "bepaling", "test naam", "onderzoek",
    ),
    "value": (
        "value", "result", "ergebnis", "wert", "messwert", "befund", "résultat", "valeur",
        "resultado", "valor", "risultato", "valore", "uitslag", "waarde", "resultaat",
    ),
    "unit": ("unit", "units", "einheit", "unité", "unidad", "unidades", "unità", "eenheid"),
    "lab": ("lab", "laboratory", "labor", "laboratoire", "laboratorio", "laboratorium"),
    "reference": (
        "reference", "reference range", "reference interval", "ref range", "ref. range",
        "range", "normal range", "reference value", "reference values", "referenzbereich",
        "referenzwert", "referenzwerte", "normbereich", "normalbereich", "normwert",
        "valeurs de référence", "intervalle de référence", "valeur de référence",
        "rango de referencia", "valores de referencia", "intervallo di riferimento",
        "valori di riferimento", "referentiewaarde", "referentiewaarden", "normaalwaarde",
    ),
    "ref_flag": (
        "flag", "abnormal flag", "h/l", "kennzeichen", "markierung", "indicateur",
        "indicador", "indicatore", "vlag",
    ),
    "notes": (
        "notes", "note", "comment", "comments", "bemerkung", "kommentar", "hinweis",
        "remarque", "commentaire", "nota", "notas", "commento", "opmerking",
    ),
}  # fmt: skip
_WORD_ROLE = {word: role for role, words in _ROLE_WORDS.items() for word in words}
_UNIT_IN_HEADER = re.compile(r"^(?P<name>.*?)\s*[(\[](?P<unit>[^()\[\]]+)[)\]]\s*$")


def _header_parts(name: str) -> tuple[str, str]:
    """ "Vitamin D, 25-Hydroxy (ng/mL)" → ("Vitamin D, 25-Hydroxy", "ng/mL")."""
    match = _UNIT_IN_HEADER.match(name)
    return (match["name"], match["unit"].strip()) if match else (name, "")


def header_unit(name: str) -> str:
    """The unit written in a header ("Result (ng/mL)" → "ng/mL"), or ""."""
    unit = _header_parts(name)[1]
    try:
        return normalize_unit(unit) if unit else ""
    except UnknownUnit:
        return ""


def header_analyte(name: str) -> Analyte | None:
    """The analyte a header names, with or without its unit ("Magnesium, RBC (mg/dL)")."""
    return find_analyte(name) or find_analyte(_header_parts(name)[0])


def guess_mapping(names: Sequence[str]) -> ColumnMapping:
    """A mapping proposed from the header's words; the person checks it before it is used."""
    roles: dict[str, int] = {}
    for index, name in enumerate(names):
        role = _WORD_ROLE.get(" ".join(_header_parts(name)[0].split()).casefold())
        if role and role not in roles:
            roles[role] = index
    if "analyte" not in roles:
        roles.pop("value", None)  # one column per analyte: the values are under their names
    if "unit" not in roles and "value" in roles and not header_unit(names[roles["value"]]):
        roles["unit"] = None  # unknown: the person picks
    if "analyte" not in roles:
        roles.pop("reference", None)  # one range column cannot serve every analyte's column
        roles.pop("ref_flag", None)
    return ColumnMapping(date=roles.get("date", 0), **{
        r: roles.get(r) for r in ("analyte", "value", "unit", "lab", "notes", "reference",
                                  "ref_flag")
    })  # fmt: skip


def mapping_problems(mapping: ColumnMapping, names: Sequence[str]) -> list[str]:
    """What is wrong with a mapping for this header, in words (empty when it can be used);
    each message is marked for the catalogue, so the mapping form shows it translated."""
    used = mapping.columns
    if any(not 0 <= i < len(names) for i in used):
        return [gettext_noop("A chosen column is not in the file.")]
    if len(used) != len(set(used)):
        return [gettext_noop("Each column can have one meaning only.")]
    if mapping.date_order not in ("", DAY_FIRST, MONTH_FIRST):
        return [gettext_noop("Choose day-first or month-first dates.")]
    if mapping.wide:
        columns = _wide_columns(mapping, names)
        if not columns:
            return [
                gettext_noop(
                    "No column is named after an analyte; choose the analyte and value columns."
                )
            ]
        if any(not unit for _index, _analyte, unit in columns):
            return [
                gettext_noop(
                    "Each analyte's column needs its unit in the header, like “Vitamin D "
                    "(ng/mL)”; otherwise choose the analyte, value and unit columns."
                )
            ]
        return []
    if mapping.value is None:
        return [gettext_noop("Choose the value column.")]
    if mapping.unit is None and not header_unit(names[mapping.value]):
        return [gettext_noop("Choose the unit column (the value column's header names no unit).")]
    return []


def _wide_columns(mapping: ColumnMapping, names: Sequence[str]) -> list[tuple[int, Analyte, str]]:
    """(column, analyte, unit from the header or "") of every column named after an analyte."""
    taken = {mapping.date, mapping.lab, mapping.notes, mapping.ref_low, mapping.ref_high,
             mapping.reference, mapping.ref_flag}  # fmt: skip
    columns = []
    for index, name in enumerate(names):
        if index not in taken and (analyte := header_analyte(name)):
            columns.append((index, analyte, header_unit(name)))
    return columns


@dataclass(frozen=True)
class _Cell:
    """One result's texts, from a long row (analyte per row) or a wide one (per column)."""

    analyte: str
    value: str
    unit: str
    ref_low: str = ""
    ref_high: str = ""
    reference: str = ""  # the range in one cell, as printed
    ref_flag: str = ""


def _read_reference(analyte: Analyte, unit: str, cell: _Cell) -> validation.ReferenceRange:
    """The lab's printed range of a row (labs.validation reads it), from its two ends or
    from one cell as printed, with the lab's flag."""
    try:
        if cell.reference.strip():
            printed = validation.parse_reference_text(
                unguard(cell.reference.strip()), analyte=analyte, unit=unit
            )
        else:
            printed = validation.check_reference_range(
                unguard(cell.ref_low.strip()), unguard(cell.ref_high.strip()),
                analyte=analyte, unit=unit,
            )  # fmt: skip
        flag = validation.check_flag(unguard(cell.ref_flag))
    except LabValueError as exc:
        raise _Invalid(_problem_of(exc)) from None
    return validation.ReferenceRange(printed.low, printed.high, flag)


def _marker_reading(text: str) -> tuple[float, str]:
    try:
        return read_marker_value(text)
    except LabValueError as exc:
        raise _Invalid(_value_problem(text.strip(), exc)) from None


def _marker_unit(marker: MarkerSpec, unit: str) -> str:
    if not same_unit(unit, marker):
        raise _Invalid(
            _(
                "%(unit)s is not the unit of your marker %(name)s (%(own)s)",
                unit=unit.strip(), name=marker.name, own=marker.unit,
            )
        )  # fmt: skip
    return marker.unit


def _marker_reference(cell: _Cell) -> validation.ReferenceRange:
    try:
        if cell.reference.strip():
            printed = validation.parse_reference_text(unguard(cell.reference.strip()))
        else:
            printed = validation.check_reference_range(
                unguard(cell.ref_low.strip()), unguard(cell.ref_high.strip())
            )
        flag = validation.check_flag(unguard(cell.ref_flag))
    except LabValueError as exc:
        raise _Invalid(_problem_of(exc)) from None
    return validation.ReferenceRange(printed.low, printed.high, flag)


def _parse_marker(line: int, cell: _Cell, marker: MarkerSpec, row) -> tuple:
    """A value of one of the person's markers → (MarkerRow or None, its problems)."""
    problems: list[str] = []
    reading = _collect(problems, _marker_reading, cell.value)
    unit = _collect(problems, _marker_unit, marker, cell.unit)
    reference = _collect(problems, _marker_reference, cell)
    if problems or None in row:
        return None, problems
    drawn_on, lab, notes = row
    value, qualifier = reading
    return MarkerRow(
        line, drawn_on, marker.id, marker.name, value, unit, lab, notes, qualifier,
        reference.low, reference.high, reference.flag,
    ), problems  # fmt: skip


def _parse_result(line: int, cell: _Cell, analyte: Analyte | None, row) -> tuple:
    """One result of a data row → (ImportRow or None, its problems).

    `row` is (drawn_on, lab, notes), each None when that field had a problem (listed
    once per line by the caller); then only this result's own fields are checked.
    """
    problems: list[str] = []
    analyte = analyte or _collect(problems, _parse_analyte, cell.analyte)
    text = _collect(problems, _check_number_form, cell.value)
    unit = _collect(problems, _parse_unit, analyte, cell.unit) if analyte else None
    if problems or None in row:
        return None, problems
    reading = _collect(problems, _read_value, analyte, text, unit)
    reference = _collect(problems, _read_reference, analyte, unit, cell)
    if reading is None or reference is None:
        return None, problems
    drawn_on, lab, notes = row
    return ImportRow(
        line, drawn_on, analyte.code, reading.value, unit, reading.canonical_value,
        lab, notes, reading.qualifier, reference.low, reference.high, reference.flag,
    ), problems  # fmt: skip


class _CsvReader:
    """Reads a CSV's data rows with a mapping into a CsvParseResult (results bounded)."""

    def __init__(self, result: CsvParseResult, mapping: ColumnMapping, today, max_rows, zone,
                 markers: Sequence[MarkerSpec] = ()):  # fmt: skip
        self.result, self.mapping, self.names = result, mapping, result.header
        self.today, self.max_rows, self.zone = today, max_rows, zone
        self.wide = _wide_columns(mapping, self.names) if mapping.wide else None
        self.seen: dict[tuple[date, str], int] = {}
        self.markers = markers

    def _cells(self, cells: list[str]) -> list[tuple[_Cell, Analyte | None]]:
        def at(index: int | None) -> str:
            return cells[index] if index is not None and index < len(cells) else ""

        if self.wide is not None:
            return [(_Cell(self.names[i], at(i), unit), analyte)
                    for i, analyte, unit in self.wide if at(i).strip()]  # fmt: skip
        mapping = self.mapping
        unit = (
            at(mapping.unit) if mapping.unit is not None else header_unit(self.names[mapping.value])
        )
        ranges = (at(mapping.ref_low), at(mapping.ref_high), at(mapping.reference),
                  at(mapping.ref_flag))  # fmt: skip
        return [(_Cell(at(mapping.analyte), at(mapping.value), unit, *ranges), None)]

    def read(self, line: int, cells: list[str]) -> None:
        if any(c.strip() for c in cells[len(self.names) :]):
            problem = _(
                "has %(values)d values but the header has %(columns)d columns",
                values=len(cells),
                columns=len(self.names),
            )
            self.result.errors.append(RowError(line, problem))
            return
        mapping, problems = self.mapping, []
        at = dict(enumerate(cells)).get
        drawn_on = _collect(problems, _parse_date, at(mapping.date, ""), self.today,
                            mapping.date_order, self.zone)  # fmt: skip
        lab = _collect(problems, _check_text, "lab", at(mapping.lab, ""), LAB_MAX_LENGTH)
        notes = _collect(problems, _check_text, "notes", at(mapping.notes, ""), NOTES_MAX_LENGTH)
        row_fields = (drawn_on, lab, notes)
        results = [self._parse(line, cell, analyte, row_fields)
                   for cell, analyte in self._cells(cells)]  # fmt: skip
        listed = problems[:1] + [p for _row, own in results for p in own] + problems[1:]
        self.result.errors.extend(RowError(line, p) for p in listed)
        for row, _own in results:
            if isinstance(row, MarkerRow):
                self._add_marker(row)
            elif row:
                self._add(row)

    def _parse(self, line: int, cell: _Cell, analyte: Analyte | None, row_fields) -> tuple:
        """A catalog analyte's result, else — when the name or LOINC code is one of the
        person's own markers — that marker's value."""
        if analyte is None and self.markers and find_analyte(cell.analyte) is None:
            marker = match_marker(self.markers, name=cell.analyte, loinc=cell.analyte)
            if marker is not None:
                return _parse_marker(line, cell, marker, row_fields)
        return _parse_result(line, cell, analyte, row_fields)

    def _add_marker(self, row: MarkerRow) -> None:
        first = self.seen.setdefault((row.drawn_on, f"marker:{row.marker}"), row.line)
        if first != row.line:
            problem = _(
                "%(name)s on %(date)s is already on line %(line)d",
                name=row.name, date=row.drawn_on.isoformat(), line=first,
            )  # fmt: skip
            self.result.errors.append(RowError(row.line, problem))
            return
        if len(self.result.rows) + len(self.result.marker_rows) >= self.max_rows:
            raise _FileError(
                f"The file has more than {self.max_rows:,} results, the limit. Split it."
            )
        self.result.marker_rows.append(row)

    def _add(self, row: ImportRow) -> None:
        if conflict := _duplicate(row, self.seen):
            self.result.errors.append(RowError(row.line, conflict))
            return
        if len(self.result.rows) >= self.max_rows:
            raise _FileError(
                f"The file has more than {self.max_rows:,} results, the limit. Split it."
            )
        self.result.rows.append(row)
        if warning := _unusual(row.line, find_analyte(row.analyte), _as_reading(row)):
            self.result.warnings.append(warning)


def _as_reading(row: ImportRow) -> validation.LabValue:
    return validation.LabValue(row.value, row.unit, row.canonical_value, row.qualifier)


def _duplicate(row: ImportRow, seen: dict[tuple[date, str], int]) -> Problem | None:
    """A panel holds one result per analyte: the same analyte twice on one date is a conflict."""
    first = seen.setdefault((row.drawn_on, row.analyte), row.line)
    if first == row.line:
        return None
    return _(
        "%(name)s on %(date)s is already on line %(line)d",
        name=find_analyte(row.analyte).short_name,
        date=row.drawn_on.isoformat(),
        line=first,
    )


def parse_results_csv(
    data: bytes,
    *,
    mapping: ColumnMapping | None = None,
    max_bytes: int = CSV_MAX_BYTES,
    max_rows: int = CSV_MAX_ROWS,
    today: date | None = None,
    zone: tzinfo | None = None,
    markers: Sequence[MarkerSpec] = (),
) -> CsvParseResult:
    """Parse an uploaded results CSV (format in the module docstring).

    `today` is the user's local date, for the "not in the future" check; `zone` theirs, for
    a date with a time and a UTC offset. A header that is not ours needs `mapping`; without
    one the result asks for it (`needs_mapping`).
    """
    reader = None
    try:
        text = _decode(data, max_bytes)
        delimiter = _sniff_delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        names = _read_header(reader)
        result = CsvParseResult(header=names, signature=header_signature(names))
        mapping = mapping or _our_mapping(names)
        if mapping is None or mapping_problems(mapping, names):
            result.needs_mapping, result.guess = True, mapping or guess_mapping(names)
            return result
        return _parse_csv_body(
            result, reader, mapping, max_rows, today or date.today(), zone, markers
        )
    except csv.Error as exc:
        line = reader.line_num if reader else 1
        return CsvParseResult(error=f"Line {line}: the file is not valid CSV ({exc}).")
    except _FileError as exc:
        return CsvParseResult(error=str(exc))


def _parse_csv_body(result, reader, mapping, max_rows, today, zone, markers) -> CsvParseResult:
    lines = [(reader.line_num, cells) for cells in _bounded(reader, max_rows)]
    if not lines:
        raise _FileError("The file has a header but no results.")
    if not mapping.date_order:
        at = mapping.date
        order = date_order_of([cells[at] for _line, cells in lines if at < len(cells)])
        if order is None:
            result.needs_date_order, result.mapping = True, mapping
            return result
        mapping = ColumnMapping(**(mapping.to_json() | {"date_order": order}))
    result.mapping = mapping
    rows = _CsvReader(result, mapping, today, max_rows, zone, markers)
    for line, cells in lines:
        rows.read(line, cells)
    return result


def _bounded(reader, max_rows: int) -> Iterator[list[str]]:
    count = 0
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > max_rows:
            raise _FileError(f"The file has more than {max_rows:,} rows, the limit. Split it.")
        yield cells


# --- FHIR -------------------------------------------------------------------


def _load_bundle(data: bytes, max_bytes: int) -> tuple[Bundle, list[int]]:
    """The Bundle with only its Observation entries, and each one's entry number.

    Entries are counted (FHIR_MAX_ENTRIES) before any is validated, and only
    Observations are validated at all: a crafted 5 MB Bundle costs little.
    """
    if len(data) > max_bytes:
        raise _FileError(f"The file is larger than the limit of {max_bytes:,} bytes.")
    try:
        # Decimals keep 1e400 finite-looking until labs.validation refuses it by name.
        document = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError:
        raise _FileError("The file is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise _FileError(f"The file is not valid JSON ({exc.msg}, line {exc.lineno}).") from None
    except RecursionError:
        raise _FileError("The file is not valid JSON (nested too deeply).") from None
    kind = document.get("resourceType") if isinstance(document, dict) else None
    if kind != "Bundle":
        raise _FileError(f'Expected a FHIR Bundle, found resourceType "{kind}".')
    document, numbers = _observation_entries(document)
    try:
        return Bundle.model_validate(document), numbers
    except ValidationError as exc:
        raise _FileError(f"The Bundle is not valid FHIR R4: {_first_problem(exc)}") from None
    except RecursionError:
        raise _FileError("The Bundle is nested too deeply to be a lab report.") from None


def _observation_entries(document: dict) -> tuple[dict, list[int]]:
    """The Bundle cut down to its Observations, and each one's entry number. Entries and
    Observations are counted in the JSON before any is validated (pydantic is most of an
    import's CPU); other resources are never validated."""
    entries = document.get("entry")
    if not isinstance(entries, list):
        return document, []
    if len(entries) > FHIR_MAX_ENTRIES:
        raise _FileError(
            f"The Bundle has {len(entries):,} entries; the limit is {FHIR_MAX_ENTRIES:,}. "
            "Export a shorter period."
        )
    kept = [
        (number, entry)
        for number, entry in enumerate(entries, start=1)
        if isinstance(entry, dict)
        and isinstance(entry.get("resource"), dict)
        and entry["resource"].get("resourceType") == "Observation"
    ]
    if len(kept) > FHIR_MAX_OBSERVATIONS:
        raise _FileError(
            f"The Bundle has {len(kept):,} Observations; the limit is "
            f"{FHIR_MAX_OBSERVATIONS:,}. Export a shorter period."
        )
    trimmed = {k: v for k, v in document.items() if k != "entry"}
    if kept:
        trimmed["entry"] = [entry for _number, entry in kept]
    return trimmed, [number for number, _entry in kept]


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
        raise _Invalid(_("its LOINC codes name different analytes (%(names)s)", names=names))
    return matches.pop() if matches else None


def _observation_date(observation: Any, today: date, zone: tzinfo | None = None) -> date:
    period = observation.effectivePeriod
    raw = (
        observation.effectiveDateTime
        or (period and period.start)
        or observation.effectiveInstant
        or observation.issued
    )
    if raw is None:
        raise _Invalid(_("no date (effectiveDateTime)"))
    if isinstance(raw, datetime) and raw.tzinfo is not None and zone is not None:
        raw = raw.astimezone(zone).date()  # the person's day, as the CSV import reads it
    elif isinstance(raw, datetime):
        raw = raw.date()  # no offset (or no zone): the date as written
    if not isinstance(raw, date):
        raise _Invalid(_('date "%(date)s" is incomplete; a day is needed', date=str(raw)))
    return _check_date(raw, today)


def _quantity_unit(analyte: Analyte, quantity: Any) -> str:
    spellings = [s for s in (quantity.code, quantity.unit) if s]
    if not spellings:
        raise _Invalid(_("the value has no unit"))
    for spelling in spellings:
        try:
            return from_ucum(analyte.code, spelling)
        except UnknownUnit as exc:
            problem = str(exc)
    raise _Invalid(Problem(problem))


def _performer(observation: Any) -> str:
    return next((p.display for p in observation.performer or [] if p.display), "")


def _note_text(observation: Any) -> str:
    return "\n".join(n.text for n in observation.note or [] if n.text)


def _quantity_value(analyte: Analyte, quantity: Any, unit: str) -> validation.LabValue:
    try:
        return validation.check_number(analyte, quantity.value, unit, quantity.comparator or "")
    except validation.NotPositive as exc:
        raise _Invalid(
            _("value must be greater than 0, not %(value)s", value=exc.params["value"])
        ) from None
    except validation.NotANumber:
        raise _Invalid(
            _("value %(value)s is not an ordinary number", value=str(quantity.value))
        ) from None
    except LabValueError as exc:
        raise _Invalid(_problem_of(exc)) from None


def _range_end(analyte: Analyte, quantity: Any, unit: str) -> float | None:
    """One end of a referenceRange, converted to the value's unit (None when absent)."""
    if quantity is None or quantity.value is None:
        return None
    end_unit = _quantity_unit(analyte, quantity) if (quantity.code or quantity.unit) else unit
    value = float(quantity.value)
    if end_unit == unit or not math.isfinite(value):
        return value
    return significant(
        from_canonical(analyte.code, to_canonical(analyte.code, value, end_unit), unit)
    )


def _interpretation_flag(observation: Any) -> str:
    """The H/L of v3-ObservationInterpretation ("HH", "LL" count; "N" and others are blank)."""
    for concept in observation.interpretation or []:
        for coding in concept.coding or []:
            if coding.code in ("H", "HH", "HU", "L", "LL", "LU"):
                return coding.code[0]
    return ""


def _observation_reference(
    analyte: Analyte, observation: Any, unit: str
) -> validation.ReferenceRange:
    """The first referenceRange with a low or high, and the interpretation's H/L, checked."""
    ranges = observation.referenceRange or []
    printed = [r for r in ranges if r.low or r.high]
    flag = _interpretation_flag(observation)
    try:
        if printed:
            ends = [_range_end(analyte, q, unit) for q in (printed[0].low, printed[0].high)]
            return validation.check_reference_range(*ends, flag, analyte=analyte, unit=unit)
        texts = [r.text for r in ranges if r.text]
        if texts:  # only the range as printed, "8.6-10.2" (in the value's unit)
            read = validation.parse_reference_text(texts[0], analyte=analyte, unit=unit)
            return validation.ReferenceRange(read.low, read.high, flag)
    except LabValueError as exc:
        raise _Invalid(_problem_of(exc)) from None
    return validation.ReferenceRange(flag=flag)


def _observation_row(
    number: int, observation: Any, analyte: Analyte, today: date, zone: tzinfo | None = None
):
    problems: list[str] = []
    quantity = observation.valueQuantity
    drawn_on = _collect(problems, _observation_date, observation, today, zone)
    unit = _collect(problems, _quantity_unit, analyte, quantity)
    lab = _collect(problems, _check_text, "lab", _performer(observation), LAB_MAX_LENGTH)
    notes = _collect(problems, _check_text, "notes", _note_text(observation), NOTES_MAX_LENGTH)
    reading = _collect(problems, _quantity_value, analyte, quantity, unit) if unit else None
    reference = (
        _collect(problems, _observation_reference, analyte, observation, unit) if unit else None
    )
    if problems:
        return None, problems
    row = ImportRow(
        number, drawn_on, analyte.code, reading.value, unit, reading.canonical_value,
        lab, notes, reading.qualifier, reference.low, reference.high, reference.flag,
    )  # fmt: skip
    return row, problems


def _skip_reason(observation: Any) -> str | None:
    if observation.status in _VOID_STATUSES:
        return f"status is {observation.status}"
    quantity = observation.valueQuantity
    if quantity is None or quantity.value is None:
        return "no numeric value"
    if quantity.comparator and quantity.comparator not in validation.QUALIFIERS:
        return (
            f"value is a limit ({quantity.comparator}{quantity.value}); only < and > limits "
            "are kept"
        )
    return None


def _observation_marker(observation: Any, markers: Sequence[MarkerSpec]) -> MarkerSpec | None:
    """One of the person's markers, by the Observation's LOINC codes or its code's text."""
    if not markers:
        return None
    concept = observation.code
    codings = (concept and concept.coding) or []
    names = [concept and concept.text, *(c.display for c in codings)]
    loinc = [c.code for c in _loinc_codings(observation)]
    for name in [n for n in names if n] or [""]:
        if marker := match_marker(markers, name=name, loinc=loinc):
            return marker
    return None


def _marker_observation_row(
    number: int, observation: Any, marker: MarkerSpec, today: date, zone: tzinfo | None = None
):
    """A value of the person's marker from an Observation (its own unit only)."""
    quantity = observation.valueQuantity
    drawn_on = _observation_date(observation, today, zone)
    unit = _marker_unit(marker, quantity.unit or quantity.code or "")
    try:
        value, qualifier = check_marker_value(quantity.value, quantity.comparator or "")
        printed = [r for r in observation.referenceRange or [] if r.low or r.high]
        ends = [
            None if q is None or q.value is None else q.value
            for q in ((printed[0].low, printed[0].high) if printed else (None, None))
        ]
        reference = validation.check_reference_range(*ends, _interpretation_flag(observation))
    except LabValueError as exc:
        raise _Invalid(_problem_of(exc)) from None
    lab = _check_text("lab", _performer(observation), LAB_MAX_LENGTH)
    notes = _check_text("notes", _note_text(observation), NOTES_MAX_LENGTH)
    return MarkerRow(
        number, drawn_on, marker.id, marker.name, value, unit, lab, notes, qualifier,
        reference.low, reference.high, reference.flag,
    )  # fmt: skip


class _FhirReader:
    """Accumulates a FhirParseResult over the Observations of one Bundle."""

    def __init__(
        self, today: date, markers: Sequence[MarkerSpec] = (), zone: tzinfo | None = None
    ) -> None:
        self.today, self.zone = today, zone
        self.result = FhirParseResult()
        self.seen: dict[tuple[date, str], ImportRow] = {}
        self.markers = markers

    def read(self, number: int, observation: Any) -> None:
        try:
            analyte = _observation_analyte(observation)
        except _Invalid as exc:
            self.result.errors.append(RowError(number, exc.problem))
            return
        if analyte is None and (marker := _observation_marker(observation, self.markers)):
            self._read_marker(number, observation, marker)
            return
        if analyte is None:
            if (code := _describe_code(observation)) not in self.result.unknown:
                self.result.unknown.append(code)
            return
        if reason := _skip_reason(observation):
            self.result.skipped.append(f"Entry {number} ({analyte.short_name}): {reason}")
            return
        row, problems = _observation_row(number, observation, analyte, self.today, self.zone)
        self.result.errors.extend(RowError(number, p) for p in problems)
        if row:
            self._add(row, analyte)

    def _read_marker(self, number: int, observation: Any, marker: MarkerSpec) -> None:
        if reason := _skip_reason(observation):
            self.result.skipped.append(f"Entry {number} ({marker.name}): {reason}")
            return
        problems: list[str] = []
        row = _collect(
            problems, _marker_observation_row, number, observation, marker, self.today, self.zone
        )
        self.result.errors.extend(RowError(number, p) for p in problems)
        if row is None:
            return
        first = self.seen.setdefault((row.drawn_on, f"marker:{row.marker}"), row)
        if first is row:
            self.result.marker_rows.append(row)
        elif first.value == row.value:
            self.result.skipped.append(f"Entry {row.line}: same result as entry {first.line}")
        else:
            message = _(
                "another %(name)s result for that date is in entry %(entry)d",
                name=marker.name, entry=first.line,
            )  # fmt: skip
            self.result.errors.append(RowError(row.line, message))

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
            message = _(
                "another %(name)s result for that date is in entry %(entry)d",
                name=analyte.short_name,
                entry=first.line,
            )
            self.result.errors.append(RowError(row.line, message))


def parse_fhir_bundle(
    data: bytes,
    *,
    max_bytes: int = FHIR_MAX_BYTES,
    today: date | None = None,
    markers: Sequence[MarkerSpec] = (),
    zone: tzinfo | None = None,
) -> FhirParseResult:
    """Parse a FHIR R4 Bundle of Observations (rules in the module docstring). An
    Observation no catalog analyte matches is read as one of `markers` (the person's own)
    when its LOINC code or its code's text names one (labs.markers.match_marker). `zone`:
    the person's, for the day of a moment with an offset."""
    try:
        bundle, numbers = _load_bundle(data, max_bytes)
    except _FileError as exc:
        return FhirParseResult(error=str(exc))
    reader = _FhirReader(today or date.today(), markers, zone)
    observations = [
        (number, entry.resource)
        for number, entry in zip(numbers, bundle.entry or [], strict=True)
        if entry.resource is not None
    ]
    if not observations:
        return FhirParseResult(error="The Bundle contains no Observation resources.")
    for number, observation in observations:
        reader.read(number, observation)
    return reader.result

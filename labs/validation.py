"""The checks every lab value passes, wherever it is typed or imported. Pure: no Django.

One number parser, one plausibility check, one date window and one set of size limits,
used by the entry form, quick add, the CSV and FHIR imports, the what-if form and the
`plan` command, so a value is read the same way and refused in the same words everywhere.

Numbers are read strictly (see `parse_decimal`): ASCII digits only, one decimal
separator ("." or ","), no grouping. "1,050" and "1.050" read as 1050 to some people
and 1.05 to others, so they are refused with a question unless only one reading is a
plausible result for the analyte (an ionised calcium of "1,250" mmol/L is 1.25).

Errors carry an English message template and its parameters; the template is marked
with `gettext_noop` so the forms can show it translated (`str()` gives the English).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from labs.analytes import Analyte
from labs.units import from_canonical, to_canonical, units_for

# --- size limits (one place: the forms, the views and the importers read them here) ---
MAX_VALUE_CHARS = 32  # a typed value, qualifier and spaces included
MAX_SIGNIFICANT_DIGITS = 12  # far beyond any lab; keeps 1 followed by 400 zeros out
CSV_MAX_BYTES = 2 * 1024 * 1024
# Results per import (CSV rows, or values of a file with one column per analyte): a lifetime
# of a person's labs, and few enough that saving them all stays under 2 s of CPU (the
# audit trail writes a history row for each; tests/bench/bench_imports.py measures it).
CSV_MAX_ROWS = 5_000
CSV_MAX_COLUMNS = 50  # a lab export has a dozen; the header is refused beyond this
FHIR_MAX_BYTES = 5 * 1024 * 1024
FHIR_MAX_ENTRIES = 20_000  # Bundle entries, counted in the JSON before anything is validated
# Observations, the only resources validated (fhir.resources costs ~0.2 ms each): 3,000
# keep the largest accepted Bundle's preview and its confirm under 2 s of CPU each.
FHIR_MAX_OBSERVATIONS = 3_000
LAB_MAX_LENGTH = 120  # Panel.lab
NOTES_MAX_LENGTH = 2000  # Panel.notes
EARLIEST_DATE = date(1900, 1, 1)

LESS, GREATER = "<", ">"
QUALIFIERS = (LESS, GREATER)


def gettext_noop(message: str) -> str:
    """Mark a message for the translation catalogue; translated where it is shown."""
    return message


class LabValueError(ValueError):
    """A value that cannot be taken as typed; `code` says why, `message` says it in English."""

    code = "invalid"

    def __init__(self, template: str, **params: object) -> None:
        self.template, self.params = template, params
        super().__init__(template % params)

    @property
    def message(self) -> str:
        return str(self)


class NotANumber(LabValueError):
    code = "not_a_number"


class NotFinite(NotANumber):
    code = "not_finite"


class NotPositive(NotANumber):
    code = "not_positive"


class AmbiguousNumber(LabValueError):
    """ "1,050": a thousands separator or a decimal comma; `readings` holds both values."""

    code = "ambiguous"

    def __init__(self, template: str, readings: tuple[Decimal, Decimal], **params) -> None:
        self.readings = readings
        super().__init__(template, **params)


class Implausible(LabValueError):
    code = "implausible"


class UnusualUnit(LabValueError):
    """Plausible, but far likelier in another unit: the person is asked to confirm."""

    code = "unusual_unit"


class BadDate(LabValueError):
    code = "bad_date"


class FutureDate(BadDate):
    code = "future"


class AncientDate(BadDate):
    code = "too_early"


# --- numbers ------------------------------------------------------------------------------

# A leading "-" is read only to say "must be greater than 0" rather than "not a number".
_NUMBER = re.compile(r"(?P<sign>-?)(?P<whole>[0-9]*)(?:(?P<sep>[.,])(?P<fraction>[0-9]*))?")
_QUALIFIED = re.compile(r"(?P<qualifier>[<>])?\s*(?P<number>.*)", re.DOTALL)
_GROUPING = re.compile(r"[1-9][0-9]{0,2}")


def example(decimal_separator: str = ".") -> str:
    """What a well-typed value looks like for this person: "32.5" or "32,5"."""
    return f"32{decimal_separator}5"


def _readings(whole: str, fraction: str) -> tuple[Decimal, Decimal]:
    return Decimal(f"{whole}{fraction}"), Decimal(f"{whole}.{fraction}")


def _unambiguous_decimal(whole: str, fraction: str, separator: str) -> str:
    """The decimal reading spelt so it is not asked about again: "1,050" → "1,05",
    "1,234" → "1,2340" (four decimals cannot be a thousands group), "1,000" → "1"."""
    digits = fraction.rstrip("0")
    if not digits:
        return whole
    return f"{whole}{separator}{digits}{'0' if len(digits) == 3 else ''}"


def parse_decimal(text: str, *, decimal_separator: str = ".") -> Decimal:
    """A number typed by a person or printed by a lab, read strictly.

    Accepted: ASCII digits with at most one "." or "," as the decimal separator, either
    one whatever the person's locale ("45,5" and "45.5" are both 45.5: neither can be a
    thousands separator before one or two digits). Refused: other digits ("３２",
    "٣٢"), "_", "+", exponents, spaces inside, grouping ("1.050,5"), more than
    MAX_SIGNIFICANT_DIGITS digits, and — as AmbiguousNumber — "1,050" / "1.050".
    A leading "-" is read, so that the caller can say "must be greater than 0".
    `decimal_separator` only shapes the examples in the messages.
    """
    stripped = text.strip()
    hint = example(decimal_separator)
    match = _NUMBER.fullmatch(stripped) if len(stripped) <= MAX_VALUE_CHARS else None
    if not stripped:
        raise NotANumber(gettext_noop("Enter the value."))
    if not match or not (match["whole"] or match["fraction"]):
        raise NotANumber(
            gettext_noop("“%(value)s” is not a number. Type digits, like %(example)s."),
            value=stripped[:MAX_VALUE_CHARS],
            example=hint,
        )
    whole, sep, fraction = match["whole"], match["sep"], match["fraction"] or ""
    if len((whole + fraction).lstrip("0")) > MAX_SIGNIFICANT_DIGITS:
        raise NotANumber(
            gettext_noop("“%(value)s” has too many digits to be a lab value."), value=stripped
        )
    if sep and len(fraction) == 3 and _GROUPING.fullmatch(whole):
        grouped, decimal = _readings(whole, fraction)
        raise AmbiguousNumber(
            gettext_noop("“%(value)s” could be read two ways: type %(whole)s or %(decimal)s."),
            (grouped, decimal),
            value=stripped,
            whole=str(grouped),
            decimal=_unambiguous_decimal(whole, fraction, decimal_separator),
        )
    return Decimal(f"{match['sign']}{whole or '0'}.{fraction or '0'}")


def split_qualifier(text: str) -> tuple[str, str]:
    """ "< 10" → ("<", "10"); "10" → ("", "10"). Labs print a limit for a censored value."""
    match = _QUALIFIED.fullmatch(text.strip())
    return (match["qualifier"] or "", match["number"]) if match else ("", text)


def positive_finite(value: float | Decimal) -> float:
    """A number as a float, refused when it is zero, negative, infinite or NaN (FHIR 1e400)."""
    number = float(value)
    if not math.isfinite(number):
        raise NotFinite(gettext_noop("Enter an ordinary number, like 32.5."))
    if number <= 0:
        raise NotPositive(gettext_noop("The value must be greater than 0."), value=_fmt(number))
    return number


def parse_positive(text: str, *, decimal_separator: str = ".") -> float:
    """A typed number greater than 0 (dose amounts, what-if values without an analyte)."""
    return positive_finite(parse_decimal(text, decimal_separator=decimal_separator))


class OutOfRange(LabValueError):
    code = "out_of_range"


def parse_percent(text: str, *, decimal_separator: str = ".") -> float:
    """A share typed as a percentage from 0 to 100 ("80", "80 %", "92,5"): the share of
    days a supplement was taken, as a person counts it. Returned as typed (0..100)."""
    number = float(
        parse_decimal(text.strip().removesuffix("%"), decimal_separator=decimal_separator)
    )
    if not 0 <= number <= 100:
        raise OutOfRange(
            gettext_noop("“%(value)s” is not a share from 0 to 100 %%."), value=text.strip()
        )
    return number


# --- a lab value: number, qualifier, unit, plausibility --------------------------------------


@dataclass(frozen=True)
class LabValue:
    """A value as typed, checked and converted: what every input hands to the services."""

    value: float  # as entered, in `unit`
    unit: str
    canonical_value: float
    qualifier: str = ""  # "<" or ">" for a censored result, else ""
    reinterpreted: bool = False  # "1,250" taken as 1.25 because 1250 is not plausible


def _fmt(number: float) -> str:
    """Up to 4 significant digits, never in exponent form: 624, 2.496, 0.4114."""
    return format(Decimal(f"{number:.4g}").normalize(), "f")


def _plausible(analyte: Analyte, canonical: float) -> bool:
    low, high = analyte.plausible
    return low <= canonical <= high


def _likely(analyte: Analyte, canonical: float) -> bool:
    low, high = analyte.likely
    return low <= canonical <= high


def _bounds(analyte: Analyte, unit: str, bounds: tuple[float, float]) -> str:
    """ "1 and 250 ng/mL", or in another unit "2.496 and 624 nmol/L (1 and 250 ng/mL)"."""
    low, high = bounds
    text = f"{_fmt(low)} and {_fmt(high)} {analyte.canonical_unit}"
    if unit != analyte.canonical_unit:
        in_unit = [_fmt(from_canonical(analyte.code, b, unit)) for b in (low, high)]
        text = f"{in_unit[0]} and {in_unit[1]} {unit} ({text})"
    return text


def _other_units(analyte: Analyte, value: float, unit: str, fits) -> list[str]:
    """The analyte's other units in which `value` passes `fits` (for "did you mean …?")."""
    return [
        other
        for other in units_for(analyte.code)
        if analyte.units[other] != analyte.units[unit]
        and fits(analyte, to_canonical(analyte.code, value, other))
    ]


def check_plausible(analyte: Analyte, value: float, unit: str) -> float:
    """The canonical value, or Implausible naming the bounds and a unit that would fit."""
    canonical = to_canonical(analyte.code, value, unit)
    if _plausible(analyte, canonical):
        return canonical
    params = {"name": analyte.short_name, "bounds": _bounds(analyte, unit, analyte.plausible)}
    hints = _other_units(analyte, value, unit, _plausible)
    if hints:
        raise Implausible(
            gettext_noop("%(name)s must be between %(bounds)s — did you mean %(units)s?"),
            units=" or ".join(hints),
            **params,
        )
    raise Implausible(gettext_noop("%(name)s must be between %(bounds)s"), **params)


def check_usual_unit(analyte: Analyte, value: float, unit: str, typed: str = "") -> None:
    """Ask (UnusualUnit) when a plausible value is unusual in `unit` but usual in another.

    Serum Mg 0.78 "mg/dL" is possible but rare, and 0.78 mmol/L is an ordinary value, so
    the person is asked which they meant; they may confirm the value as typed.
    """
    if _likely(analyte, to_canonical(analyte.code, value, unit)):
        return
    hints = _other_units(analyte, value, unit, _likely)
    if hints:
        raise UnusualUnit(
            gettext_noop(
                "%(value)s %(unit)s is unusual for %(name)s (usually between %(usual)s) — "
                "did you mean %(units)s? Tick “the unit is right” to keep it."
            ),
            value=typed or _fmt(value),
            unit=unit,
            name=analyte.short_name,
            usual=_bounds(analyte, unit, analyte.likely),
            units=" or ".join(hints),
        )


def _pick_reading(analyte: Analyte, unit: str, exc: AmbiguousNumber) -> Decimal:
    """The one plausible reading of "1,050", or the question again when both (or none) fit."""
    fitting = [
        r for r in exc.readings if _plausible(analyte, to_canonical(analyte.code, float(r), unit))
    ]
    if len(fitting) != 1:
        raise exc
    return fitting[0]


def parse_lab_value(
    analyte: Analyte,
    text: str,
    unit: str,
    *,
    decimal_separator: str = ".",
    unit_confirmed: bool = True,
) -> LabValue:
    """Read a typed value ("45,5", "< 10") of an analyte in a unit the analyte accepts.

    Raises a LabValueError subclass; UnusualUnit only when `unit_confirmed` is False.
    """
    qualifier, number = split_qualifier(text)
    reinterpreted = False
    try:
        decimal = parse_decimal(number, decimal_separator=decimal_separator)
    except AmbiguousNumber as exc:
        decimal, reinterpreted = _pick_reading(analyte, unit, exc), True
    value = positive_finite(decimal)
    canonical = check_plausible(analyte, value, unit)
    if not unit_confirmed:
        check_usual_unit(analyte, value, unit, typed=number.strip())
    return LabValue(value, unit, canonical, qualifier, reinterpreted)


def check_number(
    analyte: Analyte, value: float | Decimal, unit: str, qualifier: str = ""
) -> LabValue:
    """A value that arrives as a number (FHIR valueQuantity, the services): same checks."""
    number = positive_finite(value)
    if qualifier and qualifier not in QUALIFIERS:
        raise LabValueError(
            gettext_noop("the comparator “%(comparator)s” is not supported; only < and >"),
            comparator=qualifier,
        )
    return LabValue(number, unit, check_plausible(analyte, number, unit), qualifier)


# --- dates -----------------------------------------------------------------------------------


def check_drawn_on(drawn_on: date, today: date) -> date:
    """A draw date inside the window: not after the person's today, not before 1900."""
    if drawn_on > today:
        raise FutureDate(gettext_noop("The date cannot be in the future."))
    if drawn_on < EARLIEST_DATE:
        raise AncientDate(gettext_noop("Enter a date after 1900."))
    return drawn_on


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str, max_length: int, name: str) -> str:
    """A free-text field of a result (lab, notes): bounded, and without control characters
    (PostgreSQL refuses NUL in text; the others are never part of a lab name or a note)."""
    text = text.strip()
    if _CONTROL.search(text):
        raise LabValueError(gettext_noop("%(name)s contains a control character"), name=name)
    if len(text) > max_length:
        raise LabValueError(
            gettext_noop("%(name)s is longer than %(max)d characters"), name=name, max=max_length
        )
    return text


# --- the lab's printed reference range -------------------------------------------------------

HIGH, LOW = "H", "L"
REF_FLAGS = (HIGH, LOW)
# "8.6 - 10.2", "8,6–10,2", "30 to 100", "< 5", "> 40", "≤5": what labs print.
_RANGE = re.compile(
    r"(?P<low>[0-9]+(?:[.,][0-9]+)?)\s*(?:-|–|—|to|bis)\s*(?P<high>[0-9]+(?:[.,][0-9]+)?)"
    r"|(?P<below>[<≤]=?)\s*(?P<upper>[0-9]+(?:[.,][0-9]+)?)"
    r"|(?P<above>[>≥]=?)\s*(?P<lower>[0-9]+(?:[.,][0-9]+)?)",
    re.IGNORECASE,
)


class BadRange(LabValueError):
    code = "bad_range"


@dataclass(frozen=True)
class ReferenceRange:
    """The range a lab printed beside a result, in the result's unit; either end may be
    missing ("< 5" has only an upper limit). `flag` is the lab's H/L mark, or "" """

    low: float | None = None
    high: float | None = None
    flag: str = ""

    @property
    def empty(self) -> bool:
        return self.low is None and self.high is None

    def canonical(self, code: str, unit: str) -> tuple[float | None, float | None]:
        """Both ends in the analyte's canonical unit (a custom marker passes code "")."""
        if not code:
            return self.low, self.high
        return tuple(
            None if end is None else to_canonical(code, end, unit) for end in (self.low, self.high)
        )


NO_RANGE = ReferenceRange()


def _range_end(text: str, decimal_separator: str) -> float | None:
    """One end of a range: blank is "not printed"; 0 is allowed ("0 – 5"), negatives not."""
    if not text.strip():
        return None
    try:
        number = float(parse_decimal(text, decimal_separator=decimal_separator))
    except AmbiguousNumber as exc:
        number = float(exc.readings[1])  # a range end is never a thousands group of a lab value
    if not math.isfinite(number) or number < 0:
        raise BadRange(gettext_noop("A reference limit must be 0 or more."))
    return number


def check_flag(flag: str) -> str:
    """The lab's flag as stored: "H", "L" or "" (also read from "high", "low", "+", "-")."""
    text = (flag or "").strip().casefold()
    aliases = {"h": HIGH, "high": HIGH, "hh": HIGH, "+": HIGH, "↑": HIGH, "hoch": HIGH,
               "l": LOW, "low": LOW, "ll": LOW, "-": LOW, "↓": LOW, "niedrig": LOW,
               "n": "", "normal": "", "": ""}  # fmt: skip
    if text not in aliases:
        raise BadRange(
            gettext_noop("The lab's flag “%(flag)s” is not H or L."), flag=flag.strip()[:8]
        )
    return aliases[text]


def check_reference_range(
    low: float | Decimal | str | None,
    high: float | Decimal | str | None,
    flag: str = "",
    *,
    analyte: Analyte | None = None,
    unit: str = "",
    decimal_separator: str = ".",
) -> ReferenceRange:
    """The lab's printed range, checked: numbers read by `parse_decimal`, each end 0 or more,
    low ≤ high, and (for a catalog analyte, in `unit`) an upper end within its plausible
    bounds, so a range typed in the wrong unit is caught like a value would be."""
    ends = [
        _range_end(end, decimal_separator) if isinstance(end, str) else end for end in (low, high)
    ]
    for index, end in enumerate(ends):
        if end is not None:
            ends[index] = float(end)
            if not math.isfinite(ends[index]) or ends[index] < 0:
                raise BadRange(gettext_noop("A reference limit must be 0 or more."))
    low_end, high_end = ends
    if low_end is not None and high_end is not None and low_end > high_end:
        raise BadRange(
            gettext_noop("The lower reference limit (%(low)s) is above the upper (%(high)s)."),
            low=_fmt(low_end),
            high=_fmt(high_end),
        )
    if analyte is not None and high_end is not None:
        top = from_canonical(analyte.code, analyte.plausible[1], unit)
        if high_end > top:
            raise BadRange(
                gettext_noop("The reference limit %(limit)s %(unit)s is impossible for %(name)s."),
                limit=_fmt(high_end),
                unit=unit,
                name=analyte.short_name,
            )
    return ReferenceRange(low_end, high_end, check_flag(flag))


def parse_reference_text(
    text: str, *, analyte: Analyte | None = None, unit: str = "", decimal_separator: str = "."
) -> ReferenceRange:
    """A range as a lab prints it in one cell: "8.6-10.2", "8,6 – 10,2", "< 5", "> 40"."""
    stripped = (text or "").strip()
    if not stripped:
        return NO_RANGE
    match = _RANGE.fullmatch(stripped)
    if not match:
        raise BadRange(
            gettext_noop("“%(range)s” is not a range; type it like 8.6-10.2, < 5 or > 40."),
            range=stripped[:MAX_VALUE_CHARS],
        )
    low, high = match["low"] or match["lower"], match["high"] or match["upper"]
    return check_reference_range(
        low, high, analyte=analyte, unit=unit, decimal_separator=decimal_separator
    )


def range_flag(value: float, reference: ReferenceRange, qualifier: str = "") -> str:
    """H or L when the value lies outside the range ("" inside, or with no range); used when
    the lab printed a range but no flag. A censored "< 10" is low only if 10 ≤ low."""
    if reference.high is not None and value > reference.high and qualifier != LESS:
        return HIGH
    if reference.low is not None and value < reference.low and qualifier != GREATER:
        return LOW
    return ""

"""How numbers, lab values and dates are shown to a person: in their preferred unit, at a
readable precision, written the way their language writes numbers and dates.

The one place for display formatting (the user is anything with `preferred_unit(code)` and a
`rule_set`): dashboard, trends, panel pages, the report, the import preview, the plan presenter
and the emails all call it. Numbers and dates follow the active language ("1,234.5" / "1.234,5",
"1 Dec 2026" / "1. Dez. 2026"); stored values, exports and JSON stay canonical and ISO 8601.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext, pgettext_lazy

from labs.analytes import ANALYTES, SEED_RULE_SET, status, target
from labs.units import from_canonical
from labs.validation import ReferenceRange, range_flag

# Decimals people read a value with in a non-canonical unit (nmol/L as whole numbers, …).
_UNIT_DECIMALS = {"nmol/L": 0, "pmol/L": 0, "mmol/L": 2, "µmol/L": 0, "g/L": 0}
_DASH = "–"  # en dash between the ends of a range
# Dose units as each language's supplement labels print them (German: "IE", "µg"). Stored
# values, forms' values, exports and the JSON contract keep the codes IU, mg, mcg.
DOSE_UNIT_LABELS = {
    "IU": pgettext_lazy("dose unit", "IU"),
    "mg": pgettext_lazy("dose unit", "mg"),
    "mcg": pgettext_lazy("dose unit", "mcg"),
}


@dataclass(frozen=True)
class Reader:
    """Someone who reads values without an account's settings (a what-if visitor): the unit
    they read each analyte in (their region's, or the one they picked), and a rule set. Stands
    in for the `user` every function here takes."""

    units: Mapping[str, str] = field(default_factory=dict)
    rule_set: str = SEED_RULE_SET

    def preferred_unit(self, code: str) -> str | None:
        return self.units.get(code)


def analyte_name(code: str) -> str:
    """The analyte's full name in the active language ("Magnesium in Erythrozyten")."""
    analyte = ANALYTES.get(code)
    return gettext(analyte.name) if analyte else code


def analyte_short_name(code: str) -> str:
    """The analyte's short name in the active language ("Erythrozyten-Mg")."""
    analyte = ANALYTES.get(code)
    return gettext(analyte.short_name) if analyte else code


def target_for(user, analyte: str) -> tuple[float, float] | None:
    """The band this person's rule set aims the analyte at (canonical unit), or None."""
    return target(analyte, user.rule_set)


def status_for(user, analyte: str, canonical_value: float) -> str | None:
    """The badge of a canonical value, judged against this person's rule set."""
    return status(ANALYTES[analyte], canonical_value, rule_set=user.rule_set)


def display_decimals(analyte: str, unit: str) -> int:
    """How many decimals a value of this analyte is shown with in this unit."""
    entry = ANALYTES[analyte]
    if unit == entry.canonical_unit:
        return entry.decimals
    return _UNIT_DECIMALS.get(unit, entry.decimals)


def display_unit(user, analyte: str) -> str:
    """The unit this person reads the analyte in (their setting, else the canonical unit)."""
    preferred = user.preferred_unit(analyte) if user is not None else None
    return preferred or ANALYTES[analyte].canonical_unit


def format_decimal(number: float, decimals: int) -> str:
    """A number with a fixed count of decimals, grouped, in the active language: "1,234.5"."""
    return formats.number_format(round(float(number), decimals), decimals, force_grouping=True)


def format_number(number: float | int | None, max_decimals: int = 2) -> str:
    """A dose or amount without trailing zeros: 5000 → "5,000" ("5.000"), 4.2 → "4.2" ("4,2")."""
    if number is None or number == "":
        return ""
    rounded = round(float(number), max_decimals)
    decimals = next(d for d in range(max_decimals + 1) if round(rounded, d) == rounded)
    return format_decimal(rounded, decimals)


def format_plain(number: float | int | None) -> str:
    """A number exactly as typed or stored, no grouping, the language's decimal mark: "45,5"."""
    if number is None or number == "":
        return ""
    text = f"{float(number):.10g}"
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def dose_unit(unit: str) -> str:
    """A dose unit as the active language's labels print it: "IU" → "IE", "mcg" → "µg" in
    German; any other text (a lab unit, "") unchanged. Every dose shown goes through here."""
    label = DOSE_UNIT_LABELS.get(unit)
    return str(label) if label is not None else unit


def format_dose(amount: float | None, unit: str) -> str:
    """One daily amount with its unit as the reader reads it: "4,000 IU", "4.000 IE"."""
    return format_amount_range(amount, amount, unit)


def format_amount_range(low: float | None, high: float | None, unit: str = "") -> str:
    """ "5,000–7,000 IU" ("5.000–7.000 IE"), or one number when both ends agree."""
    text = (
        format_number(low) if low == high else f"{format_number(low)}{_DASH}{format_number(high)}"
    )
    return f"{text} {dose_unit(unit)}".strip()


def format_value(analyte: str, canonical_value: float, unit: str) -> str:
    """A value converted to `unit` with the decimals people read it with ("42.1", "105")."""
    converted = from_canonical(analyte, canonical_value, unit)
    return format_decimal(converted, display_decimals(analyte, unit))


def censored(qualifier: str, text: str) -> str:
    """A censored result as labs print it: "< 10", "> 160"; an exact one unchanged."""
    return f"{qualifier} {text}" if qualifier else text


def format_for(user, analyte: str, canonical_value: float) -> str:
    """A canonical value as this person reads it, with its unit: "137 nmol/L"."""
    unit = display_unit(user, analyte)
    return f"{format_value(analyte, canonical_value, unit)} {unit}"


def range_for(user, analyte: str, bounds: tuple[float, float] | list[float]) -> str:
    """A (low, high) canonical range as this person reads it: "100–150 nmol/L", "40–60 ng/mL",
    "5.5–6.5 mg/dL" (a band's whole-number ends drop their ".0")."""
    unit = display_unit(user, analyte)
    low, high = (from_canonical(analyte, bound, unit) for bound in bounds)
    decimals = display_decimals(analyte, unit)
    if all(round(end, decimals) == round(end) for end in (low, high)):
        decimals = 0
    low_text, high_text = (format_decimal(end, decimals) for end in (low, high))
    if low_text == high_text:
        return f"{low_text} {unit}"
    return f"{low_text}{_DASH}{high_text} {unit}"


def lab_range_for(user, analyte: str, low: float | None, high: float | None) -> str:
    """The range a lab printed (canonical ends, either may be missing) as this person reads
    it: "8.6–10.2 mg/dL", "< 5 ng/mL", "> 40 ng/mL"; "" when the lab printed none."""
    if low is None and high is None:
        return ""
    if low is not None and high is not None:
        return range_for(user, analyte, (low, high))
    unit = display_unit(user, analyte)
    end = format_value(analyte, high if low is None else low, unit)
    return f"{'<' if low is None else '>'} {end} {unit}"


def result_flag(result) -> str:
    """H or L beside a result: the lab's own flag, else what its printed range says."""
    if result.ref_flag:
        return result.ref_flag
    reference = ReferenceRange(result.ref_low_canonical, result.ref_high_canonical)
    return range_flag(result.canonical_value, reference, result.qualifier)


def decimal_formatter(decimals: int) -> Callable[[float], str]:
    """A fast `format_decimal` for one table or chart in the active language (hundreds of
    values: Python's own formatting with the language's marks, ~1 µs a value)."""
    marks = str.maketrans(
        {
            ",": formats.get_format("THOUSAND_SEPARATOR"),
            ".": formats.get_format("DECIMAL_SEPARATOR"),
        }
    )
    return lambda number: f"{number:,.{decimals}f}".translate(marks)


_DAY, _YEAR = "\x01", "\x02"  # placeholders no date format letter produces
_DAY_DEPENDENT = set("dDlLwzStUr")  # format letters other than "j" that vary with the day


def date_formatter() -> Callable[[dt.date], str]:
    """A fast `format_date` for one table or chart in the active language: the month's text
    is formatted once per month, the day and year dropped in (~1 µs a date, not ~50)."""
    pattern = formats.get_format("DATE_FORMAT")
    if set(pattern) & _DAY_DEPENDENT or pattern.count("j") != 1 or "\\" in pattern:
        return format_date  # a format that needs the whole date: the general path
    months = {
        month: dateformat.format(
            dt.date(2000, month, 1), pattern.replace("j", _DAY).replace("Y", _YEAR)
        )
        for month in range(1, 13)
    }
    return lambda day: months[day.month].replace(_DAY, str(day.day)).replace(_YEAR, str(day.year))


# Django date-format letters and the d3 (plotly) directives that write the same thing.
_D3_DIRECTIVES = {"j": "%-d", "d": "%d", "M": "%b", "N": "%b", "b": "%b", "F": "%B", "Y": "%Y",
                  "y": "%y", "n": "%-m", "m": "%m"}  # fmt: skip


def d3_date_format(setting: str = "DATE_FORMAT") -> str:
    """The active locale's date format (config/formats/) as a d3 format for chart axes, so a
    chart writes a date as the page around it does: "%b %-d, %Y" in the US, "%-d. %b %Y" in
    German. Letters without a d3 twin are dropped; other characters are kept."""
    pattern = formats.get_format(setting)
    out, escaped = [], False
    for char in pattern:
        if char == "\\" and not escaped:
            escaped = True
        elif escaped or not char.isalpha():
            out.append("%%" if char == "%" else char)
            escaped = False
        else:
            out.append(_D3_DIRECTIVES.get(char, ""))
    return "".join(out).strip()


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(value).date() if value else None
    except ValueError:
        return None


def format_date(value: dt.date | str | None) -> str:
    """A date (or an ISO date string from a stored plan) in the language's one format."""
    day = _as_date(value)
    return formats.date_format(day) if day else ""


def format_datetime(value: dt.datetime) -> str:
    """A moment in the active time zone, in the language's one format: "1 Dec 2026, 18:41"."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(local, "DATETIME_FORMAT")

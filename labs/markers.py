"""A person's own markers: matching names and LOINC codes, reading values. Pure: no Django.

A custom marker is what the catalog lacks (homocysteine, ferritin, …): a name, a unit, an
optional usual range and an optional LOINC code. Values are read by labs.validation's
parser (no plausibility bounds: Cofactor knows nothing of the marker), always in the
marker's own unit. The catalog always wins: a marker may not take the name or LOINC code of
a catalog analyte, and an import row is matched to a marker only when no analyte matches.

`match_marker` is the one matcher every import uses (CSV, FHIR, PDF): LOINC first, then the
name, compared as `marker_key` spells it (case, spaces and punctuation ignored).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from labs import validation
from labs.analytes import by_loinc, find_analyte
from labs.validation import LabValueError, ReferenceRange, gettext_noop

NAME_MAX_LENGTH = 80
UNIT_MAX_LENGTH = 24
MAX_MARKERS = 50  # per person: far beyond a lab sheet, and a bounded panel form
_LOINC = re.compile(r"[0-9]{1,7}-[0-9]")
_UNIT = re.compile(r"[^\s<>\"'`]{1,24}")
_NOT_A_LETTER = re.compile(r"[\W_]+")


class MarkerError(LabValueError):
    code = "marker"


@dataclass(frozen=True)
class MarkerSpec:
    """What an importer knows of one of the person's markers."""

    id: int
    name: str
    unit: str
    loinc: str = ""


@dataclass(frozen=True)
class MarkerValue:
    """One value of a custom marker entered on a panel (the marker's unit is implied)."""

    marker: int  # Marker id
    value: float
    qualifier: str = ""
    reference: ReferenceRange = ReferenceRange()


@dataclass(frozen=True)
class MarkerRow:
    """One value of a custom marker, read from an import and ready to be saved."""

    line: int
    drawn_on: date
    marker: int  # Marker id
    name: str  # the marker's name (for the preview)
    value: float  # in the marker's unit
    unit: str
    lab: str = ""
    notes: str = ""
    qualifier: str = ""
    ref_low: float | None = None
    ref_high: float | None = None
    ref_flag: str = ""

    @property
    def reference(self) -> ReferenceRange:
        return ReferenceRange(self.ref_low, self.ref_high, self.ref_flag)

    def to_json(self) -> dict:
        return asdict(self) | {"drawn_on": self.drawn_on.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> MarkerRow:
        return cls(**(data | {"drawn_on": date.fromisoformat(data["drawn_on"])}))


def marker_key(name: str) -> str:
    """How names are compared: case, spaces and punctuation aside ("Homocystein (Plasma)",
    "homocystein plasma" and "Homo-cystein, Plasma" are one)."""
    folded = unicodedata.normalize("NFKC", name).casefold().replace("μ", "u")
    return _NOT_A_LETTER.sub("", folded)


def match_marker(
    markers: Sequence[MarkerSpec], *, name: str = "", loinc: str | Sequence[str] = ()
) -> MarkerSpec | None:
    """The person's marker an import row names: by LOINC code first, then by name."""
    codes = [loinc] if isinstance(loinc, str) else list(loinc)
    codes = [code.strip() for code in codes if code and code.strip()]
    for marker in markers:
        if marker.loinc and marker.loinc in codes:
            return marker
    key = marker_key(name)
    if not key:
        return None
    return next((m for m in markers if marker_key(m.name) == key), None)


def same_unit(unit: str, marker: MarkerSpec) -> bool:
    """A row's unit is the marker's own (case and spaces aside); "" means "not stated"."""
    return not unit.strip() or marker_key(unit) == marker_key(marker.unit)


# --- the definition --------------------------------------------------------------------------


def check_name(name: str) -> str:
    """A marker's name: text, bounded, and not a name the catalog already knows."""
    name = validation.clean_text(name, NAME_MAX_LENGTH, "name")
    if not marker_key(name):
        raise MarkerError(gettext_noop("Enter the marker's name."))
    analyte = find_analyte(name)
    if analyte is not None:
        raise MarkerError(
            gettext_noop(
                "Cofactor already knows this marker as %(name)s; enter it as a result of "
                "that analyte."
            ),
            name=analyte.short_name,
        )
    return name


def check_unit(unit: str) -> str:
    unit = unit.strip()
    if not _UNIT.fullmatch(unit):
        raise MarkerError(
            gettext_noop("Enter the unit as the lab prints it, like mg/L or µmol/L (no spaces).")
        )
    return unit


def check_loinc(code: str) -> str:
    """An optional LOINC code ("13965-9"), not one of a catalog analyte."""
    code = code.strip()
    if not code:
        return ""
    if not _LOINC.fullmatch(code):
        raise MarkerError(gettext_noop("A LOINC code looks like 13965-9."))
    analyte = by_loinc(code)
    if analyte is not None:
        raise MarkerError(
            gettext_noop("%(code)s is the LOINC code of %(name)s, which Cofactor knows already."),
            code=code,
            name=analyte.short_name,
        )
    return code


@dataclass(frozen=True)
class MarkerDefinition:
    name: str
    unit: str
    reference: ReferenceRange
    loinc: str = ""


def check_definition(
    name: str, unit: str, ref_range: str = "", loinc: str = "", *, decimal_separator: str = "."
) -> MarkerDefinition:
    """Every field of a marker checked (the form shows each error beside its field)."""
    reference = validation.parse_reference_text(ref_range, decimal_separator=decimal_separator)
    return MarkerDefinition(check_name(name), check_unit(unit), reference, check_loinc(loinc))


# --- values ----------------------------------------------------------------------------------


def read_value(text: str, *, decimal_separator: str = ".") -> tuple[float, str]:
    """A typed or printed value of a custom marker ("12,5", "< 3") → (value, qualifier);
    the strict parser of labs.validation, greater than 0, no plausibility bounds."""
    qualifier, number = validation.split_qualifier(text)
    # No catalog bounds settle "1,050" here: AmbiguousNumber asks the person which they meant.
    decimal = validation.parse_decimal(number, decimal_separator=decimal_separator)
    return validation.positive_finite(decimal), qualifier


def check_value(value: float, qualifier: str = "") -> tuple[float, str]:
    """A value that arrives as a number (FHIR, the services): same checks as read_value."""
    if qualifier not in ("", *validation.QUALIFIERS):
        raise MarkerError(
            gettext_noop("the comparator “%(comparator)s” is not supported; only < and >"),
            comparator=qualifier,
        )
    return validation.positive_finite(value), qualifier


def check_reference(low, high, flag: str = "") -> ReferenceRange:
    """A printed range of a custom marker's value (no plausibility bounds)."""
    return validation.check_reference_range(low, high, flag)

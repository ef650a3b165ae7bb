"""Build exports of lab results: CSV and a FHIR R4 Bundle. Pure: no database, no Django.

Both formats read back through `labs.importers`: the CSV uses the import's
columns, and the Bundle's Observations carry the primary LOINC code and a UCUM
unit, so export → import round-trips.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from labs.analytes import ANALYTES
from labs.csvsafe import guard
from labs.importers import CSV_COLUMNS
from labs.units import significant, to_ucum

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
INTERPRETATION_DISPLAY = {"H": "High", "L": "Low"}
# Names the stable UUIDs of exported results: the same result always gets the same id.
RESULT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cofactor.invalid/labs/result")


@dataclass(frozen=True)
class ExportRow:
    """One stored result, as the exporters need it."""

    result_id: int | str
    drawn_on: date
    analyte: str  # catalog code
    value: float | Decimal  # as entered
    unit: str  # display unit as entered
    canonical_value: float | Decimal
    lab: str = ""
    notes: str = ""
    qualifier: str = ""  # "<" / ">": a censored result, value is the limit
    ref_low: float | None = None  # the lab's printed range, in `unit`
    ref_high: float | None = None
    ref_flag: str = ""  # the lab's H/L
    # A value of the person's own marker: `analyte` is then its name, `unit` its unit
    # (free text, not UCUM), and `loinc` its LOINC code if it has one.
    custom: bool = False
    loinc: str = ""


def _number(value: float | Decimal) -> str:
    """Shortest plain spelling: 30.0 → "30", 12.50 → "12.5", never "1E+1"."""
    return format(Decimal(str(value)).normalize(), "f")


def _optional(value: float | Decimal | None) -> str:
    return "" if value is None else _number(value)


def _writer(buffer: io.StringIO):
    return csv.writer(buffer, lineterminator="\r\n")


def _guarded(cells: Iterable) -> list[str]:
    """Every cell through the formula guard (labs.csvsafe), whatever its column."""
    return [guard(str(cell)) for cell in cells]


def results_csv(rows: Iterable[ExportRow]) -> str:
    """The results as CSV, in the columns `labs.importers.parse_results_csv` reads."""
    buffer = io.StringIO()
    writer = _writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            _guarded(
                [
                    row.drawn_on.isoformat(),
                    row.analyte,
                    f"{row.qualifier}{_number(row.value)}",
                    row.unit,
                    row.lab,
                    row.notes,
                    _optional(row.ref_low),
                    _optional(row.ref_high),
                    row.ref_flag,
                ]
            )
        )
    return buffer.getvalue()


def symptoms_csv(entries: Iterable) -> str:
    """Symptom scores as CSV (date, symptom code, severity 0–3, note)."""
    buffer = io.StringIO()
    writer = _writer(buffer)
    writer.writerow(["date", "symptom", "severity", "note"])
    for entry in entries:
        writer.writerow(
            _guarded([entry.recorded_on.isoformat(), entry.symptom, entry.severity, entry.note])
        )
    return buffer.getvalue()


def result_uuid(result_id: int | str) -> str:
    """A stable urn:uuid for a result, used as fullUrl and identifier."""
    return f"urn:uuid:{uuid.uuid5(RESULT_NAMESPACE, str(result_id))}"


def _custom_code(row: ExportRow) -> dict:
    """A custom marker's code: its LOINC code when it has one, and its name as the text."""
    code: dict = {"text": row.analyte}
    if row.loinc:
        code["coding"] = [{"system": LOINC, "code": row.loinc, "display": row.analyte}]
    return code


def _code(row: ExportRow) -> dict:
    if row.custom:
        return _custom_code(row)
    analyte = ANALYTES[row.analyte]
    return {
        "coding": [{"system": LOINC, "code": analyte.loinc[0], "display": analyte.name}],
        "text": analyte.name,
    }


def _quantity(row: ExportRow, value: float | Decimal) -> dict:
    """A Quantity in the row's unit: with its UCUM code for a catalog unit; a custom
    marker's free-text unit is given as text only (no claim to be UCUM)."""
    if row.custom:
        return {"value": significant(float(value)), "unit": row.unit}
    return {"value": significant(float(value)), "unit": row.unit, "system": UCUM,
            "code": to_ucum(row.unit)}  # fmt: skip


def _observation(row: ExportRow) -> dict:
    urn = result_uuid(row.result_id)
    observation: dict = {
        "resourceType": "Observation",
        "id": urn.removeprefix("urn:uuid:"),
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": urn}],
        "status": "final",
        "category": [
            {
                "coding": [
                    {"system": OBSERVATION_CATEGORY, "code": "laboratory", "display": "Laboratory"}
                ]
            }
        ],
        "code": _code(row),
        "effectiveDateTime": row.drawn_on.isoformat(),
        "valueQuantity": _quantity(row, row.value),
    }
    if row.qualifier:
        observation["valueQuantity"]["comparator"] = row.qualifier
    if row.ref_low is not None or row.ref_high is not None:
        observation["referenceRange"] = [_reference_range(row)]
    if row.ref_flag:
        observation["interpretation"] = [
            {"coding": [{"system": INTERPRETATION, "code": row.ref_flag,
                         "display": INTERPRETATION_DISPLAY[row.ref_flag]}]}
        ]  # fmt: skip
    if row.lab:
        observation["performer"] = [{"display": row.lab}]
    if row.notes:
        observation["note"] = [{"text": row.notes}]
    return observation


def _reference_range(row: ExportRow) -> dict:
    """The lab's printed range as FHIR referenceRange: low/high Quantities in the unit."""
    ends = {"low": row.ref_low, "high": row.ref_high}
    return {name: _quantity(row, end) for name, end in ends.items() if end is not None}


def results_fhir_bundle(rows: Iterable[ExportRow]) -> dict:
    """A FHIR R4 Bundle (type "collection") of one Observation per result.

    Values are as entered, in the unit entered, with its UCUM code and a censored
    result's comparator, so a round trip keeps both; ids are stable per result, so
    re-exporting yields the same ids.
    """
    entries = [
        {"fullUrl": result_uuid(row.result_id), "resource": _observation(row)} for row in rows
    ]
    bundle: dict = {"resourceType": "Bundle", "type": "collection"}
    if entries:  # FHIR JSON forbids empty arrays
        bundle["entry"] = entries
    return bundle

"""The review of a read report: the person's edits of each row, checked by the same
validators as every other entry (labs.validation), into the CSV import's ImportRows.

Fields posted per row i (the row's place in ReportParse.rows): ``keep-i`` (a checkbox),
``analyte-i``, ``value-i``, ``unit-i``, ``date-i``; and ``lab`` for the whole report. Rows not
kept are left out; a row not placed by the reader is kept only once the person picks its
marker. The lab's printed range goes with a row only while its analyte and unit are the ones
printed beside it (a range in another unit would be wrong).

A line the catalog does not know may be one of the person's own markers (labs.markers:
matched by name with `match_marker`, only when no analyte matched, and only in the marker's
own unit); its marker is chosen as ``marker:<id>`` and it becomes a MarkerRow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from labs import validation
from labs.analytes import ANALYTES
from labs.importers import ImportRow
from labs.markers import MarkerRow, MarkerSpec, match_marker, read_value, same_unit
from labs.pdf.reader import ReportParse, ReportRow
from labs.units import UnknownUnit, normalize_unit
from labs.validation import LabValueError, gettext_noop


@dataclass
class RowEdit:
    """One row as the review form shows it: what was read, or what the person typed."""

    index: int
    row: ReportRow
    keep: bool
    analyte: str
    value: str
    unit: str
    drawn_on: str  # ISO, as <input type=date> sends it
    problems: list[LabValueError] = field(default_factory=list)
    marker_name: str = ""  # the person's marker this unplaced line was matched to


@dataclass
class Review:
    edits: list[RowEdit]
    lab: str
    lab_problem: LabValueError | None = None
    rows: list[ImportRow] = field(default_factory=list)
    marker_rows: list[MarkerRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lab_problem is None and not any(e.problems for e in self.edits)


MARKER_PREFIX = "marker:"


def marker_choice(spec: MarkerSpec) -> str:
    return f"{MARKER_PREFIX}{spec.id}"


def _initial_edit(index: int, row: ReportRow, day: str, specs) -> RowEdit:
    spec = None if row.placed else match_marker(specs, name=row.name)
    if spec is not None and same_unit(row.unit, spec):
        return RowEdit(index, row, True, marker_choice(spec), row.value, spec.unit, day,
                       marker_name=spec.name)  # fmt: skip
    return RowEdit(index, row, row.placed, row.analyte, row.value, row.unit, day)


def initial(parse: ReportParse, specs: Sequence[MarkerSpec] = ()) -> Review:
    """The review as read: placed rows kept (and lines that are the person's own markers),
    the others listed for the person to place."""
    day = parse.drawn_on.isoformat() if parse.drawn_on else ""
    edits = [_initial_edit(i, row, day, specs) for i, row in enumerate(parse.rows)]
    return Review(edits, parse.lab)


def _problem(template: str, **params) -> LabValueError:
    return LabValueError(template, **params)


def _date(text: str, today: date) -> date:
    try:
        drawn_on = date.fromisoformat(text.strip())
    except ValueError:
        raise _problem(gettext_noop("Enter the date the blood was drawn.")) from None
    return validation.check_drawn_on(drawn_on, today)


def _unit(analyte, text: str) -> str:
    try:
        unit = normalize_unit(text)
    except UnknownUnit:
        unit = ""
    if unit not in analyte.units:
        raise _problem(
            gettext_noop("%(unit)s is not a unit for %(name)s; use %(accepted)s"),
            unit=text.strip() or "—",
            name=analyte.short_name,
            accepted=" or ".join(analyte.units),
        )
    return unit


def _checked(edit: RowEdit, lab: str, today: date) -> ImportRow:
    analyte = ANALYTES.get(edit.analyte)
    if analyte is None:
        raise _problem(gettext_noop("Pick the marker this line is, or leave the line out."))
    unit = _unit(analyte, edit.unit)
    reading = validation.parse_lab_value(analyte, edit.value, unit)
    drawn_on = _date(edit.drawn_on, today)
    printed = edit.row.analyte == analyte.code and normalize_or_blank(edit.row.unit) == unit
    reference = validation.NO_RANGE
    if printed:
        reference = validation.check_reference_range(
            edit.row.low, edit.row.high, edit.row.flag, analyte=analyte, unit=unit
        )
    return ImportRow(
        edit.row.line, drawn_on, analyte.code, reading.value, unit, reading.canonical_value,
        lab, "", reading.qualifier, reference.low, reference.high, reference.flag,
    )  # fmt: skip


def _checked_marker(edit: RowEdit, spec: MarkerSpec, lab: str, today: date) -> MarkerRow:
    if not same_unit(edit.unit, spec):
        raise _problem(
            gettext_noop("%(name)s is kept in %(unit)s; convert the value or pick another marker."),
            name=spec.name, unit=spec.unit,
        )  # fmt: skip
    value, qualifier = read_value(edit.value)
    drawn_on = _date(edit.drawn_on, today)
    reference = validation.NO_RANGE
    if same_unit(edit.row.unit, spec) and edit.row.unit.strip():  # printed in the marker's unit
        reference = validation.check_reference_range(edit.row.low, edit.row.high, edit.row.flag)
    return MarkerRow(edit.row.line, drawn_on, spec.id, spec.name, value, spec.unit, lab, "",
                     qualifier, reference.low, reference.high, reference.flag)  # fmt: skip


def normalize_or_blank(unit: str) -> str:
    try:
        return normalize_unit(unit)
    except UnknownUnit:
        return ""


def from_post(
    parse: ReportParse, data: Mapping[str, str], today: date, specs: Sequence[MarkerSpec] = ()
) -> Review:
    """The person's review, checked: `rows` and `marker_rows` hold what to import once `ok`."""
    edits = [
        RowEdit(i, row, bool(data.get(f"keep-{i}")), data.get(f"analyte-{i}", ""),
                data.get(f"value-{i}", ""), data.get(f"unit-{i}", ""), data.get(f"date-{i}", ""))
        for i, row in enumerate(parse.rows)
    ]  # fmt: skip
    review = Review(edits, data.get("lab", ""))
    try:
        lab = validation.clean_text(review.lab, validation.LAB_MAX_LENGTH, "lab")
    except LabValueError as exc:
        review.lab_problem, lab = exc, ""
    markers = {marker_choice(spec): spec for spec in specs}
    seen: dict[tuple[date, str], int] = {}
    for edit in edits:
        if not edit.keep:
            continue
        spec = markers.get(edit.analyte)
        try:
            row = (_checked_marker(edit, spec, lab, today) if spec
                   else _checked(edit, lab, today))  # fmt: skip
        except LabValueError as exc:
            edit.problems.append(exc)
            continue
        if (first := seen.setdefault((row.drawn_on, edit.analyte), edit.index)) != edit.index:
            edit.problems.append(_problem(
                gettext_noop("%(name)s is already on line %(line)d for that date; keep one."),
                name=spec.name if spec else ANALYTES[row.analyte].short_name,
                line=edits[first].row.line,
            ))  # fmt: skip
            continue
        (review.marker_rows if spec else review.rows).append(row)
    if review.ok and not (review.rows or review.marker_rows):
        review.lab_problem = _problem(gettext_noop("Keep at least one line to import."))
    return review

"""Writes of the labs app: panels, symptoms, life events, imports.

Every function is all-or-nothing (one transaction) and sends `labs.signals.data_changed`
exactly once after its write is saved, so the plan and the reminders recompute once per
change, never once per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from labs.analytes import ANALYTES
from labs.bulk import create_with_history
from labs.importers import ColumnMapping, ImportRow, Problem, RowError
from labs.markers import MarkerRow, MarkerValue, check_reference, check_value
from labs.models import (
    ImportMapping,
    LifeEvent,
    Marker,
    MarkerResult,
    Panel,
    Result,
    SymptomCheckin,
    SymptomEntry,
)
from labs.signals import data_changed
from labs.symptoms import LIFE_EVENTS, SYMPTOMS
from labs.units import get_analyte, to_canonical
from labs.validation import NO_RANGE, ReferenceRange, check_reference_range, gettext_noop


@dataclass(frozen=True)
class ResultInput:
    """One result to save: value and unit as entered, the qualifier of a censored value,
    and the lab's printed reference range (labs.validation.ReferenceRange, checked)."""

    analyte: str  # catalog code
    value: float
    unit: str
    qualifier: str = ""  # "<" / ">" / ""
    reference: ReferenceRange = NO_RANGE


# A ResultInput, or the older tuple (analyte code, value, unit[, qualifier]).
ResultRow = ResultInput | tuple[str, float, str] | tuple[str, float, str, str]

IMPORT_BATCH_SIZE = 1000
REFERENCE_FIELDS = ("ref_low", "ref_high", "ref_low_canonical", "ref_high_canonical", "ref_flag")


class ImportOutcome(NamedTuple):
    created: int
    skipped_duplicates: int


def as_result_input(row: ResultRow) -> ResultInput:
    return row if isinstance(row, ResultInput) else ResultInput(*row)


def result_input_of(result: Result) -> ResultInput:
    """A stored result as the input that would save it again (range and flag included)."""
    reference = ReferenceRange(result.ref_low, result.ref_high, result.ref_flag)
    return ResultInput(result.analyte, result.value, result.unit, result.qualifier, reference)


def _check_one_per_analyte(results: Sequence[ResultInput]) -> None:
    codes = [row.analyte for row in results]
    if len(codes) != len(set(codes)):
        raise ValueError("a panel holds one result per analyte")


def result_build(*, panel: Panel, row: ResultRow) -> Result:
    """An unsaved Result with its canonical value (and canonical reference range) and the
    panel's user and date copied in: the one place a Result's stored fields are computed,
    for the entry form, quick add and every import. Raises on an unknown analyte or unit
    and on a reference range labs.validation refuses (low above high, negative ends)."""
    row = as_result_input(row)
    analyte = get_analyte(row.analyte)  # UnknownAnalyte before anything is written
    ref = row.reference
    ref = check_reference_range(ref.low, ref.high, ref.flag, analyte=analyte, unit=row.unit)
    ref_low_canonical, ref_high_canonical = ref.canonical(row.analyte, row.unit)
    return Result(
        panel=panel,
        user_id=panel.user_id,
        drawn_on=panel.drawn_on,
        analyte=row.analyte,
        value=float(row.value),
        unit=row.unit,
        canonical_value=to_canonical(row.analyte, row.value, row.unit),
        qualifier=row.qualifier,
        ref_low=ref.low,
        ref_high=ref.high,
        ref_low_canonical=ref_low_canonical,
        ref_high_canonical=ref_high_canonical,
        ref_flag=ref.flag,
    )


_SENDERS = {"results": Panel, "symptoms": SymptomEntry, "life_events": LifeEvent}


def _changed(user, kind: str) -> None:
    data_changed.send(sender=_SENDERS[kind], user=user, kind=kind)


def panel_create(
    *,
    user,
    drawn_on: date,
    results: Sequence[ResultRow],
    lab: str = "",
    fasting: bool | None = None,
    notes: str = "",
    markers: Sequence[MarkerValue] = (),
) -> Panel:
    """Save a panel and its results together; raises (and saves nothing) on a bad result.

    `markers` are values of the person's own markers (labs.markers), saved with it."""
    if not results and not markers:
        raise ValueError("a panel needs at least one result")
    results = [as_result_input(row) for row in results]
    _check_one_per_analyte(results)
    with transaction.atomic():
        panel = Panel.objects.create(
            user=user, drawn_on=drawn_on, lab=lab, fasting=fasting, notes=notes
        )
        bulk_create_with_history([result_build(panel=panel, row=row) for row in results], Result)
        _set_marker_values(panel, markers)
    _changed(user, "results")
    return panel


def panel_update(
    *,
    panel: Panel,
    drawn_on: date,
    results: Sequence[ResultRow],
    lab: str = "",
    fasting: bool | None = None,
    notes: str = "",
    markers: Sequence[MarkerValue] | None = None,
) -> Panel:
    """Replace a panel's fields and results; a result of an analyte kept keeps its id.

    Results whose analyte is gone are deleted, new analytes are added, and every kept
    result gets the panel's (possibly new) date. `markers` replaces the values of the
    person's own markers (None keeps them, with the panel's new date).
    """
    if not results and not markers and not (markers is None and panel.marker_results.exists()):
        raise ValueError("a panel needs at least one result")
    results = [as_result_input(row) for row in results]
    _check_one_per_analyte(results)
    with transaction.atomic():
        panel.drawn_on, panel.lab, panel.fasting, panel.notes = drawn_on, lab, fasting, notes
        panel.save()
        existing = {r.analyte: r for r in panel.results.all()}
        wanted = {row.analyte: result_build(panel=panel, row=row) for row in results}
        panel.results.exclude(analyte__in=wanted).delete()
        fields = ["value", "unit", "qualifier", "canonical_value", "drawn_on", "user_id",
                  *REFERENCE_FIELDS]  # fmt: skip
        changed = []
        for code, new in wanted.items():
            old = existing.get(code)
            # Only results that differ are written: the audit trail lists real changes.
            if old is not None and any(getattr(old, f) != getattr(new, f) for f in fields):
                new.pk = old.pk
                changed.append(new)
        bulk_update_with_history(changed, Result, [f.removesuffix("_id") for f in fields])
        bulk_create_with_history([r for code, r in wanted.items() if code not in existing], Result)
        if markers is None:
            panel.marker_results.update(drawn_on=drawn_on)
        else:
            panel.marker_results.all().delete()
            _set_marker_values(panel, markers)
    _changed(panel.user, "results")
    return panel


def _set_marker_values(panel: Panel, values: Sequence[MarkerValue]) -> None:
    """Save custom-marker values into a panel: only the person's own markers, each once,
    every value and range through labs.markers' checks."""
    if not values:
        return
    ids = [v.marker for v in values]
    if len(ids) != len(set(ids)):
        raise ValueError("a panel holds one value per marker")
    if Marker.objects.filter(user_id=panel.user_id, pk__in=ids).count() != len(ids):
        raise ValueError("not the person's marker")
    MarkerResult.objects.bulk_create([marker_result_build(panel=panel, value=v) for v in values])


def marker_result_build(*, panel: Panel, value: MarkerValue) -> MarkerResult:
    """An unsaved MarkerResult of a panel: value and printed range checked (labs.markers)."""
    number, qualifier = check_value(value.value, value.qualifier)
    ref = value.reference
    ref = check_reference(ref.low, ref.high, ref.flag)
    return MarkerResult(
        panel=panel, marker_id=value.marker, user_id=panel.user_id, drawn_on=panel.drawn_on,
        value=number, qualifier=qualifier, ref_low=ref.low, ref_high=ref.high, ref_flag=ref.flag,
    )  # fmt: skip


def panel_delete(*, panel: Panel) -> None:
    """Delete a panel and its results."""
    user = panel.user
    with transaction.atomic():
        panel.delete()
    _changed(user, "results")


def symptom_checkin(
    *, user, recorded_on: date, scores: Mapping[str, int], note: str = ""
) -> list[SymptomEntry]:
    """Record several symptoms for one day. A second check-in the same day merges: scores it
    gives replace that day's, the others stay, and its note joins the earlier ones (each
    check-in is kept with its time, so the history shows both)."""
    for code, severity in scores.items():
        if code not in SYMPTOMS:
            raise ValueError(f"unknown symptom {code!r}")
        if not 0 <= int(severity) <= 3:
            raise ValueError(f"severity of {code} must be 0–3")
    with transaction.atomic():
        SymptomCheckin.objects.create(user=user, recorded_on=recorded_on, note=note.strip())
        day_note = _day_note(user, recorded_on)
        day = SymptomEntry.objects.select_for_update().filter(user=user, recorded_on=recorded_on)
        existing = {e.symptom: e for e in day}
        entries = []
        for code, severity in scores.items():
            entry = existing.get(code) or SymptomEntry(
                user=user, recorded_on=recorded_on, symptom=code
            )
            entry.severity, entry.note = int(severity), day_note
            entry.save()
            entries.append(entry)
        day.exclude(symptom__in=list(scores)).update(note=day_note)
    _changed(user, "symptoms")
    return entries


def _day_note(user, recorded_on: date) -> str:
    """Every note of the day's check-ins, oldest first, within the entry's 500 characters."""
    notes = SymptomCheckin.objects.filter(user=user, recorded_on=recorded_on).exclude(note="")
    return " · ".join(notes.values_list("note", flat=True))[:500]


def symptom_entry_restore(*, user, recorded_on: date, symptom: str, severity: int, note: str):
    """Put back a symptom score that was just deleted (the undo of symptom_entry_delete)."""
    if symptom not in SYMPTOMS or not 0 <= int(severity) <= 3:
        raise ValueError("not a symptom score")
    entry, _created = SymptomEntry.objects.update_or_create(
        user=user,
        recorded_on=recorded_on,
        symptom=symptom,
        defaults={"severity": int(severity), "note": note[:500]},
    )
    _changed(user, "symptoms")
    return entry


def life_event_restore(*, user, kind: str, occurred_on: date, note: str) -> LifeEvent:
    """Put back a life event that was just deleted (the undo of life_event_delete)."""
    return life_event_create(user=user, kind=kind, occurred_on=occurred_on, note=note)


def symptom_entry_delete(*, entry: SymptomEntry) -> None:
    """Delete one symptom score."""
    user = entry.user
    entry.delete()
    _changed(user, "symptoms")


def life_event_create(*, user, kind: str, occurred_on: date, note: str = "") -> LifeEvent:
    """Record a life event (it brings the next retest forward)."""
    if kind not in LIFE_EVENTS:
        raise ValueError(f"unknown life event {kind!r}")
    event = LifeEvent.objects.create(user=user, kind=kind, occurred_on=occurred_on, note=note)
    _changed(user, "life_events")
    return event


def life_event_delete(*, event: LifeEvent) -> None:
    """Delete a life event."""
    user = event.user
    event.delete()
    _changed(user, "life_events")


# --- import -------------------------------------------------------------------------------


def _value_key(analyte: str, canonical_value: float) -> float:
    """Values that round alike at the analyte's display precision (+2 digits) are one result."""
    return round(canonical_value, ANALYTES[analyte].decimals + 2)


def import_duplicates(*, user, rows: Sequence[ImportRow]) -> set[tuple[int, str]]:
    """Keys (ImportRow.key) of rows already stored (same date, analyte, canonical value);
    one query. A line of a file with one column per analyte holds several rows."""
    return _split_duplicates(user, rows)[0]


def _existing_results(user, rows: Sequence[ImportRow]) -> list[tuple[date, str, float, int]]:
    if not rows:
        return []
    dates = [row.drawn_on for row in rows]
    return list(
        Result.objects.filter(
            user=user,
            drawn_on__range=(min(dates), max(dates)),
            analyte__in={row.analyte for row in rows},
        ).values_list("drawn_on", "analyte", "canonical_value", "panel_id", "qualifier")
    )


def _split_duplicates(user, rows: Sequence[ImportRow]):
    existing = _existing_results(user, rows)
    stored = {(d, a, _value_key(a, v)) for d, a, v, _panel, _q in existing}
    duplicates = {
        row.key
        for row in rows
        if (row.drawn_on, row.analyte, _value_key(row.analyte, row.canonical_value)) in stored
    }
    return duplicates, existing


def _conflicts(rows: Sequence[ImportRow], duplicates, existing) -> list[RowError]:
    """Rows whose date already holds another value of their analyte: one draw has one result
    per analyte, so the file and the stored panel disagree and the person must choose."""
    stored = {(d, a): (v, q) for d, a, v, _panel, q in existing}
    problems = []
    for row in rows:
        if row.key in duplicates or (row.drawn_on, row.analyte) not in stored:
            continue
        value, qualifier = stored[(row.drawn_on, row.analyte)]
        analyte = ANALYTES[row.analyte]
        shown = f"{qualifier}{value:.{analyte.decimals}f} {analyte.canonical_unit}"
        problems.append(
            RowError(
                row.line,
                Problem(
                    gettext_noop(
                        "%(name)s on %(date)s is already stored as %(stored)s; edit that "
                        "panel or leave this line out"
                    ),
                    name=analyte.short_name,
                    date=row.drawn_on.isoformat(),
                    stored=shown,
                ),
            )
        )
    return problems


class ImportCheck(NamedTuple):
    duplicates: set[tuple[int, str]]  # ImportRow.key of rows already stored
    conflicts: list[RowError]  # rows contradicting a stored result of their date


def import_check(*, user, rows: Sequence[ImportRow]) -> ImportCheck:
    """What the preview says about parsed rows against the stored ones; one query."""
    duplicates, existing = _split_duplicates(user, rows)
    return ImportCheck(duplicates, _conflicts(rows, duplicates, existing))


class ImportConflict(ValueError):
    """The stored results changed between preview and confirm: nothing was imported."""


def _panels_by_date(user, dates: Iterable[date], existing) -> dict[date, list[tuple[Panel, set]]]:
    """Existing panels of those dates, oldest first, each with the analytes it already holds."""
    held: dict[int, set[str]] = defaultdict(set)
    for _date, analyte, _value, panel_id, _q in existing:
        held[panel_id].add(analyte)
    by_date: dict[date, list[tuple[Panel, set]]] = defaultdict(list)
    for panel in Panel.objects.filter(user=user, drawn_on__in=set(dates)).order_by("id"):
        by_date[panel.drawn_on].append((panel, held[panel.pk]))
    return by_date


def _place(row: ImportRow, slots: list[tuple[Panel, set]], user) -> Panel:
    """The first panel of the row's date that lacks its analyte, or a new (unsaved) one."""
    for panel, analytes in slots:
        if row.analyte not in analytes:
            analytes.add(row.analyte)
            return panel
    panel = Panel(user=user, drawn_on=row.drawn_on, lab=row.lab, notes=row.notes)
    slots.append((panel, {row.analyte}))
    return panel


def lock_person(user) -> None:
    """Serialise this person's result writes until the transaction ends (call inside one).

    A row lock on the person (PostgreSQL); SQLite takes its write lock at BEGIN already
    (transaction_mode IMMEDIATE). Two requests that each look for "the panel of that date"
    and create it when missing would otherwise both create one.
    """
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()


def results_import(
    *, user, rows: Sequence[ImportRow], marker_rows: Sequence[MarkerRow] = ()
) -> ImportOutcome:
    """Import parsed rows at once: rows already stored are skipped, the rest grouped by date.

    Each row goes into an existing panel of its date that does not hold its analyte yet,
    else into a new panel. A row whose date already holds another value of its analyte
    raises ImportConflict (checked under the lock; the preview lists them first).
    `marker_rows` (values of the person's own markers, labs.markers.match_marker) are
    imported the same way, into the same panels.
    """
    with transaction.atomic():
        # One import per person at a time: a double-clicked confirm waits here, then finds
        # every row already stored instead of storing them twice.
        lock_person(user)
        duplicates, existing = _split_duplicates(user, rows)
        marker_check = marker_import_check(user=user, marker_rows=marker_rows)
        if conflicts := _conflicts(rows, duplicates, existing) + marker_check.conflicts:
            raise ImportConflict(conflicts)
        fresh = [row for row in rows if row.key not in duplicates]
        fresh_markers = [r for r in marker_rows if r_key(r) not in marker_check.duplicates]
        dates = {row.drawn_on for row in [*fresh, *fresh_markers]}
        slots = _panels_by_date(user, dates, existing)
        placed = [(row, _place(row, slots[row.drawn_on], user)) for row in fresh]
        placed_markers = _place_markers(user, fresh_markers, slots)
        new_panels = list(
            {id(p): p for _row, p in [*placed, *placed_markers] if p.pk is None}.values()
        )
        create_with_history(new_panels, Panel, batch_size=IMPORT_BATCH_SIZE)
        create_with_history(
            [result_build(panel=panel, row=row.result_input()) for row, panel in placed],
            Result,
            batch_size=IMPORT_BATCH_SIZE,
        )
        MarkerResult.objects.bulk_create(
            [marker_result_build(panel=p, value=_marker_value(r)) for r, p in placed_markers],
            batch_size=IMPORT_BATCH_SIZE,
        )
    if fresh or fresh_markers:
        _changed(user, "results")
    return ImportOutcome(
        created=len(fresh) + len(fresh_markers),
        skipped_duplicates=len(duplicates) + len(marker_check.duplicates),
    )


# --- custom markers in an import --------------------------------------------------------------


def r_key(row: MarkerRow) -> tuple[int, int]:
    """Unique within a file: a line holds one value per marker."""
    return (row.line, row.marker)


def _marker_value(row: MarkerRow) -> MarkerValue:
    return MarkerValue(row.marker, row.value, row.qualifier, row.reference)


def _stored_marker_values(user, marker_rows: Sequence[MarkerRow]) -> list[tuple]:
    if not marker_rows:
        return []
    dates = [row.drawn_on for row in marker_rows]
    return list(
        MarkerResult.objects.filter(
            user=user,
            drawn_on__range=(min(dates), max(dates)),
            marker_id__in={row.marker for row in marker_rows},
        ).values_list("drawn_on", "marker_id", "value", "panel_id", "qualifier")
    )


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def marker_import_check(*, user, marker_rows: Sequence[MarkerRow]) -> ImportCheck:
    """Marker rows already stored (same date, marker and value: skipped) and rows whose date
    holds another value of their marker (conflicts, as for the catalog's analytes)."""
    if marker_rows and Marker.objects.filter(
        user=user, pk__in={r.marker for r in marker_rows}
    ).count() != len({r.marker for r in marker_rows}):
        raise ValueError("not the person's marker")
    stored = {(d, m): (v, q) for d, m, v, _panel, q in _stored_marker_values(user, marker_rows)}
    duplicates, conflicts = set(), []
    for row in marker_rows:
        held = stored.get((row.drawn_on, row.marker))
        if held is None:
            continue
        if _same_value(held[0], row.value):
            duplicates.add(r_key(row))
            continue
        problem = Problem(
            gettext_noop(
                "%(name)s on %(date)s is already stored as %(stored)s; edit that "
                "panel or leave this line out"
            ),
            name=row.name,
            date=row.drawn_on.isoformat(),
            stored=f"{held[1]}{held[0]:g} {row.unit}",
        )
        conflicts.append(RowError(row.line, problem))
    return ImportCheck(duplicates, conflicts)


def _place_markers(user, rows: Sequence[MarkerRow], slots) -> list[tuple[MarkerRow, Panel]]:
    """Each marker row into the first panel of its date (stored or new in this import) that
    lacks its marker, else a new panel."""
    held: dict[int, set[int]] = defaultdict(set)
    panel_ids = [p.pk for day in slots.values() for p, _a in day if p.pk]
    for panel_id, marker_id in MarkerResult.objects.filter(panel_id__in=panel_ids).values_list(
        "panel_id", "marker_id"
    ):
        held[panel_id].add(marker_id)
    taken: dict[int, set[int]] = defaultdict(set)  # id(panel) → markers placed now
    placed = []
    for row in rows:
        day = slots[row.drawn_on]
        panel = next((p for p, _a in day if row.marker not in held[p.pk or 0] | taken[id(p)]), None)
        if panel is None:
            panel = Panel(user=user, drawn_on=row.drawn_on, lab=row.lab, notes=row.notes)
            day.append((panel, set()))
        taken[id(panel)].add(row.marker)
        placed.append((row, panel))
    return placed


def import_mapping_save(*, user, signature: str, mapping: ColumnMapping) -> None:
    """Remember the mapping of a CSV header, so the next export of that portal just reads."""
    ImportMapping.objects.update_or_create(
        user=user, signature=signature, defaults={"mapping": mapping.to_json()}
    )

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
from labs.importers import ColumnMapping, ImportRow, Problem, RowError
from labs.models import ImportMapping, LifeEvent, Panel, Result, SymptomCheckin, SymptomEntry
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
) -> Panel:
    """Save a panel and its results together; raises (and saves nothing) on a bad result."""
    if not results:
        raise ValueError("a panel needs at least one result")
    results = [as_result_input(row) for row in results]
    _check_one_per_analyte(results)
    with transaction.atomic():
        panel = Panel.objects.create(
            user=user, drawn_on=drawn_on, lab=lab, fasting=fasting, notes=notes
        )
        bulk_create_with_history([result_build(panel=panel, row=row) for row in results], Result)
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
) -> Panel:
    """Replace a panel's fields and results; a result of an analyte kept keeps its id.

    Results whose analyte is gone are deleted, new analytes are added, and every kept
    result gets the panel's (possibly new) date.
    """
    if not results:
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
    _changed(panel.user, "results")
    return panel


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


def results_import(*, user, rows: Sequence[ImportRow]) -> ImportOutcome:
    """Import parsed rows at once: rows already stored are skipped, the rest grouped by date.

    Each row goes into an existing panel of its date that does not hold its analyte yet,
    else into a new panel. A row whose date already holds another value of its analyte
    raises ImportConflict (checked under the lock; the preview lists them first).
    """
    with transaction.atomic():
        # One import per person at a time: a double-clicked confirm waits here, then finds
        # every row already stored instead of storing them twice.
        lock_person(user)
        duplicates, existing = _split_duplicates(user, rows)
        if conflicts := _conflicts(rows, duplicates, existing):
            raise ImportConflict(conflicts)
        fresh = [row for row in rows if row.key not in duplicates]
        slots = _panels_by_date(user, {row.drawn_on for row in fresh}, existing)
        placed = [(row, _place(row, slots[row.drawn_on], user)) for row in fresh]
        new_panels = list({id(p): p for _row, p in placed if p.pk is None}.values())
        bulk_create_with_history(new_panels, Panel, batch_size=IMPORT_BATCH_SIZE)
        bulk_create_with_history(
            model=Result,
            objs=[result_build(panel=panel, row=row.result_input()) for row, panel in placed],
            batch_size=IMPORT_BATCH_SIZE,
        )
    if fresh:
        _changed(user, "results")
    return ImportOutcome(created=len(fresh), skipped_duplicates=len(duplicates))


def import_mapping_save(*, user, signature: str, mapping: ColumnMapping) -> None:
    """Remember the mapping of a CSV header, so the next export of that portal just reads."""
    ImportMapping.objects.update_or_create(
        user=user, signature=signature, defaults={"mapping": mapping.to_json()}
    )

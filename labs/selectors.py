"""Reads of the labs app, always scoped to one person and with a constant number of queries."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber

from labs.analytes import ANALYTES, Analyte
from labs.display import status_for
from labs.exporters import ExportRow
from labs.importers import ColumnMapping
from labs.models import (
    ImportMapping,
    LifeEvent,
    MarkerResult,
    Panel,
    Result,
    SymptomCheckin,
    SymptomEntry,
)
from labs.symptoms import SYMPTOMS, Symptom


@dataclass(frozen=True)
class LatestValue:
    """The newest result of one analyte, with the badge it earns."""

    analyte: Analyte
    result: Result
    status: str | None


def panel_list(*, user) -> QuerySet[Panel]:
    """The person's panels, newest first, each with its results (one extra query in all)."""
    return Panel.objects.filter(user=user).prefetch_related(
        Prefetch("results", queryset=Result.objects.order_by("analyte"))
    )


def result_series(*, user, analyte: str) -> QuerySet[Result]:
    """One analyte's results over time, oldest first (through the result_user_series index)."""
    return Result.objects.filter(user=user, analyte=analyte).order_by("drawn_on", "id")


def usual_unit(*, user, analyte: str) -> str | None:
    """The unit the person last entered this analyte in, else their setting (or None)."""
    last = (
        Result.objects.filter(user=user, analyte=analyte)
        .order_by("-drawn_on", "-id")
        .values_list("unit", flat=True)
        .first()
    )
    return last or user.preferred_unit(analyte)


def import_mapping(*, user, signature: str) -> ColumnMapping | None:
    """The column mapping this person chose for a CSV header, if they did."""
    stored = ImportMapping.objects.filter(user=user, signature=signature).first()
    return ColumnMapping.from_json(stored.mapping) if stored else None


def results_for_export(*, user) -> list[ExportRow]:
    """Every result as the exporters want it, oldest first, with its panel's lab and notes."""
    rows = (
        Result.objects.filter(user=user)
        .order_by("drawn_on", "panel_id", "analyte")
        .values_list(
            "id", "drawn_on", "analyte", "value", "unit", "canonical_value",
            "panel__lab", "panel__notes", "qualifier", "ref_low", "ref_high", "ref_flag",
        )
    )  # fmt: skip
    catalog = [ExportRow(*row) for row in rows]
    custom = [
        ExportRow(
            f"marker-{r.pk}", r.drawn_on, r.marker.name, r.value, r.marker.unit, r.value,
            r.panel.lab, r.panel.notes, r.qualifier, r.ref_low, r.ref_high, r.ref_flag,
            custom=True, loinc=r.marker.loinc,
        )
        for r in MarkerResult.objects.filter(user=user)
        .select_related("marker", "panel")
        .order_by("drawn_on", "panel_id", "marker__name")
    ]  # fmt: skip
    # Oldest first, catalog results before a day's own markers (sorted is stable).
    return sorted(catalog + custom, key=lambda row: row.drawn_on)


def newest_results(*, user, per_analyte: int = 2, as_of: date | None = None) -> QuerySet[Result]:
    """Each analyte's newest `per_analyte` results (drawn on or before `as_of`), by analyte,
    newest first, as one query: a window function ranks each analyte's results, so 5 or 500
    panels cost the same. Two results of one date: the later-entered one is newer.
    """
    rows = Result.objects.filter(user=user)
    if as_of is not None:
        rows = rows.filter(drawn_on__lte=as_of)
    newest_first = [F("drawn_on").desc(), F("id").desc()]
    ranked = rows.annotate(
        rank=Window(RowNumber(), partition_by=[F("analyte")], order_by=newest_first)
    )
    return ranked.filter(rank__lte=per_analyte).order_by("analyte", "rank")


def latest_values(*, user) -> list[LatestValue]:
    """The newest result of each analyte the person has, in catalog order (one query; the
    units it holds are the ones the person reads creatinine, albumin and phosphate in)."""
    newest = {result.analyte: result for result in newest_results(user=user, per_analyte=1)}
    user.remember_entered_units({code: result.unit for code, result in newest.items()})
    return [
        LatestValue(analyte, newest[code], status_for(user, code, newest[code].canonical_value))
        for code, analyte in ANALYTES.items()
        if code in newest
    ]


def symptom_history(*, user, limit_days: int | None = None) -> OrderedDict[date, list]:
    """Symptom scores grouped by day, newest day first (two queries with a limit, else one).

    With a limit, only the rows of the newest `limit_days` check-in days are read, so years
    of daily check-ins do not load for a page that shows two months.
    """
    entries = SymptomEntry.objects.filter(user=user).order_by("-recorded_on", "symptom")
    if limit_days is not None:
        day_list = entries.order_by("-recorded_on").values_list("recorded_on", flat=True)
        oldest = list(day_list.distinct()[limit_days - 1 : limit_days])
        if oldest:
            entries = entries.filter(recorded_on__gte=oldest[0])
    days: OrderedDict[date, list[SymptomEntry]] = OrderedDict()
    for entry in entries:
        days.setdefault(entry.recorded_on, []).append(entry)
    return days


def symptom_scores_on(*, user, day: date) -> dict[str, int]:
    """What the person scored on one day, for pre-filling the check-in form."""
    return dict(
        SymptomEntry.objects.filter(user=user, recorded_on=day).values_list("symptom", "severity")
    )


def life_events(*, user) -> QuerySet[LifeEvent]:
    return LifeEvent.objects.filter(user=user)


@dataclass(frozen=True)
class HistoryRow:
    panel: Panel
    cells: list[Result | None]  # one per column, None where the panel lacks that analyte


def history_table(
    *, user, newest: int | None = None
) -> tuple[list[Analyte], list[HistoryRow], bool]:
    """Every panel (or the `newest` ones), oldest first, as a flowsheet: one column per
    analyte measured in them; the flag says older panels were left out."""
    if newest is None:
        panels, more = list(panel_list(user=user).order_by("drawn_on", "id")), False
    else:  # one row more than shown tells whether there are older ones
        panels = list(panel_list(user=user).order_by("-drawn_on", "-id")[: newest + 1])
        more, panels = len(panels) > newest, panels[:newest][::-1]
    measured = {r.analyte for p in panels for r in p.results.all()}
    columns = [a for code, a in ANALYTES.items() if code in measured]
    rows = []
    for panel in panels:
        by_code = {r.analyte: r for r in panel.results.all()}
        rows.append(HistoryRow(panel, [by_code.get(a.code) for a in columns]))
    return columns, rows, more


@dataclass(frozen=True)
class SymptomDay:
    day: date
    cells: list[SymptomEntry | None]  # one per column
    note: str
    checkins: list[SymptomCheckin] = field(default_factory=list)  # each with its time and note


def symptom_table(*, user, limit_days: int) -> tuple[list[Symptom], list[SymptomDay]]:
    """The latest check-in days, newest first, one column per symptom scored in them."""
    days = symptom_history(user=user, limit_days=limit_days)
    scored = {entry.symptom for entries in days.values() for entry in entries}
    columns = [s for code, s in SYMPTOMS.items() if code in scored]
    checkins: dict[date, list[SymptomCheckin]] = {}
    if days:
        in_range = SymptomCheckin.objects.filter(user=user, recorded_on__gte=min(days))
        for checkin in in_range:
            checkins.setdefault(checkin.recorded_on, []).append(checkin)
    rows = []
    for day, entries in days.items():
        by_code = {e.symptom: e for e in entries}
        note = next((e.note for e in entries if e.note), "")
        cells = [by_code.get(s.code) for s in columns]
        rows.append(SymptomDay(day, cells, note, checkins.get(day, [])))
    return columns, rows

"""Writes and reads of a person's own markers (labs.markers holds the pure rules).

Every query is scoped to the person: a marker id of someone else is never found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from labs.markers import MAX_MARKERS, MarkerDefinition, MarkerError, MarkerSpec
from labs.models import Marker, MarkerResult
from labs.validation import gettext_noop


def markers_of(*, user) -> QuerySet[Marker]:
    """The person's markers, by name."""
    return Marker.objects.filter(user=user).order_by("name", "id")


def marker_specs(*, user) -> list[MarkerSpec]:
    """What the importers match rows against (labs.markers.match_marker)."""
    rows = markers_of(user=user).values_list("id", "name", "unit", "loinc")
    return [MarkerSpec(*row) for row in rows]


def _duplicate_name() -> MarkerError:
    return MarkerError(gettext_noop("You already have a marker of that name."))


def marker_create(*, user, definition: MarkerDefinition) -> Marker:
    """Define a marker; MarkerError when the person has one of that name or too many."""
    if Marker.objects.filter(user=user).count() >= MAX_MARKERS:
        raise MarkerError(gettext_noop("You have %(max)d markers, the limit."), max=MAX_MARKERS)
    ref = definition.reference
    try:
        with transaction.atomic():
            return Marker.objects.create(
                user=user, name=definition.name, unit=definition.unit, loinc=definition.loinc,
                ref_low=ref.low, ref_high=ref.high,
            )  # fmt: skip
    except IntegrityError:
        raise _duplicate_name() from None


def marker_update(*, marker: Marker, definition: MarkerDefinition) -> Marker:
    """Rename a marker or change its range or LOINC code. Its unit stays: the stored values
    are in it (a different unit is a different marker)."""
    ref = definition.reference
    marker.name, marker.loinc = definition.name, definition.loinc
    marker.ref_low, marker.ref_high = ref.low, ref.high
    try:
        with transaction.atomic():
            marker.save()
    except IntegrityError:
        raise _duplicate_name() from None
    return marker


def marker_delete(*, marker: Marker) -> None:
    """Delete a marker and all its values; panels left without any value go too."""
    with transaction.atomic():
        panels = list(marker.results.values_list("panel_id", flat=True))
        marker.delete()
        marker.user.panels.filter(pk__in=panels, results=None, marker_results=None).delete()


@dataclass(frozen=True)
class MarkerPoint:
    drawn_on: date
    value: float
    qualifier: str
    lab: str
    ref_low: float | None
    ref_high: float | None
    ref_flag: str
    panel_id: int


def marker_series(*, marker: Marker) -> list[MarkerPoint]:
    """The marker's values, oldest first, with each draw's lab and printed range."""
    rows = (
        MarkerResult.objects.filter(user_id=marker.user_id, marker=marker)
        .order_by("drawn_on", "id")
        .values_list(
            "drawn_on", "value", "qualifier", "panel__lab", "ref_low", "ref_high", "ref_flag",
            "panel_id",
        )
    )  # fmt: skip
    return [MarkerPoint(d, v, q, lab or "", lo, hi, f, p) for d, v, q, lab, lo, hi, f, p in rows]


def latest_marker_values(*, user) -> list[MarkerResult]:
    """The newest value of each of the person's markers, by marker name (one query; a
    person has a handful of markers, each a value per draw, and SQLite has no DISTINCT ON)."""
    rows = (
        MarkerResult.objects.filter(user=user)
        .select_related("marker")
        .order_by("marker__name", "marker_id", "-drawn_on", "-id")
    )
    newest: dict[int, MarkerResult] = {}
    for row in rows:
        newest.setdefault(row.marker_id, row)
    return list(newest.values())


def marker_results_of(*, user) -> QuerySet[MarkerResult]:
    """Every value of the person's markers, oldest first, with marker and panel (exports)."""
    return (
        MarkerResult.objects.filter(user=user)
        .select_related("marker", "panel")
        .order_by("drawn_on", "panel_id", "marker__name")
    )

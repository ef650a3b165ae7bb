"""labs.bulk.create_with_history writes what simple-history's bulk_create_with_history writes
(the rows and their audit trail, value for value), in a constant number of statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_create_with_history

from labs.bulk import create_with_history
from labs.models import Panel, Result
from labs.services import IMPORT_BATCH_SIZE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SKIP = {"id", "panel_id", "user_id", "history_id", "history_date", "created_at", "updated_at"}


def build(user, n: int) -> tuple[list[Panel], list[Result]]:
    first = dt.date(2020, 1, 1)
    panels = [Panel(user=user, drawn_on=first + dt.timedelta(days=i)) for i in range(n)]
    return panels, [
        Result(
            panel=panel,
            user=user,
            drawn_on=panel.drawn_on,
            analyte="vitd_25oh",
            value=Decimal(f"{20 + i % 7}.5"),
            unit="ng/mL",
            canonical_value=Decimal(f"{20 + i % 7}.5"),
            qualifier="<" if i % 5 == 0 else "",
            ref_low=Decimal("30") if i % 2 else None,
            ref_high=Decimal("100") if i % 2 else None,
        )
        for i, panel in enumerate(panels)
    ]


def written(model, user) -> list[dict]:
    rows = model.objects.filter(user=user).order_by("drawn_on").values()
    history = model.history.filter(user_id=user.pk).order_by("drawn_on").values()
    strip = lambda row: {k: v for k, v in row.items() if k not in SKIP}  # noqa: E731
    return [strip(r) for r in rows] + [strip(h) for h in history]


def test_the_rows_and_their_history_match_simple_historys_own():
    ours, theirs = UserFactory(), UserFactory()
    panels, results = build(ours, 30)
    create_with_history(panels, Panel, batch_size=7)
    create_with_history(results, Result, batch_size=7)
    panels2, results2 = build(theirs, 30)
    bulk_create_with_history(panels2, Panel, batch_size=7)
    bulk_create_with_history(results2, Result, batch_size=7)
    assert written(Panel, ours) == written(Panel, theirs)
    assert written(Result, ours) == written(Result, theirs)
    # ids came back in order: each result points at its own panel and its history row at it
    for panel, result in zip(panels, results, strict=True):
        assert Result.objects.get(pk=result.pk).panel_id == panel.pk
        assert result.history.get().history_type == "+"
    created = Panel.objects.filter(user=ours).values_list("created_at", flat=True)
    assert None not in created  # auto_now_add went through the field's pre_save


def test_thousands_of_rows_take_one_insert_a_batch():
    user = UserFactory()
    rows = 2 * IMPORT_BATCH_SIZE + 10
    panels, _results = build(user, rows)
    with CaptureQueriesContext(connection) as queries:
        create_with_history(panels, Panel, batch_size=IMPORT_BATCH_SIZE)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    fields = [f for f in Panel._meta.concrete_fields if not f.primary_key]
    history = [f for f in Panel.history.model._meta.concrete_fields if not f.primary_key]
    batches = [
        -(-rows // min(IMPORT_BATCH_SIZE, connection.ops.bulk_batch_size(f, panels)))
        for f in (fields, history)
    ]
    assert len(inserts) == sum(batches)  # no statement per row
    assert Panel.objects.filter(user=user).count() == rows
    assert Panel.history.filter(user_id=user.pk, history_type="+").count() == rows

"""Bulk inserts of new rows and their audit-trail rows, for imports of thousands of results.

`bulk_create_with_history` (django-simple-history) builds a historical model instance per
row, and Django's bulk_create compiles every value through its expression machinery: a
10,000-row CSV spent most of its save there (issue #15). `create_with_history` writes the
same rows with the same values — each prepared by its field's own `pre_save` and
`get_db_prep_save`, as Django does — in multi-row INSERTs, takes the new ids from
RETURNING, and writes the history rows straight from the saved objects. Anything it does
not handle (a database without RETURNING, a historical model with extra fields) goes to
simple-history's own function.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_change_reason_from_object

# What simple-history adds to a model's tracked fields on its historical model.
_HISTORY_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
}


def create_with_history(objs: Sequence[Model], model: type[Model], *, batch_size: int) -> None:
    """Insert new `objs` of `model` (their ids set) and one "+" history row for each, at
    most `batch_size` rows a statement."""
    if not objs:
        return
    history = model.history.model
    alias = router.db_for_write(model)
    connection = connections[alias]
    extra = {f.attname for f in history._meta.concrete_fields} - _HISTORY_FIELDS
    if not connection.features.can_return_rows_from_bulk_insert or extra != {
        f.attname for f in history.tracked_fields
    }:
        bulk_create_with_history(list(objs), model, batch_size=batch_size)
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    for obj in objs:  # as bulk_create does: a related object saved since takes its new id
        obj._prepare_related_fields_for_save(operation_name="create_with_history")
    ids = _insert(connection, model, fields, objs, batch_size, returning=True)
    for obj, new_id in zip(objs, ids, strict=True):
        obj.pk = new_id
        obj._state.adding, obj._state.db = False, alias
    now = timezone.now()
    history_fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    rows = [_history_values(history, obj, now) for obj in objs]
    _insert(connection, history, history_fields, rows, batch_size, returning=False)


def _history_values(history: type[Model], obj: Model, now) -> dict[str, Any]:
    """What simple-history's bulk_history_create gives a historical row of `obj`."""
    if hasattr(obj, "_history_user"):
        user = obj._history_user
    else:
        user = history.get_default_history_user(obj)
    values = {f.attname: getattr(obj, f.attname) for f in history.tracked_fields}
    values.update(
        history_date=getattr(obj, "_history_date", now),
        history_change_reason=get_change_reason_from_object(obj) or None,
        history_type="+",
        history_user_id=user.pk if user is not None else None,
    )
    return values


def _insert(connection, model, fields, rows: Iterable, most: int, *, returning: bool) -> list:
    """Multi-row INSERTs of `rows` (model instances, prepared with each field's pre_save,
    or dicts of attname → value); the new primary keys when `returning`."""
    rows = list(rows)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    batch = max(1, min(most, connection.ops.bulk_batch_size(fields, rows)))
    suffix = ""
    if returning:
        returned, _params = connection.ops.return_insert_columns([model._meta.pk])
        suffix = f" {returned}"
    ids: list = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params: list = []
            for row in chunk:
                if isinstance(row, dict):
                    params += [f.get_db_prep_save(row[f.attname], connection) for f in fields]
                else:
                    params += [
                        f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields
                    ]
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            values = ", ".join([one] * len(chunk))
            sql = f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608 — quoted names
            cursor.execute(sql + suffix, params)
            if returning:
                ids += [found[0] for found in cursor.fetchall()]
    return ids

"""The audit trail of a panel: who created, changed or deleted it and its results, and when.

Read from django-simple-history's tables (Panel.history, Result.history), which the
HistoryRequestMiddleware fills with the signed-in person behind each write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from labs.analytes import ANALYTES
from labs.models import Panel, Result

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# Fields whose change is worth a line; bookkeeping (timestamps, copies of the panel's) is not.
SHOWN_FIELDS = {
    "drawn_on": gettext_lazy("date"),
    "lab": gettext_lazy("lab"),
    "fasting": gettext_lazy("fasting"),
    "notes": gettext_lazy("notes"),
    "value": gettext_lazy("value"),
    "unit": gettext_lazy("unit"),
    "qualifier": gettext_lazy("qualifier"),
}


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    action: str  # created / changed / deleted
    subject: str  # "panel" or the analyte's short name
    by: str  # "you", "an administrator", "Cofactor" (no signed-in person: import task, shell)
    fields: tuple[str, ...] = ()  # what changed, for "changed"


def _who(record, owner_id: int) -> str:
    if record.history_user_id is None:
        return "Cofactor"
    return _("you") if record.history_user_id == owner_id else _("an administrator")


def _changed_fields(record) -> tuple[str, ...] | None:
    """The shown fields a change touched; None when unknown (no earlier record: a row made
    before the trail existed, or by a bulk load)."""
    previous = record.prev_record
    if previous is None:
        return None
    own = {field.name for field in record._meta.fields}
    delta = record.diff_against(previous, included_fields=[f for f in SHOWN_FIELDS if f in own])
    return tuple(str(SHOWN_FIELDS[name]) for name in delta.changed_fields)


def _entries(records, owner_id: int, subject) -> list[AuditEntry]:
    entries = []
    for record in records:
        fields = _changed_fields(record) if record.history_type == "~" else ()
        if record.history_type == "~" and fields == ():
            continue  # a save that changed nothing shown
        entries.append(
            AuditEntry(
                at=record.history_date,
                action=ACTIONS[record.history_type],
                subject=subject(record),
                by=_who(record, owner_id),
                fields=fields or (),
            )
        )
    return entries


def panel_history(panel: Panel) -> list[AuditEntry]:
    """Every recorded write of the panel and of its results (deleted ones too), newest first."""
    panels = Panel.history.filter(id=panel.pk).order_by("history_date", "history_id")
    results = Result.history.filter(panel_id=panel.pk).order_by("history_date", "history_id")
    entries = _entries(panels, panel.user_id, lambda _r: _("panel"))
    entries += _entries(results, panel.user_id, lambda r: ANALYTES[r.analyte].short_name)
    return sorted(entries, key=lambda e: e.at, reverse=True)

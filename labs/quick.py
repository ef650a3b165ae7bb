"""Quick add: one result typed under the trends chart, saved as (or into) that date's panel.

The checks are the panel entry's own (labs.forms.ResultRowForm and check_not_future), so a
value refused there is refused here with the same words.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from labs import selectors, services
from labs.analytes import ANALYTES, Analyte
from labs.display import analyte_short_name
from labs.forms import DateInput, ResultRowForm, check_not_future
from labs.models import Panel, Result
from labs.units import units_for
from labs.validation import NO_RANGE, ReferenceRange


class QuickResultForm(ResultRowForm):
    """Date drawn plus one result row; the analyte comes preset from the chart shown."""

    drawn_on = forms.DateField(label=gettext_lazy("Date drawn"), widget=DateInput())

    field_order = ["drawn_on", "analyte", "value", "unit"]

    def __init__(self, *args, user, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.today = user, today
        self.fields["analyte"].widget = forms.HiddenInput()

    @classmethod
    def blank(cls, *, user, analyte: str, today: date, unit: str | None = None) -> QuickResultForm:
        """An unbound form for the analyte, dated today, in `unit` (the unit the chart shows)
        or else the person's usual unit (the one they last entered it in, else their setting)."""
        units = units_for(analyte)
        if unit not in units:  # read only when needed: the trends page always names one
            usual = selectors.usual_unit(user=user, analyte=analyte)
            unit = usual if usual in units else units[0]
        initial = {"analyte": analyte, "unit": unit, "drawn_on": today}
        return cls(initial=initial, user=user, today=today)

    @property
    def analyte_entry(self) -> Analyte | None:
        code = self["analyte"].value()
        return ANALYTES.get(code) if isinstance(code, str) else None

    @property
    def unit_choices(self) -> list[str]:
        """Only the analyte's own units are offered (any catalog unit is still checked)."""
        entry = self.analyte_entry
        return units_for(entry.code) if entry else []

    def clean_drawn_on(self) -> date:
        return check_not_future(self.cleaned_data["drawn_on"], self.today)

    def duplicate_message(self, code: str, drawn_on: date) -> str:
        return _("%(name)s is already recorded on %(date)s; edit that panel to change it.") % {
            "name": analyte_short_name(code),
            "date": date_format(drawn_on),
        }

    def clean(self):
        data = super().clean()
        code, drawn_on = data.get("analyte"), data.get("drawn_on")
        if self.errors or not code or not drawn_on:
            return data
        # Checked again under the lock in result_quick_add; this answers the common case early.
        if Result.objects.filter(user=self.user, drawn_on=drawn_on, analyte=code).exists():
            self.add_error("drawn_on", self.duplicate_message(code, drawn_on))
        return data


class AlreadyRecorded(Exception):
    """The date already has a result of that analyte (found under the person's lock)."""


def result_quick_add(
    *,
    user,
    drawn_on: date,
    analyte: str,
    value: float,
    unit: str,
    qualifier: str = "",
    reference: ReferenceRange = NO_RANGE,
) -> Panel:
    """Save one result: into the first panel of that date, or a new panel when there is none.

    The person is locked while the panel is chosen and written (as an import does), so
    concurrent quick adds make one panel and one result, never a duplicate or a 500.
    Goes through panel_create / panel_update, so data_changed is sent once either way.
    """
    new = services.ResultInput(analyte, value, unit, qualifier, reference)
    with transaction.atomic():
        services.lock_person(user)
        panels = list(
            Panel.objects.filter(user=user, drawn_on=drawn_on)
            .prefetch_related("results")
            .order_by("id")
        )
        # A panel holds one result per analyte, and a second panel of the same date would
        # split one blood draw in two: refuse a repeat, otherwise join the first panel.
        if any(r.analyte == analyte for panel in panels for r in panel.results.all()):
            raise AlreadyRecorded(analyte)
        if not panels:
            return services.panel_create(user=user, drawn_on=drawn_on, results=[new])
        panel = panels[0]
        kept = [services.result_input_of(r) for r in panel.results.all()]
        return services.panel_update(
            panel=panel,
            drawn_on=panel.drawn_on,
            lab=panel.lab,
            fasting=panel.fasting,
            notes=panel.notes,
            results=[*kept, new],
        )

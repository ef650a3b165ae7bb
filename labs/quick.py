"""Quick add: one result typed under the trends chart, saved as (or into) that date's panel.

The checks are the panel entry's own (labs.forms.ResultRowForm and check_not_future), so a
value refused there is refused here with the same words.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from labs import services
from labs.analytes import ANALYTES, Analyte
from labs.forms import DateInput, ResultRowForm, check_not_future
from labs.models import Panel
from labs.units import units_for


class QuickResultForm(ResultRowForm):
    """Date drawn plus one result row; the analyte comes preset from the chart shown."""

    drawn_on = forms.DateField(label=gettext_lazy("Date drawn"), widget=DateInput())

    field_order = ["drawn_on", "analyte", "value", "unit"]

    def __init__(self, *args, user, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.today = user, today
        self.fields["analyte"].widget = forms.HiddenInput()
        self.panel: Panel | None = None  # the panel of that date the result goes into

    @classmethod
    def blank(cls, *, user, analyte: str, today: date, unit: str | None = None) -> QuickResultForm:
        """An unbound form for the analyte, dated today, in `unit` (the unit the chart shows)
        or else the person's preferred unit."""
        units = units_for(analyte)
        preferred = user.preferred_unit(analyte)
        unit = unit if unit in units else preferred if preferred in units else units[0]
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

    def clean(self):
        data = super().clean()
        code, drawn_on = data.get("analyte"), data.get("drawn_on")
        if self.errors or not code or not drawn_on:
            return data
        panels = list(
            Panel.objects.filter(user=self.user, drawn_on=drawn_on)
            .prefetch_related("results")
            .order_by("id")
        )
        # A panel holds one result per analyte, and a second panel of the same date would
        # split one blood draw in two: refuse a repeat, otherwise join the first panel.
        if any(r.analyte == code for panel in panels for r in panel.results.all()):
            self.add_error(
                "drawn_on",
                _("%(name)s is already recorded on %(date)s; edit that panel to change it.")
                % {"name": ANALYTES[code].short_name, "date": date_format(drawn_on)},
            )
        else:
            self.panel = panels[0] if panels else None
        return data


def result_quick_add(
    *, user, drawn_on: date, analyte: str, value: float, unit: str, panel: Panel | None = None
) -> Panel:
    """Save one result: into `panel` (a panel of that date without the analyte) or alone.

    Goes through panel_create / panel_update, so data_changed is sent once either way.
    """
    new = (analyte, value, unit)
    if panel is None:
        return services.panel_create(user=user, drawn_on=drawn_on, results=[new])
    kept = [(r.analyte, r.value, r.unit) for r in panel.results.all()]
    return services.panel_update(
        panel=panel,
        drawn_on=panel.drawn_on,
        lab=panel.lab,
        fasting=panel.fasting,
        notes=panel.notes,
        results=[*kept, new],
    )

"""Forms of the labs app: they validate at the edge and give plain-word, field-level errors.

The panel entry form is a panel form plus a list of result rows. Rows are posted as
parallel lists (row, analyte, value, unit) rather than a numbered formset, so htmx can
add and remove rows without renumbering anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django import forms
from django.utils.formats import date_format, get_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from labs import selectors, validation
from labs.analytes import ANALYTES, Analyte
from labs.display import analyte_short_name, format_plain
from labs.importers import ColumnMapping, mapping_problems
from labs.models import LIFE_EVENT_CHOICES, Result
from labs.symptoms import SEVERITY_LABELS, SYMPTOMS
from labs.units import units_for
from labs.validation import (
    CSV_MAX_BYTES,  # noqa: F401 (the views read the limits from here)
    CSV_MAX_ROWS,  # noqa: F401
    FHIR_MAX_BYTES,  # noqa: F401
    LabValueError,
    UnusualUnit,
)

ALL_UNITS = list(dict.fromkeys(u for a in ANALYTES.values() for u in units_for(a.code)))
ANALYTE_SELECT = [("", gettext_lazy("Choose…"))] + [
    (a.code, gettext_lazy(a.short_name)) for a in ANALYTES.values()
]
FASTING_CHOICES = [("", gettext_lazy("Not recorded")), ("true", gettext_lazy("Yes")),
                   ("false", gettext_lazy("No"))]  # fmt: skip
REF_FLAG_SELECT = [("", "—"), (validation.HIGH, gettext_lazy("H (high)")),
                   (validation.LOW, gettext_lazy("L (low)"))]  # fmt: skip
SEVERITY_SELECT = [("", "—")] + [
    (str(k), format_lazy("{} {}", k, gettext_lazy(v))) for k, v in SEVERITY_LABELS.items()
]


def decimal_separator() -> str:
    """The active locale's decimal separator: only shapes examples, both are accepted."""
    return get_format("DECIMAL_SEPARATOR")


def as_validation_error(exc: LabValueError) -> forms.ValidationError:
    """A labs.validation error as a form error, its message translated."""
    return forms.ValidationError(_(exc.template), code=exc.code, params=exc.params)


def check_not_future(value: date, today: date) -> date:
    """The draw-date window of labs.validation, as a form error."""
    try:
        return validation.check_drawn_on(value, today)
    except LabValueError as exc:
        raise as_validation_error(exc) from None


def parse_number(text: str) -> float:
    """A positive finite number typed in a form (labs.validation.parse_positive)."""
    try:
        return validation.parse_positive(text, decimal_separator=decimal_separator())
    except LabValueError as exc:
        raise as_validation_error(exc) from None


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PanelForm(forms.Form):
    """The panel's own fields: date drawn, lab, fasting, notes."""

    drawn_on = forms.DateField(label=gettext_lazy("Date drawn"), widget=DateInput())
    lab = forms.CharField(label=gettext_lazy("Lab"), max_length=120, required=False)
    fasting = forms.TypedChoiceField(
        label=gettext_lazy("Fasting"),
        choices=FASTING_CHOICES,
        required=False,
        coerce=lambda v: v == "true",
        empty_value=None,
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_drawn_on(self) -> date:
        return check_not_future(self.cleaned_data["drawn_on"], self.today)


class ResultRowForm(forms.Form):
    """One result row: analyte, value ("45,5", "< 10") and unit, checked together.

    The value is read by labs.validation.parse_lab_value; when it is plausible but
    unusual in the unit chosen ("did you mean mmol/L?"), the row asks and `unit_ok`
    ("the unit is right") lets the person keep it.
    """

    analyte = forms.ChoiceField(
        choices=ANALYTE_SELECT, error_messages={"required": gettext_lazy("Choose an analyte.")}
    )
    value = forms.CharField(
        max_length=validation.MAX_VALUE_CHARS,
        error_messages={"required": gettext_lazy("Enter the value.")},
    )
    unit = forms.ChoiceField(
        choices=[(u, u) for u in ALL_UNITS],
        error_messages={
            "required": gettext_lazy("Choose a unit."),
            "invalid_choice": gettext_lazy("Unknown unit “%(value)s”."),
        },
    )
    unit_ok = forms.BooleanField(label=gettext_lazy("The unit is right"), required=False)
    # The range the lab printed beside the value (optional), in the row's unit: "8.6-10.2".
    ref_range = forms.CharField(
        label=gettext_lazy("Lab's range"), max_length=validation.MAX_VALUE_CHARS, required=False
    )
    ref_flag = forms.ChoiceField(
        label=gettext_lazy("Lab's flag"), choices=REF_FLAG_SELECT, required=False
    )

    asks_unit = False  # set when the row asks "did you mean …?"

    def clean_value(self) -> str:
        """The number's form alone (digits, one separator); its meaning needs the analyte."""
        text = self.cleaned_data["value"]
        _qualifier, number = validation.split_qualifier(text)
        try:
            validation.parse_decimal(number, decimal_separator=decimal_separator())
        except validation.AmbiguousNumber:
            pass  # the analyte's plausible range may settle it, in clean()
        except LabValueError as exc:
            raise as_validation_error(exc) from None
        return text

    def clean(self):
        data = super().clean()
        code, text, unit = data.get("analyte"), data.get("value"), data.get("unit")
        if not code or not unit:
            return data
        analyte = ANALYTES[code]
        if unit not in analyte.units:
            accepted = _(" or ").join(units_for(code))
            self.add_error(
                "unit",
                _("%(unit)s is not a unit for %(name)s; use %(accepted)s.")
                % {"unit": unit, "name": analyte_short_name(analyte.code), "accepted": accepted},
            )
            return data
        if text is None:
            return data
        try:
            reading = validation.parse_lab_value(
                analyte,
                text,
                unit,
                decimal_separator=decimal_separator(),
                unit_confirmed=bool(data.get("unit_ok")),
            )
        except LabValueError as exc:
            self.asks_unit = isinstance(exc, UnusualUnit)
            self.add_error("value", as_validation_error(exc))
            return data
        data |= {
            "value": reading.value,
            "qualifier": reading.qualifier,
            "canonical_value": reading.canonical_value,
            "reading": reading,
            "reference": self._reference(analyte, unit, data),
        }
        return data

    def _reference(self, analyte: Analyte, unit: str, data) -> validation.ReferenceRange:
        """The lab's printed range and flag, read by labs.validation (errors on the field)."""
        try:
            reference = validation.parse_reference_text(
                data.get("ref_range") or "",
                analyte=analyte,
                unit=unit,
                decimal_separator=decimal_separator(),
            )
            flag = validation.check_flag(data.get("ref_flag") or "")
        except LabValueError as exc:
            self.add_error("ref_range", as_validation_error(exc))
            return validation.NO_RANGE
        return validation.ReferenceRange(reference.low, reference.high, flag)


@dataclass(frozen=True)
class Preview:
    analyte: Analyte | None = None
    canonical: float | None = None  # the badge is the person's: labs_tags.status_of
    error: str = ""
    qualifier: str = ""


@dataclass
class ResultRow:
    """A row of the entry form: a stable key (for element ids) and its form."""

    key: str
    form: ResultRowForm

    @property
    def unit_choices(self) -> list[str]:
        code = self.form["analyte"].value()
        return units_for(code) if code in ANALYTES else ALL_UNITS

    @property
    def errors_below(self) -> bool:
        """The row was checked on submit, so its errors show under it (not in the preview too)."""
        return self.form._errors is not None and bool(self.form.errors.get("value"))

    @property
    def is_blank(self) -> bool:
        form = self.form
        return not any(
            (form[name].value() or "").strip() for name in ("analyte", "value", "ref_range")
        )

    @cached_property
    def preview(self) -> Preview | None:
        """The value converted to the canonical unit, once the row is valid."""
        if self.is_blank:
            return None
        fields = {name: self.form[name].value() or "" for name in ROW_FIELDS}
        check = ResultRowForm(fields)
        if check.is_valid():
            analyte = ANALYTES[fields["analyte"]]
            canonical = check.cleaned_data["canonical_value"]
            return Preview(
                analyte,
                round(canonical, analyte.decimals),
                qualifier=check.cleaned_data["qualifier"],
            )
        if fields["analyte"] and fields["value"] and fields["unit"]:
            errors = check.errors.get("value") or check.errors.get("unit") or []
            return Preview(error=errors[0]) if errors else None
        return None


ROW_FIELDS = ("analyte", "value", "unit", "unit_ok")
# Posted once per row, as parallel lists (unit_ok is posted as the keys of the rows ticked).
POSTED_FIELDS = ("analyte", "value", "unit", "ref_range", "ref_flag")


def new_row_key() -> str:
    return uuid.uuid4().hex[:8]


def blank_row(user=None, analyte: str = "", key: str | None = None) -> ResultRow:
    """An empty row; with an analyte, its unit starts at the person's usual one (the unit
    they last entered it in, else their setting)."""
    unit = ""
    if analyte in ANALYTES:
        usual = selectors.usual_unit(user=user, analyte=analyte) if user else None
        units = units_for(analyte)
        unit = usual if usual in units else units[0]
    key = key or new_row_key()
    initial = {"analyte": analyte, "unit": unit}
    return ResultRow(key, ResultRowForm(initial=initial, auto_id=f"id_%s_{key}"))


class PanelEntry:
    """The whole entry form: a PanelForm and its result rows, valid only all together."""

    def __init__(self, data=None, *, today: date, initial=None, rows=None, marker_forms=()):
        self.panel = PanelForm(data, initial=initial, today=today)
        self.rows: list[ResultRow] = rows if rows is not None else self._bound_rows(data)
        # The person's own markers (labs.markers_forms.MarkerValueForm), one form each.
        self.marker_forms = list(marker_forms)
        self.errors: list[str] = []

    @staticmethod
    def _bound_rows(data) -> list[ResultRow]:
        if data is None:
            return []
        lists = {name: data.getlist(name) for name in POSTED_FIELDS}
        keys, confirmed = data.getlist("row"), set(data.getlist("unit_ok"))
        count = max(len(lists["analyte"]), len(lists["value"]), len(lists["unit"]))
        rows = []
        for i in range(count):
            key = keys[i] if i < len(keys) and keys[i].isalnum() else new_row_key()
            fields = {name: (v[i] if i < len(v) else "") for name, v in lists.items()}
            fields["unit_ok"] = key in confirmed
            form = ResultRowForm(fields, auto_id=f"id_%s_{key}")
            rows.append(ResultRow(key, form))
        return rows

    def filled(self) -> list[ResultRow]:
        """Rows with an analyte or a value; a row with neither is an unused line, skipped."""
        return [row for row in self.rows if not row.is_blank]

    def is_valid(self, *, user=None, panel=None) -> bool:
        """All fields valid, one result per analyte, and — given the person — none of its
        analytes already recorded on that date in another panel than `panel`."""
        valid = self.panel.is_valid()
        filled = self.filled()
        valid = all([row.form.is_valid() for row in filled]) and valid
        valid = all([form.is_valid() for form in self.marker_forms]) and valid
        if not filled and not (valid and self.marker_values()):
            if valid or not self.marker_forms:
                self.errors.append(_("Enter at least one result."))
            return False
        valid = self._check_duplicates(filled) and valid
        if user is not None and valid:
            valid = self._check_other_panels(filled, user, panel)
        return valid

    def _check_other_panels(self, filled: list[ResultRow], user, panel) -> bool:
        drawn_on = self.panel.cleaned_data["drawn_on"]
        codes = [row.form.cleaned_data["analyte"] for row in filled]
        taken = set(
            Result.objects.filter(user=user, drawn_on=drawn_on, analyte__in=codes)
            .exclude(panel=panel)
            .values_list("analyte", flat=True)
        )
        for row in filled:
            code = row.form.cleaned_data["analyte"]
            if code in taken:
                row.form.add_error(
                    "analyte",
                    _("%(name)s is already recorded on %(date)s; edit that panel to change it.")
                    % {"name": ANALYTES[code].short_name, "date": date_format(drawn_on)},
                )
        return not taken

    def _check_duplicates(self, filled: list[ResultRow]) -> bool:
        first_row: dict[str, int] = {}
        ok = True
        for number, row in enumerate(filled, start=1):
            code = row.form.cleaned_data.get("analyte")
            if not code:
                continue
            if code in first_row:
                row.form.add_error(
                    "analyte",
                    _("%(name)s is already in this panel (row %(row)d).")
                    % {"name": analyte_short_name(code), "row": first_row[code]},
                )
                ok = False
            first_row.setdefault(code, number)
        return ok

    def results(self) -> list[tuple]:
        """(analyte, value, unit) of every filled row, with a fourth item, the qualifier,
        for a censored value ("< 10"), and a fifth, the lab's printed range
        (labs.validation.ReferenceRange), when one was typed; call after is_valid()."""
        rows = []
        for row in self.filled():
            data = row.form.cleaned_data
            entered = (data["analyte"], data["value"], data["unit"])
            if data["reference"] != validation.NO_RANGE:
                rows.append((*entered, data["qualifier"], data["reference"]))
            else:
                rows.append((*entered, data["qualifier"]) if data["qualifier"] else entered)
        return rows

    def marker_values(self) -> list:
        """The values of the person's own markers typed in (call after is_valid())."""
        return [v for form in self.marker_forms if (v := form.marker_value()) is not None]

    def without(self, key: str) -> None:
        self.rows = [row for row in self.rows if row.key != key]


def range_text(low: float | None, high: float | None) -> str:
    """A stored range as one types it, in the language's decimal mark: "8,6-10,2", "< 5"."""
    if low is None and high is None:
        return ""
    if low is None:
        return f"< {format_plain(high)}"
    if high is None:
        return f"> {format_plain(low)}"
    return f"{format_plain(low)}-{format_plain(high)}"


def rows_from_results(results) -> list[ResultRow]:
    """Unbound rows showing a panel's stored results (value and unit as entered)."""
    rows = []
    for result in results:
        key = new_row_key()
        value = f"{result.qualifier}{result.value:.10g}"
        initial = {"analyte": result.analyte, "value": value, "unit": result.unit,
                   "ref_range": range_text(result.ref_low, result.ref_high),
                   "ref_flag": result.ref_flag}  # fmt: skip
        rows.append(ResultRow(key, ResultRowForm(initial=initial, auto_id=f"id_%s_{key}")))
    return rows


class SymptomCheckinForm(forms.Form):
    """One day's check-in: a 0–3 score for any number of symptoms, and a note."""

    recorded_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        for code, symptom in SYMPTOMS.items():
            self.fields[f"s_{code}"] = forms.TypedChoiceField(
                label=gettext_lazy(symptom.label),
                choices=SEVERITY_SELECT,
                required=False,
                coerce=int,
                empty_value=None,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def symptom_fields(self):
        return [self[f"s_{code}"] for code in SYMPTOMS]

    def clean_recorded_on(self) -> date:
        return check_not_future(self.cleaned_data["recorded_on"], self.today)

    def clean(self):
        data = super().clean()
        if not self.scores() and not self.errors:
            raise forms.ValidationError(_("Score at least one symptom (0 means none)."))
        return data

    def scores(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[f"s_{code}"]
            for code in SYMPTOMS
            if self.cleaned_data.get(f"s_{code}") is not None
        }


class LifeEventForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What happened"), choices=LIFE_EVENT_CHOICES)
    occurred_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_occurred_on(self) -> date:
        return check_not_future(self.cleaned_data["occurred_on"], self.today)


class UploadForm(forms.Form):
    """A file upload with a size cap; the bytes are read once, here."""

    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("The file is larger than the limit of %(mb)d MB. Split it into smaller files.")
                % {"mb": self.max_bytes // (1024 * 1024)},
                code="too_large",
            )
        return upload.read()


class ColumnMappingForm(forms.Form):
    """The import's mapping step: which column of a foreign header holds what."""

    date = forms.TypedChoiceField(label=gettext_lazy("Date drawn"), coerce=int)
    analyte = forms.TypedChoiceField(
        label=gettext_lazy("Analyte"), coerce=int, empty_value=None, required=False
    )
    value = forms.TypedChoiceField(
        label=gettext_lazy("Value"), coerce=int, empty_value=None, required=False
    )
    unit = forms.TypedChoiceField(
        label=gettext_lazy("Unit"), coerce=int, empty_value=None, required=False
    )
    lab = forms.TypedChoiceField(
        label=gettext_lazy("Lab"), coerce=int, empty_value=None, required=False
    )
    notes = forms.TypedChoiceField(
        label=gettext_lazy("Notes"), coerce=int, empty_value=None, required=False
    )
    reference = forms.TypedChoiceField(
        label=gettext_lazy("Lab's reference range"), coerce=int, empty_value=None, required=False
    )
    ref_flag = forms.TypedChoiceField(
        label=gettext_lazy("Lab's flag (H/L)"), coerce=int, empty_value=None, required=False
    )
    date_order = forms.ChoiceField(
        label=gettext_lazy("Dates like 03/04/2024 are"),
        required=False,
        choices=[
            ("", gettext_lazy("found from the file")),
            ("dmy", gettext_lazy("day first (3 April)")),
            ("mdy", gettext_lazy("month first (March 4)")),
        ],
    )

    def __init__(self, *args, header: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.header = header
        columns = [(i, f"{i + 1}: {name or '—'}") for i, name in enumerate(header)]
        none = {
            "analyte": gettext_lazy("— each analyte has its own column —"),
            "value": gettext_lazy("— in the analytes' own columns —"),
            "unit": gettext_lazy("— in the header, e.g. “(ng/mL)” —"),
            "lab": gettext_lazy("— none —"),
            "notes": gettext_lazy("— none —"),
            "reference": gettext_lazy("— none —"),
            "ref_flag": gettext_lazy("— none —"),
        }
        self.fields["date"].choices = columns
        for name, label in none.items():
            self.fields[name].choices = [("", label), *columns]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def mapping(self):
        """The ColumnMapping chosen (call after is_valid())."""
        return ColumnMapping(**self.cleaned_data)

    def clean(self):
        data = super().clean()
        if not self.errors:
            for problem in mapping_problems(self.mapping(), self.header):
                self.add_error(None, _(problem))
        return data

    @classmethod
    def initial_from(cls, mapping) -> dict:
        return {k: ("" if v is None else v) for k, v in mapping.to_json().items()}

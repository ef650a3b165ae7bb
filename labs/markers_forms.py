"""Forms of a person's own markers: the definition, and their values on the panel form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy

from labs import markers, validation
from labs.forms import REF_FLAG_SELECT, as_validation_error, decimal_separator, range_text
from labs.markers import MarkerValue
from labs.validation import LabValueError


class MarkerForm(forms.Form):
    """Name, unit, usual range and LOINC code of a marker, checked by labs.markers."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=markers.NAME_MAX_LENGTH)
    unit = forms.CharField(label=gettext_lazy("Unit"), max_length=markers.UNIT_MAX_LENGTH)
    ref_range = forms.CharField(
        label=gettext_lazy("Usual range (optional)"),
        max_length=validation.MAX_VALUE_CHARS,
        required=False,
        help_text=gettext_lazy("In the marker's unit, e.g. 5-15, < 15 or > 30."),
    )
    loinc = forms.CharField(
        label=gettext_lazy("LOINC code (optional)"),
        max_length=16,
        required=False,
        help_text=gettext_lazy("Lets imports recognise it, e.g. 13965-9."),
    )

    def __init__(self, *args, marker=None, **kwargs):
        if marker is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": marker.name, "unit": marker.unit, "loinc": marker.loinc,
                "ref_range": range_text(marker.ref_low, marker.ref_high),
            }  # fmt: skip
        super().__init__(*args, **kwargs)
        if marker is not None:  # the stored values are in its unit
            self.fields["unit"].disabled = True
            self.fields["unit"].help_text = gettext_lazy("Fixed: the values are in this unit.")

    def _checked(self, name: str, check, *args):
        try:
            return check(self.cleaned_data[name], *args)
        except markers.MarkerError as exc:
            if "name" in exc.params:  # a catalog analyte's short name, in the page's language
                exc.params["name"] = gettext(exc.params["name"])
            raise as_validation_error(exc) from None
        except LabValueError as exc:
            raise as_validation_error(exc) from None

    def clean_name(self) -> str:
        return self._checked("name", markers.check_name)

    def clean_unit(self) -> str:
        return self._checked("unit", markers.check_unit)

    def clean_loinc(self) -> str:
        return self._checked("loinc", markers.check_loinc)

    def clean_ref_range(self) -> validation.ReferenceRange:
        text = self.cleaned_data["ref_range"]
        try:
            return validation.parse_reference_text(text, decimal_separator=decimal_separator())
        except LabValueError as exc:
            raise as_validation_error(exc) from None

    def definition(self) -> markers.MarkerDefinition:
        data = self.cleaned_data
        return markers.MarkerDefinition(
            data["name"], data["unit"], data["ref_range"], data["loinc"]
        )


class MarkerValueForm(forms.Form):
    """One of the person's markers on the panel form: its value, printed range and flag."""

    value = forms.CharField(max_length=validation.MAX_VALUE_CHARS, required=False)
    ref_range = forms.CharField(max_length=validation.MAX_VALUE_CHARS, required=False)
    ref_flag = forms.ChoiceField(choices=REF_FLAG_SELECT, required=False)

    def __init__(self, *args, marker, **kwargs):
        super().__init__(*args, prefix=f"m{marker.pk}", **kwargs)
        self.marker = marker

    def clean(self):
        data = super().clean()
        text = (data.get("value") or "").strip()
        if not text:
            if (data.get("ref_range") or "").strip():
                self.add_error("value", gettext_lazy("Enter the value."))
            return data
        try:
            data["reading"] = markers.read_value(text, decimal_separator=decimal_separator())
        except LabValueError as exc:
            self.add_error("value", as_validation_error(exc))
            return data
        try:
            printed = validation.parse_reference_text(
                data.get("ref_range") or "", decimal_separator=decimal_separator()
            )
            flag = validation.check_flag(data.get("ref_flag") or "")
        except LabValueError as exc:
            self.add_error("ref_range", as_validation_error(exc))
            return data
        data["reference"] = validation.ReferenceRange(printed.low, printed.high, flag)
        return data

    def marker_value(self) -> MarkerValue | None:
        """The value to save (call after is_valid()), or None when left blank."""
        reading = self.cleaned_data.get("reading")
        if reading is None:
            return None
        value, qualifier = reading
        return MarkerValue(self.marker.pk, value, qualifier, self.cleaned_data["reference"])


def marker_value_forms(markers_list, data=None, stored=None) -> list[MarkerValueForm]:
    """A value form per marker; `stored` (marker id → MarkerResult) fills an edit form."""
    forms_ = []
    for marker in markers_list:
        initial = {}
        result = (stored or {}).get(marker.pk)
        if result is not None:
            initial = {
                "value": f"{result.qualifier}{result.value:.10g}",
                "ref_range": range_text(result.ref_low, result.ref_high),
                "ref_flag": result.ref_flag,
            }
        forms_.append(MarkerValueForm(data, marker=marker, initial=initial))
    return forms_

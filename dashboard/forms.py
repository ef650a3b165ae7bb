"""The trends page's query string, validated at the edge."""

from django import forms

from .selectors import RANGE_DAYS


class TrendsQueryForm(forms.Form):
    """Which marker, time range and unit to chart. A bad value falls back to the default."""

    analyte = forms.ChoiceField(required=False)
    range = forms.ChoiceField(required=False, choices=[(key, key) for key in RANGE_DAYS])
    unit = forms.CharField(required=False, max_length=16)
    rows = forms.ChoiceField(required=False, choices=[("all", "all")])  # the whole table

    def __init__(self, data, *, analytes: list[str], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["analyte"].choices = [(code, code) for code in analytes]

    def value(self, name: str, default: str) -> str:
        """The cleaned value of a field, or `default` when it is missing or invalid."""
        self.is_valid()
        return self.cleaned_data.get(name) or default

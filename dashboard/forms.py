"""The trends page's query string and the share form, validated at the edge."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import RANGE_DAYS
from .sharing import SHARE_DAYS


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


class ShareForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("The link works for"),
        coerce=int,
        choices=lambda: [(d, _("%(days)s days") % {"days": d}) for d in SHARE_DAYS],  # per page
        initial=30,
    )

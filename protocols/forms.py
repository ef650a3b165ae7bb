"""Forms of the protocols app: every input is validated here, before a service or the engine."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import RULE_SET_CHOICES
from labs import validation
from labs.display import analyte_short_name, dose_unit, format_number, format_value
from labs.forms import DateInput, as_validation_error, decimal_separator
from labs.symptoms import SEVERITY_LABELS
from labs.symptoms import SYMPTOMS as SYMPTOM_CATALOG
from labs.units import get_analyte, units_for
from protocols.engine import Intake, Measurement, Snapshot
from protocols.engine.tiers import RESPONSE_NUTRIENT
from protocols.models import (
    GOAL_CHOICES,
    NUTRIENT_CHOICES,
    PROFILE_FLAG_CHOICES,
    HealthProfile,
    SupplementIntake,
)
from protocols.rules import NUTRIENTS, RULE_SETS

# Daily amounts above these are typos (or a weekly dose typed as daily), not an intake.
DOSE_MAXIMUM = {
    "vitamin_d3": 50_000,
    "magnesium": 2_000,
    "vitamin_k2_mk7": 2_000,
    "vitamin_b6_p5p": 500,
    "calcium": 3_000,
}


def nutrient_unit(nutrient: str) -> str:
    """The unit a nutrient's daily amount is given in (IU for D3, mcg for K2, else mg)."""
    return NUTRIENTS[nutrient][1]


def check_dose(nutrient: str, amount: float, unit: str) -> str | None:
    """A plain-words problem with a daily amount, or None when it is acceptable."""
    expected = nutrient_unit(nutrient)
    label = NUTRIENTS[nutrient][0]
    if unit != expected:
        return str(
            _("%(label)s is given in %(unit)s.") % {"label": label, "unit": dose_unit(expected)}
        )
    if not amount > 0:
        return str(_("The daily amount must be more than zero."))
    if amount > DOSE_MAXIMUM[nutrient]:
        return str(
            _("%(amount)s %(unit)s a day of %(label)s is not plausible; check the label.")
            % {"amount": format_number(amount, 0), "unit": dose_unit(unit), "label": label}
        )
    return None


class HealthProfileForm(forms.ModelForm):
    flags = forms.MultipleChoiceField(
        label=_("Health flags"),
        choices=PROFILE_FLAG_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each one changes what the plan may recommend."),
    )

    class Meta:
        model = HealthProfile
        fields = ["name", "birth_year", "sex", "flags", "goal"]
        help_texts = {"goal": _("It picks the magnesium form.")}

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is not None and not 1900 <= year <= timezone.localdate().year:
            raise forms.ValidationError(_("Enter a birth year between 1900 and this year."))
        return year


class SupplementIntakeForm(forms.ModelForm):
    """One supplement taken now; the unit must be the nutrient's own."""

    class Meta:
        model = SupplementIntake
        fields = ["nutrient", "form", "amount", "unit", "since", "take_at"]
        widgets = {
            # ISO 8601 whatever the language: a date input shows nothing for "01.03.2026".
            "since": DateInput(),
            "take_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        labels = {"nutrient": _("Nutrient"), "unit": _("Unit")}  # the model's are untranslated
        help_texts = {
            "amount": _("Per day, in IU for vitamin D3, mcg for K2, mg for the others."),
            "form": _("For example glycinate, citrate, softgel."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_nutrient(self) -> str:
        nutrient = self.cleaned_data["nutrient"]
        others = SupplementIntake.objects.filter(user=self.user, nutrient=nutrient)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("You already recorded this supplement: edit that entry instead.")
            )
        return nutrient

    def clean_since(self) -> date | None:
        since = self.cleaned_data.get("since")
        if since is not None and not date(1900, 1, 1) <= since <= timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return since

    def clean(self):
        cleaned = super().clean()
        nutrient, amount, unit = (cleaned.get(k) for k in ("nutrient", "amount", "unit"))
        if nutrient and amount is not None and unit:
            problem = check_dose(nutrient, amount, unit)
            if problem:
                field = "unit" if unit != nutrient_unit(nutrient) else "amount"
                self.add_error(field, problem)
        return cleaned


class DoseForm(forms.Form):
    """A tap on "taken" (or on a day of the last week): which day, and taken or not."""

    day = forms.DateField(input_formats=["%Y-%m-%d"])
    taken = forms.ChoiceField(choices=[("yes", "yes"), ("no", "no")])
    look = forms.ChoiceField(choices=[("card", "card"), ("day", "day")], required=False)


# --- what-if ------------------------------------------------------------------------------

# Markers the what-if page asks for, in the order it shows them.
WHAT_IF_MARKERS = ("vitd_25oh", "mg_rbc", "mg_serum", "ca_total", "pth_intact", "egfr")
WHAT_IF_INTAKES = (
    ("vitamin_d3", "d3_iu", _("Vitamin D3 you take (IU/day)")),
    ("magnesium", "mg_mg", _("Magnesium you take (mg/day)")),
    ("vitamin_k2_mk7", "k2_mcg", _("Vitamin K2 you take (mcg/day)")),
    ("vitamin_b6_p5p", "b6_mg", _("Vitamin B6 you take (mg/day)")),
)
# An earlier value of a marker whose response the engine judges (protocols.engine.tiers),
# how long before it was drawn, and how many days the nutrient was taken: the non-responder
# check of a stored plan, on the what-if page (issue #17).
WHAT_IF_WEEKS = (6, 8, 10, 12, 16, 20, 26, 39, 52)  # the engine judges 6 weeks to a year
WHAT_IF_WEEKS_DEFAULT = 12
SEVERITY_OPTIONS = [("", "—"), *((str(v), f"{v} {label}") for v, label in SEVERITY_LABELS.items())]


class WhatIfForm(forms.Form):
    """A visitor's values for a plan computed on the fly; every field is optional."""

    flags = forms.MultipleChoiceField(
        label=_("Health flags"),
        choices=PROFILE_FLAG_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    goal = forms.ChoiceField(
        label=_("Primary goal"), choices=[("", "—"), *GOAL_CHOICES], required=False
    )
    rules = forms.ChoiceField(label=_("Rule set"), choices=RULE_SET_CHOICES, required=False)

    def __init__(self, *args, units: Mapping[str, str] | None = None, **kwargs):
        """`units`: the unit each analyte's list preselects (the person's or their region's)."""
        super().__init__(*args, **kwargs)
        self.units = dict(units or {})
        for code in WHAT_IF_MARKERS:
            analyte = get_analyte(code)
            # Text, not a number input: labs.validation reads "45,5" as 45.5 in any locale.
            self.fields[code] = forms.CharField(
                label=analyte_short_name(analyte.code),
                required=False,
                max_length=validation.MAX_VALUE_CHARS,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
            units = units_for(code)
            self.fields[f"{code}_unit"] = forms.ChoiceField(
                label=_("unit"),
                choices=[(u, u) for u in units],
                required=False,
                initial=self.units.get(code) if self.units.get(code) in units else units[0],
            )
        for _nutrient, name, label in WHAT_IF_INTAKES:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=validation.MAX_VALUE_CHARS,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )

        labels = dict(NUTRIENT_CHOICES)
        for code, nutrient in RESPONSE_NUTRIENT.items():
            self.fields[f"earlier_{code}"] = forms.CharField(
                label=_("%(marker)s at the earlier test") % {"marker": analyte_short_name(code)},
                required=False,
                max_length=validation.MAX_VALUE_CHARS,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
            self.fields[f"adherence_{nutrient}"] = forms.CharField(
                label=_("%(nutrient)s taken since then (%% of days)")
                % {"nutrient": labels[nutrient]},
                required=False,
                max_length=validation.MAX_VALUE_CHARS,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
        self.fields["weeks_between"] = forms.TypedChoiceField(
            label=_("Weeks between the two tests"),
            choices=[
                (str(w), ngettext("%(n)s week", "%(n)s weeks", w) % {"n": w}) for w in WHAT_IF_WEEKS
            ],  # fmt: skip
            coerce=int,
            required=False,
            empty_value=WHAT_IF_WEEKS_DEFAULT,
            initial=str(WHAT_IF_WEEKS_DEFAULT),
        )

        for code, symptom in SYMPTOM_CATALOG.items():
            self.fields[f"s_{code}"] = forms.TypedChoiceField(
                label=symptom.label, choices=SEVERITY_OPTIONS, required=False, coerce=int,
                empty_value=None,
            )  # fmt: skip

    def symptom_fields(self) -> list[forms.BoundField]:
        return [self[f"s_{code}"] for code in SYMPTOM_CATALOG]

    def symptoms(self) -> dict[str, int]:
        """How the visitor feels: the symptoms they scored (call after is_valid())."""
        return {
            code: self.cleaned_data[f"s_{code}"]
            for code in SYMPTOM_CATALOG
            if self.cleaned_data.get(f"s_{code}") is not None
        }

    def marker_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[code], self[f"{code}_unit"]) for code in WHAT_IF_MARKERS]

    def intake_fields(self) -> list[forms.BoundField]:
        return [self[name] for _nutrient, name, _label in WHAT_IF_INTAKES]

    def earlier_fields(self) -> list[forms.BoundField]:
        """Each judged marker's earlier value, then its nutrient's share of days taken."""
        return [
            self[name]
            for code, nutrient in RESPONSE_NUTRIENT.items()
            for name in (f"earlier_{code}", f"adherence_{nutrient}")
        ]

    def error_items(self) -> list[tuple[str, str, str]]:
        """(field name, label, message) for every error, to list them beside the plan."""
        return [
            (name, str(self.fields[name].label) if name in self.fields else "", str(error))
            for name, errors in self.errors.items()
            for error in errors
        ]

    def clean(self):
        cleaned = super().clean()
        self.canonical: dict[str, float] = {}
        self.readings: dict[str, tuple[str, validation.LabValue]] = {}
        for code in WHAT_IF_MARKERS:
            self._clean_marker(cleaned, code)
        for nutrient, name, _label in WHAT_IF_INTAKES:
            amount = self._clean_amount(cleaned, name)
            if amount:
                problem = check_dose(nutrient, amount, nutrient_unit(nutrient))
                if problem:
                    self.add_error(name, problem)
        self.earlier: dict[str, validation.LabValue] = {}
        self.adherence: dict[str, float] = {}
        for code, nutrient in RESPONSE_NUTRIENT.items():
            self._clean_earlier(cleaned, code)
            self._clean_adherence(cleaned, nutrient)
        if cleaned.get("rules") and cleaned["rules"] not in RULE_SETS:
            self.add_error("rules", _("Unknown rule set."))
        return cleaned

    def _read(self, cleaned: dict, code: str, text: str, *, field: str):
        """`text` as a value of `code` in the unit picked beside it (labs.validation), or None
        with the refusal shown beside `field`."""
        analyte = get_analyte(code)
        unit = cleaned.get(f"{code}_unit") or analyte.canonical_unit
        try:
            return validation.parse_lab_value(
                analyte, text, unit, decimal_separator=decimal_separator()
            )
        except validation.LabValueError as exc:
            self.add_error(field, as_validation_error(exc))
            return None

    def _clean_earlier(self, cleaned: dict, code: str) -> None:
        """An earlier value, in the unit picked beside the current one (labs.validation)."""
        name = f"earlier_{code}"
        text = (cleaned.get(name) or "").strip()
        if not text:
            return
        reading = self._read(cleaned, code, text, field=name)
        if reading is None:
            return
        if code not in self.canonical:
            if code not in self.errors:  # empty, not wrong: say what is missing
                self.add_error(name, _("Type the current value too, to compare the two."))
            return
        self.earlier[code] = reading

    def _clean_adherence(self, cleaned: dict, nutrient: str) -> None:
        """A share of days in percent, 0 to 100 (labs.validation.parse_percent); the engine
        reads it as 0..1, as the CLI's --adherence and the plan JSON give it."""
        name = f"adherence_{nutrient}"
        text = (cleaned.get(name) or "").strip()
        if not text:
            return
        try:
            percent = validation.parse_percent(text, decimal_separator=decimal_separator())
        except validation.LabValueError as exc:
            self.add_error(name, as_validation_error(exc))
            return
        self.adherence[nutrient] = percent / 100

    def _clean_marker(self, cleaned: dict, code: str) -> None:
        text = (cleaned.get(code) or "").strip()
        if not text:
            cleaned[code] = None
            return
        reading = self._read(cleaned, code, text, field=code)
        if reading is None:
            return
        cleaned[code] = reading.value
        self.canonical[code] = reading.canonical_value
        self.readings[code] = (text, reading)

    def _clean_amount(self, cleaned: dict, name: str) -> float | None:
        text = (cleaned.get(name) or "").strip()
        try:
            amount = float(validation.parse_decimal(text)) if text else None
        except validation.LabValueError as exc:
            self.add_error(name, as_validation_error(exc))
            amount = None
        if amount is not None and amount < 0:
            self.add_error(name, _("Ensure this value is greater than or equal to 0."))
            amount = None
        cleaned[name] = amount
        return amount

    def display_units(self) -> dict[str, str]:
        """The unit the plan shows each analyte in: the one picked beside a typed value, else
        the preselected one (call after is_valid())."""
        picked = {code: self.cleaned_data.get(f"{code}_unit") for code in self.readings}
        return self.units | {code: unit for code, unit in picked.items() if unit}

    def echoes(self) -> list[str]:
        """ "You typed 45,5 nmol/L = 18.2 ng/mL" for every value that needed reading:
        a decimal comma, a unit other than the one the rules use, or "1,250" taken as
        1.25. Shown above the plan, so an alarming result can be traced to its input."""
        lines = []
        for code, (text, reading) in getattr(self, "readings", {}).items():
            analyte = get_analyte(code)
            converted = reading.unit != analyte.canonical_unit
            if not (converted or "," in text or reading.reinterpreted):
                continue
            canonical = format_value(code, reading.canonical_value, analyte.canonical_unit)
            lines.append(
                _("You typed %(typed)s %(unit)s = %(canonical)s %(canonical_unit)s")
                % {
                    "typed": text,
                    "unit": reading.unit,
                    "canonical": f"{reading.qualifier}{canonical}",
                    "canonical_unit": analyte.canonical_unit,
                }
            )
        return lines

    def snapshot(self, *, as_of: date) -> Snapshot:
        """The visitor's values as of today (call after is_valid())."""
        results = {
            code: [
                Measurement(
                    value, get_analyte(code).canonical_unit, as_of, self.readings[code][1].qualifier
                )
            ]
            for code, value in self.canonical.items()
        }
        weeks = self.cleaned_data.get("weeks_between") or WHAT_IF_WEEKS_DEFAULT
        for code, reading in self.earlier.items():
            earlier = Measurement(
                reading.canonical_value,
                get_analyte(code).canonical_unit,
                as_of - timedelta(weeks=weeks),
                reading.qualifier,
            )
            results[code] = [earlier, *results[code]]
        taking = tuple(
            Intake(nutrient, self.cleaned_data[name], nutrient_unit(nutrient))
            for nutrient, name, _label in WHAT_IF_INTAKES
            if self.cleaned_data.get(name)
        )
        return Snapshot(
            as_of=as_of,
            results=results,
            taking=taking,
            symptoms=self.symptoms(),
            flags=frozenset(self.cleaned_data.get("flags") or ()),
            goal=self.cleaned_data.get("goal") or None,
            rules=self.cleaned_data.get("rules") or "seed",
            adherence=dict(self.adherence),
        )

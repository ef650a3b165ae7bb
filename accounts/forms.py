import zoneinfo

from allauth.account import forms as allauth_forms
from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .models import User
from .regions import region_defaults
from .widgets import TimeZoneSelect

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


def _time_zone_choices() -> list[tuple[str, str]]:
    # Given as a callable, so a new form copies a reference instead of ~600 tuples.
    return TIME_ZONE_CHOICES


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=_time_zone_choices, widget=TimeZoneSelect
    )
    # Where the person lives: how their dates are written (units and limits are set below).
    country = CountryField(blank=True, blank_label=_("Choose…")).formfield(
        label=_("Country or region"),
        required=False,
        help_text=_("Dates are written the way they are there."),
    )

    class Meta:
        model = User
        labels = {"rule_set": _("Rule set")}
        fields = [
            "country",
            "time_zone",
            "vitd_unit",
            "mineral_unit",
            "rule_set",
            "upper_limits",
            "reminders_enabled",
            "reminder_lead_days",
            "overdue_followup",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a post (an older form, a script), the authority stays what it was.
        self.fields["upper_limits"].required = False

    def clean_upper_limits(self) -> str:
        return self.cleaned_data.get("upper_limits") or self.instance.upper_limits

    def clean_country(self) -> str:
        # Left out of a post (an older form, a script), the country stays what it was.
        if "country" not in self.data:
            return str(self.instance.country or "")
        return self.cleaned_data.get("country") or ""

    @property
    def fragment_key(self) -> str:
        """What the unbound form's HTML depends on (the person's current values): the key
        the settings page caches it under, so crispy renders it once per set of values."""
        return "|".join(str(self[name].value()) for name in self.Meta.fields)


class DeleteAccountForm(forms.Form):
    """The password again, and the second factor when the person has one; attempts are limited
    (ACCOUNT_RATE_LIMITS["delete_account"]) so the form is no password oracle."""

    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )
    code = forms.CharField(
        label=_("Code from your authenticator app (or a recovery code)"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user: User, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.request = user, request
        if not is_mfa_enabled(user):
            del self.fields["code"]

    def clean(self):
        if not ratelimit.consume(self.request, action="delete_account", user=self.user):
            raise forms.ValidationError(
                _("Too many attempts. Try again in a quarter of an hour."), code="rate_limited"
            )
        return super().clean()

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        for authenticator in Authenticator.objects.filter(
            user=self.user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
        ):
            if authenticator.wrap().validate_code(code):
                return code
        raise forms.ValidationError(_("That code is not valid."))


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up, with the same work for an email that already has an account, and the
    person's country and time zone (pre-filled in the browser by static/js/signup.js).

    For a known email allauth only mails "you already have an account", skipping the password
    hash that a new account costs (~0.3 s), so the answer's timing told who uses a health app.
    Hashing the typed password (and dropping the hash) makes both paths do the expensive part.
    """

    field_order = ["email", "password1", "password2", "country", "time_zone"]
    # Country names sorted and translated in the page's language (django-countries).
    country = CountryField(blank=True, blank_label=_("Choose…")).formfield(
        label=_("Country or region"),
        required=False,
        help_text=_("Sets the units your lab reports in and whose upper limits apply."),
        widget=forms.Select(attrs={"data-detect": "country"}),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[("", _("Choose…"))] + TIME_ZONE_CHOICES,
        required=False,
        help_text=_("Reminders arrive at 09:00 in this zone."),
        widget=TimeZoneSelect(attrs={"data-detect": "time-zone"}),
    )

    def custom_signup(self, request, user) -> None:
        """The country's units and upper limits, the zone, the language the page was read in."""
        defaults = region_defaults(self.cleaned_data.get("country") or "")
        user.country = self.cleaned_data.get("country") or ""
        user.time_zone = self.cleaned_data.get("time_zone") or "UTC"
        user.vitd_unit = defaults.vitd_unit
        user.mineral_unit = defaults.mineral_unit
        user.upper_limits = defaults.upper_limits
        user.language = translation.get_supported_language_variant(translation.get_language())
        user.save()
        super().custom_signup(request, user)

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)

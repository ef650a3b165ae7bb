import zoneinfo

from allauth.account import forms as allauth_forms
from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from .models import User

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)

    class Meta:
        model = User
        fields = [
            "time_zone",
            "vitd_unit",
            "mineral_unit",
            "rule_set",
            "reminders_enabled",
            "reminder_lead_days",
            "overdue_followup",
        ]


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
    """allauth's sign-up, with the same work for an email that already has an account.

    For a known email allauth only mails "you already have an account", skipping the password
    hash that a new account costs (~0.3 s), so the answer's timing told who uses a health app.
    Hashing the typed password (and dropping the hash) makes both paths do the expensive part.
    """

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)

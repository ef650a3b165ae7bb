import zoneinfo
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from labs.analytes import ENTERED_UNIT_ANALYTES, RULE_SET_LABELS, SEED_RULE_SET, UNIT_CHOICES
from protocols.rules.limits import AUTHORITIES, DEFAULT_AUTHORITY


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


# The choices are the labs catalog's (labs.analytes): the badges and charts read the same table.
RULE_SET_CHOICES = [(name, _(label)) for name, label in RULE_SET_LABELS.items()]
_UNIT_CHOICE_OF = {code: choice for choice in UNIT_CHOICES for code in choice.analytes}


def _unit_field(name: str) -> models.CharField:
    """The CharField storing one of the person's unit settings (labs.analytes.UNIT_CHOICES)."""
    choice = next(c for c in UNIT_CHOICES if c.field == name)
    return models.CharField(
        _(choice.label),
        max_length=8,
        choices=[(unit, unit) for unit in choice.units],
        default=choice.units[0],
    )


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person using Cofactor. Email is the login; preferences live here (one row, no join)."""

    LEAD_DAY_CHOICES = [(0, _("On the due date")), (3, _("3 days before")), (7, _("7 days before"))]

    username = None
    email = models.EmailField(_("email address"), unique=True)

    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # Empty: follow the browser. Set at sign-up and in settings; pages and emails use it.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    # Where the person lives: sets unit and upper-limit defaults at sign-up (accounts.regions).
    country = CountryField(_("country or region"), blank=True)
    vitd_unit = _unit_field("vitd_unit")
    mineral_unit = _unit_field("mineral_unit")
    rule_set = models.CharField(max_length=16, choices=RULE_SET_CHOICES, default=SEED_RULE_SET)
    # Whose tolerable upper intake levels flag doses and cap the within-limits set
    # (CLINICAL.md §3). Sign-up sets it from the person's country; IOM until then.
    upper_limits = models.CharField(
        _("upper limits"),
        max_length=8,
        choices=list(AUTHORITIES.items()),
        default=DEFAULT_AUTHORITY,
        help_text=_("Whose safe upper limits your plan checks doses against."),
    )
    reminders_enabled = models.BooleanField(_("email me when a retest is due"), default=True)
    reminder_lead_days = models.PositiveSmallIntegerField(
        _("remind me"), choices=LEAD_DAY_CHOICES, default=7
    )
    overdue_followup = models.BooleanField(_("follow up if the retest is overdue"), default=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reminder_lead_days__in=[0, 3, 7]), name="user_lead_days_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def preferred_unit(self, analyte_code: str) -> str | None:
        """The unit this person reads the analyte in, or None for the catalog's canonical unit:
        their setting, or for creatinine, albumin and phosphate the unit they last entered."""
        choice = _UNIT_CHOICE_OF.get(analyte_code)
        if choice:
            return getattr(self, choice.field)
        if analyte_code in ENTERED_UNIT_ANALYTES:
            return self.entered_units().get(analyte_code)
        return None

    def entered_units(self) -> dict[str, str]:
        """The unit this person last entered each of ENTERED_UNIT_ANALYTES in: one query the
        first time, then kept on this instance (one request); `remember_entered_units` spares
        even that where the newest results are loaded anyway."""
        known = self.__dict__.get("_entered_units")
        if known is None:
            row = type(self).objects.filter(pk=self.pk).values(**entered_unit_columns()).first()
            self.remember_entered_units(entered_units_of(row or {}))
            known = self.__dict__["_entered_units"]
        return known

    def remember_entered_units(self, newest: dict[str, str]) -> None:
        """Keep the units of the person's newest result per analyte, read by the caller
        (every analyte's newest: the dashboard, the trends page), for `entered_units`."""
        self.__dict__["_entered_units"] = {
            code: unit for code, unit in newest.items() if code in ENTERED_UNIT_ANALYTES and unit
        }


def entered_unit_columns(user_ref: str = "pk") -> dict[str, Subquery]:
    """Subqueries for the unit of a person's newest result of each ENTERED_UNIT_ANALYTES,
    to annotate any query that has the person (`user_ref`: "pk" on users, "user_id" on rows
    that belong to one), so a batch reads them in the statement it makes anyway."""
    result = apps.get_model("labs", "Result")
    return {
        f"entered_unit_{code}": Subquery(
            result.objects.filter(user_id=OuterRef(user_ref), analyte=code)
            .order_by("-drawn_on", "-id")
            .values("unit")[:1]
        )
        for code in ENTERED_UNIT_ANALYTES
    }


def entered_units_of(row: Any) -> dict[str, str]:
    """The units `entered_unit_columns` read, from a values() dict or an annotated object."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name, None)
    return {code: get(f"entered_unit_{code}") for code in ENTERED_UNIT_ANALYTES}

"""The one set of test builders: factory_boy factories for every row a test needs, and a few
helpers on top of them (a panel with results, a history of draws, a plan due for a retest).

Rows are written straight to the tables: no service runs and no signal refreshes a plan, so a
test says itself when it wants one (labs.services, protocols.services).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from labs.analytes import ANALYTES
from labs.models import LifeEvent, Panel, Result, SymptomEntry
from labs.units import to_canonical
from protocols.models import DoseEmail, DoseLog, Plan, Reminder, SupplementIntake

PASSWORD = "correct-horse-battery-staple"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


# --- labs --------------------------------------------------------------------------------


class PanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panel

    user = factory.SubFactory(UserFactory)
    drawn_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    lab = "Example Lab"


class ResultFactory(factory.django.DjangoModelFactory):
    """A result; its canonical value comes from labs.units, as the services would store it."""

    class Meta:
        model = Result

    panel = factory.SubFactory(PanelFactory)
    user = factory.SelfAttribute("panel.user")
    drawn_on = factory.SelfAttribute("panel.drawn_on")
    analyte = "vitd_25oh"
    value = 32.0
    unit = "ng/mL"
    canonical_value = factory.LazyAttribute(lambda r: to_canonical(r.analyte, r.value, r.unit))


class SymptomEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SymptomEntry

    user = factory.SubFactory(UserFactory)
    recorded_on = factory.LazyFunction(dt.date.today)
    symptom = "fatigue"
    severity = 2


class LifeEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LifeEvent

    user = factory.SubFactory(UserFactory)
    kind = "illness"
    occurred_on = factory.LazyFunction(dt.date.today)


def panel_with(
    user, drawn_on: dt.date, *results: tuple[str, float, str], lab: str = "Example Lab", **values
) -> Panel:
    """A panel holding results, given as (analyte, value, unit) or as analyte=value (in the
    analyte's canonical unit) / analyte=(value, unit)."""
    panel = PanelFactory(user=user, drawn_on=drawn_on, lab=lab)
    for code, spec in values.items():
        value, unit = spec if isinstance(spec, tuple) else (spec, ANALYTES[code].canonical_unit)
        results = (*results, (code, value, unit))
    for analyte, value, unit in results:
        ResultFactory(panel=panel, analyte=analyte, value=value, unit=unit)
    return panel


def add_symptoms(user, entries: Iterable[tuple[dt.date, str, int]]) -> None:
    """Many check-in scores at once, given as (date, symptom, severity)."""
    SymptomEntry.objects.bulk_create(
        SymptomEntry(user=user, recorded_on=on, symptom=symptom, severity=severity)
        for on, symptom, severity in entries
    )


# (analyte, unit as entered, value at the first draw, step per draw)
DEFAULT_MARKERS = (
    ("vitd_25oh", "ng/mL", 18.0, 2.5),
    ("mg_rbc", "mg/dL", 4.1, 0.1),
    ("ca_total", "mg/dL", 9.4, 0.0),
)


def make_history(
    user,
    *,
    panels: int,
    first_on: dt.date = dt.date(2020, 1, 6),
    every_days: int = 7,
    markers: Iterable[tuple[str, str, float, float]] = DEFAULT_MARKERS,
    lab: str = "Quest",
) -> list[Panel]:
    """`panels` draws of every marker, `every_days` apart, values rising by the step; written
    in bulk, like an import, so a test can hold years of history."""
    rows = Panel.objects.bulk_create(
        Panel(user=user, drawn_on=first_on + dt.timedelta(days=every_days * i), lab=lab)
        for i in range(panels)
    )
    results = []
    for i, panel in enumerate(rows):
        for analyte, unit, start, step in markers:
            value = round(start + step * (i % 40), 3)
            results.append(
                Result(
                    panel=panel,
                    user=user,
                    drawn_on=panel.drawn_on,
                    analyte=analyte,
                    value=value,
                    unit=unit,
                    canonical_value=to_canonical(analyte, value, unit),
                )
            )
    Result.objects.bulk_create(results)
    return rows


# --- protocols ---------------------------------------------------------------------------


class IntakeFactory(factory.django.DjangoModelFactory):
    """A supplement the person takes now."""

    class Meta:
        model = SupplementIntake

    user = factory.SubFactory(UserFactory)
    nutrient = "magnesium"
    amount = 400
    unit = "mg"
    since = None


class DoseLogFactory(factory.django.DjangoModelFactory):
    """A day a supplement was logged as taken."""

    class Meta:
        model = DoseLog

    intake = factory.SubFactory(IntakeFactory)
    user = factory.SelfAttribute("intake.user")
    taken_on = factory.LazyFunction(dt.date.today)


class DoseEmailFactory(factory.django.DjangoModelFactory):
    """An opt-in to the daily supplement email."""

    class Meta:
        model = DoseEmail

    user = factory.SubFactory(UserFactory)


def plan_data(*, phase: str = "correction", alerts: list | None = None) -> dict:
    """A stored plan's JSON (PRODUCT.md §4.6) as the engine would write it: two supplements,
    a warning and a stop alert unless `alerts` says otherwise."""
    return {
        "rules_version": "test",
        "as_of": dt.date.today().isoformat(),
        "phase": phase,
        "markers": {},
        "supplements": [
            {
                "nutrient": "vitamin_d3",
                "daily_min": 5000,
                "daily_max": 7000,
                "unit": "IU",
                "schedule": [{"time": "morning", "amount_min": 5000, "amount_max": 7000}],
                "form": "D3 softgel",
                "take_with": "a meal with fat",
                "above_upper_limit": True,
                "rule": "vitd.moderate",
                "sources": [],
            },
            {
                "nutrient": "magnesium",
                "daily_min": 400,
                "daily_max": 600,
                "unit": "mg",
                "schedule": [
                    {"time": "morning", "amount_min": 200, "amount_max": 300},
                    {"time": "evening", "amount_min": 200, "amount_max": 300},
                ],
                "form": "glycinate",
                "take_with": "",
                "above_upper_limit": True,
                "rule": "mg.moderate",
                "sources": [],
            },
        ],
        "retest": None,
        "expected_at_retest": {},
        "response": {},
        "alerts": alerts
        if alerts is not None
        else [
            {"level": "warning", "code": "d_without_k2", "message": "Add K2.", "sources": []},
            {
                "level": "stop",
                "code": "hypercalcemia",
                "message": "Stop vitamin D now.",
                "sources": [],
            },
        ],
    }


class PlanFactory(factory.django.DjangoModelFactory):
    """A stored plan row (not engine output): `data` defaults to plan_data(phase=phase)."""

    class Meta:
        model = Plan

    user = factory.SubFactory(UserFactory)
    as_of = factory.LazyFunction(timezone.localdate)
    rule_set = "seed"
    rules_version = "test"
    phase = "correction"
    retest_due_on = None
    data = factory.LazyAttribute(lambda plan: plan_data(phase=plan.phase))
    inputs = factory.LazyFunction(dict)
    inputs_digest = "x" * 64


def plan_with_retest(
    user, due_on: dt.date | None, tests=("vitd_25oh", "mg_rbc"), reason="correction"
) -> Plan:
    """A stored plan whose only content is its retest (what the reminders read)."""
    retest = None
    if due_on is not None:
        iso = due_on.isoformat()
        retest = {"due_on": iso, "latest_on": iso, "tests": list(tests), "reason": reason}
    return PlanFactory(
        user=user, retest_due_on=due_on, data={"retest": retest}, inputs_digest=f"digest-{due_on}"
    )


class ReminderFactory(factory.django.DjangoModelFactory):
    """An open retest reminder whose first email is due now."""

    class Meta:
        model = Reminder

    user = factory.SubFactory(UserFactory)
    send_at = factory.LazyFunction(timezone.now)
    due_on = factory.LazyFunction(timezone.localdate)
    tests = factory.LazyFunction(lambda: ["vitd_25oh", "mg_rbc"])
    reason = "correction: retest after the last draw"

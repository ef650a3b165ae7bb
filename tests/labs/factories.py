"""Factories for labs rows; results get their canonical value from labs.units."""

import datetime as dt

import factory

from labs.models import LifeEvent, Panel, Result, SymptomEntry
from labs.units import to_canonical
from tests.factories import UserFactory


class PanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panel

    user = factory.SubFactory(UserFactory)
    drawn_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    lab = "Example Lab"


class ResultFactory(factory.django.DjangoModelFactory):
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


def panel_with(user, drawn_on, *results):
    """A panel holding results given as (analyte, value, unit)."""
    panel = PanelFactory(user=user, drawn_on=drawn_on)
    for analyte, value, unit in results:
        ResultFactory(panel=panel, analyte=analyte, value=value, unit=unit)
    return panel

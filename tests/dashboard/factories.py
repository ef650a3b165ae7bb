"""Test data for the dashboard: a person's history, written in bulk like an import would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from labs.models import Panel, Result, SymptomEntry
from labs.units import to_canonical
from protocols.models import Plan, SupplementIntake

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
    """`panels` draws of every marker, `every_days` apart, values rising by the step."""
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


def add_result(user, *, drawn_on: dt.date, analyte: str, value: float, unit: str, lab: str = ""):
    """One panel holding one result."""
    panel = Panel.objects.create(user=user, drawn_on=drawn_on, lab=lab)
    return Result.objects.create(
        panel=panel,
        user=user,
        drawn_on=drawn_on,
        analyte=analyte,
        value=value,
        unit=unit,
        canonical_value=to_canonical(analyte, value, unit),
    )


def add_plan(user, *, data: dict | None = None, phase: str = "correction", retest=None) -> Plan:
    """A stored plan with the §4.6 JSON the engine would have written."""
    data = data if data is not None else plan_data(phase=phase)
    return Plan.objects.create(
        user=user,
        as_of=dt.date.today(),
        rule_set="seed",
        rules_version="test",
        phase=phase,
        retest_due_on=retest,
        data=data,
        inputs={},
        inputs_digest="x" * 64,
    )


def plan_data(*, phase: str = "correction", alerts: list | None = None) -> dict:
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


def add_symptoms(user, entries: Iterable[tuple[dt.date, str, int]]) -> None:
    SymptomEntry.objects.bulk_create(
        SymptomEntry(user=user, recorded_on=on, symptom=symptom, severity=severity)
        for on, symptom, severity in entries
    )


def add_supplement(user, *, nutrient: str, amount: float, unit: str, since: dt.date):
    return SupplementIntake.objects.create(
        user=user, nutrient=nutrient, amount=amount, unit=unit, since=since
    )

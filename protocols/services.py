"""Writes of the protocols app: the person's snapshot, the stored plans, profile and supplements.

The engine (protocols.engine) is pure; this module feeds it from the database and keeps
one Plan row per distinct set of inputs, so the history shows only real changes.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from datetime import time as dt_time
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, F, Value, When, Window
from django.db.models.functions import RowNumber

from accounts.dates import person_today
from labs.analytes import ANALYTES, SEED_RULE_SET
from labs.models import LifeEvent, SymptomEntry
from labs.selectors import newest_results
from labs.signals import data_changed
from protocols.adherence import MARKER_OF_NUTRIENT, can_log, judged_rates
from protocols.engine import Intake, Measurement, Snapshot, compute_plan
from protocols.engine import Plan as EnginePlan
from protocols.engine.snapshot import PREVIOUS_SYMPTOM_WINDOW_DAYS, SYMPTOM_WINDOW_DAYS
from protocols.models import DoseLog, HealthProfile, Plan, SupplementIntake
from protocols.rules import RULE_SETS
from protocols.selectors import intake_logs
from protocols.signals import plan_created

ADULT_AGE = 18


# --- dates -------------------------------------------------------------------------------


def is_minor(birth_year: int | None, as_of: date) -> bool:
    """Under 18 for sure: without the birthday we only know the year, so a person who turns
    18 this year counts as an adult (the safe side is the explicit under_18 flag)."""
    return birth_year is not None and as_of.year - birth_year < ADULT_AGE


# --- snapshot ----------------------------------------------------------------------------


def _result_series(user, as_of: date) -> dict[str, list[Measurement]]:
    """Latest and previous draw per analyte, one query whatever the history length.

    Of two results of one date only the later-entered one counts (as on every page); three
    are read so that a previous, earlier draw is still found behind such a pair.
    """
    rows = newest_results(user=user, per_analyte=3, as_of=as_of).values_list(
        "analyte",
        "canonical_value",
        "drawn_on",
        "qualifier",
        "ref_high_canonical",
        "ref_low_canonical",
    )
    series: dict[str, list[Measurement]] = defaultdict(list)
    for code, value, drawn_on, qualifier, lab_high, lab_low in rows:  # newest first
        analyte = ANALYTES.get(code)
        seen = series[code]
        if analyte is not None and len(seen) < 2 and all(m.drawn_on != drawn_on for m in seen):
            unit = analyte.canonical_unit
            seen.append(Measurement(value, unit, drawn_on, qualifier, lab_high, lab_low))
    return {code: items[::-1] for code, items in series.items() if items}


def _symptom_windows(user, as_of: date) -> tuple[dict[str, int], dict[str, int]]:
    """The latest severity of each symptom in the last 30 days, and in the 30-90 days
    before that (the baseline for 'worsening'), read in one query."""
    recent_since = as_of - timedelta(days=SYMPTOM_WINDOW_DAYS)
    since = as_of - timedelta(days=PREVIOUS_SYMPTOM_WINDOW_DAYS)
    recent = Case(When(recorded_on__gt=recent_since, then=Value(True)), default=Value(False))
    rows = (
        SymptomEntry.objects.filter(user=user, recorded_on__gt=since, recorded_on__lte=as_of)
        .annotate(
            recent=recent,
            rank=Window(
                RowNumber(),
                partition_by=[F("symptom"), recent],
                order_by=[F("recorded_on").desc(), F("id").desc()],
            ),
        )
        .filter(rank=1)
        .values_list("symptom", "severity", "recent")
    )
    now: dict[str, int] = {}
    before: dict[str, int] = {}
    for symptom, severity, is_recent in sorted(rows):
        (now if is_recent else before)[symptom] = severity
    return now, before


def _judged_draws(results: dict[str, list[Measurement]]) -> dict[str, tuple[date, date]]:
    """marker -> (previous, latest) draw date of the markers whose response is judged."""
    return {
        code: (series[-2].drawn_on, series[-1].drawn_on)
        for code, series in results.items()
        if code in MARKER_OF_NUTRIENT.values() and len(series) >= 2
    }


def snapshot_for_user(user, *, as_of: date | None = None) -> Snapshot:
    """Everything the engine needs about one person, read in five queries.

    Adherence is the share of days each supplement was logged between the previous and the
    latest draw of its marker: the time whose response the plan judges (protocols.adherence).
    """
    as_of = as_of or person_today(user)
    profile = HealthProfile.objects.filter(user=user).first()
    flags = set(profile.flags or []) if profile else set()
    if profile and is_minor(profile.birth_year, as_of):
        flags.add("under_18")
    results = _result_series(user, as_of)
    draws = _judged_draws(results)
    # No judged period: read no log days (the supplements only).
    days_from = min((previous for previous, _latest in draws.values()), default=as_of)
    logs = intake_logs(user=user, days_from=days_from if draws else as_of + timedelta(days=1))
    taking = [Intake(log.nutrient, log.amount, log.unit, log.since) for log in logs]
    events = LifeEvent.objects.filter(user=user, occurred_on__lte=as_of).order_by(
        "occurred_on", "kind"
    )
    symptoms, previous_symptoms = _symptom_windows(user, as_of)
    return Snapshot(
        as_of=as_of,
        results=results,
        symptoms=symptoms,
        previous_symptoms=previous_symptoms,
        taking=tuple(taking),
        flags=frozenset(flags),
        goal=(profile.goal or None) if profile else None,
        life_events=tuple(events.values_list("kind", "occurred_on")),
        rules=user.rule_set or SEED_RULE_SET,
        limits=user.upper_limits or "iom",
        adherence=judged_rates([log.logged for log in logs], draws),
    )


def snapshot_to_dict(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot as plain JSON (dates as ISO strings, stable ordering)."""
    return {
        "as_of": snapshot.as_of.isoformat(),
        "results": {
            code: [
                # A censored result's qualifier only when it has one: exact results keep
                # the digest of plans made before qualifiers existed.
                {"value": m.value, "unit": m.unit, "drawn_on": m.drawn_on.isoformat()}
                | ({"qualifier": m.qualifier} if m.qualifier else {})
                | ({"lab_high": m.lab_high} if m.lab_high is not None else {})
                | ({"lab_low": m.lab_low} if m.lab_low is not None else {})
                for m in sorted(series, key=lambda m: (m.drawn_on, m.value))
            ]
            for code, series in sorted(snapshot.results.items())
        },
        "symptoms": dict(sorted(snapshot.symptoms.items())),
        # Only when there is one, so the digest of plans made before this input existed
        # (and of everyone without an earlier check-in) stays the same.
        **(
            {"previous_symptoms": dict(sorted(snapshot.previous_symptoms.items()))}
            if snapshot.previous_symptoms
            else {}
        ),
        "taking": [
            {
                "nutrient": i.nutrient,
                "amount": i.amount,
                "unit": i.unit,
                **({"since": i.since.isoformat()} if i.since else {}),
            }
            for i in sorted(snapshot.taking, key=lambda i: (i.nutrient, i.unit, i.amount))
        ],
        "flags": sorted(snapshot.flags),
        "goal": snapshot.goal,
        "life_events": [[kind, when.isoformat()] for kind, when in sorted(snapshot.life_events)],
        "rules": snapshot.rules,
        "limits": snapshot.limits,
        # Only when logged, so plans of people who log nothing keep their digest.
        **({"adherence": dict(sorted(snapshot.adherence.items()))} if snapshot.adherence else {}),
    }


def inputs_digest(inputs: dict[str, Any], *, rules_version: str) -> str:
    """sha256 of the canonical inputs JSON, without the date they were read on.

    The day alone does not make a new plan: a stored plan whose inputs are unchanged is
    moved to the new day in place (see plan_refresh); a new rules version does.
    """
    canonical = {k: v for k, v in inputs.items() if k != "as_of"}
    canonical["rules_version"] = rules_version
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


# --- plans -------------------------------------------------------------------------------


def _plan_fields(result: EnginePlan, inputs: dict[str, Any], digest: str) -> dict[str, Any]:
    return {
        "as_of": result.as_of,
        "rule_set": result.rule_set,
        "rules_version": result.rules_version,
        "phase": result.phase,
        "retest_due_on": result.retest.due_on if result.retest else None,
        "data": result.to_dict(),
        "inputs": inputs,
        "inputs_digest": digest,
    }


def plan_refresh(user, *, as_of: date | None = None) -> Plan:
    """Compute the person's plan and store it when its inputs changed.

    A new Plan row is stored (and protocols.signals.plan_created sent, inside the same
    transaction) only when the inputs digest differs from the latest plan's. When only the
    day moved on, the latest row is brought to the new day in place: nothing a person could
    act on changed, so the history stays free of empty entries.
    """
    snapshot = snapshot_for_user(user, as_of=as_of)
    if snapshot.rules not in RULE_SETS:  # a stale setting must not break the plan page
        snapshot = replace(snapshot, rules=SEED_RULE_SET)
    result = compute_plan(snapshot)
    inputs = snapshot_to_dict(snapshot)
    digest = inputs_digest(inputs, rules_version=result.rules_version)
    fields = _plan_fields(result, inputs, digest)
    with transaction.atomic():
        # Serialise refreshes of one person (a no-op on SQLite, a row lock on PostgreSQL).
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        previous = Plan.objects.filter(user=user).order_by("-created_at", "-id").first()
        if previous is not None and previous.inputs_digest == digest:
            if previous.as_of != result.as_of:
                for name, value in fields.items():
                    setattr(previous, name, value)
                previous.save(update_fields=list(fields))
            return previous
        plan = Plan.objects.create(user=user, **fields)
        plan_created.send(sender=Plan, plan=plan, previous=previous)
    return plan


def _plan_authority(plan: Plan) -> str:
    """Whose upper limits a stored plan used (plans from before the choice used the IOM's)."""
    return (plan.data.get("upper_limits") or {}).get("authority") or "iom"


def plan_refresh_if_stale(user, *, with_inputs: bool = True) -> Plan:
    """The person's latest plan, recomputed (and stored) when there is none or it is stale.

    It may write: pages that only read use dashboard.selectors.latest_plan. Without
    `with_inputs` the snapshot is left unread (years of results: most of the row's bytes).

    One query on the usual path (the latest row); the recompute runs at most once a day
    per person, when the rules changed (a new release or another rule set), or after a
    change of their data (receivers refresh on every write).
    """
    rows = Plan.objects.filter(user=user).order_by("-created_at", "-id")
    latest = (rows if with_inputs else rows.defer("inputs")).first()
    rules = RULE_SETS.get(user.rule_set)
    stale_rules = rules is not None and latest is not None and latest.rules_version != rules.version
    stale_limits = latest is not None and _plan_authority(latest) != (user.upper_limits or "iom")
    if latest is None or latest.as_of < person_today(user) or stale_rules or stale_limits:
        return plan_refresh(user)
    return latest


# --- scheduling refreshes after writes ---------------------------------------------------

_local = threading.local()


def _pending() -> dict[tuple[str, int], Callable[[], None]]:
    if not hasattr(_local, "pending"):
        _local.pending = {}
    return _local.pending


def _refresh_by_id(user_id: int) -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:  # the account may have been deleted in the same transaction
        plan_refresh(user)


def plan_refresh_on_commit(*, user_id: int, using: str = "default") -> None:
    """Refresh the person's plan once the current transaction commits, at most once.

    Several writes in one transaction (a profile and three supplements saved together)
    schedule one refresh. The pending hook is looked up in the connection's own list, so
    a rolled-back transaction (which drops its hooks) never blocks a later refresh.
    """
    connection = transaction.get_connection(using)
    key = (using, user_id)
    hook = _pending().get(key)
    if connection.in_atomic_block and any(
        func is hook for _sids, func, _robust in connection.run_on_commit
    ):
        return

    def refresh() -> None:
        _pending().pop(key, None)
        _refresh_by_id(user_id)

    _pending()[key] = refresh
    transaction.on_commit(refresh, using=using)


# --- profile and supplements -------------------------------------------------------------


def health_profile_for(user) -> HealthProfile:
    """The person's profile row, unsaved and empty when they never filled it in."""
    return HealthProfile.objects.filter(user=user).first() or HealthProfile(user=user)


def health_profile_update(*, user, **values: Any) -> HealthProfile:
    """Create or update the person's health profile with the given field values."""
    profile, _created = HealthProfile.objects.update_or_create(user=user, defaults=values)
    return profile


def supplement_create(
    *,
    user,
    nutrient: str,
    amount: float,
    unit: str,
    form: str = "",
    since: date | None = None,
    take_at: dt_time | None = None,
) -> SupplementIntake:
    """Record a supplement the person takes now (one row per nutrient)."""
    return SupplementIntake.objects.create(
        user=user,
        nutrient=nutrient,
        amount=amount,
        unit=unit,
        form=form,
        since=since,
        take_at=take_at,
    )


def supplement_update(*, intake: SupplementIntake, **values: Any) -> SupplementIntake:
    """Change a recorded supplement's fields."""
    for name, value in values.items():
        setattr(intake, name, value)
    intake.save()
    return intake


def supplement_delete(*, intake: SupplementIntake) -> None:
    """Forget a supplement the person no longer takes."""
    intake.delete()


# --- adherence ---------------------------------------------------------------------------


class DoseDayRefused(ValueError):
    """A day that cannot be logged: before the last week, in the future, or before the
    supplement was started (protocols.adherence.can_log)."""


def dose_set(*, user, intake: SupplementIntake, day: date, taken: bool, today: date) -> bool:
    """Mark the person's supplement as taken (or not) on `day`; returns whether it is taken.

    Only the days protocols.adherence.can_log allows; sends data_changed ("doses") so the
    dashboard's cache and the plan (which reads adherence) follow.
    """
    if not can_log(day, today=today, started_on=intake.since):
        raise DoseDayRefused(day)
    if taken:
        DoseLog.objects.bulk_create(
            [DoseLog(user=user, intake=intake, taken_on=day)], ignore_conflicts=True
        )
    else:
        DoseLog.objects.filter(intake=intake, taken_on=day).delete()
    data_changed.send(sender=DoseLog, user=user, kind="doses")
    return taken

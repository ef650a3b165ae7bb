"""Seed a database for `make bench`: many realistic accounts, bulk-inserted, reproducible.

    manage.py seed_bench --users 1000 --years 5 --heavy 500

Every account has panels every one to three months over `--years` (4–6 results each,
values drifting towards the target), a weekly symptom check-in, one or two supplements
with their start dates, a stored plan for each panel (the newest one computed by the
engine, which also schedules the retest reminder) — except the heavy person, who has
`--heavy` weekly panels. Two accounts can log in (password `BENCH_PASSWORD`):
typical@bench.example (an account like the others) and heavy@bench.example.

Rows go in with bulk_create in batches; the random generator has a fixed seed, so two
runs on two databases hold the same data. Existing @bench.example accounts are removed first.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from contextlib import contextmanager

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from labs.analytes import ANALYTES
from labs.models import Panel, Result, SymptomEntry
from protocols.models import Plan, SupplementIntake
from protocols.services import plan_refresh

BENCH_DOMAIN = "bench.example"
BENCH_PASSWORD = "bench-password-15"  # noqa: S105 — a throw-away benchmark database
TYPICAL_EMAIL = f"typical@{BENCH_DOMAIN}"
HEAVY_EMAIL = f"heavy@{BENCH_DOMAIN}"
BATCH = 5000
LABS = ("Quest", "Labcorp", "Synlab", "City Hospital", "")
# (code, start, target, noise) in the canonical unit; the first always in a panel.
MARKERS = (
    ("vitd_25oh", 18.0, 48.0, 4.0),
    ("mg_rbc", 4.4, 5.9, 0.25),
    ("ca_total", 9.4, 9.5, 0.25),
    ("pth_intact", 62.0, 38.0, 5.0),
    ("mg_serum", 1.9, 2.1, 0.1),
    ("albumin", 4.3, 4.3, 0.2),
    ("phosphate", 3.5, 3.5, 0.3),
    ("creatinine", 0.9, 0.9, 0.08),
)
SYMPTOMS = ("muscle_cramps", "fatigue", "insomnia", "anxiety", "headaches", "low_mood")


class Command(BaseCommand):
    help = "Seed realistic benchmark accounts (bulk-inserted, fixed random seed)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=1000)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--heavy", type=int, default=500, help="the heavy person's panels")
        parser.add_argument("--seed", type=int, default=15)

    def handle(self, *, users, years, heavy, seed, **options):
        rng = random.Random(seed)
        today = timezone.localdate()
        with self._step("removing old bench accounts"):
            get_user_model().objects.filter(email__endswith=f"@{BENCH_DOMAIN}").delete()
        with self._step(f"{users} accounts"), transaction.atomic():
            people = self._accounts(users)
        with self._step("panels, results, symptoms, supplements, plan history"):
            counts = {"panels": 0, "results": 0, "symptoms": 0, "plans": 0}
            for first in range(0, len(people), 100):
                with transaction.atomic():
                    self._history(people[first : first + 100], rng, today, years, heavy, counts)
        with self._step("the newest plan of each account (engine, reminders)"):
            for person in people:
                plan_refresh(person)
        self.stdout.write(
            f"seeded {len(people)} accounts, {counts['panels']} panels, "
            f"{counts['results']} results, {counts['symptoms']} symptom check-ins, "
            f"{counts['plans']} stored plans; log in as {TYPICAL_EMAIL} or {HEAVY_EMAIL} "
            f"with password {BENCH_PASSWORD}"
        )

    @contextmanager
    def _step(self, what: str):
        started = time.perf_counter()
        yield
        self.stdout.write(f"  {what}: {time.perf_counter() - started:.1f} s")

    def _accounts(self, count: int) -> list:
        User = get_user_model()
        password = make_password(BENCH_PASSWORD)  # hashed once: PBKDF2 is slow on purpose
        emails = [TYPICAL_EMAIL, HEAVY_EMAIL] + [
            f"person{n}@{BENCH_DOMAIN}" for n in range(max(0, count - 2))
        ]
        people = User.objects.bulk_create(
            [User(email=email, password=password) for email in emails], batch_size=BATCH
        )
        if people[0].pk is None:  # backends that do not return ids from a bulk insert
            people = list(User.objects.filter(email__in=emails).order_by("id"))
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=p, email=p.email, verified=True, primary=True) for p in people],
            batch_size=BATCH,
        )
        return people

    def _history(self, people, rng, today, years, heavy, counts) -> None:
        panels, draws, symptoms, intakes, plans = [], [], [], [], []
        for person in people:
            heavy_person = person.email == HEAVY_EMAIL
            dates = _panel_dates(rng, today, years, heavy if heavy_person else 0)
            for index, drawn_on in enumerate(dates):
                panel = Panel(user=person, drawn_on=drawn_on, lab=rng.choice(LABS))
                panels.append(panel)
                draws.append((panel, _values(rng, index / max(1, len(dates) - 1))))
            symptoms += _check_ins(rng, person, today, years)
            intakes += _supplements(rng, person, dates[0])
            plans += [_old_plan(person, on, i, len(dates)) for i, on in enumerate(dates[:-1])]
        Panel.objects.bulk_create(panels, batch_size=BATCH)
        results = [
            Result(
                panel=panel,
                user_id=panel.user_id,
                drawn_on=panel.drawn_on,
                analyte=code,
                value=value,
                unit=unit,
                canonical_value=value,
            )
            for panel, values in draws
            for code, value, unit in values
        ]
        Result.objects.bulk_create(results, batch_size=BATCH)
        SymptomEntry.objects.bulk_create(symptoms, batch_size=BATCH)
        SupplementIntake.objects.bulk_create(intakes, batch_size=BATCH)
        _bulk_create_dated(plans)
        counts["panels"] += len(panels)
        counts["results"] += len(results)
        counts["symptoms"] += len(symptoms)
        counts["plans"] += len(plans) + len(people)


def _panel_dates(rng, today, years: int, weekly: int) -> list[dt.date]:
    """Monthly to quarterly draws over `years`, or `weekly` draws a week apart; oldest first."""
    if weekly:
        return [today - dt.timedelta(weeks=n) for n in range(weekly - 1, -1, -1)]
    dates, on = [], today - dt.timedelta(days=rng.randint(0, 20))
    first = today - dt.timedelta(days=365 * years)
    while on >= first:
        dates.append(on)
        on -= dt.timedelta(days=rng.randint(30, 92))
    return dates[::-1]


def _values(rng, progress: float) -> list[tuple[str, float, str]]:
    """4–6 results: 25(OH)D always, the rest picked; each drifts from start to target."""
    chosen = [MARKERS[0], *rng.sample(MARKERS[1:], rng.randint(3, 5))]
    values = []
    for code, start, target, noise in chosen:
        unit = ANALYTES[code].canonical_unit
        value = max(0.1, start + (target - start) * progress + rng.gauss(0, noise))
        values.append((code, round(value, 2), unit))
    return values


def _check_ins(rng, person, today, years: int) -> list[SymptomEntry]:
    """One check-in a week: two symptoms scored 0–3."""
    entries = []
    for week in range(52 * years):
        on = today - dt.timedelta(weeks=week)
        for symptom in rng.sample(SYMPTOMS, 2):
            entries.append(
                SymptomEntry(
                    user=person, recorded_on=on, symptom=symptom, severity=rng.randint(0, 3)
                )
            )
    return entries


def _supplements(rng, person, first_panel: dt.date) -> list[SupplementIntake]:
    """Vitamin D from soon after the first panel; magnesium for about half of the people."""
    started = first_panel + dt.timedelta(days=rng.randint(3, 30))
    intakes = [
        SupplementIntake(
            user=person,
            nutrient="vitamin_d3",
            amount=rng.choice((2000, 4000, 5000)),
            unit="IU",
            since=started,
        )
    ]
    if rng.random() < 0.5:
        intakes.append(
            SupplementIntake(
                user=person,
                nutrient="magnesium",
                amount=rng.choice((200, 300, 400)),
                unit="mg",
                since=started + dt.timedelta(days=rng.randint(30, 400)),
            )
        )
    return intakes


def _old_plan(person, on: dt.date, index: int, total: int) -> Plan:
    """A plan stored after an older panel: correction for the first third, then maintenance.

    Older plans keep a small `data` (the plan history lists them) and no inputs snapshot.
    """
    phase = "correction" if index < total // 3 else "maintenance"
    created = dt.datetime.combine(on, dt.time(9), tzinfo=dt.UTC)
    return Plan(
        user=person,
        created_at=created,
        as_of=on,
        rule_set="seed",
        rules_version="bench",
        phase=phase,
        retest_due_on=on + dt.timedelta(weeks=12),
        data={"phase": phase, "supplements": [], "alerts": []},
        inputs={},
        inputs_digest=f"bench-{index}",
    )


def _bulk_create_dated(plans: list[Plan]) -> None:
    """bulk_create keeping each plan's own created_at (auto_now_add would stamp now)."""
    field = Plan._meta.get_field("created_at")
    field.auto_now_add = False
    try:
        Plan.objects.bulk_create(plans, batch_size=BATCH)
    finally:
        field.auto_now_add = True

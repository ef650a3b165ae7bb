"""A what-if plan from the command line; nothing is read from or written to the database.

    python manage.py plan --result vitd_25oh=22:ng/mL@2026-03-02 --result mg_rbc=4.2:mg/dL \\
        --taking vitamin_d3=5000:IU@2025-09-01 --symptom muscle_cramps=2@2026-03-01 \\
        --life-event pregnancy@2026-01-10 --flag kidney_disease --limits efsa \\
        --adherence vitamin_d3=0.6 --as-of 2026-03-05 --json

Every option but --as-of, --goal, --rules, --limits and --json may be repeated: several
results of one analyte (on different dates) are its history, several dated symptom reports
give the earlier check-in that tells whether symptoms are getting worse.

Bad input exits non-zero with one line on stderr (CommandError), never a traceback.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from labs import validation
from labs.analytes import SEED_RULE_SET
from labs.symptoms import LIFE_EVENTS, SYMPTOMS
from labs.units import UnknownAnalyte, UnknownUnit, get_analyte, normalize_unit, to_canonical
from protocols.engine import Intake, Measurement, Snapshot, UnknownRuleSet, compute_plan
from protocols.engine.snapshot import symptom_windows
from protocols.forms import check_dose
from protocols.models import GOAL_CHOICES, PROFILE_FLAG_CHOICES
from protocols.presenters import PlanPresentation, present_plan
from protocols.rules import AUTHORITIES, DEFAULT_AUTHORITY, NUTRIENTS, RULE_SETS

RESULT_RE = re.compile(r"^(?P<code>[^=]+)=(?P<value>[^:]+):(?P<unit>[^@]+)(?:@(?P<day>.+))?$")
TAKING_RE = re.compile(r"^(?P<nutrient>[^=]+)=(?P<amount>[^:]+):(?P<unit>[^@]+)(?:@(?P<day>.+))?$")
SYMPTOM_RE = re.compile(r"^(?P<code>[^=]+)=(?P<severity>[^@]+)(?:@(?P<day>.+))?$")
ADHERENCE_RE = re.compile(r"^(?P<nutrient>[^=]+)=(?P<rate>.+)$")
EVENT_RE = re.compile(r"^(?P<kind>[^@]+)@(?P<day>.+)$")
DOSE_UNITS = {"iu": "IU", "mg": "mg", "mcg": "mcg", "ug": "mcg", "µg": "mcg", "μg": "mcg"}
MCG_TO_IU = 40  # vitamin D: 1 mcg = 40 IU (CLINICAL.md §1)


def _number(text: str, what: str) -> float:
    try:
        return float(validation.parse_decimal(text))
    except validation.LabValueError as exc:
        raise CommandError(f"{what}: {exc}") from None


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from None


def parse_result(text: str, as_of: date) -> tuple[str, Measurement]:
    """'vitd_25oh=22:ng/mL@2026-03-02' → (code, Measurement in the canonical unit)."""
    match = RESULT_RE.match(text.strip())
    if not match:
        raise CommandError(f"--result {text!r}: expected CODE=VALUE:UNIT[@YYYY-MM-DD]")
    code = match["code"].strip()
    try:
        analyte = get_analyte(code)
        unit = normalize_unit(match["unit"])
        to_canonical(code, 1, unit)  # UnknownUnit when the analyte does not take it
    except (UnknownAnalyte, UnknownUnit) as exc:
        raise CommandError(f"--result {text!r}: {exc}") from None
    value_text = match["value"]
    confirmed = value_text.rstrip().endswith("!")  # "2.2!" keeps an unusual value as typed
    try:  # the one lab-value reader every input uses (labs.validation)
        value = validation.parse_lab_value(
            analyte, value_text.rstrip().rstrip("!"), unit, unit_confirmed=confirmed
        )
    except validation.UnusualUnit as exc:
        question = str(exc).split(" Tick ")[0]
        message = f"{question} Write it as {value_text.strip()}! to keep it as typed."
        raise CommandError(f"--result {code}: {message}") from None
    except validation.LabValueError as exc:
        raise CommandError(f"--result {code}: {exc}") from None
    drawn_on = _day(match["day"], f"--result {code}") if match["day"] else as_of
    if drawn_on > as_of:
        raise CommandError(f"--result {code}: drawn on {drawn_on}, after --as-of {as_of}")
    measurement = Measurement(
        value.canonical_value, analyte.canonical_unit, drawn_on, value.qualifier
    )
    return code, measurement


def parse_taking(text: str, as_of: date) -> Intake:
    """'vitamin_d3=5000:IU@2025-09-01' → Intake (mcg of vitamin D is turned into IU)."""
    match = TAKING_RE.match(text.strip())
    if not match:
        raise CommandError(f"--taking {text!r}: expected NUTRIENT=AMOUNT:UNIT[@SINCE]")
    nutrient = match["nutrient"].strip()
    if nutrient not in NUTRIENTS:
        raise CommandError(f"--taking: unknown nutrient {nutrient!r}; use {', '.join(NUTRIENTS)}")
    amount = _number(match["amount"], f"--taking {nutrient}")
    unit = DOSE_UNITS.get(match["unit"].strip().lower())
    if unit is None:
        raise CommandError(f"--taking {nutrient}: unknown unit {match['unit']!r}")
    if nutrient == "vitamin_d3" and unit == "mcg":
        amount, unit = amount * MCG_TO_IU, "IU"
    problem = check_dose(nutrient, amount, unit)
    if problem:
        raise CommandError(f"--taking {nutrient}: {problem}")
    since = _day(match["day"], f"--taking {nutrient}") if match["day"] else None
    if since is not None and since > as_of:
        raise CommandError(f"--taking {nutrient}: since {since}, after --as-of {as_of}")
    return Intake(nutrient, amount, unit, since)


def parse_symptom(text: str, as_of: date) -> tuple[str, int, date]:
    """'muscle_cramps=2@2026-03-01' → (code, severity, day); no date means --as-of."""
    match = SYMPTOM_RE.match(text.strip())
    if not match:
        raise CommandError(f"--symptom {text!r}: expected CODE=SEVERITY[@YYYY-MM-DD] (0-3)")
    code = match["code"].strip()
    if code not in SYMPTOMS:
        raise CommandError(f"--symptom: unknown symptom {code!r}; use {', '.join(SYMPTOMS)}")
    severity = match["severity"].strip()
    if severity not in {"0", "1", "2", "3"}:
        raise CommandError(f"--symptom {code}: severity must be 0, 1, 2 or 3, not {severity!r}")
    day = _day(match["day"], f"--symptom {code}") if match["day"] else as_of
    if day > as_of:
        raise CommandError(f"--symptom {code}: reported on {day}, after --as-of {as_of}")
    return code, int(severity), day


def parse_event(text: str, as_of: date) -> tuple[str, date]:
    match = EVENT_RE.match(text.strip())
    if not match or match["kind"].strip() not in LIFE_EVENTS:
        raise CommandError(
            f"--life-event {text!r}: expected KIND@YYYY-MM-DD, KIND in {', '.join(LIFE_EVENTS)}"
        )
    kind, day = match["kind"].strip(), _day(match["day"], "--life-event")
    if day > as_of:
        raise CommandError(f"--life-event {kind}: on {day}, after --as-of {as_of}")
    return kind, day


def parse_adherence(texts: list[str]) -> dict[str, float]:
    """['magnesium=0.6'] → {'magnesium': 0.6}: the share of days the dose was taken (0..1)."""
    rates: dict[str, float] = {}
    for text in texts:
        match = ADHERENCE_RE.match(text.strip())
        if not match:
            raise CommandError(f"--adherence {text!r}: expected NUTRIENT=RATE (0 to 1)")
        nutrient = match["nutrient"].strip()
        if nutrient not in NUTRIENTS:
            known = ", ".join(NUTRIENTS)
            raise CommandError(f"--adherence: unknown nutrient {nutrient!r}; use {known}")
        if nutrient in rates:
            raise CommandError(f"--adherence {nutrient}: given twice")
        rate = _number(match["rate"], f"--adherence {nutrient}")
        if not 0 <= rate <= 1:
            raise CommandError(f"--adherence {nutrient}: {rate:g} is not a rate from 0 to 1")
        rates[nutrient] = rate
    return rates


def _choice(value: str | None, choices: list[str], option: str) -> str | None:
    if value is not None and value not in choices:
        raise CommandError(f"{option}: unknown value {value!r}; use {', '.join(choices)}")
    return value


def build_snapshot(options: dict) -> Snapshot:
    """The command's options as an engine Snapshot; CommandError on any bad value."""
    as_of = _day(options["as_of"], "--as-of") if options["as_of"] else date.today()
    results: dict[str, list[Measurement]] = defaultdict(list)
    for text in options["result"]:
        code, measurement = parse_result(text, as_of)
        if any(m.drawn_on == measurement.drawn_on for m in results[code]):
            raise CommandError(
                f"--result {code}: two results drawn on {measurement.drawn_on}; "
                "give one value per analyte and draw date"
            )
        results[code].append(measurement)
    flag_codes = [code for code, _label in PROFILE_FLAG_CHOICES]
    reports = [parse_symptom(t, as_of) for t in options["symptom"]]
    if len({(code, day) for code, _sev, day in reports}) < len(reports):
        raise CommandError("--symptom: one severity per symptom and day")
    symptoms, previous = symptom_windows(reports, as_of)
    return Snapshot(
        as_of=as_of,
        results=dict(results),
        symptoms=symptoms,
        previous_symptoms=previous,
        taking=tuple(parse_taking(t, as_of) for t in options["taking"]),
        flags=frozenset(_choice(f, flag_codes, "--flag") for f in options["flag"]),
        goal=_choice(options["goal"], [code for code, _label in GOAL_CHOICES], "--goal"),
        life_events=tuple(parse_event(t, as_of) for t in options["life_event"]),
        rules=_choice(options["rules"], list(RULE_SETS), "--rules") or SEED_RULE_SET,
        limits=_choice(options["limits"], list(AUTHORITIES), "--limits") or DEFAULT_AUTHORITY,
        adherence=parse_adherence(options.get("adherence") or []),
    )


def render_text(pv: PlanPresentation, data: dict) -> str:
    """The plan as plain text for a terminal (codes kept in brackets: this is a tool)."""
    phase_reason = data.get("phase_reason") or pv.phase_reason
    out = [f"Plan as of {pv.as_of}: phase {pv.phase} ({pv.phase_label})", phase_reason]
    alerts = [*pv.halting, *pv.warnings, *pv.notes]
    if alerts:
        out.append("\nAlerts:")
        out += [f"  [{a.level.upper()}] {a.code}: {a.message}" for a in alerts]
    if pv.stopped:
        out.append("\nStop or pause:")
        out += [f"  {line.label}: {line.why.reason}" for line in pv.stopped]
    out.append("\nRoutine:")
    limits = {line.nutrient: line for line in pv.lines if line.limit}
    flagged: set[str] = set()  # the daily total is flagged once, not each half of a split
    for _time, label, doses in pv.routine:
        for dose in doses:
            line = None if dose.nutrient in flagged else limits.get(dose.nutrient)
            flagged.add(dose.nutrient)
            flag = (
                f" [daily total {line.daily} is above the upper limit of {line.limit} - "
                "only under medical supervision]"
                if line
                else ""
            )
            out.append(
                f"  {label}: {dose.label} {dose.amount}{flag} ({dose.form}; {dose.take_with})"
            )
    if not pv.routine:
        out.append("  nothing recommended")
    if pv.lines:
        out.append("\nWhy:")
        out += [
            f"  {line.label} [{', '.join(line.why.rules)}]: {line.why.reason}" for line in pv.lines
        ]
    if pv.retest:
        out.append(
            f"\nRetest: due {pv.retest.due_text}, at the latest {pv.retest.latest_text}; "
            f"ask for {', '.join(pv.retest.tests)} ({pv.retest.why.reason})"
        )
    if pv.expected:
        by = f"Expected by {pv.expected_on_text}" if pv.expected_on else "Expected at retest"
        out.append(f"{by}: " + "; ".join(f"{k} {v}" for k, v in pv.expected))
    limits_used = (data.get("upper_limits") or {}).get("label", "")
    out.append(f"\nRule set {pv.rule_set}, rules version {pv.rules_version}.")
    if limits_used:
        out.append(f"Upper limits: {limits_used}.")
    out.append(data.get("disclaimer", ""))
    return "\n".join(out)


class Command(BaseCommand):
    help = "Compute a what-if supplement plan from values given on the command line."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message: str):
            # argparse prints its usage as well; one line is the contract (PRODUCT.md §4.6).
            if getattr(parser, "called_from_command_line", False):
                sys.stderr.write(f"Error: {message}\n")
                sys.exit(2)
            raise CommandError(f"Error: {message}")

        parser.error = one_line_error
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "--result", action="append", default=[], metavar="CODE=VALUE:UNIT[@DATE]"
        )
        parser.add_argument(
            "--taking", action="append", default=[], metavar="NUTRIENT=AMOUNT:UNIT[@SINCE]"
        )
        parser.add_argument(
            "--symptom", action="append", default=[], metavar="CODE=SEVERITY[@DATE]"
        )
        parser.add_argument("--flag", action="append", default=[], metavar="FLAG")
        parser.add_argument("--life-event", action="append", default=[], metavar="KIND@DATE")
        parser.add_argument(
            "--adherence",
            action="append",
            default=[],
            metavar="NUTRIENT=RATE",
            help="share of days the nutrient was taken, 0 to 1 (e.g. magnesium=0.6)",
        )
        parser.add_argument("--goal", metavar="GOAL")
        parser.add_argument("--rules", metavar="NAME", help="seed (default) or within-limits")
        parser.add_argument(
            "--limits", metavar="iom|efsa", help="whose upper limits apply (default: iom)"
        )
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="default: today")
        parser.add_argument("--json", action="store_true", help="print the plan JSON")

    def handle(self, *args, **options):
        snapshot = build_snapshot(options)
        try:
            result = compute_plan(snapshot)
        except UnknownRuleSet as exc:  # guarded above; kept so a new set never tracebacks
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            data = result.to_dict()
            pv = present_plan(data, {"flags": sorted(snapshot.flags)})
            self.stdout.write(render_text(pv, data))

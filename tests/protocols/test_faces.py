"""The three faces of a plan agree: the plan page, /plan.json and `manage.py plan`.

Same inputs (stored for a person, typed on the command line) must give the same doses,
alert codes, phase and retest dates; and the CLI fails in one line, never a traceback.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.dates import person_today
from labs.models import SymptomEntry
from protocols.models import HealthProfile, SupplementIntake
from tests.factories import panel_with

ROOT = Path(__file__).resolve().parents[2]


def cli_plan(*args: str) -> dict:
    out = io.StringIO()
    call_command("plan", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def page_facts(html: str) -> dict:
    """What the plan page shows: phase, alert codes, doses per nutrient and time, retest."""
    doses = re.findall(
        r'<h3 class="h6 mt-2 mb-1" data-time="(\w+)">|data-testid="dose" data-nutrient="(\w+)">'
        r'\s*<strong>[^<]*</strong> <span class="dose-amount">([^<]*)</span>',
        html,
    )
    routine, time = [], None
    for slot, nutrient, amount in doses:
        time = slot or time
        if nutrient:
            routine.append((time, nutrient, amount))
    retest = re.search(
        r'Due on <strong data-testid="retest-date">([^<]+)</strong>\. At the latest ([^<.]+)\.',
        html,
    )
    codes = list(dict.fromkeys(re.findall(r'data-code="(\w+)"', html)))
    return {
        "phase": re.search(r'data-testid="plan" data-phase="(\w+)"', html).group(1),
        # alerts of one kind are merged on the page: each kind once, the halting ones first
        "first_alert": codes[0] if codes else None,
        "alerts": sorted(codes),
        "routine": sorted(routine),
        "retest": retest.groups() if retest else None,
    }


def json_facts(plan: dict) -> dict:
    """The same facts read from the plan JSON, formatted the way the page prints them."""
    from protocols.presenters import fmt_date, fmt_range

    routine = [
        (
            slot["time"],
            line["nutrient"],
            fmt_range(slot["amount_min"], slot["amount_max"], line["unit"]),
        )
        for line in plan["supplements"]
        if line["daily_max"]
        for slot in line["schedule"]
    ]
    halting = [a["code"] for a in plan["alerts"] if a["level"] in ("stop", "urgent")]
    others = [a["code"] for a in plan["alerts"] if a["level"] not in ("stop", "urgent")]
    retest = plan["retest"]
    codes = list(dict.fromkeys(halting + others))
    return {
        "phase": plan["phase"],
        "first_alert": codes[0] if codes else None,
        "alerts": sorted(codes),
        "routine": sorted(routine),
        "retest": (fmt_date(retest["due_on"]), fmt_date(retest["latest_on"])) if retest else None,
    }


CASES = {
    "correction-with-symptoms": {
        "panels": [(120, {"vitd_25oh": (17, "ng/mL")}), (5, {"vitd_25oh": (54.9, "nmol/L"),
                   "mg_rbc": (1.73, "mmol/L"), "ca_total": (9.6, "mg/dL")})],
        "taking": [("vitamin_d3", 5000, "IU")],
        "symptoms": [(3, "muscle_cramps", 2), (1, "insomnia", 1)],
        "flags": ["mg_depleting_medication"],
        "goal": "sleep",
        "rules": "seed",
    },
    "stop-on-calcium": {
        "panels": [(4, {"vitd_25oh": (35, "ng/mL"), "ca_total": (11.2, "mg/dL")})],
        "taking": [("vitamin_d3", 4000, "IU"), ("calcium", 500, "mg")],
        "symptoms": [],
        "flags": ["kidney_disease"],
        "goal": "",
        "rules": "within-limits",
    },
}  # fmt: skip


def _store(user, case: dict) -> list[str]:
    """Write the case for the user; return the equivalent command-line arguments."""
    today = person_today(user)
    args = ["--as-of", today.isoformat(), "--rules", case["rules"]]
    for days_ago, values in case["panels"]:
        drawn_on = today - timedelta(days=days_ago)
        panel_with(user, drawn_on, **values)
        for code, (value, unit) in values.items():
            args += ["--result", f"{code}={value}:{unit}@{drawn_on.isoformat()}"]
    for nutrient, amount, unit in case["taking"]:
        SupplementIntake.objects.create(user=user, nutrient=nutrient, amount=amount, unit=unit)
        args += ["--taking", f"{nutrient}={amount}:{unit}"]
    for days_ago, symptom, severity in case["symptoms"]:
        recorded_on = today - timedelta(days=days_ago)
        SymptomEntry.objects.create(
            user=user, recorded_on=recorded_on, symptom=symptom, severity=severity
        )
        args += ["--symptom", f"{symptom}={severity}"]
    HealthProfile.objects.create(user=user, flags=case["flags"], goal=case["goal"])
    for flag in case["flags"]:
        args += ["--flag", flag]
    if case["goal"]:
        args += ["--goal", case["goal"]]
    user.rule_set = case["rules"]
    user.save(update_fields=["rule_set"])
    return args


def canonical(plan_json: dict) -> dict:
    """/plan.json without its ``display`` block (the person's reading of its text fields,
    which the CLI, having no person, does not have)."""
    return {key: value for key, value in plan_json.items() if key != "display"}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_page_json_and_cli_give_the_same_plan(client, user, case):
    args = _store(user, case)
    client.force_login(user)
    from_json = canonical(client.get(reverse("protocols:plan-json")).json())
    from_cli = cli_plan(*args)
    assert from_cli == from_json  # byte for byte the same engine output
    html = client.get(reverse("protocols:plan")).content.decode()
    facts = page_facts(html)
    assert facts == json_facts(from_json)
    assert facts["alerts"]  # the cases are chosen to raise alerts
    if case["rules"] == "within-limits":
        assert facts["first_alert"] == "hypercalcemia" and facts["routine"] == []
    else:
        assert facts["routine"]


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "plan", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_errors_are_one_line_with_a_nonzero_exit_in_a_real_process():
    bad_value = _run_cli("--result", "vitd_25oh=abc:ng/mL", "--json")
    bad_option = _run_cli("--result")  # argparse's own error, usage text trimmed
    for completed in (bad_value, bad_option):
        assert completed.returncode != 0
        assert "Traceback" not in completed.stderr
        assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
        assert completed.stdout == ""
    assert "abc" in bad_value.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("rules", ["seed", "within-limits"])
def test_hypercalcemia_removes_d3_and_calcium_from_page_json_and_cli_alike(client, user, rules):
    """The stop rule, by code, on all three faces: no dose of D3 or calcium anywhere."""
    case = {
        # 25(OH)D 22 would ask for 5,000-7,000 IU D3 without the calcium of 10.8.
        "panels": [(2, {"vitd_25oh": (22, "ng/mL"), "mg_rbc": (4.2, "mg/dL"),
                        "ca_total": (10.8, "mg/dL")})],
        "taking": [("vitamin_d3", 5000, "IU"), ("calcium", 1000, "mg"), ("magnesium", 300, "mg")],
        "symptoms": [],
        "flags": [],
        "goal": "",
        "rules": rules,
    }  # fmt: skip
    args = _store(user, case)
    client.force_login(user)
    from_json = canonical(client.get(reverse("protocols:plan-json")).json())
    from_cli = cli_plan(*args)
    for plan in (from_json, from_cli):
        assert plan["alerts"][0]["code"] == "hypercalcemia"
        assert plan["alerts"][0]["level"] == "stop"
        lines = {line["nutrient"]: line for line in plan["supplements"]}
        for nutrient in ("vitamin_d3", "calcium"):
            assert (lines[nutrient]["daily_min"], lines[nutrient]["daily_max"]) == (0, 0)
            assert lines[nutrient]["schedule"] == []
            assert lines[nutrient]["rule"] == "safety.hypercalcemia"
    assert from_cli == from_json
    html = client.get(reverse("protocols:plan")).content.decode()
    assert page_facts(html)["first_alert"] == "hypercalcemia"
    for nutrient in ("vitamin_d3", "calcium"):
        assert f'data-testid="dose" data-nutrient="{nutrient}"' not in html
    stopped = html[html.index('data-testid="stopped"') :]
    stopped = stopped[: stopped.index("</ul>")]
    assert 'data-nutrient="vitamin_d3"' in stopped and 'data-nutrient="calcium"' in stopped
    text = io.StringIO()
    call_command("plan", *args, stdout=text)  # the CLI's human-readable face
    routine = text.getvalue().split("Routine:")[1].split("\n\n")[0]
    assert "D3" not in routine and "Calcium" not in routine

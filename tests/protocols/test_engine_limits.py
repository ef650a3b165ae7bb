"""Upper limits of the person's chosen authority (IOM or EFSA, CLINICAL.md §3)."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import call_command

from protocols.engine import Intake, Measurement, Snapshot, UnknownRuleSet, compute_plan
from protocols.rules import RULE_SETS_BY_LIMITS, UPPER_LIMITS_BY_AUTHORITY, rules_for

AS_OF = date(2026, 3, 5)
BOTH_LOW = {
    "vitd_25oh": [Measurement(18, "ng/mL", date(2026, 3, 2))],
    "mg_rbc": [Measurement(4.2, "mg/dL", date(2026, 3, 2))],
}


def test_limit_tables_follow_clinical_md_section_3():
    iom, efsa = UPPER_LIMITS_BY_AUTHORITY["iom"], UPPER_LIMITS_BY_AUTHORITY["efsa"]
    assert {n: u.limit for n, u in iom.items()} == {
        "vitamin_d3": 4000, "magnesium": 350, "vitamin_k2_mk7": None,
        "vitamin_b6_p5p": 100, "calcium": None,
    }  # fmt: skip
    assert {n: u.limit for n, u in efsa.items()} == {
        "vitamin_d3": 4000, "magnesium": 250, "vitamin_k2_mk7": None,
        "vitamin_b6_p5p": 12, "calcium": None,
    }  # fmt: skip
    assert all(u.source.startswith("CLINICAL.md §3") for t in (iom, efsa) for u in t.values())


@pytest.mark.parametrize("authority", ["iom", "efsa"])
def test_within_limits_never_recommends_above_the_chosen_limit(authority):
    rules = rules_for("within-limits", authority)
    assert rules is not None and rules.authority == authority
    for dose in [*rules.doses.values(), *(t.dose for ts in rules.tiers.values() for t in ts)]:
        if dose is None or not dose.nutrient:  # no dose, or a template the engine fills in
            continue
        limit = rules.upper_limits[dose.nutrient].limit
        assert limit is None or dose.daily_max <= limit, dose


def test_efsa_plan_caps_b6_and_magnesium_and_names_the_authority():
    plan = compute_plan(Snapshot(AS_OF, BOTH_LOW, rules="within-limits", limits="efsa"))
    assert plan.line("vitamin_b6_p5p").daily_max == 12
    assert plan.line("magnesium").daily_max == 250
    assert plan.to_dict()["upper_limits"]["authority"] == "efsa"
    assert plan.to_dict()["upper_limits"]["label"] == "EU (EFSA)"


def test_seed_doses_are_flagged_against_the_chosen_limit():
    taking = (Intake("magnesium", 300, "mg"),)
    iom = compute_plan(Snapshot(AS_OF, BOTH_LOW, taking=taking, limits="iom"))
    efsa = compute_plan(Snapshot(AS_OF, BOTH_LOW, taking=taking, limits="efsa"))

    def taken_flag(plan):
        return [a for a in plan.alerts if a.nutrient == "magnesium" and "you take" in a.reason]

    assert not taken_flag(iom)  # 300 mg is within the IOM's 350 mg
    assert taken_flag(efsa)  # and above EFSA's 250 mg


def test_every_rule_set_exists_under_both_authorities():
    assert set(RULE_SETS_BY_LIMITS) == {
        (name, authority) for name in ("seed", "within-limits") for authority in ("iom", "efsa")
    }


def test_unknown_authority_is_refused():
    with pytest.raises(UnknownRuleSet):
        compute_plan(Snapshot(AS_OF, BOTH_LOW, limits="who"))


def test_cli_limits_option():
    out = io.StringIO()
    args = ["--result", "vitd_25oh=18:ng/mL@2026-03-02", "--result", "mg_rbc=4.2:mg/dL@2026-03-02"]
    call_command("plan", *args, "--rules", "within-limits", "--limits", "efsa",
                 "--as-of", "2026-03-05", "--json", stdout=out)  # fmt: skip
    data = json.loads(out.getvalue())
    assert data["upper_limits"]["authority"] == "efsa"
    b6 = next(s for s in data["supplements"] if s["nutrient"] == "vitamin_b6_p5p")
    assert b6["daily_max"] == 12


@pytest.mark.django_db
def test_the_settings_choice_changes_the_plan(client_logged_in, user):
    from protocols.services import plan_refresh_if_stale
    from tests.factories import panel_with

    panel_with(user, date(2026, 3, 2), vitd_25oh=18, mg_rbc=4.2)
    assert plan_refresh_if_stale(user).data["upper_limits"]["authority"] == "iom"
    form = {"time_zone": "UTC", "vitd_unit": "ng/mL", "mineral_unit": "mg/dL",
            "rule_set": "within-limits", "upper_limits": "efsa",
            "reminder_lead_days": "7"}  # fmt: skip
    assert client_logged_in.post("/settings/", form).status_code == 302
    user.refresh_from_db()
    assert user.upper_limits == "efsa"
    data = plan_refresh_if_stale(user).data
    assert data["upper_limits"]["authority"] == "efsa"
    assert next(s for s in data["supplements"] if s["nutrient"] == "magnesium")["daily_max"] == 250

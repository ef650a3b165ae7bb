"""protocols.views: plan pages, history, profile, supplements and the public what-if page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.dates import person_today
from labs.models import LifeEvent, Panel, Result, SymptomEntry
from protocols.models import HealthProfile, Plan, SupplementIntake
from protocols.presenters import fmt_date, plan_changes
from protocols.services import plan_refresh
from tests.factories import panel_with

pytestmark = pytest.mark.django_db

LOGIN_ONLY = [
    "protocols:plan",
    "protocols:plan-json",
    "protocols:plan-history",
    "protocols:profile",
    "protocols:supplements",
]


def section(html: str, testid: str) -> str:
    """The inner HTML of the first element carrying data-testid=<testid> (up to its </div>)."""
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:div|section)>', html, re.S)
    assert match, f"no {testid} section"
    return match.group(1)


@pytest.fixture
def intake(user):
    return SupplementIntake.objects.create(user=user, nutrient="vitamin_d3", amount=5000, unit="IU")


@pytest.fixture
def stored_plan(user):
    panel_with(user, person_today(user) - timedelta(days=3), vitd_25oh=22, mg_rbc=4.2)
    return plan_refresh(user)


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LOGIN_ONLY)
def test_anonymous_visitors_go_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "name", ["protocols:plan-detail", "protocols:supplement-edit", "protocols:supplement-delete"]
)
def test_anonymous_visitors_go_to_login_on_owned_objects(client, name, intake, stored_plan):
    pk = stored_plan.pk if name == "protocols:plan-detail" else intake.pk
    response = client.get(reverse(name, args=[pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_outsider_gets_404_on_a_plan_detail(client, other_user, stored_plan):
    client.force_login(other_user)
    assert client.get(reverse("protocols:plan-detail", args=[stored_plan.pk])).status_code == 404


@pytest.mark.parametrize("name", ["protocols:supplement-edit", "protocols:supplement-delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_on_supplement_edit_and_delete(client, other_user, intake, name, method):
    client.force_login(other_user)
    data = {"nutrient": "vitamin_d3", "amount": "1000", "unit": "IU"}
    kwargs = {"data": data} if method == "post" else {}
    response = getattr(client, method)(reverse(name, args=[intake.pk]), **kwargs)
    assert response.status_code == 404
    intake.refresh_from_db()
    assert intake.amount == 5000


# --- plan page ---------------------------------------------------------------------------


def test_new_account_sees_the_empty_state(client_logged_in):
    html = client_logged_in.get(reverse("protocols:plan")).content.decode()
    assert 'data-testid="plan-empty"' in html
    assert "enter your first results" in html
    assert reverse("labs:panel-create") in html


def test_stop_alert_comes_first_and_the_stopped_supplement_has_no_dose(client_logged_in, user):
    panel_with(user, person_today(user) - timedelta(days=2), vitd_25oh=22, mg_rbc=4.2, ca_total=11)
    SupplementIntake.objects.create(user=user, nutrient="vitamin_d3", amount=5000, unit="IU")
    html = client_logged_in.get(reverse("protocols:plan")).content.decode()
    alerts = re.findall(r'<div class="alert ([^"]*)" role="(\w+)" data-testid="alert" '
                        r'data-level="(\w+)" data-code="(\w+)"', html)  # fmt: skip
    assert alerts[0][2:] == ("stop", "hypercalcemia")
    assert "alert-danger" in alerts[0][0] and alerts[0][1] == "alert"
    # the headline says what to do now: the stop itself, before everything else
    assert "calcium" in section(html, "headline").lower()
    assert html.index('data-code="hypercalcemia"') < html.index('data-testid="hold-advice"')
    assert 'data-testid="dose"' not in html  # the plan is on hold: nothing to take
    assert 'data-nutrient="vitamin_d3"' in section(html, "stopped")
    advice = section(html, "hold-advice")
    assert "you take 5,000 IU" in advice and "Stop it." in advice


def test_plan_page_shows_routine_limits_retest_sources_and_rules_version(
    client_logged_in, stored_plan
):
    html = client_logged_in.get(reverse("protocols:plan")).content.decode()
    routine = html[html.index('data-testid="routine"') : html.index('data-testid="why"')]
    assert routine.index('data-time="morning"') < routine.index('data-time="bedtime"')
    d3 = re.search(r'data-testid="dose" data-nutrient="vitamin_d3">(.*?)</li>', routine, re.S)
    assert "5,000–7,000 IU" in d3.group(1)
    assert "D3 (cholecalciferol)" in d3.group(1) and "meal containing fat" in d3.group(1)
    why = section(html, "why")
    d3_line = why[why.index('data-nutrient="vitamin_d3"') :]
    limit_note = d3_line[: d3_line.index("</span>")]
    assert "Above the upper limit of 4,000 IU a day: only under medical supervision." in limit_note
    # the rule id and the sources sit behind the "Why?" disclosure, linked to the Sources page
    assert "<summary>Why?</summary>" in d3_line
    assert '<code class="rule-id">d3.tier.moderate</code>' in html
    assert f'{reverse("protocols:sources")}#seed-002">the protocol' in html
    assert "“Best Forms to Use”" in html and "seed:002" not in html
    retest = stored_plan.data["retest"]
    assert fmt_date(retest["due_on"]) in section(html, "retest")
    assert retest["due_on"] not in html  # one date format: "2 Dec 2026", never ISO
    assert "RBC Mg" in section(html, "retest")
    assert "40–55 ng/mL" in section(html, "expected")
    assert stored_plan.rules_version in html
    plan_section = html[html.index('data-testid="plan"') :]
    assert 'data-testid="disclaimer"' in plan_section[: plan_section.index("</section>")]


def test_plan_page_compares_what_you_take(client_logged_in, user, stored_plan):
    SupplementIntake.objects.create(user=user, nutrient="vitamin_b6_p5p", amount=150, unit="mg")
    SupplementIntake.objects.create(user=user, nutrient="vitamin_d3", amount=5000, unit="IU")
    plan_refresh(user)
    html = client_logged_in.get(reverse("protocols:plan")).content.decode()
    comparison = html[html.index('data-testid="comparison"') :]

    def row(nutrient: str) -> str:
        return re.search(
            rf'<li class="mb-1" data-nutrient="{nutrient}">(.*?)</li>', comparison, re.S
        ).group(1)

    b6 = row("vitamin_b6_p5p")
    assert "150 mg" in b6 and "above the upper limit" in b6 and "50–100 mg" in b6
    assert "Reduce it." in b6
    assert "5,000 IU" in row("vitamin_d3") and "Keep it." in row("vitamin_d3")
    assert "nothing" in row("magnesium") and "Add it." in row("magnesium")


def test_plan_page_reads_a_constant_number_of_queries(
    client_logged_in, stored_plan, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):  # session, user, latest plan (+ allauth, messages)
        assert client_logged_in.get(reverse("protocols:plan")).status_code == 200


def test_plan_json_is_the_stored_plan(client_logged_in, stored_plan):
    response = client_logged_in.get(reverse("protocols:plan-json"))
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert {k: v for k, v in body.items() if k != "display"} == stored_plan.data
    assert set(body["display"]) >= {"alerts", "supplements", "retest", "markers", "phase_reason"}


def test_plan_detail_renders_a_past_plan(client_logged_in, user, stored_plan):
    SupplementIntake.objects.create(user=user, nutrient="magnesium", amount=300, unit="mg")
    plan_refresh(user)
    html = client_logged_in.get(reverse("protocols:plan-detail", args=[stored_plan.pk]))
    assert html.status_code == 200
    assert 'data-testid="routine"' in html.content.decode()


# --- history -----------------------------------------------------------------------------


def _history_of(user, n: int) -> None:
    for i in range(n):
        SupplementIntake.objects.update_or_create(
            user=user, nutrient="magnesium", defaults={"amount": 100 + i, "unit": "mg"}
        )
        plan_refresh(user)


def test_history_lists_what_changed_between_plans(client_logged_in, user, stored_plan):
    panel_with(user, person_today(user) - timedelta(days=1), vitd_25oh=45, mg_rbc=5.8)
    HealthProfile.objects.create(user=user, flags=["anticoagulant"])
    plan_refresh(user)
    html = client_logged_in.get(reverse("protocols:plan-history")).content.decode()
    entries = html.split('data-testid="history-entry"')[1:]
    assert len(entries) == 2
    newest, oldest = entries
    assert "Phase: Correction → Maintenance" in newest
    assert "Vitamin D3: 5,000–7,000 IU → 4,000–5,000 IU" in newest
    assert "Vitamin B6 (P5P): 50–100 mg → none" in newest
    assert "Retest:" in newest
    assert "Alert added: " in newest and "no vitamin K2 without your prescriber" in newest
    assert "First plan." in oldest


def test_plan_changes_names_alerts_added_and_removed():
    def alert(code, message):
        return {"code": code, "message": message, "level": "warning"}

    old = {
        "phase": "hold",
        "supplements": [],
        "retest": None,
        "alerts": [alert("hypercalcemia", "Calcium is high")],
    }
    new = {"phase": "hold", "supplements": [], "retest": None,
           "alerts": [alert("kidney_function", "Kidneys")]}  # fmt: skip
    assert plan_changes(old, new) == ["Alert added: Kidneys", "Alert removed: Calcium is high"]
    assert plan_changes(new, new) != []  # an unchanged plan still says so


@pytest.mark.parametrize("plans", [3, 25])
def test_history_pages_read_a_constant_number_of_queries(
    client_logged_in, user, plans, django_assert_max_num_queries
):
    panel_with(user, person_today(user) - timedelta(days=3), vitd_25oh=22, mg_rbc=4.2)
    _history_of(user, plans)
    with django_assert_max_num_queries(6):
        response = client_logged_in.get(reverse("protocols:plan-history"), {"page": 2})
    assert response.status_code == 200


# --- profile -----------------------------------------------------------------------------


def test_profile_saves_flags_and_goal(client_logged_in, user):
    response = client_logged_in.post(
        reverse("protocols:profile"),
        {"birth_year": "1980", "sex": "female", "flags": ["kidney_disease", "pregnant"],
         "goal": "sleep"},
    )  # fmt: skip
    assert response.status_code == 302
    profile = HealthProfile.objects.get(user=user)
    assert sorted(profile.flags) == ["kidney_disease", "pregnant"]
    assert (profile.goal, profile.birth_year) == ("sleep", 1980)
    html = client_logged_in.get(reverse("protocols:profile")).content.decode()
    assert re.search(r'name="flags" value="kidney_disease"[^>]*checked', html)


@pytest.mark.parametrize(
    "data",
    [{"birth_year": "1850"}, {"birth_year": "2999"}, {"flags": ["smoker"]}, {"goal": "speed"}],
)
def test_profile_rejects_bad_values_with_200(client_logged_in, user, data):
    response = client_logged_in.post(reverse("protocols:profile"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not HealthProfile.objects.filter(user=user).exists()


# --- supplements -------------------------------------------------------------------------


def test_supplement_add_edit_delete(client_logged_in, user):
    url = reverse("protocols:supplements")
    data = {"nutrient": "magnesium", "form": "glycinate", "amount": "300", "unit": "mg"}
    assert client_logged_in.post(url, data).status_code == 302
    intake = SupplementIntake.objects.get(user=user)
    assert (intake.nutrient, intake.amount, intake.form) == ("magnesium", 300, "glycinate")
    assert 'data-nutrient="magnesium"' in client_logged_in.get(url).content.decode()

    edit = reverse("protocols:supplement-edit", args=[intake.pk])
    assert client_logged_in.post(edit, {**data, "amount": "200"}).status_code == 302
    intake.refresh_from_db()
    assert intake.amount == 200

    delete = reverse("protocols:supplement-delete", args=[intake.pk])
    assert client_logged_in.get(delete).status_code == 200
    assert client_logged_in.post(delete).status_code == 302
    assert not SupplementIntake.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"nutrient": "vitamin_d3", "amount": "5000", "unit": "mg"}, "unit"),
        ({"nutrient": "vitamin_k2_mk7", "amount": "100", "unit": "mg"}, "unit"),
        ({"nutrient": "magnesium", "amount": "400", "unit": "IU"}, "unit"),
        ({"nutrient": "vitamin_b6_p5p", "amount": "50", "unit": "mcg"}, "unit"),
        ({"nutrient": "calcium", "amount": "500", "unit": "mcg"}, "unit"),
        ({"nutrient": "magnesium", "amount": "-5", "unit": "mg"}, "amount"),
        ({"nutrient": "magnesium", "amount": "0", "unit": "mg"}, "amount"),
        ({"nutrient": "vitamin_d3", "amount": "500000", "unit": "IU"}, "amount"),
        ({"nutrient": "magnesium", "amount": "nan", "unit": "mg"}, "amount"),
        ({"nutrient": "iron", "amount": "10", "unit": "mg"}, "nutrient"),
        ({"nutrient": "magnesium", "amount": "300", "unit": "mg", "since": "2999-01-01"}, "since"),
    ],
)
def test_supplement_form_rejects_bad_values(client_logged_in, user, data, field):
    response = client_logged_in.post(reverse("protocols:supplements"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not SupplementIntake.objects.filter(user=user).exists()


def test_a_second_entry_for_the_same_nutrient_is_refused(client_logged_in, user, intake):
    data = {"nutrient": "vitamin_d3", "amount": "1000", "unit": "IU"}
    response = client_logged_in.post(reverse("protocols:supplements"), data)
    assert response.status_code == 200
    assert "nutrient" in response.context["form"].errors
    assert SupplementIntake.objects.filter(user=user).count() == 1


def test_supplement_list_shows_only_my_own(client_logged_in, other_user, intake):
    SupplementIntake.objects.create(user=other_user, nutrient="calcium", amount=500, unit="mg")
    html = client_logged_in.get(reverse("protocols:supplements")).content.decode()
    assert 'data-nutrient="vitamin_d3"' in html and 'data-nutrient="calcium"' not in html


# --- what-if -----------------------------------------------------------------------------

WHAT_IF = {
    "vitd_25oh": "18",
    "vitd_25oh_unit": "ng/mL",
    "mg_rbc": "4.2",
    "mg_rbc_unit": "mg/dL",
    "d3_iu": "2000",
}


def _row_counts() -> list[int]:
    models = (Plan, HealthProfile, SupplementIntake, Panel, Result, SymptomEntry, LifeEvent)
    return [model.objects.count() for model in models]


def test_what_if_needs_no_login_and_stores_nothing(client):
    before = _row_counts()
    response = client.post(reverse("protocols:what-if"), WHAT_IF)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'hx-trigger="input changed delay:400ms' in html
    assert 'data-testid="dose" data-nutrient="vitamin_d3"' in html
    assert "10,000 IU" in html
    assert _row_counts() == before


def test_what_if_takes_b6_and_symptoms_and_invites_a_visitor_to_sign_up(client, user):
    values = {**WHAT_IF, "b6_mg": "150", "s_muscle_cramps": "3", "s_insomnia": "2"}
    html = client.post(reverse("protocols:what-if"), values).content.decode()
    comparison = section(html, "comparison")
    b6 = re.search(r'data-nutrient="vitamin_b6_p5p">(.*?)</li>', comparison, re.S).group(1)
    assert "150 mg" in b6 and "above the upper limit" in b6  # the B6 taken is compared
    assert 'data-code="mg_depletion_symptoms"' in html  # the symptoms reached the engine
    assert 'data-testid="what-if-signup"' in html and reverse("account_signup") in html
    client.force_login(user)
    html = client.post(reverse("protocols:what-if"), values).content.decode()
    assert 'data-testid="what-if-signup"' not in html  # a person with an account has one


def test_what_if_answers_htmx_with_the_plan_fragment(client):
    response = client.post(reverse("protocols:what-if"), WHAT_IF, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert "<html" not in html and html.strip().startswith('<div id="whatif-result"')
    assert 'data-testid="plan"' in html and 'data-testid="disclaimer"' in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"vitd_25oh": "2200"}, "vitd_25oh"),
        ({"vitd_25oh": "abc"}, "vitd_25oh"),
        ({"vitd_25oh": "30", "vitd_25oh_unit": "mg/dL"}, "vitd_25oh_unit"),
        ({"mg_rbc": "40"}, "mg_rbc"),
        ({"d3_iu": "-1"}, "d3_iu"),
        ({"d3_iu": "900000"}, "d3_iu"),
        ({"flags": "smoker"}, "flags"),
    ],
)
def test_what_if_shows_field_errors_in_the_fragment(client, params, field):
    response = client.post(reverse("protocols:what-if"), params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="what-if-errors"' in html and f'data-field="{field}"' in html


def test_what_if_without_values_invites_typing(client):
    html = client.get(reverse("protocols:what-if")).content.decode()
    assert 'data-testid="plan-empty"' in html and 'data-testid="disclaimer"' in html


def test_what_if_follows_flags_and_rule_set(client):
    params = {**WHAT_IF, "flags": ["kidney_disease"], "rules": "within-limits"}
    html = client.post(reverse("protocols:what-if"), params).content.decode()
    assert 'data-code="kidney_function"' in html
    assert 'data-testid="dose" data-nutrient="magnesium"' not in html
    assert "within the upper limits" in html


@pytest.mark.parametrize("model", ["healthprofile", "supplementintake", "plan", "reminder"])
def test_admin_lists_the_protocol_models(admin_client, stored_plan, intake, model):
    assert admin_client.get(reverse(f"admin:protocols_{model}_changelist")).status_code == 200


def test_admin_shows_a_plan_read_only(admin_client, stored_plan):
    response = admin_client.get(reverse("admin:protocols_plan_change", args=[stored_plan.pk]))
    assert response.status_code == 200
    assert admin_client.get(reverse("admin:protocols_plan_add")).status_code == 403


def test_plan_and_dashboard_name_a_marker_and_the_retest_the_same_way(client_logged_in, user):
    drawn = person_today(user) - timedelta(days=2)
    panel_with(user, drawn, vitd_25oh=12, mg_rbc=4.2)  # 12 ng/mL: the plan's "severe" tier
    plan = client_logged_in.get(reverse("protocols:plan")).content.decode()
    home = client_logged_in.get(reverse("dashboard:home")).content.decode()
    plan_row = re.search(r'data-marker="vitd_25oh">(.*?)</li>', plan, re.S).group(1)
    home_row = re.search(r'data-analyte="vitd_25oh".*?</li>', home, re.S).group(0)
    assert ">very low<" in plan_row and ">very low<" in home_row
    plan_date = re.search(r'data-testid="retest-date">([^<]+)<', plan).group(1)
    home_date = re.search(r'data-testid="retest-date">([^<]+)<', home).group(1)
    assert plan_date == home_date
    assert f"retest on {plan_date}" in section(plan, "headline")

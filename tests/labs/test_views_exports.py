"""Exports and the printable report: downloads of the person's own data only."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from labs import services
from protocols.models import HealthProfile, Plan, SupplementIntake
from tests.factories import LifeEventFactory, SymptomEntryFactory, panel_with

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 6, 1)
EXPORTS = ["labs:export-csv", "labs:export-fhir"]  # the account zip: tests/accounts/test_export.py


@pytest.mark.parametrize("name", [*EXPORTS, "dashboard:report"])
def test_anonymous_visitors_go_to_login(client, name):
    assert client.get(reverse(name))["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_are_downloads_of_my_data_only(client_logged_in, user, other_user, name):
    panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    panel_with(other_user, DAY, ("mg_rbc", 4.4, "mg/dL"))
    response = client_logged_in.get(reverse(name))
    assert response["Content-Disposition"].startswith("attachment; filename=")
    body = response.content.decode()
    assert "vitd_25oh" in body or "62292-8" in body
    assert "mg_rbc" not in body and "26746-8" not in body


def _someone_elses_account(other_user) -> str:
    """Everything another person can own, each carrying the marker 'OUTSIDER'."""
    panel_with(other_user, DAY, ("mg_rbc", 4.4, "mg/dL"), ("egfr", 77, "mL/min/1.73m2"))
    SymptomEntryFactory(user=other_user, recorded_on=DAY, symptom="palpitations", note="OUTSIDER")
    LifeEventFactory(user=other_user, kind="major_stress", occurred_on=DAY, note="OUTSIDER")
    HealthProfile.objects.create(user=other_user, birth_year=1931, goal="cognition")
    SupplementIntake.objects.create(
        user=other_user, nutrient="calcium", amount=1234, unit="mg", form="OUTSIDER"
    )
    Plan.objects.create(
        user=other_user, as_of=DAY, rule_set="within-limits", rules_version="OUTSIDER",
        phase="hold", data={"phase": "hold"}, inputs={}, inputs_digest="OUTSIDER",
    )  # fmt: skip
    return "OUTSIDER"


@pytest.mark.parametrize(
    ("name", "query"),
    [("labs:export-csv", {}), ("labs:export-csv", {"data": "symptoms"}),
     ("labs:export-fhir", {}), ("dashboard:report", {})],
)  # fmt: skip
def test_no_export_holds_anything_of_another_account(
    client_logged_in, user, other_user, name, query
):
    """Exports take no id: each must be scoped to the person asking, for every kind of row."""
    panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    SymptomEntryFactory(user=user, recorded_on=DAY, symptom="insomnia", severity=1, note="")
    marker = _someone_elses_account(other_user)
    body = client_logged_in.get(reverse(name), query).content.decode()
    assert "insomnia" in body or "vitd_25oh" in body or "62292-8" in body or "25(OH)D" in body
    for trace in (marker, other_user.email, "palpitations", "major_stress", "1931", "1234",
                  "cognition", "mg_rbc", "26746-8", "egfr", "33914-3"):  # fmt: skip
        assert trace not in body, trace


def account_json(client) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("accounts:export")).content))
    return json.loads(archive.read("account.json"))


def test_the_json_export_lists_only_my_rows_of_every_kind(client_logged_in, user, other_user):
    marker = _someone_elses_account(other_user)
    data = account_json(client_logged_in)
    assert all(rows == [] for rows in data["rows"].values())
    assert marker not in json.dumps(data)


def test_the_fhir_export_is_a_valid_bundle(client_logged_in, user):
    panel_with(user, DAY, ("vitd_25oh", 75, "nmol/L"), ("pth_intact", 61, "pg/mL"))
    bundle = Bundle.model_validate_json(client_logged_in.get(reverse("labs:export-fhir")).content)
    assert len(bundle.entry) == 2


def test_the_symptom_csv_lists_my_scores(client_logged_in, user):
    SymptomEntryFactory(user=user, recorded_on=DAY, symptom="insomnia", severity=3, note="=1+1")
    response = client_logged_in.get(reverse("labs:export-csv"), {"data": "symptoms"})
    assert "symptoms" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines == ["date,symptom,severity,note", "2025-06-01,insomnia,3,'=1+1"]


def test_the_json_export_holds_the_whole_account(client_logged_in, user):
    panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    SymptomEntryFactory(user=user, recorded_on=DAY)
    LifeEventFactory(user=user, kind="pregnancy", occurred_on=DAY)
    HealthProfile.objects.create(user=user, birth_year=1980, goal="sleep")
    SupplementIntake.objects.create(user=user, nutrient="magnesium", amount=300, unit="mg")
    Plan.objects.create(
        user=user, as_of=DAY, rule_set="seed", rules_version="t", phase="correction",
        data={"phase": "correction"}, inputs={}, inputs_digest="x",
    )  # fmt: skip
    data = account_json(client_logged_in)
    rows = data["rows"]
    assert data["email"] == user.email
    assert data["settings"]["vitd_unit"] == "ng/mL"
    assert rows["protocols.HealthProfile"][0]["birth_year"] == 1980
    assert rows["labs.Result"][0]["analyte"] == "vitd_25oh"
    assert rows["labs.SymptomEntry"][0]["symptom"] == "fatigue"
    assert rows["labs.LifeEvent"][0]["kind"] == "pregnancy"
    assert rows["protocols.SupplementIntake"][0]["amount"] == 300
    assert rows["protocols.Plan"][0]["phase"] == "correction"


def test_the_report_shows_latest_values_history_plan_and_disclaimer(client_logged_in, user):
    services.panel_create(user=user, drawn_on=DAY - dt.timedelta(days=90),
                          results=[("vitd_25oh", 16, "ng/mL")])  # fmt: skip
    services.panel_create(user=user, drawn_on=DAY, results=[("vitd_25oh", 110, "nmol/L")])
    Plan.objects.create(
        user=user, as_of=DAY, rule_set="seed", rules_version="t", phase="maintenance",
        data={"supplements": [{"nutrient": "vitamin_d3", "daily_min": 4000, "daily_max": 5000,
                               "unit": "IU", "schedule": [], "above_upper_limit": True}],
              "alerts": [{"level": "warning", "code": "x", "message": "Add magnesium."}]},
        inputs={}, inputs_digest="y",
    )  # fmt: skip
    response = client_logged_in.get(reverse("dashboard:report"))
    html = response.content.decode()
    latest = response.context["latest"]
    assert [(v.analyte.code, v.status) for v in latest] == [("vitd_25oh", "in_target")]
    assert "Maintenance" in html and "Add magnesium." in html
    assert "above the upper limit" in html
    assert html.count('data-testid="disclaimer"') == 2  # by the plan, and in the footer
    assert 'css/report.css" media="print">' in html  # the print stylesheet


def test_the_report_takes_constant_queries(client_logged_in, user):
    # session, user, reminder, data version, plan, profile, symptoms, latest values,
    # supplements, own markers' values, panels, results: the same for 30 panels as for 3
    def report_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_logged_in.get(reverse("dashboard:report")).status_code == 200
        return len(queries)

    for n in range(3):
        panel_with(user, DAY - dt.timedelta(days=n), ("vitd_25oh", 30, "ng/mL"))
    few = report_queries()
    for n in range(3, 30):
        panel_with(user, DAY - dt.timedelta(days=n), ("vitd_25oh", 30, "ng/mL"))
    assert report_queries() == few <= 12

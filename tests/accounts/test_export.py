"""The account export: one zip of JSON, CSV and FHIR with everything the person owns, which
loads into a fresh account with identical data."""

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import exports
from accounts.services import account_delete
from labs import services
from labs.importers import parse_results_csv
from labs.models import ImportMapping, Result
from tests.factories import UserFactory
from tests.test_url_access import seed_everything

pytestmark = pytest.mark.django_db


def seed_rich_account(user) -> None:
    seed_everything(user)
    services.panel_create(
        user=user, drawn_on=dt.date(2024, 5, 1), lab="Lab;=1+1", notes="after; -fasting",
        results=[("vitd_25oh", 31.25, "ng/mL"), ("mg_rbc", 4.4, "mg/dL")],
    )  # fmt: skip
    ImportMapping.objects.create(user=user, signature="abc", mapping={"date": 0, "value": 2})
    EmailAddress.objects.create(user=user, email=f"second-{user.pk}@example.org", verified=True)
    user.vitd_unit, user.time_zone, user.reminder_lead_days = "nmol/L", "Europe/Berlin", 3
    user.save()


def download(client) -> bytes:
    response = client.get(reverse("accounts:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    return response.content


def load(client, data: bytes):
    upload = SimpleUploadedFile("export.zip", data, content_type="application/zip")
    return client.post(reverse("accounts:import"), {"file": upload})


def comparable(document: dict) -> dict:
    """The export without what may differ between two accounts: ids and regenerated
    secrets; pointers become list positions."""
    rows = document["rows"]
    positions = {
        label: {row["id"]: index for index, row in enumerate(rows[label])} for label in rows
    }
    out = {}
    for label, entries in rows.items():
        model = apps.get_model(label)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        skipped = exports.REGENERATED.get(label, set())
        cleaned = []
        for row in entries:
            kept = {}
            for name, value in row.items():
                field = fields[name]
                if field.primary_key or name in skipped:
                    continue
                if field.is_relation:
                    value = positions[field.related_model._meta.label].get(value)
                kept[name] = value
            cleaned.append(kept)
        out[label] = cleaned
    secondary = sorted(e["email"] for e in document["emails"] if not e["primary"])
    return {"settings": document["settings"], "rows": out, "secondary_emails": secondary}


def read(data: bytes) -> dict:
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("account.json"))


def round_trip(source) -> tuple[dict, dict]:
    first, second = Client(), Client()
    first.force_login(source)
    exported = download(first)
    # As when someone moves to another server: the addresses are free again there.
    account_delete(user=source)
    fresh = UserFactory()
    second.force_login(fresh)
    response = load(second, exported)
    errors = re.findall(r"invalid-feedback[^>]*>(.*?)</", response.content.decode(), re.S)
    assert response.status_code == 302, errors
    return read(exported), read(download(second))


def test_the_zip_holds_json_csv_and_fhir_of_everything(client_logged_in, user):
    seed_rich_account(user)
    data = download(client_logged_in)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(archive.namelist())
    reports = [n for n in names if n.startswith("lab-reports/")]  # the kept report file
    assert [n for n in names if n not in reports] == [
        "account.json", "results.csv", "results.fhir.json", "symptoms.csv",
    ]  # fmt: skip
    assert len(reports) == 1 and archive.read(reports[0]) == b"%PDF-1.4"
    document = json.loads(archive.read("account.json"))
    assert document["format"] == "cofactor-account-export" and document["version"] == 2
    assert set(document["rows"]) == set(exports.OWNED)
    assert document["rows"]["protocols.Reminder"], "reminders are exported"
    assert document["rows"]["protocols.Plan"][0]["inputs"] == {}, "plan inputs are exported"
    assert [e["email"] for e in document["emails"]] == [user.email, f"second-{user.pk}@example.org"]
    assert {e["action"] for e in document["audit"]} == {"created"}
    assert {e["model"] for e in document["audit"]} >= {"labs.Panel", "labs.Result"}
    csv_rows = parse_results_csv(archive.read("results.csv"), today=dt.date.today()).rows
    assert len(csv_rows) == Result.objects.filter(user=user).count()
    assert "Lab;'=1+1" in archive.read("results.csv").decode()  # the formula guard
    assert json.loads(archive.read("results.fhir.json"))["resourceType"] == "Bundle"


def test_a_fresh_account_gets_identical_data_back(user):
    seed_rich_account(user)
    original, copy = round_trip(user)
    assert comparable(copy) == comparable(original)
    assert copy["audit"], "the import is in the new account's audit trail"


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.tuples(
            st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2025, 1, 1)),
            st.floats(min_value=5, max_value=150, allow_nan=False).map(lambda v: round(v, 2)),
            st.text(alphabet="ab =+-@;,'", max_size=12),
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[0],
    )
)
def test_any_set_of_panels_survives_the_round_trip(panels):
    source = UserFactory()
    for drawn_on, value, lab in panels:
        services.panel_create(user=source, drawn_on=drawn_on, lab=lab.strip(),
                              results=[("vitd_25oh", value, "ng/mL")])  # fmt: skip
    original, copy = round_trip(source)
    assert comparable(copy) == comparable(original)


def test_every_model_that_points_at_a_person_is_exported_or_deliberately_not():
    assert exports.models_pointing_at_the_user() == set(exports.OWNED) | exports.NOT_OWNED


def test_an_account_that_holds_data_refuses_an_import(client_logged_in, user):
    seed_rich_account(user)
    data = download(client_logged_in)
    response = load(client_logged_in, data)
    assert response.status_code == 200
    assert "already holds data" in response.content.decode()


@pytest.mark.parametrize(
    "data", [b"not a zip", b"PK\x05\x06" + b"\x00" * 18, None], ids=["text", "empty-zip", "json"]
)
def test_a_file_that_is_no_export_is_refused_with_a_message(client_logged_in, user, data):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("account.json", json.dumps({"format": "other"}))
        data = buffer.getvalue()
    response = load(client_logged_in, data)
    assert response.status_code == 200
    assert "not a Cofactor account export" in response.content.decode()


def test_a_bad_value_in_the_file_refuses_the_whole_import(user):
    seed_rich_account(user)
    document = exports.account_data(user)
    document = json.loads(json.dumps(document, default=str))
    document["rows"]["labs.Result"][-1]["analyte"] = "made_up"
    fresh = UserFactory()
    with pytest.raises(exports.ImportRefused):
        exports.account_import(user=fresh, document=document)
    assert not Result.objects.filter(user=fresh).exists()


def test_the_export_holds_no_one_elses_rows(client_logged_in, user, other_user):
    seed_rich_account(other_user)
    document = read(download(client_logged_in))
    assert all(rows == [] for rows in document["rows"].values())
    assert other_user.email not in json.dumps(document)

"""The report for a clinician: who, supplements since when, symptoms, the plan with its
retest, results in the person's units beside the usual lab range; the same as a PDF."""

import datetime as dt
import re
import shutil
import subprocess
import unicodedata

import pytest
from django.urls import reverse

from accounts.dates import person_today
from labs.services import panel_create, symptom_checkin
from protocols.models import HealthProfile, SupplementIntake
from protocols.presenters import fmt_date
from protocols.services import plan_refresh
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(user):
    user.vitd_unit = "nmol/L"
    user.save()
    today = person_today(user)
    HealthProfile.objects.create(user=user, name="Ada Lovelace", birth_year=1985, sex="female")
    SupplementIntake.objects.create(user=user, nutrient="vitamin_d3", amount=4000, unit="IU",
                                    form="softgel", since=dt.date(2025, 3, 1))  # fmt: skip
    results = [("vitd_25oh", 45, "nmol/L"), ("mg_rbc", 4.2, "mg/dL")]
    panel_create(user=user, drawn_on=today - dt.timedelta(days=3), lab="Synlab", fasting=None,
                 notes="", results=results)  # fmt: skip
    symptom_checkin(user=user, recorded_on=today - dt.timedelta(days=20),
                    scores={"muscle_cramps": 3, "fatigue": 0})  # fmt: skip
    symptom_checkin(user=user, recorded_on=today - dt.timedelta(days=2),
                    scores={"muscle_cramps": 1, "fatigue": 0})  # fmt: skip
    plan_refresh(user)  # what the on-commit refresh does after those writes
    return user


def test_the_report_says_who_what_is_taken_how_they_feel_and_the_plan(client, person):
    client.force_login(person)
    html = client.get(reverse("dashboard:report")).content.decode()
    who = re.search(r'data-testid="report-person">(.*?)</p>', html, re.S).group(1)
    assert "Ada Lovelace" in who and "born 1985" in who
    supplements = html[html.index('data-testid="report-supplements"') :]
    assert "Vitamin D3" in supplements and "4,000 IU" in supplements
    assert fmt_date(dt.date(2025, 3, 1)) in supplements
    symptoms = html[html.index('data-testid="report-symptoms"') :]
    assert "Muscle cramps" in symptoms and "3 → 1" in symptoms and "Fatigue" not in symptoms[:400]
    plan_page = client.get(reverse("protocols:plan")).content.decode()
    due = re.search(r'data-testid="retest-date">([^<]+)<', plan_page).group(1)
    assert f"Next retest: <strong>{due}</strong>" in html  # one date, one format
    assert "45 nmol/L" in html and "(45 nmol/L)" not in html  # entered in the shown unit
    assert "75–250 nmol/L" in html  # the usual lab range, in the person's unit
    assert "morning 10000" not in html.lower()


def test_the_report_downloads_as_a_pdf_with_the_same_content(client, person):
    require(shutil.which("pdftotext") is not None, "pdftotext (Debian: poppler-utils)")
    client.force_login(person)
    response = client.get(reverse("dashboard:report-pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="cofactor-report-')
    assert response.content.startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.content,
                          capture_output=True, check=True).stdout.decode()  # fmt: skip
    text = unicodedata.normalize("NFKC", text)  # the font's ligatures ("st") back to letters
    assert "Ada Lovelace" in text and "born 1985" in text
    assert "Supplements taken now" in text and "4,000 IU" in text
    assert "Next retest" in text, text
    assert "Not medical advice" in text, text


def test_an_outsider_gets_only_their_own_report(client, person, other_user):
    client.force_login(other_user)
    assert "Ada Lovelace" not in client.get(reverse("dashboard:report")).content.decode()


def test_the_old_report_address_leads_to_the_report(client_logged_in):
    response = client_logged_in.get("/labs/report/", follow=True)
    assert response.redirect_chain == [("/report/", 301)]
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_kept_report_body_follows_the_data_the_profile_and_the_email(client, user):
    """The body is rendered once per person and data version (dashboard.caching): a new
    check-in, a name on the profile or a new email address shows on the next view."""
    client.force_login(user)
    url = reverse("dashboard:report")
    first = client.get(url).content.decode()
    assert "Add your name to the report" in first and "Fatigue" not in first
    symptom_checkin(user=user, recorded_on=person_today(user), scores={"fatigue": 3})
    assert "Fatigue" in client.get(url).content.decode()
    HealthProfile.objects.update_or_create(user=user, defaults={"name": "Anna Beispiel"})
    named = client.get(url).content.decode()
    assert "Anna Beispiel" in named and "Add your name to the report" not in named
    user.email = "anna@example.org"
    user.save()
    assert "anna@example.org" in client.get(url).content.decode()

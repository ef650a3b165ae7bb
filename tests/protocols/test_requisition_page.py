"""The printable requisition sheet: exactly the current plan's retest tests, owner only."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from labs.analytes import ANALYTES
from protocols import services
from protocols.rules import RULE_SETS
from tests.factories import UserFactory, panel_with, plan_with_retest

pytestmark = pytest.mark.django_db

URL = reverse("protocols:requisition")
ROW = re.compile(r'<tr data-analyte="([a-z0-9_]+)">.*?data-testid="loinc">([^<]+)</td>', re.S)


def rows(response) -> list[tuple[str, str]]:
    return ROW.findall(response.content.decode())


def test_the_sheet_lists_exactly_the_engines_retest_tests_with_their_loinc_codes(client, user):
    # A high PTH adds PTH to the retest; vitamin D adds calcium (the engine decides).
    panel_with(
        user, dt.date.today() - dt.timedelta(days=3), vitd_25oh=18, mg_rbc=4.2, pth_intact=90
    )
    plan = services.plan_refresh_if_stale(user)
    tests = plan.data["retest"]["tests"]
    assert "pth_intact" in tests  # the case this test is about
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    assert rows(response) == [(code, ANALYTES[code].loinc[0]) for code in tests]
    page = response.content.decode()
    assert "whole blood" in page  # RBC magnesium
    assert 'data-advice="biotin"' in page and 'data-advice="pth_morning"' in page
    assert 'data-advice="vitd_routine"' in page
    assert "no-store" in response["Cache-Control"]


def test_the_sheet_follows_the_stored_plan_not_a_fixed_list(client, user):
    plan = plan_with_retest(user, dt.date.today() + dt.timedelta(days=20), tests=("mg_rbc",))
    # today's plan under today's rules: the page reads it as stored, without recomputing
    plan.rules_version = RULE_SETS[user.rule_set].version
    plan.save()
    client.force_login(user)
    assert rows(client.get(URL)) == [("mg_rbc", "26746-8")]


def test_another_persons_plan_never_shows(client, user):
    panel_with(user, dt.date.today() - dt.timedelta(days=3), vitd_25oh=18, pth_intact=90)
    services.plan_refresh_if_stale(user)
    outsider = UserFactory()
    client.force_login(outsider)
    response = client.get(URL)
    assert response.status_code == 200
    assert rows(response) == []
    assert 'data-testid="requisition-empty"' in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_plan_page_and_the_dashboard_link_to_it(client, user):
    panel_with(user, dt.date.today() - dt.timedelta(days=3), vitd_25oh=18, mg_rbc=4.2)
    client.force_login(user)
    for page in (reverse("protocols:plan"), reverse("dashboard:home")):
        assert f'href="{URL}"' in client.get(page).content.decode(), page

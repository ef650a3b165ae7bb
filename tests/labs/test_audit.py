"""The audit trail (django-simple-history): who created, changed or deleted each panel,
result, supplement and profile, and when; shown on the panel page; gone with the account."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from labs.models import Panel, Result
from protocols.models import HealthProfile, SupplementIntake
from tests.factories import PASSWORD, UserFactory
from tests.labs.test_views_panels import post_panel

pytestmark = pytest.mark.django_db


ENTRY = re.compile(
    r'data-testid="audit-entry" data-action="(\w+)">\s*<time[^>]*>[^<]*</time> —(.*?)</li>', re.S
)


def trail(client, panel) -> list[tuple[str, str]]:
    html = client.get(reverse("labs:panel-detail", args=[panel.pk])).content.decode()
    return [(action, " ".join(text.split())) for action, text in ENTRY.findall(html)]


def test_the_panel_page_shows_who_created_changed_and_removed_what(client_logged_in, user):
    post_panel(client_logged_in, reverse("labs:panel-create"),
               ("vitd_25oh", "30", "ng/mL"), ("mg_rbc", "4.1", "mg/dL"))  # fmt: skip
    panel = Panel.objects.get(user=user)
    assert sorted(trail(client_logged_in, panel)) == [
        ("created", "25(OH)D added by you"),
        ("created", "RBC Mg added by you"),
        ("created", "panel added by you"),
    ]
    edit = reverse("labs:panel-edit", args=[panel.pk])
    post_panel(client_logged_in, edit, ("vitd_25oh", "42", "ng/mL"), lab="Quest")
    entries = trail(client_logged_in, panel)
    assert ("changed", "25(OH)D changed by you (value)") in entries
    assert ("deleted", "RBC Mg removed by you") in entries
    assert ("changed", "panel changed by you (lab)") in entries
    assert len(entries) == 6  # an unchanged save adds nothing


def test_an_administrators_change_is_named_so(client, admin_client, user):
    client.force_login(user)
    post_panel(client, reverse("labs:panel-create"), ("vitd_25oh", "30", "ng/mL"))
    panel = Panel.objects.get(user=user)
    result = panel.results.get()
    url = reverse("admin:labs_panel_change", args=[panel.pk])
    form = {
        "user": user.pk, "drawn_on": "2025-06-01", "lab": "Changed by staff", "notes": "",
        "fasting": "unknown", "results-TOTAL_FORMS": "1", "results-INITIAL_FORMS": "1",
        "results-MIN_NUM_FORMS": "0", "results-MAX_NUM_FORMS": "1000",
        "results-0-id": result.pk, "results-0-panel": panel.pk,
    }  # fmt: skip
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Panel.objects.get(pk=panel.pk).lab == "Changed by staff"
    assert ("changed", "panel changed by an administrator (lab)") in trail(client, panel)


def test_supplements_and_profile_changes_are_recorded_with_the_person(client_logged_in, user):
    client_logged_in.post(reverse("protocols:supplements"),
                          {"nutrient": "vitamin_d3", "amount": "2000", "unit": "IU"})  # fmt: skip
    intake = SupplementIntake.objects.get(user=user)
    client_logged_in.post(reverse("protocols:supplement-delete", args=[intake.pk]))
    client_logged_in.post(reverse("protocols:profile"), {"goal": "sleep", "sex": ""})
    intakes = SupplementIntake.history.filter(user_id=user.pk).order_by("history_date")
    assert [(h.history_type, h.history_user_id) for h in intakes] == [
        ("+", user.pk),
        ("-", user.pk),
    ]
    profiles = HealthProfile.history.filter(user_id=user.pk)
    assert profiles.exists() and {h.history_user_id for h in profiles} == {user.pk}


def test_an_import_is_recorded_too(client_logged_in, user):
    from tests.labs.test_import_export import import_csv

    import_csv(client_logged_in, b"date,analyte,value,unit\r\n2024-01-10,vitd_25oh,27.5,ng/mL\r\n")
    assert Result.history.filter(user_id=user.pk, history_type="+").count() == 1
    assert Panel.history.filter(user_id=user.pk, history_user_id=user.pk).count() == 1


def test_deleting_the_account_deletes_its_audit_trail(client_logged_in, user):
    post_panel(client_logged_in, reverse("labs:panel-create"), ("vitd_25oh", "30", "ng/mL"))
    client_logged_in.post(reverse("protocols:supplements"),
                          {"nutrient": "vitamin_d3", "amount": "2000", "unit": "IU"})  # fmt: skip
    bystander = UserFactory()
    Panel.objects.create(user=bystander, drawn_on="2024-01-01")
    client_logged_in.post(reverse("accounts:delete"), {"password": PASSWORD})
    for model in (Panel, Result, SupplementIntake, HealthProfile):
        assert not model.history.filter(user_id=user.pk).exists(), model
    assert Panel.history.filter(user_id=bystander.pk).exists()


def test_a_change_to_a_row_made_before_the_trail_is_still_listed(client_logged_in, user):
    from tests.factories import panel_with

    panel = panel_with(user, dt.date(2025, 6, 1), ("vitd_25oh", 30, "ng/mL"))
    Panel.history.filter(id=panel.pk).delete()  # as rows bulk-loaded before the trail existed
    Result.history.filter(panel_id=panel.pk).delete()
    edit = reverse("labs:panel-edit", args=[panel.pk])
    post_panel(client_logged_in, edit, ("vitd_25oh", "42", "ng/mL"), lab="Quest")
    entries = trail(client_logged_in, panel)
    assert ("changed", "panel changed by you") in entries
    assert ("changed", "25(OH)D changed by you") in entries

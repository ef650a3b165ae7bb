import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/signup/"])
def test_public_pages_answer_200(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/dashboard/", "/settings/", "/settings/delete/"])
def test_anonymous_requests_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logged_in_user_lands_on_dashboard_from_landing(client_logged_in):
    response = client_logged_in.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")


def test_dashboard_shows_the_disclaimer(client_logged_in):
    response = client_logged_in.get("/dashboard/")
    assert b'data-testid="disclaimer"' in response.content


@pytest.mark.django_db
def test_responses_carry_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy


@pytest.mark.django_db
def test_htmx_requests_carry_the_csrf_token(client):
    html = client.get("/accounts/login/").content.decode()
    assert re.search(r"hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'", html)


def test_no_template_loads_anything_from_another_host():
    external = re.compile(r"""(src|href)=["']?(https?:)?//""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if external.search(path.read_text())
    ]
    assert offenders == []


def test_preferences_are_saved(client_logged_in, user):
    response = client_logged_in.post(
        "/settings/",
        {
            "time_zone": "Europe/Paris",
            "vitd_unit": "nmol/L",
            "mineral_unit": "mmol/L",
            "rule_set": "within-limits",
            "reminders_enabled": "on",
            "reminder_lead_days": "3",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.time_zone, user.vitd_unit, user.reminder_lead_days) == (
        "Europe/Paris",
        "nmol/L",
        3,
    )
    assert user.overdue_followup is False


def test_unknown_time_zone_is_refused(client_logged_in, user):
    response = client_logged_in.post(
        "/settings/",
        {"time_zone": "Mars/Olympus", "vitd_unit": "ng/mL", "mineral_unit": "mg/dL",
         "rule_set": "seed", "reminder_lead_days": "7"},
    )  # fmt: skip
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.time_zone == "UTC"


def test_account_deletion_needs_the_password_and_removes_the_user(client_logged_in, user):
    from accounts.models import User

    client_logged_in.post("/settings/delete/", {"password": "wrong"})
    assert User.objects.filter(pk=user.pk).exists()
    client_logged_in.post("/settings/delete/", {"password": "correct-horse-battery-staple"})
    assert not User.objects.filter(pk=user.pk).exists()


def test_favicon_ico_points_at_our_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def test_the_persons_time_zone_does_not_outlive_their_request(client_logged_in, user):
    from django.utils import timezone

    user.time_zone = "Pacific/Auckland"
    user.save()
    client_logged_in.get("/dashboard/")
    assert timezone.get_current_timezone_name() == "UTC"

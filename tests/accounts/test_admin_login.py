"""The admin door goes through allauth's login: two-factor and rate limits apply there too."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.accounts.test_two_factor import activate_totp, current_totp, is_logged_in
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters and used TOTP codes live in the cache
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


def admin_login_post(client, user, password=PASSWORD):
    return client.post("/admin/login/?next=/admin/", {"username": user.email, "password": password})


def test_admin_login_form_never_logs_in_with_the_password_alone(client, staff):
    response = admin_login_post(client, staff)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_logged_in(client)
    assert client.get("/admin/").status_code == 302


def test_admin_login_asks_a_staff_member_for_the_totp_code(client, staff):
    secret, _ = activate_totp(client, staff)
    client.post(reverse("account_logout"))

    sent_on = client.get("/admin/login/?next=/admin/")
    assert sent_on.status_code == 302
    assert sent_on["Location"].startswith(reverse("account_login"))
    response = client.post(
        sent_on["Location"], {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing

    done = client.post(reverse("mfa_authenticate"), {"code": current_totp(secret)})
    assert done.status_code == 302
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_is_throttled(client, staff):
    for _ in range(5):
        wrong = client.post(reverse("account_login"), {"login": staff.email, "password": "nope"})
        assert wrong.status_code == 200
    # Five failures lock the email: even the right password is refused for now.
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200
    assert "Too many failed" in response.content.decode()
    assert not is_logged_in(client)
    assert admin_login_post(client, staff)["Location"].startswith(reverse("account_login"))


def test_a_logged_in_non_staff_person_is_refused_by_the_admin(client, user):
    client.force_login(user)
    assert client.get("/admin/login/").status_code == 403

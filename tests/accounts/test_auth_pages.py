import re

import pytest
from django.core import mail

from tests.factories import PASSWORD


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_account_pages_use_our_layout(client, url):
    html = client.get(url).content.decode()
    assert 'data-testid="disclaimer"' in html
    assert "vendor/bootstrap-5.3.8/bootstrap.min.css" in html


def test_password_reset_sends_a_link_that_sets_a_new_password(client, user):
    client.post("/accounts/password/reset/", {"email": user.email})
    assert len(mail.outbox) == 1
    path = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)[1]
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url, {"password1": "a brand new passphrase", "password2": "a brand new passphrase"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")


def test_password_change_needs_the_old_password(client_logged_in, user):
    client_logged_in.post(
        "/accounts/password/change/",
        {
            "oldpassword": "wrong",
            "password1": "another passphrase 7",
            "password2": "another passphrase 7",
        },
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_unverified_email_cannot_log_in_when_confirmation_is_mandatory(client):
    from accounts.models import User

    User.objects.create_user("unconfirmed@example.org", PASSWORD)
    response = client.post(
        "/accounts/login/", {"login": "unconfirmed@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_signup_with_an_existing_email_is_refused(client, user):
    client.post(
        "/accounts/signup/",
        {
            "email": user.email,
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
        },
    )
    from accounts.models import User

    assert User.objects.filter(email=user.email).count() == 1


def test_repeated_failed_logins_are_throttled(client, user):
    for _ in range(5):
        client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)

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


def test_a_password_change_sends_a_notice_signed_cofactor(client_logged_in, user, settings):
    settings.SITE_URL = "https://cofactor.example.org"
    mail.outbox.clear()
    client_logged_in.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another passphrase 7",
         "password2": "another passphrase 7"},
    )  # fmt: skip
    (notice,) = mail.outbox
    assert notice.to == [user.email] and "password" in notice.subject.lower()
    assert notice.subject.startswith("[Cofactor] ")
    assert "— Cofactor" in notice.body and "https://cofactor.example.org" in notice.body
    assert "Hello from" not in notice.body and "testserver" not in notice.body


def test_reset_emails_are_signed_cofactor_too(client, user):
    client.post("/accounts/password/reset/", {"email": user.email})
    (message,) = mail.outbox
    assert "— Cofactor" in message.body and "Hello from" not in message.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
            "/accounts/password/reset/done/"],
)  # fmt: skip
def test_account_pages_say_log_in_and_sign_up_and_promise_no_contact(client, url):
    html = client.get(url).content.decode()
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Sign In" not in text and "Sign Up" not in text and "Sign in" not in text
    assert "contact us" not in text.lower()

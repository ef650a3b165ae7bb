"""Interface language: the browser's until the person picks one; their pick wins once logged in."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_translations")]


def test_a_german_browser_gets_german_pages(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    body = response.content.decode()
    assert '<html lang="de">' in body
    assert "Keine medizinische Beratung." in body
    assert response["Content-Language"] == "de"


def test_an_unknown_language_falls_back_to_english(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert '<html lang="en">' in response.content.decode()
    assert "Not medical advice." in response.content.decode()


def test_the_persons_language_wins_over_the_browser(client):
    client.force_login(UserFactory(language="de"))
    response = client.get(reverse("accounts:preferences"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert "Einstellungen speichern" in response.content.decode()


def test_the_switcher_sets_the_cookie_and_remembers_the_choice(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:set-language"), {"language": "de", "next": "/settings/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/settings/"
    assert response.cookies["django_language"].value == "de"
    user.refresh_from_db()
    assert user.language == "de"
    assert "Einstellungen speichern" in client.get("/settings/").content.decode()


def test_the_switcher_works_before_login_and_refuses_unknown_languages(client, user):
    response = client.post(reverse("accounts:set-language"), {"language": "de", "next": "/"})
    assert response.cookies["django_language"].value == "de"
    client.force_login(user)
    client.post(reverse("accounts:set-language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == ""


def test_the_switcher_refuses_an_outside_redirect(client):
    response = client.post(
        reverse("accounts:set-language"), {"language": "de", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_switcher_needs_csrf(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(reverse("accounts:set-language"), {"language": "de"})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.language == ""


def test_the_footer_and_settings_offer_the_switcher(client_logged_in):
    body = client_logged_in.get(reverse("accounts:preferences")).content.decode()
    assert body.count('data-testid="language-switcher"') == 2
    assert '<option value="de" lang="de">Deutsch</option>' in body


def test_allauths_pages_address_a_german_reader_as_sie(client):
    body = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Sie haben bereits ein Konto?" in body
    assert "Du hast" not in body
    body = client.get(reverse("account_reset_password"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Geben Sie unten Ihre E-Mail-Adresse ein" in body


def test_a_german_request_leaves_no_german_behind_in_the_thread(client):
    from django.utils import translation

    client.force_login(UserFactory(language="de"))
    response = client.get(reverse("accounts:preferences"))
    assert response["Content-Language"] == "de"
    assert translation.get_language() == "en"
    client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de")
    assert translation.get_language() == "en"

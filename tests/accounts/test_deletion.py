"""Deleting an account ends every session of the person and keeps no stashed upload."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.test_two_factor import activate_totp, current_totp, wrong_code
from tests.factories import PASSWORD, UserFactory

CSV = b"date,analyte,value,unit\r\n2024-01-10,vitd_25oh,27.5,ng/mL\r\n"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def sessions_of(user) -> list[str]:
    pk = str(user.pk)
    return [s.session_key for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == pk]


@pytest.mark.django_db
def test_deletion_ends_every_session_and_drops_the_stashed_upload(user):
    bystander = UserFactory()
    here, phone, theirs = Client(), Client(), Client()
    for client, person in ((here, user), (phone, user), (theirs, bystander)):
        client.force_login(person)
    preview = phone.post(reverse("labs:import"), {"file": SimpleUploadedFile("r.csv", CSV)})
    assert preview.context["token"]  # the upload waits in the phone's session
    assert len(sessions_of(user)) == 2
    assert any("labs-import" in str(s.get_decoded()) for s in Session.objects.all())

    response = here.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert sessions_of(user) == []
    assert not any("labs-import" in str(s.get_decoded()) for s in Session.objects.all())
    assert phone.get(reverse("labs:panel-list")).status_code == 302  # signed out
    assert len(sessions_of(bystander)) == 1  # nobody else's session is touched


@pytest.mark.django_db
def test_the_password_check_is_throttled(client_logged_in, user):
    for _ in range(5):
        wrong = client_logged_in.post(reverse("accounts:delete"), {"password": "guess"})
        assert "That is not your password" in wrong.content.decode()
    refused = client_logged_in.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert refused.status_code == 200
    assert "Too many attempts" in refused.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_with_two_factor_deletion_asks_for_the_code(client, user):
    secret, recovery_codes = activate_totp(client, user)
    page = client.get(reverse("accounts:delete")).content.decode()
    assert 'name="code"' in page

    no_code = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert no_code.status_code == 200
    bad_code = client.post(
        reverse("accounts:delete"), {"password": PASSWORD, "code": wrong_code(secret)}
    )
    assert "That code is not valid" in bad_code.content.decode()
    assert User.objects.filter(pk=user.pk).exists()

    done = client.post(
        reverse("accounts:delete"), {"password": PASSWORD, "code": current_totp(secret)}
    )
    assert done.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_without_two_factor_no_code_is_asked(client_logged_in):
    assert 'name="code"' not in client_logged_in.get(reverse("accounts:delete")).content.decode()

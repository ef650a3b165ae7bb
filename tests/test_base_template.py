"""templates/base.html: the navigation and footer each process renders once (the "process"
cache) stay right for every person, page, language and sign-in state."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.models import User


@pytest.fixture(autouse=True)
def _fresh_process_fragments():
    caches["process"].clear()
    yield
    caches["process"].clear()


def current(html: str) -> list[str]:
    """The nav links marked as the current page."""
    return re.findall(r'class="nav-link active" aria-current="page" href="([^"]+)"', html)


@pytest.mark.django_db
def test_each_person_sees_their_own_email_and_token_in_the_shared_navigation(user, other_user):
    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(other_user)
    home = reverse("dashboard:home")
    mine = first.get(home).content.decode()
    assert any("base-nav" in key for key in caches["process"]._cache)  # kept by this process
    theirs = second.get(home).content.decode()  # the navigation now comes from the cache
    assert user.email in mine and other_user.email not in mine
    assert other_user.email in theirs and user.email not in theirs
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', theirs).group(1)
    assert "Log out" in theirs and current(theirs) == [home]
    # the token in the shared navigation's logout form is this visitor's own: it logs them out
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = second.cookies
    response = checked.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert checked.get(home).status_code == 302  # signed out


@pytest.mark.django_db
def test_the_current_page_language_and_sign_in_state_each_have_their_own_navigation(user):
    client = Client()
    client.force_login(user)
    for name in ("dashboard:home", "labs:panel-list", "labs:symptom-list", "dashboard:trends"):
        assert current(client.get(reverse(name)).content.decode()) == [reverse(name)]
    User.objects.filter(pk=user.pk).update(language="de")
    german = client.get(reverse("dashboard:home")).content.decode()
    assert "Abmelden" in german and ">Log out<" not in german
    assert 'data-testid="disclaimer"><strong>Keine medizinische Beratung.' in german
    assert re.search(r'<option value="de" lang="de" selected>', german)
    visitor = Client().get(reverse("protocols:what-if")).content.decode()
    assert reverse("account_login") in visitor and reverse("account_logout") not in visitor
    assert f'name="next" value="{reverse("protocols:what-if")}"' in visitor  # its own page

"""Sign-up does the same work for a known email as for a new one (no membership oracle).

Timing is measured by tests/bench/bench_signup.py; here a counting hasher (a real MD5 hasher
that also counts) proves that the password is hashed once on both paths.
"""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import override_settings

from accounts.models import User

HASHED: list[str] = []


class CountingHasher(MD5PasswordHasher):
    def encode(self, password, salt):
        HASHED.append(password)
        return super().encode(password, salt)


PASSPHRASE = "a sturdy passphrase 42"


def sign_up(client, email):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSPHRASE, "password2": PASSPHRASE}
    )


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=["tests.accounts.test_signup_timing.CountingHasher"])
@pytest.mark.parametrize("known", [True, False])
def test_sign_up_hashes_the_password_once_whether_the_email_is_known_or_not(client, user, known):
    HASHED.clear()
    email = user.email if known else "newcomer@example.org"
    response = sign_up(client, email)
    assert HASHED == [PASSPHRASE]
    # The same answer and one email either way.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    assert User.objects.filter(email=email).count() == 1

"""Optional TOTP two-factor (allauth.mfa), driven through the real pages.

The codes are computed here with RFC 6238 (HMAC-SHA1, 30 s steps, 6 digits), exactly as an
authenticator app would, so the tests prove interoperability rather than echo allauth.
"""

import base64
import hashlib
import hmac
import html
import re
import struct
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD

STEP = 30


def totp(secret: str, counter: int | None = None) -> str:
    """The 6-digit RFC 6238 code for a base32 secret at a given 30 s counter (default: now)."""
    if counter is None:
        counter = int(time.time()) // STEP
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def current_totp(secret: str) -> str:
    # allauth accepts only the current step (tolerance 0): never compute a code in the last
    # second of a step, it could expire before the request is handled.
    if STEP - time.time() % STEP < 1.5:
        time.sleep(STEP - time.time() % STEP + 0.1)
    return totp(secret)


def wrong_code(secret: str) -> str:
    counter = int(time.time()) // STEP
    valid = {totp(secret, counter + shift) for shift in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def log_in_with_password(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def open_activate_page(client, user) -> str:
    """Log in, confirm the password again as allauth asks before a security change; the page."""
    assert log_in_with_password(client, user).status_code == 302
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    confirmed = client.post(response["Location"], {"password": PASSWORD})
    assert confirmed["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    return page.content.decode()


def secret_on(page: str) -> str:
    return re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page)[1]


def activate_totp(client, user) -> tuple[str, list[str]]:
    """Activate TOTP through the pages; return the secret and the recovery codes shown."""
    secret = secret_on(open_activate_page(client, user))
    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes_page = client.get(response["Location"]).content.decode()
    textarea = re.search(
        r'<textarea[^>]*id="recovery_codes"[^>]*>(.*?)</textarea>', codes_page, re.S
    )
    return secret, html.unescape(textarea[1]).split()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth remembers used codes in the cache; ids repeat across tests in the in-memory DB.
    cache.clear()
    yield
    cache.clear()


def test_activate_page_shows_a_qr_code_the_policy_allows(client, user):
    text = open_activate_page(client, user)
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+"', text)
    policy = client.get(reverse("mfa_activate_totp"))["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy
    # No executable inline script: every <script> either loads a file or is a JSON data block.
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag
    assert 'data-testid="disclaimer"' in text


def test_a_wrong_code_does_not_activate_totp(client, user):
    from allauth.mfa.models import Authenticator

    secret = secret_on(open_activate_page(client, user))
    response = client.post(reverse("mfa_activate_totp"), {"code": wrong_code(secret)})
    assert response.status_code == 200
    assert 'id="error_1_id_code"' in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()


def test_activation_shows_recovery_codes_stored_for_the_user(client, user):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    _, shown = activate_totp(client, user)
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert len(shown) == 10
    assert shown == RecoveryCodes(stored).get_unused_codes()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_with_totp_the_password_alone_does_not_log_in(client, user):
    secret, _ = activate_totp(client, user)
    client.post(reverse("account_logout"))
    assert not is_logged_in(client)

    response = log_in_with_password(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    asking = client.get(reverse("mfa_authenticate"))
    assert asking.status_code == 200
    assert 'name="code"' in asking.content.decode()

    refused = client.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
    assert refused.status_code == 200
    assert 'id="error_1_id_code"' in refused.content.decode()
    assert not is_logged_in(client)

    accepted = client.post(reverse("mfa_authenticate"), {"code": current_totp(secret)})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/dashboard/"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_recovery_code_stands_in_for_the_app_once(client, user):
    _, codes = activate_totp(client, user)
    client.post(reverse("account_logout"))

    log_in_with_password(client, user)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert is_logged_in(client)

    client.post(reverse("account_logout"))
    log_in_with_password(client, user)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 200
    assert not is_logged_in(client)


def test_without_totp_the_password_still_logs_in(client, user):
    response = log_in_with_password(client, user)
    assert response["Location"] == "/dashboard/"
    assert is_logged_in(client)


def test_mfa_index_uses_our_layout(client_logged_in):
    text = client_logged_in.get(reverse("mfa_index")).content.decode()
    assert 'data-testid="disclaimer"' in text
    assert "vendor/bootstrap-5.3.8/bootstrap.min.css" in text
    assert reverse("mfa_activate_totp") in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["mfa_index", "mfa_activate_totp", "mfa_view_recovery_codes", "mfa_deactivate_totp"]
)
def test_mfa_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_settings_page_links_to_two_factor(client_logged_in):
    text = client_logged_in.get(reverse("accounts:preferences")).content.decode()
    assert f'href="{reverse("mfa_index")}"' in text

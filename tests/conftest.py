"""Shared fixtures.

Real services only: PostgreSQL (through DATABASE_URL), Redis (REDIS_URL) and Debian's
Chromium. Locally a missing service skips its tests with the reason; with CI=true a missing
service fails them, so CI can never pass by skipping.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def require(available: bool, reason: str) -> None:
    """Skip locally, fail in CI: a missing real service is never a silent pass."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI requires {reason}")
    pytest.skip(f"not available here: {reason}")


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def compiled_translations():
    """The translation catalogues compiled once per run, as `make test` does (GNU gettext)."""
    require(shutil.which("msgfmt") is not None, "GNU gettext's msgfmt (Debian: gettext)")
    from django.core.management import call_command

    call_command("compilemessages", ignore_patterns=[".venv", "var", "node_modules"], verbosity=0)


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in German leaves German active on the thread (the locale middlewares activate
    and never deactivate): each test starts in the default language, whatever ran before."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def client_logged_in(client, user):
    client.force_login(user)
    return client


# --- browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists() or shutil.which("chromium"), f"Chromium at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls that tests
    # make between browser steps are plain synchronous calls, which is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _new_page(browser, request, width: int, height: int, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    page.js_errors = errors
    return context, page


def _save_failure_screenshot(request, page) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)


def _browser_page(browser, request, live_server, width: int, height: int, **options):
    context, page = _new_page(browser, request, width, height, **options)
    page.base_url = live_server.url
    yield page
    _save_failure_screenshot(request, page)
    context.close()


@pytest.fixture
def page(browser, request, live_server):
    yield from _browser_page(browser, request, live_server, 1280, 900)


@pytest.fixture
def phone_page(browser, request, live_server):
    yield from _browser_page(browser, request, live_server, 375, 812)


# A person in Germany: the browser's language and time zone (what sign-up pre-fills from).
GERMAN_BROWSER = {"locale": "de-DE", "timezone_id": "Europe/Berlin"}


@pytest.fixture
def de_page(browser, request, live_server):
    yield from _browser_page(browser, request, live_server, 1280, 900, **GERMAN_BROWSER)


@pytest.fixture
def de_phone_page(browser, request, live_server):
    yield from _browser_page(browser, request, live_server, 375, 812, **GERMAN_BROWSER)


def save_screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artifact (test-artifacts/<name>.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login_in_browser(page, email: str, password: str) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")

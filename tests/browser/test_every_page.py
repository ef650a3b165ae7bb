"""Every page of the demo account, at a phone's width and a laptop's (issue #14 acceptance).

Each page must fit the viewport (no sideways scroll), raise no console error, and show no raw
code: no rule id, analyte, symptom, flag or nutrient code the engine can emit (the list comes
from the engine's own data, tests/engine_codes.py). Screenshots of the dashboard, plan,
trends and report at both widths are kept under test-artifacts/ on every run.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from labs.models import LifeEvent, Panel, SymptomEntry
from protocols.models import Plan, SupplementIntake
from tests.conftest import _browser_page, login_in_browser, save_screenshot
from tests.engine_codes import engine_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_EMAIL, DEMO_PASSWORD = "demo@cofactor.local", "cofactor-demo"
SIZES = {"phone": (375, 812), "laptop": (1280, 800)}
SCREENSHOTS = {"/dashboard/": "dashboard", "/plan/": "plan", "/trends/": "trends",
               "/report/": "report"}  # fmt: skip
CODES = set(engine_codes())
WORD = re.compile(r"[A-Za-z0-9_.]+")


def demo_pages() -> list[str]:
    from accounts.models import User

    demo = User.objects.get(email=DEMO_EMAIL)
    panel = Panel.objects.filter(user=demo).order_by("-drawn_on").first()
    plan = Plan.objects.filter(user=demo).order_by("created_at").first()
    intake = SupplementIntake.objects.filter(user=demo).first()
    pages = [
        "/dashboard/", "/plan/", "/plan/history/", f"/plan/{plan.pk}/", "/plan/sources/",
        "/plan/what-if/", "/trends/", "/trends/?analyte=mg_rbc", "/trends/?analyte=pth_intact",
        "/labs/", "/labs/panels/new/", f"/labs/panels/{panel.pk}/",
        f"/labs/panels/{panel.pk}/edit/", f"/labs/panels/{panel.pk}/delete/", "/labs/symptoms/",
        "/labs/life-events/", "/labs/import/", "/report/", "/plan/requisition/", "/share/",
        "/supplements/", "/supplements/taken/", f"/supplements/{intake.pk}/edit/",
        f"/supplements/{intake.pk}/delete/",
        "/profile/", "/settings/", "/settings/delete/", "/accounts/password/change/",
        "/accounts/email/",
    ]  # fmt: skip
    assert SymptomEntry.objects.filter(user=demo).exists()
    assert LifeEvent.objects.filter(user=demo).exists()
    return pages


def raw_codes(text: str) -> list[str]:
    return sorted({w.strip(".") for w in WORD.findall(text)} & CODES)


@pytest.mark.parametrize("size", SIZES, ids=SIZES.keys())
def test_every_demo_page_fits_shows_no_code_and_logs_no_error(browser, request, live_server, size):
    call_command("demo_account", verbosity=0)
    width, height = SIZES[size]
    page = next(_browser_page(browser, request, live_server, width, height))
    login_in_browser(page, DEMO_EMAIL, DEMO_PASSWORD)
    problems = []
    for path in demo_pages():
        page.js_errors.clear()
        response = page.goto(page.base_url + path)
        page.wait_for_load_state("networkidle")
        if response.status != 200:
            problems.append(f"{path}: HTTP {response.status}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            problems.append(f"{path}: {scroll_width} px wide at {width} px")
        leaked = raw_codes(page.locator("body").inner_text())
        if leaked:
            problems.append(f"{path}: shows {leaked}")
        if page.js_errors:
            problems.append(f"{path}: console {page.js_errors}")
        if path in SCREENSHOTS:
            save_screenshot(page, f"{SCREENSHOTS[path]}-{width}")
    assert problems == [], "\n".join(problems)


def test_the_code_list_comes_from_the_engine():
    assert {"d3.tier.severe", "retest.correction", "pth_intact", "excessive_thirst"} <= CODES
    assert raw_codes("Take 25(OH)D; see d3.tier.severe.") == ["d3.tier.severe"]

"""Nothing lost: a second check-in the same day keeps the first one's note, and a deleted
symptom score comes back with one click."""

import pytest
from playwright.sync_api import expect

from labs.models import SymptomEntry
from tests.conftest import login_in_browser, save_screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_in(page, note: str, **scores: str) -> None:
    for code, score in scores.items():
        page.select_option(f"[name=s_{code}]", score)
    page.fill("[name=note]", note)
    page.get_by_role("button", name="Save check-in").click()
    page.wait_for_load_state()


def test_two_checkins_on_one_day_keep_both_notes_and_times(phone_page):
    page = phone_page
    user = UserFactory()
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/labs/symptoms/")
    check_in(page, "slept badly", fatigue="3", insomnia="2")
    check_in(page, "better after lunch", fatigue="1")
    day = page.get_by_test_id("symptom-day").first
    checkins = day.get_by_test_id("checkins").locator("li")
    expect(checkins).to_have_count(2)
    expect(checkins.nth(0)).to_contain_text("slept badly")
    expect(checkins.nth(1)).to_contain_text("better after lunch")
    scores = dict(SymptomEntry.objects.filter(user=user).values_list("symptom", "severity"))
    assert scores == {"fatigue": 1, "insomnia": 2}  # the later score wins, the other stays
    save_screenshot(page, "symptoms-375")
    assert page.js_errors == []


def test_a_deleted_symptom_score_is_undone_with_one_click(page):
    user = UserFactory()
    login_in_browser(page, user.email, PASSWORD)
    page.goto(page.base_url + "/labs/symptoms/")
    check_in(page, "cramps at night", muscle_cramps="2")
    page.get_by_role("button", name="Delete Muscle cramps or twitches").click()
    page.wait_for_load_state()
    assert not SymptomEntry.objects.filter(user=user).exists()
    page.get_by_test_id("undo").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("symptom-history")).to_contain_text("2")
    entry = SymptomEntry.objects.get(user=user)
    assert (entry.symptom, entry.severity) == ("muscle_cramps", 2)
    assert page.js_errors == []

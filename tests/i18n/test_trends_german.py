"""The trends page in German: its period in the heading keeps the noun's capital, and the
chart's stop line writes its number with the German decimal comma."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import UserFactory, panel_with

pytestmark = pytest.mark.usefixtures("compiled_translations")


@pytest.mark.django_db
def test_the_german_trends_page_writes_its_period_and_stop_line_in_german(client):
    person = UserFactory(language="de", country="DE")  # ng/mL: the stop line at 100.0
    panel_with(person, dt.date.today() - dt.timedelta(days=30), vitd_25oh=(92, "ng/mL"))
    client.force_login(person)
    html = client.get(reverse("dashboard:trends") + "?analyte=vitd_25oh&range=1y").content.decode()
    assert "(ng/mL, 1 Jahr)" in html
    assert "100,0 ng/mL" in html
    assert "100.0 ng/mL" not in html
    every = client.get(reverse("dashboard:trends") + "?analyte=vitd_25oh&range=all")
    assert "(ng/mL, gesamter Zeitraum)" in every.content.decode()

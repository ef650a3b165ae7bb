"""Six quick adds of one analyte at the same moment: one panel, one result, no 500.

Real PostgreSQL and real threads (one connection each), as gunicorn's workers would be.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from labs.models import Panel, Result
from tests.conftest import require
from tests.factories import UserFactory, panel_with

DAY = dt.date(2025, 6, 1)
REQUESTS = 6


def post_together(user, value_for) -> list[int]:
    barrier = threading.Barrier(REQUESTS)
    statuses: list[int] = []

    def one(n: int) -> None:
        client = Client()
        client.force_login(user)
        data = {"drawn_on": DAY.isoformat(), "analyte": "vitd_25oh", "unit": "ng/mL"}
        barrier.wait()
        try:
            response = client.post(
                "/labs/quick-result/", {**data, "value": value_for(n)}, HTTP_HX_REQUEST="true"
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


@pytest.fixture
def postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("panel_exists", [False, True])
def test_concurrent_quick_adds_make_one_panel_and_one_result(postgres, panel_exists):
    user = UserFactory()
    if panel_exists:
        panel_with(user, DAY, ("mg_rbc", 4.2, "mg/dL"))
    statuses = post_together(user, lambda n: str(30 + n))
    assert statuses == [200] * REQUESTS  # the losers get the form back with the error
    assert Panel.objects.filter(user=user, drawn_on=DAY).count() == 1
    assert Result.objects.filter(user=user, drawn_on=DAY, analyte="vitd_25oh").count() == 1

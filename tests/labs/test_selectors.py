import datetime as dt

from dashboard.selectors import latest_results
from labs.selectors import latest_values, newest_results
from labs.services import panel_create
from protocols.services import snapshot_for_user


def add(user, day, value):
    panel_create(
        user=user, drawn_on=day, lab="", fasting=None, notes="",
        results=[("vitd_25oh", value, "ng/mL")],
    )  # fmt: skip


def test_every_reader_agrees_on_the_newest_result(user, other_user, django_assert_num_queries):
    day = dt.date(2026, 3, 2)
    add(user, day - dt.timedelta(days=90), 18)
    add(user, day, 30)
    add(user, day, 26)  # same date, entered later (a correction): the newest
    add(other_user, day + dt.timedelta(days=1), 99)
    with django_assert_num_queries(1):
        assert [r.canonical_value for r in newest_results(user=user, per_analyte=3)] == [26, 30, 18]
    assert latest_values(user=user)[0].result.canonical_value == 26
    assert latest_results(user=user)[0].current.canonical_value == 26
    plan_input = snapshot_for_user(user, as_of=day).results["vitd_25oh"]
    assert [m.value for m in plan_input] == [18, 26]  # previous draw, then the newest


def test_as_of_leaves_out_later_draws(user):
    add(user, dt.date(2026, 1, 1), 20)
    add(user, dt.date(2026, 6, 1), 40)
    rows = newest_results(user=user, as_of=dt.date(2026, 3, 1))
    assert [r.canonical_value for r in rows] == [20]

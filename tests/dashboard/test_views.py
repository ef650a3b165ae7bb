import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.summaries import format_value
from labs.services import panel_create
from labs.units import from_canonical
from protocols.models import Reminder
from tests.factories import (
    IntakeFactory,
    PlanFactory,
    ResultFactory,
    UserFactory,
    add_symptoms,
    make_history,
    plan_data,
)

pytestmark = pytest.mark.django_db

HOME = reverse("dashboard:home")
TRENDS = reverse("dashboard:trends")
HX = {"HTTP_HX_REQUEST": "true"}


def figure_from(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no #{element_id} JSON in the page"
    return json.loads(match.group(1))


def today():
    return timezone.localdate()


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [HOME, TRENDS, TRENDS + "?analyte=vitd_25oh"])
def test_anonymous_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_anonymous_htmx_request_goes_to_login_too(client):
    response = client.get(TRENDS, **HX)
    assert response.status_code == 302


def test_landing_redirects_a_signed_in_person_to_the_dashboard(client_logged_in):
    assert client_logged_in.get(reverse("dashboard:landing")).url == HOME


# --- dashboard ---------------------------------------------------------------------------


def test_dashboard_shows_latest_values_in_the_preferred_unit_with_change(client, user):
    user.vitd_unit = "nmol/L"
    user.save()
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today() - dt.timedelta(days=90),
        analyte="vitd_25oh",
        value=20,
        unit="ng/mL",
        panel__lab="Quest",
    )
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today() - dt.timedelta(days=5),
        analyte="vitd_25oh",
        value=45,
        unit="ng/mL",
        panel__lab="LabCorp",
    )
    client.force_login(user)
    html = client.get(HOME).content.decode()
    assert "dashboard-greeting" in html and user.email in html
    row = re.search(r'data-analyte="vitd_25oh".*?</li>', html, re.S).group(0)
    assert "112 </span>" not in row  # 45 ng/mL is 112.3 nmol/L, shown without decimals
    assert '<span class="fs-5 fw-semibold" data-testid="marker-value">112</span>' in row
    assert "nmol/L" in row and "LabCorp" in row
    assert "badge-status-in_target" in row
    assert "+62 " in row  # (45 - 20) × 2.496 = 62.4 nmol/L since the draw before


def test_dashboard_sparkline_plots_vitamin_d_in_the_preferred_unit(client, user):
    user.vitd_unit = "nmol/L"
    user.save()
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today() - dt.timedelta(days=30),
        analyte="vitd_25oh",
        value=30,
        unit="ng/mL",
    )
    client.force_login(user)
    html = client.get(HOME).content.decode()
    figure = figure_from(html, "vitd-sparkline")
    assert figure["data"][0]["y"] == [from_canonical("vitd_25oh", 30, "nmol/L")]
    assert "plotly-scatter.min.js" in html and "js/charts.js" in html


def test_dashboard_shows_the_plan_at_a_glance_with_stop_alerts_first(client, user):
    PlanFactory(user=user, retest_due_on=today() + dt.timedelta(days=12))
    client.force_login(user)
    html = client.get(HOME).content.decode()
    glance = re.search(r'data-testid="plan-glance".*?</section>', html, re.S).group(0)
    assert "Correction" in glance
    assert "Morning" in glance and "Evening" in glance
    assert "5,000–7,000 IU" in glance and "200–300 mg" in glance
    assert "only under medical supervision" in glance
    assert 'data-testid="disclaimer"' in glance
    serious = re.search(r'data-testid="serious-alerts".*?</div>\s*</div>', html, re.S).group(0)
    assert "Stop vitamin D now." in serious and "alert-danger" in serious
    assert "Add K2." in glance and "Add K2." not in serious
    assert "in 12 days" in html


def test_dashboard_says_whether_a_marker_is_on_track(client, user):
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today() - dt.timedelta(days=84),
        analyte="mg_rbc",
        value=4.3,
        unit="mg/dL",
    )
    ResultFactory(
        panel__user=user, panel__drawn_on=today(), analyte="mg_rbc", value=4.4, unit="mg/dL"
    )
    data = plan_data(alerts=[])
    data["response"] = {
        "mg_rbc": {"previous": 4.3, "current": 4.4, "expected": [5.5, 6.0], "on_track": False}
    }
    PlanFactory(user=user, data=data)
    client.force_login(user)
    html = client.get(HOME).content.decode()
    row = re.search(r'data-analyte="mg_rbc".*?</li>', html, re.S).group(0)
    assert "behind" in row and "slower than expected" not in row


def test_dashboard_marks_an_overdue_retest(client, user):
    PlanFactory(user=user, retest_due_on=today() - dt.timedelta(days=3))
    client.force_login(user)
    html = client.get(HOME).content.decode()
    assert 'data-testid="retest-overdue"' in html and "overdue by 3 days" in html


def _reminder(user, state, *, due_on, send_at):
    return Reminder.objects.create(
        user=user, state=state, due_on=due_on, send_at=send_at, tests=["vitd_25oh"]
    )


@pytest.fixture
def auckland(user):
    """The person lives in Auckland; the zone the middleware activates is reset after."""
    user.time_zone = "Pacific/Auckland"
    user.save()
    yield timezone.localtime(timezone=ZoneInfo("Pacific/Auckland")).date()
    timezone.deactivate()


def test_dashboard_shows_the_next_reminder_email_in_the_persons_zone(client, user, auckland):
    due = auckland + dt.timedelta(days=40)
    # 20:30 UTC is already the next day in Auckland: the date shown is the local one.
    send_at = dt.datetime.combine(due - dt.timedelta(days=4), dt.time(20, 30), tzinfo=dt.UTC)
    _reminder(user, Reminder.State.SCHEDULED, due_on=due, send_at=send_at)
    PlanFactory(
        user=user, retest_due_on=due + dt.timedelta(days=10)
    )  # the open reminder's date wins
    client.force_login(user)
    html = client.get(HOME).content.decode()
    local_day = (due - dt.timedelta(days=3)).strftime("%-d %b %Y")
    assert 'data-testid="next-reminder"' in html
    assert f"Next retest reminder: {local_day}" in html
    assert "in 40 days" in html  # counted in the person's calendar too


def test_dashboard_says_when_the_reminder_was_already_sent(client, user):
    due = today() + dt.timedelta(days=2)
    _reminder(user, Reminder.State.SENT, due_on=due, send_at=timezone.now())
    client.force_login(user)
    html = client.get(HOME).content.decode()
    assert "Retest reminder sent" in html and "in 2 days" in html


def test_dashboard_says_reminder_emails_are_off(client, user):
    user.reminders_enabled = False
    user.save()
    PlanFactory(user=user, retest_due_on=today() + dt.timedelta(days=30))
    client.force_login(user)
    html = client.get(HOME).content.decode()
    assert 'data-testid="reminders-off"' in html and 'data-testid="next-reminder"' not in html
    assert reverse("accounts:preferences") in html


def test_dashboard_reads_the_retest_from_the_plan_json_when_the_column_is_empty(client, user):
    data = plan_data()
    data["retest"] = {"due_on": (today() + dt.timedelta(days=1)).isoformat(), "tests": []}
    PlanFactory(user=user, data=data)
    client.force_login(user)
    assert "in 1 day" in client.get(HOME).content.decode()


def test_the_newest_plan_is_the_one_shown(client, user):
    PlanFactory(user=user, data=plan_data(phase="correction", alerts=[]), phase="correction")
    PlanFactory(user=user, data=plan_data(phase="maintenance", alerts=[]), phase="maintenance")
    client.force_login(user)
    html = client.get(HOME).content.decode()
    assert re.search(r'data-testid="plan-phase">Maintenance<', html)


def test_empty_dashboard_tells_what_to_do_next_and_loads_no_plotly(client_logged_in):
    html = client_logged_in.get(HOME).content.decode()
    assert 'data-testid="markers-empty"' in html
    assert "Your plan appears here after your first results." in html
    assert "plotly" not in html


def test_dashboard_never_shows_another_persons_data(client, user, other_user):
    make_history(other_user, panels=3, lab="OutsiderLab")
    PlanFactory(
        user=other_user, data=plan_data(alerts=[{"level": "stop", "message": "OUTSIDER-ALERT"}])
    )
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today(),
        analyte="mg_rbc",
        value=5.9,
        unit="mg/dL",
        panel__lab="MyLab",
    )
    client.force_login(user)
    html = client.get(HOME).content.decode()
    assert "MyLab" in html
    assert "OutsiderLab" not in html and "OUTSIDER-ALERT" not in html
    assert 'data-analyte="vitd_25oh"' not in html  # only the other person has 25(OH)D


# --- trends ------------------------------------------------------------------------------


def test_trends_page_and_fragment_serve_the_same_chart(client, user):
    make_history(user, panels=6, first_on=today() - dt.timedelta(days=60), every_days=7)
    client.force_login(user)
    page = client.get(TRENDS + "?analyte=mg_rbc")
    fragment = client.get(TRENDS + "?analyte=mg_rbc", **HX)
    assert page.status_code == fragment.status_code == 200
    page_html, fragment_html = page.content.decode(), fragment.content.decode()
    assert "<html" in page_html and "plotly-scatter.min.js" in page_html
    assert "<html" not in fragment_html and "<script src" not in fragment_html
    assert 'id="trend-chart"' in fragment_html
    assert figure_from(page_html, "trend-figure") == figure_from(fragment_html, "trend-figure")
    assert 'hx-trigger="results-changed from:body"' in fragment_html


@pytest.mark.parametrize("headers", [{}, HX])
def test_trends_responses_vary_on_hx_request(client_logged_in, headers):
    response = client_logged_in.get(TRENDS, **headers)
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("panels", "query", "shown"),
    [
        (0, "", "trends-empty"),
        (2, "?range=6m", "trends-range-empty"),  # both draws are older than six months
        (2, "?analyte=vitd_25oh&unit=nmol/L", "trend-chart"),
    ],
    ids=["no-results", "empty-range", "chart"],
)
def test_every_fragment_is_a_fragment_and_every_page_a_page(client, user, panels, query, shown):
    if panels:
        make_history(user, panels=panels, first_on=today() - dt.timedelta(days=400))
    client.force_login(user)
    fragment = client.get(TRENDS + query, **HX)
    page = client.get(TRENDS + query)
    assert fragment.status_code == page.status_code == 200
    fragment_html, page_html = fragment.content.decode(), page.content.decode()
    assert f'data-testid="{shown}"' in fragment_html and f'data-testid="{shown}"' in page_html
    assert fragment_html.lstrip().startswith('<section id="trend-chart"')
    assert "<html" not in fragment_html and "<body" not in fragment_html
    assert "<html" in page_html
    assert "HX-Request" in fragment["Vary"] and "HX-Request" in page["Vary"]


def test_history_restore_gets_the_full_page(client, user):
    make_history(user, panels=2)
    client.force_login(user)
    response = client.get(TRENDS, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_trends_plots_stored_values_converted_to_the_preferred_unit(client, user):
    user.vitd_unit = "nmol/L"
    user.save()
    panels = make_history(user, panels=4, first_on=today() - dt.timedelta(days=100))
    client.force_login(user)
    html = client.get(TRENDS + "?analyte=vitd_25oh", **HX).content.decode()
    figure = figure_from(html, "trend-figure")
    from labs.models import Result

    stored = Result.objects.filter(user=user, analyte="vitd_25oh").order_by("drawn_on")
    assert figure["data"][0]["y"] == [
        from_canonical("vitd_25oh", r.canonical_value, "nmol/L") for r in stored
    ]
    assert figure["data"][0]["x"] == [p.drawn_on.isoformat() for p in panels]
    target = next(s for s in figure["layout"]["shapes"] if s["name"] == "target")
    assert (target["y0"], target["y1"]) == (99.84, 149.76)
    # the accessible table lists the same values, newest first
    table = re.search(r'data-testid="trend-table".*?</table>', html, re.S).group(0)
    assert table.count("<tr>") == 5  # header + 4 rows
    shown = re.findall(r'<td class="text-nowrap">([\d,.]+) nmol/L</td>', table)
    assert shown == [format_value("vitd_25oh", r.canonical_value, "nmol/L") for r in stored][::-1]
    assert [float(v.replace(",", "")) for v in shown] == pytest.approx(
        figure["data"][0]["y"][::-1], abs=0.5
    )  # the same numbers as the chart, rounded as people read them


def test_unit_toggle_switches_the_unit_for_this_chart_only(client, user):
    make_history(user, panels=2, first_on=today() - dt.timedelta(days=20))
    client.force_login(user)
    html = client.get(TRENDS + "?analyte=ca_total&unit=mmol/L", **HX).content.decode()
    figure = figure_from(html, "trend-figure")
    assert figure["layout"]["yaxis"]["title"]["text"] == "mmol/L"
    stop = next(s for s in figure["layout"]["shapes"] if s["name"] == "stop")
    assert stop["y0"] == from_canonical("ca_total", 10.5, "mmol/L")
    user.refresh_from_db()
    assert user.mineral_unit == "mg/dL"  # a toggle, not a settings change


def test_supplement_changes_and_symptoms_reach_the_trends_chart(client, user):
    make_history(user, panels=3, first_on=today() - dt.timedelta(days=40), every_days=10)
    since = today() - dt.timedelta(days=25)
    IntakeFactory(user=user, nutrient="magnesium", amount=400, unit="mg", since=since)
    add_symptoms(user, [(since, "muscle_cramps", 2), (since, "insomnia", 1)])
    client.force_login(user)
    figure = figure_from(client.get(TRENDS, **HX).content.decode(), "trend-figure")
    notes = [a for a in figure["layout"]["annotations"] if a["name"] == "supplement"]
    assert [a["x"] for a in notes] == [since.isoformat()] and "400" in notes[0]["text"]
    assert figure["data"][1]["y"] == [3] and figure["data"][1]["x"] == [since.isoformat()]


def test_range_keeps_only_recent_values(client, user):
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today() - dt.timedelta(days=400),
        analyte="vitd_25oh",
        value=20,
        unit="ng/mL",
    )
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today() - dt.timedelta(days=100),
        analyte="vitd_25oh",
        value=30,
        unit="ng/mL",
    )
    client.force_login(user)
    for range_key, count in (("6m", 1), ("1y", 1), ("all", 2)):
        html = client.get(f"{TRENDS}?analyte=vitd_25oh&range={range_key}", **HX).content.decode()
        assert len(figure_from(html, "trend-figure")["data"][0]["y"]) == count


def test_an_empty_range_says_so_and_links_to_all(client, user):
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today() - dt.timedelta(days=400),
        analyte="vitd_25oh",
        value=20,
        unit="ng/mL",
    )
    client.force_login(user)
    html = client.get(TRENDS + "?range=6m", **HX).content.decode()
    assert 'data-testid="trends-range-empty"' in html and "range=all" in html
    assert "trend-figure" not in html


def test_tabs_list_only_markers_with_results_and_links_work_without_js(client, user):
    make_history(user, panels=2)
    client.force_login(user)
    html = client.get(TRENDS).content.decode()
    tabs = re.findall(r'data-analyte="(\w+)"', html)
    assert tabs == ["vitd_25oh", "mg_rbc", "ca_total"]
    assert 'href="/trends/?analyte=mg_rbc&amp;range=all"' in html
    assert 'hx-get="/trends/?analyte=mg_rbc&amp;range=all"' in html
    assert 'hx-push-url="true"' in html


@pytest.mark.parametrize(
    "query", ["?analyte=nope&range=10y&unit=furlongs", "?analyte=pth_intact", "?unit=" + "x" * 99]
)
def test_bad_query_values_fall_back_to_defaults(client, user, query):
    make_history(user, panels=2)
    client.force_login(user)
    response = client.get(TRENDS + query)
    assert response.status_code == 200
    figure = figure_from(response.content.decode(), "trend-figure")
    assert figure["data"][0]["name"] == "25(OH)D"
    assert figure["layout"]["yaxis"]["title"]["text"] == "ng/mL"


def test_empty_trends_page_links_to_entering_results(client_logged_in):
    html = client_logged_in.get(TRENDS).content.decode()
    assert 'data-testid="trends-empty"' in html
    assert "results-changed from:body" in html  # refreshes itself once results arrive


def test_a_page_without_a_chart_loads_no_plotly(client_logged_in):
    html = client_logged_in.get(TRENDS).content.decode()
    assert '<script src="/static/vendor/plotly-4.1.1-scatter/plotly-scatter.min.js"' not in html
    # …but names the bundle for charts.js, for the refresh that brings the first chart
    assert 'data-plotly="/static/vendor/plotly-4.1.1-scatter/plotly-scatter.min.js"' in html
    assert "plotly" not in client_logged_in.get(HOME).content.decode()


def test_trends_never_shows_another_persons_data(client, user, other_user):
    make_history(
        other_user, panels=4, lab="OutsiderLab", markers=[("pth_intact", "pg/mL", 70.0, 1.0)]
    )
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today(),
        analyte="vitd_25oh",
        value=42,
        unit="ng/mL",
        panel__lab="MyLab",
    )
    client.force_login(user)
    for query in ("", "?analyte=pth_intact"):
        html = client.get(TRENDS + query).content.decode()
        assert "OutsiderLab" not in html and "PTH" not in html
        assert figure_from(html, "trend-figure")["data"][0]["y"] == [42.0]


# --- queries -----------------------------------------------------------------------------
# Every page of issue #15's list costs the same number of SQL statements for a person with 5
# panels and one with 500 (plus years of check-ins and plans), on the first view (nothing
# cached) and on the next; the bound is the page's ceiling.

PAGES = {  # name: (url, headers, the most statements it may take)
    "dashboard": (HOME, {}, 10),
    "trends page": (TRENDS, {}, 8),
    "trends fragment 6m": (TRENDS + "?analyte=vitd_25oh&range=6m", HX, 8),
    "trends fragment 1y": (TRENDS + "?analyte=vitd_25oh&range=1y", HX, 8),
    "trends fragment all": (TRENDS + "?analyte=vitd_25oh&range=all", HX, 8),
    "trends fragment, whole table": (TRENDS + "?analyte=mg_rbc&rows=all", HX, 8),
    "plan page": (reverse("protocols:plan"), {}, 10),
    "plan.json": (reverse("protocols:plan-json"), {}, 6),
    "panel list": (reverse("labs:panel-list"), {}, 10),
    "panel entry form": (reverse("labs:panel-create"), {}, 6),
    "symptom page": (reverse("labs:symptom-list"), {}, 10),
    "settings": (reverse("accounts:preferences"), {}, 8),
    "report": (reverse("dashboard:report"), {}, 13),  # 4 once its body is cached
}


def seed_person(user, panels: int) -> None:
    """`panels` weekly panels, a check-in a day over the same span, supplements, a plan
    history and the engine's current plan (with its retest reminder)."""
    from protocols.services import plan_refresh

    days = 7 * panels
    make_history(user, panels=panels, first_on=today() - dt.timedelta(days=days))
    add_symptoms(
        user,
        [
            (today() - dt.timedelta(days=i), symptom, 1 + i % 3)
            for i in range(days)
            for symptom in ("fatigue", "muscle_cramps")
        ],
    )
    IntakeFactory(user=user, nutrient="vitamin_d3", amount=5000, unit="IU", since=today())
    IntakeFactory(user=user, nutrient="magnesium", amount=300, unit="mg", since=today())
    for _ in range(panels // 10):
        PlanFactory(user=user, retest_due_on=today() + dt.timedelta(days=30))
    plan_refresh(user)


@pytest.fixture
def typical_and_heavy(user, other_user):
    seed_person(user, 5)
    seed_person(other_user, 500)
    return user, other_user


def statements(client, url, headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_costs_the_same_queries_for_5_and_500_panels(
    client, typical_and_heavy, django_assert_num_queries, page
):
    url, headers, bound = PAGES[page]
    typical, heavy = typical_and_heavy
    client.force_login(typical)
    cold = statements(client, url, headers)  # the day's first view: nothing cached yet
    warm = statements(client, url, headers)
    assert warm <= cold <= bound
    client.force_login(heavy)
    with django_assert_num_queries(cold):
        client.get(url, **headers)
    with django_assert_num_queries(warm):
        client.get(url, **headers)


def test_the_what_if_planner_reads_nothing_but_the_session(client, django_assert_num_queries):
    url = reverse("protocols:what-if")
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        response = client.post(url, {"vitd_25oh": "22", "vitd_25oh_unit": "ng/mL"})
    assert response.status_code == 200


def test_lab_names_are_escaped_in_the_table_and_the_chart(client, user):
    ResultFactory(
        panel__user=user,
        panel__drawn_on=today(),
        analyte="vitd_25oh",
        value=42,
        unit="ng/mL",
        panel__lab="<script>alert(1)</script>",
    )
    client.force_login(user)
    html = client.get(TRENDS, **HX).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_range_links_keep_a_toggled_unit_and_marker_tabs_drop_it(client, user):
    make_history(user, panels=2)
    client.force_login(user)
    html = client.get(TRENDS + "?analyte=vitd_25oh&unit=nmol/L", **HX).content.decode()
    assert 'href="/trends/?analyte=vitd_25oh&amp;range=6m&amp;unit=nmol%2FL"' in html
    assert 'href="/trends/?analyte=mg_rbc&amp;range=all"' in html
    assert 'hx-get="/trends/?analyte=vitd_25oh&amp;range=all&amp;unit=nmol%2FL"' in html  # refresh


def test_a_long_table_shows_its_newest_rows_and_links_to_all(client, user):
    from dashboard.trends import TABLE_ROWS

    make_history(user, panels=TABLE_ROWS + 8, first_on=today() - dt.timedelta(days=800))
    client.force_login(user)
    html = client.get(TRENDS + "?analyte=vitd_25oh", **HX).content.decode()
    body = re.search(r'data-testid="trend-table">.*?</table>', html, re.S).group(0)
    assert body.count("<tr><td>") == TABLE_ROWS
    assert len(figure_from(html, "trend-figure")["data"][0]["y"]) == TABLE_ROWS + 8  # chart: all
    link = re.search(r'data-testid="trend-table-all"', html)
    assert link and f"Show all {TABLE_ROWS + 8} results" in html
    whole = client.get(TRENDS + "?analyte=vitd_25oh&rows=all", **HX).content.decode()
    assert whole.count("<tr><td>") == TABLE_ROWS + 8
    assert 'data-testid="trend-table-all"' not in whole


def test_a_short_table_has_no_show_all_link(client, user):
    make_history(user, panels=5)
    client.force_login(user)
    html = client.get(TRENDS, **HX).content.decode()
    assert html.count("<tr><td>") == 5 and "trend-table-all" not in html


def test_the_report_shows_ranges_in_the_persons_unit(client, user):
    user.vitd_unit = "nmol/L"
    user.save()
    panel_create(
        user=user, drawn_on=dt.date(2026, 3, 2), lab="", fasting=None, notes="",
        results=[("vitd_25oh", 130, "nmol/L")],
    )  # fmt: skip
    client.force_login(user)
    html = client.get(reverse("dashboard:report")).content.decode()
    assert "100–150 nmol/L" in html  # target 40–60 ng/mL
    assert "75–250 nmol/L" in html  # reference 30–100 ng/mL


def test_the_report_prints_the_newest_draws_and_points_to_the_export(client, user):
    from dashboard.report import REPORT_DRAWS

    make_history(user, panels=REPORT_DRAWS + 6, first_on=today() - dt.timedelta(days=400))
    client.force_login(user)
    html = client.get(reverse("dashboard:report")).content.decode()
    table = re.search(r'data-testid="report-history">.*?</table>', html, re.S).group(0)
    dates = re.findall(r'<th scope="row"[^>]*>([^<]+)</th>', table)
    assert len(dates) == REPORT_DRAWS
    newest = today() - dt.timedelta(days=400) + dt.timedelta(days=7 * (REPORT_DRAWS + 5))
    from django.utils.formats import date_format

    assert dates[-1] == date_format(newest)  # oldest first, ending with the newest draw
    assert f"The newest {REPORT_DRAWS} blood draws." in html
    assert reverse("labs:export-csv") in html


def test_a_short_history_prints_whole(client, user):
    make_history(user, panels=3)
    client.force_login(user)
    html = client.get(reverse("dashboard:report")).content.decode()
    assert "report-history-newest" not in html


@pytest.mark.usefixtures("compiled_translations")
def test_the_reports_plan_reads_in_words_of_the_persons_language(client):
    person = UserFactory(language="de")
    PlanFactory(user=person)
    client.force_login(person)
    response = client.get(reverse("dashboard:report"))
    section = response.content.decode().split('data-testid="report-plan"')[1].split("</section>")[0]
    assert 'data-testid="phase-label">Aufbau<' in section
    assert re.search(r"<td>Morgens</td><td>[^<]*</td><td[^>]*>5\.000–7\.000 IE</td>", section)
    assert "<strong>Absetzen:</strong> Stop vitamin D now." in section  # engine text: own test
    for code in ("correction", "morning", ">warning<", ">stop<"):
        assert code not in section


def test_a_result_too_old_to_count_says_so_on_the_dashboard(client, user):
    draws = ((730, "mg_serum", 1.9, "mg/dL"), (30, "vitd_25oh", 45, "ng/mL"))
    for days, analyte, value, unit in draws:
        drawn_on = today() - dt.timedelta(days=days)
        ResultFactory(panel__user=user, panel__drawn_on=drawn_on, analyte=analyte, value=value,
                      unit=unit)  # fmt: skip
    client.force_login(user)
    html = client.get(HOME).content.decode()
    old = re.search(r'data-analyte="mg_serum".*?</li>', html, re.S).group(0)
    fresh = re.search(r'data-analyte="vitd_25oh".*?</li>', html, re.S).group(0)
    assert 'data-testid="stale"' in old and 'data-testid="stale"' not in fresh
    assert "{#" not in html and "#}" not in html  # no template comment leaks onto the page

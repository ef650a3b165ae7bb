"""Panel pages: entry with htmx fragments, detail, edit, delete, history."""

import datetime as dt

import pytest
from django.urls import reverse

from labs.models import Panel, Result
from labs.services import panel_create
from tests.factories import PanelFactory, ResultFactory, panel_with

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 6, 1)


def post_panel(client, url, *rows, drawn_on="2025-06-01", **extra):
    data = {"drawn_on": drawn_on, "lab": "", "notes": "", "fasting": "", **extra}
    data["row"] = [f"r{i}" for i in range(len(rows))]
    data["analyte"], data["value"], data["unit"] = (list(col) for col in zip(*rows, strict=True))
    return client.post(url, data)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["labs:panel-detail", "labs:panel-edit", "labs:panel-delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_on_someone_elses_panel(client, other_user, name, method):
    panel = panel_with(other_user, DAY, ("vitd_25oh", 30, "ng/mL"))
    client.force_login(PanelFactory().user)
    response = getattr(client, method)(reverse(name, args=[panel.pk]))
    assert response.status_code == 404
    assert Result.objects.filter(panel=panel).count() == 1


@pytest.mark.parametrize(
    "url",
    ["/labs/", "/labs/panels/new/", "/labs/panels/1/", "/labs/panels/1/edit/",
     "/labs/panels/1/delete/", "/labs/panels/row/", "/labs/panels/units/",
     "/labs/panels/preview/"],
)  # fmt: skip
def test_anonymous_visitors_go_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- create ---------------------------------------------------------------------------------


def test_a_panel_is_saved_with_its_results(client_logged_in, user):
    response = post_panel(
        client_logged_in, reverse("labs:panel-create"),
        ("vitd_25oh", "80", "nmol/L"), ("mg_rbc", "4.1", "mg/dL"), ("", "", ""),
        lab="Quest", fasting="true",
    )  # fmt: skip
    panel = Panel.objects.get(user=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("labs:panel-detail", args=[panel.pk])
    assert (panel.drawn_on, panel.lab, panel.fasting) == (DAY, "Quest", True)
    assert dict(panel.results.values_list("analyte", "unit")) == {
        "vitd_25oh": "nmol/L",
        "mg_rbc": "mg/dL",
    }


def test_nothing_is_saved_when_the_last_row_is_wrong(client_logged_in):
    response = post_panel(
        client_logged_in, reverse("labs:panel-create"),
        ("vitd_25oh", "30", "ng/mL"), ("mg_rbc", "4.1", "mg/dL"), ("vitd_25oh", "400", "ng/mL"),
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "25(OH)D is already in this panel (row 1)." in html
    assert "25(OH)D must be between 1 and 250 ng/mL — did you mean nmol/L?" in html
    assert not Panel.objects.exists()


def test_the_form_keeps_what_was_typed_after_an_error(client_logged_in):
    response = post_panel(
        client_logged_in, reverse("labs:panel-create"), ("mg_rbc", "4.7", "mg/dL"),
        drawn_on="2999-01-01",
    )  # fmt: skip
    html = response.content.decode()
    assert "The date cannot be in the future." in html
    assert 'value="4.7"' in html


def test_without_javascript_add_and_remove_row_buttons_rerender_the_form(client_logged_in):
    url = reverse("labs:panel-create")
    response = post_panel(client_logged_in, url, ("mg_rbc", "4.7", "mg/dL"), add_row="1")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="result-row"') == 2
    response = post_panel(
        client_logged_in, url, ("mg_rbc", "4.7", "mg/dL"), ("vitd_25oh", "30", "ng/mL"),
        remove_row="r0",
    )  # fmt: skip
    assert response.content.decode().count('data-testid="result-row"') == 1
    assert not Panel.objects.exists()


# --- htmx fragments -------------------------------------------------------------------------


def test_the_add_row_fragment_is_one_row(client_logged_in):
    html = client_logged_in.get(reverse("labs:panel-row"), HTTP_HX_REQUEST="true").content.decode()
    assert html.count('data-testid="result-row"') == 1
    assert "<html" not in html


def test_the_unit_choices_follow_the_analyte_and_the_preferred_unit(client_logged_in, user):
    user.vitd_unit = "nmol/L"
    user.save()
    html = client_logged_in.post(
        reverse("labs:panel-units"), {"analyte": "vitd_25oh", "row": "abc123"}
    ).content.decode()
    assert 'id="id_unit_abc123"' in html
    assert '<option value="nmol/L" selected>' in html
    assert 'hx-trigger="change, load"' in html  # the preview follows the new unit
    assert "mg/dL" not in html


def test_the_preview_shows_the_converted_value_and_badge(client_logged_in):
    url = reverse("labs:panel-preview")
    html = client_logged_in.post(
        url, {"analyte": "vitd_25oh", "value": "50", "unit": "nmol/L"}
    ).content.decode()
    assert "= 20.0 ng/mL" in html
    assert 'data-testid="status-low"' in html
    html = client_logged_in.post(
        url, {"analyte": "vitd_25oh", "value": "400", "unit": "ng/mL"}
    ).content.decode()
    assert "did you mean nmol/L?" in html
    assert client_logged_in.post(url, {"analyte": "vitd_25oh"}).content.strip() == b""


@pytest.mark.parametrize(
    ("rule_set", "badge"), [("seed", "below_target"), ("within-limits", "in_target")]
)
def test_the_preview_badge_follows_the_persons_rule_set(client_logged_in, user, rule_set, badge):
    user.rule_set = rule_set
    user.save()
    html = client_logged_in.post(
        reverse("labs:panel-preview"), {"analyte": "vitd_25oh", "value": "35", "unit": "ng/mL"}
    ).content.decode()
    assert f'data-testid="status-{badge}"' in html


# --- detail, edit, delete -------------------------------------------------------------------


def test_the_detail_page_shows_values_as_entered_and_converted(client_logged_in, user):
    panel = panel_with(user, DAY, ("vitd_25oh", 100, "nmol/L"))
    html = client_logged_in.get(reverse("labs:panel-detail", args=[panel.pk])).content.decode()
    assert "100 nmol/L" in html
    assert "40.1 ng/mL" in html
    assert 'data-testid="status-in_target"' in html


def test_the_edit_form_is_prefilled_and_saves_changes(client_logged_in, user):
    panel = panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"), ("mg_rbc", 4.0, "mg/dL"))
    url = reverse("labs:panel-edit", args=[panel.pk])
    html = client_logged_in.get(url).content.decode()
    assert 'value="30"' in html and 'value="4"' in html
    response = post_panel(client_logged_in, url, ("vitd_25oh", "42", "ng/mL"))
    assert response.status_code == 302
    assert list(panel.results.values_list("analyte", "value")) == [("vitd_25oh", 42.0)]


def test_an_invalid_edit_changes_nothing(client_logged_in, user):
    panel = panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    url = reverse("labs:panel-edit", args=[panel.pk])
    response = post_panel(
        client_logged_in, url, ("vitd_25oh", "42", "ng/mL"), ("mg_rbc", "x", "mg/dL")
    )
    assert response.status_code == 200
    assert list(panel.results.values_list("value", flat=True)) == [30.0]


def test_delete_asks_first_and_deletes_on_post(client_logged_in, user):
    panel = panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    url = reverse("labs:panel-delete", args=[panel.pk])
    assert b"Delete this panel?" in client_logged_in.get(url).content
    assert Panel.objects.filter(pk=panel.pk).exists()
    response = client_logged_in.post(url)
    assert response["Location"] == reverse("labs:panel-list")
    assert not Panel.objects.filter(pk=panel.pk).exists()
    assert not Result.objects.exists()


# --- history --------------------------------------------------------------------------------


def make_history(user, count):
    for n in range(count):
        panel = PanelFactory(user=user, drawn_on=DAY - dt.timedelta(days=n))
        ResultFactory(panel=panel, analyte="vitd_25oh", value=20 + n % 30)
        ResultFactory(panel=panel, analyte="mg_rbc", value=4.5, unit="mg/dL")


def test_history_is_newest_first_and_paginated_by_20(client_logged_in, user):
    make_history(user, 25)
    PanelFactory()  # someone else's
    page1 = client_logged_in.get(reverse("labs:panel-list")).context["page"]
    assert len(page1.object_list) == 20
    assert page1.object_list[0].drawn_on == DAY
    assert page1.paginator.count == 25
    page2 = client_logged_in.get(reverse("labs:panel-list"), {"page": 2}).context["page"]
    assert [p.drawn_on for p in page2.object_list][-1] == DAY - dt.timedelta(days=24)


@pytest.mark.parametrize("count", [5, 50])
def test_history_takes_the_same_queries_whatever_its_length(
    client_logged_in, user, count, django_assert_num_queries
):
    make_history(user, count)
    # session, user, data version (the table is cached per person), count, panels, results
    with django_assert_num_queries(6):
        response = client_logged_in.get(reverse("labs:panel-list"))
    assert response.status_code == 200
    with django_assert_num_queries(4):  # the table from the cache: no panel or result read
        assert client_logged_in.get(reverse("labs:panel-list")).status_code == 200


def test_htmx_pagination_returns_only_the_table(client_logged_in, user):
    make_history(user, 25)
    response = client_logged_in.get(reverse("labs:panel-list"), {"page": 2}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="panel-table">')
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_tampered_rows_get_errors_not_a_crash(client_logged_in):
    response = client_logged_in.post(
        reverse("labs:panel-create"),
        {"drawn_on": "2025-06-01", "row": ["<x>"], "analyte": ["vitd_25oh", "mg_rbc"],
         "value": ["30"], "unit": ["ng/mL", "mg/dL", "pg/mL"]},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Panel.objects.exists()
    response = client_logged_in.post(
        reverse("labs:panel-preview"), {"analyte": "x" * 500, "value": "1e999", "row": "\x00"}
    )
    assert response.status_code == 200


def test_editing_a_panel_keeps_imported_precision(client, user):
    panel = panel_create(
        user=user, drawn_on=dt.date(2026, 3, 2), lab="", fasting=None, notes="",
        results=[("vitd_25oh", 52.08333333, "ng/mL")],
    )  # fmt: skip
    client.force_login(user)
    html = client.get(reverse("labs:panel-edit", args=[panel.pk])).content.decode()
    assert 'value="52.08333333"' in html


def test_the_unit_preselected_is_the_one_the_person_last_entered(client_logged_in, user):
    user.vitd_unit = "ng/mL"  # the setting says ng/mL, but their last 25(OH)D was in nmol/L
    user.save()
    panel_with(user, DAY - dt.timedelta(days=90), ("vitd_25oh", 30, "ng/mL"))
    panel_with(user, DAY - dt.timedelta(days=30), ("vitd_25oh", 80, "nmol/L"))
    html = client_logged_in.post(
        reverse("labs:panel-units"), {"analyte": "vitd_25oh", "row": "abc123"}
    ).content.decode()
    assert '<option value="nmol/L" selected>' in html
    # No result yet: the person's setting (the regional default chosen at sign-up).
    html = client_logged_in.post(
        reverse("labs:panel-units"), {"analyte": "mg_rbc", "row": "abc123"}
    ).content.decode()
    assert f'<option value="{user.mineral_unit}" selected>' in html


def test_the_same_analyte_on_a_date_that_already_has_it_is_refused(client_logged_in, user):
    panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    response = post_panel(
        client_logged_in, reverse("labs:panel-create"), ("vitd_25oh", "40", "ng/mL")
    )
    assert response.status_code == 200
    assert "25(OH)D is already recorded on" in response.content.decode()
    assert Panel.objects.filter(user=user).count() == 1


def test_an_edit_keeps_its_own_results_but_not_another_panels(client_logged_in, user):
    mine = panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    other = panel_with(user, DAY - dt.timedelta(days=1), ("mg_rbc", 4.5, "mg/dL"))
    ok = post_panel(client_logged_in, reverse("labs:panel-edit", args=[mine.pk]),
                    ("vitd_25oh", "31", "ng/mL"))  # fmt: skip
    assert ok.status_code == 302
    moved = post_panel(
        client_logged_in, reverse("labs:panel-edit", args=[other.pk]), ("mg_rbc", "4.5", "mg/dL"),
        ("vitd_25oh", "33", "ng/mL"), drawn_on=DAY.isoformat(),
    )  # fmt: skip
    assert "25(OH)D is already recorded on" in moved.content.decode()

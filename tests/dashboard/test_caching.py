"""The per-person cache of the dashboard and the trends page (dashboard.caching).

Whatever the person writes, and however (a service, a direct save, another process), the
next view shows it: the cached values sit under the person's data version, which every
write bumps in the database.
"""

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from dashboard.caching import bump, data_version
from dashboard.models import DataVersion
from labs import services as labs_services
from labs.importers import parse_results_csv
from labs.models import Panel, Result
from protocols import services as protocol_services
from protocols.models import HealthProfile
from tests.factories import UserFactory, make_history

pytestmark = pytest.mark.django_db

HOME = reverse("dashboard:home")
TRENDS = reverse("dashboard:trends")
HX = {"HTTP_HX_REQUEST": "true"}


def today():
    return timezone.localdate()


def trend_values(client, query="?analyte=vitd_25oh") -> list[float]:
    html = client.get(TRENDS + query, **HX).content.decode()
    match = re.search(r'<script id="trend-figure" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))["data"][0]["y"] if match else []


def marker_values(client) -> str:
    html = client.get(HOME).content.decode()
    return re.search(r'aria-labelledby="markers-heading".*?</section>', html, re.S).group(0)


def test_an_unchanged_page_is_served_from_the_cache(client, user):
    make_history(user, panels=30)
    client.force_login(user)
    first = client.get(TRENDS, **HX).content
    with CaptureQueriesContext(connection) as queries:
        again = client.get(TRENDS, **HX).content
    # session, user, data version: no result, symptom, supplement or plan is read again
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert len(queries) == 3 and "labs_result" not in tables and "protocols_plan" not in tables
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub(b"", first) == strip.sub(b"", again)


WRITES = {
    "panel entered": lambda user: labs_services.panel_create(
        user=user, drawn_on=today(), results=[("vitd_25oh", 77.0, "ng/mL")]
    ),
    "csv import": lambda user: labs_services.results_import(
        user=user,
        rows=parse_results_csv(
            f"date,analyte,value,unit\n{today()},vitd_25oh,77,ng/mL\n".encode()
        ).rows,
    ),
    "panel saved directly (admin)": lambda user: Result.objects.create(
        panel=Panel.objects.create(user=user, drawn_on=today()),
        user=user,
        drawn_on=today(),
        analyte="vitd_25oh",
        value=77.0,
        unit="ng/mL",
        canonical_value=77.0,
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_every_way_of_adding_a_result_shows_on_the_next_view(client, user, write):
    make_history(user, panels=3, first_on=today() - dt.timedelta(days=60))
    client.force_login(user)
    before = trend_values(client)
    assert 77.0 not in before and "77.0" not in marker_values(client)
    WRITES[write](user)
    assert trend_values(client) == [*before, 77.0]
    assert "77.0" in marker_values(client)


def test_a_deleted_panel_leaves_the_chart(client, user):
    panels = make_history(user, panels=3, first_on=today() - dt.timedelta(days=60))
    client.force_login(user)
    assert len(trend_values(client)) == 3
    labs_services.panel_delete(panel=panels[-1])
    assert len(trend_values(client)) == 2


def test_a_supplement_change_redraws_its_line(client, user):
    make_history(user, panels=3, first_on=today() - dt.timedelta(days=60))
    client.force_login(user)
    assert "Magnesium" not in client.get(TRENDS, **HX).content.decode()
    intake = protocol_services.supplement_create(
        user=user, nutrient="magnesium", amount=300, unit="mg", since=today()
    )
    assert "Magnesium (elemental) 300 mg" in client.get(TRENDS, **HX).content.decode()
    protocol_services.supplement_delete(intake=intake)
    assert "Magnesium" not in client.get(TRENDS, **HX).content.decode()


def test_a_symptom_check_in_shows_in_the_burden_panel(client, user):
    make_history(user, panels=3, first_on=today() - dt.timedelta(days=60))
    client.force_login(user)
    assert '"Symptom burden"' not in client.get(TRENDS, **HX).content.decode()
    labs_services.symptom_checkin(user=user, recorded_on=today(), scores={"fatigue": 3})
    assert '"Symptom burden"' in client.get(TRENDS, **HX).content.decode()


def test_a_preference_is_part_of_the_key(client, user):
    make_history(user, panels=2)
    client.force_login(user)
    assert "ng/mL" in marker_values(client)
    user.vitd_unit = "nmol/L"
    user.save(update_fields=["vitd_unit"])  # no signal the cache listens to
    assert "nmol/L" in marker_values(client)


def test_another_process_write_is_seen_through_the_version(client, user):
    """A write this process never signalled (another worker, a script): the stale value
    stays until the version moves, then the next view rebuilds."""
    make_history(user, panels=2, first_on=today() - dt.timedelta(days=30))
    client.force_login(user)
    before = trend_values(client)
    Result.objects.bulk_create(  # bulk_create sends no signal
        [
            Result(
                panel=Panel.objects.bulk_create([Panel(user=user, drawn_on=today())])[0],
                user=user,
                drawn_on=today(),
                analyte="vitd_25oh",
                value=66.0,
                unit="ng/mL",
                canonical_value=66.0,
            )
        ]
    )
    assert trend_values(client) == before
    DataVersion.objects.filter(user=user).update(version=data_version(user) + 1)
    assert trend_values(client) == [*before, 66.0]


def test_versions_start_at_random_and_count_up(user, other_user):
    first, second = data_version(user), data_version(other_user)
    assert first != second and first > 1000  # a fresh database never reuses old keys
    bump(user.pk)
    assert data_version(user) == first + 1


def test_a_profile_saved_without_a_row_starts_one(user):
    assert not DataVersion.objects.filter(user=user).exists()
    HealthProfile.objects.create(user=user, birth_year=1980)
    assert DataVersion.objects.filter(user=user).exists()


def test_deleting_the_account_takes_the_version_along(user):
    data_version(user)
    protocol_services.supplement_create(user=user, nutrient="magnesium", amount=300, unit="mg")
    user.delete()
    assert not DataVersion.objects.exists()


def test_people_never_share_cached_values(client, user, other_user):
    make_history(user, panels=2, lab="MineLab")
    make_history(other_user, panels=2, lab="TheirLab")
    for person, lab, not_lab in (
        (user, "MineLab", "TheirLab"),
        (other_user, "TheirLab", "MineLab"),
    ):
        client.force_login(person)
        html = client.get(TRENDS).content.decode()
        assert lab in html and not_lab not in html


class TestCachedEqualsFresh(TestCase):
    """Property: after any sequence of writes, the cached pages equal freshly built ones."""

    @settings(max_examples=15, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["result", "symptom", "unit"]),
                st.integers(min_value=0, max_value=400),
                st.floats(min_value=5, max_value=120, allow_nan=False),
            ),
            max_size=6,
        )
    )
    def test_cached_pages_match_a_rebuild(self, writes):
        user = UserFactory()
        make_history(user, panels=2, first_on=today() - dt.timedelta(days=500))
        self.client.force_login(user)
        self.client.get(HOME), self.client.get(TRENDS, **HX)  # fill the cache
        for kind, days_ago, value in writes:
            on = today() - dt.timedelta(days=days_ago)
            if kind == "result":
                labs_services.panel_create(
                    user=user, drawn_on=on, results=[("vitd_25oh", round(value, 1), "ng/mL")]
                )
            elif kind == "symptom":
                labs_services.symptom_checkin(
                    user=user, recorded_on=on, scores={"fatigue": days_ago % 4}
                )
            else:
                user.vitd_unit = "nmol/L" if user.vitd_unit == "ng/mL" else "ng/mL"
                user.save(update_fields=["vitd_unit"])
            cached = trend_values(self.client), marker_values(self.client)
            cache.clear()
            assert (trend_values(self.client), marker_values(self.client)) == cached


def test_a_cached_section_carries_each_visitors_own_csrf_token(user):
    """The quick-add form in a section rendered for one session posts from another."""
    from django.test import Client

    from dashboard.trends import CSRF_SLOT

    make_history(user, panels=2, first_on=today() - dt.timedelta(days=30))
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = []
    for client in (first, second):  # the second page is the first one's, from the cache
        client.force_login(user)
        html = client.get(TRENDS + "?analyte=vitd_25oh").content.decode()
        assert CSRF_SLOT not in html
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1))
    for days_ago, (client, token) in enumerate(zip((first, second), tokens, strict=True)):
        response = client.post(
            reverse("labs:quick-result"),
            {
                "csrfmiddlewaretoken": token,
                "analyte": "vitd_25oh",
                "drawn_on": (today() - dt.timedelta(days=days_ago)).isoformat(),
                "value": str(41 + days_ago),
                "unit": "ng/mL",
            },
        )
        assert response.status_code == 302, response.status_code  # saved, not 403
    # both saved values show, though the second page came from the cache
    assert trend_values(second)[-2:] == [42.0, 41.0]


PANELS = reverse("labs:panel-list")


def test_the_panel_list_fragment_follows_data_units_and_person(client, user, other_user):
    make_history(user, panels=2, lab="MineLab", first_on=today() - dt.timedelta(days=30))
    make_history(other_user, panels=2, lab="TheirLab", first_on=today() - dt.timedelta(days=30))
    client.force_login(user)
    assert "MineLab" in client.get(PANELS).content.decode()
    labs_services.panel_create(
        user=user, drawn_on=today(), lab="NewLab", results=[("vitd_25oh", 50.0, "ng/mL")]
    )
    html = client.get(PANELS).content.decode()
    assert "NewLab" in html and "TheirLab" not in html
    user.vitd_unit = "nmol/L"
    user.save(update_fields=["vitd_unit"])
    assert "125 nmol/L" in client.get(PANELS).content.decode()  # 50 ng/mL, in nmol/L
    client.force_login(other_user)
    html = client.get(PANELS).content.decode()
    assert "TheirLab" in html and "MineLab" not in html and "NewLab" not in html


def test_the_panel_list_is_read_from_the_cache_the_second_time(client, user):
    make_history(user, panels=30)
    client.force_login(user)
    client.get(PANELS)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PANELS).status_code == 200
    assert not [q for q in queries.captured_queries if "labs_result" in q["sql"]]


SYMPTOMS_PAGE = reverse("labs:symptom-list")


def test_the_cached_symptom_history_deletes_and_updates(user):
    from django.test import Client

    from labs.models import SymptomEntry

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    labs_services.symptom_checkin(
        user=user, recorded_on=today() - dt.timedelta(days=1), scores={"fatigue": 2}
    )
    client.get(SYMPTOMS_PAGE)  # fills the cache
    labs_services.symptom_checkin(user=user, recorded_on=today(), scores={"insomnia": 3})
    html = client.get(SYMPTOMS_PAGE).content.decode()
    table = re.search(r'data-testid="symptom-history">.*?</table>', html, re.S).group(0)
    assert "Restless sleep or insomnia" in table  # the new check-in, though it was cached
    form = re.search(r'data-testid="symptom-history-form">(.*?)</form>', html, re.S).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    entry = SymptomEntry.objects.get(user=user, symptom="fatigue")
    delete = reverse("labs:symptom-delete", args=[entry.pk])
    assert f'formaction="{delete}"' in form
    assert client.post(delete, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not SymptomEntry.objects.filter(pk=entry.pk).exists()
    assert f'formaction="{delete}"' not in client.get(SYMPTOMS_PAGE).content.decode()


PLAN_PAGE = reverse("protocols:plan")


def test_the_cached_plan_page_follows_new_results_units_and_reminders(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the plan refresh after commit
        labs_services.panel_create(
            user=user,
            drawn_on=today() - dt.timedelta(days=20),
            results=[("vitd_25oh", 18, "ng/mL")],
        )
    client.force_login(user)
    first = client.get(PLAN_PAGE).content.decode()
    assert "18" in first
    masked = re.compile(r'("X-CSRFToken": |name="csrfmiddlewaretoken" value=)"[^"]+"')  # new masks
    with CaptureQueriesContext(connection) as queries:
        again = client.get(PLAN_PAGE).content.decode()
    assert masked.sub("", again) == masked.sub("", first)  # the body from the cache
    assert not [q for q in queries.captured_queries if "labs_result" in q["sql"]]
    with django_capture_on_commit_callbacks(execute=True):  # the plan refresh after commit
        labs_services.panel_create(
            user=user, drawn_on=today(), results=[("vitd_25oh", 57, "ng/mL")]
        )
    assert "57" in client.get(PLAN_PAGE).content.decode()  # a new plan row: a new key
    user.vitd_unit = "nmol/L"
    user.save(update_fields=["vitd_unit"])
    assert "nmol/L" in client.get(PLAN_PAGE).content.decode()


def test_fragments_keep_a_copy_in_front_of_the_shared_cache():
    """caches["fragments"] (the {% cache %} alias for per-person fragments) answers from this
    process's copy once it has one, and writes through to the shared cache for the others."""
    fragments = caches["fragments"]
    key = f"perf-probe-{timezone.now().timestamp()}"
    assert fragments.get(key) is None
    fragments.set(key, "<p>fragment</p>", 60)
    shared = fragments.make_and_validate_key(key)
    assert cache.get(shared) == "<p>fragment</p>"  # another worker finds it there
    cache.delete(shared)
    assert fragments.get(key) == "<p>fragment</p>"  # no round trip: the process's copy
    fragments.clear()  # the copies only
    assert fragments.get(key) is None
    cache.set(shared, "<p>from another worker</p>", 60)
    assert fragments.get(key) == "<p>from another worker</p>"
    assert fragments.add(key, "other") is False
    fragments.delete(key)
    assert fragments.get(key) is None and cache.get(shared) is None

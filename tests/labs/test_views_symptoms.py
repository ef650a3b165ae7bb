"""Symptom check-ins and life events: owner-scoped lists, adds and deletes."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import LifeEvent, SymptomEntry
from tests.factories import LifeEventFactory, SymptomEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/labs/symptoms/", "/labs/symptoms/1/delete/", "/labs/life-events/",
            "/labs/life-events/1/delete/"],
)  # fmt: skip
def test_anonymous_visitors_go_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_outsider_cannot_delete_someone_elses_symptom_score(client_logged_in):
    entry = SymptomEntryFactory()
    response = client_logged_in.post(reverse("labs:symptom-delete", args=[entry.pk]))
    assert response.status_code == 404
    assert SymptomEntry.objects.filter(pk=entry.pk).exists()


def test_an_outsider_cannot_delete_someone_elses_life_event(client_logged_in):
    event = LifeEventFactory()
    response = client_logged_in.post(reverse("labs:life-event-delete", args=[event.pk]))
    assert response.status_code == 404
    assert LifeEvent.objects.filter(pk=event.pk).exists()


def test_deletes_need_a_post(client_logged_in, user):
    entry = SymptomEntryFactory(user=user)
    assert client_logged_in.get(reverse("labs:symptom-delete", args=[entry.pk])).status_code == 405


def test_a_checkin_records_several_symptoms_at_once(client_logged_in, user):
    today = timezone.localdate().isoformat()
    response = client_logged_in.post(
        reverse("labs:symptom-list"),
        {"recorded_on": today, "s_muscle_cramps": "3", "s_insomnia": "2", "s_fatigue": "0",
         "note": "long week"},
    )  # fmt: skip
    assert response.status_code == 302
    scores = dict(SymptomEntry.objects.filter(user=user).values_list("symptom", "severity"))
    assert scores == {"muscle_cramps": 3, "insomnia": 2, "fatigue": 0}


def test_a_bad_checkin_shows_errors_and_saves_nothing(client_logged_in):
    response = client_logged_in.post(
        reverse("labs:symptom-list"), {"recorded_on": "2999-01-01", "s_fatigue": "2"}
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.content.decode()
    assert not SymptomEntry.objects.exists()


def test_the_history_shows_only_my_scores_and_prefills_today(client_logged_in, user):
    SymptomEntryFactory(user=user, symptom="headaches", severity=3)
    SymptomEntryFactory(symptom="nausea", severity=1)  # someone else's
    response = client_logged_in.get(reverse("labs:symptom-list"))
    assert [s.code for s in response.context["history"]["columns"]] == ["headaches"]
    [day] = response.context["history"]["days"]
    assert [entry.severity for entry in day.cells] == [3]
    assert response.context["form"].initial["s_headaches"] == 3


def test_the_symptom_page_takes_constant_queries(client_logged_in, user, django_assert_num_queries):
    day = timezone.localdate()
    for n in range(40):
        SymptomEntryFactory(user=user, recorded_on=day - dt.timedelta(days=n), symptom="fatigue")
    # session, user, any history?, the data version, oldest shown day, history, the
    # check-ins' times and notes, today's scores (for the form)
    with django_assert_num_queries(8):
        client_logged_in.get(reverse("labs:symptom-list"))
    # the form and the history are cached per person and data version: neither is read again
    with django_assert_num_queries(4):
        html = client_logged_in.get(reverse("labs:symptom-list")).content.decode()
    assert html.count('data-testid="symptom-day"') == 40 and 'name="s_fatigue"' in html


def test_my_symptom_score_can_be_deleted_and_the_deletion_undone(client_logged_in, user):
    entry = SymptomEntryFactory(user=user, severity=2, note="after the run")
    response = client_logged_in.post(reverse("labs:symptom-delete", args=[entry.pk]), follow=True)
    assert not SymptomEntry.objects.exists()
    assert 'data-testid="undo"' in response.content.decode()
    client_logged_in.post(reverse("labs:undo"))
    restored = SymptomEntry.objects.get(user=user)
    assert (restored.symptom, restored.severity, restored.recorded_on, restored.note) == (
        entry.symptom, 2, entry.recorded_on, "after the run")  # fmt: skip
    client_logged_in.post(reverse("labs:undo"))  # an undo works once
    assert SymptomEntry.objects.filter(user=user).count() == 1


def test_a_deleted_life_event_can_be_undone(client_logged_in, user):
    event = LifeEventFactory(user=user, kind="illness", note="flu")
    client_logged_in.post(reverse("labs:life-event-delete", args=[event.pk]))
    assert not LifeEvent.objects.filter(user=user).exists()
    client_logged_in.post(reverse("labs:undo"))
    assert LifeEvent.objects.get(user=user).note == "flu"


def test_undo_needs_a_post_and_undoes_only_my_own_deletion(client_logged_in, user):
    from django.test import Client

    assert client_logged_in.get(reverse("labs:undo")).status_code == 405
    entry = SymptomEntryFactory()  # someone else's, deleted in their own session
    theirs = Client()
    theirs.force_login(entry.user)
    theirs.post(reverse("labs:symptom-delete", args=[entry.pk]))
    client_logged_in.post(reverse("labs:undo"))  # my session holds nothing to undo
    assert not SymptomEntry.objects.exists()


def test_life_events_are_listed_added_and_deleted(client_logged_in, user):
    LifeEventFactory(kind="diet_change")  # someone else's
    url = reverse("labs:life-event-list")
    response = client_logged_in.post(
        url, {"kind": "new_medication", "occurred_on": "2025-01-05", "note": "PPI"}
    )
    assert response.status_code == 302
    event = LifeEvent.objects.get(user=user)
    listed = list(client_logged_in.get(url).context["events"])
    assert listed == [event]
    client_logged_in.post(reverse("labs:life-event-delete", args=[event.pk]))
    assert not LifeEvent.objects.filter(user=user).exists()


def test_a_life_event_in_the_future_is_refused(client_logged_in):
    response = client_logged_in.post(
        reverse("labs:life-event-list"), {"kind": "illness", "occurred_on": "2999-01-01"}
    )
    assert response.status_code == 200
    assert not LifeEvent.objects.exists()


def test_the_history_reads_only_the_days_it_shows(user):
    from labs.selectors import symptom_history

    day = timezone.localdate()
    for n in range(70):
        SymptomEntryFactory(user=user, recorded_on=day - dt.timedelta(days=n), symptom="fatigue")
    days = symptom_history(user=user, limit_days=60)
    assert len(days) == 60 and min(days) == day - dt.timedelta(days=59)
    assert len(symptom_history(user=user)) == 70


@pytest.mark.django_db
def test_the_history_columns_are_in_the_persons_language(client):
    # The symptom catalog's names are marked with gettext_noop: the table must translate them.
    person = UserFactory(language="de", country="DE")
    SymptomEntryFactory(user=person, symptom="fatigue", severity=2)
    client.force_login(person)
    table = client.get(reverse("labs:symptom-list")).content.decode()
    table = table[table.index('data-testid="symptom-history"') :]
    assert "Erschöpfung" in table
    assert ">Fatigue<" not in table

"""Services save all or nothing, keep results in step with their panel, and signal once."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection

from labs import services
from labs.importers import ImportRow
from labs.models import LifeEvent, Panel, Result, SymptomCheckin, SymptomEntry
from labs.signals import data_changed
from labs.units import UnknownUnit
from tests.conftest import require
from tests.factories import panel_with

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 6, 1)


@pytest.fixture
def signals():
    """Every data_changed sent during the test, as (user, kind)."""
    sent = []

    def receiver(sender, user, kind, **kwargs):
        sent.append((user, kind))

    data_changed.connect(receiver, dispatch_uid="test-services-receiver")
    yield sent
    data_changed.disconnect(dispatch_uid="test-services-receiver")


def test_panel_create_stores_canonical_values_and_signals_once(user, signals):
    panel = services.panel_create(
        user=user, drawn_on=DAY, lab="Quest", fasting=True, notes="",
        results=[("vitd_25oh", 80, "nmol/L"), ("mg_rbc", 1.6, "mmol/L"),
                 ("pth_intact", 70, "pg/mL")],
    )  # fmt: skip
    stored = {r.analyte: r for r in panel.results.all()}
    assert stored["vitd_25oh"].canonical_value == pytest.approx(80 / 2.496)
    assert stored["mg_rbc"].canonical_value == pytest.approx(1.6 / 0.4114)
    assert {(r.user_id, r.drawn_on) for r in stored.values()} == {(user.pk, DAY)}
    assert signals == [(user, "results")]


def test_panel_create_saves_nothing_when_the_last_result_is_bad(user, signals):
    with pytest.raises(UnknownUnit):
        services.panel_create(
            user=user, drawn_on=DAY,
            results=[("vitd_25oh", 30, "ng/mL"), ("mg_rbc", 5, "mg/dL"),
                     ("pth_intact", 5, "mg/dL")],
        )  # fmt: skip
    assert not Panel.objects.exists()
    assert not Result.objects.exists()
    assert signals == []


def test_panel_create_refuses_two_results_of_one_analyte(user):
    with pytest.raises(ValueError, match="one result per analyte"):
        services.panel_create(
            user=user,
            drawn_on=DAY,
            results=[("vitd_25oh", 30, "ng/mL"), ("vitd_25oh", 31, "ng/mL")],
        )
    assert not Panel.objects.exists()


def test_panel_update_keeps_result_ids_moves_dates_and_signals_once(user, signals):
    panel = panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"), ("mg_rbc", 4.0, "mg/dL"))
    kept_id = panel.results.get(analyte="vitd_25oh").pk
    new_day = DAY - dt.timedelta(days=3)
    services.panel_update(
        panel=panel, drawn_on=new_day, lab="Labcorp", fasting=None, notes="redo",
        results=[("vitd_25oh", 100, "nmol/L"), ("pth_intact", 40, "pg/mL")],
    )  # fmt: skip
    results = {r.analyte: r for r in Result.objects.filter(panel=panel)}
    assert set(results) == {"vitd_25oh", "pth_intact"}
    assert results["vitd_25oh"].pk == kept_id
    assert results["vitd_25oh"].canonical_value == pytest.approx(40.06410256)
    assert {r.drawn_on for r in results.values()} == {new_day}
    panel.refresh_from_db()
    assert (panel.drawn_on, panel.lab, panel.notes) == (new_day, "Labcorp", "redo")
    assert signals == [(user, "results")]


def test_panel_update_is_all_or_nothing(user):
    panel = panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    with pytest.raises(UnknownUnit):
        services.panel_update(
            panel=panel, drawn_on=DAY, results=[("mg_rbc", 5, "mg/dL"), ("vitd_25oh", 3, "g/L")]
        )
    assert list(panel.results.values_list("analyte", "value")) == [("vitd_25oh", 30.0)]


def test_panel_create_rolls_back_when_the_database_refuses_the_last_row(user, signals):
    """A value the form would refuse (0) reaches the database check: the panel goes too."""
    with pytest.raises(IntegrityError):
        services.panel_create(
            user=user, drawn_on=DAY,
            results=[("vitd_25oh", 30, "ng/mL"), ("mg_rbc", 5, "mg/dL"),
                     ("pth_intact", 0, "pg/mL")],
        )  # fmt: skip
    assert not Panel.objects.exists() and not Result.objects.exists()
    assert signals == []


def test_panel_update_failing_on_the_last_row_leaves_panel_and_results_as_they_were(user, signals):
    panel = panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"), ("ca_total", 9.5, "mg/dL"))
    before = sorted(Result.objects.values_list("pk", "analyte", "value", "unit", "drawn_on"))
    header = (panel.drawn_on, panel.lab, panel.notes)
    with pytest.raises(IntegrityError):
        # Reaches the database: the header is saved, ca_total deleted and 25(OH)D updated
        # before the last row breaks the value > 0 check; the transaction undoes it all.
        services.panel_update(
            panel=panel, drawn_on=DAY - dt.timedelta(days=2), lab="Labcorp", notes="redo",
            results=[("vitd_25oh", 41, "ng/mL"), ("mg_rbc", 5, "mg/dL"),
                     ("pth_intact", 0, "pg/mL")],
        )  # fmt: skip
    stored = Panel.objects.get(pk=panel.pk)
    assert (stored.drawn_on, stored.lab, stored.notes) == header
    assert (
        sorted(Result.objects.values_list("pk", "analyte", "value", "unit", "drawn_on")) == before
    )
    assert signals == []


def test_panel_delete_removes_results_and_signals_once(user, signals):
    panel = panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"), ("mg_rbc", 4.0, "mg/dL"))
    services.panel_delete(panel=panel)
    assert not Result.objects.exists()
    assert signals == [(user, "results")]


def test_symptom_checkin_upserts_per_day_and_symptom(user, signals):
    services.symptom_checkin(user=user, recorded_on=DAY, scores={"fatigue": 3, "insomnia": 2})
    services.symptom_checkin(user=user, recorded_on=DAY, scores={"fatigue": 1}, note="better")
    scores = dict(SymptomEntry.objects.filter(user=user).values_list("symptom", "severity"))
    assert scores == {"fatigue": 1, "insomnia": 2}
    assert signals == [(user, "symptoms"), (user, "symptoms")]


def test_a_second_checkin_the_same_day_keeps_the_first_ones_note(user):
    services.symptom_checkin(user=user, recorded_on=DAY, scores={"fatigue": 3, "insomnia": 2},
                             note="slept badly")  # fmt: skip
    services.symptom_checkin(user=user, recorded_on=DAY, scores={"fatigue": 1}, note="better")
    notes = dict(SymptomEntry.objects.filter(user=user).values_list("symptom", "note"))
    assert notes == {"fatigue": "slept badly · better", "insomnia": "slept badly · better"}
    checkins = SymptomCheckin.objects.filter(user=user, recorded_on=DAY)
    assert list(checkins.values_list("note", flat=True)) == ["slept badly", "better"]


def test_a_deleted_symptom_score_can_be_restored(user):
    services.symptom_checkin(user=user, recorded_on=DAY, scores={"fatigue": 3}, note="x")
    services.symptom_entry_delete(entry=SymptomEntry.objects.get(user=user))
    services.symptom_entry_restore(user=user, recorded_on=DAY, symptom="fatigue", severity=3,
                                   note="x")  # fmt: skip
    assert SymptomEntry.objects.get(user=user).severity == 3
    with pytest.raises(ValueError):
        services.symptom_entry_restore(user=user, recorded_on=DAY, symptom="ennui", severity=1,
                                       note="")  # fmt: skip


def test_symptom_checkin_refuses_unknown_symptoms_and_bad_scores(user):
    with pytest.raises(ValueError):
        services.symptom_checkin(user=user, recorded_on=DAY, scores={"fatigue": 2, "ennui": 1})
    with pytest.raises(ValueError):
        services.symptom_checkin(user=user, recorded_on=DAY, scores={"fatigue": 4})
    assert not SymptomEntry.objects.exists()


def test_life_events_are_created_and_deleted_with_one_signal_each(user, signals):
    event = services.life_event_create(user=user, kind="pregnancy", occurred_on=DAY)
    services.life_event_delete(event=event)
    assert not LifeEvent.objects.exists()
    assert signals == [(user, "life_events"), (user, "life_events")]


def row(line, day, analyte, value, unit, canonical):
    return ImportRow(line, day, analyte, value, unit, canonical)


def test_results_import_groups_rows_by_date_and_signals_once(user, signals):
    rows = [
        row(2, DAY, "vitd_25oh", 30, "ng/mL", 30.0),
        row(3, DAY, "mg_rbc", 5.0, "mg/dL", 5.0),
        row(4, DAY - dt.timedelta(days=90), "vitd_25oh", 50, "nmol/L", 20.03205128),
    ]
    assert services.results_import(user=user, rows=rows) == (3, 0)
    panels = Panel.objects.filter(user=user).order_by("drawn_on")
    assert [p.results.count() for p in panels] == [1, 2]
    assert signals == [(user, "results")]


def test_results_import_skips_duplicates_within_rounding(user, signals):
    panel = panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    rows = [
        row(2, DAY, "vitd_25oh", 30.000001, "ng/mL", 30.000001),
        row(3, DAY, "mg_rbc", 5.0, "mg/dL", 5.0),
    ]
    outcome = services.results_import(user=user, rows=rows)
    assert outcome == services.ImportOutcome(created=1, skipped_duplicates=1)
    # the new analyte joins the existing panel of that date
    assert set(panel.results.values_list("analyte", flat=True)) == {"vitd_25oh", "mg_rbc"}
    assert services.results_import(user=user, rows=rows) == (0, 2)
    assert signals == [(user, "results")]  # the second import wrote nothing


def test_results_import_never_stores_two_results_of_one_analyte_on_a_date(user):
    """Issue 10: one draw, one result per analyte; a contradicting row is refused whole."""
    panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    rows = [row(2, DAY, "vitd_25oh", 45, "ng/mL", 45.0), row(3, DAY, "pth_intact", 40, "pg/mL", 40)]
    with pytest.raises(services.ImportConflict):
        services.results_import(user=user, rows=rows)
    assert Panel.objects.filter(user=user, drawn_on=DAY).count() == 1
    assert Result.objects.filter(user=user).count() == 1


def test_duplicates_are_per_person(user, other_user):
    panel_with(other_user, DAY, ("vitd_25oh", 30, "ng/mL"))
    assert services.results_import(
        user=user, rows=[row(2, DAY, "vitd_25oh", 30, "ng/mL", 30.0)]
    ) == (1, 0)


def test_duplicate_detection_is_one_query(user, django_assert_num_queries):
    panel_with(user, DAY, ("vitd_25oh", 30, "ng/mL"))
    rows = [row(n, DAY - dt.timedelta(days=n), "vitd_25oh", 30, "ng/mL", 30.0) for n in range(200)]
    with django_assert_num_queries(1):
        assert services.import_duplicates(user=user, rows=rows) == {(0, "vitd_25oh")}


def test_a_large_import_writes_in_batches_not_per_row(user, django_assert_max_num_queries):
    rows = [
        row(n, DAY - dt.timedelta(days=n // 2), ("vitd_25oh", "mg_rbc")[n % 2], 30, "ng/mL"
            if n % 2 == 0 else "mg/dL", 30.0 if n % 2 == 0 else 5.0)
        for n in range(2000)
    ]  # fmt: skip
    # SQLite caps a statement at 999 parameters, so ~140 rows per INSERT: 2000 rows in 1000
    # panels take about 25 statements in all; one per row would be 3000.
    with django_assert_max_num_queries(40):
        assert services.results_import(user=user, rows=rows) == (2000, 0)
    assert Panel.objects.filter(user=user).count() == 1000


@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_store_the_file_once(user):
    # SQLite serialises writers by itself: the race needs PostgreSQL.
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    start = dt.date(2020, 1, 1)
    rows = [
        ImportRow(line=n + 2, drawn_on=start + dt.timedelta(days=n), analyte="vitd_25oh",
                  value=30.0, unit="ng/mL", canonical_value=30.0)
        for n in range(1500)
    ]  # fmt: skip
    barrier = threading.Barrier(2)

    def confirm():
        try:
            barrier.wait()
            services.results_import(user=user, rows=rows)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Result.objects.filter(user=user).count() == len(rows)

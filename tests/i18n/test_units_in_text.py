"""The plan's sentences name values in the reader's units and language (issue 11: "every
page, the plan JSON's display text, alerts, expected values … show values in the person's
units with sensible precision"). The engine writes English with canonical values ("25(OH)D is
above 100 ng/mL"); the presenter shows them as the person reads them ("25(OH)D liegt über
250 nmol/L"), in the alerts, the "Why?" traces, the dose lines and the retest reason alike."""

import re

import pytest
from django.utils import translation
from hypothesis import given, settings

from labs.display import Reader, format_date
from protocols.engine import compute_plan
from protocols.presenters import engine_text, humanize, present_plan
from protocols.reminders.sending import reminder_send
from tests.factories import ReminderFactory, UserFactory
from tests.protocols.test_engine import m, snap
from tests.protocols.test_engine_properties import snapshots

pytestmark = pytest.mark.usefixtures("compiled_translations")

SI = Reader({code: "nmol/L" for code in ["vitd_25oh"]} | {
    code: "mmol/L" for code in ["mg_rbc", "mg_serum", "ca_total", "ca_ionized"]
})  # fmt: skip
CONVENTIONAL = Reader({"vitd_25oh": "ng/mL", "mg_rbc": "mg/dL"})
# Words that only English writes: one of them on a German page is an untranslated sentence.
ENGLISH = re.compile(
    r"\b(the|and|no|after|weeks|limit|recommended|you|take|taking|expected|flag|day|days|"
    r"within|above|below|measured|result|logged|until|due)\b"
)


def shown_texts(pv) -> list[str]:
    """Every sentence the plan page shows, its "Why?" traces included."""
    texts = [pv.phase_reason]
    for alert in pv.halting + pv.warnings + pv.notes:
        texts += [alert.message, *alert.details, alert.why.reason]
    for line in pv.lines + pv.stopped:
        texts += [line.daily, line.form, line.take_with, line.why.reason]
    if pv.retest:
        texts.append(pv.retest.why.reason)
    texts += [band for _label, band in pv.expected]
    texts += [m.value + " " + m.target + " " + m.note for m in pv.markers]
    return [t for t in texts if t]


def present(snapshot, language: str, reader):
    with translation.override(language):
        return present_plan(compute_plan(snapshot).to_dict(), {}, user=reader)


SITUATIONS = [
    pytest.param(snap(m("vitd_25oh", 120), m("ca_total", 10.8), m("albumin", 3.5)), id="toxic"),
    pytest.param(snap(m("vitd_25oh", 75), taking={"vitamin_d3": 10000}), id="above-target"),
    pytest.param(snap(m("vitd_25oh", 22), m("mg_serum", 1.7)), id="serum-only"),
    pytest.param(snap(m("vitd_25oh", 45), m("mg_rbc", 6.0), m("ca_ionized", 5.35)), id="ionized"),
]


@pytest.mark.parametrize("snapshot", SITUATIONS)
def test_an_si_reader_reads_no_conventional_unit(snapshot):
    for text in shown_texts(present(snapshot, "de", SI)):
        assert "ng/mL" not in text and "mg/dL" not in text, text


@settings(max_examples=80, deadline=None)
@given(snapshot=snapshots)
def test_any_plan_reads_in_si_units_and_german_for_a_german_si_reader(snapshot):
    for text in shown_texts(present(snapshot, "de", SI)):
        assert "ng/mL" not in text and "mg/dL" not in text, text
        assert not ENGLISH.search(re.sub(r"\([^()]*§[^()]*(\([^()]*\))?[^()]*\)", "", text)), text


def test_thresholds_read_in_the_readers_unit_at_its_precision():
    toxic = snap(m("vitd_25oh", 120))
    above = snap(m("vitd_25oh", 75))
    stop = present(toxic, "de", SI).halting[0].message
    assert stop.startswith("25(OH)D liegt über 250 nmol/L:")
    assert (
        present(toxic, "en", CONVENTIONAL)
        .halting[0]
        .message.startswith("25(OH)D is above 100 ng/mL:")
    )
    assert "Zielwert von 150 nmol/L" in present(above, "de", SI).warnings[-1].message
    assert "above the 60 ng/mL target" in present(above, "en", CONVENTIONAL).warnings[-1].message


def test_why_traces_read_values_in_the_readers_unit_and_language():
    pv = present(snap(m("vitd_25oh", 18.03), m("ca_total", 10.8), m("albumin", 3.5)), "de", SI)
    whys = [a.why.reason for a in pv.halting + pv.warnings + pv.notes]
    assert (
        "korrigiertes Calcium 2,79 mmol/L (gesamt 2,69 mmol/L, Albumin 3,5 g/dL, nach Payne)"
        in (whys)
    )
    assert "kein Magnesiumwert" in whys
    assert pv.retest.why.reason.endswith("(Calcium liegt über der sicheren Grenze)")


def test_a_non_responders_numbers_follow_the_reader():
    start = m("vitd_25oh", 22, drawn_on=snap().as_of.replace(month=1, day=5))
    pv = present(
        snap(start, m("vitd_25oh", 24), taking={"vitamin_d3": 5000}),
        "de",
        SI,
    )
    alert = next(a for a in pv.warnings if a.code == "non_responder")
    assert "von 55 auf 60 nmol/L" in alert.message
    assert "25(OH)D 55 nmol/L → 60 nmol/L nach 8 Wochen" in alert.why.reason


def test_a_stored_plans_old_wording_still_reads_in_the_readers_units():
    """Plans stored before the thresholds were templates read the same way."""
    with translation.override("de"):
        old = "25(OH)D is above the 60 ng/mL target: no more vitamin D is added; a dose above "
        old += "maintenance is lowered to it, a smaller one paused until the retest."
        assert humanize(old, SI).startswith("25(OH)D liegt über dem Zielwert von 150 nmol/L:")
        assert (
            engine_text("vitd_25oh 45 ng/mL (optimal)", SI)
            == "vitd_25oh 112 nmol/L (im Zielbereich)"
        )


@pytest.mark.django_db
def test_the_reminder_email_gives_its_reason_in_the_persons_units_and_german(mailoutbox):
    user = UserFactory(language="de", country="DE", vitd_unit="nmol/L", mineral_unit="mmol/L")
    reason = "25(OH)D, Calcium within 14 days (25(OH)D is above 100 ng/mL)"
    reminder = ReminderFactory(user=user, reason=reason)
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    with translation.override("de"):
        due = format_date(reminder.due_on)
    message = mailoutbox[0]
    for body in (message.body, message.alternatives[0][0]):
        assert "(25(OH)D liegt über 250 nmol/L)" in body
        assert "innerhalb von 14 Tagen" in body
        assert "ng/mL" not in body
    assert due in message.subject  # "9. Dez. 2026"


def test_an_eu_persons_upper_limit_cites_efsa_not_the_us_academies():
    plan = compute_plan(snap(m("vitd_25oh", 18), m("mg_rbc", 4.1), limits="efsa"))
    with translation.override("en"):
        pv = present_plan(plan.to_dict(), {}, user=SI)
    limit = next(a for a in pv.warnings if a.code == "above_upper_limit")
    keys = {citation.reference.key for citation in limit.why.sources}
    assert {"efsa-2023-vitd", "efsa-2006", "efsa-2023-b6"} <= keys
    assert not any(key.startswith("iom-") for key in keys)
    us = compute_plan(snap(m("vitd_25oh", 18), m("mg_rbc", 4.1), limits="iom"))
    with translation.override("en"):
        us_limit = next(
            a for a in present_plan(us.to_dict()).warnings if a.code == "above_upper_limit"
        )
    assert {c.reference.key for c in us_limit.why.sources} >= {"iom-2011", "iom-1997"}

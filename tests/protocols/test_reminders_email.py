"""The reminder email: subject, text and HTML parts, tests to ask for, working links."""

import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import compat32

import pytest
from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from protocols.models import Reminder
from protocols.reminders.emails import (
    PARTS,
    PERSON_FIELDS,
    QUICK_FOLDING,
    link_url,
    reminder_email_context,
    reminder_email_texts,
)
from protocols.reminders.links import reminder_from_link
from protocols.reminders.sending import reminder_send, reminders_send
from tests.factories import ReminderFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://\S+")


def _send(user, **fields):
    reminder = ReminderFactory(user=user, reason="correction: retest after the draw", **fields)
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    return reminder


def _html(message) -> str:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


def test_the_email_names_the_tests_the_reason_and_the_due_date(user, mailoutbox):
    reminder = _send(user, due_on=timezone.localdate() + timedelta(days=7))
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert message.subject == f"[Cofactor] Your retest is due on {reminder.due_on:%-d %b %Y}"
    for part in (message.body, _html(message)):
        assert "25-hydroxyvitamin D" in part
        assert "Magnesium" in part or "magnesium" in part
        assert "correction: retest after the draw" in part
        assert "Not medical advice." in part
        assert f"{reminder.due_on:%-d %b %Y}" in part


def test_the_email_links_to_results_snooze_and_unsubscribe(user, mailoutbox, settings):
    _send(user)
    body = mailoutbox[0].body
    links = URL.findall(body)
    assert all(link.startswith(settings.SITE_URL) for link in links)
    assert sum("/reminders/snooze/" in link for link in links) == 2
    assert sum("/reminders/unsubscribe/" in link for link in links) == 1
    assert settings.SITE_URL + reverse("labs:panel-create") in links
    assert "List-Unsubscribe" in mailoutbox[0].extra_headers  # more in the headers test


def test_every_link_in_the_email_opens_a_page(user, mailoutbox, client, settings):
    _send(user)
    for link in URL.findall(mailoutbox[0].body):
        if "/reminders/" in link:
            response = client.get(link.removeprefix(settings.SITE_URL))
            assert response.status_code == 200, link


def test_a_late_first_email_uses_the_overdue_wording(user, mailoutbox):
    _send(user, due_on=timezone.localdate() - timedelta(days=3))
    assert "was due on" in mailoutbox[0].subject
    assert "no new results yet" in mailoutbox[0].body


def test_the_follow_up_uses_the_overdue_wording(user, mailoutbox):
    _send(user, state=Reminder.State.SENT, due_on=timezone.localdate() - timedelta(days=7))
    assert "was due on" in mailoutbox[0].subject
    assert "no new results yet" in _html(mailoutbox[0])


def test_an_empty_test_list_still_says_what_to_do(user, mailoutbox):
    _send(user, tests=[])
    assert "the tests on your current plan" in mailoutbox[0].body


@pytest.mark.usefixtures("compiled_translations")
def test_the_email_is_in_the_persons_language_with_their_dates(user, mailoutbox):
    user.language = "de"
    user.save(update_fields=["language"])
    reminder = _send(user, due_on=timezone.localdate() + timedelta(days=7))
    message = mailoutbox[0]
    german_date = f"{reminder.due_on.day}. "  # "8. Dez. 2026"
    assert message.subject.startswith("[Cofactor] Ihre Kontrolluntersuchung ist am ")
    assert german_date in message.subject
    for part in (message.body, _html(message)):
        assert "Keine medizinische Beratung." in part
        assert "Bitten Sie das Labor um:" in part
    assert '<html lang="de">' in _html(message)


def test_the_email_language_does_not_leak_into_the_next_one(user, other_user, mailoutbox):
    user.language = "de"
    user.save(update_fields=["language"])
    _send(user)
    _send(other_user)
    assert mailoutbox[1].subject.startswith("[Cofactor] Your retest is due on")


def test_the_headers_carry_our_domain_a_real_offset_and_one_click_unsubscribe(
    user, mailoutbox, settings
):
    from email import message_from_bytes
    from email.utils import parsedate_to_datetime
    from urllib.parse import urlsplit
    from zoneinfo import ZoneInfo

    settings.SITE_URL = "https://cofactor.example"
    user.time_zone = "Asia/Kolkata"  # +05:30: an offset no server default would give
    user.save()
    _send(user)
    sent = message_from_bytes(mailoutbox[0].message().as_bytes())
    assert sent["Message-ID"].endswith("@cofactor.example>")
    date = parsedate_to_datetime(sent["Date"])
    assert date.utcoffset() == timedelta(hours=5, minutes=30)
    assert date.utcoffset() == timezone.now().astimezone(ZoneInfo("Asia/Kolkata")).utcoffset()
    assert abs(date - timezone.now()) < timedelta(minutes=1)
    one_click = "".join(sent["List-Unsubscribe"].split()).strip("<>")  # unfold the header
    assert one_click.startswith("https://cofactor.example/reminders/unsubscribe/")
    assert one_click.endswith("/one-click/")
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert urlsplit(one_click).path  # the address the mailbox provider POSTs to


def test_the_email_lists_each_test_with_its_loinc_code_and_links_the_requisition(
    user, mailoutbox, settings
):
    _send(user, tests=["vitd_25oh", "mg_rbc"])
    message = mailoutbox[0]
    sheet = settings.SITE_URL + reverse("protocols:requisition")
    for part in (message.body, _html(message)):
        assert "LOINC 62292-8; serum" in part
        assert "LOINC 26746-8; whole blood" in part
        assert sheet in part


# --- each kind of email rendered once, the person's values filled in ------------------------

_VALUE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
_VALUES = st.fixed_dictionaries(
    {field: _VALUE for field in PERSON_FIELDS}
    | {"due": st.sampled_from(["1 Dec 2026", "1. Dez. 2026"]) | _VALUE}
)


@pytest.mark.django_db(False)
@pytest.mark.usefixtures("compiled_translations")
@settings_(max_examples=150, deadline=None)
@given(
    language=st.sampled_from(["en", "en-us", "de"]),
    overdue=st.booleans(),
    tests=st.lists(st.sampled_from(["vitd_25oh", "mg_rbc", "pth_intact", "unknown"]), max_size=3),
    values=_VALUES,
)
def test_the_filled_in_email_is_what_the_templates_render_for_that_person(
    language, overdue, tests, values
):
    # Any value (markup, quotes, ampersands, an empty reason, a would-be marker) comes out
    # exactly as a direct render of the three templates with the person's values prints it.
    name = "reminder-overdue" if overdue else "reminder"
    with translation.override(language):
        texts = reminder_email_texts(overdue=overdue, tests=tests, values=values)
        context = reminder_email_context(overdue=overdue, tests=tests, values=values)
        for part, file in PARTS.items():
            assert texts[part] == render_to_string(f"emails/{name}-{file}", context), part


def test_two_emails_of_one_kind_carry_each_persons_own_values_and_links(mailoutbox):
    first, second = (
        _send(UserFactory(), due_on=timezone.localdate() + timedelta(days=days)) for days in (5, 6)
    )
    for message, reminder, other in zip(mailoutbox, (first, second), (second, first), strict=True):
        for part in (message.subject, message.body, _html(message)):
            assert f"{reminder.due_on:%-d %b %Y}" in part
            assert f"{other.due_on:%-d %b %Y}" not in part
        for link in URL.findall(message.body):
            if "/reminders/" in link:
                token = link.rstrip("/").rsplit("/", 1)[-1]
                assert reminder_from_link(token, link.split("/")[-3])[0] == reminder


# --- cheaper serialising, same bytes --------------------------------------------------------

_HEADER_NAMES = st.sampled_from(["Subject", "To", "Message-ID", "List-Unsubscribe", "Date"])


@pytest.mark.django_db(False)
@settings_(max_examples=500, deadline=None)
@given(name=_HEADER_NAMES, value=st.text(max_size=100) | st.text(st.characters(max_codepoint=127)))
def test_quick_folding_writes_every_header_as_compat32_does(name, value):
    quick, standard = (policy.clone(linesep="\r\n") for policy in (QUICK_FOLDING, compat32))
    assert _folded(quick, name, value) == _folded(standard, name, value)


def _folded(policy, name: str, value: str) -> bytes | type:
    try:
        return policy.fold_binary(name, value)
    except Exception as error:  # an embedded header: both refuse it
        return type(error)


@pytest.mark.usefixtures("compiled_translations")
@pytest.mark.parametrize("language", ["en", "de"])
def test_a_reminder_serialises_to_the_bytes_djangos_own_message_would(user, mailoutbox, language):
    user.language = language
    user.save(update_fields=["language"])
    ReminderFactory(user=user, reason="correction: <retest> & more")
    assert reminders_send(reminder_ids=[user.reminders.get().pk]) == {"sent": 1}
    email = mailoutbox[0]
    ours = email.message()
    standard = EmailMultiAlternatives.message(email)  # Django's, compat32, the same parts
    standard.set_boundary(ours.get_boundary())
    assert ours.as_bytes(linesep="\r\n") == standard.as_bytes(linesep="\r\n")
    parsed = message_from_bytes(ours.as_bytes())
    text, html = (part.get_payload(decode=True).decode() for part in parsed.get_payload())
    assert (text, html) == (email.body, _html(email))
    assert ours.get_boundary() not in text + html


@pytest.mark.django_db(False)
@settings_(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(
        ["reminders:snooze", "reminders:unsubscribe", "reminders:one-click-unsubscribe"]
    ),
    token=st.from_regex(r"[A-Za-z0-9_:-]+", fullmatch=True) | st.text(max_size=30),
)
def test_a_link_reversed_once_is_the_url_reverse_gives_for_that_token(name, token):
    assert _outcome(link_url, name, token) == _outcome(
        lambda name, token: django_settings.SITE_URL + reverse(name, args=[token]), name, token
    )


def _outcome(function, *args):
    try:
        return function(*args)
    except Exception as error:  # a token the URL pattern refuses: both refuse it
        return type(error)

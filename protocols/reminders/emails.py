"""The retest reminder email: one builder, three templates (STYLE.md habit 10)."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.policy import Compat32
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import forbid_multi_line_headers
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.dates import person_locale, person_today, person_zone
from labs.display import format_date
from labs.requisition import requisition_lines
from protocols.models import Reminder
from protocols.presenters import humanize

from .links import SNOOZE_WEEKS, reminder_link_token


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def results_url() -> str:
    """Where a person enters the new results the email asks for: the panel form."""
    return _absolute(reverse("labs:panel-create"))


def lab_orders(codes: list[str]) -> list[dict[str, str]]:
    """The tests as the requisition sheet lists them: name, LOINC code, specimen (translated)."""
    return [
        {"name": gettext(line.name), "loinc": line.loinc, "specimen": gettext(line.specimen)}
        for line in requisition_lines(codes)
    ]


# --- the bodies: each template rendered once per kind of email, the person's values filled in

PERSON_FIELDS = ("due", "reason", *(f"snooze_{weeks}" for weeks in SNOOZE_WEEKS), "unsubscribe_url")
PARTS = {"subject": "subject.txt", "text": "body.txt", "html": "body.html"}
# How each part's template prints a value: the subject and HTML autoescape, the text bodies
# are {% autoescape off %}.
_ESCAPE = {"subject": escape, "text": str, "html": escape}
_MARK = "\ue000{}\ue001"  # Unicode private use: no template, translation or escape makes one
_MARKED = re.compile("\ue000(\\w+)\ue001")


def reminder_email_context(*, overdue: bool, tests: Sequence[str], values: Mapping[str, str]):
    """What the three templates show: `values` are the person's own (PERSON_FIELDS)."""
    return {
        "overdue": overdue,
        "due": values["due"],
        "orders": lab_orders(list(tests)),
        "requisition_url": _absolute(reverse("protocols:requisition")),
        "reason": values["reason"],
        "results_url": results_url(),
        "snooze_links": [(weeks, values[f"snooze_{weeks}"]) for weeks in SNOOZE_WEEKS],
        "unsubscribe_url": values["unsubscribe_url"],
        "settings_url": _absolute(reverse("accounts:preferences")),
        "SITE_URL": settings.SITE_URL,
    }


def reminder_email_texts(
    *, overdue: bool, tests: Sequence[str], values: Mapping[str, str]
) -> dict[str, str]:
    """Subject, text and HTML body in the active language, as the templates render them.

    Rendering three templates per email was most of a send's CPU, yet they differ only by
    language, wording (due or overdue), tests and whether there is a reason: each such kind
    is rendered once per process with markers for the person's values, and each email
    fills its values in, escaped as the template would have (tests compare the two).
    """
    kind = _rendered_kind(translation.get_language(), overdue, tuple(tests), bool(values["reason"]))
    return {part: _fill(text, values, _ESCAPE[part]) for part, text in kind.items()}


def _fill(text: str, values: Mapping[str, str], escape_value) -> str:
    return _MARKED.sub(lambda found: escape_value(values[found.group(1)]), text)


@functools.lru_cache(maxsize=256)
def _rendered_kind(language: str, overdue: bool, tests: tuple[str, ...], has_reason: bool):
    markers = {field: _MARK.format(field) for field in PERSON_FIELDS}
    if not has_reason:
        markers["reason"] = ""  # {% if reason %} must see it empty
    name = "reminder-overdue" if overdue else "reminder"
    with translation.override(language):
        context = reminder_email_context(overdue=overdue, tests=tests, values=markers)
        return {part: render_to_string(f"emails/{name}-{file}", context)
                for part, file in PARTS.items()}  # fmt: skip


@receiver(setting_changed)
def _forget_rendered_kinds(**kwargs) -> None:
    """A test that changes SITE_URL, templates or languages gets freshly rendered emails."""
    _rendered_kind.cache_clear()
    _link_around.cache_clear()


def reminder_email_values(*, reminder: Reminder) -> dict[str, str]:
    """The person's own values in their email (active language): due date, reason, links."""
    snooze = {
        f"snooze_{weeks}": link_url(
            "reminders:snooze", reminder_link_token(reminder, "snooze", w=weeks)
        )
        for weeks in SNOOZE_WEEKS
    }
    unsubscribe_token = reminder_link_token(reminder, "unsubscribe")
    return {
        "due": format_date(reminder.due_on),
        # The engine's English, in the person's language and units.
        "reason": humanize(reminder.reason, reminder.user),
        **snooze,
        "unsubscribe_url": link_url("reminders:unsubscribe", unsubscribe_token),
        "unsubscribe_token": unsubscribe_token,
    }


_SIGNED = re.compile(r"[A-Za-z0-9_:-]+")  # what TimestampSigner writes: URL-safe as it is


def link_url(name: str, token: str) -> str:
    """The absolute URL of a one-click link: `reverse(name, args=[token])`, reversed once."""
    if not _SIGNED.fullmatch(token):
        return _absolute(reverse(name, args=[token]))
    before, after = _link_around(name, translation.get_language())
    return before + token + after


@functools.lru_cache(maxsize=64)
def _link_around(name: str, language: str | None) -> tuple[str, str]:
    before, after = _absolute(reverse(name, args=["0"])).rsplit("/0/", 1)
    return f"{before}/", f"/{after}"


def reminder_headers(*, reminder: Reminder, unsubscribe_token: str) -> dict[str, str]:
    """Headers a mailbox provider checks: our own Message-ID domain, a Date with the
    person's real UTC offset, and RFC 8058 one-click unsubscribe (a POST to a signed URL)."""
    one_click = link_url("reminders:one-click-unsubscribe", unsubscribe_token)
    return {
        "Message-ID": make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost"),
        "Date": format_datetime(timezone.now().astimezone(person_zone(reminder.user))),
        "List-Unsubscribe": f"<{one_click}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- the MIME message ------------------------------------------------------------------------


class QuickFolding(Compat32):
    """Django's MIME policy (compat32), writing a short printable ASCII header as it is.

    compat32 runs every header through email.header.Header to fold it, about 30 µs each and
    fifteen per reminder; for a value that fits one line unchanged the result is the same
    bytes (a test compares the two over random headers), so only those skip it.
    """

    def fold_binary(self, name: str, value) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()
            and len(name) + 2 + len(value) <= (self.max_line_length or 0)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


QUICK_FOLDING = QuickFolding()


class ReminderMessage(EmailMultiAlternatives):
    """EmailMultiAlternatives with cheaper serialising, the same bytes: quick header folding,
    the Subject header encoded once per distinct subject, and a MIME boundary chosen here
    (the generator compiles a new regular expression per message to check the one it draws;
    this one is checked against the bodies directly)."""

    def message(self):
        subject, self.subject = self.subject, ""
        try:
            message = super().message()
        finally:
            self.subject = subject
        encoding = self.encoding or settings.DEFAULT_CHARSET
        message.replace_header("Subject", _subject_header(subject, encoding))
        message.policy = QUICK_FOLDING
        message.set_boundary(_boundary([self.body, *(part for part, _ in self.alternatives)]))
        return message


@functools.lru_cache(maxsize=1024)
def _subject_header(subject: str, encoding: str) -> str:
    """Django's own Subject header (RFC 2047 when not ASCII; a newline refused), once per
    subject: one batch shares a few (one per language and due date), and a German one took
    0.3 ms to encode (the stdlib measures each candidate line character by character)."""
    return forbid_multi_line_headers("Subject", subject, encoding)[1]


def _boundary(texts: list[str]) -> str:
    while True:
        boundary = f"==============={secrets.token_hex(12)}=="
        if not any(boundary in text for text in texts):
            return boundary


def reminder_email(*, reminder: Reminder, followup: bool, now: datetime) -> ReminderMessage:
    """The reminder (or its overdue variant) as a text + HTML message, ready to send, in the
    person's language (a worker has no request to take it from)."""
    with translation.override(person_locale(reminder.user)):
        overdue = followup or reminder.due_on < person_today(reminder.user, now)
        values = reminder_email_values(reminder=reminder)
        texts = reminder_email_texts(overdue=overdue, tests=reminder.tests, values=values)
    message = ReminderMessage(
        subject=" ".join(texts["subject"].split()),  # one line, whatever the template's spaces
        body=texts["text"],
        to=[reminder.user.email],
        headers=reminder_headers(reminder=reminder, unsubscribe_token=values["unsubscribe_token"]),
    )
    message.attach_alternative(texts["html"], "text/html")
    return message

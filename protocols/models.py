import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from labs.display import DOSE_UNIT_LABELS
from protocols.rules import GOALS, NUTRIENTS, PROFILE_FLAGS

# Built from the rule catalog (protocols.rules): one list of flags, goals and nutrients.
PROFILE_FLAG_CHOICES = [(code, _(label)) for code, label in PROFILE_FLAGS.items()]
GOAL_CHOICES = [(code, _(label)) for code, label in GOALS.items()]
NUTRIENT_CHOICES = [(code, _(label)) for code, (label, _unit, _limit) in NUTRIENTS.items()]
DOSE_UNIT_CHOICES = [
    (unit, DOSE_UNIT_LABELS.get(unit, unit))
    for unit in dict.fromkeys(u for _l, u, _x in NUTRIENTS.values())
]


class HealthProfile(models.Model):
    """What the protocol must know about a person beyond their labs (PRODUCT.md §4.4)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="health_profile"
    )
    # Optional: only the printable report for a clinician shows it.
    name = models.CharField(
        _("name"), max_length=120, blank=True, help_text=_("Shown only on the report you print.")
    )
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    sex = models.CharField(
        _("sex"),
        max_length=8,
        blank=True,
        choices=[("female", _("Female")), ("male", _("Male")), ("other", _("Other"))],
    )
    flags = models.JSONField(_("health flags"), default=list, blank=True)
    goal = models.CharField(_("primary goal"), max_length=16, blank=True, choices=GOAL_CHOICES)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()  # audit trail: every change of the profile, by whom

    def __str__(self) -> str:
        return f"Health profile of {self.user_id}"


class SupplementIntake(models.Model):
    """A supplement the person takes now: one row per nutrient, daily total (§4.5)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supplements"
    )
    nutrient = models.CharField(max_length=16, choices=NUTRIENT_CHOICES)
    form = models.CharField(_("form"), max_length=60, blank=True)
    amount = models.FloatField(_("daily amount"))
    unit = models.CharField(max_length=4, choices=DOSE_UNIT_CHOICES)
    since = models.DateField(_("taking since"), null=True, blank=True)
    # Optional: when in the day the person takes it; their calendar feed can then carry a
    # daily alarm at that time (CalendarFeed.supplement_alarms).
    take_at = models.TimeField(
        _("time of day"),
        null=True,
        blank=True,
        help_text=_("Optional: for a daily alarm in your calendar feed."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()  # audit trail

    class Meta:
        ordering = ["nutrient"]
        constraints = [
            models.UniqueConstraint(fields=["user", "nutrient"], name="intake_one_per_nutrient"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="intake_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.nutrient} {self.amount:g} {self.unit}"


class DoseLog(models.Model):
    """A day on which the person took a supplement (issue #17): one row per supplement and
    day, made by a tap on "taken" or filled in later for the last days
    (protocols.adherence.BACKFILL_DAYS). No row is a day not logged as taken."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dose_logs"
    )
    intake = models.ForeignKey(SupplementIntake, on_delete=models.CASCADE, related_name="doses")
    taken_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_on", "intake_id"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "taken_on"], name="dose_one_per_day"),
        ]
        indexes = [models.Index(fields=["user", "taken_on"], name="dose_user_day")]

    def __str__(self) -> str:
        return f"{self.intake_id} taken on {self.taken_on}"


class Plan(models.Model):
    """A plan the engine computed, kept with its inputs and the rules version that made it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plans"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    as_of = models.DateField()
    rule_set = models.CharField(max_length=16)
    rules_version = models.CharField(max_length=40)
    phase = models.CharField(max_length=20)
    retest_due_on = models.DateField(null=True, blank=True)
    data = models.JSONField()  # the engine's Plan.to_dict(), PRODUCT.md §4.6
    inputs = models.JSONField()  # the snapshot it was computed from
    inputs_digest = models.CharField(max_length=64)  # skip storing a plan identical to the last

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="plan_user_created")]

    def __str__(self) -> str:
        return f"Plan {self.as_of} ({self.phase})"


def new_link_key() -> str:
    """A fresh secret that the reminder's signed email links are bound to."""
    return secrets.token_urlsafe(12)


class Reminder(models.Model):
    """A retest reminder: a row swept by beat and claimed before each send (STYLE.md habit 3)."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FOLLOWUP_SENDING = "followup_sending", _("Sending follow-up")
        FOLLOWUP_SENT = "followup_sent", _("Overdue follow-up sent")
        SNOOZED = "snoozed", _("Snoozed")
        FAILED = "failed", _("Failed")  # the mail server refused the address for good
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")  # only by the person, or a plan with no retest

    # A failed reminder stays open: it holds the person's one slot (so a plan recomputed for
    # the same retest does not bounce again), shows its reason, and moves on with a new plan.
    OPEN_STATES = (
        State.SCHEDULED,
        State.SENDING,
        State.SENT,
        State.FOLLOWUP_SENDING,
        State.FOLLOWUP_SENT,
        State.SNOOZED,
        State.FAILED,
    )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    plan = models.ForeignKey(Plan, on_delete=models.SET_NULL, null=True, blank=True)
    state = models.CharField(max_length=20, choices=State, default=State.SCHEDULED)
    due_on = models.DateField()  # the retest date, in the person's calendar
    send_at = models.DateTimeField()  # when the next email goes out (UTC)
    tests = models.JSONField(default=list)
    reason = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    followup_sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # claims of the current email
    # Temporary SMTP failures (4xx, timeouts, a server that is down): the row goes back to its
    # due state and waits until next_attempt_at (exponential back-off); failing_since starts
    # the REMINDER_RETRY_HORIZON. last_error is the server's reply (also why a row failed).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # Signed snooze/unsubscribe links carry this key; it changes when the reminder moves to a
    # new retest, so an old email cannot act on a newer reminder.
    link_key = models.CharField(max_length=24, default=new_link_key)
    # Set by the sweep when it enqueues the row, so a backlog is not enqueued again every few
    # minutes; cleared when the row needs a new email, ignored once the send queue is empty.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["send_at"]
        indexes = [models.Index(fields=["state", "send_at"], name="reminder_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(state__in=["scheduled", "sending", "sent", "followup_sending",
                                       "followup_sent", "snoozed", "failed"]),
                name="reminder_one_open_per_user",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Reminder {self.due_on} ({self.state})"


def new_feed_token() -> str:
    """The secret in a person's calendar feed URL: 256 random bits, unguessable."""
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's iCal feed of retest dates. The URL carries the token and nothing else (no
    session, no id); replacing the token revokes every copy of the old URL at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now=True)  # when the current token was made
    # Opt-in: a daily event with an alarm at each supplement's time of day (take_at).
    supplement_alarms = models.BooleanField(_("daily supplement alarms"), default=False)

    def __str__(self) -> str:
        return f"Calendar feed of user {self.user_id}"


class DoseEmail(models.Model):
    """Opt-in (the row exists): one email a day, at the person's first supplement time of
    day, asking whether today's supplements were taken; none once all are logged."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dose_email"
    )
    # The person's calendar day it last went out: claimed before sending, so never twice.
    last_sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Daily supplement email of user {self.user_id}"

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class DataVersion(models.Model):
    """A counter per person, bumped by every write that can change what the dashboard and
    the trends page show (dashboard/receivers.py).

    The per-person cache (dashboard/caching.py) puts it in every key, so after a write each
    process and worker misses and rebuilds, whatever cache backend it uses: no delete has
    to reach every cache.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"data version {self.version}"


def new_share_token() -> str:
    """The secret in a share link's URL: 256 random bits, unguessable."""
    return secrets.token_urlsafe(32)


class ShareLink(models.Model):
    """A read-only link to a person's results and plan for a clinician: it expires, it can be
    revoked, and every open is recorded (ShareOpen) and shown to the person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    token = models.CharField(max_length=64, unique=True, default=new_share_token)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Share link of user {self.user_id} until {self.expires_at:%Y-%m-%d}"


class ShareOpen(models.Model):
    """One open of a share link (when; nothing about who: the link carries no session)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="opens")
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"opened {self.opened_at:%Y-%m-%d %H:%M}"

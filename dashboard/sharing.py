"""Sharing with a clinician: read-only links that expire, can be revoked and log each open."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Max
from django.utils import timezone

from .models import ShareLink, ShareOpen

SHARE_DAYS = (7, 30, 90)


def share_create(*, user, days: int, now: datetime | None = None) -> ShareLink:
    if days not in SHARE_DAYS:
        raise ValueError(f"a share link lasts one of {SHARE_DAYS} days")
    now = now or timezone.now()
    return ShareLink.objects.create(
        user=user, created_at=now, expires_at=now + timedelta(days=days)
    )


def share_revoke(*, user, pk: int) -> bool:
    """Revoke one of the person's own links; False when it is not theirs or already revoked."""
    updated = ShareLink.objects.filter(user=user, pk=pk, revoked_at=None)
    return bool(updated.update(revoked_at=timezone.now()))


def share_open(token: str, *, now: datetime | None = None) -> ShareLink | None:
    """The live link for this token, its open recorded; None when unknown, expired or revoked."""
    now = now or timezone.now()
    live = ShareLink.objects.select_related("user").filter(
        token=token, revoked_at=None, expires_at__gt=now, user__is_active=True
    )
    link = live.first()
    if link is not None:
        ShareOpen.objects.create(link=link)
    return link


def share_links_of(user):
    """The person's links, newest first, each with how often and when last it was opened."""
    return ShareLink.objects.filter(user=user).annotate(
        open_count=Count("opens"), last_opened=Max("opens__opened_at")
    )

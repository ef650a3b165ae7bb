"""allauth adapter: a locked-out sign-in says when the lock ends."""

from __future__ import annotations

import datetime as dt
import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

LOGIN_FAILED = {"app": "allauth.account", "action": "login_failed"}


def login_lock_ends_at(request, key: str) -> float | None:
    """When the failed-login limits in force for this request and login key lift (epoch s).

    allauth keeps each limit as a newest-first list of hit times in the cache; a full list
    frees a place when its `amount`-th newest hit leaves the window.
    """
    now, ends = time.time(), None
    for rate in ratelimit.get_rates(**LOGIN_FAILED):
        cache_key = ratelimit.get_cache_key(request, rate=rate, key=key, **LOGIN_FAILED)
        history = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
        if len(history) >= rate.amount:
            lifted = history[rate.amount - 1] + rate.duration
            ends = lifted if ends is None else max(ends, lifted)
    return ends


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        # Account emails are signed "Cofactor" with the site's address (SITE_URL), not the
        # request's host name ("Hello from localhost:8101!").
        return super().send_mail(template_prefix, email, {**context, "SITE_URL": settings.SITE_URL})

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            key = self._get_login_attempts_cache_key(request, **credentials)
            ends = login_lock_ends_at(request, key)
            if ends is None:
                raise
            minutes = max(1, math.ceil((ends - time.time()) / 60))
            at = dt.datetime.fromtimestamp(ends, tz=dt.UTC).strftime("%H:%M UTC")
            raise forms.ValidationError(
                _(
                    "Too many failed sign-in attempts. Try again in %(minutes)d minute(s), "
                    "after %(at)s, or reset your password."
                )
                % {"minutes": minutes, "at": at},
                code="too_many_login_attempts",
            ) from None

"""A per-person cache of what the dashboard and the trends page build from the person's data.

Keys hold the person's data version (dashboard.models.DataVersion, read with one indexed
query per request and bumped by every write), their display preferences and language,
and a digest of the code that builds the values, so a cached value is never served after
the data, a preference or a release changed it. The cache is Django's default: Redis when
REDIS_URL is set (config/settings.py), else each process's own memory; both are correct,
since a bump makes every process miss. In front of it each process keeps the values it used
last (a key never changes meaning, so they cannot go stale).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connection
from django.utils.translation import get_language

from .models import DataVersion

T = TypeVar("T")
TIMEOUT = 24 * 3600  # old versions are never read again; this only frees their memory
RECENT_VALUES = 512  # per process: a few hundred people's pages, a few MB at most

# The modules whose output is cached: a release that changes one of them starts afresh.
_BUILDERS = ("dashboard/charts.py", "dashboard/selectors.py", "dashboard/summaries.py",
             "dashboard/trends.py", "dashboard/caching.py", "labs/analytes.py",
             "labs/display.py", "labs/units.py", "templates/dashboard/trends.html",
             "templates/labs/quick_result.html", "templates/labs/panel_list.html",
             "templates/labs/symptom_list.html", "labs/templatetags/labs_tags.py",
             "accounts/forms.py", "accounts/widgets.py",
             "templates/accounts/preferences.html", "templates/dashboard/home.html",
             "templates/protocols/plan.html", "templates/protocols/includes/plan.html",
             "protocols/presenters.py", "protocols/views.py", "dashboard/report.py",
             "dashboard/views.py", "templates/dashboard/includes/report_body.html")  # fmt: skip
_ROOT = Path(__file__).resolve().parent.parent
_SOURCES = b"".join((_ROOT / name).read_bytes() for name in _BUILDERS)
CODE_DIGEST = hashlib.sha256(_SOURCES).hexdigest()[:12]


def _first_version() -> int:
    """A random start, so a database made afresh (a test run, a restore) never meets values
    an older one left in a lasting cache (Redis) under the same person id and version."""
    return secrets.randbits(62)


def data_version(user) -> int:
    """The person's data version; the row is made on the first read (one insert, once)."""
    found = DataVersion.objects.filter(user_id=user.pk).values_list("version", flat=True).first()
    if found is not None:
        return found
    DataVersion.objects.bulk_create(
        [DataVersion(user_id=user.pk, version=_first_version())], ignore_conflicts=True
    )
    return DataVersion.objects.filter(user_id=user.pk).values_list("version", flat=True).get()


def bump(user_id: int, *, create: bool = True) -> None:
    """Mark everything cached for the person as old (in the writer's transaction).

    `create=False` for deletes: an account being deleted must not get a new row, and a
    person without a row has nothing cached.
    """
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    with connection.cursor() as cursor:
        if create:
            # An upsert in the syntax SQLite (3.24+) and PostgreSQL share.
            cursor.execute(
                f"INSERT INTO {table} (user_id, version) VALUES (%s, %s) "  # noqa: S608 — a quoted table name
                f"ON CONFLICT (user_id) DO UPDATE SET version = {table}.version + 1",
                [user_id, _first_version()],
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET version = version + 1 WHERE user_id = %s",  # noqa: S608
                [user_id],
            )


def _key(user, version: int, name: str, parts: Iterable[Any]) -> str:
    preferences = (
        user.vitd_unit,
        user.mineral_unit,
        user.rule_set,
        getattr(user, "upper_limits", ""),
        user.time_zone,
        get_language(),
    )
    detail = "|".join(str(part) for part in (*preferences, *parts))
    digest = hashlib.sha256(detail.encode()).hexdigest()[:24]
    return f"person:{CODE_DIGEST}:{user.pk}:{version}:{name}:{digest}"


class _Recent:
    """The values this process used last, in front of the shared cache.

    A key names one version of one person's data, so a copy kept here can never be stale;
    a hit skips Redis' round trip and unpickling. Values are shared between requests and
    treated as read-only (frozen dataclasses, strings, dicts the templates only read).
    """

    def __init__(self, size: int):
        self.size = size
        self.values: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            value = self.values.get(key)
            if value is not None:
                self.values.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        with self.lock:
            self.values[key] = value
            self.values.move_to_end(key)
            while len(self.values) > self.size:
                self.values.popitem(last=False)


_recent = _Recent(size=RECENT_VALUES)


class PersonCache:
    """One request's view of the person's cache: the version is read once, on first use."""

    def __init__(self, user):
        self.user = user
        self._version: int | None = None

    def version(self) -> int:
        if self._version is None:
            self._version = data_version(self.user)
        return self._version

    def get_or_build(self, name: str, parts: Iterable[Any], build: Callable[[], T]) -> T:
        key = _key(self.user, self.version(), name, parts)
        value = _recent.get(key)
        if value is None:
            value = cache.get(key)
            if value is None:
                value = build()
                cache.set(key, value, TIMEOUT)
            _recent.put(key, value)
        return value


def request_cache(request) -> PersonCache:
    """The signed-in person's cache for this request, shared by the view and the templates'
    `data_version` (dashboard.context_processors), so the version is read once per request.
    Like any PersonCache, it reads the version on first use: a view that writes must do so
    before it first reads a cached value (every view here writes, then redirects)."""
    found = getattr(request, "_person_cache", None)
    if found is None or found.user is not request.user:
        found = request._person_cache = PersonCache(request.user)
    return found


class Fragments(BaseCache):
    """settings.CACHES["fragments"]: the default cache (Redis when configured) with this
    process's recent values in front, for `{% cache … using="fragments" %}`.

    Only for fragments whose key names everything they show (the person's data version, the
    values of a form, a stored plan's row and day): a key never changes meaning, so a copy
    kept here is never stale, and a hit costs no round trip to Redis (a fifth of the
    dashboard's time with two fragments, issue #15).
    """

    def __init__(self, location, params):
        super().__init__(params)
        self._kept = _Recent(size=RECENT_VALUES)

    def get(self, key, default=None, version=None):
        name = self.make_and_validate_key(key, version=version)
        value = self._kept.get(name)
        if value is None:
            value = cache.get(name)
            if value is None:
                return default
            self._kept.put(name, value)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        name = self.make_and_validate_key(key, version=version)
        cache.set(name, value, self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout)
        self._kept.put(name, value)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.get(key, version=version) is not None:
            return False
        self.set(key, value, timeout, version=version)
        return True

    def delete(self, key, version=None):
        name = self.make_and_validate_key(key, version=version)
        with self._kept.lock:
            self._kept.values.pop(name, None)
        return cache.delete(name)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return cache.touch(self.make_and_validate_key(key, version=version), timeout)

    def clear(self):
        with self._kept.lock:
            self._kept.values.clear()

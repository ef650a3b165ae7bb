"""What templates need to cache a fragment per person: `{% cache %}` keyed by these."""

from __future__ import annotations

from .caching import CODE_DIGEST, request_cache


def person_cache(request) -> dict:
    """`data_version`: the signed-in person's data version, read (one query, shared with the
    view's PersonCache: caching.request_cache) only when a template uses it; `cache_code`:
    changes with the code and templates whose output is cached.

    Use: {% cache 86400 name user.pk data_version cache_code … %}. Nothing here touches
    request.user until the template asks, so pages that cache nothing pay nothing.
    """
    return {"data_version": lambda: request_cache(request).version(), "cache_code": CODE_DIGEST}

"""Cache-aside for catalogue reads, through Django's cache (Redis when CACHE_URL says so).

Every key carries a version token; any change to the catalogue replaces the token, so all
cached reads are invalidated at once without listing keys. The token is random, not a counter:
if the cache evicts it, the next reader mints a new one rather than resurrecting old entries.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "templates_app:catalogue:version"


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY) or "none"
    return version


def catalogue_cached(kind: str, params: dict, compute: Callable[[], Any]) -> Any:
    """`compute()`'s JSON-able result, from the cache when it is there."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]
    key = f"templates_app:catalogue:{_version()}:{kind}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.TEMPLATE_CACHE_SECONDS)
    return value


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def catalogue_cache_invalidate() -> None:
    """Forget every cached catalogue read: now, so this request and the next see the change, and
    again after commit, so a read that raced the transaction cannot keep the old rows cached."""
    _bump()
    transaction.on_commit(_bump)

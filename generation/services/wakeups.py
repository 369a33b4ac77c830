"""Wake-ups for the dispatcher, and the engine's lease.

A dispatch request sets one flag row (`requested_at`; a burst of submissions sets it once).
While an engine holds its lease, the engine is the dispatcher of record: it reads the flag at
every turn of its loop (at least every IDLE_SECONDS) and is woken at once by a notification on
DISPATCH_CHANNEL (PostgreSQL NOTIFY or Redis pub/sub, the transport EVENT_NOTIFY picks; SQLite
has none, so there the turn's read is the wake-up). Without a live engine (task processes only,
or an engine restarting) the request enqueues one django-q2 dispatch task instead. A lost
task or notification only delays work: a request older than STALE_SECONDS enqueues again, the
engine reads the flag several times a second, and the reconciler forces a dispatch every minute.
One engine at a time holds its lease.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.channels import channel_wake
from generation.models import EngineLease
from generation.services.queue import enqueue

logger = logging.getLogger(__name__)

DISPATCH = "dispatch"
ENGINE = "engine"
STALE_SECONDS = 10
DISPATCH_CHANNEL = "studio_dispatch"


def _update_lease(name: str, condition: Q, **values: object) -> int:
    updated = EngineLease.objects.filter(condition, name=name).update(**values)
    if updated == 0 and not EngineLease.objects.filter(name=name).exists():
        EngineLease.objects.bulk_create([EngineLease(name=name)], ignore_conflicts=True)
        updated = EngineLease.objects.filter(condition, name=name).update(**values)
    return updated


def _not_recently_requested(now: datetime) -> Q:
    return Q(requested_at__isnull=True) | Q(requested_at__lt=now - timedelta(seconds=STALE_SECONDS))


def dispatch_request(*, force: bool = False) -> None:
    """Ask for a dispatch: the live engine's, woken now, or else one django-q2 task."""
    now = timezone.now()
    fresh = _update_lease(DISPATCH, _not_recently_requested(now), requested_at=now)
    if engine_lease_held(now=now):
        channel_wake(DISPATCH_CHANNEL)
    elif fresh or force:
        enqueue("generation_jobs_dispatch")


def dispatch_requested() -> bool:
    """Whether a dispatch was asked for since the last one began (the engine reads this)."""
    return EngineLease.objects.filter(name=DISPATCH, requested_at__isnull=False).exists()


def dispatch_request_clear() -> None:
    """Called by the dispatcher before it reads the queue, so no request can be missed."""
    EngineLease.objects.filter(name=DISPATCH).update(requested_at=None)


def engine_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def engine_lease_acquire(*, holder: str, ttl_seconds: float) -> bool:
    """Take or renew the engine lease: one engine dispatches, submits, polls providers and
    writes pages at a time."""
    now = timezone.now()
    free = Q(expires_at__isnull=True) | Q(expires_at__lt=now) | Q(holder=holder)
    return bool(_update_lease(ENGINE, free, holder=holder, expires_at=now + timedelta(seconds=ttl_seconds)))


def engine_lease_held(*, now: datetime | None = None) -> bool:
    """Whether a live engine holds the lease (then it dispatches and submits)."""
    return (
        EngineLease.objects.filter(name=ENGINE, expires_at__gt=now or timezone.now())
        .exclude(holder="")
        .exists()
    )


def engine_lease_release(*, holder: str) -> None:
    EngineLease.objects.filter(name=ENGINE, holder=holder).update(holder="", expires_at=None)

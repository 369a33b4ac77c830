"""Coalesced wake-ups for the dispatcher and the provider poller.

A burst of submissions enqueues one dispatch task, not one per job; the poller runs as one
leased task at a time. A lost task (a worker killed, the Redis broker dropping it) only
delays work: a request older than STALE_SECONDS enqueues again, and the reconciler forces
both every minute.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from generation.models import EngineLease
from generation.services.queue import enqueue

DISPATCH = "dispatch"
POLLER = "poller"
STALE_SECONDS = 10


def _update_lease(name: str, condition: Q, **values) -> int:
    updated = EngineLease.objects.filter(condition, name=name).update(**values)
    if updated == 0 and not EngineLease.objects.filter(name=name).exists():
        EngineLease.objects.bulk_create([EngineLease(name=name)], ignore_conflicts=True)
        updated = EngineLease.objects.filter(condition, name=name).update(**values)
    return updated


def _not_recently_requested(now) -> Q:
    return Q(requested_at__isnull=True) | Q(requested_at__lt=now - timedelta(seconds=STALE_SECONDS))


def dispatch_request(*, force: bool = False) -> None:
    now = timezone.now()
    if _update_lease(DISPATCH, _not_recently_requested(now), requested_at=now) or force:
        enqueue("generation_jobs_dispatch")


def dispatch_request_clear() -> None:
    """Called by the dispatcher before it reads the queue, so no request can be missed."""
    EngineLease.objects.filter(name=DISPATCH).update(requested_at=None)


def poller_request(*, force: bool = False) -> None:
    """Make sure a poller task is running or on its way."""
    now = timezone.now()
    lease_free = Q(expires_at__isnull=True) | Q(expires_at__lt=now)
    if _update_lease(POLLER, lease_free & _not_recently_requested(now), requested_at=now) or force:
        enqueue("generation_engine_tick")


def poller_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def poller_acquire(*, holder: str, ttl_seconds: float) -> bool:
    now = timezone.now()
    free = Q(expires_at__isnull=True) | Q(expires_at__lt=now) | Q(holder=holder)
    return bool(_update_lease(POLLER, free, holder=holder,
                              expires_at=now + timedelta(seconds=ttl_seconds), requested_at=None))


def poller_release(*, holder: str) -> None:
    EngineLease.objects.filter(name=POLLER, holder=holder).update(holder="", expires_at=None)


def poller_is_alive() -> bool:
    return EngineLease.objects.filter(name=POLLER, expires_at__gte=timezone.now()).exists()

"""Coalesced wake-ups for the dispatcher, and the engine's lease.

A burst of submissions enqueues one dispatch task, not one per job. A lost task (a worker
killed, the Redis broker dropping it) only delays work: a request older than STALE_SECONDS
enqueues again, and the reconciler forces it every minute. The engine process needs no
wake-up: it looks for due work several times a second; one engine at a time holds its lease.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from generation.models import EngineLease
from generation.services.queue import enqueue

DISPATCH = "dispatch"
ENGINE = "engine"
STALE_SECONDS = 10


def _update_lease(name: str, condition: Q, **values: object) -> int:
    updated = EngineLease.objects.filter(condition, name=name).update(**values)
    if updated == 0 and not EngineLease.objects.filter(name=name).exists():
        EngineLease.objects.bulk_create([EngineLease(name=name)], ignore_conflicts=True)
        updated = EngineLease.objects.filter(condition, name=name).update(**values)
    return updated


def _not_recently_requested(now: datetime) -> Q:
    return Q(requested_at__isnull=True) | Q(requested_at__lt=now - timedelta(seconds=STALE_SECONDS))


def dispatch_request(*, force: bool = False) -> None:
    now = timezone.now()
    if _update_lease(DISPATCH, _not_recently_requested(now), requested_at=now) or force:
        enqueue("generation_jobs_dispatch")


def dispatch_request_clear() -> None:
    """Called by the dispatcher before it reads the queue, so no request can be missed."""
    EngineLease.objects.filter(name=DISPATCH).update(requested_at=None)


def engine_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def engine_lease_acquire(*, holder: str, ttl_seconds: float) -> bool:
    """Take or renew the engine lease: one engine polls providers and writes pages at a time."""
    now = timezone.now()
    free = Q(expires_at__isnull=True) | Q(expires_at__lt=now) | Q(holder=holder)
    return bool(_update_lease(ENGINE, free, holder=holder, expires_at=now + timedelta(seconds=ttl_seconds)))


def engine_lease_release(*, holder: str) -> None:
    EngineLease.objects.filter(name=ENGINE, holder=holder).update(holder="", expires_at=None)

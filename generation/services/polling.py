"""The poller: one leased task polls every in-flight job concurrently (asyncio), so no
worker waits on a provider; webhooks feed the same path."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from generation.models import Job, JobStage, JobStatus
from generation.providers import (
    PollResult,
    ProviderError,
    get_provider,
)
from generation.selectors import jobs_in_flight, seconds_to_next_poll
from generation.services.events import job_progress_event
from generation.services.lifecycle import job_fail
from generation.services.outage import queued_retries, retries_wake_due, seconds_to_next_retry
from generation.services.queue import enqueue
from generation.services.reconcile import jobs_reconcile, jobs_time_out
from generation.services.transitions import job_stage_change
from generation.services.wakeups import (
    poller_acquire,
    poller_holder_id,
    poller_release,
    poller_request,
)

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class _Due:
    id: UUID
    user_id: int
    kind: str
    provider: str
    provider_ref: str
    provider_state: dict
    progress: int
    poll_count: int


async def _poll_all(due: list[_Due]) -> list[PollResult | BaseException]:
    semaphore = asyncio.Semaphore(settings.ENGINE_POLL_CONCURRENCY)
    providers = {}

    async def poll(item: _Due) -> PollResult:
        async with semaphore:
            provider = providers.get(item.provider) or get_provider(item.provider)
            providers[item.provider] = provider
            return await provider.apoll(item.provider_ref, item.provider_state)

    try:
        return await asyncio.gather(*(poll(item) for item in due), return_exceptions=True)
    finally:
        # Each round runs in a fresh event loop: connections must not outlive it.
        await asyncio.gather(*(p.aclose() for p in providers.values()), return_exceptions=True)


def _backoff(item: _Due, hint: float) -> float:
    # Providers' hints win; otherwise 1 s growing to 15 s, with jitter so polls spread out.
    base = hint if hint else min(15.0, 1.0 * (1.5 ** min(item.poll_count, 8)))
    return base * random.uniform(0.9, 1.1)


def jobs_poll_due(*, limit: int = 1000) -> int:
    """Poll every due in-flight job once, concurrently; apply what the providers said."""
    now = timezone.now()
    due = [
        _Due(**row)
        for row in Job.objects.filter(
            status=JobStatus.RUNNING,
            stage=JobStage.WAITING,
            next_check_at__lte=now,
        )
        .order_by("next_check_at")
        .values(
            "id", "user_id", "kind", "provider", "provider_ref", "provider_state", "progress", "poll_count"
        )[:limit]
    ]
    if not due:
        return 0
    results = asyncio.run(_poll_all(due))
    for item, result in zip(due, results, strict=True):
        _apply_poll(item, result)
    return len(due)


def job_apply_provider_update(*, provider: str, ref: str, result: PollResult) -> bool:
    """What a provider's callback (webhook) says, applied exactly like a poll answer.

    Returns False when no running job waits on that reference (unknown, or already moved on:
    a repeated delivery changes nothing)."""
    row = (
        Job.objects.filter(
            provider=provider, provider_ref=ref, status=JobStatus.RUNNING, stage=JobStage.WAITING
        )
        .values(
            "id", "user_id", "kind", "provider", "provider_ref", "provider_state", "progress", "poll_count"
        )
        .first()
    )
    if row is None:
        return False
    _apply_poll(_Due(**row), result)
    return True


def _apply_poll(item: _Due, result: PollResult | BaseException) -> None:
    now = timezone.now()
    if isinstance(result, ProviderError) and result.permanent:
        job_fail(job_id=item.id, code=result.code, message=result.message)
        return
    if isinstance(result, BaseException):
        hint = getattr(result, "retry_after_seconds", None) or 0
        if not isinstance(result, ProviderError):
            logger.warning("poll failed: %r", result, extra={"job_id": str(item.id)})
        Job.objects.filter(pk=item.id, status=JobStatus.RUNNING, stage=JobStage.WAITING).update(
            next_check_at=now + timedelta(seconds=_backoff(item, hint)), poll_count=F("poll_count") + 1
        )
        return
    state = {**item.provider_state, **(result.state or {})}
    if result.status == "failed":
        job_fail(
            job_id=item.id,
            code=result.error_code or "provider_failed",
            message=result.error_message or "The provider could not make this image.",
        )
        return
    if result.status == "ready":
        if job_stage_change(
            job_id=item.id,
            source=JobStage.WAITING,
            target=JobStage.FINALIZING,
            provider_state=state,
            next_check_at=None,
        ):
            enqueue("generation_job_finalize", str(item.id))
        return
    progress = max(item.progress, min(99, result.progress or 0))
    updated = Job.objects.filter(pk=item.id, status=JobStatus.RUNNING, stage=JobStage.WAITING).update(
        progress=progress,
        provider_state=state,
        poll_count=F("poll_count") + 1,
        next_check_at=now + timedelta(seconds=_backoff(item, result.poll_after_seconds)),
    )
    if updated and progress > item.progress:
        job_progress_event(item, progress)


_LEASE_SECONDS = 10.0


def engine_tick(*, budget_seconds: float, patient: bool = False) -> None:
    """The poller: one leased task that polls in-flight jobs for `budget_seconds`, then hands
    over to a fresh task, so no task outlives django-q2's timeout."""
    holder = poller_holder_id()
    started = time.monotonic()  # a patient wait counts against the budget too
    if not poller_acquire(holder=holder, ttl_seconds=_LEASE_SECONDS):
        if not patient:
            return
        # Started by a worker that just came up: the holder may have died with the last
        # cluster. Wait out its lease once; a live holder renews it and we step aside.
        time.sleep(_LEASE_SECONDS + 0.5)
        if not poller_acquire(holder=holder, ttl_seconds=_LEASE_SECONDS):
            return
    last_reconcile = 0.0
    retries_since = None
    try:
        while True:
            jobs_time_out()
            jobs_poll_due()
            checked_at = timezone.now()
            retries_wake_due(since=retries_since)  # jobs sent back by a provider outage
            retries_since = checked_at
            if time.monotonic() - last_reconcile >= 10:
                jobs_reconcile(wake_poller=False)
                last_reconcile = time.monotonic()
            remaining = budget_seconds - (time.monotonic() - started)
            dues = [d for d in (seconds_to_next_poll(), seconds_to_next_retry()) if d is not None]
            next_due = min(dues) if dues else None
            if remaining <= 0 or next_due is None:
                break
            time.sleep(max(0.05, min(next_due, remaining, 1.0)))
            if not poller_acquire(holder=holder, ttl_seconds=_LEASE_SECONDS):
                return  # lost the lease (we stalled past it); the new holder carries on
    finally:
        poller_release(holder=holder)
    # Checked after releasing the lease, so a job that began waiting meanwhile is not missed.
    if jobs_in_flight().exists() or queued_retries().exists():
        poller_request(force=budget_seconds > 0)

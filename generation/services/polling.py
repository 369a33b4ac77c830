"""Polling in-flight provider jobs: which are due, asking their providers (asyncio, many at
once, over connections kept for the engine's life), and applying the answers, a batch per
transaction. The engine process (generation/engine/) runs this; webhooks apply their answers
through the same path."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Field, Value, When
from django.utils import timezone

from generation.models import Job, JobStage, JobStatus
from generation.providers import PollResult, Provider, ProviderError, get_provider
from generation.selectors import jobs_in_flight
from generation.services.events import job_progress_event
from generation.services.lifecycle import job_fail
from generation.services.live import job_event_publish
from generation.services.queue import enqueue
from generation.services.transitions import job_stage_change

logger = logging.getLogger(__name__)

# Without a provider's hint: 1 s, growing by half each poll to this cap, with jitter.
MAX_BACKOFF_SECONDS = 15.0
# A job whose provider calls our webhook is polled only as a safety net: the provider's hint
# (WEBHOOK_FALLBACK_POLL_SECONDS) grows by half each poll up to this cap (or the hint, if larger),
# so 1,000 jobs at a slow provider cost a few polls each, not one every 20 s.
MAX_WEBHOOK_BACKOFF_SECONDS = 60.0


@dataclass(frozen=True)
class Due:
    id: UUID
    user_id: int
    kind: str
    provider: str
    provider_ref: str
    provider_state: dict[str, Any]
    progress: int
    poll_count: int
    next_check_at: datetime | None = None


_DUE_FIELDS = (
    "id",
    "user_id",
    "kind",
    "provider",
    "provider_ref",
    "provider_state",
    "progress",
    "poll_count",
    "next_check_at",
)


class ProviderPool:
    """One provider object (so one HTTP client) per provider name, kept until `aclose()`."""

    def __init__(self) -> None:
        self._providers: dict[str, Provider] = {}

    def get(self, name: str) -> Provider:
        if name not in self._providers:
            self._providers[name] = get_provider(name)
        return self._providers[name]

    async def aclose(self) -> None:
        providers, self._providers = list(self._providers.values()), {}
        await asyncio.gather(*(p.aclose() for p in providers), return_exceptions=True)


def jobs_due_for_poll(*, limit: int, exclude: Collection[UUID] = (), by: datetime | None = None) -> list[Due]:
    """In-flight jobs whose next check is due (`by`: due by then), oldest first (`exclude`:
    polls under way)."""
    rows = (
        jobs_in_flight()
        .filter(next_check_at__lte=by or timezone.now())
        .order_by("next_check_at")
        .values(*_DUE_FIELDS)[: limit + len(exclude)]
    )
    return [Due(**row) for row in rows if row["id"] not in exclude][:limit]


def poll_next_due_at(*, after: datetime) -> datetime | None:
    """When the first in-flight job falls due after `after` (None: no other job waits): the
    engine reads nothing until then unless it changed a schedule itself."""
    return (
        jobs_in_flight()
        .filter(next_check_at__gt=after)
        .order_by("next_check_at")
        .values_list("next_check_at", flat=True)
        .first()
    )


async def job_poll(pool: ProviderPool, item: Due) -> PollResult | BaseException:
    """One provider poll; a failure is returned (and applied as a backoff), never raised."""
    try:
        return await pool.get(item.provider).apoll(item.provider_ref, item.provider_state)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return exc


def poll_results_apply(results: Iterable[tuple[Due, PollResult | BaseException]]) -> datetime | None:
    """Apply a batch of poll answers in one transaction (one commit, not one per job): every
    "ask again later" (a pending answer, a failed poll) in one UPDATE, final answers job by job.
    Returns the earliest next check it set (None: none)."""
    now = timezone.now()
    with transaction.atomic():
        later = [plan for item, result in results if (plan := _apply_poll(item, result, now=now))]
        _checks_later(later)
    return min((plan.next_check_at for plan in later), default=None)


def jobs_poll_due(*, limit: int = 1000) -> int:
    """Poll every due job once and apply the answers: one engine round, for callers outside the
    engine's loop (tests, the page benchmark). Returns how many jobs were polled."""
    due = jobs_due_for_poll(limit=limit)
    if not due:
        return 0

    async def poll_all() -> list[PollResult | BaseException]:
        pool = ProviderPool()
        semaphore = asyncio.Semaphore(settings.ENGINE_POLL_CONCURRENCY)

        async def poll(item: Due) -> PollResult | BaseException:
            async with semaphore:
                return await job_poll(pool, item)

        try:
            return await asyncio.gather(*(poll(item) for item in due))
        finally:
            await pool.aclose()

    poll_results_apply(zip(due, asyncio.run(poll_all()), strict=True))
    return len(due)


def job_apply_provider_update(
    *, provider: str, ref: str, result: PollResult, job_id: UUID | None = None
) -> bool:
    """What a provider's callback (webhook) says, applied exactly like a poll answer.

    `job_id` is the job our callback URL named: a job still `submitting` without a reference
    (its submit's answer was lost, the process killed mid-call) takes this reference and the
    final result here, so what was paid for is delivered; never a second submit.
    Returns False when no running job waits on that reference (unknown, or already moved on:
    a repeated delivery changes nothing)."""
    row = jobs_in_flight().filter(provider=provider, provider_ref=ref).values(*_DUE_FIELDS).first()
    if row is None:
        return job_id is not None and _job_recover_from_webhook(
            provider=provider, ref=ref, result=result, job_id=job_id
        )
    poll_results_apply([(Due(**row), result)])
    return True


def _job_recover_from_webhook(*, provider: str, ref: str, result: PollResult, job_id: UUID) -> bool:
    if result.status == "pending":
        return False  # only a final answer is taken: the safety-net poll needs the submit's answer
    if Job.objects.filter(provider=provider, provider_ref=ref).exists():
        return False  # the reference is another job's (or this one moved on with it)
    unclaimed = Job.objects.filter(
        pk=job_id, provider=provider, status=JobStatus.RUNNING, stage=JobStage.SUBMITTING, provider_ref=""
    )
    state = {"webhook": True, **(result.state or {})}
    if result.status == "ready":
        # The reference, the result and the move to finalizing in one statement, as a poll does.
        with transaction.atomic():
            if not unclaimed.update(
                stage=JobStage.FINALIZING,
                stage_changed_at=timezone.now(),
                provider_ref=ref,
                provider_state=state,
                next_check_at=None,
            ):
                return False
            job_event_publish(job_id=job_id, type="job.stage")  # as job_stage_change does
        _log_recovered(job_id)
        enqueue("generation_job_finalize", str(job_id))
        return True
    if not unclaimed.update(provider_ref=ref, provider_state=state):
        return False
    _log_recovered(job_id)
    job_fail(
        job_id=job_id,
        code=result.error_code or "provider_failed",
        message=result.error_message or "The provider could not make this image.",
    )
    return True


def _log_recovered(job_id: UUID) -> None:
    logger.info("submit recovered by webhook", extra={"job_id": str(job_id), "event": "webhook_recovered"})


def _backoff(item: Due, hint: float, *, pending: bool = False) -> float:
    # Providers' hints win (a webhook-backed job's pending hint grows: the poll is the net);
    # otherwise 1 s growing to the cap, with jitter so polls spread out.
    if hint and pending and item.provider_state.get("webhook"):
        base = min(max(hint, MAX_WEBHOOK_BACKOFF_SECONDS), hint * 1.5 ** min(item.poll_count, 8))
    else:
        base = hint if hint else min(MAX_BACKOFF_SECONDS, 1.5 ** min(item.poll_count, 8))
    return base * random.uniform(0.9, 1.1)


@dataclass(frozen=True)
class _Later:
    """A job to check again at `next_check_at`: what a pending answer or a failed poll writes."""

    item: Due
    next_check_at: datetime
    progress: int
    provider_state: dict[str, Any] | None = None  # set only when the answer changed it


def _apply_poll(item: Due, result: PollResult | BaseException, *, now: datetime) -> _Later | None:
    """Apply a final answer (ready, failed) at once; return the later check of any other, for
    _checks_later to write with the rest of its batch."""
    if isinstance(result, ProviderError) and result.permanent:
        job_fail(job_id=item.id, code=result.code, message=result.message)
        return None
    if isinstance(result, BaseException):
        hint = getattr(result, "retry_after_seconds", None) or 0
        if not isinstance(result, ProviderError):
            logger.warning("poll failed: %r", result, extra={"job_id": str(item.id)})
        return _Later(item, now + timedelta(seconds=_backoff(item, hint)), item.progress)
    state = {**item.provider_state, **(result.state or {})}
    if result.status == "failed":
        job_fail(
            job_id=item.id,
            code=result.error_code or "provider_failed",
            message=result.error_message or "The provider could not make this image.",
        )
        return None
    if result.status == "ready":
        if job_stage_change(
            job_id=item.id,
            source=JobStage.WAITING,
            target=JobStage.FINALIZING,
            provider_state=state,
            next_check_at=None,
        ):
            enqueue("generation_job_finalize", str(item.id))
        return None
    return _Later(
        item,
        now + timedelta(seconds=_backoff(item, result.poll_after_seconds, pending=True)),
        max(item.progress, min(99, result.progress or 0)),
        # Most pending answers change nothing but the next check.
        state if state != item.provider_state else None,
    )


def _checks_later(plans: list[_Later]) -> None:
    """Write the next check of every job in `plans` still waiting, in one UPDATE however many
    (a CASE per changed column; a changed provider_state, rare, one UPDATE each), and publish
    the progress of those whose progress rose."""
    if not plans:
        return
    waiting = Job.objects.filter(
        pk__in=[plan.item.id for plan in plans], status=JobStatus.RUNNING, stage=JobStage.WAITING
    )
    rising = [plan for plan in plans if plan.progress > plan.item.progress]
    # Progress goes out only for jobs this UPDATE changes: the rows are locked first, so none
    # can end between the read and the write.
    still_waiting = (
        set(waiting.select_for_update().order_by("pk").values_list("pk", flat=True)) if rising else set()
    )
    fields: dict[str, Any] = {
        "poll_count": F("poll_count") + 1,
        "next_check_at": _per_job(plans, "next_check_at"),
    }
    if rising:
        fields["progress"] = _per_job(rising, "progress", default=F("progress"))
    waiting.update(**fields)
    for plan in plans:
        if plan.provider_state is not None:
            waiting.filter(pk=plan.item.id).update(provider_state=plan.provider_state)
    for plan in rising:
        if plan.item.id in still_waiting:
            job_progress_event(plan.item, plan.progress)


def _per_job(plans: list[_Later], field: str, *, default: Any = None) -> Any:
    """A value per job for one column of an UPDATE: the value itself when there is one job."""
    if len(plans) == 1 and default is None:
        return getattr(plans[0], field)
    output = cast("Field[Any, Any]", Job._meta.get_field(field))
    return Case(
        *(When(pk=plan.item.id, then=Value(getattr(plan, field), output_field=output)) for plan in plans),
        default=default,
        output_field=output,
    )

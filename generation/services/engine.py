"""The job engine: dispatch (fair claims), submit, poll, finalize, time out, reconcile.

Exactly one paid provider call per job:
- a job is claimed queued → running by compare-and-set, so a second delivery does nothing;
- the submit is guarded by the pending → submitting stage change, and the provider's
  reference is stored the moment the call returns, before anything waits on it;
- a job found `submitting` by the reconciler (its worker died mid-call) is never sent again
  to a paid provider: it fails with a clear message instead.
Waiting on providers holds no worker: one leased poller task polls every in-flight job
concurrently (asyncio), so two worker processes keep hundreds of provider jobs in flight.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import User
from config.errors import InvalidInput
from gallery.imaging import image_prepare_output
from gallery.services import gallery_file_store, gallery_files_delete, image_create
from generation.llm import get_llm
from generation.models import Job, JobInput, JobKind, JobStage, JobStatus
from generation.providers import (
    PollResult,
    ProviderError,
    SubmitRequest,
    get_provider,
)
from generation.providers.base import InputImage
from generation.services.events import job_event, job_progress_event
from generation.services.lifecycle import job_end, job_fail
from generation.services.queue import enqueue
from generation.services.transitions import job_stage_change, job_transition
from generation.services.wakeups import (
    dispatch_request,
    dispatch_request_clear,
    poller_acquire,
    poller_holder_id,
    poller_release,
    poller_request,
)

logger = logging.getLogger(__name__)

_DISPATCH_LOCK_KEY = 0x5050_4C31  # "PPL1": one dispatcher at a time on PostgreSQL
_MAX_PER_USER_SCAN = 20


# --- dispatch ---------------------------------------------------------------------------------


def _dispatch_lock() -> None:
    # SQLite's IMMEDIATE transactions already serialise writers; PostgreSQL needs a lock so two
    # dispatchers cannot both fill the last slot of a user or a provider.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DISPATCH_LOCK_KEY])


def jobs_dispatch() -> list[UUID]:
    """Claim waiting jobs, fairly across users, within user and provider limits.

    Round robin over time: every user's oldest waiting job comes before anyone's second, and
    among those, the user whose last job started longest ago goes first. One busy user
    cannot starve the others, whatever order the jobs arrived in.
    """
    dispatch_request_clear()
    claimed: list[Job] = []
    now = timezone.now()
    with transaction.atomic():
        _dispatch_lock()
        candidates = list(
            Job.objects.filter(status=JobStatus.QUEUED)
            .annotate(
                rank=Window(
                    RowNumber(), partition_by=[F("user_id")], order_by=[F("created_at").asc(), F("id").asc()]
                )
            )
            .filter(rank__lte=_MAX_PER_USER_SCAN)
            .order_by("rank", "created_at", "id")
            .only("id", "user_id", "kind", "provider", "created_at")[:2000]
        )
        if not candidates:
            return []
        user_ids = {job.user_id for job in candidates}
        last_started = dict(
            Job.objects.filter(user_id__in=user_ids, started_at__isnull=False)
            .values_list("user_id")
            .annotate(last=Max("started_at"))
        )
        never = datetime.min.replace(tzinfo=UTC)
        candidates.sort(key=lambda j: (j.rank, last_started.get(j.user_id, never), j.created_at))
        running = Job.objects.filter(status=JobStatus.RUNNING)
        user_running = Counter(
            dict(running.filter(user_id__in=user_ids).values_list("user_id").annotate(n=Count("id")))
        )
        provider_running = Counter(dict(running.values_list("provider").annotate(n=Count("id"))))
        limits = {
            uid: (mc if mc is not None else settings.MAX_PER_USER_CONCURRENT)
            for uid, mc in User.objects.filter(pk__in=user_ids).values_list("id", "max_concurrent_jobs")
        }
        capacity = {name: _provider_capacity(name) for name in {job.provider for job in candidates}}
        for job in candidates:
            if user_running[job.user_id] >= limits.get(job.user_id, 0):
                continue
            if provider_running[job.provider] >= capacity[job.provider]:
                continue
            if job_transition(
                job_id=job.id,
                sources=[JobStatus.QUEUED],
                target=JobStatus.RUNNING,
                stage=JobStage.PENDING,
                started_at=now,
                stage_changed_at=now,
            ):
                user_running[job.user_id] += 1
                provider_running[job.provider] += 1
                claimed.append(job)
                # A product page is written during its submit step (many LLM calls): it may run
                # up to the job timeout; its stage guard makes a re-delivery harmless.
                enqueue(
                    "generation_job_submit",
                    str(job.id),
                    timeout=settings.JOB_TIMEOUT_SECONDS if job.kind == JobKind.PAGE else None,
                )
                if len(claimed) >= settings.ENGINE_DISPATCH_BATCH:
                    transaction.on_commit(dispatch_request)  # more may be claimable
                    break
        for job in claimed:
            wait_ms = int((now - job.created_at).total_seconds() * 1000)
            transaction.on_commit(
                lambda job=job, wait_ms=wait_ms: job_event("job_start", job, queue_wait_ms=wait_ms)
            )
    return [job.id for job in claimed]


def _provider_capacity(name: str) -> int:
    try:
        return get_provider(name).max_concurrent
    except ProviderError:
        return 0


# --- submit -----------------------------------------------------------------------------------


def _submit_request(job: Job) -> SubmitRequest:
    def reader(job_input: JobInput):
        def read() -> bytes:
            with job_input.file.open("rb") as handle:
                return handle.read()

        return read

    inputs = {
        i.role: InputImage(role=i.role, format=i.format, width=i.width, height=i.height, read=reader(i))
        for i in job.inputs.all()
    }
    return SubmitRequest(
        job_id=job.id,
        kind=job.kind,
        params=job.params,
        inputs=inputs,
        webhook_url=_webhook_url(job),
        user_id=job.user_id,
    )


def job_submit(*, job_id: UUID) -> None:
    """Send a claimed job to its provider, once."""
    if not job_stage_change(job_id=job_id, source=JobStage.PENDING, target=JobStage.SUBMITTING):
        return  # a second delivery, or the job ended meanwhile
    job = Job.objects.get(pk=job_id)
    try:
        provider = get_provider(job.provider)
        provider.check_configured()
        _prepare(job)
        submission = provider.submit(_submit_request(job))  # outside any transaction
    except ProviderError as exc:
        job_fail(job_id=job_id, code=exc.code, message=exc.message)
        return
    except Exception:
        logger.exception("provider submit crashed", extra={"job_id": str(job_id)})
        job_fail(
            job_id=job_id,
            code="provider_error",
            message="The provider could not be reached; the job was not started.",
        )
        return
    # Store the reference before anything else can wait on it; keyed by id only, so a job
    # canceled during the call still records what must be canceled at the provider.
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(provider_ref=submission.ref, provider_state=submission.state)
    if job_stage_change(
        job_id=job_id,
        source=JobStage.SUBMITTING,
        target=JobStage.WAITING,
        next_check_at=now + timedelta(seconds=submission.poll_after_seconds),
    ):
        poller_request()
    else:
        job.refresh_from_db(fields=["status"])
        if job.is_finished:
            job_provider_cancel(job_id=job_id)


def _prepare(job: Job) -> None:
    """Work a job needs before its provider call: an edit prompt in any language is translated
    to English by the LLM first, and the translation is kept on the job."""
    if job.kind != JobKind.EDIT or "prompt_en" in job.params:
        return
    translation = get_llm().translate_to_english(job.params["prompt"])
    job.params = {**job.params, "prompt_en": translation.text}
    job.translation = {
        "source_language": translation.source_language,
        "text": translation.text,
        "translated": translation.translated,
        "note": translation.note,
        "model": translation.model,
    }
    Job.objects.filter(pk=job.pk).update(params=job.params, translation=job.translation)


def _webhook_url(job: Job) -> str | None:
    path = _WEBHOOK_PATHS.get(job.provider)
    if not settings.PUBLIC_BASE_URL or path is None:
        return None
    return settings.PUBLIC_BASE_URL + path


_WEBHOOK_PATHS = {"replicate": "/api/v1/webhooks/replicate", "bfl": "/api/v1/webhooks/bfl"}


# --- poll -------------------------------------------------------------------------------------


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
    try:
        while True:
            jobs_time_out()
            jobs_poll_due()
            if time.monotonic() - last_reconcile >= 10:
                jobs_reconcile(wake_poller=False)
                last_reconcile = time.monotonic()
            remaining = budget_seconds - (time.monotonic() - started)
            next_due = _seconds_to_next_poll()
            if remaining <= 0 or next_due is None:
                break
            time.sleep(max(0.05, min(next_due, remaining, 1.0)))
            if not poller_acquire(holder=holder, ttl_seconds=_LEASE_SECONDS):
                return  # lost the lease (we stalled past it); the new holder carries on
    finally:
        poller_release(holder=holder)
    # Checked after releasing the lease, so a job that began waiting meanwhile is not missed.
    if _in_flight().exists():
        poller_request(force=budget_seconds > 0)


def _in_flight():
    return Job.objects.filter(status=JobStatus.RUNNING, stage=JobStage.WAITING)


def _seconds_to_next_poll() -> float | None:
    next_at = _in_flight().order_by("next_check_at").values_list("next_check_at", flat=True).first()
    if next_at is None:
        return None
    return max(0.0, (next_at - timezone.now()).total_seconds())


# --- finalize ---------------------------------------------------------------------------------


def job_finalize(*, job_id: UUID) -> None:
    """Fetch the provider's output, store it in the gallery, and mark the job succeeded."""
    job = Job.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status != JobStatus.RUNNING or job.stage != JobStage.FINALIZING:
        return
    # Claim by bumping the stage timestamp: a duplicate delivery or a reconciler re-kick that
    # read the old value does nothing.
    if not Job.objects.filter(
        pk=job_id, stage=JobStage.FINALIZING, stage_changed_at=job.stage_changed_at
    ).update(stage_changed_at=timezone.now()):
        return
    try:
        outputs = get_provider(job.provider).fetch_outputs(_submit_request(job), job.provider_state)
        if not outputs and get_provider(job.provider).produces_images:
            raise ProviderError("The provider answered without an image.", code="provider_bad_response")
        fmt = "jpeg" if job.params.get("output_format") == "jpg" else "png"
        prepared = [image_prepare_output(output.data, fmt=fmt) for output in outputs]
    except ProviderError as exc:
        if exc.permanent:
            job_fail(job_id=job_id, code=exc.code, message=exc.message)
        return  # transient: the reconciler re-kicks finalize after the grace period
    except InvalidInput as exc:  # the provider's answer is not an image we can read
        logger.warning("unreadable provider output: %s", exc.message, extra={"job_id": str(job_id)})
        job_fail(
            job_id=job_id,
            code="provider_bad_response",
            message="The provider's result could not be read as an image.",
        )
        return
    except Exception:
        logger.exception("finalize crashed", extra={"job_id": str(job_id)})
        job_fail(
            job_id=job_id,
            code="internal_error",
            message="The result could not be stored because of an internal error.",
        )
        return
    names = [gallery_file_store(prepared=p, folder="images") for p in prepared]
    try:
        with transaction.atomic():
            if not job_end(job_id=job_id, target=JobStatus.SUCCEEDED, progress=100):
                raise _Abandon
            for position, (item, name) in enumerate(zip(prepared, names, strict=True)):
                image_create(
                    owner=job.user,
                    prepared=item,
                    source=job.kind,
                    prompt=job.params.get("prompt", ""),
                    job_id=job.id,
                    position=position,
                    file_name=name,
                )
    except _Abandon:
        gallery_files_delete(names=names)  # canceled or timed out while we worked
    except BaseException:
        gallery_files_delete(names=names)
        raise


class _Abandon(Exception):
    pass


# --- cancel, timeout, reconcile --------------------------------------------------------------


def job_provider_cancel(*, job_id: UUID) -> None:
    job = Job.objects.filter(pk=job_id).only("provider", "provider_ref", "provider_state").first()
    if job is None or not job.provider_ref:
        return
    try:
        get_provider(job.provider).cancel(job.provider_ref, job.provider_state)
    except ProviderError as exc:
        logger.warning("provider cancel failed: %s", exc.message, extra={"job_id": str(job_id)})


def jobs_time_out() -> int:
    """End running jobs past JOB_TIMEOUT_SECONDS with a readable message."""
    limit = settings.JOB_TIMEOUT_SECONDS
    overdue = Job.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=timezone.now() - timedelta(seconds=limit)
    )
    ended = 0
    for job_id in overdue.values_list("id", flat=True)[:500]:
        ended += job_end(
            job_id=job_id,
            target=JobStatus.TIMED_OUT,
            error_code="timeout",
            error_message=f"The image was not ready within {limit} seconds, so the job was "
            "stopped. Try again, perhaps with a smaller image or a simpler prompt.",
        )
    return ended


@dataclass
class ReconcileReport:
    timed_out: int = 0
    resubmitted: int = 0
    abandoned: int = 0
    refinalized: int = 0


def jobs_reconcile(*, wake_poller: bool = True) -> ReconcileReport:
    """Repair what lost tasks and dead workers left behind. Runs every minute (and inside
    the poller every 10 s); every job reaches an end because of this, not django-q2."""
    report = ReconcileReport(timed_out=jobs_time_out())
    stale_before = timezone.now() - timedelta(seconds=settings.ENGINE_STAGE_GRACE_SECONDS)
    stale = Job.objects.filter(
        status=JobStatus.RUNNING,
        stage_changed_at__lt=stale_before,
        stage__in=[JobStage.PENDING, JobStage.SUBMITTING, JobStage.FINALIZING],
    )
    for job in stale.only("id", "stage", "provider", "stage_changed_at")[:500]:
        if job.stage == JobStage.PENDING:
            if job_stage_change(job_id=job.id, source=JobStage.PENDING, target=JobStage.PENDING):
                enqueue("generation_job_submit", str(job.id))
                report.resubmitted += 1
        elif job.stage == JobStage.SUBMITTING:
            if _provider_resubmit_is_safe(job.provider):
                if job_stage_change(job_id=job.id, source=JobStage.SUBMITTING, target=JobStage.PENDING):
                    enqueue("generation_job_submit", str(job.id))
                    report.resubmitted += 1
            elif job_fail(
                job_id=job.id,
                code="submit_interrupted",
                message="The worker stopped while sending this job to the provider. "
                "It was not sent again, to avoid paying twice; retry it.",
            ):
                report.abandoned += 1
        elif job.stage == JobStage.FINALIZING:
            enqueue("generation_job_finalize", str(job.id))
            report.refinalized += 1
    if wake_poller and _in_flight().exists():
        poller_request()
    if Job.objects.filter(status=JobStatus.QUEUED).exists():
        dispatch_request(force=wake_poller)
    if any(vars(report).values()):
        logger.info("reconciled", extra={"event": "reconcile", **vars(report)})
    return report


def _provider_resubmit_is_safe(name: str) -> bool:
    try:
        return get_provider(name).resubmit_is_safe
    except ProviderError:
        return False


__all__ = [
    "ReconcileReport",
    "engine_tick",
    "job_apply_provider_update",
    "job_finalize",
    "job_provider_cancel",
    "job_submit",
    "jobs_dispatch",
    "jobs_poll_due",
    "jobs_reconcile",
    "jobs_time_out",
]

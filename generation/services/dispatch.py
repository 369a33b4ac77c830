"""The dispatcher: claims waiting jobs fairly across users, within user and provider limits.

The engine process runs it whenever a dispatch is requested (generation/services/wakeups.py)
and sends the jobs it claimed to their providers itself. Without a live engine it runs as the
django-q2 task `generation_jobs_dispatch`, which then enqueues one `generation_job_submit` task
per claimed job. Two dispatchers at once are safe (an advisory lock on PostgreSQL; SQLite
serialises writers), and a job is claimed queued → running by compare-and-set either way."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.models import User
from generation.models import Job, JobKind, JobStage, JobStatus
from generation.providers import (
    ProviderError,
    get_provider,
)
from generation.services.events import job_event
from generation.services.queue import enqueue
from generation.services.transitions import job_transition
from generation.services.wakeups import (
    dispatch_request,
    dispatch_request_clear,
    engine_lease_held,
)

logger = logging.getLogger(__name__)

_DISPATCH_LOCK_KEY = 0x5050_4C31  # "PPL1": one dispatcher at a time on PostgreSQL
_MAX_PER_USER_SCAN = 20


def _dispatch_lock() -> None:
    # SQLite's IMMEDIATE transactions already serialise writers; PostgreSQL needs a lock so two
    # dispatchers cannot both fill the last slot of a user or a provider.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DISPATCH_LOCK_KEY])


def jobs_dispatch(*, submit_tasks: bool | None = None) -> list[UUID]:
    """Claim waiting jobs, fairly across users, within user and provider limits.

    Round robin over time: every user's oldest waiting job comes before anyone's second, and
    among those, the user whose last job started longest ago goes first. One busy user
    cannot starve the others, whatever order the jobs arrived in.

    `submit_tasks`: enqueue a submit task per claimed job (not a page). None: only when no
    engine holds its lease (a live engine submits the pending jobs it finds by itself).
    """
    dispatch_request_clear()
    if submit_tasks is None:
        submit_tasks = not engine_lease_held()
    claimed: list[Job] = []
    now = timezone.now()
    with transaction.atomic():
        _dispatch_lock()
        candidates = list(
            Job.objects.filter(status=JobStatus.QUEUED)
            # A job sent back by a provider outage waits until it is due again.
            .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
            # … and not once its deadline has passed: the time-out ends it instead.
            .exclude(started_at__lt=now - timedelta(seconds=settings.JOB_TIMEOUT_SECONDS))
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
                # A job tried again after an outage keeps its first start: its deadline stands.
                started_at=Coalesce(F("started_at"), Value(now)),
                stage_changed_at=now,
                next_check_at=None,
            ):
                user_running[job.user_id] += 1
                provider_running[job.provider] += 1
                claimed.append(job)
                # Product pages are written by the engine process, which picks up pending ones.
                if submit_tasks and job.kind != JobKind.PAGE:
                    enqueue("generation_job_submit", str(job.id))
                if len(claimed) >= settings.ENGINE_DISPATCH_BATCH:
                    transaction.on_commit(dispatch_request)  # more may be claimable
                    break
        for started in claimed:
            wait_ms = int((now - started.created_at).total_seconds() * 1000)
            transaction.on_commit(partial(job_event, "job_start", started, queue_wait_ms=wait_ms))
    return [started.id for started in claimed]


def _provider_capacity(name: str) -> int:
    try:
        return get_provider(name).max_concurrent
    except ProviderError:
        return 0

"""The dispatcher: claims waiting jobs fairly across users, within user and provider limits.

The engine process runs it whenever a dispatch is requested (generation/services/wakeups.py)
and sends the jobs it claimed to their providers itself. Without a live engine it runs as the
django-q2 task `generation_jobs_dispatch`, which then enqueues one `generation_job_submit` task
per claimed job. Two dispatchers at once are safe (an advisory lock on PostgreSQL; SQLite
serialises writers), and a job is claimed queued → running by compare-and-set either way."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.models import User
from generation.models import Job, JobKind, JobStatus
from generation.providers import (
    ProviderError,
    get_provider,
)
from generation.services.events import job_event
from generation.services.live import queue_moved_soon
from generation.services.queue import enqueue
from generation.services.transitions import jobs_start
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

    A constant number of queries however many jobs and users wait: the candidates, their
    users' figures and the providers' running counts are read once each, and the jobs picked
    are claimed in one UPDATE with their `job.started` events in one INSERT (jobs_start). The
    engine sends the claimed jobs right after this returns, so its cost is on every job's way
    to the provider.

    `submit_tasks`: enqueue a submit task per claimed job (not a page). None: only when no
    engine holds its lease (a live engine submits the pending jobs it finds by itself).
    """
    dispatch_request_clear()
    if submit_tasks is None:
        submit_tasks = not engine_lease_held()
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
            # Everything the claim, its events and its log lines need: no read per job after this.
            .only("id", "user_id", "kind", "provider", "created_at", "started_at", "progress", "request_id")[
                :2000
            ]
        )
        if not candidates:
            return []
        users = _user_figures({job.user_id for job in candidates})
        never = datetime.min.replace(tzinfo=UTC)
        candidates.sort(key=lambda j: (j.rank, users[j.user_id].last_started or never, j.created_at))
        user_running = Counter({uid: figures.running for uid, figures in users.items()})
        provider_running = Counter(
            dict(Job.objects.filter(status=JobStatus.RUNNING).values_list("provider").annotate(n=Count("id")))
        )
        capacity = {name: _provider_capacity(name) for name in {job.provider for job in candidates}}
        picked: list[Job] = []
        for job in candidates:
            if user_running[job.user_id] >= users[job.user_id].limit:
                continue
            if provider_running[job.provider] >= capacity[job.provider]:
                continue
            user_running[job.user_id] += 1
            provider_running[job.provider] += 1
            picked.append(job)
            if len(picked) >= settings.ENGINE_DISPATCH_BATCH:
                break
        claimed = jobs_start(jobs=picked, now=now)
        if len(picked) >= settings.ENGINE_DISPATCH_BATCH or len(claimed) < len(picked):
            # More may be claimable: past the batch, or a slot held for a job that left the
            # queue meanwhile (canceled) can go to the next one.
            transaction.on_commit(dispatch_request)
        for provider in sorted({job.provider for job in claimed}):
            queue_moved_soon(provider=provider)
        for started in claimed:
            # Product pages are written by the engine process, which picks up pending ones.
            if submit_tasks and started.kind != JobKind.PAGE:
                enqueue("generation_job_submit", str(started.id))
            wait_ms = int((now - started.created_at).total_seconds() * 1000)
            transaction.on_commit(partial(job_event, "job_start", started, queue_wait_ms=wait_ms))
    return [started.id for started in claimed]


@dataclass(frozen=True)
class _UserFigures:
    limit: int
    running: int
    last_started: datetime | None


def _user_figures(user_ids: set[int]) -> dict[int, _UserFigures]:
    """Each waiting user's concurrency limit, running jobs and last start, in one query (the
    last start from the newest row of the index on the user's starts, not a scan of them all)."""
    jobs = Job.objects.filter(user=OuterRef("pk")).order_by()
    rows = (
        User.objects.filter(pk__in=user_ids)
        .annotate(
            last_started=Subquery(
                jobs.filter(started_at__isnull=False).order_by("-started_at").values("started_at")[:1]
            ),
            running=Coalesce(
                Subquery(
                    jobs.filter(status=JobStatus.RUNNING)
                    .annotate(n=Func("pk", function="COUNT"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .values_list("id", "max_concurrent_jobs", "running", "last_started")
    )
    figures = {
        uid: _UserFigures(
            limit=limit if limit is not None else settings.MAX_PER_USER_CONCURRENT,
            running=running,
            last_started=last_started,
        )
        for uid, limit, running, last_started in rows
    }
    # A user deleted meanwhile has no slot: their jobs go with them.
    missing = _UserFigures(limit=0, running=0, last_started=None)
    return {uid: figures.get(uid, missing) for uid in user_ids}


def _provider_capacity(name: str) -> int:
    try:
        return get_provider(name).max_concurrent
    except ProviderError:
        return 0

"""The dispatcher: claims waiting jobs fairly across users, within user and provider limits.

The engine process runs it whenever a dispatch is requested (generation/services/wakeups.py)
and sends the jobs it claimed to their providers itself. Without a live engine it runs as the
django-q2 task `generation_jobs_dispatch`, which then enqueues one `generation_job_submit` task
per claimed job. Two dispatchers at once are safe (an advisory lock on PostgreSQL; SQLite
serialises writers), and a job is claimed queued → running by compare-and-set either way."""

from __future__ import annotations

import functools
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, cast
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Func, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.channels import channel_wake
from accounts.events import CHANNEL as EVENTS_CHANNEL
from accounts.models import Event, User
from generation.models import Job, JobKind, JobStatus
from generation.providers import ProviderError, provider_capacity
from generation.selectors import QueueFigures, job_standing
from generation.services.events import job_event
from generation.services.queue import enqueue
from generation.services.transitions import jobs_start
from generation.services.wakeups import (
    dispatch_request,
    dispatch_request_clear,
    engine_lease_held,
)

if TYPE_CHECKING:
    from generation.selectors import JobWithStanding

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
        if claimed:
            queue_positions_publish(providers={job.provider for job in claimed})
        for started in claimed:
            # Product pages are written by the engine process, which picks up pending ones.
            if submit_tasks and started.kind != JobKind.PAGE:
                enqueue("generation_job_submit", str(started.id))
            wait_ms = int((now - started.created_at).total_seconds() * 1000)
            transaction.on_commit(partial(job_event, "job_start", started, queue_wait_ms=wait_ms))
    return [started.id for started in claimed]


def queue_positions_publish(*, providers: set[str]) -> None:
    """`queue.moved` to every user with jobs waiting for one of `providers`: the positions and
    ETAs of all their waiting jobs (newest first), as job_standing gives them, in a constant
    number of queries however many users and jobs wait (live.queue_moved_publish reads each
    user's list on its own, three queries and a scan of the queue per user). Called in the
    transaction that moved the queue, so the positions are those its commit makes true."""
    waiting = list(Job.objects.raw(_queue_ranks_sql(len(providers)), [*sorted(providers)]))
    if not waiting:
        return
    user_ids = {job.user_id for job in waiting}
    running = Job.objects.filter(status=JobStatus.RUNNING).order_by()
    by_provider = {
        row["provider"]: (row["n"], row["first"])
        for row in running.filter(provider__in={job.provider for job in waiting})
        .values("provider")
        .annotate(n=Count("id"), first=Min("started_at"))
    }
    own = running.filter(user=OuterRef("pk"))
    users = {
        user.pk: user
        for user in User.objects.filter(pk__in=user_ids).annotate(
            own_running=Coalesce(_subquery_count(own), 0),
            own_first_start=Subquery(own.order_by("started_at").values("started_at")[:1]),
        )
    }
    now = timezone.now()
    jobs_of: dict[int, list[dict[str, object]]] = {uid: [] for uid in users}
    for job in waiting:  # newest first, as job_list orders them
        user = users.get(job.user_id)
        if user is None:
            continue
        provider_running, provider_first_start = by_provider.get(job.provider, (0, None))
        figures = QueueFigures(
            waiting_ahead=job.waiting_ahead,  # type: ignore[attr-defined]  # the SQL's own columns
            own_waiting_ahead=job.own_waiting_ahead,  # type: ignore[attr-defined]
            provider_running=provider_running,
            provider_first_start=provider_first_start,
            own_running=user.own_running,
            own_first_start=user.own_first_start,
        )
        job.status = JobStatus.QUEUED
        for name, value in figures.items():
            setattr(job, name, value)
        info = job_standing(job=cast("JobWithStanding", job), user=user, now=now)
        jobs_of[job.user_id].append(
            {"id": job.id, "queue_position": info.queue_position, "eta_seconds": info.eta_seconds}
        )
    Event.objects.bulk_create(
        [
            Event(user_id=uid, type="queue.moved", object_type="queue", payload={"jobs": jobs})
            for uid, jobs in jobs_of.items()
            if jobs
        ]
    )
    channel_wake(EVENTS_CHANNEL)


@functools.cache
def _queue_ranks_sql(providers: int) -> str:
    """Every waiting job of the users with a job waiting for one of `providers` providers, with
    how many wait before it for its provider and among its owner's jobs (what job_standing
    counts: waiting jobs created earlier), ranked over the whole queue in one pass. Plain SQL
    both databases run: the ORM cannot filter rows after a window without narrowing it."""
    table = connection.ops.quote_name(Job._meta.db_table)
    column = {
        field.name: connection.ops.quote_name(field.column)
        for field in Job._meta.concrete_fields
        if field.name in ("id", "user", "kind", "provider", "status", "created_at", "next_check_at")
        and field.column
    }
    fields = ", ".join(
        column[name] for name in ("id", "user", "kind", "provider", "created_at", "next_check_at")
    )
    status, provider, created, user = (
        column["status"],
        column["provider"],
        column["created_at"],
        column["user"],
    )
    placeholders = ", ".join(["%s"] * providers)
    queued = f"{status} = '{JobStatus.QUEUED}'"
    # Names from the model's own metadata and a fixed status; every value is a parameter.
    return (
        f"SELECT {fields}, waiting_ahead, own_waiting_ahead FROM ("  # noqa: S608
        f"SELECT {fields}, "
        f"RANK() OVER (PARTITION BY {provider} ORDER BY {created}) - 1 AS waiting_ahead, "
        f"RANK() OVER (PARTITION BY {user} ORDER BY {created}) - 1 AS own_waiting_ahead "
        f"FROM {table} WHERE {queued}) AS ranked "
        f"WHERE {user} IN (SELECT {user} FROM {table} WHERE {queued} AND {provider} IN ({placeholders})) "
        f"ORDER BY {created} DESC, {column['id']} DESC"
    )


def _subquery_count(queryset: QuerySet[Job]) -> Subquery:
    return Subquery(
        queryset.annotate(n=Func("pk", function="COUNT")).values("n"), output_field=IntegerField()
    )


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
            running=Coalesce(_subquery_count(jobs.filter(status=JobStatus.RUNNING)), 0),
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
        return provider_capacity(name)  # from the figures table: no provider instance per claim
    except ProviderError:
        return 0

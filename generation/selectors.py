"""Reads for the job API: own jobs only, queue position, ETA and waiting reason."""

from __future__ import annotations

import functools
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    Expression,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    QuerySet,
    Subquery,
    UUIDField,
    When,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.selectors import user_job_limits
from config.errors import NotFound
from config.sql import RowQuery
from gallery.imaging import image_thumbnail
from gallery.models import Image
from generation.models import Job, JobInput, JobKind, JobStage, JobStatus
from generation.providers import ProviderError, get_provider
from templates_app.selectors import page_of_job

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from accounts.models import User


class QueueFigures(TypedDict):
    """A waiting job's standing among the active jobs (None for a job that does not wait)."""

    waiting_ahead: int | None
    own_waiting_ahead: int | None
    provider_running: int | None
    provider_first_start: datetime | None
    own_running: int | None
    own_first_start: datetime | None


class Standing(QueueFigures):
    """What job_list and job_with_standing add to a job: its queue figures, and a finished page
    job's page (None otherwise)."""

    page_id: UUID | None
    page_blocks: list[dict[str, Any]] | None


if TYPE_CHECKING:
    JobWithStanding: TypeAlias = WithAnnotations[Job, Standing]

_NOT_WAITING = QueueFigures(
    waiting_ahead=None,
    own_waiting_ahead=None,
    provider_running=None,
    provider_first_start=None,
    own_running=None,
    own_first_start=None,
)


def _count(queryset: QuerySet[Job]) -> Subquery:
    return Subquery(
        queryset.order_by().annotate(n=Func("pk", function="COUNT")).values("n"), output_field=IntegerField()
    )


def _earliest_start(queryset: QuerySet[Job]) -> Subquery:
    return Subquery(
        queryset.order_by().annotate(first=Func("started_at", function="MIN")).values("first"),
        output_field=DateTimeField(),
    )


def _while_waiting(expression: Expression | Subquery) -> Case:
    """Only a waiting row's figure is computed (the database skips the others' subqueries)."""
    return Case(
        When(status=JobStatus.QUEUED, then=expression), default=None, output_field=expression.output_field
    )


def _with_standing(jobs: QuerySet[Job]) -> QuerySet[JobWithStanding]:
    """Jobs with what their queue position, ETA and waiting reason need, and a finished page's
    id and blocks, all in the jobs' own query: a list costs the same whatever its mix."""
    waiting = Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=OuterRef("created_at"))
    running = Job.objects.filter(status=JobStatus.RUNNING)
    provider_running = running.filter(provider=OuterRef("provider"))
    own_running = running.filter(user=OuterRef("user"))
    page = page_of_job(job_id=OuterRef("pk"))
    return jobs.annotate(
        waiting_ahead=_while_waiting(_count(waiting.filter(provider=OuterRef("provider")))),
        own_waiting_ahead=_while_waiting(_count(waiting.filter(user=OuterRef("user")))),
        provider_running=_while_waiting(_count(provider_running)),
        provider_first_start=_while_waiting(_earliest_start(provider_running)),
        own_running=_while_waiting(_count(own_running)),
        own_first_start=_while_waiting(_earliest_start(own_running)),
        page_id=Case(
            When(kind=JobKind.PAGE, status=JobStatus.SUCCEEDED, then=Subquery(page.values("id")[:1])),
            default=None,
            output_field=UUIDField(),
        ),
        page_blocks=Case(
            When(kind=JobKind.PAGE, status=JobStatus.SUCCEEDED, then=Subquery(page.values("blocks")[:1])),
            default=None,
            output_field=JSONField(),
        ),
    )


def job_list(
    *,
    user: User,
    statuses: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    ids: Iterable[UUID] | None = None,
) -> QuerySet[JobWithStanding]:
    """The user's own jobs, newest first, with their standing (see job_standing); each filter
    given narrows to any of its values."""
    jobs = Job.objects.filter(user=user).defer("request_fingerprint")
    if statuses:
        jobs = jobs.filter(status__in=list(statuses))
    if kinds:
        jobs = jobs.filter(kind__in=list(kinds))
    if ids is not None:
        jobs = jobs.filter(pk__in=list(ids))
    return _with_standing(jobs).order_by("-created_at", "-id")


# What a client's poll of one job reads, as SQL written once per process (config/sql.py).
_JOB_OF_USER = RowQuery(Job, where=["pk", "user"])
_INPUTS_OF_JOB = RowQuery(JobInput, where=["job"], order_by=["role"])
_RESULT_IMAGES_OF_JOB = RowQuery(
    Image,
    where=["job_id"],
    order_by=["position"],
    fields=["id", "owner", "job_id", "width", "height", "format", "position", "deleted_at", "purging_at"],
)


def job_inputs_for(*, job_ids: Iterable[UUID]) -> dict[UUID, list[JobInput]]:
    """Input images per job in one query, in a stable order (by role)."""
    ids = list(job_ids)
    found: dict[UUID, list[JobInput]] = defaultdict(list)
    if not ids:
        return found
    if len(ids) == 1:
        found[ids[0]] = _INPUTS_OF_JOB(ids[0])
        return found
    for row in JobInput.objects.filter(job_id__in=ids).order_by("job_id", "role"):
        found[row.job_id].append(row)
    return found


def job_input_get(*, user: User, job_id: UUID | str, role: str) -> JobInput:
    """One input of the user's own job; another user's job, or an unknown role, is not found."""
    found = JobInput.objects.filter(
        job_id=job_id, job__user=user, role=role, job__inputs_expired_at__isnull=True
    ).first()
    if found is None:
        raise NotFound(
            "Job input not found (a job's inputs are removed JOB_INPUT_RETENTION_DAYS after it ends)."
        )
    return found


def job_get(*, user: User, job_id: UUID | str) -> Job:
    """The user's own job; another user's id is simply not found (404, never 403)."""
    job = _JOB_OF_USER.first(job_id, getattr(user, "pk", user))
    if job is None:
        raise NotFound("Job not found.")
    return job


def job_result_images(*, job_id: UUID) -> list[Image]:
    """A job's result images in order (what gallery.selectors.images_for_jobs_and_owned reads for
    a list), for one job."""
    return _RESULT_IMAGES_OF_JOB(job_id)


def job_detail_get(*, user: User, job_id: UUID | str) -> JobWithStanding:
    """The user's own job with its standing (see job_standing)."""
    return job_with_standing(job=job_get(user=user, job_id=job_id))


def job_with_standing(*, job: Job) -> JobWithStanding:
    """`job` (read with job_get) with what job_standing and its result need, each read only when it
    applies: this is what every client polls. A waiting job's queue figures come from one
    aggregate over the active jobs (the annotations of job_list cost ten times more to build), a
    finished page job's page from its own query."""
    figures = _queue_figures(job) if job.status == JobStatus.QUEUED else _NOT_WAITING
    for name, value in figures.items():
        setattr(job, name, value)
    standing = cast("JobWithStanding", job)  # every figure of Standing is set just above or below
    standing.page_id = standing.page_blocks = None
    if job.kind == JobKind.PAGE and job.status == JobStatus.SUCCEEDED:
        page = page_of_job(job_id=job.id).values("id", "blocks").first()
        if page is not None:
            standing.page_id, standing.page_blocks = page["id"], page["blocks"]
    return standing


@functools.cache
def _queue_figures_sql() -> str:
    """The one aggregate over the active jobs behind a waiting job's standing, as SQL written
    once per process: built through the ORM it cost more CPU than everything else a poll does
    (benchmarks/api_bench.py). Plain SQL that SQLite and PostgreSQL both run."""
    table = connection.ops.quote_name(Job._meta.db_table)
    column = {
        field.name: connection.ops.quote_name(field.column)
        for field in Job._meta.concrete_fields
        if field.name in ("status", "created_at", "provider", "user", "started_at") and field.column
    }
    waiting = f"{column['status']} = %s AND {column['created_at']} < %s"
    running = f"{column['status']} = %s"
    # Names from the model's own metadata; every value is a parameter.
    return (
        f"SELECT SUM(CASE WHEN {waiting} AND {column['provider']} = %s THEN 1 ELSE 0 END), "  # noqa: S608
        f"SUM(CASE WHEN {waiting} AND {column['user']} = %s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {running} AND {column['provider']} = %s THEN 1 ELSE 0 END), "
        f"MIN(CASE WHEN {running} AND {column['provider']} = %s THEN {column['started_at']} END), "
        f"SUM(CASE WHEN {running} AND {column['user']} = %s THEN 1 ELSE 0 END), "
        f"MIN(CASE WHEN {running} AND {column['user']} = %s THEN {column['started_at']} END) "
        f"FROM {table} WHERE {column['status']} IN (%s, %s)"
    )


def _as_datetime(value: datetime | str | None) -> datetime | None:
    """A MIN() of a datetime column: a datetime on PostgreSQL, text on SQLite (stored in UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _queue_figures(job: Job) -> QueueFigures:
    """What job_standing needs for a waiting job: how many wait before it (for its provider, and
    its owner's own), and how many run (for its provider, and its owner's) since when."""
    queued, running = str(JobStatus.QUEUED), str(JobStatus.RUNNING)
    created_at = connection.ops.adapt_datetimefield_value(job.created_at)
    params = [
        queued, created_at, job.provider,
        queued, created_at, job.user_id,
        running, job.provider,
        running, job.provider,
        running, job.user_id,
        running, job.user_id,
        queued, running,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_queue_figures_sql(), params)
        row = cursor.fetchone() or (None,) * 6  # an aggregate: always one row
    waiting, own_waiting, provider_running, provider_first, own_running, own_first = row
    return QueueFigures(
        waiting_ahead=int(waiting or 0),
        own_waiting_ahead=int(own_waiting or 0),
        provider_running=int(provider_running or 0),
        provider_first_start=_as_datetime(provider_first),
        own_running=int(own_running or 0),
        own_first_start=_as_datetime(own_first),
    )


def job_input_thumbnail(*, job_input: JobInput) -> bytes:
    """A WebP preview of a job input, made from the stored file and kept in the cache (inputs
    never change, so the file's hash names it for good)."""
    key = f"job-input-thumb:{job_input.sha256}:{settings.THUMBNAIL_SIDE_PX}"
    data: bytes | None = cache.get(key)  # what this function stored under the key
    if data is None:
        try:
            with job_input.file.open("rb") as handle:
                data = image_thumbnail(handle.read()).data
        except FileNotFoundError:
            raise NotFound("The input file is missing from storage.", code="file_missing")
        cache.set(key, data, 3600)
    return data


def typical_duration_seconds(*, kind: str, provider: str) -> float:
    """Median run time of the last ETA_SAMPLE_SIZE successes of this kind on this provider."""
    key = f"eta:{kind}:{provider}"
    cached: float | None = cache.get(key)  # what this function stored under the key
    if cached is not None:
        return cached
    rows = (
        Job.objects.filter(status=JobStatus.SUCCEEDED, kind=kind, provider=provider)
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")[: settings.ETA_SAMPLE_SIZE]
    )
    samples = [(end - start).total_seconds() for start, end in rows if start and end]
    if samples:
        value = statistics.median(samples)
    else:
        try:
            value = get_provider(provider).nominal_duration_seconds
        except ProviderError:
            value = 30.0
    cache.set(key, value, 30)
    return value


@dataclass(frozen=True)
class QueueInfo:
    queue_position: int | None
    eta_seconds: int | None
    waiting_reason: str | None


def _remaining(started_at: datetime | None, duration: float, now: datetime) -> float:
    if started_at is None:
        return duration
    return max(1.0, duration - (now - started_at).total_seconds())


def job_standing(*, job: JobWithStanding, user: User, now: datetime | None = None) -> QueueInfo:
    """Where a job read through job_list or job_with_standing stands, from its own row and
    annotations (no query; the typical durations are cached). Waiting: position among jobs
    waiting for the same provider, why it waits, and an ETA (seconds until its result) from
    recent real durations. Running: ETA. Finished: nothing."""
    now = now or timezone.now()
    if job.status == JobStatus.RUNNING:
        if job.progress > 0 and job.started_at:
            elapsed = (now - job.started_at).total_seconds()
            left = elapsed * (100 - job.progress) / job.progress
        else:
            duration = typical_duration_seconds(kind=job.kind, provider=job.provider)
            left = _remaining(job.started_at, duration, now)
        return QueueInfo(None, max(1, round(left)), None)
    if job.status != JobStatus.QUEUED:
        return QueueInfo(None, None, None)

    limits = user_job_limits(user=user)
    duration = typical_duration_seconds(kind=job.kind, provider=job.provider)
    try:
        capacity = get_provider(job.provider).max_concurrent
    except ProviderError:
        capacity = 1
    start_in = 0.0
    # The longest-running job frees its place first: its start alone tells when one frees up.
    if job.next_check_at is not None:  # sent back by a provider outage, due again then
        reason = "provider_unavailable"
        start_in = max(0.0, (job.next_check_at - now).total_seconds())
    elif (job.own_running or 0) >= limits.max_concurrent:
        reason = "user_concurrency"
        start_in = _remaining(job.own_first_start, duration, now)
    elif (job.provider_running or 0) >= capacity:
        reason = "provider_capacity"
        start_in = _remaining(job.provider_first_start, duration, now)
    else:
        reason = "queue"
    # Each of the user's own earlier jobs runs before this one, limits.max_concurrent at a time.
    start_in += (job.own_waiting_ahead or 0) * duration / max(1, limits.max_concurrent)
    return QueueInfo(
        queue_position=(job.waiting_ahead or 0) + 1,
        eta_seconds=max(1, round(start_in + duration)),
        waiting_reason=reason,
    )


def job_wait(*, job_id: UUID | str, timeout_seconds: float, interval_seconds: float = 0.25) -> Job:
    """Block until a job has finished or the time is up (for the seed endpoints' synchronous
    contract; they run on gunicorn threads). Returns the job as last seen."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        job = Job.objects.get(pk=job_id)
        if job.is_finished or time.monotonic() >= deadline:
            return job
        time.sleep(interval_seconds)


def jobs_in_flight() -> QuerySet[Job]:
    """Jobs a provider is working on right now (the poller's work list)."""
    return Job.objects.filter(status=JobStatus.RUNNING, stage=JobStage.WAITING)


def seconds_to_next_poll() -> float | None:
    next_at = jobs_in_flight().order_by("next_check_at").values_list("next_check_at", flat=True).first()
    if next_at is None:
        return None
    return max(0.0, (next_at - timezone.now()).total_seconds())

"""Reads for the job API: own jobs only, queue position, ETA and waiting reason."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
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
    Field,
    Func,
    IntegerField,
    JSONField,
    Model,
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
from config.sql import ModelColumns, RowQuery, Statement
from gallery.imaging import image_thumbnail
from gallery.models import Image
from generation.models import Job, JobInput, JobKind, JobStage, JobStatus
from generation.providers import ProviderError, provider_capacity, provider_nominal_duration_seconds
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
    """What job_list and job_poll_get add to a job: its queue figures, and a finished page
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
    return job_poll_get(user=user, job_id=job_id).job


@dataclass(frozen=True)
class JobPoll:
    """A job as its owner's poll reads it: with its standing (see job_standing), its inputs by
    role, and its result images by position (those of a job that succeeded, none otherwise)."""

    job: JobWithStanding
    inputs: list[JobInput]
    images: list[Image]


_POLL_JOB = ModelColumns(Job, alias="j")
_POLL_INPUT = ModelColumns(JobInput, alias="i")
_POLL_IMAGE = ModelColumns(
    Image,
    alias="g",
    fields=["id", "owner", "job_id", "width", "height", "format", "position", "deleted_at", "purging_at"],
)
_FIGURES = list(QueueFigures.__annotations__)
_QUEUE_FIELDS = ("status", "created_at", "provider", "user", "started_at")


def _column(quote: Callable[[str], str], model: type[Model], name: str) -> str:
    """A concrete field's column, quoted for the database."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return quote(field.column)


def _job_poll_sql(connection: Any) -> str:
    """What job_poll_get reads, in one round trip: the job row, its queue figures, its inputs
    and its result images. The figures are subqueries that run only for a waiting job (a CASE),
    and once (the job is read in a derived table with LIMIT 1, which neither database merges into
    the joins); a row per pair of input and result image (a job has at most two inputs). Plain SQL
    that SQLite and PostgreSQL both run; names from the models' metadata, values parameters."""
    quote = connection.ops.quote_name
    jobs = quote(Job._meta.db_table)
    column = {name: _column(quote, Job, name) for name in _QUEUE_FIELDS}
    waiting = f"a.{column['status']} = %(queued)s AND a.{column['created_at']} < t.{column['created_at']}"
    running = f"a.{column['status']} = %(running)s"
    same_provider = f"a.{column['provider']} = t.{column['provider']}"
    same_user = f"a.{column['user']} = t.{column['user']}"
    first_start = f"MIN(a.{column['started_at']})"
    figures = {  # name: (aggregate, condition)
        "waiting_ahead": ("COUNT(*)", f"{waiting} AND {same_provider}"),
        "own_waiting_ahead": ("COUNT(*)", f"{waiting} AND {same_user}"),
        "provider_running": ("COUNT(*)", f"{running} AND {same_provider}"),
        "provider_first_start": (first_start, f"{running} AND {same_provider}"),
        "own_running": ("COUNT(*)", f"{running} AND {same_user}"),
        "own_first_start": (first_start, f"{running} AND {same_user}"),
    }
    assert list(figures) == _FIGURES  # read back in this order
    selected = []
    for name, (aggregate, condition) in figures.items():
        subquery = f"SELECT {aggregate} FROM {jobs} a WHERE {condition}"  # noqa: S608
        selected.append(f"CASE WHEN t.{column['status']} = %(queued)s THEN ({subquery}) END AS {name}")
    job_id = _column(quote, Job, "id")
    return (
        f"SELECT {_POLL_JOB.select(connection)}, {', '.join(f'j.{name}' for name in _FIGURES)}, "  # noqa: S608
        f"{_POLL_INPUT.select(connection)}, {_POLL_IMAGE.select(connection)} "
        f"FROM (SELECT {ModelColumns(Job, alias='t').select(connection)}, {', '.join(selected)} "
        f"FROM {jobs} t WHERE t.{job_id} = %(job)s AND t.{column['user']} = %(user)s LIMIT 1) j "
        f"LEFT JOIN {quote(JobInput._meta.db_table)} i ON i.{_column(quote, JobInput, 'job')} = j.{job_id} "
        f"LEFT JOIN {quote(Image._meta.db_table)} g "
        f"ON g.{_column(quote, Image, 'job_id')} = j.{job_id} AND j.{column['status']} = %(succeeded)s "
        f"ORDER BY i.{_column(quote, JobInput, 'role')}, g.{_column(quote, Image, 'position')}"
    )


_JOB_POLL = Statement(_job_poll_sql)


def job_poll_get(*, user: User, job_id: UUID | str) -> JobPoll:
    """The user's own job as a poll shows it (see JobPoll) in one query, and a finished page job's
    page in a second; another user's id is simply not found (404, never 403)."""
    pk = Job._meta.pk
    assert pk is not None
    rows = _JOB_POLL.rows(
        {
            "queued": str(JobStatus.QUEUED),
            "running": str(JobStatus.RUNNING),
            "succeeded": str(JobStatus.SUCCEEDED),
            "job": pk.get_db_prep_value(job_id, connection, prepared=False),
            "user": getattr(user, "pk", user),
        }
    )
    if not rows:
        raise NotFound("Job not found.")
    job = _POLL_JOB.instance(rows[0])
    at_figures = _POLL_JOB.width
    at_input = at_figures + len(_FIGURES)
    at_image = at_input + _POLL_INPUT.width
    inputs: dict[Any, JobInput] = {}
    images: dict[Any, Image] = {}
    for row in rows:  # inputs x images: each appears in several rows, first in its order
        key = row[at_input + _POLL_INPUT.pk_index]
        if key is not None and key not in inputs:
            inputs[key] = _POLL_INPUT.instance(row, at_input)
        key = row[at_image + _POLL_IMAGE.pk_index]
        if key is not None and key not in images:
            images[key] = _POLL_IMAGE.instance(row, at_image)
    figures = _NOT_WAITING
    if job.status == JobStatus.QUEUED:
        waiting, own_waiting, provider_running, provider_first, own_running, own_first = rows[0][
            at_figures:at_input
        ]
        figures = QueueFigures(
            waiting_ahead=int(waiting or 0),
            own_waiting_ahead=int(own_waiting or 0),
            provider_running=int(provider_running or 0),
            provider_first_start=_as_datetime(provider_first),
            own_running=int(own_running or 0),
            own_first_start=_as_datetime(own_first),
        )
    return JobPoll(
        job=_with_figures(job, figures), inputs=list(inputs.values()), images=list(images.values())
    )


def _with_figures(job: Job, figures: QueueFigures) -> JobWithStanding:
    """`job` with its queue figures set, and a finished page job's page (its own query)."""
    for name, value in figures.items():
        setattr(job, name, value)
    standing = cast("JobWithStanding", job)  # every figure of Standing is set just above or below
    standing.page_id = standing.page_blocks = None
    if job.kind == JobKind.PAGE and job.status == JobStatus.SUCCEEDED:
        page = page_of_job(job_id=job.id).values("id", "blocks").first()
        if page is not None:
            standing.page_id, standing.page_blocks = page["id"], page["blocks"]
    return standing


def _as_datetime(value: datetime | str | None) -> datetime | None:
    """A MIN() of a datetime column: a datetime on PostgreSQL, text on SQLite (stored in UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


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
            value = provider_nominal_duration_seconds(provider)
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
    """Where a job read through job_list or job_poll_get stands, from its own row and
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
        capacity = provider_capacity(job.provider)
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

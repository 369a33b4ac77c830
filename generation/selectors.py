"""Reads for the job API: own jobs only, queue position, ETA and waiting reason."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.selectors import user_job_limits
from config.errors import NotFound
from gallery.imaging import image_thumbnail
from generation.models import Job, JobInput, JobStage, JobStatus
from generation.providers import ProviderError, get_provider


def job_list(*, user, statuses: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
             ids: Iterable[UUID] | None = None) -> QuerySet[Job]:
    """The user's own jobs, newest first; each filter given narrows to any of its values."""
    jobs = Job.objects.filter(user=user).defer("request_fingerprint")
    if statuses:
        jobs = jobs.filter(status__in=list(statuses))
    if kinds:
        jobs = jobs.filter(kind__in=list(kinds))
    if ids is not None:
        jobs = jobs.filter(pk__in=list(ids))
    return jobs.order_by("-created_at", "-id")


def job_inputs_for(*, job_ids: Iterable[UUID]) -> dict[UUID, list[JobInput]]:
    """Input images per job in one query, in a stable order (by role)."""
    ids = list(job_ids)
    found: dict[UUID, list[JobInput]] = defaultdict(list)
    if not ids:
        return found
    for row in JobInput.objects.filter(job_id__in=ids).order_by("job_id", "role"):
        found[row.job_id].append(row)
    return found


def job_input_get(*, user, job_id, role: str) -> JobInput:
    """One input of the user's own job; another user's job, or an unknown role, is not found."""
    found = JobInput.objects.filter(job_id=job_id, job__user=user, role=role).first()
    if found is None:
        raise NotFound("Job input not found.")
    return found


def job_get(*, user, job_id) -> Job:
    """The user's own job; another user's id is simply not found (404, never 403)."""
    job = Job.objects.filter(pk=job_id, user=user).first()
    if job is None:
        raise NotFound("Job not found.")
    return job


def job_input_thumbnail(*, job_input: JobInput) -> bytes:
    """A WebP preview of a job input, made from the stored file and kept in the cache (inputs
    never change, so the file's hash names it for good)."""
    key = f"job-input-thumb:{job_input.sha256}:{settings.THUMBNAIL_SIDE_PX}"
    data = cache.get(key)
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
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = (Job.objects.filter(status=JobStatus.SUCCEEDED, kind=kind, provider=provider)
            .order_by("-finished_at").values_list("started_at", "finished_at")
            [: settings.ETA_SAMPLE_SIZE])
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


def job_queue_info(*, job: Job) -> QueueInfo:
    """Where a job stands (see job_queue_infos)."""
    return job_queue_infos(user=job.user, jobs=[job])[job.id]


def job_queue_infos(*, user, jobs: list[Job]) -> dict[UUID, QueueInfo]:
    """Where each of the user's jobs stands, in a fixed number of queries however many jobs
    there are. Waiting: position among jobs waiting for the same provider, why it waits, and an
    ETA (seconds until its result) from recent real durations. Running: ETA. Finished: nothing."""
    now = timezone.now()
    infos: dict[UUID, QueueInfo] = {}
    queued = [job for job in jobs if job.status == JobStatus.QUEUED]
    for job in jobs:
        if job.status == JobStatus.RUNNING:
            if job.progress > 0:
                elapsed = (now - job.started_at).total_seconds()
                left = elapsed * (100 - job.progress) / job.progress
            else:
                duration = typical_duration_seconds(kind=job.kind, provider=job.provider)
                left = _remaining(job.started_at, duration, now)
            infos[job.id] = QueueInfo(None, max(1, round(left)), None)
        elif job.status != JobStatus.QUEUED:
            infos[job.id] = QueueInfo(None, None, None)
    if not queued:
        return infos

    waiting = Job.objects.filter(status=JobStatus.QUEUED)
    # Every position in one pass over the waiting jobs (served by job_queued_fifo).
    ahead_all = waiting.aggregate(**{
        f"j{index}": Count("id", filter=Q(provider=job.provider, created_at__lt=job.created_at))
        for index, job in enumerate(queued)})
    own_waiting = list(waiting.filter(user=user).values_list("created_at", flat=True))
    own_running = list(Job.objects.filter(user=user, status=JobStatus.RUNNING)
                       .values_list("started_at", flat=True))
    providers = {job.provider for job in queued}
    provider_running: dict[str, list[datetime | None]] = defaultdict(list)
    for provider, started_at in Job.objects.filter(status=JobStatus.RUNNING, provider__in=providers) \
            .values_list("provider", "started_at"):
        provider_running[provider].append(started_at)
    limits = user_job_limits(user=user)

    for index, job in enumerate(queued):
        duration = typical_duration_seconds(kind=job.kind, provider=job.provider)
        try:
            capacity = get_provider(job.provider).max_concurrent
        except ProviderError:
            capacity = 1
        running_here = provider_running[job.provider]
        start_in = 0.0
        if job.next_check_at is not None:  # sent back by a provider outage, due again then
            reason = "provider_unavailable"
            start_in = max(0.0, (job.next_check_at - now).total_seconds())
        elif len(own_running) >= limits.max_concurrent:
            reason = "user_concurrency"
            start_in = min(_remaining(s, duration, now) for s in own_running)
        elif len(running_here) >= capacity:
            reason = "provider_capacity"
            start_in = min(_remaining(s, duration, now) for s in running_here)
        else:
            reason = "queue"
        # Each of the user's own earlier jobs runs before this one, limits.max_concurrent at a time.
        own_ahead = sum(1 for created_at in own_waiting if created_at < job.created_at)
        start_in += own_ahead * duration / limits.max_concurrent
        infos[job.id] = QueueInfo(queue_position=ahead_all[f"j{index}"] + 1,
                                  eta_seconds=max(1, round(start_in + duration)), waiting_reason=reason)
    return infos


def job_wait(*, job_id, timeout_seconds: float, interval_seconds: float = 0.25) -> Job:
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

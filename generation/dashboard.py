"""The operations dashboard on the admin index: what waits, what runs, what failed, who uses
storage. Every query on jobs is bounded to a partial index or a time window, so the page costs the
same at a million jobs; the whole answer is cached for a few seconds. Storage is one pass over
every image (about a second at a million on PostgreSQL): it is cached for five minutes."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from config.health import health_report
from gallery.selectors import StorageTotals, storage_totals
from generation.heartbeat import clusters_alive
from generation.models import ACTIVE_STATUSES, Job, JobKind, JobStatus

FAILED_STATUSES = (JobStatus.FAILED, JobStatus.TIMED_OUT)
WINDOW = timedelta(hours=24)
# Medians come from the newest finished jobs of the window, at most this many.
TIMING_SAMPLE = 500
CACHE_SECONDS = 5
STORAGE_CACHE_SECONDS = 300
NO_CODE = "(none)"
# The reconciler ends an overdue job within a minute: past that, nothing is ending it.
OVERDUE_GRACE_SECONDS = 60


@dataclass(frozen=True)
class QueueRow:
    kind: str
    provider: str
    waiting: int
    running: int

    @property
    def kind_label(self) -> str:
        return JobKind(self.kind).label if self.kind in JobKind.values else self.kind


@dataclass(frozen=True)
class Timing:
    kind: str
    median_wait_seconds: float | None
    median_duration_seconds: float | None
    samples: int

    @property
    def kind_label(self) -> str:
        return JobKind(self.kind).label if self.kind in JobKind.values else self.kind


@dataclass(frozen=True)
class JobRef:
    id: str
    kind: str
    provider: str
    username: str
    since: datetime


@dataclass(frozen=True)
class ServiceHealth:
    name: str
    status: str
    message: str


@dataclass
class Dashboard:
    computed_at: datetime
    queue: list[QueueRow]
    jobs_per_hour: list[tuple[datetime, int]]
    failures: list[tuple[str, int]]
    timings: list[Timing]
    clusters: list[str]
    services: list[ServiceHealth]
    storage: StorageTotals
    storage_owners: list[tuple[int, str, int]]  # (user id, username, bytes), largest first
    oldest_waiting: JobRef | None
    oldest_running: JobRef | None
    overdue_running: int  # running past their deadline and the reconciler's next round: stuck
    long_waiting: int  # waiting longer than the health check's warning
    long_wait_seconds: int

    @property
    def waiting(self) -> int:
        return sum(row.waiting for row in self.queue)

    @property
    def running(self) -> int:
        return sum(row.running for row in self.queue)

    @property
    def created_last_day(self) -> int:
        return sum(count for _, count in self.jobs_per_hour)

    @property
    def failed_last_day(self) -> int:
        return sum(count for _, count in self.failures)

    @property
    def busiest_hour(self) -> int:
        return max((count for _, count in self.jobs_per_hour), default=0)


def _queue() -> list[QueueRow]:
    # Only waiting and running rows: the partial indexes job_queued_fifo / job_user_active.
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"queued": 0, "running": 0})
    for row in (
        Job.objects.filter(status__in=ACTIVE_STATUSES)
        .values("kind", "provider", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[(row["kind"], row["provider"])][row["status"]] = row["n"]
    return [
        QueueRow(kind=kind, provider=provider, waiting=c["queued"], running=c["running"])
        for (kind, provider), c in sorted(counts.items())
    ]


def _jobs_per_hour(now: datetime) -> list[tuple[datetime, int]]:
    start = (now - WINDOW).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    found = dict(
        Job.objects.filter(created_at__gte=start)
        .annotate(hour=TruncHour("created_at"))
        .values("hour")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("hour", "n")
    )
    return [(start + timedelta(hours=i), found.get(start + timedelta(hours=i), 0)) for i in range(24)]


def _failures(since: datetime) -> list[tuple[str, int]]:
    rows = (
        Job.objects.filter(finished_at__gte=since, status__in=FAILED_STATUSES)
        .values("error_code")
        .annotate(n=Count("id"))
        .order_by("-n", "error_code")
    )
    return [(row["error_code"] or NO_CODE, row["n"]) for row in rows]


def _timings(since: datetime) -> list[Timing]:
    rows = (
        Job.objects.filter(finished_at__gte=since, started_at__isnull=False)
        .order_by("-finished_at")
        .values_list("kind", "status", "created_at", "started_at", "finished_at")[:TIMING_SAMPLE]
    )
    waits: dict[str, list[float]] = defaultdict(list)
    durations: dict[str, list[float]] = defaultdict(list)
    for kind, status, created_at, started_at, finished_at in rows:
        if started_at is None or finished_at is None:  # excluded by the filter; typed as optional
            continue
        waits[kind].append((started_at - created_at).total_seconds())
        if status == JobStatus.SUCCEEDED:
            durations[kind].append((finished_at - started_at).total_seconds())
    return [
        Timing(
            kind=kind,
            median_wait_seconds=statistics.median(waits[kind]),
            median_duration_seconds=statistics.median(durations[kind]) if durations[kind] else None,
            samples=len(waits[kind]),
        )
        for kind in sorted(waits)
    ]


def _job_ref(jobs, since_field: str) -> JobRef | None:
    job = jobs.select_related("user").only("id", "kind", "provider", since_field, "user__username").first()
    if job is None:
        return None
    return JobRef(
        id=str(job.id),
        kind=job.kind,
        provider=job.provider,
        username=job.user.username,
        since=getattr(job, since_field),
    )


def _stuck(now: datetime) -> tuple[int, int]:
    """Jobs the reconciler should already have ended, and jobs waiting past the backlog warning
    (both on the partial indexes of active jobs)."""
    deadline = now - timedelta(seconds=settings.JOB_TIMEOUT_SECONDS + OVERDUE_GRACE_SECONDS)
    waited = now - timedelta(seconds=settings.HEALTHZ_QUEUE_WAIT_WARN_SECONDS)
    counts = Job.objects.filter(status__in=ACTIVE_STATUSES).aggregate(
        overdue=Count("id", filter=Q(status=JobStatus.RUNNING, started_at__lt=deadline)),
        waiting=Count("id", filter=Q(status=JobStatus.QUEUED, created_at__lt=waited)),
    )
    return counts["overdue"], counts["waiting"]


def _services() -> list[ServiceHealth]:
    report = health_report()
    return [
        ServiceHealth(name=check.name, status=check.status, message=check.message)
        for check in report.checks
        if check.name.startswith(("provider:", "llm:", "broker"))
    ]


def _storage() -> tuple[StorageTotals, list[tuple[int, str, int]]]:
    cached = cache.get("admin-dashboard:storage")
    if cached is None:
        totals = storage_totals()
        names = dict(
            get_user_model()
            .objects.filter(pk__in=[owner for owner, _ in totals.top_owners])
            .values_list("id", "username")
        )
        cached = (totals, [(owner, names.get(owner, f"#{owner}"), used) for owner, used in totals.top_owners])
        cache.set("admin-dashboard:storage", cached, STORAGE_CACHE_SECONDS)
    return cached


def dashboard_compute() -> Dashboard:
    now = timezone.now()
    since = now - WINDOW
    totals, owners = _storage()
    overdue, long_waiting = _stuck(now)
    return Dashboard(
        computed_at=now,
        queue=_queue(),
        jobs_per_hour=_jobs_per_hour(now),
        failures=_failures(since),
        timings=_timings(since),
        clusters=clusters_alive(),
        services=_services(),
        storage=totals,
        storage_owners=owners,
        oldest_waiting=_job_ref(
            Job.objects.filter(status=JobStatus.QUEUED).order_by("created_at"), "created_at"
        ),
        oldest_running=_job_ref(
            Job.objects.filter(status=JobStatus.RUNNING).order_by("started_at"), "started_at"
        ),
        overdue_running=overdue,
        long_waiting=long_waiting,
        long_wait_seconds=settings.HEALTHZ_QUEUE_WAIT_WARN_SECONDS,
    )


def dashboard_get() -> Dashboard:
    """The dashboard, computed at most once per CACHE_SECONDS (across web processes with Redis)."""
    found = cache.get("admin-dashboard")
    if found is None:
        found = dashboard_compute()
        cache.set("admin-dashboard", found, CACHE_SECONDS)
    return found


def failure_codes_last_day() -> list[tuple[str, int]]:
    """The jobs list's "failed in the last 24 h" filter choices, cached like the dashboard."""
    found = cache.get("admin-dashboard:failures")
    if found is None:
        found = _failures(timezone.now() - WINDOW)
        cache.set("admin-dashboard:failures", found, CACHE_SECONDS)
    return found


def failed_last_day(queryset, code: str):
    """Jobs of `queryset` that failed or timed out in the last 24 h with this error code (as the
    dashboard names it: "(none)" for an empty code)."""
    return queryset.filter(
        error_code="" if code == NO_CODE else code,
        status__in=FAILED_STATUSES,
        finished_at__gte=timezone.now() - WINDOW,
    )

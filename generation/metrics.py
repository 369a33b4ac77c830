"""Job engine figures for /metrics, computed from the database at scrape time (the Job table is
the source of truth, and the worker processes that changed it may run anywhere).

Histograms are cumulative over the jobs in the table, so rate() and histogram_quantile() work
as usual; a purge of old rows shows up as a counter reset, which Prometheus handles.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from prometheus_client import Gauge
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from config.metrics import register

# Set by the engine process (generation/engine/); one series per engine process.
engine_loop_lag_seconds = Gauge(
    "ppl_engine_loop_lag_seconds",
    "How late the engine's asyncio loop runs what is due.",
    multiprocess_mode="liveall",
)
engine_jobs_in_flight = Gauge(
    "ppl_engine_jobs_in_flight",
    "Provider jobs and product pages the engine holding the lease keeps moving (counted every 10 s).",
    multiprocess_mode="liveall",
)

DURATION_BUCKETS = (1, 2.5, 5, 10, 20, 30, 60, 90, 120, 180, 300)
WAIT_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


def _histogram(
    name: str, doc: str, labels: list[str], queryset, expression, buckets
) -> HistogramMetricFamily:
    """One query: a COUNT per bucket (FILTER / CASE) grouped by the labels, plus the sum."""
    family = HistogramMetricFamily(name, doc, labels=labels)
    aggregates = {
        f"le_{i}": Count("id", filter=Q(_value__lte=timedelta(seconds=b))) for i, b in enumerate(buckets)
    }
    rows = (
        queryset.annotate(_value=ExpressionWrapper(expression, output_field=DurationField()))
        .values(*labels)
        .annotate(_count=Count("id"), _sum=Sum("_value"), **aggregates)
        .order_by(*labels)
    )
    for row in rows:
        cumulative = [(str(float(b)), row[f"le_{i}"]) for i, b in enumerate(buckets)]
        cumulative.append(("+Inf", row["_count"]))
        total = row["_sum"].total_seconds() if row["_sum"] is not None else 0.0
        family.add_metric([row[label] for label in labels], cumulative, total)
    return family


@register
def job_metrics():
    from generation.models import Job, JobStage, JobStatus

    jobs = GaugeMetricFamily(
        "studio_jobs",
        "Jobs in the table by kind, provider and status.",
        labels=["kind", "provider", "status"],
    )
    for job_row in Job.objects.values("kind", "provider", "status").annotate(n=Count("id")).order_by():
        jobs.add_metric([job_row["kind"], job_row["provider"], job_row["status"]], job_row["n"])
    yield jobs

    finished = Job.objects.filter(started_at__isnull=False, finished_at__isnull=False)
    yield _histogram(
        "studio_job_duration_seconds",
        "Run time of finished jobs (started → finished), by kind, provider and status.",
        ["kind", "provider", "status"],
        finished,
        F("finished_at") - F("started_at"),
        DURATION_BUCKETS,
    )
    yield _histogram(
        "studio_job_queue_wait_seconds",
        "Time jobs waited in the queue before they started (created → started).",
        ["kind", "provider"],
        Job.objects.filter(started_at__isnull=False),
        F("started_at") - F("created_at"),
        WAIT_BUCKETS,
    )

    depth = GaugeMetricFamily(
        "studio_queue_depth", "Jobs waiting to start, by kind and provider.", labels=["kind", "provider"]
    )
    waiting = Job.objects.filter(status=JobStatus.QUEUED)
    for queued_row in waiting.values("kind", "provider").annotate(n=Count("id")).order_by():
        depth.add_metric([queued_row["kind"], queued_row["provider"]], queued_row["n"])
    yield depth
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    yield GaugeMetricFamily(
        "studio_queue_oldest_wait_seconds",
        "How long the oldest waiting job has waited.",
        value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
    )

    in_flight = GaugeMetricFamily(
        "studio_jobs_in_flight",
        "Jobs sent to a provider and not finished yet, by provider.",
        labels=["provider"],
    )
    for flight_row in (
        Job.objects.filter(
            status=JobStatus.RUNNING, stage__in=[JobStage.SUBMITTING, JobStage.WAITING, JobStage.FINALIZING]
        )
        .values("provider")
        .annotate(n=Count("id"))
        .order_by()
    ):
        in_flight.add_metric([flight_row["provider"]], flight_row["n"])
    yield in_flight

    errors = CounterMetricFamily(
        "studio_provider_errors",
        "Jobs that ended failed or timed out, by provider and error code.",
        labels=["provider", "code"],
    )
    for failed_row in (
        Job.objects.filter(status__in=[JobStatus.FAILED, JobStatus.TIMED_OUT])
        .values("provider", "error_code")
        .annotate(n=Count("id"))
        .order_by()
    ):
        errors.add_metric([failed_row["provider"], failed_row["error_code"] or "unknown"], failed_row["n"])
    yield errors


@register
def worker_metrics():
    from generation.heartbeat import broker_tasks_waiting, clusters_alive

    yield GaugeMetricFamily(
        "studio_worker_clusters", "Worker clusters with a live heartbeat.", value=len(clusters_alive())
    )
    yield GaugeMetricFamily(
        "studio_broker_tasks_waiting", "django-q2 tasks waiting in the broker.", value=broker_tasks_waiting()
    )


@register
def storage_metrics():
    from gallery.models import Image
    from generation.models import JobInput

    stored = GaugeMetricFamily(
        "studio_storage_bytes", "Bytes of files in storage, by area and state.", labels=["area", "state"]
    )
    images = Image.objects.aggregate(
        active=Sum("size_bytes", filter=Q(deleted_at__isnull=True)),
        trash=Sum("size_bytes", filter=Q(deleted_at__isnull=False)),
    )
    stored.add_metric(["images", "active"], images["active"] or 0)
    stored.add_metric(["images", "trash"], images["trash"] or 0)
    if any(f.name == "thumbnail_bytes" for f in Image._meta.get_fields()):
        thumbs = Image.objects.aggregate(n=Sum("thumbnail_bytes"))["n"]
        stored.add_metric(["thumbnails", "all"], thumbs or 0)
    stored.add_metric(["inputs", "active"], JobInput.objects.aggregate(n=Sum("size_bytes"))["n"] or 0)
    yield stored
    if isinstance(storages["default"], FileSystemStorage):
        try:
            usage = shutil.disk_usage(settings.OUTPUT_DIR)
        except OSError:
            return
        yield GaugeMetricFamily(
            "studio_storage_free_bytes", "Free bytes on the OUTPUT_DIR filesystem.", value=usage.free
        )

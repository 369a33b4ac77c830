"""Timeouts and the reconciler: every job ends because of this, not because of django-q2."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from generation.models import Job, JobKind, JobStage, JobStatus
from generation.services.lifecycle import job_end
from generation.services.queue import enqueue
from generation.services.submit import job_submit_interrupted
from generation.services.transitions import job_stage_change
from generation.services.wakeups import dispatch_request, engine_lease_held

logger = logging.getLogger(__name__)


def jobs_time_out() -> int:
    """End running jobs past JOB_TIMEOUT_SECONDS with a readable message."""
    limit = settings.JOB_TIMEOUT_SECONDS
    # Running jobs, and waiting ones that had started (sent back by a provider outage).
    overdue = Job.objects.filter(
        status__in=[JobStatus.RUNNING, JobStatus.QUEUED],
        started_at__lt=timezone.now() - timedelta(seconds=limit),
    )
    ended = 0
    for job_id, status, state in overdue.values_list("id", "status", "provider_state")[:500]:
        if status == JobStatus.QUEUED or (state or {}).get("unavailable_attempts"):
            message = (
                f"The provider stayed unavailable, so the image could not be started "
                f"within {limit} seconds and the job was stopped. Try again later."
            )
        else:
            message = (
                f"The image was not ready within {limit} seconds, so the job was "
                "stopped. Try again, perhaps with a smaller image or a simpler prompt."
            )
        ended += job_end(
            job_id=job_id,
            target=JobStatus.TIMED_OUT,
            sources=(status,),
            error_code="timeout",
            error_message=message,
        )
    return ended


@dataclass
class ReconcileReport:
    timed_out: int = 0
    resubmitted: int = 0
    resumed: int = 0
    abandoned: int = 0
    awaiting_webhook: int = 0
    refinalized: int = 0


def jobs_reconcile(*, force_dispatch: bool = True) -> ReconcileReport:
    """Repair what lost tasks and dead workers left behind. Runs every minute (and inside
    the engine every 10 s); every job reaches an end because of this, not django-q2."""
    report = ReconcileReport(timed_out=jobs_time_out())
    stale_before = timezone.now() - timedelta(seconds=settings.ENGINE_STAGE_GRACE_SECONDS)
    stale = Job.objects.filter(
        status=JobStatus.RUNNING,
        stage_changed_at__lt=stale_before,
        stage__in=[JobStage.PENDING, JobStage.SUBMITTING, JobStage.FINALIZING],
    )
    engine_alive: bool | None = None
    for job in stale.only("id", "kind", "stage", "provider", "stage_changed_at")[:500]:
        if job.stage == JobStage.PENDING:
            # A live engine picks up pending jobs by itself (pages always: only it writes them);
            # without one, other jobs need their submit task.
            if job_stage_change(job_id=job.id, source=JobStage.PENDING, target=JobStage.PENDING):
                if engine_alive is None:
                    engine_alive = engine_lease_held()
                if job.kind != JobKind.PAGE and not engine_alive:
                    enqueue("generation_job_submit", str(job.id))
                report.resubmitted += 1
        elif job.stage == JobStage.SUBMITTING:
            outcome = job_submit_interrupted(job_id=job.id, kind=job.kind, provider=job.provider)
            if outcome:
                setattr(report, outcome, getattr(report, outcome) + 1)
        elif job.stage == JobStage.FINALIZING:
            enqueue("generation_job_finalize", str(job.id))
            report.refinalized += 1
    if Job.objects.filter(status=JobStatus.QUEUED).exists():
        dispatch_request(force=force_dispatch)
    if any(vars(report).values()):
        logger.info("reconciled", extra={"event": "reconcile", **vars(report)})
    return report

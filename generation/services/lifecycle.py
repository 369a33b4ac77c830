"""Ending jobs: the guarded transition, its log event, and what an end sets in motion
(a freed slot wakes the dispatcher; a provider job we no longer want is canceled)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db import transaction

from generation.models import Job, JobStatus
from generation.services.events import job_event
from generation.services.queue import enqueue
from generation.services.transitions import job_transition
from generation.services.wakeups import dispatch_request

_EVENTS: dict[str, tuple[str, int]] = {
    JobStatus.SUCCEEDED: ("job_complete", logging.INFO),
    JobStatus.FAILED: ("job_error", logging.WARNING),
    JobStatus.CANCELED: ("job_cancel", logging.INFO),
    JobStatus.TIMED_OUT: ("job_timeout", logging.WARNING),
}


def job_end(
    *,
    job_id: UUID,
    target: str,
    sources: Iterable[str] = (JobStatus.RUNNING,),
    error_code: str = "",
    error_message: str = "",
    **fields: Any,
) -> bool:
    """End a job if it is still in one of `sources`. Returns False if it had moved on."""
    with transaction.atomic():
        if not job_transition(
            job_id=job_id,
            sources=sources,
            target=target,
            error_code=error_code,
            error_message=error_message,
            **fields,
        ):
            return False
        job = Job.objects.only(
            "id",
            "user_id",
            "kind",
            "provider",
            "provider_ref",
            "started_at",
            "request_id",
            "finished_at",
            "status",
        ).get(pk=job_id)
        event, level = _EVENTS[target]
        extra: dict[str, Any] = {"error_code": error_code} if error_code else {}
        if job.started_at and job.finished_at:
            extra["duration_ms"] = int((job.finished_at - job.started_at).total_seconds() * 1000)
        transaction.on_commit(lambda: job_event(event, job, level=level, status=target, **extra))
        if job.provider_ref and target in (JobStatus.CANCELED, JobStatus.TIMED_OUT):
            enqueue("generation_job_provider_cancel", str(job.id))
        if job.started_at is not None:
            # A running slot was freed. After commit: the wake-up row is shared by every job,
            # so it must not stay locked for the rest of this transaction.
            transaction.on_commit(dispatch_request)
    return True


def job_fail(*, job_id: UUID, code: str, message: str, sources: Iterable[str] = (JobStatus.RUNNING,)) -> bool:
    return job_end(
        job_id=job_id, target=JobStatus.FAILED, sources=sources, error_code=code, error_message=message
    )

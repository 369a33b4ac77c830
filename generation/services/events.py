"""Structured job events: enqueue → job_start → job_progress → job_complete | job_error |
job_cancel | job_timeout, one JSON line each, always with the job id."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings

from generation.models import Job, JobStage
from generation.services.live import job_progress_publish

if TYPE_CHECKING:
    from generation.services.polling import Due

logger = logging.getLogger("generation.events")

# Last progress logged per job, kept by the process that polls (only one polls at a time;
# losing this on a hand-over costs at most one extra line).
_progress_logged: dict[str, tuple[int, float]] = {}


def job_event(event: str, job: Job | Due, *, level: int = logging.INFO, **extra: Any) -> None:
    if logger.isEnabledFor(level):  # a filtered-out line costs no read of its request id
        _job_event_log(event, job, level, extra)
    if event != "job_progress" and event != "enqueue" and event != "job_start":
        _progress_logged.pop(str(job.id), None)
        _request_ids.pop(str(job.id), None)


def _job_event_log(event: str, job: Job | Due, level: int, extra: dict[str, Any]) -> None:
    context = {
        "event": event,
        "job_id": str(job.id),
        "user_id": job.user_id,
        "kind": job.kind,
        "provider": job.provider,
        "request_id": _request_id_of(job),
        **extra,
    }
    logger.log(level, "%s %s", event, job.id, extra=context)


# The request id of each job this process logs about. Callers pass partial rows (only(), the
# poller's tuples), so a missing id is read once per job and process instead of per event.
_request_ids: dict[str, str] = {}


def _request_id_of(job: Job | Due) -> str:
    if isinstance(job, Job) and "request_id" not in job.get_deferred_fields():
        return job.request_id
    key = str(job.id)
    if key not in _request_ids:
        if len(_request_ids) > 10_000:
            _request_ids.clear()
        _request_ids[key] = Job.objects.filter(pk=job.id).values_list("request_id", flat=True).first() or ""
    return _request_ids[key]


def job_progress_event(job: Job | Due, progress: int) -> None:
    """Publish progress to the job's owner (accounts/events.py coalesces it), and log it when it
    crossed a PROGRESS_LOG_STEP boundary and PROGRESS_LOG_MIN_MS passed."""
    job_progress_publish(
        job_id=job.id, user_id=job.user_id, kind=job.kind, stage=JobStage.WAITING, progress=progress
    )
    key = str(job.id)
    last_progress, last_at = _progress_logged.get(key, (0, 0.0))
    now = time.monotonic()
    step = settings.PROGRESS_LOG_STEP
    if progress // step <= last_progress // step:
        return
    if (now - last_at) * 1000 < settings.PROGRESS_LOG_MIN_MS:
        return
    _progress_logged[key] = (progress, now)
    job_event("job_progress", job, progress=progress)

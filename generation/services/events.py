"""Structured job events: enqueue → job_start → job_progress → job_complete | job_error |
job_cancel | job_timeout, one JSON line each, always with the job id."""

from __future__ import annotations

import logging
import time

from django.conf import settings

logger = logging.getLogger("generation.events")

# Last progress logged per job, kept by the process that polls (only one polls at a time;
# losing this on a hand-over costs at most one extra line).
_progress_logged: dict[str, tuple[int, float]] = {}


def job_event(event: str, job, *, level: int = logging.INFO, **extra) -> None:
    context = {
        "event": event, "job_id": str(job.id), "user_id": job.user_id, "kind": job.kind,
        "provider": job.provider, **extra,
    }
    logger.log(level, "%s %s", event, job.id, extra=context)
    if event != "job_progress" and event != "enqueue" and event != "job_start":
        _progress_logged.pop(str(job.id), None)


def job_progress_event(job, progress: int) -> None:
    """Log progress when it crossed a PROGRESS_LOG_STEP boundary and PROGRESS_LOG_MIN_MS passed."""
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

"""Job changes in the event outbox (accounts/events.py), with the fields the job API shows, so
the web app updates a job without asking for it again. Called inside the transaction of the
change; `job.succeeded` is published by finalize once the result images are stored with it."""

from __future__ import annotations

import logging
import threading
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from accounts.events import event_publish
from gallery.selectors import images_for_jobs
from generation.models import Job, JobStatus
from generation.selectors import job_detail_get, job_list, job_standing

logger = logging.getLogger(__name__)

STATUS_EVENTS: dict[str, str] = {
    JobStatus.RUNNING: "job.started",
    JobStatus.SUCCEEDED: "job.succeeded",
    JobStatus.FAILED: "job.failed",
    JobStatus.CANCELED: "job.canceled",
    JobStatus.TIMED_OUT: "job.timed_out",
}


def job_event_publish(*, job_id: UUID, type: str) -> None:
    """Publish `type` for the job as it is now (read inside the caller's transaction)."""
    user = get_user_model().objects.get(jobs=job_id)
    job = job_detail_get(user=user, job_id=job_id)
    payload = {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "stage": job.stage,
        "progress": 100 if job.status == JobStatus.SUCCEEDED else job.progress,
    }
    if type == "job.created":
        info = job_standing(job=job, user=user)
        payload.update(queue_position=info.queue_position, eta_seconds=info.eta_seconds)
    elif type == "job.started":
        payload["started_at"] = job.started_at
    elif type == "job.translated":
        payload["translation"] = job.translation
    elif type == "job.succeeded":
        payload.update(results=_results(job), finished_at=job.finished_at)
        if job.page_id:
            html_url = reverse("templates_app:page-html", args=[job.page_id])
            payload["page"] = {"id": job.page_id, "html_url": html_url, "blocks": job.page_blocks}
    elif type in ("job.failed", "job.canceled", "job.timed_out"):
        error = {"code": job.error_code, "message": job.error_message} if job.error_code else None
        payload.update(error=error, finished_at=job.finished_at)
    event_publish(user_id=job.user_id, type=type, object_type="job", object_id=str(job.id), payload=payload)


def job_progress_publish(*, job_id: UUID, user_id: int, kind: str, stage: str, progress: int) -> None:
    """Progress from the poller's own row values (no read); coalesced by event_publish."""
    event_publish(
        user_id=user_id,
        type="job.progress",
        object_type="job",
        object_id=str(job_id),
        payload={
            "id": job_id,
            "kind": kind,
            "status": JobStatus.RUNNING,
            "stage": stage,
            "progress": progress,
        },
    )


def _results(job: Job) -> list[dict[str, Any]]:
    return [
        {
            "id": image.id,
            "width": image.width,
            "height": image.height,
            "format": image.format,
            "url": reverse("gallery:image-file", args=[image.id]),
            "thumbnail_url": reverse("gallery:image-thumbnail", args=[image.id]),
        }
        for image in images_for_jobs(job_ids=[job.id]).get(job.id, [])
    ]


# --- queue positions ------------------------------------------------------------------------------

_local = threading.local()  # the providers whose queue moved in this thread's transaction


def queue_moved_soon(*, provider: str) -> None:
    """A job left the queue of `provider`: once this transaction commits, tell every user with
    jobs waiting there their new positions (one event per user, however many jobs moved)."""
    if not hasattr(_local, "providers"):
        _local.providers = set()
    _local.providers.add(provider)
    transaction.on_commit(_queue_moved_flush)


def _queue_moved_flush() -> None:
    # Positions are derived, not stored: they are published just after the commit that moved
    # them, in one transaction for all users. Later calls of the same commit find nothing to do.
    providers: set[str] = getattr(_local, "providers", set())
    _local.providers = set()
    if not providers:
        return
    try:
        with transaction.atomic():
            queue_moved_publish(providers=providers)
    except Exception:  # the change itself is committed; a client refetches on its next event
        logger.exception("queue.moved not published", extra={"event": "queue_moved_failed"})


def queue_moved_publish(*, providers: set[str]) -> None:
    users = get_user_model().objects.filter(
        pk__in=Job.objects.filter(status=JobStatus.QUEUED, provider__in=providers).values("user_id")
    )
    for user in users:
        jobs = []
        for job in job_list(user=user, statuses=[JobStatus.QUEUED]):
            info = job_standing(job=job, user=user)
            jobs.append(
                {"id": job.id, "queue_position": info.queue_position, "eta_seconds": info.eta_seconds}
            )
        event_publish(user_id=user.id, type="queue.moved", object_type="queue", payload={"jobs": jobs})

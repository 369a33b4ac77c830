"""Guarded state changes: one conditional UPDATE per transition ("0 rows" means someone else
moved the job first). Never read, compare in Python, then save."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.channels import channel_wake
from accounts.events import CHANNEL as EVENTS_CHANNEL
from accounts.events import event_publish
from accounts.models import Event
from config.error_codes import error_code
from generation.models import TERMINAL_STATUSES, TRANSITIONS, Job, JobStage, JobStatus
from generation.services.live import STATUS_EVENTS, job_event_publish, queue_moved_soon


class IllegalTransition(Exception):
    pass


def job_transition(*, job_id: UUID, sources: Iterable[str], target: str, **fields: Any) -> bool:
    """Move a job from one of `sources` to `target` atomically; False if it was not there."""
    sources = list(sources)
    for source in sources:
        if target not in TRANSITIONS.get(source, ()):
            raise IllegalTransition(f"{source} → {target} is not a legal job transition")
    if fields.get("error_code"):
        error_code(fields["error_code"])  # an unregistered code fails here, not in a client
    now = timezone.now()
    if target in TERMINAL_STATUSES:
        fields.setdefault("finished_at", now)
        fields.setdefault("stage", JobStage.NONE)
        fields.setdefault("next_check_at", None)
    with transaction.atomic():  # the change and its event commit together
        if Job.objects.filter(pk=job_id, status__in=sources).update(status=target, **fields) != 1:
            return False
        if target != JobStatus.SUCCEEDED:  # published by finalize, with the stored result
            job_event_publish(job_id=job_id, type=STATUS_EVENTS.get(target, "job.stage"))
        if JobStatus.QUEUED in sources:
            queue_moved_soon(provider=Job.objects.values_list("provider", flat=True).get(pk=job_id))
    return True


def job_stage_change(
    *, job_id: UUID, source: str, target: str, job: Job | None = None, **fields: Any
) -> bool:
    """Move a running job between stages atomically (compare-and-set on the stage).

    `job`: the caller's row of this job (its owner, kind and progress), so the `job.stage` event
    is written without reading the job again; without it, one read."""
    with transaction.atomic():
        if (
            Job.objects.filter(pk=job_id, status="running", stage=source).update(
                stage=target, stage_changed_at=timezone.now(), **fields
            )
            != 1
        ):
            return False
        if target != source:  # the same stage again is a re-kick, nothing a user sees
            _stage_event_publish(job_id=job_id, stage=target, job=job)
    return True


def _stage_event_publish(*, job_id: UUID, stage: str, job: Job | None) -> None:
    # The payload job_event_publish gives a running job's `job.stage`, from what is known: the
    # stage was just set, and owner, kind and progress do not change with it.
    if job is None:
        user_id, kind, progress = Job.objects.values_list("user_id", "kind", "progress").get(pk=job_id)
    else:
        user_id, kind, progress = job.user_id, job.kind, job.progress
    payload = {"id": job_id, "kind": kind, "status": JobStatus.RUNNING, "stage": stage, "progress": progress}
    event_publish(
        user_id=user_id, type="job.stage", object_type="job", object_id=str(job_id), payload=payload
    )


def jobs_start(*, jobs: Sequence[Job], now: datetime) -> list[Job]:
    """Claim waiting jobs: queued → running (pending) in one guarded UPDATE, and their
    `job.started` events in one INSERT. Returns those that were still queued (a job canceled
    since it was read is left alone), with `status`, `stage` and `started_at` as stored.

    The caller holds the dispatch lock (jobs_dispatch), so nothing but a move out of the queue
    can race this claim. `jobs` carry id, user_id, kind, started_at and progress."""
    if JobStatus.RUNNING not in TRANSITIONS[JobStatus.QUEUED]:
        raise IllegalTransition("queued → running is not a legal job transition")
    if not jobs:
        return []
    ids = [job.id for job in jobs]
    with transaction.atomic(savepoint=False):  # inside the dispatch's transaction: no savepoint
        updated = Job.objects.filter(pk__in=ids, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING,
            stage=JobStage.PENDING,
            # A job tried again after an outage keeps its first start: its deadline stands.
            started_at=Coalesce(F("started_at"), Value(now)),
            stage_changed_at=now,
            next_check_at=None,
        )
        if updated == len(ids):
            started = list(jobs)
        else:  # only under the dispatch lock does a job become running: these are ours
            ours = set(
                Job.objects.filter(pk__in=ids, status=JobStatus.RUNNING, stage_changed_at=now).values_list(
                    "pk", flat=True
                )
            )
            started = [job for job in jobs if job.id in ours]
        for job in started:
            job.status, job.stage, job.stage_changed_at = JobStatus.RUNNING, JobStage.PENDING, now
            job.started_at = job.started_at or now
            job.next_check_at = None
        # The payload job_event_publish gives `job.started`, for every job in one INSERT.
        Event.objects.bulk_create(
            [
                Event(
                    user_id=job.user_id,
                    type=STATUS_EVENTS[JobStatus.RUNNING],
                    object_type="job",
                    object_id=str(job.id),
                    payload={
                        "id": job.id,
                        "kind": job.kind,
                        "status": job.status,
                        "stage": job.stage,
                        "progress": job.progress,
                        "started_at": job.started_at,
                    },
                )
                for job in started
            ]
        )
        if started:
            channel_wake(EVENTS_CHANNEL)
    return started

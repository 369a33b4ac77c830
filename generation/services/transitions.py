"""Guarded state changes: one conditional UPDATE per transition ("0 rows" means someone else
moved the job first). Never read, compare in Python, then save."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

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


def job_stage_change(*, job_id: UUID, source: str, target: str, **fields: Any) -> bool:
    """Move a running job between stages atomically (compare-and-set on the stage)."""
    with transaction.atomic():
        if (
            Job.objects.filter(pk=job_id, status="running", stage=source).update(
                stage=target, stage_changed_at=timezone.now(), **fields
            )
            != 1
        ):
            return False
        if target != source:  # the same stage again is a re-kick, nothing a user sees
            job_event_publish(job_id=job_id, type="job.stage")
    return True

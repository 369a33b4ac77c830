"""Guarded state changes: one conditional UPDATE per transition ("0 rows" means someone else
moved the job first). Never read, compare in Python, then save."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.utils import timezone

from config.error_codes import error_code
from generation.models import TERMINAL_STATUSES, TRANSITIONS, Job, JobStage


class IllegalTransition(Exception):
    pass


def job_transition(*, job_id: UUID, sources: Iterable[str], target: str, **fields) -> bool:
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
    return Job.objects.filter(pk=job_id, status__in=sources).update(status=target, **fields) == 1


def job_stage_change(*, job_id: UUID, source: str, target: str, **fields) -> bool:
    """Move a running job between stages atomically (compare-and-set on the stage)."""
    return Job.objects.filter(pk=job_id, status="running", stage=source).update(
        stage=target, stage_changed_at=timezone.now(), **fields) == 1

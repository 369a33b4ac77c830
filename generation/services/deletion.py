"""Deleting jobs for good (a superuser's admin action): rows and the input files they own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.db import transaction

from gallery.services import gallery_files_delete
from generation.models import TERMINAL_STATUSES, Job, JobInput


@dataclass
class JobsDeleteResult:
    deleted: list[UUID] = field(default_factory=list)
    kept_active: list[UUID] = field(default_factory=list)  # waiting or running: cancel them first
    files_removed: int = 0


def jobs_delete(*, job_ids: Iterable[UUID]) -> JobsDeleteResult:
    """Delete the finished jobs among `job_ids` with their input rows; their input files are
    removed from storage once the deletion has committed, except files a retry still shares.
    A waiting or running job is kept: a worker may hold it. Result images stay in the gallery
    (they are their owners'), and so do pages."""
    ids = list(dict.fromkeys(job_ids))
    result = JobsDeleteResult()
    with transaction.atomic():
        statuses = dict(Job.objects.select_for_update().filter(pk__in=ids).values_list("id", "status"))
        result.deleted = [job_id for job_id in ids if statuses.get(job_id) in TERMINAL_STATUSES]
        result.kept_active = [
            job_id for job_id in ids if job_id in statuses and statuses[job_id] not in TERMINAL_STATUSES
        ]
        names = set(JobInput.objects.filter(job_id__in=result.deleted).values_list("file", flat=True))
        Job.objects.filter(pk__in=result.deleted).delete()
        shared = set(JobInput.objects.filter(file__in=names).values_list("file", flat=True))
        orphaned = sorted(names - shared)
        result.files_removed = len(orphaned)
        transaction.on_commit(lambda: gallery_files_delete(names=orphaned))
    return result

"""Job input files: how long they are kept, what they weigh, and which stored files they are.

A finished job's input files are removed JOB_INPUT_RETENTION_DAYS after it ended; the job and its
JobInput rows stay (the record of what was sent) and `inputs_expired_at` says the files are gone.
Until then they count toward the owner's storage quota and are referenced for the orphan-file
command; both hooks are registered in gallery.references (the gallery cannot import generation).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gallery.services import gallery_files_delete
from generation.models import Job, JobInput

logger = logging.getLogger(__name__)

_KEPT = Q(job__inputs_expired_at__isnull=True)


def job_inputs_expire(*, older_than: timedelta, batch: int = 500, budget_seconds: float = 20.0) -> int:
    """Expire the inputs of jobs that ended more than `older_than` ago, oldest first, in batches
    until none is left or the budget is spent. Files a kept job still shares (a retry uses its
    original's files) stay. Files are removed once each batch has committed. Returns the jobs."""
    cutoff = timezone.now() - older_than
    deadline = time.monotonic() + budget_seconds
    expired = 0
    while time.monotonic() < deadline:
        with transaction.atomic():
            ids = list(
                Job.objects.select_for_update(skip_locked=True)
                .filter(finished_at__lt=cutoff, inputs_expired_at__isnull=True)
                .order_by("finished_at")
                .values_list("id", flat=True)[:batch]
            )
            if not ids:
                break
            Job.objects.filter(pk__in=ids).update(inputs_expired_at=timezone.now())
            names = set(JobInput.objects.filter(job_id__in=ids).values_list("file", flat=True))
            shared = set(JobInput.objects.filter(_KEPT, file__in=names).values_list("file", flat=True))
            gone = sorted(names - shared)
            transaction.on_commit(partial(gallery_files_delete, names=gone))
        expired += len(ids)
        logger.info(
            "job inputs expired", extra={"event": "job_inputs_expired", "jobs": len(ids), "files": len(gone)}
        )
    return expired


def job_inputs_referenced(names: list[str]) -> set[str]:
    """The names among `names` that a job's kept inputs point at (the orphan-file command)."""
    return set(JobInput.objects.filter(_KEPT, file__in=names).values_list("file", flat=True))


def job_inputs_bytes(owner_ids: list[int]) -> dict[int, int]:
    """Bytes of kept input files per owner; a file a retry shares counts once."""
    used: dict[int, int] = {}
    rows = (
        JobInput.objects.filter(_KEPT, job__user_id__in=owner_ids)
        .values_list("job__user_id", "file", "size_bytes")
        .distinct()
    )
    for owner_id, _name, size in rows:
        used[owner_id] = used.get(owner_id, 0) + size
    return used

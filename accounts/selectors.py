from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class JobLimits:
    max_queued: int
    max_concurrent: int


def user_job_limits(*, user: User) -> JobLimits:
    return JobLimits(
        max_queued=user.max_queued_jobs if user.max_queued_jobs is not None else settings.MAX_PER_USER_QUEUE,
        max_concurrent=user.max_concurrent_jobs
        if user.max_concurrent_jobs is not None
        else settings.MAX_PER_USER_CONCURRENT,
    )

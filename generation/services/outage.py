"""Transient provider outages: a create that surely did not reach the provider (a connect
error, or 429/502/503/504 to every in-request attempt) sends the job back to the queue with
`waiting_reason=provider_unavailable`; it is tried again with backoff until its deadline.

Still exactly one paid call per job: only the submitter, which knows the call was refused,
moves a job from `submitting` back to `queued` (a guarded update); a job whose worker died
mid-call is never sent again (see reconcile). The last outcome per provider is kept in the
database (one row each), so /healthz of every process shows a provider as failing while it is.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from generation.models import TRANSITIONS, EngineLease, Job, JobStage, JobStatus
from generation.providers import ProviderError
from generation.services.events import job_event
from generation.services.live import job_event_publish, queue_moved_soon
from generation.services.transitions import IllegalTransition
from generation.services.wakeups import dispatch_request

logger = logging.getLogger(__name__)

_OUTCOME_PREFIX = "outage:"  # EngineLease.name is 32 characters at most


def _outcome_name(provider: str) -> str:
    return (_OUTCOME_PREFIX + provider)[:32]


def provider_outcome_record(provider: str, *, ok: bool, message: str = "") -> None:
    """Remember how the provider's last create went. A success clears a failure (one UPDATE
    that usually matches nothing); a failure stores its time and a short reason."""
    name = _outcome_name(provider)
    try:
        if ok:
            EngineLease.objects.filter(name=name, requested_at__isnull=False).update(
                requested_at=None, holder=""
            )
            return
        values = {"requested_at": timezone.now(), "holder": message[:64]}
        if not EngineLease.objects.filter(name=name).update(**values):
            EngineLease.objects.update_or_create(name=name, defaults=values)
    except Exception:  # health bookkeeping never fails a job
        logger.warning("could not record the provider outcome", exc_info=True, extra={"provider": provider})


def provider_recent_failure(provider: str) -> tuple[int, str] | None:
    """(seconds ago, reason) when the provider's last create failed within
    PROVIDER_OUTAGE_HEALTH_SECONDS, else None."""
    row = (
        EngineLease.objects.filter(name=_outcome_name(provider), requested_at__isnull=False)
        .values_list("requested_at", "holder")
        .first()
    )
    if row is None or row[0] is None:  # never None: the filter says so
        return None
    ago = (timezone.now() - row[0]).total_seconds()
    if ago > settings.PROVIDER_OUTAGE_HEALTH_SECONDS:
        return None
    return max(0, int(ago)), row[1]


def outage_delay_seconds(attempt: int, retry_after: float | None) -> float:
    """2, 4, 8 … seconds (PROVIDER_OUTAGE_BACKOFF_*), at most the cap; a Retry-After wins when
    it asks for longer, within the cap."""
    cap: float = settings.PROVIDER_OUTAGE_BACKOFF_MAX_SECONDS
    delay: float = min(cap, settings.PROVIDER_OUTAGE_BACKOFF_SECONDS * 2 ** min(attempt, 20))
    delay *= random.uniform(0.8, 1.0)  # jitter: jobs refused together do not retry together
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(cap, delay)


def job_wait_for_provider(*, job_id: UUID, error: ProviderError) -> bool:
    """Send a job whose create was refused back to the queue, due again after a backoff.

    Guarded on `running/submitting`: False when the job moved on meanwhile (canceled)."""
    if JobStatus.QUEUED not in TRANSITIONS[JobStatus.RUNNING]:
        raise IllegalTransition("running → queued is not a legal job transition")
    job = (
        Job.objects.filter(pk=job_id)
        .only("id", "user_id", "kind", "provider", "provider_state", "started_at", "request_id")
        .first()
    )
    if job is None:
        return False
    attempt = int((job.provider_state or {}).get("unavailable_attempts", 0))
    now = timezone.now()
    due = now + timedelta(seconds=outage_delay_seconds(attempt, error.retry_after_seconds))
    if job.started_at is not None:  # never due after the deadline; the time-out ends it there
        due = min(due, job.started_at + timedelta(seconds=settings.JOB_TIMEOUT_SECONDS))
    with transaction.atomic():
        moved = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, stage=JobStage.SUBMITTING).update(
            status=JobStatus.QUEUED,
            stage=JobStage.NONE,
            stage_changed_at=now,
            next_check_at=due,
            provider_ref="",
            provider_state={"unavailable_attempts": attempt + 1},
        )
        if moved:  # back in the queue: its owner sees it waiting (status queued, a position)
            job_event_publish(job_id=job_id, type="job.stage")
            queue_moved_soon(provider=job.provider)
    if not moved:
        return False
    job_event(
        "job_provider_unavailable",
        job,
        level=logging.WARNING,
        error_code=error.code,
        attempt=attempt + 1,
        retry_in_ms=int((due - now).total_seconds() * 1000),
    )
    dispatch_request()  # its running slot is free for another job
    return True


def queued_retries() -> QuerySet[Job]:
    """Waiting jobs that are due again at a set time (sent back by a provider outage)."""
    return Job.objects.filter(status=JobStatus.QUEUED, next_check_at__isnull=False)


def seconds_to_next_retry() -> float | None:
    retries = queued_retries().order_by("next_check_at")
    next_at: datetime | None = retries.values_list("next_check_at", flat=True).first()
    if next_at is None:
        return None
    return max(0.0, (next_at - timezone.now()).total_seconds())


def retries_wake_due(*, since: datetime | None) -> None:
    """Wake the dispatcher when a retry became due after `since` (None: any due one)."""
    now = timezone.now()
    due = queued_retries().filter(next_check_at__lte=now)
    if since is not None:
        due = due.filter(next_check_at__gt=since)
    if due.exists():
        dispatch_request()

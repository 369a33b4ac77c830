"""Creating, canceling and retrying jobs: the writes behind the job API."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from accounts.selectors import user_job_limits
from config.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from config.request_id import current_request_id
from gallery.imaging import PreparedImage, image_prepare_upload
from gallery.selectors import image_get
from gallery.services import gallery_file_store, gallery_files_delete, gallery_quota_check
from generation.models import ACTIVE_STATUSES, Job, JobInput, JobStatus
from generation.providers import get_provider, provider_name_for_kind
from generation.services.events import job_event
from generation.services.lifecycle import job_end
from generation.services.live import job_event_publish
from generation.services.wakeups import dispatch_request

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewInput:
    role: str
    image: PreparedImage


def _fingerprint(kind: str, params: dict[str, Any], inputs: list[tuple[str, str]]) -> str:
    payload = {"kind": kind, "params": params, "inputs": sorted(inputs)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _replay(*, user: User, idempotency_key: str, fingerprint: str) -> Job | None:
    job = Job.objects.filter(user=user, idempotency_key=idempotency_key).first()
    if job is not None and job.request_fingerprint != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used for a different request.", code="idempotency_key_reused"
        )
    return job


@dataclass(frozen=True)
class QueueUsage:
    """A user's active jobs against their limits.

    `max_queued` counts jobs waiting *beyond* the ones running: with a free concurrency place a
    new job starts at once, so it is accepted even when no job may wait (MAX_PER_USER_QUEUE=0).
    Queued jobs take free places first, so a place is free only while queued + running is below
    max_concurrent.
    """

    waiting: int
    running: int
    max_queued: int
    max_concurrent: int

    @property
    def has_free_slot(self) -> bool:
        return self.waiting + self.running < self.max_concurrent

    @property
    def is_full(self) -> bool:
        return not self.has_free_slot and self.waiting >= self.max_queued

    @property
    def figures(self) -> dict[str, int]:
        return {
            "limit": self.max_queued,
            "waiting": self.waiting,
            "running": self.running,
            "max_concurrent": self.max_concurrent,
        }

    @property
    def refusal_message(self) -> str:
        if self.max_queued == 0:
            return (
                f"All {self.max_concurrent} of your running place(s) are taken and no job may wait "
                "(your queue limit is 0). Wait for a job to finish, or cancel one, then try again."
            )
        return (
            f"You already have {self.waiting} job(s) waiting, the most allowed at once "
            f"({self.max_queued}). Wait for one to start, or cancel one, then try again."
        )


def user_queue_usage(*, user: User) -> QueueUsage:
    limits = user_job_limits(user=user)
    counts = Job.objects.filter(user=user, status__in=ACTIVE_STATUSES).aggregate(
        waiting=Count("id", filter=Q(status=JobStatus.QUEUED)),
        running=Count("id", filter=Q(status=JobStatus.RUNNING)),
    )
    return QueueUsage(
        waiting=counts["waiting"],
        running=counts["running"],
        max_queued=limits.max_queued,
        max_concurrent=limits.max_concurrent,
    )


def _after_commit(func: Callable[[], None], what: str) -> Callable[[], None]:
    """A hook for after the job's commit that cannot fail the request: the job is stored, so the
    client must be told so (202); a wake-up that did not happen only waits for the reconciler."""

    def hook() -> None:
        try:
            func()
        except Exception as exc:
            logger.warning(
                "after commit, %s failed (%s); the reconciler will pick the job up",
                what,
                type(exc).__name__,
                extra={"event": "after_commit_failed", "error": type(exc).__name__},
            )

    return hook


def _check_queue_limit(user: User) -> None:
    usage = user_queue_usage(user=user)
    if usage.is_full:
        raise LimitExceeded(usage.refusal_message, code="queue_full", extra=usage.figures)


def job_create(
    *,
    user: User,
    kind: str,
    params: dict[str, Any],
    inputs: list[NewInput],
    idempotency_key: str | None = None,
    retried_from: Job | None = None,
    stored_inputs: list[JobInput] | None = None,
) -> tuple[Job, bool]:
    """Queue a job. Returns (job, created); a replayed Idempotency-Key returns the first job.

    Limits are checked under a lock on the user's row, so two simultaneous requests cannot
    both take the last free place (SQLite serialises writers by itself).
    """
    stored_inputs = stored_inputs or []
    fingerprint = _fingerprint(
        kind, params, [(i.role, i.image.sha256) for i in inputs] + [(i.role, i.sha256) for i in stored_inputs]
    )
    if idempotency_key:
        existing = _replay(user=user, idempotency_key=idempotency_key, fingerprint=fingerprint)
        if existing is not None:
            return existing, False
    provider = provider_name_for_kind(kind)
    get_provider(provider)  # an unknown provider name fails here, before anything is stored
    # Input files are written before the locking transaction: storage I/O (network I/O on S3)
    # never runs under the lock on the user's row. Until the job commits, they are ours to remove.
    written: list[str] = []
    committed = False

    def mark_committed() -> None:
        nonlocal committed
        committed = True

    try:
        if inputs:
            _check_queue_limit(user)  # a request refused anyway writes no file (checked again below)
        rows = []
        for new in inputs:
            name = gallery_file_store(prepared=new.image, folder="inputs")
            written.append(name)
            rows.append(
                JobInput(
                    role=new.role,
                    file=name,
                    width=new.image.width,
                    height=new.image.height,
                    format=new.image.format,
                    size_bytes=len(new.image.data),
                    sha256=new.image.sha256,
                )
            )
        # A retry shares the original's input files (they are never modified).
        rows += [
            JobInput(
                role=old.role,
                file=old.file.name,
                width=old.width,
                height=old.height,
                format=old.format,
                size_bytes=old.size_bytes,
                sha256=old.sha256,
            )
            for old in stored_inputs
        ]
        with transaction.atomic():
            transaction.on_commit(mark_committed)  # first hook: runs before any that could fail
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            _check_queue_limit(user)
            gallery_quota_check(user=user, incoming_bytes=0)  # over quota: no new jobs (409)
            job = Job(
                user=user,
                kind=kind,
                provider=provider,
                params=params,
                idempotency_key=idempotency_key or None,
                request_fingerprint=fingerprint,
                retried_from=retried_from,
                request_id=current_request_id() or "",
            )
            job.save(force_insert=True)
            for row in rows:
                row.job = job
            JobInput.objects.bulk_create(rows)
            job_event_publish(job_id=job.id, type="job.created")
            transaction.on_commit(
                _after_commit(lambda: job_event("enqueue", job, status=job.status), "the enqueue event")
            )
            transaction.on_commit(_after_commit(dispatch_request, "the dispatch wake-up"))
    except IntegrityError:
        if not committed:
            gallery_files_delete(names=written)
        if idempotency_key:  # a simultaneous request with the same key won the insert
            existing = _replay(user=user, idempotency_key=idempotency_key, fingerprint=fingerprint)
            if existing is not None:
                return existing, False
        raise
    except BaseException:
        # Only the rollback of the transaction that created the job frees its files; once it
        # committed, the job owns them, whatever happened afterwards.
        if not committed:
            gallery_files_delete(names=written)
        raise
    return job, True


def job_cancel(*, job: Job, by: str = "user") -> Job:
    """Cancel a waiting or running job; 409 for a finished one."""
    message = "Canceled by an administrator." if by == "admin" else "Canceled by the user."
    if not job_end(
        job_id=job.id,
        target=JobStatus.CANCELED,
        sources=ACTIVE_STATUSES,
        error_code="canceled",
        error_message=message,
    ):
        job.refresh_from_db(fields=["status"])
        raise Conflict(
            f"The job has already finished ({job.status}) and cannot be canceled.", code="job_finished"
        )
    job.refresh_from_db()
    return job


def job_retry(
    *, job: Job, idempotency_key: str | None = None, changes: dict[str, Any] | None = None
) -> tuple[Job, bool]:
    """A new job from the same inputs, linked to the original by retried_from.

    `changes` (already validated by the caller with the creation rules) replace some of the
    parameters. An edit's English prompt is kept only while its prompt stays the same."""
    if not job.is_finished:
        raise Conflict(
            f"Only a finished job can be retried; this one is still {job.status}.", code="job_not_finished"
        )
    if job.inputs_expired_at is not None and job.inputs.exists():
        raise Conflict(
            "This job's input files were removed after the retention period; "
            "start a new job with the images instead.",
            code="job_inputs_expired",
        )
    changes = dict(changes or {})
    params = {**job.params, **changes}
    prompt_changed = "prompt" in changes and changes["prompt"] != job.params.get("prompt")
    if prompt_changed:
        params.pop("prompt_en", None)
    new, created = job_create(
        user=job.user,
        kind=job.kind,
        params=params,
        inputs=[],
        idempotency_key=idempotency_key,
        retried_from=job,
        stored_inputs=list(job.inputs.all()),
    )
    if created and job.translation and "prompt_en" in params:
        # The same prompt: the translation the English prompt came from stays on show.
        Job.objects.filter(pk=new.pk).update(translation=job.translation)
        new.translation = job.translation
    return new, created


@dataclass
class JobsCancelResult:
    changed: list[UUID] = field(default_factory=list)
    unchanged: list[UUID] = field(default_factory=list)  # finished already, or not in `statuses`
    not_found: list[UUID] = field(default_factory=list)  # unknown, or another user's: the same


def jobs_cancel(
    *, user: User, job_ids: Iterable[UUID] | None = None, statuses: Iterable[str] | None = None
) -> JobsCancelResult:
    """Cancel several of the user's jobs: the given ids, or every job in `statuses` (waiting
    and/or running), or the given ids that are in `statuses`. Each goes through job_cancel, so
    a provider job is canceled too; one that finished meanwhile is reported unchanged."""
    wanted = set(statuses or ACTIVE_STATUSES)
    result = JobsCancelResult()
    jobs = Job.objects.filter(user=user).only("id", "status")
    if job_ids is None:
        ids = list(jobs.filter(status__in=wanted).order_by("created_at").values_list("id", flat=True))
    else:
        ids = list(dict.fromkeys(job_ids))
    found = {job.id: job for job in jobs.filter(pk__in=ids)}
    for job_id in ids:
        job = found.get(job_id)
        if job is None:
            result.not_found.append(job_id)
            continue
        if job.status not in wanted:
            result.unchanged.append(job_id)
            continue
        try:
            job_cancel(job=job)
        except Conflict:  # it finished between the read and the cancel
            result.unchanged.append(job_id)
        else:
            result.changed.append(job_id)
    return result


def edit_source_image(
    *,
    user: User,
    upload: PreparedImage | None = None,
    url: str | None = None,
    image_id: UUID | str | None = None,
) -> tuple[PreparedImage, str]:
    """The image an edit starts from: an upload (already validated), a URL fetched safely,
    or one of the user's own gallery images."""
    if upload is not None:
        return upload, "upload"
    if url:
        from gallery.fetch import fetch_image

        return fetch_image(url, field="image_url"), "url"
    try:
        if image_id is None:  # none of the three given: as an unknown id
            raise NotFound("Image not found.")
        image = image_get(user=user, image_id=image_id)
    except NotFound:
        raise InvalidInput(
            "image_id: no image with this id in your gallery.",
            fields={"image_id": ["No image with this id in your gallery."]},
        )
    with image.file.open("rb") as handle:
        return image_prepare_upload(handle, field="image_id"), "gallery"

"""Sending a claimed job to its provider, once; and canceling it there.

Who sends: the engine process (generation/engine/loop.py), as tasks of its asyncio loop, for
every claimed job while it holds its lease (job_submit_begin in its database thread, then the
provider's `asubmit`, then job_submit_end); the django-q2 task `generation_job_submit`
(job_submit) only when no engine is alive. Both go through the pending → submitting
compare-and-set, so a job is sent once whoever tries."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from generation.llm import get_llm
from generation.llm.base import Translation
from generation.models import Job, JobInput, JobKind, JobStage, JobStatus
from generation.providers import (
    Provider,
    ProviderError,
    Submission,
    SubmitRequest,
    get_provider,
)
from generation.providers.base import InputImage
from generation.services.lifecycle import job_fail
from generation.services.live import job_event_publish
from generation.services.outage import job_wait_for_provider, provider_outcome_record
from generation.services.queue import enqueue
from generation.services.transitions import job_stage_change
from generation.services.wakeups import engine_lease_held

logger = logging.getLogger(__name__)


def provider_request(job: Job) -> SubmitRequest:
    def reader(job_input: JobInput) -> Callable[[], bytes]:
        def read() -> bytes:
            with job_input.file.open("rb") as handle:
                data: bytes = handle.read()
                return data

        return read

    inputs = {
        i.role: InputImage(role=i.role, format=i.format, width=i.width, height=i.height, read=reader(i))
        for i in job.inputs.all()
    }
    return SubmitRequest(
        job_id=job.id,
        kind=job.kind,
        params=job.params,
        inputs=inputs,
        webhook_url=_webhook_url(job),
        user_id=job.user_id,
    )


def job_submit(*, job_id: UUID) -> None:
    """Send a claimed job to its provider, once.

    The work before the paid call (an edit's translation by the LLM, seconds long) is done
    while the job is still `pending`: a worker that dies there leaves a job the reconciler sends
    again (a second delivery may translate twice, never submit twice). Only the provider call
    runs in `submitting`, the one stage that is never repeated, so a kill -9 fails few jobs.
    This is the task-process path, used when no engine holds its lease; a live engine sends
    jobs itself (job_submit_begin/_end around the provider's `asubmit`), product pages always.
    """
    begun = job_submit_begin(job_id=job_id, kinds_excluded=(JobKind.PAGE,))
    if begun is None:
        return
    job, provider = begun
    try:
        outcome: Submission | BaseException = provider.submit(provider_request(job))  # no transaction
    except Exception as exc:
        outcome = exc
    job_submit_end(job=job, outcome=outcome)


def job_submit_begin(*, job_id: UUID, kinds_excluded: Iterable[str] = ()) -> tuple[Job, Provider] | None:
    """Prepare a claimed job and move it pending → submitting: the job and its provider when
    the caller now owns the one paid call, None when there is nothing to send."""
    job = (
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, stage=JobStage.PENDING)
        .exclude(kind__in=list(kinds_excluded))
        .first()
    )
    if job is None:
        return None  # a second delivery, the job ended meanwhile, or the engine's to write
    try:
        provider = get_provider(job.provider)
        provider.check_configured()
        _prepare(job)
    except Exception as exc:
        job_prepare_failed(job_id=job_id, error=exc)
        return None
    if not job_stage_change(job_id=job_id, source=JobStage.PENDING, target=JobStage.SUBMITTING, job=job):
        return None  # another delivery claimed it first, or the job ended meanwhile
    return job, provider


def job_submit_end(*, job: Job, outcome: Submission | BaseException) -> None:
    """Record what the provider call gave: its reference, or the failure."""
    job_id = job.id
    if isinstance(outcome, ProviderError):
        if not outcome.permanent:
            provider_outcome_record(job.provider, ok=False, message=outcome.message)
        if not outcome.permanent and outcome.not_sent:
            # Surely not processed (refused or never connected): the job waits and is sent
            # again later, still one paid call. Anything that may have reached it ends here.
            job_wait_for_provider(job_id=job_id, error=outcome)
            return
        job_fail(job_id=job_id, code=outcome.code, message=outcome.message)
        return
    if isinstance(outcome, BaseException):
        logger.error("provider submit crashed", exc_info=outcome, extra={"job_id": str(job_id)})
        job_fail(
            job_id=job_id,
            code="provider_error",
            message="The provider could not be reached; the job was not started.",
        )
        return
    # The reference and the move to `waiting` in one statement: a process killed in between
    # would leave a job `submitting` with a reference, which the reconciler would take for a
    # call that never answered. The engine polls the job once it is due (next_check_at).
    now = timezone.now()
    stored = job_stage_change(
        job_id=job_id,
        source=JobStage.SUBMITTING,
        target=JobStage.WAITING,
        job=job,
        next_check_at=now + timedelta(seconds=outcome.poll_after_seconds),
        provider_ref=outcome.ref,
        provider_state=outcome.state,
    )
    provider_outcome_record(job.provider, ok=True)
    # Ended during the call (canceled, timed out): still record what must be canceled at the
    # provider, keyed by id only. A job whose webhook arrived first already holds its reference
    # (and moved on with it): nothing to record, nothing to cancel.
    if not stored and Job.objects.filter(pk=job_id, provider_ref="").update(
        provider_ref=outcome.ref, provider_state=outcome.state
    ):
        job.refresh_from_db(fields=["status"])
        if job.is_finished:
            job_provider_cancel(job_id=job_id)


def job_submit_interrupted(*, job_id: UUID, kind: str, provider: str) -> str | None:
    """A job left `submitting` by a process that stopped mid-call: sent again where that costs
    nothing ("resubmitted"), otherwise failed, never paid for twice ("abandoned"). None if the
    job had moved on. A job whose reference was stored is waiting on the provider already
    ("resumed"): it is polled, never sent again. A job whose submit carried a webhook naming it
    is left `submitting` for WEBHOOK_RECOVERY_SECONDS ("awaiting_webhook"): the provider's
    callback stores the reference and the result (job_apply_provider_update); after that it
    fails like any other."""
    row = (
        Job.objects.filter(pk=job_id, stage=JobStage.SUBMITTING)
        .values("provider_ref", "stage_changed_at")
        .first()
    )
    has_reference = row is not None and bool(row["provider_ref"])
    if has_reference and job_stage_change(
        job_id=job_id, source=JobStage.SUBMITTING, target=JobStage.WAITING, next_check_at=timezone.now()
    ):
        return "resumed"
    if _provider_resubmit_is_safe(provider):
        if not job_stage_change(job_id=job_id, source=JobStage.SUBMITTING, target=JobStage.PENDING):
            return None
        # A live engine picks up pending jobs by itself (pages always: only it writes them).
        if kind != JobKind.PAGE and not engine_lease_held():
            enqueue("generation_job_submit", str(job_id))
        return "resubmitted"
    changed_at = row["stage_changed_at"] if row is not None else None
    recent = changed_at is not None and changed_at > timezone.now() - timedelta(
        seconds=settings.WEBHOOK_RECOVERY_SECONDS
    )
    if recent and job_submit_carries_webhook(provider):
        return "awaiting_webhook"  # the provider's callback names the job: it may yet come
    if job_fail(
        job_id=job_id,
        code="submit_interrupted",
        message="The worker stopped while sending this job to the provider. "
        "It was not sent again, to avoid paying twice; retry it.",
    ):
        return "abandoned"
    return None


def job_submit_hand_back(*, job_id: UUID) -> bool:
    """A job moved to `submitting` whose provider call was never started (its engine stopped
    in between): back to `pending`, to be sent by whoever picks it up; nothing was paid."""
    return job_stage_change(job_id=job_id, source=JobStage.SUBMITTING, target=JobStage.PENDING)


def _provider_resubmit_is_safe(name: str) -> bool:
    try:
        return get_provider(name).resubmit_is_safe
    except ProviderError:
        return False


def job_prepare_failed(*, job_id: UUID, error: BaseException) -> None:
    """A claimed job that could not be prepared for its provider (not configured, the edit's
    translation failed) ends failed, never sent."""
    if isinstance(error, ProviderError):
        job_fail(job_id=job_id, code=error.code, message=error.message)
        return
    logger.error("job preparation crashed", exc_info=error, extra={"job_id": str(job_id)})
    job_fail(
        job_id=job_id,
        code="internal_error",
        message="The job could not be prepared because of an internal error.",
    )


def job_translation_pending(*, job_id: UUID) -> str | None:
    """The prompt of a claimed edit still to be translated, None when there is nothing to do
    (the engine translates it in a thread of its own before job_submit_begin, which then finds
    the translation stored)."""
    params = (
        Job.objects.filter(pk=job_id, kind=JobKind.EDIT, status=JobStatus.RUNNING, stage=JobStage.PENDING)
        .values_list("params", flat=True)
        .first()
    )
    if params is None or "prompt_en" in params:
        return None
    prompt: str = params["prompt"]
    return prompt


def edit_translate(prompt: str) -> Translation:
    """The LLM's English for an edit prompt (seconds long, blocking: run it in a thread)."""
    return get_llm().translate_to_english(prompt)


def job_translation_store(*, job_id: UUID, translation: Translation) -> None:
    job = Job.objects.filter(pk=job_id, stage=JobStage.PENDING).only("id", "params").first()
    if job is not None:
        _translation_store(job, translation)


def _prepare(job: Job) -> None:
    """Work a job needs before its provider call: an edit prompt in any language is translated
    to English by the LLM first, and the translation is kept on the job."""
    if job.kind != JobKind.EDIT or "prompt_en" in job.params:
        return
    _translation_store(job, edit_translate(job.params["prompt"]))


def _translation_store(job: Job, translation: Translation) -> None:
    job.params = {**job.params, "prompt_en": translation.text}
    job.translation = {
        "source_language": translation.source_language,
        "text": translation.text,
        "translated": translation.translated,
        "note": translation.note,
        "model": translation.model,
    }
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(params=job.params, translation=job.translation)
        job_event_publish(job_id=job.pk, type="job.translated")


def _webhook_url(job: Job) -> str | None:
    """Our callback for this job's provider, naming the job (`?job=<id>`): a submit whose answer
    was lost (its process killed mid-call) is still matched to its job when the result comes."""
    path = _WEBHOOK_PATHS.get(job.provider)
    if not settings.PUBLIC_BASE_URL or path is None:
        return None
    return f"{settings.PUBLIC_BASE_URL}{path}?job={job.id}"


def job_submit_carries_webhook(provider: str) -> bool:
    """Whether a submit to this provider now asks for a callback (BFL only with its secret)."""
    if not settings.PUBLIC_BASE_URL or provider not in _WEBHOOK_PATHS:
        return False
    return provider != "bfl" or bool(settings.BFL_WEBHOOK_SECRET)


_WEBHOOK_PATHS = {"replicate": "/api/v1/webhooks/replicate", "bfl": "/api/v1/webhooks/bfl"}


def job_provider_cancel(*, job_id: UUID) -> None:
    job = Job.objects.filter(pk=job_id).only("provider", "provider_ref", "provider_state").first()
    if job is None or not job.provider_ref:
        return
    try:
        get_provider(job.provider).cancel(job.provider_ref, job.provider_state)
    except ProviderError as exc:
        logger.warning("provider cancel failed: %s", exc.message, extra={"job_id": str(job_id)})

"""Sending a claimed job to its provider, once; and canceling it there."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from generation.llm import get_llm
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
    Product pages are written by the engine process instead (job_submit_begin/_end around
    the provider's async submit).
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
    except ProviderError as exc:
        job_fail(job_id=job_id, code=exc.code, message=exc.message)
        return None
    except Exception:
        logger.exception("job preparation crashed", extra={"job_id": str(job_id)})
        job_fail(
            job_id=job_id,
            code="internal_error",
            message="The job could not be prepared because of an internal error.",
        )
        return None
    if not job_stage_change(job_id=job_id, source=JobStage.PENDING, target=JobStage.SUBMITTING):
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
        next_check_at=now + timedelta(seconds=outcome.poll_after_seconds),
        provider_ref=outcome.ref,
        provider_state=outcome.state,
    )
    provider_outcome_record(job.provider, ok=True)
    if not stored:
        # Ended during the call (canceled, timed out): still record what must be canceled at
        # the provider, keyed by id only.
        Job.objects.filter(pk=job_id).update(provider_ref=outcome.ref, provider_state=outcome.state)
        job.refresh_from_db(fields=["status"])
        if job.is_finished:
            job_provider_cancel(job_id=job_id)


def job_submit_interrupted(*, job_id: UUID, kind: str, provider: str) -> str | None:
    """A job left `submitting` by a process that stopped mid-call: sent again where that costs
    nothing ("resubmitted"), otherwise failed, never paid for twice ("abandoned"). None if the
    job had moved on. A job whose reference was stored is waiting on the provider already
    ("resumed"): it is polled, never sent again."""
    has_reference = Job.objects.filter(pk=job_id, stage=JobStage.SUBMITTING).exclude(provider_ref="").exists()
    if has_reference and job_stage_change(
        job_id=job_id, source=JobStage.SUBMITTING, target=JobStage.WAITING, next_check_at=timezone.now()
    ):
        return "resumed"
    if _provider_resubmit_is_safe(provider):
        if not job_stage_change(job_id=job_id, source=JobStage.SUBMITTING, target=JobStage.PENDING):
            return None
        if kind != JobKind.PAGE:  # the engine picks up pending pages by itself
            enqueue("generation_job_submit", str(job_id))
        return "resubmitted"
    if job_fail(
        job_id=job_id,
        code="submit_interrupted",
        message="The worker stopped while sending this job to the provider. "
        "It was not sent again, to avoid paying twice; retry it.",
    ):
        return "abandoned"
    return None


def _provider_resubmit_is_safe(name: str) -> bool:
    try:
        return get_provider(name).resubmit_is_safe
    except ProviderError:
        return False


def _prepare(job: Job) -> None:
    """Work a job needs before its provider call: an edit prompt in any language is translated
    to English by the LLM first, and the translation is kept on the job."""
    if job.kind != JobKind.EDIT or "prompt_en" in job.params:
        return
    translation = get_llm().translate_to_english(job.params["prompt"])
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
    path = _WEBHOOK_PATHS.get(job.provider)
    if not settings.PUBLIC_BASE_URL or path is None:
        return None
    return settings.PUBLIC_BASE_URL + path


_WEBHOOK_PATHS = {"replicate": "/api/v1/webhooks/replicate", "bfl": "/api/v1/webhooks/bfl"}


def job_provider_cancel(*, job_id: UUID) -> None:
    job = Job.objects.filter(pk=job_id).only("provider", "provider_ref", "provider_state").first()
    if job is None or not job.provider_ref:
        return
    try:
        get_provider(job.provider).cancel(job.provider_ref, job.provider_state)
    except ProviderError as exc:
        logger.warning("provider cancel failed: %s", exc.message, extra={"job_id": str(job_id)})

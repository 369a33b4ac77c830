"""Sending a claimed job to its provider, once; and canceling it there."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from generation.llm import get_llm
from generation.models import Job, JobInput, JobKind, JobStage, JobStatus
from generation.providers import (
    ProviderError,
    SubmitRequest,
    get_provider,
)
from generation.providers.base import InputImage
from generation.services.lifecycle import job_fail
from generation.services.outage import job_wait_for_provider, provider_outcome_record
from generation.services.transitions import job_stage_change
from generation.services.wakeups import (
    poller_request,
)

logger = logging.getLogger(__name__)

def provider_request(job: Job) -> SubmitRequest:
    def reader(job_input: JobInput):
        def read() -> bytes:
            with job_input.file.open("rb") as handle:
                return handle.read()

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
    """
    job = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, stage=JobStage.PENDING).first()
    if job is None:
        return  # a second delivery, or the job ended meanwhile
    try:
        provider = get_provider(job.provider)
        provider.check_configured()
        _prepare(job)
    except ProviderError as exc:
        job_fail(job_id=job_id, code=exc.code, message=exc.message)
        return
    except Exception:
        logger.exception("job preparation crashed", extra={"job_id": str(job_id)})
        job_fail(job_id=job_id, code="internal_error",
                 message="The job could not be prepared because of an internal error.")
        return
    if not job_stage_change(job_id=job_id, source=JobStage.PENDING, target=JobStage.SUBMITTING):
        return  # another delivery claimed it first, or the job ended meanwhile
    try:
        submission = provider.submit(provider_request(job))  # outside any transaction
    except ProviderError as exc:
        if not exc.permanent:
            provider_outcome_record(job.provider, ok=False, message=exc.message)
        if not exc.permanent and exc.not_sent:
            # Surely not processed (refused or never connected): the job waits and is sent
            # again later, still one paid call. Anything that may have reached it ends here.
            job_wait_for_provider(job_id=job_id, error=exc)
            return
        job_fail(job_id=job_id, code=exc.code, message=exc.message)
        return
    except Exception:
        logger.exception("provider submit crashed", extra={"job_id": str(job_id)})
        job_fail(
            job_id=job_id,
            code="provider_error",
            message="The provider could not be reached; the job was not started.",
        )
        return
    # Store the reference before anything else can wait on it; keyed by id only, so a job
    # canceled during the call still records what must be canceled at the provider.
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(provider_ref=submission.ref, provider_state=submission.state)
    provider_outcome_record(job.provider, ok=True)
    if job_stage_change(
        job_id=job_id,
        source=JobStage.SUBMITTING,
        target=JobStage.WAITING,
        next_check_at=now + timedelta(seconds=submission.poll_after_seconds),
    ):
        poller_request()
    else:
        job.refresh_from_db(fields=["status"])
        if job.is_finished:
            job_provider_cancel(job_id=job_id)


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
    Job.objects.filter(pk=job.pk).update(params=job.params, translation=job.translation)


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

"""Storing a provider's result in the gallery and marking the job succeeded, once."""

from __future__ import annotations

import logging
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from config.errors import InvalidInput
from gallery.imaging import image_prepare_output
from gallery.services import gallery_file_store, gallery_files_delete, image_create
from generation.models import Job, JobStage, JobStatus
from generation.providers import (
    ProviderError,
    get_provider,
)
from generation.services.lifecycle import job_end, job_fail
from generation.services.live import job_event_publish
from generation.services.submit import provider_request

logger = logging.getLogger(__name__)


def job_finalize(*, job_id: UUID) -> None:
    """Fetch the provider's output, store it in the gallery, and mark the job succeeded."""
    job = Job.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status != JobStatus.RUNNING or job.stage != JobStage.FINALIZING:
        return
    # Claim by bumping the stage timestamp: a duplicate delivery or a reconciler re-kick that
    # read the old value does nothing.
    if not Job.objects.filter(
        pk=job_id, stage=JobStage.FINALIZING, stage_changed_at=job.stage_changed_at
    ).update(stage_changed_at=timezone.now()):
        return
    try:
        outputs = get_provider(job.provider).fetch_outputs(provider_request(job), job.provider_state)
        if not outputs and get_provider(job.provider).produces_images:
            raise ProviderError("The provider answered without an image.", code="provider_bad_response")
        fmt = "jpeg" if job.params.get("output_format") == "jpg" else "png"
        prepared = [image_prepare_output(output.data, fmt=fmt) for output in outputs]
    except ProviderError as exc:
        if exc.permanent:
            job_fail(job_id=job_id, code=exc.code, message=exc.message)
        return  # transient: the reconciler re-kicks finalize after the grace period
    except InvalidInput as exc:  # the provider's answer is not an image we can read
        logger.warning("unreadable provider output: %s", exc.message, extra={"job_id": str(job_id)})
        job_fail(
            job_id=job_id,
            code="provider_bad_response",
            message="The provider's result could not be read as an image.",
        )
        return
    except Exception:
        logger.exception("finalize crashed", extra={"job_id": str(job_id)})
        job_fail(
            job_id=job_id,
            code="internal_error",
            message="The result could not be stored because of an internal error.",
        )
        return
    names = [gallery_file_store(prepared=p, folder="images") for p in prepared]
    try:
        with transaction.atomic():
            if not job_end(job_id=job_id, target=JobStatus.SUCCEEDED, progress=100):
                raise _Abandon
            for position, (item, name) in enumerate(zip(prepared, names, strict=True)):
                image_create(
                    owner=job.user,
                    prepared=item,
                    source=job.kind,
                    prompt=job.params.get("prompt", ""),
                    job_id=job.id,
                    position=position,
                    file_name=name,
                )
            job_event_publish(job_id=job_id, type="job.succeeded")
    except _Abandon:
        gallery_files_delete(names=names)  # canceled or timed out while we worked
    except BaseException:
        gallery_files_delete(names=names)
        raise


class _Abandon(Exception):
    pass

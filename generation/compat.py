"""The seed services' endpoints, kept so their React frontends keep working (ADR-003: the
image bytes are the answer). Each runs a normal job for the caller and waits for it up to
JOB_TIMEOUT_SECONDS. Deprecated in favour of the job API."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import error_body
from gallery.selectors import images_for_jobs
from generation.apis import ImageUploadField, JobGoodsCreateApi, JobPplCreateApi
from generation.models import JobKind, JobStatus
from generation.selectors import job_wait
from generation.services.jobs import NewInput, job_create

TIMEOUT_MESSAGE = "이미지 생성 시간이 초과되었습니다"  # the seed frontend shows this text as is
_FAILURE_STATUS = {"moderated": 422, "provider_auth": 502, "provider_credits": 502,
                   "provider_not_configured": 503, "canceled": 409}


def _answer_when_done(job) -> FileResponse | Response:
    job = job_wait(job_id=job.id, timeout_seconds=settings.SEED_ENDPOINT_WAIT_SECONDS)
    if job.status == JobStatus.SUCCEEDED:
        image = images_for_jobs(job_ids=[job.id])[job.id][0]
        return FileResponse(image.file.open("rb"), content_type=image.content_type,
                            filename=f"{job.kind}-{job.id}.{image.extension}")
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.TIMED_OUT):
        return Response(error_body("timeout", TIMEOUT_MESSAGE, {"job_id": [str(job.id)]}), status=504)
    return Response(error_body(job.error_code or "failed", job.error_message or "The job failed."),
                    status=_FAILURE_STATUS.get(job.error_code, 502))


class SeedPplGenerateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": JobPplCreateApi.InputSerializer}, deprecated=True,
                   responses={(200, "image/*"): OpenApiTypes.BINARY}, operation_id="seed_ppl_generate",
                   description="Deprecated: use POST /api/v1/jobs/ppl and poll the job.")
    def post(self, request):
        data = JobPplCreateApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        inputs = [NewInput(role=r, image=values.pop(r)) for r in ("input_image_1", "input_image_2")]
        job, _ = job_create(user=request.user, kind=JobKind.PPL, params=values, inputs=inputs)
        return _answer_when_done(job)


class SeedGoodsGenerateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(JobGoodsCreateApi.InputSerializer):
        character_image = None
        image = ImageUploadField(help_text="The character (PNG, JPEG or WebP, ≤ 5 MB).")

    @extend_schema(request={"multipart/form-data": InputSerializer}, deprecated=True,
                   responses={(200, "image/*"): OpenApiTypes.BINARY}, operation_id="seed_goods_generate",
                   description="Deprecated: use POST /api/v1/jobs/goods and poll the job.")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        inputs = [NewInput(role="character_image", image=values.pop("image"))]
        job, _ = job_create(user=request.user, kind=JobKind.GOODS, params=values, inputs=inputs)
        return _answer_when_done(job)



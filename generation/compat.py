"""The seed services' endpoints, kept so their React frontends keep working (ADR-003: the
image bytes are the answer). Each runs a normal job for the caller and waits for it up to
SEED_ENDPOINT_WAIT_SECONDS (JOB_TIMEOUT_SECONDS + 10 by default), polling its row. Deprecated in
favour of the job API."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.error_codes import ErrorCode, error_code
from config.errors import error_body, localized_message
from config.slow import SEED, slow_request
from gallery.selectors import images_for_jobs
from gallery.services import image_add
from generation.apis import ImageUploadField, JobGoodsCreateApi, JobPplCreateApi, JobProductPageCreateApi
from generation.models import Job, JobKind, JobStatus
from generation.selectors import job_wait
from generation.services.jobs import NewInput, edit_source_image, job_create
from templates_app.selectors import page_get, page_template_ids_resolve

TIMEOUT_MESSAGE = "이미지 생성 시간이 초과되었습니다"  # the seed frontend shows this text as is
# A failed job is answered with its code and, for these codes, the code's own status (from the
# registry); any other failure with the status of `failed` (502), as the seed services answered.
_OWN_STATUS = frozenset(
    {
        ErrorCode.MODERATED,
        ErrorCode.PROVIDER_AUTH,
        ErrorCode.PROVIDER_CREDITS,
        ErrorCode.PROVIDER_NOT_CONFIGURED,
        ErrorCode.CANCELED,
    }
)


def _answer_when_done(job: Job) -> FileResponse | Response:
    job = job_wait(job_id=job.id, timeout_seconds=settings.SEED_ENDPOINT_WAIT_SECONDS)
    if job.status == JobStatus.SUCCEEDED:
        image = images_for_jobs(job_ids=[job.id])[job.id][0]
        return FileResponse(
            image.file.open("rb"),
            content_type=image.content_type,
            filename=f"{job.kind}-{job.id}.{image.extension}",
        )
    return _unfinished(job)


class SeedPplGenerateApi(APIView):
    throttle_scope = "jobs"  # config/throttles.py
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": JobPplCreateApi.InputSerializer},
        deprecated=True,
        responses={(200, "image/*"): OpenApiTypes.BINARY},
        operation_id="seed_ppl_generate",
        description="Deprecated: use POST /api/v1/jobs/ppl and poll the job.",
    )
    def post(self, request):
        data = JobPplCreateApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        inputs = [NewInput(role=r, image=values.pop(r)) for r in ("input_image_1", "input_image_2")]
        with slow_request(SEED, user_id=request.user.id):  # before the job: a refusal costs nothing
            job, _ = job_create(user=request.user, kind=JobKind.PPL, params=values, inputs=inputs)
            return _answer_when_done(job)


class SeedGoodsGenerateApi(APIView):
    throttle_scope = "jobs"  # config/throttles.py
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="SeedGoodsGenerateRequest")
    class InputSerializer(JobGoodsCreateApi.InputSerializer):
        character_image = None  # type: ignore[assignment]  # DRF: None removes the parent's field
        image = ImageUploadField(help_text="The character (PNG, JPEG or WebP, ≤ 5 MB).")

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        deprecated=True,
        responses={(200, "image/*"): OpenApiTypes.BINARY},
        operation_id="seed_goods_generate",
        description="Deprecated: use POST /api/v1/jobs/goods and poll the job.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        inputs = [NewInput(role="character_image", image=values.pop("image"))]
        with slow_request(SEED, user_id=request.user.id):
            job, _ = job_create(user=request.user, kind=JobKind.GOODS, params=values, inputs=inputs)
            return _answer_when_done(job)


# --- seed 003 (product details service) ----------------------------------------------------------


class _SeedSerializer(serializers.Serializer):
    """Seed 003's frontend sent camelCase in places; both spellings are accepted."""

    aliases: dict[str, str] = {}

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):  # a JSON scalar or list: DRF's own "expected an object"
            return super().to_internal_value(data)
        data = dict(data.items())
        for alias, name in self.aliases.items():
            if alias in data and name not in data:
                data[name] = data.pop(alias)
        return super().to_internal_value(data)


class SeedDisplayListApi(APIView):
    throttle_scope = "jobs"  # config/throttles.py

    @extend_schema_serializer(component_name="SeedDisplayListRequest")
    class InputSerializer(_SeedSerializer, JobProductPageCreateApi.InputSerializer):
        aliases = {
            "productInfo": "product_info",
            "productName": "product_name",
            "templateSetId": "template_set_id",
            "templateIds": "template_ids",
            "categoryId": "category_id",
        }

    @extend_schema(
        request=InputSerializer,
        deprecated=True,
        operation_id="seed_display_list",
        responses={
            200: inline_serializer(
                "SeedDisplayList",
                {
                    "html": serializers.CharField(),
                    "page_id": serializers.UUIDField(),
                    "job_id": serializers.UUIDField(),
                },
            )
        },
        description="Deprecated: use POST /api/v1/jobs/product-page and poll the job.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["template_ids"] = page_template_ids_resolve(
            template_set_id=values.get("template_set_id"),
            template_ids=values.get("template_ids"),
            category_id=values.get("category_id"),
        )
        with slow_request(SEED, user_id=request.user.id):
            job, _ = job_create(user=request.user, kind=JobKind.PAGE, params=values, inputs=[])
            job = job_wait(job_id=job.id, timeout_seconds=settings.SEED_ENDPOINT_WAIT_SECONDS)
        if job.status != JobStatus.SUCCEEDED:
            return _unfinished(job)
        page = page_get(user=request.user, page_id=job.provider_state["page_id"])
        return Response({"html": page.html, "page_id": page.id, "job_id": job.id})


class SeedImageEditApi(APIView):
    throttle_scope = "jobs"  # config/throttles.py

    @extend_schema_serializer(component_name="SeedImageEditRequest")
    class InputSerializer(_SeedSerializer):
        aliases = {"imageUrl": "image_url"}
        image_url = serializers.URLField(max_length=2000)
        prompt = serializers.CharField(max_length=2000)

    @extend_schema(
        request=InputSerializer,
        deprecated=True,
        operation_id="seed_image_edit",
        responses={
            200: inline_serializer(
                "SeedImageEdit",
                {
                    "image_url": serializers.URLField(),
                    "image_id": serializers.UUIDField(),
                    "job_id": serializers.UUIDField(),
                },
            )
        },
        description="Deprecated: use POST /api/v1/jobs/edit and poll the job.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with slow_request(SEED, user_id=request.user.id):
            image, source = edit_source_image(user=request.user, url=data.validated_data["image_url"])
            job, _ = job_create(
                user=request.user,
                kind=JobKind.EDIT,
                inputs=[NewInput(role="image", image=image)],
                params={
                    "prompt": data.validated_data["prompt"],
                    "aspect_ratio": "match_input_image",
                    "output_format": "png",
                    "source": source,
                },
            )
            job = job_wait(job_id=job.id, timeout_seconds=settings.SEED_ENDPOINT_WAIT_SECONDS)
        if job.status != JobStatus.SUCCEEDED:
            return _unfinished(job)
        result = images_for_jobs(job_ids=[job.id])[job.id][0]
        return Response(
            {
                "image_url": request.build_absolute_uri(reverse("gallery:image-file", args=[result.id])),
                "image_id": result.id,
                "job_id": job.id,
            }
        )


class SeedUploadImageApi(APIView):
    throttle_scope = "imports"  # config/throttles.py (it fetches a URL)

    @extend_schema_serializer(component_name="SeedUploadImageRequest")
    class InputSerializer(_SeedSerializer):
        aliases = {"imageUrl": "url", "image_url": "url"}
        url = serializers.URLField(max_length=2000)

    @extend_schema(
        request=InputSerializer,
        deprecated=True,
        operation_id="seed_upload_image",
        responses={
            201: inline_serializer(
                "SeedUploadImage",
                {
                    "id": serializers.UUIDField(),
                    "url": serializers.URLField(),
                    "width": serializers.IntegerField(),
                    "height": serializers.IntegerField(),
                },
            )
        },
        description="Deprecated: use POST /api/v1/images/import.",
    )
    def post(self, request):
        from gallery.fetch import fetch_image

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = image_add(
            owner=request.user, prepared=fetch_image(data.validated_data["url"], field="url"), source="import"
        )
        return Response(
            {
                "id": image.id,
                "width": image.width,
                "height": image.height,
                "url": request.build_absolute_uri(reverse("gallery:image-file", args=[image.id])),
            },
            status=201,
        )


class SeedServiceApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(deprecated=True, operation_id="seed_service", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"service": "PPL Studio generation", "status": "running"})


class SeedActuatorHealthApi(APIView):
    """Spring-actuator style health for seed 003's probes: UP (200) or DOWN (503)."""

    permission_classes = [AllowAny]

    @extend_schema(
        deprecated=True,
        operation_id="seed_actuator_health",
        responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        from config.health import health_report

        report = health_report()
        components = {c.name: {"status": "DOWN" if c.status == "fail" else "UP"} for c in report.checks}
        return Response(
            {"status": "UP" if report.is_healthy else "DOWN", "components": components},
            status=200 if report.is_healthy else 503,
        )


def deprecated_alias(view: type[APIView]) -> type[APIView]:
    """The same view under a seed path, marked deprecated in the schema (seed 003's frontend
    called the catalogue at /api/templates, /api/categories and /api/template-sets)."""
    methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]
    doc = "Deprecated: seed 003's path for the same operation under /api/v1/."
    alias = type(f"Seed{view.__name__}", (view,), {"__doc__": doc})
    return extend_schema_view(**{m: extend_schema(deprecated=True) for m in methods})(alias)


def _unfinished(job: Job) -> Response:
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.TIMED_OUT):
        timeout = ErrorCode.TIMEOUT
        return Response(
            error_body(timeout, TIMEOUT_MESSAGE, {"job_id": [str(job.id)]}), status=timeout.status
        )
    code = error_code(job.error_code) if job.error_code else ErrorCode.FAILED
    return Response(
        error_body(code, localized_message(code, job.error_message or "The job failed.")),
        status=code.status if code in _OWN_STATUS else ErrorCode.FAILED.status,
    )

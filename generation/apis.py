"""The job API: thin views that validate, call one service or selector, and serialize."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import InvalidInput
from config.pagination import PageParamsSerializer, paginate_newest_first
from gallery.imaging import image_prepare_upload
from gallery.selectors import images_for_jobs
from generation.constants import (
    ASPECT_RATIOS,
    GOODS_TYPES,
    OUTPUT_FORMATS,
    PROMPT_MAX_CHARS,
    SEED_MAX,
)
from generation.models import Job, JobKind, JobStatus
from generation.selectors import QueueInfo, job_get, job_list, job_queue_info
from generation.services.jobs import NewInput, edit_source_image, job_cancel, job_create, job_retry
from templates_app.selectors import page_summary, page_template_ids_resolve

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Retrying a POST with the same key returns the first job instead of a new one.")


# --- output -----------------------------------------------------------------------------------

class JobErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class JobTranslationSerializer(serializers.Serializer):
    source_language = serializers.CharField()
    text = serializers.CharField()
    translated = serializers.BooleanField()
    note = serializers.CharField()
    model = serializers.CharField()


class ResultImageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.CharField()


class PageResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    html_url = serializers.URLField()
    blocks = serializers.ListField(child=serializers.DictField())


class JobResultSerializer(serializers.Serializer):
    images = ResultImageSerializer(many=True)
    page = PageResultSerializer(required=False, allow_null=True)


class JobOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=JobKind.choices)
    status = serializers.ChoiceField(choices=JobStatus.choices)
    provider = serializers.CharField()
    params = serializers.DictField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    queue_position = serializers.IntegerField(allow_null=True)
    eta_seconds = serializers.IntegerField(allow_null=True)
    waiting_reason = serializers.ChoiceField(
        choices=["user_concurrency", "provider_capacity", "queue"], allow_null=True)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    retried_from = serializers.UUIDField(allow_null=True)
    translation = JobTranslationSerializer(allow_null=True)
    error = JobErrorSerializer(allow_null=True)
    result = JobResultSerializer(allow_null=True)


class JobPageSerializer(serializers.Serializer):
    results = JobOutputSerializer(many=True)
    page = serializers.IntegerField()
    size = serializers.IntegerField()
    has_next = serializers.BooleanField()
    next_cursor = serializers.CharField(allow_null=True)


def _job_data(request, job: Job, images=None, info: QueueInfo | None = None) -> dict:
    info = info or job_queue_info(job=job)
    if images is None:
        images = images_for_jobs(job_ids=[job.id]).get(job.id, [])
    result = None
    if job.status == JobStatus.SUCCEEDED:
        result = {} if job.kind != JobKind.PAGE else {"page": _page(request, job)}
        result["images"] = [
            {"id": image.id, "width": image.width, "height": image.height,
             "format": image.format,
             "url": request.build_absolute_uri(reverse("gallery:image-file", args=[image.id]))}
            for image in images
        ]
    return {
        "id": job.id, "kind": job.kind, "status": job.status, "provider": job.provider,
        "params": job.params, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "queue_position": info.queue_position,
        "eta_seconds": info.eta_seconds, "waiting_reason": info.waiting_reason,
        "progress": 100 if job.status == JobStatus.SUCCEEDED else job.progress,
        "retried_from": job.retried_from_id,
        "translation": job.translation,
        "error": {"code": job.error_code, "message": job.error_message} if job.error_code else None,
        "result": result,
    }


def _page(request, job: Job) -> dict | None:
    page_id = job.provider_state.get("page_id")
    if not page_id:
        return None
    page = page_summary(page_id=page_id)
    page["html_url"] = request.build_absolute_uri(page["html_url"])
    return page


def _job_response(request, job: Job, *, created: bool = True, status_code=status.HTTP_200_OK):
    response = Response(JobOutputSerializer(_job_data(request, job)).data, status=status_code)
    response["Location"] = reverse("generation:job-detail", args=[job.id])
    if not created:
        response["Idempotent-Replayed"] = "true"
    return response


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 200):
        raise InvalidInput("Idempotency-Key: must be 1 to 200 characters.",
                           fields={"Idempotency-Key": ["must be 1 to 200 characters."]})
    return key


# --- input ------------------------------------------------------------------------------------

class ImageUploadField(serializers.FileField):
    """An uploaded image, checked by decoding and normalised (see gallery.imaging)."""

    def to_internal_value(self, data):
        upload = super().to_internal_value(data)
        try:
            return image_prepare_upload(upload, field=self.field_name)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.fields[self.field_name])


class _JobInput(serializers.Serializer):
    aspect_ratio = serializers.ChoiceField(choices=ASPECT_RATIOS, default="match_input_image")
    output_format = serializers.ChoiceField(choices=OUTPUT_FORMATS, default="png")
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=SEED_MAX)


class _JobCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    kind: str
    image_fields: tuple[str, ...]

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        inputs = [NewInput(role=name, image=values.pop(name)) for name in self.image_fields]
        job, created = job_create(user=request.user, kind=self.kind, params=values, inputs=inputs,
                                  idempotency_key=_idempotency_key(request))
        return _job_response(request, job, created=created, status_code=status.HTTP_202_ACCEPTED)


class JobPplCreateApi(_JobCreateApi):
    """Queue a PPL image: a product (image 2) composed into a scene (image 1)."""

    kind = JobKind.PPL
    image_fields = ("input_image_1", "input_image_2")

    @extend_schema_serializer(component_name="PplJobRequest")
    class InputSerializer(_JobInput):
        prompt = serializers.CharField(max_length=PROMPT_MAX_CHARS, trim_whitespace=True)
        input_image_1 = ImageUploadField(help_text="The scene (PNG, JPEG or WebP, at most 5 MB).")
        input_image_2 = ImageUploadField(help_text="The product (PNG, JPEG or WebP, at most 5 MB).")
        safety_tolerance = serializers.IntegerField(min_value=0, max_value=2, default=2)

    @extend_schema(request={"multipart/form-data": InputSerializer}, parameters=[IDEMPOTENCY_HEADER],
                   responses={202: JobOutputSerializer}, operation_id="jobs_ppl_create")
    def post(self, request):
        return super().post(request)


class JobGoodsCreateApi(_JobCreateApi):
    """Queue a goods mock-up: a character on a mug, a t-shirt, …"""

    kind = JobKind.GOODS
    image_fields = ("character_image",)

    @extend_schema_serializer(component_name="GoodsJobRequest")
    class InputSerializer(_JobInput):
        character_image = ImageUploadField(help_text="The character (PNG, JPEG or WebP, ≤ 5 MB).")
        goods_type = serializers.ChoiceField(choices=GOODS_TYPES)
        prompt = serializers.CharField(max_length=PROMPT_MAX_CHARS, required=False,
                                       allow_blank=True, default="")
        aspect_ratio = serializers.ChoiceField(choices=ASPECT_RATIOS, default="1:1")
        safety_tolerance = serializers.IntegerField(min_value=0, max_value=6, default=2)

    @extend_schema(request={"multipart/form-data": InputSerializer}, parameters=[IDEMPOTENCY_HEADER],
                   responses={202: JobOutputSerializer}, operation_id="jobs_goods_create")
    def post(self, request):
        return super().post(request)


class JobEditCreateApi(APIView):
    """Queue a prompt edit of an image: upload it, give a URL, or pick one of your images.
    The prompt may be in any language; it is translated to English first."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema_serializer(component_name="EditJobRequest")
    class InputSerializer(_JobInput):
        image = ImageUploadField(required=False, help_text="PNG, JPEG or WebP, at most 5 MB.")
        image_url = serializers.URLField(required=False, max_length=2000,
                                         help_text="A public http(s) image URL.")
        image_id = serializers.UUIDField(required=False, help_text="One of your gallery images.")
        prompt = serializers.CharField(max_length=PROMPT_MAX_CHARS, trim_whitespace=True)

        def validate(self, attrs):
            given = [name for name in ("image", "image_url", "image_id") if attrs.get(name)]
            if len(given) != 1:
                message = "Give exactly one of image, image_url or image_id."
                raise serializers.ValidationError({name: [message] for name in
                                                   (given or ["image", "image_url", "image_id"])})
            return attrs

    @extend_schema(request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
                   parameters=[IDEMPOTENCY_HEADER], responses={202: JobOutputSerializer},
                   operation_id="jobs_edit_create")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        image, source = edit_source_image(user=request.user, upload=values.pop("image", None),
                                          url=values.pop("image_url", None),
                                          image_id=values.pop("image_id", None))
        params = {**values, "source": source}
        job, created = job_create(user=request.user, kind=JobKind.EDIT, params=params,
                                  inputs=[NewInput(role="image", image=image)],
                                  idempotency_key=_idempotency_key(request))
        return _job_response(request, job, created=created, status_code=status.HTTP_202_ACCEPTED)


class JobProductPageCreateApi(APIView):
    """Queue a product-detail page: the LLM plans and writes each block of the chosen
    templates (a set, an ordered list, or the category's default set)."""

    @extend_schema_serializer(component_name="ProductPageJobRequest")
    class InputSerializer(serializers.Serializer):
        product_info = serializers.CharField(max_length=20_000, trim_whitespace=True,
                                             help_text="Free text about the product, any language.")
        product_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        category_id = serializers.IntegerField(required=False, min_value=1)
        template_set_id = serializers.IntegerField(required=False, min_value=1)
        template_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                             max_length=30, allow_empty=False)
        language = serializers.RegexField(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$", required=False,
                                          help_text="Page language; default: the input's language.")
        with_images = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, parameters=[IDEMPOTENCY_HEADER],
                   responses={202: JobOutputSerializer}, operation_id="jobs_product_page_create")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["template_ids"] = page_template_ids_resolve(
            template_set_id=values.get("template_set_id"), template_ids=values.get("template_ids"),
            category_id=values.get("category_id"))
        job, created = job_create(user=request.user, kind=JobKind.PAGE, params=values, inputs=[],
                                  idempotency_key=_idempotency_key(request))
        return _job_response(request, job, created=created, status_code=status.HTTP_202_ACCEPTED)


# --- reads and actions ------------------------------------------------------------------------

class JobListApi(APIView):
    class FilterSerializer(PageParamsSerializer):
        status = serializers.ChoiceField(choices=JobStatus.choices, required=False)
        kind = serializers.ChoiceField(choices=JobKind.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=JobPageSerializer, operation_id="jobs_list")
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        page = paginate_newest_first(
            job_list(user=request.user, status=filters.get("status"), kind=filters.get("kind")),
            filters)
        images = images_for_jobs(job_ids=[j.id for j in page.items if j.status == JobStatus.SUCCEEDED])
        results = [_job_data(request, job, images.get(job.id, [])) for job in page.items]
        return Response(page.envelope(JobOutputSerializer(results, many=True).data))


class JobDetailApi(APIView):
    @extend_schema(responses=JobOutputSerializer)
    def get(self, request, job_id):
        return _job_response(request, job_get(user=request.user, job_id=job_id))


class JobCancelApi(APIView):
    @extend_schema(request=None, responses=JobOutputSerializer)
    def post(self, request, job_id):
        job = job_cancel(job=job_get(user=request.user, job_id=job_id))
        return _job_response(request, job)


class JobRetryApi(APIView):
    @extend_schema(request=None, parameters=[IDEMPOTENCY_HEADER],
                   responses={202: JobOutputSerializer})
    def post(self, request, job_id):
        job, created = job_retry(job=job_get(user=request.user, job_id=job_id),
                                 idempotency_key=_idempotency_key(request))
        return _job_response(request, job, created=created, status_code=status.HTTP_202_ACCEPTED)

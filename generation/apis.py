"""The job API: thin views that validate, call one service or selector, and serialize."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote
from uuid import UUID

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import RFC3986_SUBDELIMS
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.fields import SkipField
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.error_codes import error_code_choices
from config.errors import InvalidInput, NotFound
from config.fields import IdField
from config.pagination import PageParamsSerializer, page_serializer, paginate
from config.parsers import BoundedJSONParser
from gallery.imaging import image_prepare_upload
from gallery.selectors import images_for_jobs_and_owned
from generation.constants import (
    ASPECT_RATIOS,
    GOODS_TYPES,
    OUTPUT_FORMATS,
    PROMPT_MAX_CHARS,
    SEED_MAX,
)
from generation.models import ACTIVE_STATUSES, Job, JobInput, JobKind, JobStatus
from generation.selectors import (
    JobPoll,
    job_get,
    job_input_get,
    job_input_thumbnail,
    job_inputs_for,
    job_list,
    job_poll_get,
    job_standing,
)
from generation.services.jobs import (
    NewInput,
    edit_source_image,
    job_cancel,
    job_create,
    job_retry,
    jobs_cancel,
)
from templates_app.selectors import page_template_ids_resolve

if TYPE_CHECKING:
    from generation.selectors import JobWithStanding

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retrying a POST with the same key returns the first job instead of a new one.",
)
MAX_JOB_IDS = 100
# Job inputs never change once stored (a retry shares them): the browser may keep them a day.
INPUT_CACHE_CONTROL = "private, max-age=86400, immutable"


# --- output -----------------------------------------------------------------------------------


class JobErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=error_code_choices())
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
    thumbnail_url = serializers.URLField(help_text="A small WebP preview (for the owner).")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.CharField()


class JobInputOutputSerializer(serializers.Serializer):
    role = serializers.CharField(
        help_text="The request field it came from: input_image_1 (scene), "
        "input_image_2 (product), character_image, image (edit)."
    )
    image_id = serializers.UUIDField(
        allow_null=True,
        help_text="The gallery image it was taken from, while it is still yours; null for uploads and URLs.",
    )
    url = serializers.URLField(
        allow_null=True,
        help_text="The input as the provider got it (for the owner); null once the job's inputs expired.",
    )
    thumbnail_url = serializers.URLField(
        allow_null=True, help_text="A small WebP preview (for the owner); null once the job's inputs expired."
    )
    width = serializers.IntegerField()
    height = serializers.IntegerField()


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
        choices=["user_concurrency", "provider_capacity", "provider_unavailable", "queue"], allow_null=True
    )
    progress = serializers.IntegerField(min_value=0, max_value=100)
    retried_from = serializers.UUIDField(allow_null=True)
    translation = JobTranslationSerializer(allow_null=True)
    error = JobErrorSerializer(allow_null=True)
    result = JobResultSerializer(allow_null=True)
    inputs = JobInputOutputSerializer(many=True)
    inputs_expired = serializers.BooleanField(
        help_text="The input files were removed JOB_INPUT_RETENTION_DAYS after the job ended "
        "(the inputs keep their role and size, without URLs)."
    )
    request_id = serializers.CharField(
        allow_blank=True,
        help_text="The X-Request-ID of the request that made the job (quote it when reporting a problem).",
    )


JobPageSerializer = page_serializer(JobOutputSerializer, "JobPage")


def _representation(serializer: serializers.Serializer) -> Callable[[Mapping[str, Any]], dict]:
    """serializer.to_representation for a dict, with each field's own to_representation (the
    values are those DRF gives) but without DRF's reading of each value (a Mapping isinstance,
    a callable check and a SkipField per field: most of a poll's serializing). A key the dict
    lacks goes through DRF's own rules (its default, null, or left out when not required)."""
    plan: list[tuple[str, serializers.Field, Callable[[Any], Any]]] = []
    for field in serializer._readable_fields:
        name = field.field_name
        assert name is not None and field.source_attrs == [name], field  # dict keys: the fields' names
        if isinstance(field, serializers.ListSerializer):
            child = _representation(cast(serializers.Serializer, field.child))
            plan.append((name, field, functools.partial(_each, child)))
        elif isinstance(field, serializers.Serializer):
            plan.append((name, field, _representation(field)))
        else:
            plan.append((name, field, field.to_representation))

    def represent(instance: Mapping[str, Any]) -> dict:
        ret = {}
        for name, field, to_representation in plan:
            try:
                value = instance[name]
            except KeyError:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            ret[name] = None if value is None else to_representation(value)
        return ret

    return represent


def _each(represent: Callable[[Any], dict], items) -> list[dict]:
    return [represent(item) for item in items]


@functools.cache
def _job_output() -> Callable[[Mapping[str, Any]], dict]:
    """JobOutputSerializer's to_representation (see _representation), its fields bound once per
    process; it keeps no state, so threads share it (tests/generation/test_job_detail_output.py
    checks that it gives what the serializer gives)."""
    return _representation(JobOutputSerializer())


def _jobs_output(data: list[dict]) -> list[dict]:
    return _each(_job_output(), data)


_SLOT_UUIDS = tuple(UUID(int=0x5107_0000_0000_0000_0000_0000_0000_0000 + n) for n in range(4))


@functools.cache
def _path_template(name: str, kinds: tuple[bool, ...], prefix: str) -> str:
    """reverse(name) once per process and script prefix, with a slot per argument (True: a UUID)."""
    slots = [str(_SLOT_UUIDS[n]) if is_uuid else f"slot{n}slot" for n, is_uuid in enumerate(kinds)]
    path = reverse(name, args=slots).replace("{", "{{").replace("}", "}}")
    for n, slot in enumerate(slots):
        path = path.replace(slot, f"{{{n}}}", 1)
    return path


def _path(name: str, *args) -> str:
    """reverse(name, args=args) for the URLs of a job's answer, without resolving the URL patterns
    at every call (several per job of every poll); arguments are quoted as reverse() quotes them."""
    kinds = tuple(isinstance(arg, UUID) for arg in args)
    try:
        template = _path_template(name, kinds, get_script_prefix())
    except NoReverseMatch:  # an argument the pattern takes only in its own form: ask reverse()
        return reverse(name, args=args)
    values = (
        str(arg) if is_uuid else quote(str(arg), safe=_SAFE) for arg, is_uuid in zip(args, kinds, strict=True)
    )
    return template.format(*values)


_SAFE = RFC3986_SUBDELIMS + "/~:@"


@dataclass(frozen=True)
class _Related:
    """What a page of jobs shows beside the jobs' own rows, read for the whole page at once."""

    images: dict
    inputs: dict
    own_image_ids: set

    @classmethod
    def of_poll(cls, *, user, poll: JobPoll) -> _Related:
        """What job_poll_get read with the job; an edit's gallery source is looked up (is it
        still the user's own?) in a query of its own."""
        job, source = poll.job, _source_image_id(poll.job)
        own: set = set()
        if source:
            _, own = images_for_jobs_and_owned(job_ids=[], user=user, image_ids=[UUID(str(source))])
        return cls(
            images={job.id: poll.images} if job.status == JobStatus.SUCCEEDED else {},
            inputs={job.id: poll.inputs} if job.kind != JobKind.PAGE else {},
            own_image_ids=own,
        )

    @classmethod
    def read(cls, *, user, jobs: Sequence[Job]) -> _Related:
        images, own = images_for_jobs_and_owned(
            job_ids=[job.id for job in jobs if job.status == JobStatus.SUCCEEDED],
            user=user,
            image_ids=[UUID(str(image_id)) for image_id in map(_source_image_id, jobs) if image_id],
        )
        inputs = job_inputs_for(job_ids=[job.id for job in jobs if job.kind != JobKind.PAGE])
        return cls(images=images, inputs=inputs, own_image_ids=own)


def _jobs_data(request, jobs: Sequence[JobWithStanding]) -> list[dict]:
    """`jobs` as read by job_list (their standing and page annotated)."""
    related = _Related.read(user=request.user, jobs=jobs)
    now = timezone.now()
    return [_job_data(request, job, related, now) for job in jobs]


def _job_data(request, job: JobWithStanding, related: _Related, now) -> dict:
    info = job_standing(job=job, user=request.user, now=now)
    result: dict[str, Any] | None = None
    if job.status == JobStatus.SUCCEEDED:
        result = {} if job.kind != JobKind.PAGE else {"page": _page(request, job)}
        result["images"] = [
            {
                "id": image.id,
                "width": image.width,
                "height": image.height,
                "format": image.format,
                "url": request.build_absolute_uri(_path("gallery:image-file", image.id)),
                "thumbnail_url": request.build_absolute_uri(_path("gallery:image-thumbnail", image.id)),
            }
            for image in related.images.get(job.id, [])
        ]
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "provider": job.provider,
        "params": job.params,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "queue_position": info.queue_position,
        "eta_seconds": info.eta_seconds,
        "waiting_reason": info.waiting_reason,
        "progress": 100 if job.status == JobStatus.SUCCEEDED else job.progress,
        "retried_from": job.retried_from_id,
        "translation": job.translation,
        "error": {"code": job.error_code, "message": job.error_message} if job.error_code else None,
        "result": result,
        "inputs": [
            _input_data(request, job, row, related.own_image_ids) for row in related.inputs.get(job.id, [])
        ],
        "inputs_expired": job.inputs_expired_at is not None,
        "request_id": job.request_id,
    }


def _source_image_id(job: Job):
    """The gallery image an edit started from (params.image_id, set when source is gallery)."""
    if job.kind == JobKind.EDIT and job.params.get("source") == "gallery":
        return job.params.get("image_id")
    return None


def _input_data(request, job: Job, row: JobInput, own_image_ids: set) -> dict:
    source = _source_image_id(job) if row.role == "image" else None
    image_id = source if source and UUID(source) in own_image_ids else None
    url = (
        None
        if job.inputs_expired_at is not None
        else request.build_absolute_uri(_path("generation:job-input-file", job.id, row.role))
    )
    return {
        "role": row.role,
        "image_id": image_id,
        "url": url,
        "thumbnail_url": url and f"{url}/thumbnail",
        "width": row.width,
        "height": row.height,
    }


def _page(request, job: JobWithStanding) -> dict | None:
    if job.page_id is None:
        return None
    return {
        "id": str(job.page_id),
        "blocks": job.page_blocks,
        "html_url": request.build_absolute_uri(_path("templates_app:page-html", job.page_id)),
    }


def _job_response(request, job_id: UUID, *, created: bool = True, status_code=status.HTTP_200_OK):
    """The answer about one of the user's jobs (a poll, or what a create, cancel or retry made)."""
    poll = job_poll_get(user=request.user, job_id=job_id)
    related = _Related.of_poll(user=request.user, poll=poll)
    response = Response(
        _job_output()(_job_data(request, poll.job, related, timezone.now())), status=status_code
    )
    response["Location"] = _path("generation:job-detail", poll.job.id)
    if not created:
        response["Idempotent-Replayed"] = "true"
    return response


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 200):
        raise InvalidInput(
            "Idempotency-Key: must be 1 to 200 characters.",
            fields={"Idempotency-Key": ["must be 1 to 200 characters."]},
        )
    return key


# --- input ------------------------------------------------------------------------------------


class ImageUploadField(serializers.FileField):
    """An uploaded image, checked by decoding and normalised (see gallery.imaging)."""

    def to_internal_value(self, data):
        upload = super().to_internal_value(data)
        field = self.field_name
        assert field is not None  # bound to its serializer before anything is validated
        try:
            return image_prepare_upload(upload, field=field)
        except InvalidInput as exc:  # its fields name this field (gallery.imaging)
            raise serializers.ValidationError((exc.fields or {}).get(field, [exc.message]))


class _JobInput(serializers.Serializer):
    aspect_ratio = serializers.ChoiceField(choices=ASPECT_RATIOS, default="match_input_image")
    output_format = serializers.ChoiceField(choices=OUTPUT_FORMATS, default="png")
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=SEED_MAX)


class _JobCreateApi(APIView):
    throttle_scope = "jobs"  # config/throttles.py
    parser_classes = [MultiPartParser, FormParser]
    kind: str
    image_fields: tuple[str, ...]
    InputSerializer: type[serializers.Serializer]

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        inputs = [NewInput(role=name, image=values.pop(name)) for name in self.image_fields]
        job, created = job_create(
            user=request.user,
            kind=self.kind,
            params=values,
            inputs=inputs,
            idempotency_key=_idempotency_key(request),
        )
        return _job_response(request, job.id, created=created, status_code=status.HTTP_202_ACCEPTED)


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

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: JobOutputSerializer},
        operation_id="jobs_ppl_create",
    )
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
        prompt = serializers.CharField(
            max_length=PROMPT_MAX_CHARS, required=False, allow_blank=True, default=""
        )
        aspect_ratio = serializers.ChoiceField(choices=ASPECT_RATIOS, default="1:1")
        safety_tolerance = serializers.IntegerField(min_value=0, max_value=6, default=2)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: JobOutputSerializer},
        operation_id="jobs_goods_create",
    )
    def post(self, request):
        return super().post(request)


class JobEditCreateApi(APIView):
    """Queue a prompt edit of an image: upload it, give a URL, or pick one of your images.
    The prompt may be in any language; it is translated to English first."""

    throttle_scope = "jobs"  # config/throttles.py

    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    @extend_schema_serializer(component_name="EditJobRequest")
    class InputSerializer(_JobInput):
        image = ImageUploadField(required=False, help_text="PNG, JPEG or WebP, at most 5 MB.")
        image_url = serializers.URLField(
            required=False, max_length=2000, help_text="A public http(s) image URL."
        )
        image_id = serializers.UUIDField(required=False, help_text="One of your gallery images.")
        prompt = serializers.CharField(max_length=PROMPT_MAX_CHARS, trim_whitespace=True)

        def validate(self, attrs):
            given = [name for name in ("image", "image_url", "image_id") if attrs.get(name)]
            if len(given) != 1:
                message = "Give exactly one of image, image_url or image_id."
                raise serializers.ValidationError(
                    {name: [message] for name in (given or ["image", "image_url", "image_id"])}
                )
            return attrs

    @extend_schema(
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: JobOutputSerializer},
        operation_id="jobs_edit_create",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        image_id = values.pop("image_id", None)
        image, source = edit_source_image(
            user=request.user,
            upload=values.pop("image", None),
            url=values.pop("image_url", None),
            image_id=image_id,
        )
        params = {**values, "source": source}
        if source == "gallery":
            params["image_id"] = str(image_id)  # the job's input links back to the gallery image
        job, created = job_create(
            user=request.user,
            kind=JobKind.EDIT,
            params=params,
            inputs=[NewInput(role="image", image=image)],
            idempotency_key=_idempotency_key(request),
        )
        return _job_response(request, job.id, created=created, status_code=status.HTTP_202_ACCEPTED)


class JobProductPageCreateApi(APIView):
    """Queue a product-detail page: the LLM plans and writes each block of the chosen
    templates (a set, an ordered list, or the category's default set)."""

    throttle_scope = "jobs"  # config/throttles.py

    @extend_schema_serializer(component_name="ProductPageJobRequest")
    class InputSerializer(serializers.Serializer):
        product_info = serializers.CharField(
            max_length=20_000, trim_whitespace=True, help_text="Free text about the product, any language."
        )
        product_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        category_id = IdField(required=False)
        template_set_id = IdField(required=False)
        template_ids = serializers.ListField(
            child=IdField(), required=False, max_length=30, allow_empty=False
        )
        language = serializers.RegexField(
            r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$",
            required=False,
            help_text="Page language; default: the input's language.",
        )
        with_images = serializers.BooleanField(default=False)

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            202: JobOutputSerializer,
            404: OpenApiResponse(description="No category or template set with that id."),
        },
        operation_id="jobs_product_page_create",
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
        job, created = job_create(
            user=request.user,
            kind=JobKind.PAGE,
            params=values,
            inputs=[],
            idempotency_key=_idempotency_key(request),
        )
        return _job_response(request, job.id, created=created, status_code=status.HTTP_202_ACCEPTED)


# --- reads and actions ------------------------------------------------------------------------


class PollNegotiation(DefaultContentNegotiation):
    """DRF's choice of renderer, made without parsing the header for what polling clients send
    (no Accept header, `*/*` or `application/json`, and no ?format=) while JSON is the first
    renderer: the choice DRF's negotiation makes for them too."""

    PLAIN_ACCEPT = frozenset({None, "*/*", "application/json"})

    def select_renderer(self, request, renderers, format_suffix=None):
        first = renderers[0] if renderers else None
        if (
            first is not None
            and first.media_type == "application/json"
            and format_suffix is None
            and request.META.get("HTTP_ACCEPT") in self.PLAIN_ACCEPT
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)


@extend_schema_field(OpenApiTypes.STR)
class CommaSeparatedField(serializers.Field):
    """Several values in one query parameter, `a,b,c` (or the parameter repeated), each checked
    by `child`; the error names the parameter and the bad value."""

    def __init__(self, *, child: serializers.Field, max_items: int | None = None, **kwargs):
        self.child = child
        self.max_items = max_items
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            return ",".join(dictionary.getlist(self.field_name))
        return super().get_value(dictionary)

    def to_internal_value(self, data) -> list:
        items = list(dict.fromkeys(part.strip() for part in str(data).split(",") if part.strip()))
        if not items:
            raise serializers.ValidationError("give at least one value.")
        if self.max_items is not None and len(items) > self.max_items:
            raise serializers.ValidationError(f"at most {self.max_items} values, not {len(items)}.")
        values = []
        for item in items:
            try:
                values.append(self.child.run_validation(item))
            except serializers.ValidationError as exc:
                detail = exc.detail[0] if isinstance(exc.detail, list) else exc.detail
                raise serializers.ValidationError(f"{item!r}: {detail}")
        return values

    def to_representation(self, value) -> str:
        return ",".join(str(item) for item in value)


class JobListApi(APIView):
    """Own jobs, newest first. `status`, `kind` and `ids` take several comma-separated values."""

    content_negotiation_class = PollNegotiation

    class FilterSerializer(PageParamsSerializer):
        status = CommaSeparatedField(
            child=serializers.ChoiceField(choices=JobStatus.choices),
            required=False,
            help_text="One or more of queued, running, succeeded, failed, "
            "canceled, timed_out, comma-separated.",
        )
        kind = CommaSeparatedField(
            child=serializers.ChoiceField(choices=JobKind.choices),
            required=False,
            help_text="One or more of ppl, goods, edit, page, comma-separated.",
        )
        ids = CommaSeparatedField(
            child=serializers.UUIDField(),
            max_items=MAX_JOB_IDS,
            required=False,
            help_text=f"Only these jobs (at most {MAX_JOB_IDS} ids, comma-separated).",
        )

    @extend_schema(parameters=[FilterSerializer], responses=JobPageSerializer, operation_id="jobs_list")
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        page = paginate(
            job_list(
                user=request.user,
                statuses=filters.get("status"),
                kinds=filters.get("kind"),
                ids=filters.get("ids"),
            ),
            filters,
        )
        results = _jobs_data(request, page.items)
        return Response(page.envelope(_jobs_output(results)))


class JobDetailApi(APIView):
    """A job as it stands now. The answer carries an ETag (a digest of the body); a poll that sends
    it back in If-None-Match while nothing changed gets 304 without a body (browsers do this on
    their own: `Cache-Control: private, no-cache` keeps the answer and revalidates it)."""

    content_negotiation_class = PollNegotiation

    @extend_schema(responses={200: JobOutputSerializer, 304: None})
    def get(self, request, job_id):
        return _job_response(request, job_id)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method != "GET" or response.status_code != status.HTTP_200_OK:
            return response  # errors (404 for another user's job) are never validated
        response.render()
        set_response_etag(response)
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ["Authorization"])
        return get_conditional_response(request, etag=response["ETag"], response=response)


class JobCancelApi(APIView):
    @extend_schema(request=None, responses=JobOutputSerializer)
    def post(self, request, job_id):
        job = job_cancel(job=job_get(user=request.user, job_id=job_id))
        return _job_response(request, job.id)


@extend_schema_serializer(component_name="JobBulkResult")
class JobBulkOutputSerializer(serializers.Serializer):
    changed = serializers.ListField(child=serializers.UUIDField(), help_text="Canceled now.")
    unchanged = serializers.ListField(
        child=serializers.UUIDField(), help_text="Finished already (or not in the asked-for status)."
    )
    not_found = serializers.ListField(
        child=serializers.UUIDField(), help_text="Unknown ids, and ids that are not yours."
    )


class JobBulkCancelApi(APIView):
    """Cancel several of your jobs at once: the given `ids`, or every job in `status` (`queued`
    cancels everything waiting and leaves running jobs alone), or the given ids in that status."""

    @extend_schema_serializer(component_name="JobBulkCancel")
    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.UUIDField(), required=False, min_length=1, max_length=MAX_JOB_IDS
        )
        status = serializers.ListField(
            child=serializers.ChoiceField(choices=ACTIVE_STATUSES),
            required=False,
            min_length=1,
            help_text='"queued", "running", or a list of them.',
        )

        def to_internal_value(self, data):
            if isinstance(data, dict) and isinstance(data.get("status"), str):
                data = {**data, "status": [data["status"]]}
            return super().to_internal_value(data)

        def validate(self, attrs):
            if not attrs.get("ids") and not attrs.get("status"):
                message = "give ids, status, or both."
                raise serializers.ValidationError({"ids": [message], "status": [message]})
            return attrs

    parser_classes = [BoundedJSONParser]

    @extend_schema(
        request=InputSerializer, responses=JobBulkOutputSerializer, operation_id="jobs_bulk_cancel"
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = jobs_cancel(user=request.user, job_ids=values.get("ids"), statuses=values.get("status"))
        return Response(JobBulkOutputSerializer(result).data)


# The settings a retry may change, per kind: the creation serializers without their images.
class _PplRetryChanges(JobPplCreateApi.InputSerializer):
    input_image_1 = None  # type: ignore[assignment]  # DRF: None removes the parent's field
    input_image_2 = None  # type: ignore[assignment]  # DRF: None removes the parent's field


class _GoodsRetryChanges(JobGoodsCreateApi.InputSerializer):
    character_image = None  # type: ignore[assignment]  # DRF: None removes the parent's field


class _EditRetryChanges(JobEditCreateApi.InputSerializer):
    image = None  # type: ignore[assignment]  # DRF: None removes the parent's field
    image_url = None  # type: ignore[assignment]  # DRF: None removes the parent's field
    image_id = None  # type: ignore[assignment]  # DRF: None removes the parent's field

    def validate(self, attrs):
        return attrs


class _PageRetryChanges(JobProductPageCreateApi.InputSerializer):
    category_id = None  # type: ignore[assignment]  # DRF: None removes the parent's field
    template_set_id = None  # type: ignore[assignment]  # DRF: None removes the parent's field
    template_ids = None  # type: ignore[assignment]  # DRF: None removes the parent's field


RETRY_CHANGES: dict[str, type[serializers.Serializer]] = {
    JobKind.PPL: _PplRetryChanges,
    JobKind.GOODS: _GoodsRetryChanges,
    JobKind.EDIT: _EditRetryChanges,
    JobKind.PAGE: _PageRetryChanges,
}


def _retry_changes(job: Job, data) -> dict:
    """The settings to change, validated by the rules of the job's kind (400 naming the field);
    the images and a page's templates stay those of the original."""
    serializer_class = RETRY_CHANGES[job.kind]
    given = set(data.keys()) if hasattr(data, "keys") else set()
    unknown = sorted(given - set(serializer_class().fields))
    if unknown:
        message = f"is not a setting a retry of a {job.kind} job can change."
        raise InvalidInput(f"{unknown[0]}: {message}", fields={name: [message] for name in unknown})
    changes = serializer_class(data=data, partial=True)
    changes.is_valid(raise_exception=True)
    return dict(changes.validated_data)


@extend_schema_serializer(component_name="JobRetry")
class JobRetryInputSerializer(serializers.Serializer):
    """For the schema: every setting some kind accepts; each kind checks its own (see the create
    endpoints), and a setting the kind does not have is a 400."""

    prompt = serializers.CharField(required=False, max_length=PROMPT_MAX_CHARS)
    aspect_ratio = serializers.ChoiceField(choices=ASPECT_RATIOS, required=False)
    output_format = serializers.ChoiceField(choices=OUTPUT_FORMATS, required=False)
    safety_tolerance = serializers.IntegerField(
        required=False, min_value=0, max_value=6, help_text="PPL: 0–2; goods: 0–6."
    )
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=SEED_MAX)
    goods_type = serializers.ChoiceField(choices=GOODS_TYPES, required=False, help_text="Goods only.")
    product_info = serializers.CharField(required=False, max_length=20_000, help_text="Pages only.")
    product_name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Pages only."
    )
    language = serializers.CharField(required=False, help_text="Pages only.")
    with_images = serializers.BooleanField(required=False, help_text="Pages only.")


class JobRetryApi(APIView):
    """A new job from a finished one's inputs (`retried_from`), optionally with some settings
    changed (an empty body: the same settings)."""

    throttle_scope = "jobs"  # config/throttles.py

    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=JobRetryInputSerializer, parameters=[IDEMPOTENCY_HEADER], responses={202: JobOutputSerializer}
    )
    def post(self, request, job_id):
        job = job_get(user=request.user, job_id=job_id)
        changes = _retry_changes(job, request.data)
        new, created = job_retry(job=job, changes=changes, idempotency_key=_idempotency_key(request))
        return _job_response(request, new.id, created=created, status_code=status.HTTP_202_ACCEPTED)


# --- input files ------------------------------------------------------------------------------

INPUT_FILE_RESPONSES = {(200, "image/*"): OpenApiTypes.BINARY, 302: None, 304: None}


def _not_modified(request, etag: str) -> bool:
    return etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]


class JobInputFileApi(APIView):
    """An input image of your job, as it was sent to the provider (scaled, EXIF applied)."""

    @extend_schema(responses=INPUT_FILE_RESPONSES)
    def get(self, request, job_id, role):
        row = job_input_get(user=request.user, job_id=job_id, role=role)
        if settings.STORAGE_BACKEND != "local":
            return HttpResponseRedirect(row.file.storage.url(row.file.name))
        etag = f'"{row.sha256}"'
        if _not_modified(request, etag):
            return HttpResponseNotModified(headers={"ETag": etag, "Cache-Control": INPUT_CACHE_CONTROL})
        try:
            handle = row.file.open("rb")
        except FileNotFoundError:
            raise NotFound("The input file is missing from storage.", code="file_missing")
        extension = "jpg" if row.format == "jpeg" else row.format
        response = FileResponse(
            handle, content_type=f"image/{row.format}", filename=f"{row.role}-{job_id}.{extension}"
        )
        response["Cache-Control"] = INPUT_CACHE_CONTROL
        response["ETag"] = etag
        return response


class JobInputThumbnailApi(APIView):
    """A small WebP preview of an input image of your job (long side THUMBNAIL_SIDE_PX)."""

    @extend_schema(responses=INPUT_FILE_RESPONSES)
    def get(self, request, job_id, role):
        row = job_input_get(user=request.user, job_id=job_id, role=role)
        etag = f'"{row.sha256}-thumb"'
        headers = {"ETag": etag, "Cache-Control": INPUT_CACHE_CONTROL}
        if _not_modified(request, etag):
            return HttpResponseNotModified(headers=headers)
        return HttpResponse(job_input_thumbnail(job_input=row), content_type="image/webp", headers=headers)

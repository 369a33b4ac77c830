"""GET /api/v1/config: what a client must know before it sends anything (limits, choices, ranges).

Every figure is read from where the API itself validates it (settings, generation/constants.py
and the job serializers' fields), so the web app and the API cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_job_limits
from generation.apis import JobGoodsCreateApi, JobPplCreateApi, JobProductPageCreateApi
from generation.constants import ASPECT_RATIOS, GOODS_TYPES, OUTPUT_FORMATS

_F = TypeVar("_F", bound=serializers.Field)


def _field(fields: Mapping[str, serializers.Field], name: str, kind: type[_F]) -> _F:
    """The serializer's field `name`, which must be a `kind` (TypeError otherwise: the job
    serializer changed under this endpoint)."""
    field = fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


def _range_of(field: serializers.IntegerField) -> dict:
    return {"min": field.min_value, "max": field.max_value, "default": field.default}


def client_config(*, user) -> dict:
    ppl = JobPplCreateApi.InputSerializer().fields
    goods = JobGoodsCreateApi.InputSerializer().fields
    page = JobProductPageCreateApi.InputSerializer().fields
    limits = user_job_limits(user=user)
    return {
        "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
        "max_image_pixels": settings.INPUT_MAX_PIXELS,
        "max_image_side": settings.INPUT_MAX_SIDE_PX,
        "aspect_ratios": list(ASPECT_RATIOS),
        "output_formats": list(OUTPUT_FORMATS),
        "goods_types": list(GOODS_TYPES),
        # Only the kinds whose request takes it (an edit always runs at the provider's default).
        "safety_tolerance": {
            "ppl": _range_of(_field(ppl, "safety_tolerance", serializers.IntegerField)),
            "goods": _range_of(_field(goods, "safety_tolerance", serializers.IntegerField)),
        },
        "prompt_max_length": _field(ppl, "prompt", serializers.CharField).max_length,
        "product_info_max_length": _field(page, "product_info", serializers.CharField).max_length,
        "job_timeout_seconds": settings.JOB_TIMEOUT_SECONDS,
        "trash_retention_days": settings.TRASH_RETENTION_DAYS,
        "languages": [code for code, _ in settings.LANGUAGES],
        "max_queued_jobs": limits.max_queued,
        "max_concurrent_jobs": limits.max_concurrent,
    }


@extend_schema_serializer(component_name="IntegerRange")
class _RangeSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    default = serializers.IntegerField()


@extend_schema_serializer(component_name="SafetyToleranceRanges")
class _SafetyToleranceSerializer(serializers.Serializer):
    ppl = _RangeSerializer()
    goods = _RangeSerializer()


class ClientConfigApi(APIView):
    """Limits, choices and ranges the client checks before sending; the caller's own job limits."""

    @extend_schema_serializer(component_name="ClientConfig")
    class OutputSerializer(serializers.Serializer):
        max_upload_bytes = serializers.IntegerField(help_text="Largest image upload, in bytes.")
        max_image_pixels = serializers.IntegerField(help_text="Largest image, in pixels (width × height).")
        max_image_side = serializers.IntegerField(
            help_text="Images are scaled to this many pixels on the long side before any provider sees them."
        )
        aspect_ratios = serializers.ListField(child=serializers.CharField())
        output_formats = serializers.ListField(child=serializers.CharField())
        goods_types = serializers.ListField(child=serializers.CharField())
        safety_tolerance = _SafetyToleranceSerializer(help_text="Per job kind: min, max and default.")
        prompt_max_length = serializers.IntegerField(help_text="Characters.")
        product_info_max_length = serializers.IntegerField(help_text="Characters.")
        job_timeout_seconds = serializers.IntegerField()
        trash_retention_days = serializers.IntegerField()
        languages = serializers.ListField(child=serializers.CharField(), help_text="For Accept-Language.")
        max_queued_jobs = serializers.IntegerField(
            help_text="Jobs you may have waiting beyond the running ones."
        )
        max_concurrent_jobs = serializers.IntegerField(help_text="Jobs of yours that run at once.")

    @extend_schema(responses=OutputSerializer, operation_id="config_retrieve")
    def get(self, request):
        return Response(self.OutputSerializer(client_config(user=request.user)).data)

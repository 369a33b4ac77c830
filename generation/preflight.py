"""Pre-flight: can this user submit this kind of job right now, and if not, why (in a sentence).

What the web pages ask before they let "Generate" through (seed 002's 1.5 s pre-check). It reads
the cached health report (so it costs a few queries, not a round of provider probes) plus the
user's own limits. Answers 200 either way: `ok: false` is an answer, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import localized_message
from config.health import health_report
from gallery.selectors import storage_usage
from generation.models import JobKind
from generation.providers import ProviderError, get_provider, provider_name_for_kind
from generation.services.jobs import user_queue_usage


@dataclass(frozen=True)
class PreflightReason:
    code: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)  # the figures, for the Korean message


@dataclass(frozen=True)
class Preflight:
    kind: str
    provider: str
    reasons: list[PreflightReason] = field(default_factory=list)

    @property
    def is_ok(self) -> bool:
        return not self.reasons


# Health checks whose failure stops every job, with what the user is told.
_BLOCKING_CHECKS = {
    "database": ("service_unavailable", "The service cannot store jobs right now; try again in a minute."),
    "migrations": ("service_unavailable", "The service is being updated; try again in a minute."),
    "broker": ("workers_down", "The job queue is not reachable, so no job can start; try again shortly."),
    "workers": ("workers_down", "No worker is running, so your job would not start; try again shortly."),
    "disk": ("storage_full", "The server's storage is full, so results cannot be saved right now."),
    "storage": ("storage_unavailable", "Results cannot be saved right now (storage is not writable)."),
}


def _storage_quota_reason(user) -> PreflightReason | None:
    usage = storage_usage(user=user)
    if usage.quota_bytes is not None and usage.is_over_quota:
        used_mb = usage.used_bytes / 2**20
        quota_mb = usage.quota_bytes / 2**20
        return PreflightReason(
            "storage_quota_exceeded",
            f"Your storage is full ({used_mb:.0f} of {quota_mb:.0f} MB): empty the "
            "trash or delete images before making new ones.",
            {"used_bytes": usage.used_bytes, "quota_bytes": usage.quota_bytes},
        )
    return None


def job_preflight(*, user, kind: str) -> Preflight:
    provider_name = provider_name_for_kind(kind)
    reasons: list[PreflightReason] = []

    queue = user_queue_usage(user=user)  # the same rule job_create applies
    if queue.is_full:
        reasons.append(PreflightReason("queue_full", queue.refusal_message, queue.figures))

    try:
        get_provider(provider_name).check_configured()
    except ProviderError as exc:
        reasons.append(
            PreflightReason(
                "provider_not_configured", f"{kind} images cannot be made right now: {exc.message}"
            )
        )

    report = health_report()
    for name, (code, message) in _BLOCKING_CHECKS.items():
        result = report.get(name)
        if result is not None and result.status == "fail" and all(r.code != code for r in reasons):
            reasons.append(PreflightReason(code, message))
    probe = report.get(f"provider:{provider_name}")
    if (
        probe is not None
        and probe.status == "fail"
        and all(r.code != "provider_not_configured" for r in reasons)
    ):
        reasons.append(
            PreflightReason(
                "provider_unavailable", f"The {provider_name} image service is not answering: {probe.message}"
            )
        )

    quota = _storage_quota_reason(user)
    if quota is not None:
        reasons.append(quota)
    return Preflight(kind=kind, provider=provider_name, reasons=reasons)


class PreflightReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class JobPreflightApi(APIView):
    """Can I submit this kind of job now? If not, `message` says why in one sentence."""

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=JobKind.choices)

    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        kind = serializers.CharField()
        provider = serializers.CharField()
        message = serializers.CharField(allow_null=True)
        reasons = PreflightReasonSerializer(many=True)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer, operation_id="preflight")
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        result = job_preflight(user=request.user, kind=params.validated_data["kind"])
        # In the request's language (Accept-Language: ko gives Korean), like error messages.
        reasons = [
            {"code": r.code, "message": localized_message(r.code, r.message, r.extra)} for r in result.reasons
        ]
        return Response(
            self.OutputSerializer(
                {
                    "ok": result.is_ok,
                    "kind": result.kind,
                    "provider": result.provider,
                    "message": reasons[0]["message"] if reasons else None,
                    "reasons": reasons,
                }
            ).data
        )

"""Provider callbacks: verified, then applied exactly like a poll answer.

A bad signature answers 401 and changes nothing; a repeated delivery finds the job already
moved on and changes nothing (200, so the provider stops retrying). Our callback URL names its
job (`?job=<id>`, outside what is signed): only a verified body is ever applied, and the name
counts only for a job of this provider still `submitting` without a reference (its submit's
answer lost to a kill) and a reference no other job holds.
"""

from __future__ import annotations

import logging
from uuid import UUID

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import error_body

logger = logging.getLogger(__name__)


class _ProviderWebhookApi(APIView):
    provider: str
    permission_classes = [AllowAny]
    authentication_classes: list = []  # the signature is the authentication

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("WebhookAccepted", {"accepted": serializers.BooleanField()}),
            401: None,
        },
    )
    def post(self, request):
        # Imported with the first callback: a web worker that never receives one (webhooks off, or
        # another replica's) does not hold the engine's services and the provider modules.
        from generation.providers import get_provider
        from generation.providers.base import WebhookRejected
        from generation.services.engine import job_apply_provider_update

        headers = {key.lower(): value for key, value in request.headers.items()}
        try:
            ref, result = get_provider(self.provider).parse_webhook(headers, request.body)
        except WebhookRejected as exc:
            logger.warning(
                "refused a %s webhook: %s",
                self.provider,
                exc,
                extra={"event": "webhook_rejected", "provider": self.provider},
            )
            return Response(error_body("invalid_signature", f"Webhook refused: {exc}."), status=401)
        applied = job_apply_provider_update(
            provider=self.provider, ref=ref, result=result, job_id=_job_named(request.query_params.get("job"))
        )
        return Response({"accepted": applied})


class ReplicateWebhookApi(_ProviderWebhookApi):
    provider = "replicate"


class BflWebhookApi(_ProviderWebhookApi):
    provider = "bfl"


def _job_named(value: str | None) -> UUID | None:
    """The job our callback URL named (`?job=<id>`), None when absent or not an id."""
    try:
        return UUID(value) if value else None
    except ValueError:
        return None

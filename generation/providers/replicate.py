"""Replicate: `flux-kontext-apps/multi-image-kontext-max` (or -pro) for PPL, Kontext for goods
and edits (provider-apis.md §1).

Inputs go as data URLs. The output URL is downloaded as soon as the prediction succeeds
(Replicate deletes API outputs after an hour). With PUBLIC_BASE_URL set, predictions call our
webhook when completed and polling becomes a slow safety net.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any

from django.conf import settings

from generation.clients.http import bad_response, provider_http
from generation.providers.base import (
    OutputImage,
    PollResult,
    Provider,
    ProviderError,
    ProviderNotConfigured,
    Submission,
    SubmitRequest,
    WebhookRejected,
)
from generation.providers.images import data_url, provider_format
from generation.providers.prompts import goods_prompt

_MODERATION = re.compile(r"\bE005\b|flagged as sensitive|nsfw|content polic|safety|moderat", re.I)
_PERCENT = re.compile(r"(\d{1,3})%")


class ReplicateProvider(Provider):
    name = "replicate"
    kinds = frozenset({"ppl", "goods", "edit"})
    nominal_duration_seconds = 40.0

    def __init__(self) -> None:
        self.token = settings.REPLICATE_API_TOKEN
        self.max_concurrent = settings.REPLICATE_MAX_CONCURRENT
        self.http = provider_http(
            "Replicate",
            base_url=settings.REPLICATE_API_BASE,
            headers={"Authorization": f"Bearer {self.token}"},
        )

    def check_configured(self) -> None:
        if not self.token:
            raise ProviderNotConfigured("REPLICATE_API_TOKEN", "Replicate")

    def _model_and_input(self, request: SubmitRequest) -> tuple[str, dict[str, Any]]:
        params = request.params
        common = {
            "aspect_ratio": params.get("aspect_ratio", "match_input_image"),
            "output_format": provider_format(params.get("output_format", "png")),
        }
        if params.get("seed") is not None:
            common["seed"] = params["seed"]
        if request.kind == "ppl":
            return settings.REPLICATE_PPL_MODEL, {
                **common,
                "prompt": params["prompt"],
                "input_image_1": data_url(request.inputs["input_image_1"]),
                "input_image_2": data_url(request.inputs["input_image_2"]),
                "safety_tolerance": min(int(params.get("safety_tolerance", 2)), 2),
            }
        if request.kind == "goods":
            return settings.REPLICATE_GOODS_MODEL, {
                **common,
                "prompt": goods_prompt(params["goods_type"], params.get("prompt", "")),
                "input_image": data_url(request.inputs["character_image"]),
                # Kontext allows at most 2 when an input image is given.
                "safety_tolerance": min(int(params.get("safety_tolerance", 2)), 2),
            }
        return settings.REPLICATE_EDIT_MODEL, {
            **common,
            "prompt": params.get("prompt_en") or params["prompt"],
            "input_image": data_url(request.inputs["image"]),
            "safety_tolerance": 2,
        }

    def _create(self, request: SubmitRequest) -> tuple[str, dict[str, Any]]:
        """The model and the create call's body (reads the input files)."""
        model, model_input = self._model_and_input(request)
        body: dict[str, Any] = {"input": model_input}
        if request.webhook_url:
            body["webhook"] = request.webhook_url
            body["webhook_events_filter"] = ["completed"]
        return model, body

    def submit(self, request: SubmitRequest) -> Submission:
        model, body = self._create(request)
        response = self.http.request("POST", f"models/{model}/predictions", json=body, safe=False)
        return self._submission(request, model, self.http.json(response, "create prediction"))

    async def asubmit(self, request: SubmitRequest) -> Submission:
        model, body = await asyncio.to_thread(self._create, request)  # file reads off the loop
        response = await self.http.arequest("POST", f"models/{model}/predictions", json=body, safe=False)
        return self._submission(request, model, self.http.json(response, "create prediction"))

    def _submission(self, request: SubmitRequest, model: str, prediction: dict[str, Any]) -> Submission:
        ref = prediction.get("id")
        if not isinstance(ref, str) or not ref:
            raise bad_response("Replicate", "prediction without an id", prediction)
        urls = prediction.get("urls")
        if not isinstance(urls, dict):
            urls = {}
        state = {
            "get_url": urls.get("get"),
            "cancel_url": urls.get("cancel"),
            "model": model,
            "webhook": bool(request.webhook_url),
        }
        wait = settings.WEBHOOK_FALLBACK_POLL_SECONDS if request.webhook_url else 1.0
        return Submission(ref=ref, state=state, poll_after_seconds=wait)

    async def apoll(self, ref: str, state: dict[str, Any]) -> PollResult:
        response = await self.http.arequest("GET", state.get("get_url") or f"predictions/{ref}")
        return self._result(self.http.json(response, "prediction"), state)

    async def aclose(self) -> None:
        await self.http.aclose()

    def _result(self, prediction: dict[str, Any], state: dict[str, Any]) -> PollResult:
        status = prediction.get("status")
        if status in ("starting", "processing"):
            percents = _PERCENT.findall(str(prediction.get("logs") or ""))
            progress = min(99, int(percents[-1])) if percents else None
            wait = settings.WEBHOOK_FALLBACK_POLL_SECONDS if state.get("webhook") else 0.0
            return PollResult(status="pending", progress=progress, poll_after_seconds=wait)
        if status == "succeeded":
            output = prediction.get("output")
            url = output[0] if isinstance(output, list) and output else output
            if not isinstance(url, str) or not url.startswith(("http://", "https://", "data:")):
                raise bad_response("Replicate", "succeeded without an output URL", prediction)
            return PollResult(status="ready", progress=100, state={"output_url": url})
        if status == "failed":
            message = str(prediction.get("error") or "Replicate could not make this image.")
            code = "moderated" if _MODERATION.search(message) else "provider_failed"
            return PollResult(status="failed", error_code=code, error_message=message[:500])
        if status == "canceled":
            return PollResult(
                status="failed",
                error_code="provider_canceled",
                error_message="The prediction was canceled at Replicate.",
            )
        raise bad_response("Replicate", f"unknown status {status!r}", prediction)

    def fetch_outputs(self, request: SubmitRequest, state: dict[str, Any]) -> list[OutputImage]:
        url = state["output_url"]
        if url.startswith("data:"):
            return [OutputImage(data=base64.b64decode(url.split(",", 1)[1]))]
        return [OutputImage(data=self.http.download(url, max_bytes=settings.PROVIDER_RESULT_MAX_BYTES))]

    def cancel(self, ref: str, state: dict[str, Any]) -> None:
        self.http.request("POST", state.get("cancel_url") or f"predictions/{ref}/cancel", safe=True)

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> tuple[str, PollResult]:
        verify_replicate_signature(
            headers,
            body,
            secret=settings.REPLICATE_WEBHOOK_SECRET,
            tolerance_seconds=settings.WEBHOOK_TOLERANCE_SECONDS,
        )
        try:
            prediction = json.loads(body)
            ref = prediction["id"]
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("the body is not a prediction")
        try:
            return ref, self._result(prediction, {"webhook": True})
        except ProviderError as exc:
            return ref, PollResult(status="failed", error_code=exc.code, error_message=exc.message)


def verify_replicate_signature(
    headers: dict[str, str], body: bytes, *, secret: str, tolerance_seconds: int
) -> None:
    """Replicate's scheme: base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")) with the key
    being the base64 part of the `whsec_…` secret; stale timestamps are refused."""
    if not secret:
        raise WebhookRejected("REPLICATE_WEBHOOK_SECRET is not set, so callbacks cannot be verified")
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (webhook_id and timestamp and signatures):
        raise WebhookRejected("signature headers are missing")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookRejected("the timestamp is not a number")
    # Whole seconds: a 400-digit timestamp is a valid int but overflows a float.
    if abs(int(time.time()) - sent_at) > tolerance_seconds:
        raise WebhookRejected("the timestamp is too old or in the future")
    try:
        key = base64.b64decode(secret.split("_", 1)[1])
    except (IndexError, ValueError):
        raise WebhookRejected("REPLICATE_WEBHOOK_SECRET is not a whsec_ secret")
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected.encode()):
            return
    raise WebhookRejected("no signature matches")

"""Black Forest Labs: FLUX Kontext Max for goods mock-ups (and edits, PPL via multi-reference)
(provider-apis.md §2).

Submit to /v1/flux-kontext-max with `x-key`, then poll the `polling_url` BFL returned (it is
region-specific: never rebuilt while BFL gave one). Every status string is handled, and
`result.sample` is downloaded at once because it expires after ten minutes. With
PUBLIC_BASE_URL and BFL_WEBHOOK_SECRET set, BFL calls our webhook; polling stays as the net.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
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
from generation.providers.images import b64, provider_format
from generation.providers.prompts import goods_prompt

_MODERATED = {"Request Moderated", "Content Moderated"}


class BflProvider(Provider):
    name = "bfl"
    kinds = frozenset({"goods", "edit", "ppl"})
    nominal_duration_seconds = 30.0

    def __init__(self) -> None:
        self.key = settings.BFL_API_KEY
        self.max_concurrent = settings.BFL_MAX_CONCURRENT
        self.http = provider_http(
            "BFL", base_url=settings.BFL_API_BASE, headers={"x-key": self.key, "accept": "application/json"}
        )

    def check_configured(self) -> None:
        if not self.key:
            raise ProviderNotConfigured("BFL_API_KEY", "BFL")

    def _payload(self, request: SubmitRequest) -> dict[str, Any]:
        params = request.params
        if request.kind == "goods":
            prompt = goods_prompt(params["goods_type"], params.get("prompt", ""))
            images = {"input_image": b64(request.inputs["character_image"])}
        elif request.kind == "ppl":
            prompt = params["prompt"]
            images = {
                "input_image": b64(request.inputs["input_image_1"]),
                "input_image_2": b64(request.inputs["input_image_2"]),
            }
        else:
            prompt = params.get("prompt_en") or params["prompt"]
            images = {"input_image": b64(request.inputs["image"])}
        payload = {
            "prompt": prompt,
            **images,
            "output_format": provider_format(params.get("output_format", "png"), jpeg_name="jpeg"),
            "safety_tolerance": int(params.get("safety_tolerance", 2)),
        }
        if params.get("aspect_ratio") not in (None, "match_input_image"):
            payload["aspect_ratio"] = params["aspect_ratio"]
        if params.get("seed") is not None:
            payload["seed"] = params["seed"]
        if request.webhook_url and settings.BFL_WEBHOOK_SECRET:
            payload["webhook_url"] = request.webhook_url
            payload["webhook_secret"] = settings.BFL_WEBHOOK_SECRET
        return payload

    def submit(self, request: SubmitRequest) -> Submission:
        payload = self._payload(request)
        response = self.http.request("POST", f"v1/{settings.BFL_MODEL}", json=payload, safe=False)
        return self._submission(payload, self.http.json(response, "submit"))

    async def asubmit(self, request: SubmitRequest) -> Submission:
        payload = await asyncio.to_thread(self._payload, request)  # file reads off the loop
        response = await self.http.arequest("POST", f"v1/{settings.BFL_MODEL}", json=payload, safe=False)
        return self._submission(payload, self.http.json(response, "submit"))

    def _submission(self, payload: dict[str, Any], answer: dict[str, Any]) -> Submission:
        ref = answer.get("id")
        if not isinstance(ref, str) or not ref:
            raise bad_response("BFL", "submit answer without an id", answer)
        polling_url = answer.get("polling_url")
        if not isinstance(polling_url, str) or not polling_url:
            if "webhook_url" not in payload:
                raise bad_response("BFL", "submit answer without a polling_url", answer)
            # A webhook submission may answer without one; the safety-net poll then has to use
            # the documented result endpoint on the host we submitted to.
            polling_url = f"{settings.BFL_API_BASE.rstrip('/')}/v1/get_result?id={ref}"
        webhook = "webhook_url" in payload
        return Submission(
            ref=ref,
            state={"polling_url": polling_url, "webhook": webhook, "cost": answer.get("cost")},
            poll_after_seconds=settings.WEBHOOK_FALLBACK_POLL_SECONDS if webhook else 1.0,
        )

    async def apoll(self, ref: str, state: dict[str, Any]) -> PollResult:
        try:
            response = await self.http.arequest("GET", state["polling_url"])
        except ProviderError as exc:
            if exc.code == "provider_not_found":
                return PollResult(
                    status="failed",
                    error_code="provider_task_lost",
                    error_message="BFL no longer knows this task.",
                )
            raise
        return self._result(self.http.json(response, "poll"), state)

    async def aclose(self) -> None:
        await self.http.aclose()

    def _result(self, answer: dict[str, Any], state: dict[str, Any]) -> PollResult:
        status = answer.get("status")
        if status == "Pending":
            progress = answer.get("progress")
            value = int(progress * 100) if isinstance(progress, int | float) and progress <= 1 else None
            wait = settings.WEBHOOK_FALLBACK_POLL_SECONDS if state.get("webhook") else 0.0
            return PollResult(status="pending", progress=value, poll_after_seconds=wait)
        if status == "Ready":
            result = answer.get("result")
            sample = result.get("sample") if isinstance(result, dict) else None
            if not isinstance(sample, str) or not sample.startswith(("http://", "https://")):
                raise bad_response("BFL", "Ready without result.sample", answer)
            return PollResult(status="ready", progress=100, state={"sample": sample})
        if status in _MODERATED:
            return PollResult(
                status="failed",
                error_code="moderated",
                error_message=f"BFL's safety filter refused this job ({status}).",
            )
        if status == "Error":
            details = answer.get("details") or answer.get("result") or "BFL could not make this image."
            return PollResult(status="failed", error_code="provider_failed", error_message=str(details)[:500])
        if status == "Task not found":
            return PollResult(
                status="failed",
                error_code="provider_task_lost",
                error_message="BFL no longer knows this task.",
            )
        raise bad_response("BFL", f"unknown status {status!r}", answer)

    def fetch_outputs(self, request: SubmitRequest, state: dict[str, Any]) -> list[OutputImage]:
        # A signed delivery URL: fetched without our key (download never sends credentials).
        data = self.http.download(state["sample"], max_bytes=settings.PROVIDER_RESULT_MAX_BYTES)
        return [OutputImage(data=data)]

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> tuple[str, PollResult]:
        secret = settings.BFL_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("BFL_WEBHOOK_SECRET is not set, so callbacks cannot be verified")
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        # Bytes: compare_digest refuses str with non-ASCII characters (a forged header would be a 500).
        if not hmac.compare_digest(headers.get("x-bfl-signature", "").encode(), expected.encode()):
            raise WebhookRejected("no signature matches")
        try:
            answer = json.loads(body)
            ref = answer["id"]
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("the body is not a BFL result")
        try:
            return ref, self._result(answer, {"webhook": True})
        except ProviderError as exc:
            return ref, PollResult(status="failed", error_code=exc.code, error_message=exc.message)

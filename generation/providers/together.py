"""Together AI: FLUX.1 Kontext for prompt edits (provider-apis.md §3).

Together answers synchronously, so the paid call happens inside the guarded submit step
(never twice: a worker that dies mid-call leaves the job `submitting`, which the reconciler
ends rather than repeats). The image comes back as base64 and is parked in storage until the
finalize step stores it in the gallery.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from generation.clients.http import bad_response, provider_http
from generation.providers.base import (
    OutputImage,
    PollResult,
    Provider,
    ProviderNotConfigured,
    Submission,
    SubmitRequest,
)
from generation.providers.images import data_url, provider_format


class TogetherProvider(Provider):
    name = "together"
    kinds = frozenset({"edit"})
    nominal_duration_seconds = 15.0

    def __init__(self) -> None:
        self.key = settings.TOGETHER_API_KEY
        self.max_concurrent = settings.TOGETHER_MAX_CONCURRENT
        # The generation itself happens during this request.
        self.http = provider_http(
            "Together",
            base_url=settings.TOGETHER_API_BASE,
            headers={"Authorization": f"Bearer {self.key}"},
            read_timeout=max(settings.PROVIDER_READ_TIMEOUT_SECONDS, 25.0),
        )

    def check_configured(self) -> None:
        if not self.key:
            raise ProviderNotConfigured("TOGETHER_API_KEY", "Together")

    def _body(self, request: SubmitRequest) -> dict[str, Any]:
        params = request.params
        body = {
            "model": settings.TOGETHER_EDIT_MODEL,
            "prompt": params.get("prompt_en") or params["prompt"],
            "image_url": data_url(request.inputs["image"]),
            "output_format": provider_format(params.get("output_format", "png"), jpeg_name="jpeg"),
            "response_format": "base64",
            "n": 1,
            "steps": 28,
        }
        if params.get("aspect_ratio") not in (None, "match_input_image"):
            body["aspect_ratio"] = params["aspect_ratio"]
        if params.get("seed") is not None:
            body["seed"] = params["seed"]
        return body

    def submit(self, request: SubmitRequest) -> Submission:
        answer = self.http.json(
            self.http.request("POST", "images/generations", json=self._body(request), safe=False),
            "images/generations",
        )
        return self._submission(request, answer)

    async def asubmit(self, request: SubmitRequest) -> Submission:
        body = await asyncio.to_thread(self._body, request)  # the input file is read off the loop
        response = await self.http.arequest("POST", "images/generations", json=body, safe=False)
        answer = self.http.json(response, "images/generations")
        # Parking the image writes to storage (a network call on S3 or Azure): off the loop too.
        return await asyncio.to_thread(self._submission, request, answer)

    def _submission(self, request: SubmitRequest, answer: dict[str, Any]) -> Submission:
        data = answer.get("data")
        item = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
        if item is None:
            raise bad_response("Together", "no data[0]", answer)
        state: dict[str, Any] = {"model": answer.get("model")}
        if isinstance(item.get("b64_json"), str):
            try:
                image = base64.b64decode(item["b64_json"], validate=True)
            except (binascii.Error, ValueError):
                raise bad_response("Together", "b64_json is not base64", str(item)[:200])
            state["parked"] = default_storage.save(
                f"provider-results/{request.job_id.hex}", ContentFile(image)
            )
        elif isinstance(item.get("url"), str):
            state["url"] = item["url"]  # hosted for an unknown time: fetched right away
        else:
            raise bad_response("Together", "neither b64_json nor url", item)
        return Submission(ref=str(answer.get("id") or request.job_id), state=state, poll_after_seconds=0.0)

    def poll(self, ref: str, state: dict[str, Any]) -> PollResult:
        return PollResult(status="ready", progress=100)

    async def apoll(self, ref: str, state: dict[str, Any]) -> PollResult:
        return self.poll(ref, state)

    def fetch_outputs(self, request: SubmitRequest, state: dict[str, Any]) -> list[OutputImage]:
        if "parked" in state:
            with default_storage.open(state["parked"], "rb") as handle:
                data = handle.read()
            default_storage.delete(state["parked"])
            return [OutputImage(data=data)]
        return [
            OutputImage(data=self.http.download(state["url"], max_bytes=settings.PROVIDER_RESULT_MAX_BYTES))
        ]

    def cancel(self, ref: str, state: dict[str, Any]) -> None:
        """Nothing runs at Together once it answered; a result parked for a job that ended
        without it (canceled, timed out) is removed."""
        if "parked" in state:
            default_storage.delete(state["parked"])

    def generate_image(self, *, prompt: str, aspect_ratio: str = "4:3") -> bytes:
        self.check_configured()
        response = self.http.request(
            "POST", "images/generations", json=_image_body(prompt, aspect_ratio), safe=False
        )
        b64, url = _image_of(self.http.json(response, "images/generations"))
        return base64.b64decode(b64) if b64 is not None else self._download(url)

    async def agenerate_image(self, *, prompt: str, aspect_ratio: str = "4:3") -> bytes:
        """On the loop's HTTP client, so a page past its budget cancels the call itself (a thread
        would hold it, and whoever waits for the loop's threads, until Together answered)."""
        self.check_configured()
        body = _image_body(prompt, aspect_ratio)
        response = await self.http.arequest("POST", "images/generations", json=body, safe=False)
        b64, url = _image_of(self.http.json(response, "images/generations"))
        return base64.b64decode(b64) if b64 is not None else await asyncio.to_thread(self._download, url)

    async def aclose(self) -> None:
        await self.http.aclose()

    def _download(self, url: str) -> bytes:
        return self.http.download(url, max_bytes=settings.PROVIDER_RESULT_MAX_BYTES)


def _image_body(prompt: str, aspect_ratio: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": settings.TOGETHER_IMAGE_MODEL,
        "prompt": prompt,
        "response_format": "base64",
        "n": 1,
        "output_format": "png",
    }
    if aspect_ratio != "match_input_image":
        body["aspect_ratio"] = aspect_ratio
    return body


def _image_of(answer: dict[str, Any]) -> tuple[str | None, str]:
    """A text-to-image answer's image: (base64, "") or (None, its URL)."""
    data = answer.get("data")
    item = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    if isinstance(item.get("b64_json"), str):
        return item["b64_json"], ""
    if isinstance(item.get("url"), str):
        return None, item["url"]
    raise bad_response("Together", "no image in the answer", answer)

"""Product pages as a provider of the job engine: the LLM plans the blocks and writes them
(templates_app.pages), block images come from PAGE_IMAGE_PROVIDER and land in the gallery.

All the paid work happens in the guarded submit step, like Together's synchronous call: a job
is never written twice, and the result (a stored page) is ready as soon as submit returns.
The engine process runs that step as a task of its asyncio loop (`asubmit`), so pages hold no
task process; the block calls run concurrently (a page takes about a plan call plus two or three
block calls). PAGE_TIMEOUT_SECONDS is its budget, enforced by cancelling the whole write, image
calls included; PAGE_MAX_CONCURRENT bounds how many pages run at once.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model

from gallery.imaging import image_prepare_output
from gallery.services import image_create
from generation.llm import get_llm
from generation.providers.base import (
    OutputImage,
    PollResult,
    Provider,
    ProviderError,
    Submission,
    SubmitRequest,
)
from generation.providers.registry import get_provider

if TYPE_CHECKING:
    from gallery.models import Image
    from templates_app.pages import MakeImage


class PageProvider(Provider):
    name = "page"
    kinds = frozenset({"page"})
    produces_images = False
    nominal_duration_seconds = 20.0

    def __init__(self) -> None:
        self.max_concurrent = settings.PAGE_MAX_CONCURRENT
        # The offline LLM costs nothing, so a page interrupted mid-write may be written again.
        self.resubmit_is_safe = settings.LLM_PROVIDER == "local"

    def check_configured(self) -> None:
        get_llm().check_configured()

    async def asubmit(self, request: SubmitRequest) -> Submission:
        from templates_app.pages import page_generate

        params = request.params
        images = get_provider(settings.PAGE_IMAGE_PROVIDER) if params.get("with_images") else None
        make_image = self._image_maker(request, images) if images is not None else None
        budget = settings.PAGE_TIMEOUT_SECONDS
        try:
            async with asyncio.timeout(budget):
                result = await page_generate(
                    llm=get_llm(),
                    owner_id=request.user_id,
                    product_info=params["product_info"],
                    product_name=params.get("product_name"),
                    template_ids=params["template_ids"],
                    language=params.get("language"),
                    with_images=bool(params.get("with_images")),
                    make_image=make_image,
                    job_id=request.job_id,
                )
        except TimeoutError:
            raise ProviderError(
                f"The page was not finished within {budget:g} s (PAGE_TIMEOUT_SECONDS). "
                "Try fewer blocks or no images, or raise the setting.",
                code="page_timeout",
            ) from None
        finally:
            if images is not None:
                await images.aclose()  # its HTTP connections (an image call cut off by the budget)
        return Submission(
            ref=str(result.page_id),
            poll_after_seconds=0.0,
            state={"page_id": str(result.page_id), "title": result.title, "language": result.language},
        )

    def submit(self, request: SubmitRequest) -> Submission:
        raise NotImplementedError("product pages are written by the engine process (asubmit)")

    def _image_maker(self, request: SubmitRequest, images: Provider) -> MakeImage:
        images.check_configured()

        def store(data: bytes, prompt: str) -> Image:
            owner = get_user_model().objects.get(pk=request.user_id)
            return image_create(
                owner=owner,
                prepared=image_prepare_output(data, fmt="png"),
                source="page",
                prompt=prompt,
                job_id=request.job_id,
            )

        async def make_image(prompt: str) -> Image:
            data = await images.agenerate_image(prompt=prompt, aspect_ratio="4:3")
            return await sync_to_async(store)(data, prompt)

        return make_image

    def poll(self, ref: str, state: dict[str, Any]) -> PollResult:
        return PollResult(status="ready", progress=100)

    async def apoll(self, ref: str, state: dict[str, Any]) -> PollResult:
        return self.poll(ref, state)

    def fetch_outputs(self, request: SubmitRequest, state: dict[str, Any]) -> list[OutputImage]:
        return []  # the page is stored already; its images went to the gallery as they were made

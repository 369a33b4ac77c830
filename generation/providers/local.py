"""The offline provider: real images with Pillow, behaving like a remote provider.

Submit returns at once with a reference; the result is "ready" LOCAL_PROVIDER_DELAY_SECONDS
later; the picture is rendered when the result is fetched. So the engine's remote path
(submit, poll without holding a worker, fetch, cancel) is exercised offline.
"""

from __future__ import annotations

import io
import time
from typing import Any

from django.conf import settings
from PIL import Image

from generation.providers.base import OutputImage, PollResult, Provider, Submission, SubmitRequest


def _open(request: SubmitRequest, role: str) -> Image.Image:
    image = Image.open(io.BytesIO(request.inputs[role].read()))
    image.load()
    return image


class LocalProvider(Provider):
    name = "local"
    kinds = frozenset({"ppl", "goods", "edit"})
    resubmit_is_safe = True

    def __init__(self) -> None:
        self.delay_seconds = settings.LOCAL_PROVIDER_DELAY_SECONDS
        self.max_concurrent = settings.LOCAL_MAX_CONCURRENT
        self.nominal_duration_seconds = self.delay_seconds + 0.5

    def submit(self, request: SubmitRequest) -> Submission:
        now = time.time()
        return Submission(
            ref=f"local-{request.job_id.hex}",
            state={"submitted_at": now, "ready_at": now + self.delay_seconds},
            poll_after_seconds=self._interval(self.delay_seconds),
        )

    async def asubmit(self, request: SubmitRequest) -> Submission:
        return self.submit(request)  # no I/O: no thread needed

    @staticmethod
    def _interval(total: float) -> float:
        # About five progress updates per job, at most one a second.
        return min(1.0, total / 5)

    def poll(self, ref: str, state: dict[str, Any]) -> PollResult:
        now = time.time()
        ready_at = float(state["ready_at"])
        if now >= ready_at:
            return PollResult(status="ready", progress=100)
        total = max(ready_at - float(state["submitted_at"]), 0.001)
        elapsed = now - float(state["submitted_at"])
        return PollResult(
            status="pending",
            progress=min(99, int(100 * elapsed / total)),
            poll_after_seconds=min(self._interval(total), ready_at - now),
        )

    async def apoll(self, ref: str, state: dict[str, Any]) -> PollResult:
        return self.poll(ref, state)  # no I/O: no thread needed

    def fetch_outputs(self, request: SubmitRequest, state: dict[str, Any]) -> list[OutputImage]:
        from generation.providers import local_imaging  # rendering code only where it runs

        params = request.params
        if request.kind == "ppl":
            result = local_imaging.compose_ppl(
                _open(request, "input_image_1"),
                _open(request, "input_image_2"),
                aspect_ratio=params.get("aspect_ratio", "match_input_image"),
                prompt=params.get("prompt", ""),
                seed=params.get("seed"),
            )
        elif request.kind == "edit":
            from generation.providers.local_edit import apply_edit

            result, _ = apply_edit(
                _open(request, "image"),
                params.get("prompt_en") or params["prompt"],
                aspect_ratio=params.get("aspect_ratio", "match_input_image"),
            )
        else:
            result = local_imaging.compose_goods(
                _open(request, "character_image"),
                goods_type=params["goods_type"],
                aspect_ratio=params.get("aspect_ratio", "1:1"),
                prompt=params.get("prompt", ""),
                seed=params.get("seed"),
            )
        fmt = "JPEG" if params.get("output_format") == "jpg" else "PNG"
        buffer = io.BytesIO()
        result.convert("RGB").save(buffer, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
        return [OutputImage(data=buffer.getvalue())]

    def generate_image(self, *, prompt: str, aspect_ratio: str = "4:3") -> bytes:
        from generation.providers.local_illustration import illustration

        buffer = io.BytesIO()
        illustration(prompt, aspect_ratio=aspect_ratio).save(buffer, format="PNG")
        return buffer.getvalue()

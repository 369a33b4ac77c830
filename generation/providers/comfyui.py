"""ComfyUI as a provider for every image kind (seed 002): a workflow JSON per kind, kept in
`comfyui_workflows/`, with the job's inputs patched in.

Each workflow file is a ComfyUI API-format graph plus a `_studio` key (removed before sending)
that says which node inputs take what: `images` {role: [node, input]}, `prompt`, `seed`,
`width`/`height`, `latent` (where the sampler's latent comes from: the scaled input for
`match_input_image`, the empty latent of the asked size otherwise), `filename_prefix`, and
`output_node` (whose images are the result).

Progress comes from ComfyUI's websocket through a listener thread (generation/clients/comfyui.py);
`/history/{id}` decides when a prompt has finished, so a missing websocket only loses progress.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from generation.clients.comfyui import (
    PROVIDER,
    ComfyUIClient,
    HistoryEntry,
    OutputRef,
    ProgressWatcher,
    PromptProgress,
    client_id_for,
    progress_watcher,
    server_base_url,
    ws_url,
)
from generation.clients.http import bad_response
from generation.constants import SEED_MAX
from generation.providers.base import (
    OutputImage,
    PollResult,
    Provider,
    ProviderError,
    ProviderNotConfigured,
    Submission,
    SubmitRequest,
)
from generation.providers.prompts import goods_prompt, ppl_prompt

WORKFLOWS_DIR = Path(__file__).with_name("comfyui_workflows")
UPLOAD_SUBFOLDER = "ppl-studio"
# Websocket news younger than this is trusted to say a prompt is still running; older news
# (a dropped socket, a long model load) is checked against /queue.
_WS_FRESH_SECONDS = 5.0
_EXTENSIONS = {"jpeg": "jpg", "jpg": "jpg", "png": "png", "webp": "webp"}


@cache
def _workflow_text(kind: str) -> str:
    return (WORKFLOWS_DIR / f"{kind}.json").read_text(encoding="utf-8")


def workflow_load(kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh copy of the kind's graph and its patch map."""
    graph = json.loads(_workflow_text(kind))
    return graph, graph.pop("_studio")


def size_for_aspect_ratio(aspect_ratio: str, *, pixels: int = 1024 * 1024) -> tuple[int, int] | None:
    """About one megapixel in the asked shape, sides a multiple of 16 (Flux's latent grid);
    None for match_input_image (the sampler then takes the scaled input's size)."""
    if not aspect_ratio or aspect_ratio == "match_input_image":
        return None
    w, h = (int(part) for part in aspect_ratio.split(":"))
    width = math.sqrt(pixels * w / h)
    return max(16, round(width / 16) * 16), max(16, round(width * h / w / 16) * 16)


def _set(graph: dict[str, Any], target: list[str], value: object, kind: str) -> None:
    node_id, input_name = target
    try:
        graph[node_id]["inputs"][input_name] = value
    except (KeyError, TypeError):
        raise ProviderError(
            f"The ComfyUI workflow for {kind} has no input {node_id}.{input_name}; "
            "the workflow file and its _studio map disagree.",
            code="provider_misconfigured",
        )


def prompt_text(kind: str, params: dict[str, Any]) -> str:
    if kind == "goods":
        return goods_prompt(params["goods_type"], params.get("prompt", ""))
    if kind == "ppl":
        return ppl_prompt(params.get("prompt", ""))
    prompt: str = params.get("prompt_en") or params.get("prompt", "")
    return prompt


def workflow_build(
    *, kind: str, params: dict[str, Any], images: dict[str, str], seed: int, filename_prefix: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The graph to queue, and what was chosen (recorded in the job's provider state)."""
    graph, patches = workflow_load(kind)
    for role, target in patches["images"].items():
        _set(graph, target, images[role], kind)
    _set(graph, patches["prompt"], prompt_text(kind, params), kind)
    _set(graph, patches["seed"], seed, kind)
    _set(graph, patches["filename_prefix"], filename_prefix, kind)
    size = size_for_aspect_ratio(params.get("aspect_ratio", "match_input_image"))
    latent = patches["latent"]
    if size is None:
        _set(graph, latent["input"], latent["match_input"], kind)
    else:
        _set(graph, patches["width"], size[0], kind)
        _set(graph, patches["height"], size[1], kind)
        _set(graph, latent["input"], latent["sized"], kind)
    chosen = {
        "seed": seed,
        "output_node": patches["output_node"],
        "width": size[0] if size else None,
        "height": size[1] if size else None,
    }
    return graph, chosen


class ComfyUIProvider(Provider):
    name = "comfyui"
    kinds = frozenset({"ppl", "goods", "edit"})
    resubmit_is_safe = False  # a second submit would queue a second run on the GPU
    nominal_duration_seconds = 60.0

    def __init__(self) -> None:
        self.server = (settings.COMFYUI_SERVER or "").strip()
        self.max_concurrent = settings.COMFYUI_MAX_CONCURRENT
        self.base_url = server_base_url(self.server) if self.server else ""
        self.client_id = client_id_for(self.base_url, settings.Q_CLUSTER["name"])

    def check_configured(self) -> None:
        if not self.server:
            raise ProviderNotConfigured("COMFYUI_SERVER", "ComfyUI")

    def _client(self, *, max_attempts: int | None = None, read_timeout: float | None = None) -> ComfyUIClient:
        self.check_configured()
        return ComfyUIClient(
            self.base_url,
            connect_timeout=settings.COMFY_HTTP_CONNECT_TIMEOUT,
            read_timeout=read_timeout or settings.COMFY_HTTP_READ_TIMEOUT,
            max_attempts=max_attempts or settings.PROVIDER_MAX_ATTEMPTS,
        )

    # -- submit --
    def submit(self, request: SubmitRequest) -> Submission:
        _, patches = workflow_load(request.kind)
        seed = request.params.get("seed")
        seed = random.randint(0, SEED_MAX) if seed is None else int(seed)
        client = self._client()
        try:
            images = {}
            for role in patches["images"]:
                image = request.inputs.get(role)
                if image is None:
                    raise ProviderError(f"The {request.kind} job has no {role} image.", code="invalid_input")
                fmt = (image.format or "png").lower()
                images[role] = client.upload_image(
                    filename=f"{request.job_id.hex}-{role}.{_EXTENSIONS.get(fmt, fmt)}",
                    data=image.read(),
                    content_type=f"image/{'jpeg' if fmt == 'jpg' else fmt}",
                    subfolder=UPLOAD_SUBFOLDER,
                )
            graph, chosen = workflow_build(
                kind=request.kind,
                params=request.params,
                images=images,
                seed=seed,
                filename_prefix=f"{UPLOAD_SUBFOLDER}/{request.job_id.hex}",
            )
            prompt_id = client.queue_prompt(graph=graph, client_id=self.client_id)
        finally:
            client.close()
        # An early first poll starts the websocket listener before the sampler's first step.
        return Submission(
            ref=prompt_id,
            state={"client_id": self.client_id, "inputs": images, **chosen},
            poll_after_seconds=0.25,
        )

    # -- poll --
    def _watcher(self, state: dict[str, Any]) -> ProgressWatcher:
        return progress_watcher(
            ws_url(self.base_url, state.get("client_id") or self.client_id),
            connect_timeout=settings.COMFY_WS_CONNECT_TIMEOUT,
            idle_timeout=settings.COMFY_WS_IDLE_TIMEOUT,
        )

    async def apoll(self, ref: str, state: dict[str, Any]) -> PollResult:
        self.check_configured()
        watcher = self._watcher(state)
        progress = watcher.observe(ref)
        # A client per poll: the engine runs each round in a fresh event loop.
        client = self._client(max_attempts=2)
        try:
            result = await self._apoll(client, ref, state, progress, connected=watcher.connected)
        finally:
            await client.aclose()
        if result.status != "pending":
            watcher.forget(ref)
        return result

    def poll(self, ref: str, state: dict[str, Any]) -> PollResult:
        return asyncio.run(self.apoll(ref, state))

    async def _apoll(
        self,
        client: ComfyUIClient,
        ref: str,
        state: dict[str, Any],
        progress: PromptProgress | None,
        *,
        connected: bool,
    ) -> PollResult:
        entry = await client.ahistory(ref)
        if entry is not None:
            return self._from_history(entry, state)
        fresh = progress if progress and time.monotonic() - progress.updated_at < _WS_FRESH_SECONDS else None
        if fresh and fresh.state == "running":
            return PollResult(
                status="pending",
                progress=fresh.percent,
                poll_after_seconds=1.0,
                state={"comfy_status": "running"},
            )
        if fresh and fresh.state == "done":
            return PollResult(status="pending", progress=99, poll_after_seconds=0.3)  # history lags
        queue = await client.aqueue()
        if ref in queue.running:
            return PollResult(
                status="pending",
                progress=progress.percent if progress else 0,
                poll_after_seconds=1.0 if connected else 2.0,
                state={"comfy_status": "running"},
            )
        if ref in queue.pending:
            return PollResult(
                status="pending",
                progress=0,
                poll_after_seconds=2.0,
                state={"comfy_status": "pending", "comfy_queue_position": queue.pending.index(ref) + 1},
            )
        entry = await client.ahistory(ref)  # it may have finished between the two reads
        if entry is not None:
            return self._from_history(entry, state)
        if progress is not None and progress.state == "failed":
            return PollResult(
                status="failed", error_code="provider_failed", error_message=progress.error_message
            )
        return PollResult(
            status="failed",
            error_code="provider_failed",
            error_message="ComfyUI no longer knows this prompt (it may have been "
            "restarted or its queue cleared).",
        )

    @staticmethod
    def _from_history(entry: HistoryEntry, state: dict[str, Any]) -> PollResult:
        # Key on status_str: a failed prompt has completed=false *and* status_str "error".
        if entry.status == "error":
            return PollResult(
                status="failed",
                error_code="provider_failed",
                error_message=entry.error_message or "ComfyUI reported an error.",
            )
        if entry.status not in ("success", ""):
            raise bad_response(PROVIDER, "history status", entry)
        outputs = [image for image in entry.images if image.type == "output"]
        outputs = [image for image in outputs if image.node == state.get("output_node")] or outputs
        if not outputs:
            raise bad_response(PROVIDER, "history without output images", entry)
        return PollResult(
            status="ready", progress=100, state={"outputs": [image.as_dict() for image in outputs]}
        )

    # -- results, cancel, health --
    def fetch_outputs(self, request: SubmitRequest, state: dict[str, Any]) -> list[OutputImage]:
        refs = state.get("outputs")
        if not isinstance(refs, list) or not refs:
            raise bad_response(PROVIDER, "no output refs recorded", state)
        client = self._client()
        try:
            return [
                OutputImage(
                    data=client.view(
                        OutputRef(
                            filename=ref["filename"],
                            subfolder=ref.get("subfolder", ""),
                            type=ref.get("type", "output"),
                            node=ref.get("node", ""),
                        ),
                        max_bytes=settings.PROVIDER_RESULT_MAX_BYTES,
                    )
                )
                for ref in refs
            ]
        finally:
            client.close()

    def cancel(self, ref: str, state: dict[str, Any]) -> None:
        client = self._client(max_attempts=2)
        try:
            queue = client.queue()
            if ref in queue.running:
                client.interrupt(ref)
            elif ref in queue.pending:
                client.queue_delete(ref)
                if ref in client.queue().running:  # it started between the two calls
                    client.interrupt(ref)
        finally:
            client.close()

    def probe(self) -> tuple[bool, str]:
        if not self.server:
            return False, "COMFYUI_SERVER is not set."
        client = self._client(max_attempts=1, read_timeout=settings.COMFY_HTTP_CONNECT_TIMEOUT)
        try:
            stats = client.system_stats()
        except ProviderError as exc:
            return False, f"ComfyUI at {self.base_url}: {exc.message}"
        finally:
            client.close()
        devices = stats.get("devices")
        if not isinstance(devices, list):
            return False, f"ComfyUI at {self.base_url} answered /system_stats in an unexpected shape."
        version = (stats.get("system") or {}).get("comfyui_version", "?")
        described = []
        for device in devices:
            if isinstance(device, dict):
                free, total = device.get("vram_free"), device.get("vram_total")
                vram = (
                    f", {free / 2**30:.1f} of {total / 2**30:.1f} GiB VRAM free"
                    if isinstance(free, int | float) and isinstance(total, int | float)
                    else ""
                )
                described.append(f"{device.get('name', '?')}{vram}")
        return True, f"ComfyUI {version} at {self.base_url}: " + ("; ".join(described) or "no devices")

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from config.error_codes import error_code


class ProviderError(Exception):
    """A provider failure. `permanent` ones end the job; others are retried with backoff."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "provider_error",
        permanent: bool = True,
        retry_after_seconds: float | None = None,
        not_sent: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.code = error_code(code)  # becomes the job's error code: registered, or it fails here
        self.permanent = permanent
        self.retry_after_seconds = retry_after_seconds
        # True when the request surely did not reach the provider (a connect error, or a 429 or
        # 502/503/504 answer to every attempt): a create may then be sent again at no cost.
        self.not_sent = not_sent


class ProviderNotConfigured(ProviderError):
    def __init__(self, variable: str, provider: str):
        super().__init__(
            f"{variable} is not set: the {provider} provider cannot run without it.",
            code="provider_not_configured",
            permanent=True,
        )
        self.variable = variable


@dataclass(frozen=True)
class InputImage:
    role: str
    format: str
    width: int
    height: int
    read: Callable[[], bytes]  # lazy: only providers that send bytes read the file


@dataclass(frozen=True)
class SubmitRequest:
    job_id: UUID
    kind: str
    params: dict[str, Any]  # for edits, params["prompt_en"] is the English prompt to send
    inputs: dict[str, InputImage]
    user_id: int  # the job's owner (a page stores its images in the owner's gallery)
    webhook_url: str | None = None  # set when PUBLIC_BASE_URL is, for providers that call back


@dataclass(frozen=True)
class Submission:
    ref: str
    state: dict[str, Any] = field(default_factory=dict)
    poll_after_seconds: float = 1.0


@dataclass(frozen=True)
class PollResult:
    status: Literal["pending", "ready", "failed"]
    progress: int | None = None
    state: dict[str, Any] | None = None  # merged into the job's provider_state
    poll_after_seconds: float = 2.0
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class OutputImage:
    data: bytes


class Provider:
    """Base class. Subclasses set `name` and implement submit (and asubmit where their client is
    async), apoll (or poll) and fetch_outputs."""

    name: str = ""
    kinds: frozenset[str] = frozenset()
    # Jobs over this many at once wait in our queue (waiting_reason=provider_capacity).
    max_concurrent: int = 10
    # Whether a submit that may or may not have reached the provider can be sent again.
    # Only true where a second submit costs nothing; paid providers are never resubmitted.
    resubmit_is_safe: bool = False
    # Duration assumed for ETAs until real durations have been measured.
    nominal_duration_seconds: float = 30.0
    # False for providers whose result is not an image (product pages).
    produces_images: bool = True

    def check_configured(self) -> None:
        """Raise ProviderNotConfigured naming the missing variable."""

    def submit(self, request: SubmitRequest) -> Submission:
        raise NotImplementedError

    async def asubmit(self, request: SubmitRequest) -> Submission:
        """submit for the engine's loop (the one paid call). By default the sync submit runs in a
        thread, input reads included; providers with an async client send it from the loop.
        Cancelling it mid-call leaves the call's fate unknown: the engine then hands the job to
        job_submit_interrupted (sent again only where that is free)."""
        return await asyncio.to_thread(self.submit, request)

    def poll(self, ref: str, state: dict[str, Any]) -> PollResult:
        raise NotImplementedError

    async def apoll(self, ref: str, state: dict[str, Any]) -> PollResult:
        return await asyncio.to_thread(self.poll, ref, state)

    def fetch_outputs(self, request: SubmitRequest, state: dict[str, Any]) -> list[OutputImage]:
        raise NotImplementedError

    def cancel(self, ref: str, state: dict[str, Any]) -> None:
        """Best effort; a provider without cancel simply lets the job run out."""

    async def aclose(self) -> None:
        """Release connections opened by apoll (called once per poll round)."""

    def generate_image(self, *, prompt: str, aspect_ratio: str = "4:3") -> bytes:
        """An image from text alone (product-page illustrations). Synchronous, one paid call."""
        raise ProviderError(
            f"The {self.name} provider cannot make an image from text alone.", code="provider_unsupported"
        )

    async def agenerate_image(self, *, prompt: str, aspect_ratio: str = "4:3") -> bytes:
        """generate_image for the engine's loop. Cancelling it (a page past its budget) returns at
        once; a provider whose client is sync finishes its call in the thread, unread."""
        return await asyncio.to_thread(self.generate_image, prompt=prompt, aspect_ratio=aspect_ratio)

    def probe(self) -> tuple[bool, str] | None:
        """A cheap reachability check for health, or None where there is none."""
        return None

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> tuple[str, PollResult]:
        """Verify a callback and return (provider reference, what it says).

        Raises WebhookRejected when the signature or timestamp does not check out."""
        raise WebhookRejected(f"{self.name} does not take webhooks")


class WebhookRejected(Exception):
    pass

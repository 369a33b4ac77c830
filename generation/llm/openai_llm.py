"""The LLM through the `openai` SDK, against OPENAI_BASE_URL: OpenAI or any compatible server.

Every call is retried in one place, LLM_RETRY (generation.clients.http's RetryPolicy; the SDK's
own retries are off): at most LLM_MAX_ATTEMPTS requests per answer, whatever went wrong —
connection errors, timeouts, 429 and 5xx (after the server's Retry-After or a backoff), a
refused answer format, or an answer that is not usable.

JSON tasks ask for structured outputs (`json_schema`, strict). Servers vary in what they
support, so the answer format steps down — json_schema → json_object → plain text with the
schema in the prompt — when a server rejects a format (400 naming it) or ignores it (answers
something that is not JSON). Every answer is validated against the schema, then by the caller's
`check`; an unusable one is asked again with the problem fed back. Neither the key nor the
prompts are logged at INFO: only the model, task, tokens and seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import openai
from django.conf import settings
from django.core.exceptions import ValidationError

from generation.clients.http import Retry, retry_after_seconds
from generation.llm.base import (
    LLM,
    LLM_RETRY,
    Check,
    JsonCompletion,
    LLMError,
    LLMNotConfigured,
    Translation,
    language_name,
    parse_json_object,
    unusable_answer,
    validation_error,
)

logger = logging.getLogger(__name__)

JSON_SCHEMA, JSON_OBJECT, PLAIN_TEXT = "json_schema", "json_object", "text"
_FORMATS = (JSON_SCHEMA, JSON_OBJECT, PLAIN_TEXT)
# Formats a server refused with a 400, so later calls skip the refusal. Per task too: OpenAI
# also refuses json_schema for a schema that strict mode cannot take, which is the task's doing.
_refused_formats: dict[tuple[str, str, str], int] = {}
_FORMAT_REFUSAL = re.compile(
    r"response_format|json_schema|json_object|structured output|guided", re.IGNORECASE
)
PROBE_TIMEOUT_SECONDS = 3.0

TRANSLATE_SYSTEM_PROMPT = (
    "You translate prompts for an image-editing model into natural English. Keep brand names, product "
    "names, numbers, units and any text in quotes (words meant to appear in the image) exactly as "
    "written. Answer with the English translation only: no quotes around it, no notes."
)


@dataclass
class _Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, completion) -> None:
        if completion.usage is not None:
            self.prompt_tokens += completion.usage.prompt_tokens or 0
            self.completion_tokens += completion.usage.completion_tokens or 0


class OpenAILLM(LLM):
    name = "openai"

    def __init__(self) -> None:
        self.api_key = settings.OPENAI_API_KEY or ""
        self.base_url = settings.OPENAI_BASE_URL.rstrip("/")
        self.model = settings.LLM_MODEL
        self.timeout_seconds = float(settings.LLM_TIMEOUT_SECONDS)

    def check_configured(self) -> None:
        if not self.api_key:
            raise LLMNotConfigured("OPENAI_API_KEY", "openai")

    def _client_options(self) -> dict:
        self.check_configured()
        # The SDK's own retries are off: LLM_RETRY is the one retry layer.
        return {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "timeout": self.timeout_seconds,
            "max_retries": 0,
        }

    def probe(self) -> tuple[bool, str] | None:
        if not self.api_key:
            return False, "OPENAI_API_KEY is not set"
        host = urlsplit(self.base_url).netloc
        options = {**self._client_options(), "timeout": min(self.timeout_seconds, PROBE_TIMEOUT_SECONDS)}
        try:
            with openai.OpenAI(**options) as client:
                models = [model.id for model in client.models.list()]
        except openai.OpenAIError as exc:
            return False, f"{host}: {_error(exc).message}"
        if self.model in models:
            return True, f"{self.model} at {host}"
        return True, f"{host} answers, but does not list {self.model}"

    # --- translation ---

    def _translate(self, text: str, language: str) -> Translation:
        started = time.monotonic()
        with openai.OpenAI(**self._client_options()) as client:

            def attempt():
                try:
                    return client.chat.completions.create(
                        model=self.model,
                        messages=[
                            {"role": "system", "content": TRANSLATE_SYSTEM_PROMPT},
                            {"role": "user", "content": text},
                        ],
                        max_completion_tokens=max(256, len(text) * 4),
                    )
                except openai.OpenAIError as exc:
                    raise _retryable(_error(exc)) from exc

            completion = LLM_RETRY.call(attempt)
        choice = _first_choice(completion)
        _check_finish(choice, task="translate")
        english = _clean_translation(choice.message.content or "")
        if not english:
            raise LLMError("The LLM answered the translation with nothing.", code="llm_bad_output")
        usage = _Usage()
        usage.add(completion)
        _log_done("translate", self.model, usage, time.monotonic() - started)
        return Translation(
            text=english,
            source_language=language,
            translated=True,
            note=f"Translated from {language_name(language)} by {self.model}.",
            model=self.model,
        )

    # --- JSON tasks ---

    async def acomplete_json(
        self,
        *,
        task: str,
        system: str,
        user: str,
        schema: dict,
        context: dict | None = None,
        max_tokens: int = 1500,
        check: Check | None = None,
        what: str = "",
    ) -> JsonCompletion:
        started = time.monotonic()
        conversation = _Conversation(
            self,
            task=task,
            system=system,
            user=user,
            schema=schema,
            max_tokens=max_tokens,
            check=check,
            what=what or f"the task '{task}'",
        )
        client = _async_client(self._client_options())
        data, value = await LLM_RETRY.acall(lambda: conversation.ask(client))
        seconds = time.monotonic() - started
        usage = conversation.usage
        _log_done(task, self.model, usage, seconds)
        return JsonCompletion(
            data=data,
            value=value,
            model=self.model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            seconds=seconds,
            attempts=conversation.attempts,
        )


_async_clients: dict[tuple, tuple[asyncio.AbstractEventLoop, openai.AsyncOpenAI]] = {}


def _async_client(options: dict) -> openai.AsyncOpenAI:
    """One AsyncOpenAI client per settings and event loop, kept: creating one builds a TLS context
    (0.1-0.4 s of CPU), which would stall the engine's loop, and every page in it, on each call."""
    loop = asyncio.get_running_loop()
    key = tuple(sorted(options.items()))
    cached = _async_clients.get(key)
    if cached is None or cached[0] is not loop:
        cached = _async_clients[key] = (loop, openai.AsyncOpenAI(**options))
    return cached[1]


class _Conversation:
    """One JSON answer, asked for once per attempt of LLM_RETRY: each attempt uses the best
    answer format the server has not refused, and repeats what was wrong with the last answer."""

    def __init__(
        self,
        llm: OpenAILLM,
        *,
        task: str,
        system: str,
        user: str,
        schema: dict,
        max_tokens: int,
        check: Check | None,
        what: str,
    ):
        self.llm, self.task, self.system, self.user, self.schema = llm, task, system, user, schema
        self.max_tokens, self.check, self.what = max_tokens, check, what
        self.key = (llm.base_url, llm.model, task)
        self.format_index = _refused_formats.get(self.key, 0)
        self.feedback: list[dict] = []  # the last unusable answer and what was wrong with it
        self.usage = _Usage()
        self.attempts = 0

    async def ask(self, client: openai.AsyncOpenAI) -> tuple[dict, object]:
        self.attempts += 1
        answer_format = _FORMATS[self.format_index]
        request = _json_request(
            self.llm.model, self.task, self.system, self.user, self.schema, answer_format, self.max_tokens
        )
        request["messages"] += self.feedback
        try:
            completion = await client.chat.completions.create(**request)
        except openai.BadRequestError as exc:
            if answer_format != PLAIN_TEXT and _FORMAT_REFUSAL.search(_server_message(exc)):
                self._step_down(refused=True)
                raise Retry(_error(exc), retry_after_seconds=0) from exc
            raise _error(exc) from exc
        except openai.OpenAIError as exc:
            raise _retryable(_error(exc)) from exc
        self.usage.add(completion)
        choice = _first_choice(completion)
        _check_finish(choice, task=self.task)
        content = choice.message.content or ""
        data = parse_json_object(content)
        problem = "the answer is not a JSON object" if data is None else validation_error(data, self.schema)
        if data is not None and problem is None:
            try:
                return data, (self.check(data) if self.check else data)
            except (ValueError, ValidationError) as exc:
                problem = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        assert problem is not None
        if data is None and answer_format != PLAIN_TEXT:
            self._step_down(refused=False)  # a server that ignores the format answers prose
        logger.info(
            "LLM answer for %s unusable (%s)",
            self.task,
            problem,
            extra={
                "event": "llm_retry",
                "task": self.task,
                "model": self.llm.model,
                "attempt": self.attempts,
            },
        )
        self.feedback = [
            {"role": "assistant", "content": content[:4000]},
            {
                "role": "user",
                "content": f"That answer is invalid: {problem}. Answer again "
                "with only a JSON object that matches the schema.",
            },
        ]
        raise Retry(unusable_answer(self.what, problem), retry_after_seconds=0)

    def _step_down(self, *, refused: bool) -> None:
        self.format_index += 1
        if refused:
            _refused_formats[self.key] = max(_refused_formats.get(self.key, 0), self.format_index)
            logger.warning(
                "LLM server refused response_format %s; falling back to %s",
                _FORMATS[self.format_index - 1],
                _FORMATS[self.format_index],
                extra={"event": "llm_format_fallback", "task": self.task, "model": self.llm.model},
            )


def _json_request(
    model: str, task: str, system: str, user: str, schema: dict, answer_format: str, max_tokens: int
) -> dict:
    if answer_format != JSON_SCHEMA:
        # json_object mode also requires the word "JSON" somewhere in the messages.
        system = (
            f"{system}\n\nAnswer with only a JSON object, no other text, that matches this JSON "
            f"schema:\n{json.dumps(schema, ensure_ascii=False)}"
        )
    request = {
        "model": model,
        "max_completion_tokens": max_tokens,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
    }
    if answer_format == JSON_SCHEMA:
        name = re.sub(r"[^a-zA-Z0-9_-]", "_", task)[:64] or "answer"
        request["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": schema},
        }
    elif answer_format == JSON_OBJECT:
        request["response_format"] = {"type": "json_object"}
    return request


def _first_choice(completion):
    if not getattr(completion, "choices", None):
        raise LLMError("The LLM answered without any choices.", code="llm_bad_output")
    return completion.choices[0]


def _check_finish(choice, *, task: str) -> None:
    refusal = getattr(choice.message, "refusal", None)
    if refusal:
        raise LLMError(f"The LLM refused the task '{task}': {refusal[:300]}", code="llm_refused")
    if choice.finish_reason == "content_filter":
        raise LLMError(f"The LLM's content filter stopped the task '{task}'.", code="llm_refused")
    if choice.finish_reason == "length":
        raise LLMError(
            f"The LLM's answer for '{task}' was cut off at the token limit.", code="llm_bad_output"
        )


_QUOTES = "\"'“”‘’「」"


def _clean_translation(content: str) -> str:
    text = content.strip()
    text = re.sub(r"^(english|translation)\s*:\s*", "", text, flags=re.IGNORECASE)
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def _server_message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return exc.message or ""


def _retryable(error: LLMError) -> Exception:
    """Transient failures (connection, timeout, 429, 5xx) are tried again; the rest end the call."""
    return error if error.permanent else Retry(error)


def _error(exc: openai.OpenAIError) -> LLMError:
    """One SDK failure as an LLMError with a stable code."""
    if isinstance(exc, openai.APITimeoutError):
        return LLMError("The LLM server did not answer in time.", code="llm_timeout", permanent=False)
    if isinstance(exc, openai.APIConnectionError):
        return LLMError("The LLM server could not be reached.", code="llm_unavailable", permanent=False)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        # Servers put a (partly masked) key in auth errors: their message is not repeated.
        if status in (401, 403):
            return LLMError(
                f"The LLM server refused the API key (HTTP {status}); check OPENAI_API_KEY.", code="llm_auth"
            )
        detail = _server_message(exc)[:300]
        # OpenAI reports an exhausted quota as a 429 that no retry will cure.
        if status == 402 or getattr(exc, "code", None) == "insufficient_quota":
            return LLMError(f"The LLM account is out of credits: {detail}", code="llm_credits")
        if status == 429:
            return LLMError(
                f"The LLM server is rate limiting us: {detail}",
                code="llm_rate_limited",
                permanent=False,
                retry_after_seconds=retry_after_seconds(exc.response.headers),
            )
        if status >= 500:
            return LLMError(
                f"The LLM server failed (HTTP {status}): {detail}", code="llm_unavailable", permanent=False
            )
        return LLMError(f"The LLM server rejected the request (HTTP {status}): {detail}", code="llm_rejected")
    if isinstance(exc, openai.APIResponseValidationError):
        return LLMError("The LLM server's answer has an unexpected shape.", code="llm_bad_output")
    return LLMError(f"The LLM call failed: {type(exc).__name__}", code="llm_unavailable", permanent=False)


def _log_done(task: str, model: str, usage: _Usage, seconds: float) -> None:
    logger.info(
        "llm %s done by %s in %.2fs (%d+%d tokens)",
        task,
        model,
        seconds,
        usage.prompt_tokens,
        usage.completion_tokens,
        extra={
            "event": "llm_call",
            "task": task,
            "model": model,
            "seconds": round(seconds, 3),
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
        },
    )

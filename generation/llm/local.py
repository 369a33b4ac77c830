"""The offline LLM: no network. It detects languages but translates nothing (it says so), and
answers JSON tasks with rule-based generators: templates_app's page copy, and any registered
with register_local_task."""

from __future__ import annotations

import logging
import time

from django.core.exceptions import ValidationError

from generation.llm.base import (
    LLM,
    Check,
    JsonCompletion,
    LLMError,
    Translation,
    language_name,
    local_task,
    unusable_answer,
    validation_error,
)
from templates_app.local_copy import PAGE_TASKS

logger = logging.getLogger(__name__)


class LocalLLM(LLM):
    name = "local"
    model = "local"

    def probe(self) -> tuple[bool, str] | None:
        return True, "offline LLM"

    def _translate(self, text: str, language: str) -> Translation:
        note = (
            f"Not translated: the offline LLM cannot translate {language_name(language)}, "
            "so the prompt was sent as written."
        )
        return Translation(text=text, source_language=language, translated=False, note=note, model=self.model)

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
        generate = local_task(task) or PAGE_TASKS.get(task)
        if generate is None:
            raise LLMError(f"The offline LLM has no generator for the task '{task}'.", code="llm_bad_output")
        started = time.monotonic()
        data = generate(dict(context or {}), schema)
        if not isinstance(data, dict):
            raise LLMError(
                f"The offline generator for '{task}' did not return a JSON object.", code="llm_bad_output"
            )
        problem = validation_error(data, schema)
        if problem is not None:
            raise LLMError(
                f"The offline generator for '{task}' gave output that does not match the schema {problem}.",
                code="llm_bad_output",
            )
        try:
            value = check(data) if check else data
        except (ValueError, ValidationError) as exc:
            # The generators are deterministic: asking again would give the same answer.
            problem = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise unusable_answer(what or f"the task '{task}'", problem) from exc
        seconds = time.monotonic() - started
        logger.info(
            "llm json task %s done offline",
            task,
            extra={"event": "llm_json", "task": task, "model": self.model, "seconds": round(seconds, 3)},
        )
        return JsonCompletion(
            data=data, value=value, model=self.model, prompt_tokens=0, completion_tokens=0, seconds=seconds
        )

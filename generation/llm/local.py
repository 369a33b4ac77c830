"""The offline LLM: no network. It detects languages but translates nothing (it says so), and
answers JSON tasks with the rule-based generators that apps registered with register_local_task."""

from __future__ import annotations

import logging
import time

from generation.llm.base import (
    LLM,
    JsonCompletion,
    LLMError,
    Translation,
    language_name,
    local_task,
    validation_error,
)

logger = logging.getLogger(__name__)


class LocalLLM(LLM):
    name = "local"
    model = "local"

    def probe(self) -> tuple[bool, str] | None:
        return True, "offline LLM"

    def _translate(self, text: str, language: str) -> Translation:
        note = (f"Not translated: the offline LLM cannot translate {language_name(language)}, "
                "so the prompt was sent as written.")
        return Translation(text=text, source_language=language, translated=False, note=note,
                           model=self.model)

    async def acomplete_json(self, *, task: str, system: str, user: str, schema: dict,
                             context: dict | None = None, max_tokens: int = 1500) -> JsonCompletion:
        generate = local_task(task)
        if generate is None:
            raise LLMError(f"The offline LLM has no generator for the task '{task}'.",
                           code="llm_bad_output")
        started = time.monotonic()
        data = generate(dict(context or {}), schema)
        if not isinstance(data, dict):
            raise LLMError(f"The offline generator for '{task}' did not return a JSON object.",
                           code="llm_bad_output")
        problem = validation_error(data, schema)
        if problem is not None:
            raise LLMError(f"The offline generator for '{task}' gave output that does not match "
                           f"the schema {problem}.", code="llm_bad_output")
        seconds = time.monotonic() - started
        logger.info("llm json task %s done offline", task,
                    extra={"event": "llm_json", "task": task, "model": self.model,
                           "seconds": round(seconds, 3)})
        return JsonCompletion(data=data, model=self.model, prompt_tokens=0, completion_tokens=0,
                              seconds=seconds)

"""The LLM seam: translation of prompts and structured JSON content, `openai` or `local`.

    llm = get_llm()
    llm.translate_to_english(text) -> Translation
    await llm.acomplete_json(task=..., system=..., user=..., schema=..., check=..., what=...)
        -> JsonCompletion

The `local` LLM is the offline default. It detects languages and translates nothing it cannot
(the text passes through, and `note` says so). For JSON tasks it runs a rule-based generator
(templates_app's page copy, or one registered with `register_local_task`), so offline installs
still produce real content. Apps below generation (templates_app) never import this package:
they are handed an LLM (templates_app.pages.PageLLM) by their caller.
"""

from generation.llm.base import (
    LLM,
    LLM_MAX_ATTEMPTS,
    JsonCompletion,
    LLMError,
    LLMNotConfigured,
    Translation,
    detect_language,
    register_local_task,
)
from generation.llm.registry import get_llm

__all__ = [
    "LLM",
    "LLM_MAX_ATTEMPTS",
    "JsonCompletion",
    "LLMError",
    "LLMNotConfigured",
    "Translation",
    "detect_language",
    "get_llm",
    "register_local_task",
]

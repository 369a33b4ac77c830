"""The LLM seam: translation of prompts and structured JSON content, `openai` or `local`.

    llm = get_llm()
    llm.translate_to_english(text) -> Translation
    await llm.acomplete_json(task=..., system=..., user=..., schema=..., context=...) -> JsonCompletion

The `local` LLM is the offline default. It detects languages and translates nothing it cannot
(the text passes through, and `note` says so). For JSON tasks it runs a rule-based generator
that the app owning the task registered with `register_local_task` (e.g. templates_app's page
copy), so offline installs still produce real content.
"""

from generation.llm.base import (
    LLM,
    JsonCompletion,
    LLMError,
    LLMNotConfigured,
    Translation,
    detect_language,
    register_local_task,
)
from generation.llm.registry import get_llm

__all__ = ["LLM", "JsonCompletion", "LLMError", "LLMNotConfigured", "Translation", "detect_language",
           "get_llm", "register_local_task"]

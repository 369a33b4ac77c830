from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from generation.llm.base import LLM, LLMError

LLMS: dict[str, str] = {
    "local": "generation.llm.local.LocalLLM",
    "openai": "generation.llm.openai_llm.OpenAILLM",
}


@cache
def _llm_class(name: str) -> type[LLM]:
    return import_string(LLMS[name])


def get_llm() -> LLM:
    """The LLM named by LLM_PROVIDER. A fresh instance per use: it reads settings at construction,
    which tests override."""
    name = (settings.LLM_PROVIDER or "local").strip().lower()
    if name not in LLMS:
        raise LLMError(
            f"Unknown LLM_PROVIDER {name!r}; use one of: {', '.join(LLMS)}.", code="llm_not_configured"
        )
    return _llm_class(name)()
